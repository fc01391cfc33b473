package xlsx

import (
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"gatehouse/backend"
)

// metricColumns are the report's counted figures, labelled, in the order of
// the Days and Agents sheets.
var metricColumns = []struct {
	label string
	value func(m backend.ReportMetrics) int
}{
	{"Sign-ups", func(m backend.ReportMetrics) int { return m.SignUps }},
	{"Verifications", func(m backend.ReportMetrics) int { return m.Verifications }},
	{"Profiles completed", func(m backend.ReportMetrics) int { return m.ProfilesCompleted }},
	{"KYC submitted", func(m backend.ReportMetrics) int { return m.KYCSubmitted }},
	{"KYC approved", func(m backend.ReportMetrics) int { return m.KYCApproved }},
	{"KYC rejected", func(m backend.ReportMetrics) int { return m.KYCRejected }},
}

const medianLabel = "Median hours from sign-up to approval"

// WriteMonthlyReport writes a month's onboarding report as an .xlsx
// workbook: "Summary" with the month's totals, "Days" with a row per day
// and a column chart of sign-ups, verifications and KYC approvals, and
// "Agents" with the figures per field agent. Errors are internal.
func (s *Spreadsheets) WriteMonthlyReport(w io.Writer, rep *backend.MonthlyReport) error {
	loc, err := time.LoadLocation(rep.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	month := time.Date(rep.Year, time.Month(rep.Month), 1, 0, 0, 0, 0, time.UTC)
	title := fmt.Sprintf("Onboarding, %s (%s)", month.Format("January 2006"), rep.TimeZone)

	f := excelize.NewFile(excelize.Options{TmpDir: s.TempDir})
	defer f.Close()
	st, err := newTableStyles(f)
	if err != nil {
		return err
	}
	titleStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	if err != nil {
		return fmt.Errorf("report style: %w", err)
	}
	hours, err := f.NewStyle(&excelize.Style{NumFmt: 2}) // 0.00
	if err != nil {
		return fmt.Errorf("report style: %w", err)
	}
	dateFormat := "yyyy-mm-dd"
	date, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFormat})
	if err != nil {
		return fmt.Errorf("report style: %w", err)
	}
	// excelize reports a failed cell write with the same few causes (a bad
	// sheet or reference), all of them bugs here; the first one is kept.
	var werr error
	set := func(sheet, cell string, v any, style int) {
		if werr == nil {
			werr = f.SetCellValue(sheet, cell, v)
		}
		if werr == nil && style != 0 {
			werr = f.SetCellStyle(sheet, cell, cell, style)
		}
	}

	// Summary: a title, when it was made, and label-value pairs.
	const summary = "Summary"
	if err := f.SetSheetName("Sheet1", summary); err != nil {
		return fmt.Errorf("report summary: %w", err)
	}
	set(summary, "A1", title, titleStyle)
	set(summary, "A2", "Made", 0)
	set(summary, "B2", rep.Made.In(loc), st.dateTime)
	set(summary, "A4", "Figure", st.header)
	set(summary, "B4", "Month total", st.header)
	row := 5
	for _, m := range metricColumns {
		set(summary, cellName(1, row), m.label, 0)
		set(summary, cellName(2, row), m.value(rep.Totals), 0)
		row++
	}
	set(summary, cellName(1, row), medianLabel, 0)
	set(summary, cellName(2, row), rep.Totals.MedianHoursToApproval, hours)
	werr = firstErr(werr, f.SetColWidth(summary, "A", "A", 40), f.SetColWidth(summary, "B", "B", 18))

	// Days: one row per day of the month, and the chart beside them.
	const days = "Days"
	if _, err := f.NewSheet(days); err != nil {
		return fmt.Errorf("report days: %w", err)
	}
	set(days, "A1", "Day", st.header)
	for j, m := range metricColumns {
		set(days, cellName(j+2, 1), m.label, st.header)
	}
	for i, d := range rep.Days {
		r := i + 2
		set(days, cellName(1, r), time.Date(rep.Year, time.Month(rep.Month), d.Day, 0, 0, 0, 0, time.UTC), date)
		for j, m := range metricColumns {
			set(days, cellName(j+2, r), m.value(d.ReportMetrics), 0)
		}
	}
	werr = firstErr(werr, f.SetColWidth(days, "A", "A", 12), f.SetColWidth(days, "B", "G", 16),
		f.SetPanes(days, frozenHeader()))
	if len(rep.Days) > 0 {
		last := len(rep.Days) + 1
		series := func(col int) excelize.ChartSeries {
			c, _ := excelize.ColumnNumberToName(col)
			return excelize.ChartSeries{
				Name:       fmt.Sprintf("%s!$%s$1", days, c),
				Categories: fmt.Sprintf("%s!$A$2:$A$%d", days, last),
				Values:     fmt.Sprintf("%s!$%s$2:$%s$%d", days, c, c, last),
			}
		}
		vary := false // a colour per series, not per day
		err := f.AddChart(days, "I2", &excelize.Chart{
			Type:       excelize.Col,
			VaryColors: &vary,
			Series:     []excelize.ChartSeries{series(2), series(3), series(6)}, // sign-ups, verifications, approvals
			Title:      excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: title}}},
			Legend:     excelize.ChartLegend{Position: "bottom"},
			Dimension:  excelize.ChartDimension{Width: 880, Height: 420},
			XAxis:      excelize.ChartAxis{NumFmt: excelize.ChartNumFmt{CustomNumFmt: "d"}},
			YAxis:      excelize.ChartAxis{MajorGridLines: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0"}},
		})
		if err != nil {
			return fmt.Errorf("report chart: %w", err)
		}
	}

	// Agents: the same figures per field agent.
	const agents = "Agents"
	if _, err := f.NewSheet(agents); err != nil {
		return fmt.Errorf("report agents: %w", err)
	}
	set(agents, "A1", "Field agent", st.header)
	for j, m := range metricColumns {
		set(agents, cellName(j+2, 1), m.label, st.header)
	}
	medianCol := len(metricColumns) + 2
	set(agents, cellName(medianCol, 1), medianLabel, st.header)
	for i, a := range rep.ByAgent {
		r := i + 2
		name := a.Agent
		switch a.Source {
		case backend.ReportSelf:
			name = "Self sign-up"
		case backend.ReportOffice:
			name = "Back office"
		}
		set(agents, cellName(1, r), name, 0)
		for j, m := range metricColumns {
			set(agents, cellName(j+2, r), m.value(a.ReportMetrics), 0)
		}
		set(agents, cellName(medianCol, r), a.MedianHoursToApproval, hours)
	}
	werr = firstErr(werr, f.SetColWidth(agents, "A", "A", 30), f.SetColWidth(agents, "B", "G", 16),
		f.SetColWidth(agents, "H", "H", 24), f.SetPanes(agents, frozenHeader()))
	if werr != nil {
		return fmt.Errorf("report cells: %w", werr)
	}
	f.SetActiveSheet(0)
	if err := writeTo(f, w); err != nil {
		return fmt.Errorf("report write: %w", err)
	}
	return nil
}

// frozenHeader keeps the first row in view while scrolling.
func frozenHeader() *excelize.Panes {
	return &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
