package backend_test

import (
	"strings"
	"testing"

	"gatehouse/backend"
)

func TestNormalizeEmail(t *testing.T) {
	for _, tt := range []struct {
		in, want, code string
	}{
		{"Anna@Example.COM", "anna@example.com", ""},
		{"  anna+news@example.co.uk ", "anna+news@example.co.uk", ""},
		{"anna@пример.рф", "anna@xn--e1afmkfd.xn--p1ai", ""},
		{"ANNA@ПРИМЕР.РФ", "anna@xn--e1afmkfd.xn--p1ai", ""},
		{"", "", "required"},
		{"anna", "", "email_invalid"},
		{"@example.com", "", "email_invalid"},
		{"anna@", "", "email_invalid"},
		{"an..na@example.com", "", "email_invalid"},
		{".anna@example.com", "", "email_invalid"},
		{"anna@example", "", "email_invalid"},
		{"anna@example.123", "", "email_invalid"},
		{"an na@example.com", "", "email_invalid"},
		{"anna@exa_mple.com", "", "email_invalid"},
		{strings.Repeat("a", 65) + "@example.com", "", "email_invalid"},
		{strings.Repeat("a", 64) + "@" + strings.Repeat("b", 186) + ".com", "", "too_long"},
		{"аnna@example.com", "", "email_local_ascii"},             // Cyrillic а
		{"anna@exаmple.com", "", "email_mixed_script"},            // Cyrillic а in a Latin label
		{"anna@xn--exmple-4nf.com", "", "email_mixed_script"},     // the same, as a browser sends it
		{"anna@ex\u200bample.com", "", "invisible_chars"},         // zero-width space
		{"anna@example.com\u200f", "", "invisible_chars"},         // right-to-left mark
		{"\u202eanna@example.com", "", "invisible_chars"},         // right-to-left override
		{"anna@example.com\r\nBcc: x@y.z", "", "invisible_chars"}, // header injection
	} {
		t.Run(tt.in, func(t *testing.T) {
			var f backend.Fields
			got := backend.NormalizeEmail(&f, "email", tt.in)
			var code string
			if len(f) > 0 {
				code = f[0].Code
			}
			if got != tt.want || code != tt.code {
				t.Fatalf("got (%q, %q), want (%q, %q)", got, code, tt.want, tt.code)
			}
		})
	}
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"anna@example.com", "аnna@exаmple.com", "a@пример.рф", "x@y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var fe backend.Fields
		got := backend.NormalizeEmail(&fe, "email", s)
		if (got == "") == (len(fe) == 0) {
			t.Fatalf("%q: result %q with errors %v", s, got, fe)
		}
		if got != "" {
			// A canonical address is stable and plain ASCII.
			var again backend.Fields
			if backend.NormalizeEmail(&again, "email", got) != got {
				t.Fatalf("%q: canonical form %q is not stable", s, got)
			}
			for _, r := range got {
				if r > 127 {
					t.Fatalf("%q: canonical form %q is not ASCII", s, got)
				}
			}
		}
	})
}

func TestNormalizePhone(t *testing.T) {
	for _, tt := range []struct {
		in, region, want, code string
	}{
		{"+7 912 345-67-89", "RU", "+79123456789", ""},
		{"8 (912) 345-67-89", "RU", "+79123456789", ""},
		{"+91 98765 43210", "RU", "+919876543210", ""},
		{"098765 43210", "IN", "+919876543210", ""},
		{"+44 20 1234", "RU", "", "phone_invalid"},
		{"+7 912 CALL-NOW", "RU", "", "phone_invalid"}, // keypad letters would save other digits than shown
		{"+7 912 345-67-89 доб. 5", "RU", "", "phone_invalid"},
		{"12345", "RU", "", "phone_invalid"},
		{"", "RU", "", "required"},
		{"+7 912\u200b345 67 89", "RU", "", "invisible_chars"},
		{strings.Repeat("1", 40), "RU", "", "too_long"},
	} {
		t.Run(tt.in, func(t *testing.T) {
			var f backend.Fields
			got := backend.NormalizePhone(&f, "phone", tt.in, tt.region)
			var code string
			if len(f) > 0 {
				code = f[0].Code
			}
			if got != tt.want || code != tt.code {
				t.Fatalf("got (%q, %q), want (%q, %q)", got, code, tt.want, tt.code)
			}
		})
	}
}

func TestTimeZonesAllLoad(t *testing.T) {
	zones := backend.TimeZones()
	if len(zones) < 300 {
		t.Fatalf("only %d zones", len(zones))
	}
	for _, z := range append(zones, "Asia/Calcutta") {
		var f backend.Fields
		if backend.ValidTimeZone(&f, "tz", z) != z {
			t.Errorf("zone %s does not load: %v", z, f)
		}
	}
}
