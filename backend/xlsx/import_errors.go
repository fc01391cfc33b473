package xlsx

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/xuri/excelize/v2"

	"gatehouse/backend"
)

// errorColumn heads the errors file's column of reasons.
const errorColumn = "Error"

// importFieldColumns names the import's fields as the file's columns, so a
// reason reads "Email: This field is required.".
var importFieldColumns = map[string]string{
	"name": "Name", "email": "Email", "phone": "Phone", "role": "Role", "maxDialogs": "Max dialogs",
}

// WriteImportErrors writes the refused rows of an import, as they were, with
// an "Error" column of the row's reasons joined with "; ", as an .xlsx
// workbook. header is the file's header row; an "Error" column already in
// it (a corrected errors file imported again) is reused rather than added.
// Rows without errors are left out. Every cell is written as text, so
// nothing in the file runs as a formula. Errors are internal.
func (s *Spreadsheets) WriteImportErrors(w io.Writer, header []string, rows []backend.ImportRow, errs []backend.ImportRowError) error {
	reasons := map[int][]string{}
	for _, e := range errs {
		for _, fe := range e.Fields {
			msg := fe.Message
			if col := importFieldColumns[fe.Field]; col != "" {
				msg = col + ": " + msg
			}
			reasons[e.Line] = append(reasons[e.Line], msg)
		}
	}
	refused := make([]backend.ImportRow, 0, len(reasons))
	for _, r := range rows {
		if _, ok := reasons[r.Line]; ok {
			refused = append(refused, r)
		}
	}
	sort.SliceStable(refused, func(i, j int) bool { return refused[i].Line < refused[j].Line })

	width := len(header)
	for _, r := range refused {
		width = max(width, len(r.Cells))
	}
	errCol := -1
	for i, h := range header {
		if headerKey(h) == strings.ToLower(errorColumn) {
			errCol = i
		}
	}
	if errCol < 0 {
		// After the widest of the header and the rows, so no cell is
		// overwritten.
		errCol = width
		width++
	}
	head := make([]string, width)
	copy(head, header)
	head[errCol] = errorColumn

	f := excelize.NewFile(excelize.Options{TmpDir: s.TempDir})
	defer f.Close()
	const sheet = "Errors"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return fmt.Errorf("errors sheet: %w", err)
	}
	st, err := newTableStyles(f)
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("errors stream: %w", err)
	}
	widths := make([]float64, len(head))
	for i := range widths {
		widths[i] = 18
	}
	widths[errCol] = 60
	if err := freezeHeader(sw, widths); err != nil {
		return err
	}
	if err := sw.SetRow("A1", headerCells(head, st.header)); err != nil {
		return fmt.Errorf("errors header: %w", err)
	}
	for i, r := range refused {
		cells := make([]any, len(head))
		for j, c := range r.Cells {
			if c != "" {
				// Text cells: a value like "=1+1" stays a string.
				cells[j] = excelize.Cell{StyleID: st.text, Value: c}
			}
		}
		cells[errCol] = strings.Join(reasons[r.Line], "; ")
		if err := sw.SetRow(cellName(1, i+2), cells); err != nil {
			return fmt.Errorf("errors row %d: %w", r.Line, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("errors flush: %w", err)
	}
	if err := writeTo(f, w); err != nil {
		return fmt.Errorf("errors write: %w", err)
	}
	return nil
}
