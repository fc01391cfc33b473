package pdf

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// The typeface is DejaVu Sans (fonts/LICENSE), embedded whole.
//
// fpdf's UTF-8 font path costs 10-30 ms per document whatever the font's
// size: it parses the TrueType file, hashes a JSON dump of a 65,536-entry
// width table, then parses and subsets the font again when the document is
// written, compressing a 128 KB glyph map on the way. Its simple-font path
// instead takes a ready font definition and a compressed font file and
// copies them into the document. So each style is cut, once per Renderer
// and on first use, into slices: printable ASCII at their own codes plus
// up to 128 other characters at codes 128-255, each slice a small TrueType
// font with its own 8-bit encoding. Text is written as runs of one slice,
// and a document embeds only the slices its text uses, each with only the
// glyphs it uses (subset.go).
//
// Viewers map such a code to a glyph name through the encoding's
// Differences ("uni0416"), the name to Unicode, and Unicode to the glyph
// through the font's own cmap, which is how text extraction finds the
// characters too (PDF 32000-1, 9.6.6.4).

//go:embed fonts/DejaVuSans.ttf
var dejaVuSans []byte

//go:embed fonts/DejaVuSans-Bold.ttf
var dejaVuSansBold []byte

// style is a face of the typeface.
type style int

const (
	regular style = iota
	bold
)

// replacement stands for a character the font has no glyph for: printed,
// and extracted as U+FFFD, so nothing is silently dropped.
const replacement = '\uFFFD'

// softHyphen marks where wrap may break a word, adding a hyphen.
const softHyphen = '\u00AD'

// coveredRanges are the characters the PDFs print as themselves, if the font
// has them in both styles: scripts that need no shaping or bidirectional
// layout (fpdf does neither), and the punctuation, currency and letterlike
// symbols of business documents. Anything else prints as replacement.
var coveredRanges = [][2]rune{
	{0x00A0, 0x024F}, // Latin-1 Supplement, Latin Extended-A and -B
	{0x02B0, 0x036F}, // spacing modifiers, combining marks
	{0x0370, 0x03FF}, // Greek
	{0x0400, 0x052F}, // Cyrillic and its supplement
	{0x0530, 0x058F}, // Armenian
	{0x10A0, 0x10FF}, // Georgian
	{0x1E00, 0x1EFF}, // Latin Extended Additional (Vietnamese)
	{0x2000, 0x206F}, // general punctuation
	{0x20A0, 0x20CF}, // currency symbols (₽, ₹, €)
	{0x2100, 0x214F}, // letterlike symbols (№, ™)
	{0x2190, 0x2193}, // arrows
	{0x2212, 0x2212}, // minus sign
	{replacement, replacement},
}

// cyrillicSlice holds, besides the Russian and other Cyrillic alphabets,
// the punctuation Russian text uses, so that a Russian document usually
// needs this slice alone.
var cyrillicSlice = func() []rune {
	var rs []rune
	for r := rune(0x0400); r <= 0x045F; r++ {
		rs = append(rs, r)
	}
	return append(rs, []rune("«»„“”‘’‚—–…•№€₽₹°§©®™±×·\u00A0‹›")...)
}()

// A slice is the characters of one 8-bit encoding beyond ASCII.
type slice struct {
	runes []rune        // at codes 128, 129, ...
	codes map[rune]byte // the inverse
	diff  string        // PDF /Differences from WinAnsiEncoding, "" for none
}

// A face is one style: its metrics and its slices as fonts, cut on first use.
type face struct {
	style   string // fpdf's style: "" or "B"
	name    string // PostScript name
	ttf     []byte
	ascii   [128]int16     // advance widths in 1/1000 em
	widths  map[rune]int16 // likewise, of the other covered characters
	missing int            // the width of .notdef
	desc    fontDesc
	fonts   []*sliceFont
}

// fontDesc is fpdf's font descriptor and the rest of its definition that
// the slices share.
type fontDesc struct {
	Ascent, Descent, CapHeight, Flags int
	FontBBox                          struct{ Xmin, Ymin, Xmax, Ymax int }
	ItalicAngle, StemV, MissingWidth  int
	up, ut                            int
}

// sliceFont is a slice of a face: fpdf's definition of it, and its
// TrueType font, to be written with the glyphs each document uses.
type sliceFont struct {
	def   []byte // fpdf's JSON font definition, without OriginalSize
	ttf   *ttfFont
	glyph *[256]uint16 // the glyph of each code
}

// definition is fpdf's definition of the slice's font for a font file of
// size bytes (before compression).
func (sf *sliceFont) definition(size int) []byte {
	def := append([]byte(nil), sf.def[:len(sf.def)-1]...)
	def = append(def, `,"OriginalSize":`...)
	def = strconv.AppendInt(def, int64(size), 10)
	return append(def, '}')
}

// typeface is the two faces and the slices they share.
type typeface struct {
	faces  [2]*face
	slices []*slice
	family []string       // fpdf's family name of each slice
	home   map[rune]uint8 // the slice a non-ASCII character is taken from by default
}

func newTypeface() (*typeface, error) {
	regular, err := parseFace(dejaVuSans, "", "DejaVuSans", 87)
	if err != nil {
		return nil, fmt.Errorf("DejaVu Sans: %w", err)
	}
	bold, err := parseFace(dejaVuSansBold, "B", "DejaVuSans-Bold", 165)
	if err != nil {
		return nil, fmt.Errorf("DejaVu Sans Bold: %w", err)
	}
	tf := &typeface{faces: [2]*face{regular, bold}, home: map[rune]uint8{}}

	covered := func(r rune) bool {
		_, ok1 := regular.widths[r]
		_, ok2 := bold.widths[r]
		return ok1 && ok2 && printable(r)
	}
	if !covered(replacement) {
		return nil, fmt.Errorf("the font has no glyph for U+FFFD")
	}

	// Slice 0 is WinAnsiEncoding itself; slice 1 Cyrillic; the rest of the
	// covered characters follow in code point order, 128 to a slice.
	var win []rune
	for c := 128; c < 256; c++ {
		if r := charmap.Windows1252.DecodeByte(byte(c)); r != utf8.RuneError && covered(r) {
			win = append(win, r)
		} else {
			win = append(win, 0) // keeps the codes where WinAnsi has them
		}
	}
	tf.addSlice(win, false)
	var cyr []rune
	for _, r := range cyrillicSlice {
		if covered(r) {
			cyr = append(cyr, r)
		}
	}
	tf.addSlice(cyr, true)
	var rest []rune
	for _, rg := range coveredRanges {
		for r := rg[0]; r <= rg[1]; r++ {
			if _, ok := tf.home[r]; !ok && covered(r) {
				rest = append(rest, r)
			}
		}
	}
	for len(rest) > 0 {
		n := min(128, len(rest))
		tf.addSlice(rest[:n], true)
		rest = rest[n:]
	}
	if len(tf.slices) > 255 {
		return nil, fmt.Errorf("%d font slices", len(tf.slices))
	}
	for _, f := range tf.faces {
		f.fonts = make([]*sliceFont, len(tf.slices))
	}
	for i := range tf.slices {
		tf.family = append(tf.family, "dejavu"+strconv.Itoa(i))
	}
	return tf, nil
}

// addSlice adds the characters at codes 128, 129, ... (0 leaves a code
// unused); named says whether the encoding names them (all but WinAnsi).
func (tf *typeface) addSlice(runes []rune, named bool) {
	s := &slice{runes: runes, codes: make(map[rune]byte, len(runes))}
	i := uint8(len(tf.slices))
	var diff strings.Builder
	if named {
		diff.WriteString("128")
	}
	for k, r := range runes {
		if r == 0 {
			continue
		}
		s.codes[r] = byte(128 + k)
		if _, ok := tf.home[r]; !ok {
			tf.home[r] = i
		}
		if named {
			fmt.Fprintf(&diff, " /uni%04X", r)
		}
	}
	s.diff = diff.String()
	tf.slices = append(tf.slices, s)
}

func parseFace(ttf []byte, fpdfStyle, name string, stemV int) (*face, error) {
	f, err := sfnt.Parse(ttf)
	if err != nil {
		return nil, err
	}
	var buf sfnt.Buffer
	ppem := fixed.I(1000) // sizes come out in 1/1000 em, as PDF wants them
	units := func(v fixed.Int26_6) int { return int(math.Round(float64(v) / 64)) }
	advance := func(r rune) (int, bool) {
		gi, err := f.GlyphIndex(&buf, r)
		if err != nil || gi == 0 {
			return 0, false
		}
		adv, err := f.GlyphAdvance(&buf, gi, ppem, font.HintingNone)
		if err != nil {
			return 0, false
		}
		return units(adv), true
	}
	fc := &face{style: fpdfStyle, name: name, ttf: ttf, widths: map[rune]int16{}}
	for r := rune(32); r < 127; r++ {
		w, ok := advance(r)
		if !ok {
			return nil, fmt.Errorf("no glyph for %q", r)
		}
		fc.ascii[r] = int16(w)
	}
	for _, rg := range coveredRanges {
		for r := rg[0]; r <= rg[1]; r++ {
			if w, ok := advance(r); ok {
				fc.widths[r] = int16(w)
			}
		}
	}
	if adv, err := f.GlyphAdvance(&buf, 0, ppem, font.HintingNone); err == nil {
		fc.missing = units(adv)
	}
	m, err := f.Metrics(&buf, ppem, font.HintingNone)
	if err != nil {
		return nil, err
	}
	b, err := f.Bounds(&buf, ppem, font.HintingNone)
	if err != nil {
		return nil, err
	}
	d := &fc.desc
	d.Ascent, d.Descent, d.CapHeight = units(m.Ascent), -units(m.Descent), units(m.CapHeight)
	d.Flags = 32 // nonsymbolic: codes map to glyphs by name, through the font's cmap
	d.FontBBox.Xmin, d.FontBBox.Ymin = units(b.Min.X), -units(b.Max.Y)
	d.FontBBox.Xmax, d.FontBBox.Ymax = units(b.Max.X), -units(b.Min.Y)
	d.StemV = stemV
	d.MissingWidth = fc.missing
	if p := f.PostTable(); p != nil {
		upem := float64(f.UnitsPerEm())
		d.up = int(math.Round(float64(p.UnderlinePosition) * 1000 / upem))
		d.ut = int(math.Round(float64(p.UnderlineThickness) * 1000 / upem))
	}
	return fc, nil
}

// printable says whether r is a character that shows, rather than a
// control, format or variation character, which are left out.
func printable(r rune) bool {
	return !unicode.In(r, unicode.Cc, unicode.Cf, unicode.Variation_Selector, unicode.Zl, unicode.Zp)
}

// width is the advance of r in 1/1000 em; r must be clean.
func (f *face) width(r rune) int {
	if r < 128 {
		return int(f.ascii[r])
	}
	return int(f.widths[r])
}

// font returns slice i of the face as fpdf wants it, cutting it first if
// needed.
func (f *face) font(tf *typeface, i int) (*sliceFont, error) {
	if sf := f.fonts[i]; sf != nil {
		return sf, nil
	}
	s := tf.slices[i]
	var cut strings.Builder
	for r := rune(32); r < 127; r++ {
		cut.WriteRune(r)
	}
	for _, r := range s.runes {
		if r != 0 {
			cut.WriteRune(r)
		}
	}
	cutTTF := fpdf.UTF8CutFont(f.ttf, cut.String())
	if len(cutTTF) == 0 {
		return nil, fmt.Errorf("cut font slice %d", i)
	}
	ttf, err := parseTTF(cutTTF)
	if err != nil {
		return nil, fmt.Errorf("font slice %d: %w", i, err)
	}
	glyphs, err := glyphsOf(cutTTF, s)
	if err != nil {
		return nil, fmt.Errorf("font slice %d: %w", i, err)
	}

	cw := make([]int, 256)
	for c := range cw {
		cw[c] = f.missing
	}
	for r := 32; r < 127; r++ {
		cw[r] = int(f.ascii[r])
	}
	for k, r := range s.runes {
		if r != 0 {
			cw[128+k] = f.width(r)
		}
	}
	d := f.desc
	def := struct {
		Tp, Name  string
		Desc      fontDesc
		Up, Ut    int
		Cw        []int
		Enc, Diff string
		File      string
	}{
		Tp: "TrueType",
		// A subset's name starts with a tag of six capitals and "+".
		Name: subsetTag(i) + "+" + f.name,
		Desc: d, Up: d.up, Ut: d.ut, Cw: cw,
		Enc: "slice" + strconv.Itoa(i), Diff: s.diff,
		// The ".z" tells fpdf the file is compressed.
		File: f.name + "-" + strconv.Itoa(i) + ".z",
		// OriginalSize, the font's size before compression, differs by
		// document: definition adds it.
	}
	js, err := json.Marshal(def)
	if err != nil {
		return nil, err
	}
	sf := &sliceFont{def: js, ttf: ttf, glyph: glyphs}
	f.fonts[i] = sf
	return sf, nil
}

func subsetTag(i int) string {
	tag := []byte("GHAAAA")
	for k := 5; k >= 2 && i > 0; k-- {
		tag[k] = byte('A' + i%26)
		i /= 26
	}
	return string(tag)
}

// clean makes s printable with the typeface: NFC (so that a letter and its
// combining accent become the one precomposed character the font has),
// tabs as spaces, controls and format characters dropped, and characters
// without a glyph replaced. Newlines and soft hyphens stay when
// keepNewlines, for wrap; otherwise newlines become spaces.
func (tf *typeface) clean(s string, keepNewlines bool) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 32 || c >= 127 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	s = norm.NFC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' || r == '\u2028' || r == '\u2029':
			if keepNewlines {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		case r == '\t':
			b.WriteByte(' ')
		case r == softHyphen && keepNewlines:
			b.WriteRune(r) // where wrap may break a word
		case r == '\r' || !printable(r):
		case r >= 32 && r < 127:
			b.WriteByte(byte(r))
		default:
			if _, ok := tf.home[r]; !ok {
				r = replacement
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}
