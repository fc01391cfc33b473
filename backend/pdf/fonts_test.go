package pdf_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"io"
	"regexp"
	"strconv"
	"testing"
	"unicode"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// fontFiles returns the embedded font programs of a PDF written by fpdf
// (plain objects, no object streams), decompressed, and checks /Length1.
func fontFiles(t *testing.T, doc []byte) [][]byte {
	t.Helper()
	refs := regexp.MustCompile(`/FontFile2 (\d+) 0 R`).FindAllSubmatch(doc, -1)
	if len(refs) == 0 {
		t.Fatal("no embedded TrueType font")
	}
	var files [][]byte
	for _, ref := range refs {
		obj := regexp.MustCompile(`(?s)\n` + string(ref[1]) + ` 0 obj\n<<(.*?)>>\nstream\n`).FindSubmatchIndex(doc)
		if obj == nil {
			t.Fatalf("font object %s not found", ref[1])
		}
		dict := string(doc[obj[2]:obj[3]])
		length, _ := strconv.Atoi(regexp.MustCompile(`/Length (\d+)`).FindStringSubmatch(dict)[1])
		length1, _ := strconv.Atoi(regexp.MustCompile(`/Length1 (\d+)`).FindStringSubmatch(dict)[1])
		zr, err := zlib.NewReader(bytes.NewReader(doc[obj[1] : obj[1]+length]))
		if err != nil {
			t.Fatalf("font %s: %v", ref[1], err)
		}
		ttf, err := io.ReadAll(zr) // checks the Adler-32 too
		if err != nil {
			t.Fatalf("font %s: %v", ref[1], err)
		}
		if len(ttf) != length1 {
			t.Errorf("font %s: /Length1 %d, the font has %d bytes", ref[1], length1, len(ttf))
		}
		files = append(files, ttf)
	}
	return files
}

// checkTables verifies a TrueType file's table checksums and its head
// checkSumAdjustment, which sfnt does not.
func checkTables(t *testing.T, ttf []byte) {
	t.Helper()
	sum := func(b []byte) uint32 {
		var s uint32
		for len(b) > 0 {
			var w [4]byte
			n := copy(w[:], b)
			s += binary.BigEndian.Uint32(w[:])
			b = b[n:]
		}
		return s
	}
	n := int(binary.BigEndian.Uint16(ttf[4:]))
	for i := 0; i < n; i++ {
		rec := ttf[12+16*i:]
		tag := string(rec[:4])
		off, length := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		if off%4 != 0 {
			t.Errorf("table %s at %d: not 4-byte aligned", tag, off)
		}
		data := append([]byte(nil), ttf[off:off+length]...)
		if tag == "head" {
			binary.BigEndian.PutUint32(data[8:], 0)
		}
		if got, want := sum(data), binary.BigEndian.Uint32(rec[4:]); got != want {
			t.Errorf("table %s: checksum %08x, directory says %08x", tag, got, want)
		}
	}
	if got := sum(ttf); got != 0xB1B0AFBA {
		t.Errorf("font checksum %08x, want B1B0AFBA", got)
	}
}

// TestEmbeddedFonts checks that the fonts a PDF embeds are sound and hold
// an outline for every visible character of its text.
func TestEmbeddedFonts(t *testing.T) {
	r := newRenderer(t)
	a := russianCompany()
	a.Profile.Name = "ООО «Ромашка» — Łódź Ærø Ελλάδα Ёлка № 5 € ₽ ₹"
	doc := invoice(t, r, a, "ru")
	keepSamples(t, doc, "invoice-scripts")
	var fonts []*sfnt.Font
	for _, ttf := range fontFiles(t, doc) {
		checkTables(t, ttf)
		f, err := sfnt.Parse(ttf)
		if err != nil {
			t.Fatalf("embedded font: %v", err)
		}
		fonts = append(fonts, f)
	}
	var buf sfnt.Buffer
	for _, ch := range pdftotext(t, doc) {
		if unicode.IsSpace(ch) {
			continue
		}
		found := false
		for _, f := range fonts {
			gi, err := f.GlyphIndex(&buf, ch)
			if err != nil || gi == 0 {
				continue
			}
			segs, err := f.LoadGlyph(&buf, gi, fixed.I(1000), nil)
			if err == nil && len(segs) > 0 {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("no embedded font has an outline for %q (U+%04X)", ch, ch)
		}
	}
}
