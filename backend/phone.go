package backend

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"
	"google.golang.org/protobuf/proto"
)

// NormalizePhone parses a phone number, in international form or local to
// region (an ISO 3166 country code), and returns it in E.164. It uses
// libphonenumber's metadata, which knows each country's valid ranges.
func NormalizePhone(f *Fields, field, s, region string) string {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		f.Add(field, "required", nil)
		return ""
	case len(s) > 32:
		f.Add(field, "too_long", map[string]any{"max": 32})
		return ""
	case hasInvisible(s):
		f.Add(field, "invisible_chars", nil)
		return ""
	case strings.IndexFunc(s, unicode.IsLetter) >= 0:
		// libphonenumber reads letters as a keypad's digits ("CALL-NOW"):
		// a number saved that way would not be the one the person sees.
		f.Add(field, "phone_invalid", nil)
		return ""
	}
	if e164Valid(s) {
		return s
	}
	num, err := phonenumbers.Parse(s, strings.ToUpper(region))
	if err != nil || !phonenumbers.IsValidNumber(num) {
		f.Add(field, "phone_invalid", nil)
		return ""
	}
	return phonenumbers.Format(num, phonenumbers.E164)
}

// e164Valid says whether s is already a valid number in E.164, the form
// every stored phone is in, without phonenumbers.Parse: its extraction
// and normalising regular expressions cost about 20 us a number, most of
// the time a sync server spends checking a pushed account. The number is
// built as Parse builds it from "+" and digits (calling code, national
// number, Italian leading zeros), checked by IsValidNumber, and accepted
// only if it formats back to s. Anything else takes the full parse
// (TestE164ValidAgreesWithParse).
func e164Valid(s string) bool {
	nsn := PhoneNational(s)
	if nsn == "" {
		return false
	}
	cc, _ := strconv.Atoi(s[1 : len(s)-len(nsn)])
	national, err := strconv.ParseUint(nsn, 10, 64)
	if err != nil {
		return false
	}
	num := &phonenumbers.PhoneNumber{CountryCode: proto.Int32(int32(cc)), NationalNumber: proto.Uint64(national)}
	if len(nsn) > 1 && nsn[0] == '0' {
		zeros := len(nsn) - len(strings.TrimLeft(nsn, "0"))
		if zeros == len(nsn) {
			zeros-- // the number's last digit is kept, as Parse does
		}
		num.ItalianLeadingZero = proto.Bool(true)
		if zeros > 1 {
			num.NumberOfLeadingZeros = proto.Int32(int32(zeros))
		}
	}
	return phonenumbers.IsValidNumber(num) && phonenumbers.Format(num, phonenumbers.E164) == s
}

// PhoneIsMobile reports whether an E.164 number can receive SMS (mobile or
// a range that may be either); landlines get voice codes instead.
func PhoneIsMobile(e164 string) bool {
	num, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return false
	}
	switch phonenumbers.GetNumberType(num) {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE, phonenumbers.UNKNOWN:
		return true
	}
	return false
}

// PhoneNational returns the national significant number of an E.164 number
// ("+79123456789" -> "9123456789"), how people type it without the country.
// Calling codes are prefix-free, so the digits after the first 1 to 3 that
// form one are the national number: no full parse, which the search index
// does for every account synced.
func PhoneNational(e164 string) string {
	digits, ok := strings.CutPrefix(e164, "+")
	if !ok || len(digits) < 4 || strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return ""
	}
	for n := 1; n <= 3; n++ {
		cc, _ := strconv.Atoi(digits[:n])
		if callingCodes[cc] {
			return digits[n:]
		}
	}
	return ""
}

var callingCodes = phonenumbers.GetSupportedCallingCodes()
