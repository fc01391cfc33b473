package backend

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// TestE164ValidAgreesWithParse: the quick check of a stored (E.164)
// number accepts only what the full parse accepts and formats back to the
// same string, and it does accept the valid numbers of every region and
// type, so the quick way is the one taken.
func TestE164ValidAgreesWithParse(t *testing.T) {
	slow := func(s string) bool {
		num, err := phonenumbers.Parse(s, "")
		return err == nil && phonenumbers.IsValidNumber(num) && phonenumbers.Format(num, phonenumbers.E164) == s
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var samples, valid int
	check := func(s string) {
		samples++
		fast, want := e164Valid(s), slow(s)
		if fast && !want {
			t.Errorf("e164Valid(%q) = true, the full parse refuses it", s)
		}
		if want {
			valid++
			if !fast {
				t.Errorf("e164Valid(%q) = false, the full parse accepts it", s)
			}
		}
	}
	types := []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.TOLL_FREE,
		phonenumbers.PREMIUM_RATE, phonenumbers.SHARED_COST, phonenumbers.VOIP, phonenumbers.PERSONAL_NUMBER,
		phonenumbers.PAGER, phonenumbers.UAN, phonenumbers.VOICEMAIL}
	for region := range phonenumbers.GetSupportedRegions() {
		for _, typ := range types {
			num := phonenumbers.GetExampleNumberForType(region, typ)
			if num == nil {
				continue
			}
			s := phonenumbers.Format(num, phonenumbers.E164)
			check(s)
			// Neighbours of a valid number: another last digit, one
			// digit more or less, a zero after the calling code.
			check(s[:len(s)-1] + strconv.Itoa(rng.IntN(10)))
			check(s + strconv.Itoa(rng.IntN(10)))
			check(s[:len(s)-1])
			cc := strconv.Itoa(int(num.GetCountryCode()))
			check("+" + cc + "0" + s[1+len(cc):])
			check("+" + cc + "00" + s[1+len(cc):])
		}
	}
	for cc := range callingCodes {
		for range 20 {
			n := 4 + rng.IntN(11)
			b := []byte("+" + strconv.Itoa(cc))
			for range n {
				b = append(b, byte('0'+rng.IntN(10)))
			}
			check(string(b))
		}
	}
	for _, s := range []string{"+", "+0", "+7", "+79", "+7 912 345 67 89", "+79123456789x", "79123456789", "+99912345678",
		"+3900000000", "+390", "+1234567890123456789012"} {
		check(s)
	}
	if valid < 500 {
		t.Fatalf("only %d of %d samples were valid numbers: the test checks too little", valid, samples)
	}
}
