package xlsx_test

import (
	"errors"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gatehouse/backend"
)

func intp(v int) *int { return &v }

// employees straddle a DST change in New York (8 March 2026, 02:00 local)
// and midnight there, and have phones whose "+" must survive.
func employees(t *testing.T) ([]backend.EmployeeRow, *time.Location) {
	rows, loc := employeesFixture()
	if loc == nil {
		t.Fatal("no America/New_York zone")
	}
	return rows, loc
}

func employeesFixture() ([]backend.EmployeeRow, *time.Location) {
	loc, _ := time.LoadLocation("America/New_York")
	return []backend.EmployeeRow{
		{AccountName: "ООО «Ромашка»", Name: "Анна Петрова", Email: "anna@example.ru", Phone: "+79123456789",
			Role: "administrator", Status: "active", MaxDialogs: intp(40), CreatedAt: time.Date(2026, 3, 8, 6, 59, 0, 0, time.UTC)},
		{AccountName: "ООО «Ромашка»", Name: "Bob O'Neil", Email: "bob@example.com", Phone: "+15551234567",
			Role: "operator", Status: "invited", CreatedAt: time.Date(2026, 3, 8, 7, 1, 0, 0, time.UTC)},
		{AccountName: "Acme, Inc.", Name: "Carol \"CJ\" Jones", Email: "carol@example.com", Phone: "",
			Role: "operator", Status: "deactivated", MaxDialogs: intp(1), CreatedAt: time.Date(2026, 4, 1, 3, 30, 0, 0, time.UTC)},
	}, loc
}

func TestWriteEmployees(t *testing.T) {
	s := newSheets(t)
	rows, loc := employees(t)
	out, err := os.Create(writeTemp(t, "employees.xlsx", nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WriteEmployees(out, loc, iter(rows)); err != nil {
		t.Fatal(err)
	}
	out.Close()
	f := openWorkbook(t, out.Name())
	const sheet = "Employees"

	t.Run("Header", func(t *testing.T) {
		for i, want := range backend.EmployeeColumns {
			got, _ := f.GetCellValue(sheet, cellRef(i+1, 1))
			if got != want {
				t.Errorf("header %d: got %q, want %q", i+1, got, want)
			}
		}
		id, _ := f.GetCellStyle(sheet, "A1")
		st, err := f.GetStyle(id)
		if err != nil || st.Font == nil || !st.Font.Bold || len(st.Fill.Color) == 0 {
			t.Errorf("header style: got %+v, want bold with a fill", st)
		}
		panes, _ := f.GetPanes(sheet)
		if !panes.Freeze || panes.YSplit != 1 || panes.TopLeftCell != "A2" {
			t.Errorf("panes: got %+v, want the first row frozen", panes)
		}
		if w, _ := f.GetColWidth(sheet, "C"); w < 30 {
			t.Errorf("email column width: got %v", w)
		}
		xml := zipPart(t, out.Name(), "xl/worksheets/sheet1.xml")
		if !strings.Contains(xml, `<autoFilter ref="$A$1:$H$4">`) && !strings.Contains(xml, `<autoFilter ref="A1:H4">`) {
			t.Errorf("no autofilter over A1:H4 in %s", xml[strings.Index(xml, "</sheetData>"):])
		}
		if !strings.Contains(zipPart(t, out.Name(), "xl/workbook.xml"), "_xlnm._FilterDatabase") {
			t.Error("no filter database name in the workbook")
		}
	})

	t.Run("Cells", func(t *testing.T) {
		for i, r := range rows {
			line := i + 2
			phone := cellRef(4, line)
			if typ, _ := f.GetCellType(sheet, phone); r.Phone != "" && typ != excelize.CellTypeInlineString {
				t.Errorf("%s: got type %v, want a string", phone, typ)
			}
			if got, _ := f.GetCellValue(sheet, phone); got != r.Phone {
				t.Errorf("%s: got %q, want %q", phone, got, r.Phone)
			}
			max := cellRef(7, line)
			got, _ := f.GetCellValue(sheet, max)
			if r.MaxDialogs == nil && got != "" || r.MaxDialogs != nil && got != strconv.Itoa(*r.MaxDialogs) {
				t.Errorf("%s: got %q, want %v", max, got, r.MaxDialogs)
			}
			if typ, _ := f.GetCellType(sheet, max); r.MaxDialogs != nil && typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
				t.Errorf("%s: got type %v, want a number", max, typ)
			}
			// A real date: a serial number with a date-time format, at the
			// wall-clock time in the zone.
			added := cellRef(8, line)
			shown, _ := f.GetCellValue(sheet, added)
			if want := r.CreatedAt.In(loc).Format("2006-01-02 15:04"); shown != want {
				t.Errorf("%s: shown %q, want %q", added, shown, want)
			}
			raw, _ := f.GetCellValue(sheet, added, excelize.Options{RawCellValue: true})
			serial, err := strconv.ParseFloat(raw, 64)
			if err != nil {
				t.Fatalf("%s: %q is not a number", added, raw)
			}
			at, _ := excelize.ExcelDateToTime(serial, false)
			wall := r.CreatedAt.In(loc)
			want := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, time.UTC)
			if d := at.Sub(want); d < -time.Second || d > time.Second {
				t.Errorf("%s: got %v, want %v", added, at, want)
			}
		}
	})

	t.Run("RoundTrip", func(t *testing.T) {
		got, err := s.ReadEmployees(openTemp(t, out.Name()), "employees.xlsx", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(rows) {
			t.Fatalf("got %d rows, want %d", len(got), len(rows))
		}
		for i, r := range rows {
			g := got[i]
			max := ""
			if r.MaxDialogs != nil {
				max = strconv.Itoa(*r.MaxDialogs)
			}
			want := backend.ImportRow{Line: i + 2, Name: r.Name, Email: r.Email, Phone: r.Phone, Role: r.Role, MaxDialogs: max}
			g.Cells = nil
			if !reflect.DeepEqual(g, want) {
				t.Errorf("row %d: got %+v, want %+v", i, g, want)
			}
			if c := got[i].Cells; len(c) < 6 || c[0] != r.AccountName || c[5] != r.Status {
				t.Errorf("row %d cells: got %q", i, c)
			}
			// The date comes back as the serial of the zone's wall clock.
			serial, _ := strconv.ParseFloat(got[i].Cells[7], 64)
			at, _ := excelize.ExcelDateToTime(serial, false)
			if want := r.CreatedAt.In(loc).Format("2006-01-02 15:04"); at.Format("2006-01-02 15:04") != want {
				t.Errorf("row %d date: got %v, want %s", i, at, want)
			}
		}
	})
}

func TestWriteEmployeesIteratorError(t *testing.T) {
	boom := errors.New("boom")
	err := newSheets(t).WriteEmployees(&strings.Builder{}, nil, func() (backend.EmployeeRow, bool, error) {
		return backend.EmployeeRow{}, false, boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want the iterator's error", err)
	}
}
