package backend

import (
	"strings"
	"unicode"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// MaxEmailLength is RFC 5321's limit on a forward path, less the brackets.
const MaxEmailLength = 254

// atext is what RFC 5322 allows in a dot-atom local part, less the
// characters that are legal but only ever seen in abuse.
const atext = "abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-/=?^_`{|}~."

// NormalizeEmail validates an address and returns its canonical form: lower
// case, with the domain in ASCII (punycode). Two addresses are the same
// account exactly when their canonical forms are equal. Errors go to field.
//
// Local parts must be ASCII: internationalised local parts are rare in
// practice and are where look-alike letters hide. Domain labels may be in
// any one script, but a label that mixes scripts (a Cyrillic "а" among
// Latin letters) is refused, as browsers refuse to show such domains.
func NormalizeEmail(f *Fields, field, s string) string {
	s = norm.NFC.String(strings.TrimSpace(s))
	if s == "" {
		f.Add(field, "required", nil)
		return ""
	}
	if len(s) > MaxEmailLength {
		f.Add(field, "too_long", map[string]any{"max": MaxEmailLength})
		return ""
	}
	if hasInvisible(s) {
		f.Add(field, "invisible_chars", nil)
		return ""
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		f.Add(field, "email_invalid", nil)
		return ""
	}
	local, domain := strings.ToLower(s[:at]), strings.ToLower(s[at+1:])
	for _, r := range local {
		if r > unicode.MaxASCII {
			f.Add(field, "email_local_ascii", nil)
			return ""
		}
		if !strings.ContainsRune(atext, r) {
			f.Add(field, "email_invalid", nil)
			return ""
		}
	}
	if len(local) > 64 || strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		f.Add(field, "email_invalid", nil)
		return ""
	}
	ascii, err := idna.Lookup.ToASCII(domain)
	if err != nil || !strings.Contains(ascii, ".") || strings.HasSuffix(ascii, ".") {
		f.Add(field, "email_invalid", nil)
		return ""
	}
	// Check the Unicode form: browsers hand over IDN domains already in
	// punycode (xn--exmple-4nf.com), which hides the mix.
	if uni, err := idna.ToUnicode(ascii); err == nil {
		for _, label := range strings.Split(uni, ".") {
			if mixedScripts(label) {
				f.Add(field, "email_mixed_script", nil)
				return ""
			}
		}
	}
	if tld := ascii[strings.LastIndexByte(ascii, '.')+1:]; len(tld) < 2 || strings.Trim(tld, "0123456789") == "" {
		f.Add(field, "email_invalid", nil)
		return ""
	}
	return local + "@" + ascii
}

// scriptsChecked are the scripts whose letters are confusable with Latin.
var scriptsChecked = []*unicode.RangeTable{unicode.Latin, unicode.Cyrillic, unicode.Greek, unicode.Armenian, unicode.Cherokee}

func mixedScripts(label string) bool {
	var seen *unicode.RangeTable
	for _, r := range label {
		if !unicode.IsLetter(r) {
			continue
		}
		for _, t := range scriptsChecked {
			if unicode.Is(t, r) {
				if seen != nil && seen != t {
					return true
				}
				seen = t
			}
		}
	}
	return false
}
