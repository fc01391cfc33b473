package backend_test

import (
	"strings"
	"testing"

	"gatehouse/backend"
)

// requisiteCodes are every code Validate may report; each needs an English
// message in fieldMessages and a translation in the UI.
var requisiteCodes = map[string]bool{
	"required": true, "too_long": true, "invisible_chars": true, "country_invalid": true,
	"inn_digits": true, "inn_length": true, "inn_length_company": true, "inn_length_individual": true, "inn_checksum": true, "kpp_format": true,
	"ogrn_digits": true, "ogrn_length": true, "ogrn_checksum": true, "bik_format": true,
	"account_format": true, "account_key": true,
	"gstin_format": true, "gstin_state": true, "gstin_checksum": true, "gstin_pan_mismatch": true,
	"pan_format": true, "pan_entity": true, "ifsc_format": true, "bank_account_format": true,
	"vat_format": true, "iban_country": true, "iban_format": true, "iban_length": true, "iban_checksum": true,
	"swift_format": true,
}

var requisiteFields = map[string]bool{
	"country": true, "inn": true, "kpp": true, "ogrn": true, "bik": true, "corrAccount": true,
	"settlementAccount": true, "gstin": true, "pan": true, "ifsc": true, "bankAccount": true,
	"vat": true, "iban": true, "swift": true, "bankName": true,
}

// checkValidate is the property every fuzz target asserts: Validate does not
// panic, reports known codes on known fields, one per field, and what it
// accepts it accepts again unchanged, so a saved value never turns invalid
// on the next save.
func checkValidate(t *testing.T, r backend.Requisites, entity string, required bool) {
	t.Helper()
	var f backend.Fields
	got := r.Validate(&f, entity, required)
	seen := map[string]bool{}
	for _, e := range f {
		name, ok := strings.CutPrefix(e.Field, "requisites.")
		if !ok || !requisiteFields[name] || !requisiteCodes[e.Code] {
			t.Fatalf("%+v: unexpected error %+v", r, e)
		}
		if seen[name] {
			t.Fatalf("%+v: two errors for %s: %v", r, name, f)
		}
		seen[name] = true
	}
	if len(f) > 0 {
		return
	}
	var again backend.Fields
	if twice := got.Validate(&again, entity, required); twice != got || len(again) > 0 {
		t.Fatalf("%+v: accepted as %+v, which validates to %+v with %v", r, got, twice, again)
	}
	for _, code := range []string{got.INN, got.KPP, got.OGRN, got.BIK, got.CorrAccount, got.SettlementAccount,
		got.GSTIN, got.PAN, got.IFSC, got.BankAccount, got.IBAN, got.SWIFT} {
		for _, c := range code {
			if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z') {
				t.Fatalf("%+v: accepted code %q has %q", r, code, c)
			}
		}
	}
}

func entityOf(n uint8) string {
	return [...]string{"company", "individual", ""}[n%3]
}

func FuzzValidateRussia(f *testing.F) {
	f.Add("7707083893", "773601001", "1027700132195", "044525225", "30101810400000000225", "30301810000006000001", uint8(0), true)
	f.Add(" 7813669506", "", "1227800168804", "044030790", "30101 810 9 0000 0000790", "40703 810 8 9048 0000101", uint8(0), false)
	f.Add("123456789047", "7736ab001", "304500116000157", "049805746", "30101810800000000746", "40602810700000000025", uint8(1), true)
	f.Add("7707083894", "77360100", "1027700132196", "04452522", "3010181040000000022", "40703810890480000110", uint8(2), true)
	f.Add("7707083893\u200b", "7736\u202e01001", "１０２７７００１３２１９５", "044525225", "30101810400000000225", "", uint8(0), true)
	f.Fuzz(func(t *testing.T, inn, kpp, ogrn, bik, corr, settle string, entity uint8, required bool) {
		checkValidate(t, backend.Requisites{Country: "RU", INN: inn, KPP: kpp, OGRN: ogrn, BIK: bik,
			CorrAccount: corr, SettlementAccount: settle, BankName: "Bank"}, entityOf(entity), required)
	})
}

func FuzzValidateIndia(f *testing.F) {
	f.Add("27AAPFU0939F1ZV", "AAPFU0939F", "HDFC0000001", "50100012345678", uint8(0), true)
	f.Add("27aapfu0939f1zv", "aaapl1234c", " sbin0000001", "1234 5678 9", uint8(1), true)
	f.Add("", "AAAPL1234C", "SBIN0000001", "123456789", uint8(1), true)
	f.Add("27AAPFU0939F1ZW", "AAAXL1234C", "SBIN1000001", "12345678", uint8(2), false)
	f.Fuzz(func(t *testing.T, gstin, pan, ifsc, account string, entity uint8, required bool) {
		checkValidate(t, backend.Requisites{Country: "IN", GSTIN: gstin, PAN: pan, IFSC: ifsc, BankAccount: account,
			BankName: "Bank"}, entityOf(entity), required)
	})
}

func FuzzValidateElsewhere(f *testing.F) {
	f.Add("DE", "DE 123 456 789", "DE89 3704 0044 0532 0130 00", "deutdeff", "Deutsche Bank", true)
	f.Add("gb", "GB123456789", "GB82WEST12345698765432", "NWBKGB2LXXX", "NatWest", true)
	f.Add("US", "", "", "CHASUS33", "JPMorgan Chase", true)
	f.Add("", "x", "GB00WEST12345698765432", "DEUTZZFF", " ", false)
	f.Add("UK", "ATU1", "NO9386011117947", "DEUTDEFF500", "Bank\u200f", false)
	f.Fuzz(func(t *testing.T, country, vat, iban, swift, bankName string, required bool) {
		checkValidate(t, backend.Requisites{Country: country, VAT: vat, IBAN: iban, SWIFT: swift, BankName: bankName},
			"company", required)
	})
}

// FuzzCheckDigitsCatchTypos asserts what the check digits are for: one
// mistyped character in a valid IBAN (a digit for a digit, a letter for a
// letter: ISO 7064 mod 97), GSTIN (any character: Luhn mod 36) or Russian
// account (any digit: weights 7, 1, 3 are prime to 10) is always caught.
func FuzzCheckDigitsCatchTypos(f *testing.F) {
	f.Add(uint8(0), uint8(5), byte('7'))
	f.Add(uint8(1), uint8(14), byte('W'))
	f.Add(uint8(2), uint8(8), byte('0'))
	f.Add(uint8(3), uint8(19), byte('9'))
	f.Fuzz(func(t *testing.T, which, pos uint8, c byte) {
		valid := []struct {
			s     string
			check func(string) string
			same  func(a, b byte) bool // which substitutions the check promises to catch
		}{
			{"GB82WEST12345698765432", backend.CheckIBAN, sameClass},
			{"FR1420041010050500013M02606", backend.CheckIBAN, sameClass},
			{"MT84MALT011000012345MTLCAST001S", backend.CheckIBAN, sameClass},
			{"27AAPFU0939F1ZV", backend.CheckGSTIN, func(a, b byte) bool { return isAlnum(b) }},
			{"30101810400000000225", func(s string) string { return backend.CheckRussianAccount(s, "044525225", true) }, sameClass},
			{"40703810890480000101", func(s string) string { return backend.CheckRussianAccount(s, "044030790", false) }, sameClass},
		}
		v := valid[int(which)%len(valid)]
		if code := v.check(v.s); code != "" {
			t.Fatalf("%q: %s", v.s, code)
		}
		i := int(pos) % len(v.s)
		if c == v.s[i] || !v.same(v.s[i], c) {
			return
		}
		typo := v.s[:i] + string(c) + v.s[i+1:]
		if v.check(typo) == "" {
			t.Fatalf("typo %q of %q passes", typo, v.s)
		}
	})
}

func isAlnum(c byte) bool { return '0' <= c && c <= '9' || 'A' <= c && c <= 'Z' }

func sameClass(a, b byte) bool {
	digit := func(c byte) bool { return '0' <= c && c <= '9' }
	letter := func(c byte) bool { return 'A' <= c && c <= 'Z' }
	return digit(a) && digit(b) || letter(a) && letter(b)
}
