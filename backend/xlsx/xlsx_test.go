package xlsx_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"gatehouse/backend"
	"gatehouse/backend/xlsx"
)

// newSheets returns the encoders with temp files in the test's folder.
func newSheets(t testing.TB) *xlsx.Spreadsheets {
	s := xlsx.New()
	s.TempDir = t.TempDir()
	return s
}

// writeTemp writes data to a file in the test's folder and returns its path.
func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// readTemp reads a file written by a test, for the reader under test.
func openTemp(t testing.TB, p string) *os.File {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// openWorkbook opens a written workbook with excelize.
func openWorkbook(t testing.TB, p string) *excelize.File {
	t.Helper()
	f, err := excelize.OpenFile(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// zipPart returns a part of a written workbook, "" when it is absent.
func zipPart(t testing.TB, p, name string) string {
	t.Helper()
	zr, err := zip.OpenReader(p)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	return ""
}

// workbook builds an .xlsx in the test's folder with the normal excelize
// API, as another program would, and returns its path.
func workbook(t testing.TB, rows [][]any, edit func(f *excelize.File)) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		if err := f.SetSheetRow("Sheet1", cellRef(1, i+1), &r); err != nil {
			t.Fatal(err)
		}
	}
	if edit != nil {
		edit(f)
	}
	p := filepath.Join(t.TempDir(), "in.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func cellRef(col, row int) string {
	c, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		panic(err)
	}
	return c
}

// fileErr returns the code and params of a file refused whole.
func fileErr(t testing.TB, err error) (string, map[string]any) {
	t.Helper()
	var e *backend.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want an application error", err)
	}
	if e.Code != backend.EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != "file" {
		t.Fatalf("got %+v, want one field error on file", e)
	}
	return e.Fields[0].Code, e.Fields[0].Params
}

// iter yields rows from a slice.
func iter(rows []backend.EmployeeRow) backend.RowIterator {
	i := 0
	return func() (backend.EmployeeRow, bool, error) {
		if i == len(rows) {
			return backend.EmployeeRow{}, false, nil
		}
		i++
		return rows[i-1], true, nil
	}
}

func csvOf(lines ...string) []byte {
	return []byte(strings.Join(lines, "\r\n") + "\r\n")
}

func readBytes(t testing.TB, s *xlsx.Spreadsheets, data []byte, maxRows int) ([]backend.ImportRow, error) {
	t.Helper()
	return s.ReadEmployees(bytes.NewReader(data), "in", maxRows)
}
