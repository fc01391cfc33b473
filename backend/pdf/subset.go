package pdf

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/adler32"
	"sort"

	"golang.org/x/image/font/sfnt"
)

// A slice's font holds about 220 glyphs, 28 KB compressed, most of which a
// page does not use. Each document therefore embeds a copy in which the
// glyphs it does not use are empty: glyph numbers, widths and cmap stay as
// they are, so fpdf's font definition is the same, and only the table
// directory, head, glyf and loca tables are written again. Those come first
// in the file; the other tables (most of the bytes: the name table with the
// license, hinting programs, cmap, widths) follow, compressed once when the
// slice is cut, so a document compresses a few kilobytes per font.

// ttfFont is a parsed TrueType font, ready to be written with fewer glyphs.
type ttfFont struct {
	tables map[string][]byte // all but glyf and loca
	glyphs [][]byte          // glyph descriptions, by glyph number
	comps  [][]uint16        // the glyphs a composite glyph is built from, transitively

	// The tables that do not change, in file order, 4-byte aligned: their
	// offsets within that part, its length, checksum (of the font's kind),
	// Adler-32 and raw deflate stream, which ends the font's zlib stream.
	fixed    []string
	fixedOff map[string]int
	fixedLen int
	fixedSum uint32
	fixedAdl uint32
	fixedZ   []byte
}

var errBadFont = errors.New("malformed TrueType font")

func parseTTF(b []byte) (*ttfFont, error) {
	if len(b) < 12 {
		return nil, errBadFont
	}
	n := int(binary.BigEndian.Uint16(b[4:]))
	if len(b) < 12+16*n {
		return nil, errBadFont
	}
	f := &ttfFont{tables: map[string][]byte{}}
	for i := 0; i < n; i++ {
		rec := b[12+16*i:]
		off, length := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		if uint64(off)+uint64(length) > uint64(len(b)) {
			return nil, errBadFont
		}
		f.tables[string(rec[:4])] = b[off : off+length]
	}
	head, maxp, loca, glyf := f.tables["head"], f.tables["maxp"], f.tables["loca"], f.tables["glyf"]
	if len(head) < 54 || len(maxp) < 6 || glyf == nil {
		return nil, errBadFont
	}
	long := binary.BigEndian.Uint16(head[50:]) == 1
	numGlyphs := int(binary.BigEndian.Uint16(maxp[4:]))
	offset := func(i int) (int, bool) {
		if long {
			if 4*i+4 > len(loca) {
				return 0, false
			}
			return int(binary.BigEndian.Uint32(loca[4*i:])), true
		}
		if 2*i+2 > len(loca) {
			return 0, false
		}
		return 2 * int(binary.BigEndian.Uint16(loca[2*i:])), true
	}
	f.glyphs = make([][]byte, numGlyphs)
	for i := range f.glyphs {
		start, ok1 := offset(i)
		end, ok2 := offset(i + 1)
		if !ok1 || !ok2 || start > end || end > len(glyf) {
			return nil, errBadFont
		}
		f.glyphs[i] = glyf[start:end]
	}
	delete(f.tables, "glyf")
	delete(f.tables, "loca")
	if err := f.compressFixed(); err != nil {
		return nil, err
	}

	direct := make([][]uint16, numGlyphs)
	for i, g := range f.glyphs {
		c, err := components(g)
		if err != nil {
			return nil, fmt.Errorf("glyph %d: %w", i, err)
		}
		for _, k := range c {
			if int(k) >= numGlyphs {
				return nil, errBadFont
			}
		}
		direct[i] = c
	}
	f.comps = make([][]uint16, numGlyphs)
	for i := range f.glyphs {
		seen := map[uint16]bool{}
		var walk func(g uint16, depth int)
		walk = func(g uint16, depth int) {
			if depth > 8 { // a cycle; the font is broken, but no need to hang
				return
			}
			for _, k := range direct[g] {
				if !seen[k] {
					seen[k] = true
					f.comps[i] = append(f.comps[i], k)
					walk(k, depth+1)
				}
			}
		}
		walk(uint16(i), 0)
	}
	return f, nil
}

// components lists the glyphs a composite glyph description refers to.
func components(g []byte) ([]uint16, error) {
	if len(g) < 10 || int16(binary.BigEndian.Uint16(g)) >= 0 {
		return nil, nil // empty or simple
	}
	const (
		argsAreWords = 0x0001
		haveScale    = 0x0008
		moreComps    = 0x0020
		haveXYScale  = 0x0040
		haveTwoByTwo = 0x0080
	)
	var out []uint16
	for p := 10; ; {
		if p+4 > len(g) {
			return nil, errBadFont
		}
		flags := binary.BigEndian.Uint16(g[p:])
		out = append(out, binary.BigEndian.Uint16(g[p+2:]))
		p += 4
		if flags&argsAreWords != 0 {
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&haveScale != 0:
			p += 2
		case flags&haveXYScale != 0:
			p += 4
		case flags&haveTwoByTwo != 0:
			p += 8
		}
		if flags&moreComps == 0 {
			return out, nil
		}
	}
}

func (f *ttfFont) compressFixed() error {
	for t := range f.tables {
		if t != "head" {
			f.fixed = append(f.fixed, t)
		}
	}
	sort.Strings(f.fixed)
	f.fixedOff = map[string]int{}
	var b []byte
	for _, t := range f.fixed {
		f.fixedOff[t] = len(b)
		b = append(b, f.tables[t]...)
		b = append(b, make([]byte, (4-len(b)%4)%4)...)
	}
	f.fixedLen, f.fixedSum, f.fixedAdl = len(b), checksum(b), adler32.Checksum(b)
	var z bytes.Buffer
	zw, err := flate.NewWriter(&z, flate.BestCompression)
	if err != nil {
		return err
	}
	zw.Write(b)
	if err := zw.Close(); err != nil {
		return err
	}
	f.fixedZ = z.Bytes()
	return nil
}

// subset writes the font with only the glyphs in keep (and their
// components, and .notdef) as a zlib stream, and returns it and the font's
// size. fw is a raw deflate writer to reuse; dyn a scratch buffer.
func (f *ttfFont) subset(keep []bool, fw *flate.Writer, dyn *bytes.Buffer) (z []byte, size int) {
	keep[0] = true
	for i, k := range keep {
		if k {
			for _, c := range f.comps[i] {
				keep[c] = true
			}
		}
	}
	var glyf, loca []byte
	for i, g := range f.glyphs {
		loca = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))
		if keep[i] {
			glyf = append(glyf, g...)
			for len(glyf)%4 != 0 {
				glyf = append(glyf, 0)
			}
		}
	}
	loca = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))
	head := append([]byte(nil), f.tables["head"]...)
	binary.BigEndian.PutUint32(head[8:], 0)  // checkSumAdjustment, set below
	binary.BigEndian.PutUint16(head[50:], 1) // long loca offsets
	changed := map[string][]byte{"head": head, "glyf": glyf, "loca": loca}
	order := []string{"head", "glyf", "loca"} // in the file, before the fixed tables

	n := len(f.fixed) + len(order)
	tags := append(append(make([]string, 0, n), f.fixed...), order...)
	sort.Strings(tags) // the directory is sorted by tag
	offsets := map[string]int{}
	at := 12 + 16*n
	for _, t := range order {
		offsets[t] = at
		at += (len(changed[t]) + 3) &^ 3
	}
	for _, t := range f.fixed {
		offsets[t] = at + f.fixedOff[t]
	}
	size = at + f.fixedLen

	dyn.Reset()
	entrySelector := 0
	for 1<<(entrySelector+1) <= n {
		entrySelector++
	}
	searchRange := 16 << entrySelector
	var hdr [12]byte
	binary.BigEndian.PutUint32(hdr[0:], 0x00010000)
	binary.BigEndian.PutUint16(hdr[4:], uint16(n))
	binary.BigEndian.PutUint16(hdr[6:], uint16(searchRange))
	binary.BigEndian.PutUint16(hdr[8:], uint16(entrySelector))
	binary.BigEndian.PutUint16(hdr[10:], uint16(16*n-searchRange))
	dyn.Write(hdr[:])
	for _, t := range tags {
		var rec [16]byte
		copy(rec[:4], t)
		if d, ok := changed[t]; ok {
			binary.BigEndian.PutUint32(rec[4:], checksum(d))
			binary.BigEndian.PutUint32(rec[12:], uint32(len(d)))
		} else {
			binary.BigEndian.PutUint32(rec[4:], checksum(f.tables[t]))
			binary.BigEndian.PutUint32(rec[12:], uint32(len(f.tables[t])))
		}
		binary.BigEndian.PutUint32(rec[8:], uint32(offsets[t]))
		dyn.Write(rec[:])
	}
	var pad [3]byte
	for _, t := range order {
		d := changed[t]
		dyn.Write(d)
		dyn.Write(pad[:(4-len(d)%4)%4])
	}
	b := dyn.Bytes()
	headAt := offsets["head"]
	binary.BigEndian.PutUint32(b[headAt+8:], 0xB1B0AFBA-(checksum(b)+f.fixedSum))

	// One zlib stream: the changed part deflated here and flushed to a
	// byte boundary, then the fixed part's deflate stream, which has the
	// final block, then the Adler-32 of the whole.
	var out bytes.Buffer
	out.Grow(len(b)/2 + len(f.fixedZ) + 8)
	out.Write([]byte{0x78, 0x9C})
	fw.Reset(&out)
	fw.Write(b)
	fw.Flush()
	out.Write(f.fixedZ)
	out.Write(binary.BigEndian.AppendUint32(nil, adler32Combine(adler32.Checksum(b), f.fixedAdl, f.fixedLen)))
	return out.Bytes(), size
}

// adler32Combine is the Adler-32 of two blocks of data from theirs and
// the length of the second (zlib's adler32_combine).
func adler32Combine(a1, a2 uint32, len2 int) uint32 {
	const base = 65521
	rem := uint32(len2 % base)
	sum1 := a1 & 0xffff
	sum2 := rem * sum1 % base
	sum1 += (a2 & 0xffff) + base - 1
	sum2 += (a1 >> 16) + (a2 >> 16) + base - rem
	if sum1 >= base {
		sum1 -= base
	}
	if sum1 >= base {
		sum1 -= base
	}
	if sum2 >= base<<1 {
		sum2 -= base << 1
	}
	if sum2 >= base {
		sum2 -= base
	}
	return sum1 | sum2<<16
}

func checksum(b []byte) uint32 {
	var sum uint32
	for len(b) >= 4 {
		sum += binary.BigEndian.Uint32(b)
		b = b[4:]
	}
	if len(b) > 0 {
		var last [4]byte
		copy(last[:], b)
		sum += binary.BigEndian.Uint32(last[:])
	}
	return sum
}

// glyphsOf maps each code of a slice to its glyph in the slice's font.
func glyphsOf(ttf []byte, s *slice) (*[256]uint16, error) {
	f, err := sfnt.Parse(ttf)
	if err != nil {
		return nil, err
	}
	var buf sfnt.Buffer
	var gids [256]uint16
	set := func(c int, r rune) error {
		g, err := f.GlyphIndex(&buf, r)
		if err != nil {
			return err
		}
		gids[c] = uint16(g)
		return nil
	}
	for c := 32; c < 127; c++ {
		if err := set(c, rune(c)); err != nil {
			return nil, err
		}
	}
	for k, r := range s.runes {
		if r != 0 {
			if err := set(128+k, r); err != nil {
				return nil, err
			}
		}
	}
	return &gids, nil
}
