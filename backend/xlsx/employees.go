package xlsx

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"gatehouse/backend"
)

const employeesSheet = "Employees"

// employeeWidths are the columns' widths in characters, in the order of
// backend.EmployeeColumns.
var employeeWidths = []float64{30, 28, 34, 18, 14, 12, 12, 18}

// dateTimeFormat shows an Excel date-time in ISO order, which reads the
// same in every locale.
const dateTimeFormat = "yyyy-mm-dd hh:mm"

// WriteEmployees writes employees as an .xlsx workbook, one row per call of
// next, with a bold frozen header and an autofilter. CreatedAt is written
// as an Excel date-time at its wall-clock time in loc (nil: UTC); phones are
// text cells so Excel keeps the "+". Errors are internal.
func (s *Spreadsheets) WriteEmployees(w io.Writer, loc *time.Location, next backend.RowIterator) error {
	if loc == nil {
		loc = time.UTC
	}
	f := excelize.NewFile(excelize.Options{TmpDir: s.TempDir})
	defer f.Close()
	if err := f.SetSheetName("Sheet1", employeesSheet); err != nil {
		return fmt.Errorf("employees sheet: %w", err)
	}
	st, err := newTableStyles(f)
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(employeesSheet)
	if err != nil {
		return fmt.Errorf("employees stream: %w", err)
	}
	if err := freezeHeader(sw, employeeWidths); err != nil {
		return err
	}
	if err := sw.SetRow("A1", headerCells(backend.EmployeeColumns, st.header)); err != nil {
		return fmt.Errorf("employees header: %w", err)
	}
	// One row slice reused for every row: SetRow encodes it at once.
	cells := make([]any, len(backend.EmployeeColumns))
	line := 1
	for {
		r, ok, err := next()
		if err != nil {
			return fmt.Errorf("employees row %d: %w", line, err)
		}
		if !ok {
			break
		}
		line++
		cells[0] = r.AccountName
		cells[1] = r.Name
		cells[2] = r.Email
		cells[3] = excelize.Cell{StyleID: st.text, Value: r.Phone}
		cells[4] = r.Role
		cells[5] = r.Status
		cells[6] = nil
		if r.MaxDialogs != nil {
			cells[6] = *r.MaxDialogs
		}
		cells[7] = nil
		if !r.CreatedAt.IsZero() {
			cells[7] = excelize.Cell{StyleID: st.dateTime, Value: r.CreatedAt.In(loc)}
		}
		if err := sw.SetRow(cellName(1, line), cells); err != nil {
			return fmt.Errorf("employees row %d: %w", line, err)
		}
	}
	// The autofilter is sheet metadata that Flush writes after the rows;
	// setting it now, when the row count is known, keeps the sheet streamed.
	if err := f.AutoFilter(employeesSheet, "A1:"+cellName(len(backend.EmployeeColumns), line), nil); err != nil {
		return fmt.Errorf("employees autofilter: %w", err)
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("employees flush: %w", err)
	}
	if err := writeTo(f, w); err != nil {
		return fmt.Errorf("employees write: %w", err)
	}
	return nil
}

// writeTo writes a workbook's ZIP straight to w. excelize's Write builds
// the whole ZIP in a bytes.Buffer before copying it out, which for a
// million rows is some 40 MB held at once; its ZipWriter hook lets the ZIP
// go to w instead, leaving that buffer empty, so memory stays flat.
func writeTo(f *excelize.File, w io.Writer) error {
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	var rest bytes.Buffer
	if err := f.Write(&rest); err != nil {
		return err
	}
	if rest.Len() > 0 {
		return fmt.Errorf("excelize wrote %d bytes past its ZipWriter", rest.Len())
	}
	return nil
}

// tableStyles are the cell styles of a streamed table.
type tableStyles struct {
	header, text, dateTime int
}

func newTableStyles(f *excelize.File) (tableStyles, error) {
	var st tableStyles
	var err error
	st.header, err = f.NewStyle(&excelize.Style{
		Font:   &excelize.Font{Bold: true},
		Fill:   excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDE6F0"}},
		Border: []excelize.Border{{Type: "bottom", Color: "8EA4BC", Style: 1}},
	})
	if err != nil {
		return st, fmt.Errorf("header style: %w", err)
	}
	// Number format 49 is "@": Excel keeps what is typed into the cell as
	// text too, so editing a phone does not turn it into a number.
	if st.text, err = f.NewStyle(&excelize.Style{NumFmt: 49}); err != nil {
		return st, fmt.Errorf("text style: %w", err)
	}
	format := dateTimeFormat
	if st.dateTime, err = f.NewStyle(&excelize.Style{CustomNumFmt: &format}); err != nil {
		return st, fmt.Errorf("date style: %w", err)
	}
	return st, nil
}

// freezeHeader sets the column widths and freezes the first row; the
// StreamWriter takes both only before the first row.
func freezeHeader(sw *excelize.StreamWriter, widths []float64) error {
	// excelize puts each new width before the ones set earlier, and Excel
	// wants the columns in ascending order: so last column first.
	for i := len(widths) - 1; i >= 0; i-- {
		if err := sw.SetColWidth(i+1, i+1, widths[i]); err != nil {
			return fmt.Errorf("column width: %w", err)
		}
	}
	if err := sw.SetPanes(frozenHeader()); err != nil {
		return fmt.Errorf("freeze header: %w", err)
	}
	return nil
}

func headerCells(names []string, style int) []any {
	cells := make([]any, len(names))
	for i, n := range names {
		cells[i] = excelize.Cell{StyleID: style, Value: n}
	}
	return cells
}

// cellName is the A1 reference of a 1-based column and row; both are in
// range wherever it is called.
func cellName(col, row int) string {
	name, _ := excelize.CoordinatesToCellName(col, row)
	return name
}
