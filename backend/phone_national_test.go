package backend

import (
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// TestPhoneNational: the quick split agrees with libphonenumber's national
// significant number across calling codes of one, two and three digits.
func TestPhoneNational(t *testing.T) {
	for _, e164 := range []string{"+79123456789", "+919876543210", "+14155550123", "+390612345678", "+442079460958",
		"+380441234567", "+971501234567", "+8613812345678", "+77012345678", "+12684601234"} {
		num, err := phonenumbers.Parse(e164, "")
		if err != nil {
			t.Fatal(err)
		}
		want := phonenumbers.GetNationalSignificantNumber(num)
		if got := PhoneNational(e164); got != want {
			t.Errorf("PhoneNational(%s) = %q, want %q", e164, got, want)
		}
	}
	for _, bad := range []string{"", "79123456789", "+7", "+7912-345", "+999123456"} {
		if got := PhoneNational(bad); got != "" {
			t.Errorf("PhoneNational(%q) = %q, want empty", bad, got)
		}
	}
}
