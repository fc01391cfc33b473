package pdf

import (
	"strings"
	"unicode/utf8"
)

// A run is a stretch of text in one slice: its codes are code[start:end]
// of the buffer runs fills, its width in 1/1000 em.
type run struct {
	slice      int
	start, end int
	width      int
}

// runs splits clean text into runs of one slice, encoding it into code.
// A character stays in the current run's slice when that slice has it, so
// punctuation and digits do not break a run. The first run is in slice
// pref (the font last used) if it has the first character beyond ASCII.
func (tf *typeface) runs(dst []run, code []byte, s string, f *face, pref int) ([]run, []byte) {
	cur := pref
	for _, r := range s {
		if r >= 128 {
			if _, ok := tf.slices[pref].codes[r]; !ok {
				cur = int(tf.home[r])
			}
			break
		}
	}
	dst = append(dst, run{slice: cur, start: len(code), end: len(code)})
	for _, r := range s {
		var c byte
		if r < 128 {
			c = byte(r)
		} else if k, ok := tf.slices[cur].codes[r]; ok {
			c = k
		} else {
			h, ok := tf.home[r]
			if !ok { // not clean: should not happen
				r, h = replacement, tf.home[replacement]
			}
			cur = int(h)
			c = tf.slices[cur].codes[r]
			if last := &dst[len(dst)-1]; last.end == last.start {
				last.slice = cur
			} else {
				dst = append(dst, run{slice: cur, start: len(code), end: len(code)})
			}
		}
		code = append(code, c)
		last := &dst[len(dst)-1]
		last.end++
		last.width += f.width(r)
	}
	return dst, code
}

// wrapText breaks clean text into lines of at most limit (1/1000 em) at
// spaces, after a hyphen, slash or comma, at a soft hyphen (printed as a
// hyphen when the line breaks there), or inside a word that does not fit
// on a line of its own. Newlines end lines.
func wrapText(s string, f *face, limit int) []string {
	var lines []string
	for {
		para, rest, more := strings.Cut(s, "\n")
		lines = wrapPara(lines, para, f, limit)
		if !more {
			break
		}
		s = rest
	}
	for i, l := range lines {
		if strings.ContainsRune(l, softHyphen) {
			lines[i] = strings.ReplaceAll(l, string(softHyphen), "")
		}
	}
	return lines
}

func wrapPara(lines []string, s string, f *face, limit int) []string {
	hyphen := f.width('-')
	for {
		s = trimSpaces(s)
		// brk ends the line at the last break opportunity, next starts
		// the next line; shy says the break is at a soft hyphen. space
		// and afterSpace are the last space's.
		w, brk, next, shy := 0, -1, -1, false
		space, afterSpace := -1, -1
		word := 0 // where the current word starts
		fits := true
		for i, r := range s {
			rw := f.width(r)
			if r == softHyphen {
				rw = 0 // printed only where the line breaks
			}
			if w+rw > limit && i > 0 {
				fits = false
				switch {
				case brk <= 0:
					brk, next, shy = i, i, false // no opportunity: break inside the word
				case shy && space > 0 && wordWidth(s[afterSpace:], f) <= limit:
					// Rather than hyphenate a word that fits on the next line, move it there.
					brk, next, shy = space, afterSpace, false
				}
				break
			}
			w += rw
			switch r {
			case ' ':
				// An abbreviation stays with the next word: "ул. Ленина", "д. 5".
				if !abbreviation(s[word:i]) {
					brk, next, shy = i, i+1, false
					space, afterSpace = i, i+1
				}
				word = i + 1
			case '-', '/', ',':
				brk, next, shy = i+1, i+1, false
			case softHyphen:
				if w+hyphen <= limit {
					brk, next, shy = i, i+len(string(softHyphen)), true
				}
			}
		}
		if fits {
			return append(lines, s)
		}
		line := trimSpaces(s[:brk])
		if shy {
			line += "-"
		}
		lines = append(lines, line)
		s = s[next:]
	}
}

// abbreviation says whether a word is a short abbreviation, such as "ул."
// or "St.".
func abbreviation(w string) bool {
	return strings.HasSuffix(w, ".") && utf8.RuneCountInString(w) <= 4
}

// wordWidth is the width of the first word of s, without soft hyphens.
func wordWidth(s string, f *face) int {
	w := 0
	for _, r := range s {
		if r == ' ' {
			break
		}
		if r != softHyphen {
			w += f.width(r)
		}
	}
	return w
}

func trimSpaces(s string) string {
	for len(s) > 0 && s[0] == ' ' {
		s = s[1:]
	}
	for len(s) > 0 && s[len(s)-1] == ' ' {
		s = s[:len(s)-1]
	}
	return s
}
