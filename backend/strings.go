package backend

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func replaceAll(s, old, new string) string { return strings.ReplaceAll(s, old, new) }

// hasInvisible reports zero-width, bidirectional-control and other format or
// control characters: they make two different strings look the same, which
// is how spoofed names and addresses are built.
func hasInvisible(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Cf, r) || (unicode.IsControl(r)) {
			return true
		}
	}
	return false
}

// CleanText trims and NFC-normalises a free-text field and checks it for
// emptiness, length and invisible characters. It returns the cleaned text.
func CleanText(f *Fields, field, s string, max int, required bool) string {
	s = norm.NFC.String(strings.TrimSpace(s))
	switch {
	case s == "" && required:
		f.Add(field, "required", nil)
	case utf8.RuneCountInString(s) > max:
		f.Add(field, "too_long", map[string]any{"max": max})
	case hasInvisible(s):
		f.Add(field, "invisible_chars", nil)
	}
	return s
}
