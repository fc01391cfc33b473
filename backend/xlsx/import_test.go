package xlsx_test

import (
	"archive/zip"
	"bytes"
	"io"
	"math/rand/v2"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gatehouse/backend"
	"gatehouse/backend/xlsx"
)

func TestReadEmployees(t *testing.T) {
	t.Run("CSVWithBOMAndSemicolons", func(t *testing.T) {
		data := append([]byte("\xEF\xBB\xBF"), csvOf(
			"Имя;NAME ; Email;Phone;Max  Dialogs;Notes",
			`x;Анна Петрова;anna@example.ru;+7 912 345-67-89;5;"first; with a semicolon"`,
			";;;;;",
			`x;"Smith, John";john@example.com;;;`,
			`x;"Two`+"\r\n"+`lines";two@example.com;;;`,
		)...)
		got, err := readBytes(t, newSheets(t), data, 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []backend.ImportRow{
			{Line: 2, Name: "Анна Петрова", Email: "anna@example.ru", Phone: "+7 912 345-67-89", MaxDialogs: "5",
				Cells: []string{"x", "Анна Петрова", "anna@example.ru", "+7 912 345-67-89", "5", "first; with a semicolon"}},
			{Line: 4, Name: "Smith, John", Email: "john@example.com", Cells: []string{"x", "Smith, John", "john@example.com", "", "", ""}},
			{Line: 5, Name: "Two\nlines", Email: "two@example.com", Cells: []string{"x", "Two\nlines", "two@example.com", "", "", ""}},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
	})

	t.Run("CSVCommas", func(t *testing.T) {
		got, err := readBytes(t, newSheets(t), []byte("email,name,role\nb@example.com,Bob,operator\n"), 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []backend.ImportRow{{Line: 2, Name: "Bob", Email: "b@example.com", Role: "operator",
			Cells: []string{"b@example.com", "Bob", "operator"}}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v, want %+v", got, want)
		}
	})

	t.Run("XLSXFromAnotherProgram", func(t *testing.T) {
		// Columns in another order, a phone typed as a number, a blank row
		// and blank leading cells.
		p := workbook(t, [][]any{
			{"Email", "Role", "Name", "Phone", "Max dialogs"},
			{"a@example.com", "operator", "Anna", "+79123456789", 12},
			{},
			{nil, nil, "Bob", 79123456780},
		}, nil)
		got, err := newSheets(t).ReadEmployees(openTemp(t, p), "in.xlsx", 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []backend.ImportRow{
			{Line: 2, Name: "Anna", Email: "a@example.com", Phone: "+79123456789", Role: "operator", MaxDialogs: "12",
				Cells: []string{"a@example.com", "operator", "Anna", "+79123456789", "12"}},
			{Line: 4, Name: "Bob", Phone: "79123456780", Cells: []string{"", "", "Bob", "79123456780"}},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
	})

	t.Run("LastRowOfTheSheet", func(t *testing.T) {
		// The used range runs to row 1,048,576 with nothing in between: the
		// one row is read with its own line, at once and in little memory.
		p := workbook(t, [][]any{{"Name", "Email"}}, func(f *excelize.File) {
			f.SetCellValue("Sheet1", "B1048576", "last@example.com")
		})
		start := time.Now()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		got, err := newSheets(t).ReadEmployees(openTemp(t, p), "in.xlsx", 10)
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Line != 1048576 || got[0].Email != "last@example.com" {
			t.Errorf("got %+v, want the one row on line 1048576", got)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("took %v", d)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
			t.Errorf("allocated %d MB", alloc>>20)
		}
	})

	t.Run("TrailingEmptyRows", func(t *testing.T) {
		// A used range that runs to the sheet's last row, every row written
		// out with an empty cell, as some exporters do: the reading stops
		// after the last row with a value.
		p := streamedWorkbook(t, excelize.TotalRows, func(r int) []any {
			switch {
			case r == 1:
				return []any{"Name", "Email"}
			case r <= 3:
				return []any{"Anna", "a" + strconv.Itoa(r) + "@example.com"}
			}
			return []any{""}
		})
		start := time.Now()
		got, err := newSheets(t).ReadEmployees(openTemp(t, p), "in.xlsx", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[1].Line != 3 {
			t.Errorf("got %+v, want lines 2 and 3", got)
		}
		t.Logf("read a sheet of %d rows, 2 with data, in %v", excelize.TotalRows, time.Since(start))
	})

	t.Run("EmptyRowsBetween", func(t *testing.T) {
		// Empty rows written out between two rows: the second keeps its
		// line number.
		const last = 100_000
		p := streamedWorkbook(t, last, func(r int) []any {
			switch r {
			case 1:
				return []any{"Name", "Email"}
			case 2, last:
				return []any{"Anna", "a" + strconv.Itoa(r) + "@example.com"}
			}
			return []any{"", " "}
		})
		got, err := newSheets(t).ReadEmployees(openTemp(t, p), "in.xlsx", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Line != 2 || got[1].Line != last || got[1].Email != "a100000@example.com" {
			t.Errorf("got %+v", got)
		}
	})
}

// streamedWorkbook writes rows 1..n with a StreamWriter, each as row(r).
func streamedWorkbook(t *testing.T, n int, row func(r int) []any) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	for r := 1; r <= n; r++ {
		if err := sw.SetRow(cellRef(1, r), row(r)); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	p := writeTemp(t, "streamed.xlsx", nil)
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadEmployeesRefused(t *testing.T) {
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"), make([]byte, 64)...)
	random := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.UintN(256))
	}
	var notWorkbook bytes.Buffer
	zw := zip.NewWriter(&notWorkbook)
	w, _ := zw.Create("word/document.xml")
	w.Write([]byte("<document/>"))
	zw.Close()
	cfb := append([]byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), make([]byte, 504)...)
	xls := append(append([]byte{}, cfb...), []byte("R\x00o\x00o\x00t\x00 \x00E\x00n\x00t\x00r\x00y\x00\x00\x00W\x00o\x00r\x00k\x00b\x00o\x00o\x00k\x00")...)

	// A real password-protected workbook, encrypted by excelize.
	encrypted := func(t *testing.T) []byte {
		f := excelize.NewFile()
		f.SetSheetRow("Sheet1", "A1", &[]any{"Name", "Email"})
		p := writeTemp(t, "protected.xlsx", nil)
		if err := f.SaveAs(p, excelize.Options{Password: "secret"}); err != nil {
			t.Fatal(err)
		}
		f.Close()
		b, _ := os.ReadFile(p)
		return b
	}
	xlsxOf := func(rows [][]any, edit func(f *excelize.File)) func(t *testing.T) []byte {
		return func(t *testing.T) []byte {
			b, err := os.ReadFile(workbook(t, rows, edit))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	bytesOf := func(b []byte) func(t *testing.T) []byte { return func(*testing.T) []byte { return b } }
	good := []any{"Anna", "a@example.com"}

	tests := []struct {
		name       string
		data       func(t *testing.T) []byte
		maxRows    int
		limit      func(s *xlsx.Spreadsheets)
		wantCode   string
		wantParams map[string]any
	}{
		{name: "PNG", data: bytesOf(png), wantCode: "import_not_spreadsheet"},
		{name: "RandomBytes", data: bytesOf(random), wantCode: "import_not_spreadsheet"},
		{name: "HTML", data: bytesOf([]byte("<html><table><tr><td>Name</td></tr></table></html>")), wantCode: "import_not_spreadsheet"},
		{name: "PDF", data: bytesOf([]byte("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj")), wantCode: "import_not_spreadsheet"},
		{name: "ZIPNotWorkbook", data: bytesOf(notWorkbook.Bytes()), wantCode: "import_not_spreadsheet"},
		{name: "TruncatedXLSX", data: func(t *testing.T) []byte { return xlsxOf([][]any{{"Name", "Email"}, good}, nil)(t)[:300] },
			wantCode: "import_not_spreadsheet"},
		{name: "Encrypted", data: encrypted, wantCode: "import_encrypted"},
		{name: "CFBHeader", data: bytesOf(cfb), wantCode: "import_encrypted"},
		{name: "LegacyXLS", data: bytesOf(xls), wantCode: "import_xls"},
		{name: "UTF16", data: bytesOf([]byte("\xFF\xFEN\x00a\x00m\x00e\x00")), wantCode: "import_csv_encoding"},
		{name: "Windows1251", data: bytesOf([]byte("Name,Email\n\xC0\xED\xED\xE0,a@example.com\n")), wantCode: "import_csv_encoding"},
		{name: "MissingHeaderXLSX", data: xlsxOf([][]any{{"Name", "Phone"}, good}, nil),
			wantCode: "import_missing_header", wantParams: map[string]any{"header": "Email"}},
		{name: "MissingHeaderCSV", data: bytesOf(csvOf("Email;Phone", "a@example.com;")),
			wantCode: "import_missing_header", wantParams: map[string]any{"header": "Name"}},
		{name: "DuplicateHeader", data: xlsxOf([][]any{{"Name", "Email", " EMAIL "}, good}, nil),
			wantCode: "import_duplicate_header", wantParams: map[string]any{"header": "Email"}},
		{name: "Formula", data: xlsxOf([][]any{{"Name", "Email", "Notes"}, good, good}, func(f *excelize.File) {
			f.SetCellFormula("Sheet1", "C3", "SUM(1,2)")
		}), wantCode: "import_formula", wantParams: map[string]any{"cell": "C3"}},
		{name: "FormulaInIgnoredSheetArea", data: xlsxOf([][]any{{"Name", "Email"}, good}, func(f *excelize.File) {
			f.SetCellFormula("Sheet1", "Z100", `HYPERLINK("http://example.com","x")`)
		}), wantCode: "import_formula", wantParams: map[string]any{"cell": "Z100"}},
		{name: "FormulaLikeTextXLSX", data: xlsxOf([][]any{{"Name", "Email"}, {"@SUM(A1)", "a@example.com"}}, nil),
			wantCode: "import_formula", wantParams: map[string]any{"cell": "A2"}},
		{name: "CSVInjection", data: bytesOf(csvOf("Email,Name", `a@example.com,Anna`, `b@example.com,"=HYPERLINK(""http://evil.example"",""click"")"`)),
			wantCode: "import_formula", wantParams: map[string]any{"cell": "B3"}},
		{name: "CSVInjectionPlus", data: bytesOf(csvOf("Name,Email,Phone", `Anna,a@example.com,+cmd|' /C calc'!A0`)),
			wantCode: "import_formula", wantParams: map[string]any{"cell": "C2"}},
		{name: "CSVInjectionAfterBlanks", data: bytesOf(csvOf("Name,Email", " \t-2+3+cmd|' /C calc'!A0,a@example.com")),
			wantCode: "import_formula", wantParams: map[string]any{"cell": "A2"}},
		{name: "TooManyRowsXLSX", data: xlsxOf([][]any{{"Name", "Email"}, good, good, good}, nil), maxRows: 2,
			wantCode: "import_too_many_rows", wantParams: map[string]any{"max": 2}},
		{name: "TooManyRowsCSV", data: bytesOf(csvOf("Name,Email", "a,b", "c,d", "e,f")), maxRows: 2,
			wantCode: "import_too_many_rows", wantParams: map[string]any{"max": 2}},
		{name: "TooLargeCSV", data: bytesOf(csvOf("Name,Email", "Anna,a@example.com")), limit: func(s *xlsx.Spreadsheets) { s.MaxFileBytes = 16 },
			wantCode: "import_too_large", wantParams: map[string]any{"maxMB": int64(1)}},
		{name: "TooLargeUnzipped", data: xlsxOf([][]any{{"Name", "Email"}, good}, nil), limit: func(s *xlsx.Spreadsheets) { s.MaxUnzippedBytes = 4096 },
			wantCode: "import_too_large", wantParams: map[string]any{"maxMB": int64(1)}},
		{name: "Empty", data: bytesOf(nil), wantCode: "import_empty"},
		{name: "HeaderOnly", data: bytesOf(csvOf("Name,Email", ",", "")), wantCode: "import_empty"},
		// The only value is in the sheet's last row: it is the header row,
		// and there is no data under it.
		{name: "OnlyTheLastRow", data: xlsxOf(nil, func(f *excelize.File) {
			f.SetCellValue("Sheet1", "A1048576", "x")
		}), wantCode: "import_empty"},
		{name: "BadHeaderNoData", data: bytesOf(csvOf("Foo,Bar")), wantCode: "import_empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSheets(t)
			if tt.limit != nil {
				tt.limit(s)
			}
			p := writeTemp(t, "in", tt.data(t))
			rows, err := s.ReadEmployees(openTemp(t, p), "in", tt.maxRows)
			if rows != nil {
				t.Errorf("got rows %+v", rows)
			}
			code, params := fileErr(t, err)
			if code != tt.wantCode {
				t.Fatalf("got %s %v, want %s", code, params, tt.wantCode)
			}
			if tt.wantParams != nil && !reflect.DeepEqual(params, tt.wantParams) {
				t.Errorf("got params %#v, want %#v", params, tt.wantParams)
			}
		})
	}
}

func TestReadEmployeesPhonesAreNotFormulas(t *testing.T) {
	data := csvOf("Name,Email,Phone,Max dialogs",
		"Anna,a@example.com,+7 (912) 345-67-89,5",
		"-,b@example.com,+44 20 7946 0958,-1",
	)
	rows, err := readBytes(t, newSheets(t), data, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Phone != "+7 (912) 345-67-89" || rows[1].MaxDialogs != "-1" {
		t.Errorf("got %+v", rows)
	}
}

// withSheetXML returns a workbook made by excelize whose first sheet's XML
// is replaced, to read what other programs write.
func withSheetXML(t *testing.T, sheetData string) []byte {
	t.Helper()
	src, err := zip.OpenReader(workbook(t, [][]any{{"x"}}, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range src.File {
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == "xl/worksheets/sheet1.xml" {
			w.Write([]byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><!-- a comment with <f>1</f> --><x:sheetData>` +
				sheetData + `</x:sheetData></x:worksheet>`))
			continue
		}
		rc, _ := f.Open()
		io.Copy(w, rc)
		rc.Close()
	}
	zw.Close()
	return out.Bytes()
}

func TestReadEmployeesOtherWriters(t *testing.T) {
	t.Run("PrefixedCDATAAndNoReferences", func(t *testing.T) {
		// Namespace prefixes, rows and cells without r, a CDATA value, a
		// comment that mentions a formula, and rich text.
		data := withSheetXML(t, `<x:row><x:c t="inlineStr"><x:is><x:t>Name</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>Email</x:t></x:is></x:c></x:row>`+
			`<x:row r="3"><x:c t="inlineStr"><x:is><x:t><![CDATA[Anna <the> First]]></x:t></x:is></x:c>`+
			`<x:c t="inlineStr"><x:is><x:r><x:t>a@</x:t></x:r><x:r><x:t>example.com</x:t></x:r></x:is></x:c></x:row>`+
			`<x:row><x:c/><x:c t="inlineStr"><x:is><x:t xml:space="preserve">  </x:t></x:is></x:c></x:row>`)
		got, err := readBytes(t, newSheets(t), data, 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []backend.ImportRow{{Line: 3, Name: "Anna <the> First", Email: "a@example.com",
			Cells: []string{"Anna <the> First", "a@example.com"}}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v, want %+v", got, want)
		}
	})

	t.Run("FormulaWithoutReference", func(t *testing.T) {
		data := withSheetXML(t, `<x:row r="1"><x:c t="inlineStr"><x:is><x:t>Name</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>Email</x:t></x:is></x:c></x:row>`+
			`<x:row r="7"><x:c t="inlineStr"><x:is><x:t>Anna</x:t></x:is></x:c><x:c><x:f t="shared" si="0"/><x:v>2</x:v></x:c></x:row>`)
		_, err := readBytes(t, newSheets(t), data, 10)
		if code, params := fileErr(t, err); code != "import_formula" || params["cell"] != "B7" {
			t.Errorf("got %s %v, want import_formula at B7", code, params)
		}
	})
}
