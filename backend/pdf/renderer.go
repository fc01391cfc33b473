// Package pdf writes Gatehouse's PDF documents with go-pdf/fpdf: the
// invoice details of a company and the monthly onboarding report.
package pdf

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
)

// Renderer writes PDF documents. Make one with NewRenderer and reuse it:
// it keeps the fonts it prepares, which is most of the cost of a small
// document. A Renderer is not safe for concurrent use; give each goroutine
// its own.
type Renderer struct {
	tf      *typeface
	fw      *flate.Writer // kept: a new one allocates a megabyte
	fontBuf bytes.Buffer
	zones   map[string]*time.Location
	runs    []run // scratch
	code    []byte
}

// NewRenderer parses the embedded fonts. Its errors are internal: the
// fonts are part of the program.
func NewRenderer() (*Renderer, error) {
	tf, err := newTypeface()
	if err != nil {
		return nil, fmt.Errorf("pdf fonts: %w", err)
	}
	fw, err := flate.NewWriter(nil, flate.BestSpeed)
	if err != nil {
		return nil, err
	}
	return &Renderer{tf: tf, fw: fw}, nil
}

// render writes a document drawn by body. body runs twice: once to learn
// which characters of which font slices the document uses, then to write
// it with fonts that hold just those glyphs. It must draw the same both
// times.
func (r *Renderer) render(w io.Writer, lang, title string, made time.Time, body func(d *doc)) error {
	m := r.newDoc(lang, nil)
	body(m)
	m.footers()
	if m.err != nil {
		return m.err
	}

	p := fpdf.New("P", "mm", "A4", "")
	p.SetAutoPageBreak(false, 0) // layout breaks pages itself
	p.SetMargins(marginX, marginY, marginX)
	p.SetCatalogSort(true) // same input, same bytes
	// Page content stays uncompressed: fpdf makes a new zlib writer (1 MB)
	// for every stream, which costs about 1 ms and 1.1 MB of garbage per
	// page to save about 4 KB of text operators (a batch's ZIP compresses
	// them anyway). The fonts, most of a file, are compressed.
	p.SetCompression(false)
	p.SetCreationDate(made)
	p.SetModificationDate(made)
	p.SetTitle(title, true)
	p.SetCreator("Gatehouse", false)
	p.SetLang(m.tr("en", "ru"))
	d := r.newDoc(lang, p)
	d.files = m.used
	body(d)
	d.footers()
	if d.err != nil {
		return d.err
	}
	return p.Output(w)
}

// Page geometry, in millimetres (A4).
const (
	pageW    = 210.0
	pageH    = 297.0
	marginX  = 20.0
	marginY  = 20.0
	contentW = pageW - 2*marginX
	// contentBottom is where content stops and the footer's space begins.
	contentBottom = pageH - 22.0
	footerRule    = pageH - 15.0
	footerBase    = pageH - 10.5
	mmPerPt       = 25.4 / 72
)

type rgb struct{ r, g, b int }

var (
	ink    = rgb{33, 37, 41}
	muted  = rgb{108, 117, 125}
	accent = rgb{25, 113, 194}
	rule   = rgb{222, 226, 230}
	shade  = rgb{241, 243, 245}
)

// doc is one document being laid out: measured, when pdf is nil, or written.
type doc struct {
	r   *Renderer
	pdf *fpdf.Fpdf
	ru  bool
	// used records the codes each slice font is used for, by style.
	used [2][]*[256]bool
	// files holds, when writing, the codes the measuring pass found; their
	// fonts are added to the document when first selected.
	files [2][]*[256]bool
	added [2][]bool
	// cur is the font last selected on the current page, so that runs in
	// the same slice and size do not select it again.
	cur struct {
		slice int
		st    style
		size  float64
		set   bool
	}
	page, pages int
	err         error
	y           float64 // the layout's cursor
	// running is written at the top of every page but the first.
	running string
}

func (r *Renderer) newDoc(lang string, p *fpdf.Fpdf) *doc {
	d := &doc{r: r, pdf: p, ru: russian(lang)}
	for st := range d.used {
		d.used[st] = make([]*[256]bool, len(r.tf.slices))
		d.added[st] = make([]bool, len(r.tf.slices))
	}
	d.addPage()
	return d
}

func russian(lang string) bool {
	lang = strings.ToLower(lang)
	return lang == "ru" || strings.HasPrefix(lang, "ru-") || strings.HasPrefix(lang, "ru_")
}

// tr picks the English or the Russian text.
func (d *doc) tr(en, ru string) string {
	if d.ru {
		return ru
	}
	return en
}

func (d *doc) addPage() {
	if d.pdf != nil {
		d.pdf.AddPage()
	}
	d.page++
	d.pages = max(d.pages, d.page)
	d.cur.set = false
	d.y = marginY
	if d.page > 1 && d.running != "" {
		d.text(marginX, marginY-6, d.clean(d.running), regular, 8, muted)
		d.y += 2
	}
}

// ensureRoom starts a new page unless h millimetres fit below the cursor,
// and says whether it did.
func (d *doc) ensureRoom(h float64) bool {
	if d.y+h <= contentBottom {
		return false
	}
	d.addPage()
	return true
}

func (d *doc) setFont(slice int, st style, size float64) {
	if d.cur.set && d.cur.slice == slice && d.cur.st == st && d.cur.size == size {
		return
	}
	f := d.r.tf.faces[st]
	if !d.added[st][slice] {
		sf, err := f.font(d.r.tf, slice)
		if err != nil {
			d.fail(err)
			return
		}
		codes := d.files[st][slice]
		if codes == nil {
			d.fail(fmt.Errorf("font slice %d was not measured", slice))
			return
		}
		keep := make([]bool, len(sf.ttf.glyphs))
		for c, used := range codes {
			if used {
				keep[sf.glyph[c]] = true
			}
		}
		file, fileSize := sf.ttf.subset(keep, d.r.fw, &d.r.fontBuf)
		d.pdf.AddFontFromBytes(d.r.tf.family[slice], f.style, sf.definition(fileSize), file)
		d.added[st][slice] = true
	}
	d.pdf.SetFont(d.r.tf.family[slice], f.style, size)
	d.cur.slice, d.cur.st, d.cur.size, d.cur.set = slice, st, size, true
}

func (d *doc) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

// clean prepares text for one line (newlines become spaces).
func (d *doc) clean(s string) string { return d.r.tf.clean(s, false) }

// width is the width of clean text s in millimetres.
func (d *doc) width(s string, st style, size float64) float64 {
	f := d.r.tf.faces[st]
	w := 0
	for _, r := range s {
		w += f.width(r)
	}
	return float64(w) * size / 1000 * mmPerPt
}

// text writes clean text s with its baseline at y.
func (d *doc) text(x, y float64, s string, st style, size float64, c rgb) {
	if s == "" {
		return
	}
	if d.pdf != nil {
		d.pdf.SetTextColor(c.r, c.g, c.b)
	}
	// ASCII alone stays in a slice the document already uses.
	pref := 0
	if d.cur.set && d.cur.st == st {
		pref = d.cur.slice
	} else {
		for i, u := range d.used[st] {
			if u != nil {
				pref = i
				break
			}
		}
	}
	d.r.runs, d.r.code = d.r.tf.runs(d.r.runs[:0], d.r.code[:0], s, d.r.tf.faces[st], pref)
	for _, rn := range d.r.runs {
		codes := d.r.code[rn.start:rn.end]
		u := d.used[st][rn.slice]
		if u == nil {
			u = new([256]bool)
			d.used[st][rn.slice] = u
		}
		for _, c := range codes {
			u[c] = true
		}
		if d.pdf != nil {
			d.setFont(rn.slice, st, size)
			d.pdf.Text(x, y, string(codes))
		} else {
			d.cur.slice, d.cur.st, d.cur.size, d.cur.set = rn.slice, st, size, true
		}
		x += float64(rn.width) * size / 1000 * mmPerPt
	}
}

// textRight writes clean text s ending at x.
func (d *doc) textRight(x, y float64, s string, st style, size float64, c rgb) {
	d.text(x-d.width(s, st, size), y, s, st, size, c)
}

// textCenter writes clean text s centred on x.
func (d *doc) textCenter(x, y float64, s string, st style, size float64, c rgb) {
	d.text(x-d.width(s, st, size)/2, y, s, st, size, c)
}

// wrap cleans s and breaks it into lines no wider than w millimetres.
func (d *doc) wrap(s string, st style, size, w float64) []string {
	s = d.r.tf.clean(s, true)
	limit := int(w / mmPerPt / size * 1000)
	return wrapText(s, d.r.tf.faces[st], limit)
}

// line draws a line in colour c, width lw millimetres.
func (d *doc) line(x1, y1, x2, y2, lw float64, c rgb) {
	if d.pdf == nil {
		return
	}
	d.pdf.SetDrawColor(c.r, c.g, c.b)
	d.pdf.SetLineWidth(lw)
	d.pdf.Line(x1, y1, x2, y2)
}

// rect fills a rectangle with colour c.
func (d *doc) rect(x, y, w, h float64, c rgb) {
	if d.pdf == nil {
		return
	}
	d.pdf.SetFillColor(c.r, c.g, c.b)
	d.pdf.Rect(x, y, w, h, "F")
}

// roundRect fills a rectangle with rounded corners of radius rad.
func (d *doc) roundRect(x, y, w, h, rad float64, c rgb) {
	if d.pdf == nil {
		return
	}
	d.pdf.SetFillColor(c.r, c.g, c.b)
	d.pdf.RoundedRect(x, y, w, h, rad, "1234", "F")
}

// lineHeight is the distance between baselines for a font size in points.
func lineHeight(size float64) float64 { return size * mmPerPt * 1.38 }

// ascent is roughly the height of capitals above the baseline, to place
// the first baseline of a block below its top.
func ascent(size float64) float64 { return size * mmPerPt * 0.76 }

// title writes the document's title, a subtitle under it when not empty,
// and the accent rule below them.
func (d *doc) title(title, subtitle string) {
	d.y = marginY + ascent(18)
	d.text(marginX, d.y, d.clean(title), bold, 18, ink)
	if subtitle != "" {
		d.y += 7.5
		d.text(marginX, d.y, d.clean(subtitle), regular, 11, muted)
	}
	d.y += 4.5
	d.line(marginX, d.y, pageW-marginX, d.y, 0.5, accent)
	d.y += 2
}

// section writes a section heading and leaves the cursor under it.
func (d *doc) section(name string) {
	d.ensureRoom(20)
	d.y += 7
	d.text(marginX, d.y, d.clean(strings.ToUpper(name)), bold, 8.5, accent)
	d.y += 2.5
}

// footers writes "Gatehouse" and the page number on every page, once the
// number of pages is known.
func (d *doc) footers() {
	for i := 1; i <= d.pages; i++ {
		if d.pdf != nil {
			d.pdf.SetPage(i)
		}
		d.cur.set = false
		d.line(marginX, footerRule, pageW-marginX, footerRule, 0.2, rule)
		d.text(marginX, footerBase, "Gatehouse", bold, 8, muted)
		d.textRight(pageW-marginX, footerBase,
			d.clean(fmt.Sprintf(d.tr("Page %d of %d", "Страница %d из %d"), i, d.pages)), regular, 8, muted)
	}
}
