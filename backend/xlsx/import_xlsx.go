package xlsx

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/xuri/excelize/v2"
)

// readXLSX reads the first worksheet of a workbook into t.
func (s *Spreadsheets) readXLSX(r io.Reader, t *table) (err error) {
	data, err := readAtMost(r, s.maxFileBytes())
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fileError(CodeNotSpreadsheet, nil)
	}
	// The sizes in the ZIP directory are binding: archive/zip fails an
	// entry that inflates past its declared size.
	var unzipped uint64
	for _, zf := range zr.File {
		unzipped += zf.UncompressedSize64
	}
	if unzipped > uint64(s.maxUnzippedBytes()) {
		return tooLarge(s.maxUnzippedBytes())
	}
	// The file is whoever's upload and excelize is a big parser: a panic
	// on a malformed part is a refused file, not a crashed app.
	defer func() {
		if p := recover(); p != nil {
			err = fileError(CodeNotSpreadsheet, nil)
		}
	}()
	files := map[string]*zip.File{}
	for _, zf := range zr.File {
		files[strings.ToLower(zf.Name)] = zf
	}
	sheet, part := firstWorksheet(files)
	if part == nil {
		return fileError(CodeNotSpreadsheet, nil)
	}
	rc, err := part.Open()
	if err != nil {
		return fileError(CodeNotSpreadsheet, nil)
	}
	sc, err := scanSheet(rc)
	rc.Close()
	if err != nil {
		return fileError(CodeNotSpreadsheet, nil)
	}
	if sc.formula != "" {
		return fileError(CodeFormula, map[string]any{"cell": sc.formula})
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		RawCellValue:      true, // numbers as stored: a phone typed as a number keeps all its digits
		UnzipSizeLimit:    s.maxUnzippedBytes(),
		UnzipXMLSizeLimit: min(s.maxUnzippedBytes(), excelize.StreamChunkSize), // bigger sheets are read from a temp file
		TmpDir:            s.TempDir,
	})
	if err != nil {
		return fileError(CodeNotSpreadsheet, nil)
	}
	defer f.Close()
	rows, err := f.Rows(sheet)
	if err != nil {
		return fileError(CodeNotSpreadsheet, nil)
	}
	defer rows.Close()
	// Next yields every row number, present in the XML or not; a row the
	// scan found blank is passed over without decoding its cells, and the
	// reading stops after the last row that may hold a value, so blank rows
	// cost neither memory nor much time, wherever they are.
	for line := 1; line <= sc.lastFilled && rows.Next(); line++ {
		if !sc.filled[line] {
			continue
		}
		cells, err := rows.Columns()
		if err != nil {
			return fileError(CodeNotSpreadsheet, nil)
		}
		if err := t.add(line, cells); err != nil {
			return err
		}
	}
	if rows.Error() != nil {
		return fileError(CodeNotSpreadsheet, nil)
	}
	return nil
}

// firstWorksheet returns the first sheet, in the workbook's order, that is
// a worksheet (not a chart sheet), and its part in the package.
func firstWorksheet(files map[string]*zip.File) (string, *zip.File) {
	for _, sh := range sheetParts(files) {
		if zf := files[sh.part]; zf != nil && strings.HasPrefix(sh.part, "xl/worksheets/") {
			return sh.name, zf
		}
	}
	return "", nil
}

// sheetParts lists the workbook's sheets and their parts (lower case), in
// order, following the package's relationships as excelize does.
func sheetParts(files map[string]*zip.File) []struct{ name, part string } {
	workbook := "xl/workbook.xml"
	for _, rel := range relationships(files["_rels/.rels"]) {
		if strings.HasSuffix(rel.Type, "/officeDocument") {
			workbook = resolvePart("", rel.Target)
		}
	}
	targets := map[string]string{}
	dir := path.Dir(workbook)
	for _, rel := range relationships(files[path.Join(dir, "_rels", path.Base(workbook)+".rels")]) {
		targets[rel.ID] = resolvePart(dir, rel.Target)
	}
	var wb struct {
		Sheets []struct {
			Name  string     `xml:"name,attr"`
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := decodePart(files[workbook], &wb); err != nil {
		return nil
	}
	var parts []struct{ name, part string }
	for _, sh := range wb.Sheets {
		for _, a := range sh.Attrs {
			// r:id, in the transitional or the strict namespace.
			if a.Name.Local == "id" && a.Name.Space != "" {
				parts = append(parts, struct{ name, part string }{sh.Name, targets[a.Value]})
			}
		}
	}
	return parts
}

type relationship struct {
	ID     string `xml:"Id,attr"`
	Type   string `xml:"Type,attr"`
	Target string `xml:"Target,attr"`
}

func relationships(zf *zip.File) []relationship {
	var rels struct {
		Rels []relationship `xml:"Relationship"`
	}
	_ = decodePart(zf, &rels)
	return rels.Rels
}

func decodePart(zf *zip.File, v any) error {
	if zf == nil {
		return fmt.Errorf("missing part")
	}
	rc, err := zf.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return xml.NewDecoder(rc).Decode(v)
}

// resolvePart turns a relationship's target into a package path, lower
// case like the keys of the file map.
func resolvePart(dir, target string) string {
	if strings.HasPrefix(target, "/") {
		return strings.ToLower(strings.TrimPrefix(path.Clean(target), "/"))
	}
	return strings.ToLower(path.Join(dir, target))
}

// sheetScan is what a first, quick pass over a worksheet's XML finds.
type sheetScan struct {
	formula string // the first cell with a formula, "" when none
	// filled marks the rows that may hold a value (a non-empty <v> or <t>);
	// every other row is blank, and lastFilled is the last marked row.
	filled     []bool
	lastFilled int
}

// scanSheet makes a pass over a worksheet's XML at the speed of a byte
// search: excelize's row iterator does not say which cells hold formulas,
// and decodes every row, which a million empty rows make slow. The pass
// relies on what well-formed XML guarantees: '<' only ever starts markup,
// so the tags are found by searching for it and text never needs decoding.
func scanSheet(r io.Reader) (sheetScan, error) {
	var sc sheetScan
	br := bufio.NewReaderSize(r, 64<<10)
	row, col := 0, 0
	var ref []byte // the current cell's r attribute, reused
	inCell := false
	if err := skipPast(br, '<'); err != nil {
		return sc, nil // no markup at all: nothing to find
	}
	for {
		// Here, just past a '<'.
		tag, err := readTag(br)
		if err != nil {
			return sc, err
		}
		// Comments and CDATA may hold '<' and '>': read to their ends.
		if end, ok := sections[string(tag[:min(len(tag), 3)])]; ok {
			cdata := bytes.HasPrefix(tag, []byte("![CDATA["))
			for !bytes.HasSuffix(tag, end) {
				if tag, err = readTag(br); err != nil {
					return sc, err
				}
			}
			if cdata && inCell && row > 0 {
				sc.fill(row)
			}
			if err := skipPast(br, '<'); err != nil {
				return sc, nil
			}
			continue
		}
		name, closing, selfClosing := tagName(tag)
		switch {
		case closing:
			switch string(name) {
			case "c":
				inCell = false
			case "sheetData":
				return sc, nil
			}
		case string(name) == "row":
			if n := atoi(tagAttr(tag, "r")); n > 0 {
				row = n
			} else {
				row++
			}
			col = 0
		case string(name) == "c":
			inCell = !selfClosing
			col++
			ref = append(ref[:0], tagAttr(tag, "r")...)
		case string(name) == "f" && inCell:
			sc.formula = cellName(col, row)
			if _, _, err := excelize.CellNameToCoordinates(string(ref)); err == nil {
				sc.formula = string(ref)
			}
			return sc, nil
		case (string(name) == "v" || string(name) == "t") && !selfClosing && row > 0:
			// The text up to the next '<' is the value.
			filled, err := textUntilTag(br)
			if err != nil {
				return sc, err
			}
			if filled {
				sc.fill(row)
			}
			continue // already past the next '<'
		}
		if err := skipPast(br, '<'); err == io.EOF {
			return sc, nil
		} else if err != nil {
			return sc, err
		}
	}
}

// atoi parses a row number, 0 when it is not one.
func atoi(b []byte) int {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' || n > excelize.TotalRows {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// sections are the markup that ends with more than '>': comments and CDATA,
// by the first three bytes after their '<'.
var sections = map[string][]byte{"!--": []byte("-->"), "![C": []byte("]]>")}

// fill marks a row as holding a value; rows past the sheet's end are left
// to excelize, which refuses them.
func (sc *sheetScan) fill(row int) {
	if row > excelize.TotalRows {
		return
	}
	if len(sc.filled) <= row {
		sc.filled = append(sc.filled, make([]bool, row+1-len(sc.filled))...)
	}
	sc.filled[row], sc.lastFilled = true, max(sc.lastFilled, row)
}

// skipPast reads up to and including the next c.
func skipPast(br *bufio.Reader, c byte) error {
	for {
		_, err := br.ReadSlice(c)
		if err != bufio.ErrBufferFull {
			return err
		}
	}
}

// readTag returns a tag's bytes up to and including its '>', valid until
// the next read. Tags longer than the buffer are cut: only short ones
// (row, c) are looked into.
func readTag(br *bufio.Reader) ([]byte, error) {
	tag, err := br.ReadSlice('>')
	if err == bufio.ErrBufferFull {
		return tag, skipPast(br, '>')
	}
	return tag, err
}

// tagName splits "x:c r=..." or "/row" into its local name and kind.
func tagName(tag []byte) (name []byte, closing, selfClosing bool) {
	if len(tag) > 0 && tag[0] == '/' {
		closing, tag = true, tag[1:]
	}
	selfClosing = bytes.HasSuffix(tag, []byte("/>"))
	end := bytes.IndexAny(tag, " \t\r\n/>")
	if end < 0 {
		end = len(tag)
	}
	name = tag[:end]
	if i := bytes.IndexByte(name, ':'); i >= 0 {
		name = name[i+1:]
	}
	return name, closing, selfClosing
}

// tagAttr returns an attribute's value from a tag's bytes.
func tagAttr(tag []byte, name string) []byte {
	for rest := tag; ; {
		i := bytes.Index(rest, []byte(name+"="))
		if i < 0 {
			return nil
		}
		// Only a whole attribute name: "r=" but not "spr=".
		if i > 0 && !isSpace(rest[i-1]) {
			rest = rest[i+len(name)+1:]
			continue
		}
		v := rest[i+len(name)+1:]
		if len(v) == 0 || v[0] != '"' && v[0] != '\'' {
			return nil
		}
		if j := bytes.IndexByte(v[1:], v[0]); j >= 0 {
			return v[1 : 1+j]
		}
		return nil
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// textUntilTag reads an element's text through the '<' that ends it and
// reports whether it has anything but blanks.
func textUntilTag(br *bufio.Reader) (bool, error) {
	filled := false
	for {
		chunk, err := br.ReadSlice('<')
		if !filled {
			for _, c := range chunk {
				if c != '<' && !isSpace(c) {
					filled = true
					break
				}
			}
		}
		if err != bufio.ErrBufferFull {
			return filled, err
		}
	}
}
