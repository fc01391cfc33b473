package xlsx_test

import (
	"os"
	"reflect"
	"testing"

	"gatehouse/backend"
)

func TestWriteImportErrors(t *testing.T) {
	s := newSheets(t)
	// A file as read, with columns in its own order and one the import
	// ignores, and the reasons its rows were refused.
	header := []string{"Email", "Name", "Notes", "Phone"}
	rows := []backend.ImportRow{
		{Line: 2, Email: "ok@example.com", Name: "Fine", Cells: []string{"ok@example.com", "Fine"}},
		{Line: 3, Name: "Ann", Phone: "+7 912", Cells: []string{"", "Ann", "=1+1", "+7 912"}},
		{Line: 5, Email: "dup@example.com", Name: "Dup", Cells: []string{"dup@example.com", "Dup", "a note", "", "past the header"}},
	}
	var f3, f5 backend.Fields
	f3.Add("email", "required", nil)
	f3.Add("phone", "phone_invalid", nil)
	f5.Add("email", "email_taken", nil)
	errs := []backend.ImportRowError{{Line: 5, Fields: f5}, {Line: 3, Fields: f3}}

	p := writeTemp(t, "errors.xlsx", nil)
	out, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WriteImportErrors(out, header, rows, errs); err != nil {
		t.Fatal(err)
	}
	out.Close()

	f := openWorkbook(t, p)
	sheet := f.GetSheetList()[0]
	got, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"Email", "Name", "Notes", "Phone", "", "Error"},
		{"", "Ann", "=1+1", "+7 912", "", "Email: " + f3[0].Message + "; Phone: " + f3[1].Message},
		{"dup@example.com", "Dup", "a note", "", "past the header", "Email: " + f5[0].Message},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	// "=1+1" is text, not a formula.
	if formula, _ := f.GetCellFormula(sheet, "C2"); formula != "" {
		t.Errorf("C2 has the formula %q", formula)
	}
	id, _ := f.GetCellStyle(sheet, "F1")
	if st, _ := f.GetStyle(id); st == nil || st.Font == nil || !st.Font.Bold {
		t.Errorf("the header is not bold: %+v", st)
	}

	t.Run("ImportedAgain", func(t *testing.T) {
		// The corrected errors file imports as it is: the Error column and
		// the Notes column with its "=1+1" are ignored, and a second errors
		// file reuses the Error column.
		again, err := s.ReadEmployeeSheet(openTemp(t, p), "errors.xlsx", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(again.Rows) != 2 || again.Rows[1].Email != "dup@example.com" || again.Rows[1].Line != 3 ||
			!reflect.DeepEqual(again.Header, want[0]) {
			t.Fatalf("got %+v", again.Rows)
		}
		var fe backend.Fields
		fe.Add("email", "email_taken", nil)
		p2 := writeTemp(t, "errors2.xlsx", nil)
		out, _ := os.Create(p2)
		err = s.WriteImportErrors(out, again.Header, again.Rows, []backend.ImportRowError{{Line: 3, Fields: fe}})
		out.Close()
		if err != nil {
			t.Fatal(err)
		}
		f2 := openWorkbook(t, p2)
		got, _ := f2.GetRows(f2.GetSheetList()[0])
		want := [][]string{
			{"Email", "Name", "Notes", "Phone", "", "Error"},
			{"dup@example.com", "Dup", "a note", "", "past the header", "Email: " + fe[0].Message},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got  %q\nwant %q", got, want)
		}
	})
}
