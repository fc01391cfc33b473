package xlsx

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"gatehouse/backend"
)

// Sheet is an import file as read: its header row as written, for the
// errors file, and its data rows.
type Sheet struct {
	Header     []string
	HeaderLine int
	Rows       []backend.ImportRow
}

// ReadEmployees reads an employee import file; see ReadEmployeeSheet.
func (s *Spreadsheets) ReadEmployees(r io.Reader, fileName string, maxRows int) ([]backend.ImportRow, error) {
	sh, err := s.ReadEmployeeSheet(r, fileName, maxRows)
	if err != nil {
		return nil, err
	}
	return sh.Rows, nil
}

// ReadEmployeeFile implements backend.Spreadsheets: the file's header and
// its rows.
func (s *Spreadsheets) ReadEmployeeFile(r io.Reader, fileName string, maxRows int) ([]string, []backend.ImportRow, error) {
	sh, err := s.ReadEmployeeSheet(r, fileName, maxRows)
	if err != nil {
		return nil, nil, err
	}
	return sh.Header, sh.Rows, nil
}

// ReadEmployeeSheet reads an employee import file: an .xlsx workbook (its
// first worksheet) or a UTF-8 CSV file with commas, semicolons or tabs. The
// format is told by the content; fileName is not trusted and not used.
//
// The first non-blank row is the header; columns are mapped by the names of
// backend.EmployeeColumns, case and spaces ignored: Name and Email are
// required, Phone, Role and Max dialogs optional, other columns ignored.
// Blank rows are skipped wherever they are, keep no memory, and rows past
// the last one with a value are not even decoded: a sheet whose used range
// runs to row 1,048,576 reads as the rows that hold something, each with
// its own line number. maxRows bounds the data rows (<= 0: DefaultMaxRows);
// reading stops as soon as it is passed.
//
// A cell with a formula anywhere in the sheet refuses the file, and so does
// a value in an imported column that a spreadsheet would run as a formula
// if the data were opened as CSV later (CSV injection; see
// looksLikeFormula), in either format.
//
// A file refused whole is an EINVALID error with one field error on "file":
// import_not_spreadsheet, import_encrypted, import_xls, import_csv_encoding,
// import_csv_malformed, import_too_large, import_missing_header,
// import_duplicate_header, import_formula, import_too_many_rows, or
// import_empty when there is no data row, whatever the header. Other
// errors are internal.
func (s *Spreadsheets) ReadEmployeeSheet(r io.Reader, fileName string, maxRows int) (*Sheet, error) {
	if maxRows <= 0 {
		maxRows = DefaultMaxRows
	}
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(8)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("read import: %w", err)
	}
	t := &table{maxRows: maxRows}
	switch {
	case bytes.HasPrefix(head, zipMagic):
		err = s.readXLSX(br, t)
	case bytes.HasPrefix(head, cfbMagic):
		err = s.refuseCFB(br)
	default:
		err = s.readCSV(br, t)
	}
	if err != nil {
		return nil, err
	}
	return t.sheet()
}

var (
	zipMagic = []byte("PK\x03\x04")
	// cfbMagic starts an OLE2 compound file: a password-protected .xlsx is
	// one (the encrypted package inside), and so is an Excel 97-2003 .xls.
	cfbMagic = []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
)

// refuseCFB tells a protected workbook from an old .xls by the names of
// the streams in the compound file's directory, stored as UTF-16LE. Any
// other compound file is taken for a protected workbook, which is what a
// user is most likely to have picked.
func (s *Spreadsheets) refuseCFB(r io.Reader) error {
	data, err := readAtMost(r, s.maxFileBytes())
	if err != nil {
		return err
	}
	switch {
	case bytes.Contains(data, utf16LE("EncryptedPackage")):
		return fileError(CodeEncrypted, nil)
	case bytes.Contains(data, utf16LE("Workbook")), bytes.Contains(data, utf16LE("Book")):
		return fileError(CodeLegacyXLS, nil)
	}
	return fileError(CodeEncrypted, nil)
}

func utf16LE(s string) []byte {
	b := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		b = append(b, s[i], 0)
	}
	return b
}

// readAtMost reads all of r, refusing more than max bytes.
func readAtMost(r io.Reader, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("read import: %w", err)
	}
	if int64(len(data)) > max {
		return nil, tooLarge(max)
	}
	return data, nil
}

func tooLarge(max int64) error {
	return fileError(CodeTooLarge, map[string]any{"maxMB": (max + 1<<20 - 1) >> 20})
}

func (s *Spreadsheets) maxFileBytes() int64 {
	if s.MaxFileBytes > 0 {
		return s.MaxFileBytes
	}
	return DefaultMaxFileBytes
}

func (s *Spreadsheets) maxUnzippedBytes() int64 {
	if s.MaxUnzippedBytes > 0 {
		return s.MaxUnzippedBytes
	}
	return DefaultMaxUnzippedBytes
}

// The columns an import reads, by their names in backend.EmployeeColumns.
const (
	colName = iota
	colEmail
	colPhone
	colRole
	colMaxDialogs
	importCols
)

var importNames = [importCols]string{"Name", "Email", "Phone", "Role", "Max dialogs"}

// table assembles rows as a reader yields them, whatever the format.
type table struct {
	maxRows    int
	header     []string
	headerLine int
	headerErr  error
	cols       [importCols]int // index in the row, -1 when absent
	rows       []backend.ImportRow
}

// add takes one row of the file; line is its line (row) number.
func (t *table) add(line int, cells []string) error {
	if blank(cells) {
		return nil
	}
	if t.header == nil {
		t.header, t.headerLine = cells, line
		t.headerErr = t.mapHeader()
		return nil
	}
	// A bad header is reported once there is data under it: a file without
	// any is empty, whatever its first row says.
	if t.headerErr != nil {
		return t.headerErr
	}
	if len(t.rows) == t.maxRows {
		return fileError(CodeTooManyRows, map[string]any{"max": t.maxRows})
	}
	row := backend.ImportRow{Line: line, Cells: cells}
	fields := [importCols]*string{&row.Name, &row.Email, &row.Phone, &row.Role, &row.MaxDialogs}
	for k, i := range t.cols {
		if i < 0 || i >= len(cells) {
			continue
		}
		if looksLikeFormula(cells[i]) {
			return fileError(CodeFormula, map[string]any{"cell": cellName(i+1, line)})
		}
		*fields[k] = cells[i]
	}
	t.rows = append(t.rows, row)
	return nil
}

// mapHeader finds the imported columns in the header row.
func (t *table) mapHeader() error {
	known := map[string]string{} // normalised name -> name as in EmployeeColumns
	for _, c := range backend.EmployeeColumns {
		known[headerKey(c)] = c
	}
	at := map[string]int{}
	for i, h := range t.header {
		name, ok := known[headerKey(h)]
		if !ok {
			continue
		}
		if _, dup := at[name]; dup {
			return fileError(CodeDuplicateHeader, map[string]any{"header": name})
		}
		at[name] = i
	}
	for k, name := range importNames {
		i, ok := at[name]
		if !ok {
			i = -1
		}
		t.cols[k] = i
	}
	for _, k := range []int{colName, colEmail} {
		if t.cols[k] < 0 {
			return fileError(CodeMissingHeader, map[string]any{"header": importNames[k]})
		}
	}
	return nil
}

func headerKey(h string) string {
	return strings.ToLower(strings.Join(strings.Fields(h), " "))
}

func (t *table) sheet() (*Sheet, error) {
	if len(t.rows) == 0 {
		return nil, fileError(CodeEmpty, nil)
	}
	return &Sheet{Header: t.header, HeaderLine: t.headerLine, Rows: t.rows}, nil
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// looksLikeFormula reports whether a value would run as a formula when the
// data is opened in a spreadsheet later (CSV injection): it starts, after
// any blanks, with = or @, or with + or - followed by more than a number or
// a phone number ("+7 (912) 345-67-89" and "-1" are values; "+A1",
// "-2+3+cmd|' /C calc'!A0" are not).
func looksLikeFormula(v string) bool {
	v = strings.TrimLeft(v, " \t\r\n")
	if v == "" {
		return false
	}
	switch v[0] {
	case '=', '@':
		return true
	case '+', '-':
		for _, r := range v[1:] {
			if !strings.ContainsRune("0123456789 ()-./", r) {
				return true
			}
		}
	}
	return false
}

// readCSV reads a CSV file: UTF-8 with or without a byte-order mark, the
// delimiter told by the header line.
func (s *Spreadsheets) readCSV(br *bufio.Reader, t *table) error {
	sniff, err := br.Peek(br.Size())
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return fmt.Errorf("read import: %w", err)
	}
	if bytes.HasPrefix(sniff, []byte("\xFF\xFE")) || bytes.HasPrefix(sniff, []byte("\xFE\xFF")) {
		return fileError(CodeCSVEncoding, nil) // UTF-16 "Unicode text"
	}
	if bytes.HasPrefix(sniff, utf8BOM) {
		br.Discard(len(utf8BOM))
		sniff = sniff[len(utf8BOM):]
	}
	if !looksLikeText(sniff) {
		return fileError(CodeNotSpreadsheet, nil)
	}
	lr := &limitedReader{r: br, left: s.maxFileBytes()}
	cr := csvReader(lr, delimiter(sniff))
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if errors.Is(err, errTooLarge) {
			return tooLarge(s.maxFileBytes())
		}
		if err != nil {
			if line, ok := csvErrorLine(err); ok {
				return fileError(CodeCSVMalformed, map[string]any{"line": line})
			}
			return fmt.Errorf("read csv: %w", err)
		}
		for _, c := range rec {
			if !utf8.ValidString(c) {
				return fileError(CodeCSVEncoding, nil)
			}
		}
		line, _ := cr.FieldPos(0)
		if err := t.add(line, rec); err != nil {
			return err
		}
	}
}

var utf8BOM = []byte("\xEF\xBB\xBF")

// nonSpreadsheetMagic start files a user may pick by mistake that are text
// enough to pass for CSV at first sight.
var nonSpreadsheetMagic = [][]byte{
	[]byte("%PDF-"), []byte("<"), []byte("{\\rtf"),
}

// looksLikeText refuses binary files (images, archives, executables) by the
// control characters no CSV has, and markup by its first character.
func looksLikeText(b []byte) bool {
	trimmed := bytes.TrimLeft(b, " \t\r\n")
	for _, m := range nonSpreadsheetMagic {
		if bytes.HasPrefix(trimmed, m) {
			return false
		}
	}
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7F {
			return false
		}
	}
	return true
}

// delimiter is the comma, semicolon (Excel in locales whose decimal mark
// is a comma) or tab that occurs most in the first line outside quotes;
// a comma when none does.
func delimiter(b []byte) rune {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	counts := map[byte]int{}
	quoted := false
	for _, c := range b {
		switch {
		case c == '"':
			quoted = !quoted
		case !quoted && (c == ',' || c == ';' || c == '\t'):
			counts[c]++
		}
	}
	best := byte(',')
	for _, c := range []byte{';', '\t'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return rune(best)
}

func csvReader(r io.Reader, comma rune) *csv.Reader {
	cr := csv.NewReader(r)
	cr.Comma = comma
	cr.FieldsPerRecord = -1 // rows may be ragged; a short row has blanks
	// Hand-made files have stray quotes inside unquoted values (O"Brien):
	// keep them rather than refuse the file.
	cr.LazyQuotes = true
	return cr
}

func csvErrorLine(err error) (int, bool) {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.StartLine, true
	}
	return 0, false
}

var errTooLarge = errors.New("import file too large")

// limitedReader fails, rather than ends, past its limit, so a cut file is
// never read as a complete one.
type limitedReader struct {
	r    io.Reader
	left int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		var one [1]byte
		if _, err := io.ReadFull(l.r, one[:]); err == nil {
			return 0, errTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}
