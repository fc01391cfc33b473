package backend_test

import (
	"testing"

	"gatehouse/backend"
)

func TestCheckPostcode(t *testing.T) {
	for _, tt := range []struct {
		country, postcode, code string
	}{
		{"RU", "117312", ""},
		{"RU", "1173", "postcode_format"},
		{"RU", "ABCDEF", "postcode_format"},
		{"RU", "1173120", "postcode_format"},
		{"IN", "560001", ""},
		{"IN", "060001", "postcode_format"},
		{"GB", "SW1A 1AA", ""},
		{"PT", "1010-001", ""},
		{"DE", "10115", ""},
		{"DE", "1", "postcode_chars"},
		{"DE", "10115 Berlin", "postcode_chars"},
		{"DE", "-1011", "postcode_chars"},
		{"DE", "10#15", "postcode_chars"},
		{"RU", "", ""}, // a draft may leave it empty
	} {
		var f backend.Fields
		backend.CheckPostcode(&f, "legalAddress.postcode", tt.country, tt.postcode)
		got := ""
		if len(f) > 0 {
			got = f[0].Code
		}
		if got != tt.code {
			t.Errorf("%s %q: %q, want %q", tt.country, tt.postcode, got, tt.code)
		}
	}
}
