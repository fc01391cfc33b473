package xlsx_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gatehouse/backend"
)

// FuzzReadEmployees feeds ReadEmployees arbitrary bytes, seeded with CSV
// and .xlsx files: it must never panic, never return more rows than asked,
// and refuse with an application error or an internal one, never both
// rows and an error.
func FuzzReadEmployees(f *testing.F) {
	const maxRows = 3
	f.Add(csvOf("Name,Email,Phone", "Anna,a@example.com,+79123456789", "Bob,b@example.com,"))
	f.Add([]byte("\xEF\xBB\xBFName;Email\n\"a;b\";c\n;;\nd;e\nf;g\nh;i\n"))
	f.Add([]byte("Name\tEmail\n=1+1\tx\n"))
	f.Add([]byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"))
	f.Add([]byte("PK\x03\x04"))
	var book bytes.Buffer
	rows, _ := employeesFixture()
	if err := newSheets(f).WriteEmployees(&book, time.UTC, iter(rows)); err != nil {
		f.Fatal(err)
	}
	f.Add(book.Bytes())
	small := excelize.NewFile()
	small.SetSheetRow("Sheet1", "A1", &[]any{"Name", "Email"})
	small.SetSheetRow("Sheet1", "A2", &[]any{"Anna", "a@example.com"})
	small.SetCellFormula("Sheet1", "C5", "1+1")
	if b, err := small.WriteToBuffer(); err == nil {
		f.Add(b.Bytes())
	}
	small.Close()

	s := newSheets(f)
	s.MaxFileBytes = 1 << 20
	s.MaxUnzippedBytes = 8 << 20
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := s.ReadEmployees(bytes.NewReader(data), "fuzz", maxRows)
		if len(got) > maxRows {
			t.Fatalf("got %d rows, max %d", len(got), maxRows)
		}
		if err != nil && got != nil {
			t.Fatalf("got rows and %v", err)
		}
		var e *backend.Error
		if err != nil && !errors.As(err, &e) {
			t.Logf("internal error: %v", err)
		}
		for _, r := range got {
			if r.Line < 2 || len(r.Cells) == 0 {
				t.Fatalf("row %+v", r)
			}
		}
	})
}
