package xlsx_test

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatehouse/backend"
)

func TestWriteMonthlyReport(t *testing.T) {
	rep := &backend.MonthlyReport{
		Year: 2026, Month: 3, TimeZone: "Europe/Moscow",
		Totals: backend.ReportMetrics{SignUps: 42, Verifications: 30, ProfilesCompleted: 20, KYCSubmitted: 15,
			KYCApproved: 9, KYCRejected: 2, MedianHoursToApproval: 36.5},
		ByAgent: []backend.ReportAgent{
			{Source: backend.ReportSelf, ReportMetrics: backend.ReportMetrics{SignUps: 40, KYCApproved: 8}},
			{Source: backend.ReportOffice, ReportMetrics: backend.ReportMetrics{ProfilesCompleted: 3}},
			{AgentID: "u1", Agent: "Игорь Полевой", Source: backend.ReportByAgent, ReportMetrics: backend.ReportMetrics{SignUps: 2, KYCApproved: 1, MedianHoursToApproval: 12}},
		},
		Made: time.Date(2026, 4, 1, 6, 0, 0, 0, time.UTC),
	}
	for d := 1; d <= 31; d++ {
		rep.Days = append(rep.Days, backend.ReportDay{Day: d, ReportMetrics: backend.ReportMetrics{SignUps: d % 3, Verifications: d % 2, KYCApproved: d % 5}})
	}
	p := writeTemp(t, "report.xlsx", nil)
	out, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := newSheets(t).WriteMonthlyReport(out, rep); err != nil {
		t.Fatal(err)
	}
	out.Close()

	f := openWorkbook(t, p)
	if got := strings.Join(f.GetSheetList(), ","); got != "Summary,Days,Agents" {
		t.Errorf("sheets: got %s", got)
	}
	value := func(sheet, cell string) string {
		t.Helper()
		v, err := f.GetCellValue(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	t.Run("Totals", func(t *testing.T) {
		if got := value("Summary", "A1"); got != "Onboarding, March 2026 (Europe/Moscow)" {
			t.Errorf("title: got %q", got)
		}
		if got := value("Summary", "B2"); got != "2026-04-01 09:00" {
			t.Errorf("made: got %q, want Moscow time", got)
		}
		want := map[string]string{"Sign-ups": "42", "Verifications": "30", "Profiles completed": "20", "KYC submitted": "15",
			"KYC approved": "9", "KYC rejected": "2", "Median hours from sign-up to approval": "36.50"}
		rows, _ := f.GetRows("Summary")
		for _, r := range rows {
			if len(r) == 2 && want[r[0]] != "" {
				if r[1] != want[r[0]] {
					t.Errorf("%s: got %s, want %s", r[0], r[1], want[r[0]])
				}
				delete(want, r[0])
			}
		}
		if len(want) > 0 {
			t.Errorf("missing totals: %v", want)
		}
	})

	t.Run("Days", func(t *testing.T) {
		rows, _ := f.GetRows("Days")
		if len(rows) != 32 || rows[0][0] != "Day" || rows[0][1] != "Sign-ups" {
			t.Fatalf("got %d rows, header %q", len(rows), rows[0])
		}
		if rows[31][0] != "2026-03-31" || rows[31][1] != strconv.Itoa(31%3) || rows[31][5] != strconv.Itoa(31%5) {
			t.Errorf("31 March: got %q", rows[31])
		}
	})

	t.Run("Chart", func(t *testing.T) {
		chart := zipPart(t, p, "xl/charts/chart1.xml")
		if chart == "" {
			t.Fatal("no xl/charts/chart1.xml")
		}
		for _, want := range []string{"March 2026 (Europe/Moscow)", "Days!$B$2:$B$32", "Days!$C$2:$C$32", "Days!$F$2:$F$32", `<barDir val="col">`, "Days!$A$2:$A$32"} {
			if !strings.Contains(chart, want) {
				t.Errorf("the chart lacks %s", want)
			}
		}
		if zipPart(t, p, "xl/drawings/drawing1.xml") == "" {
			t.Error("no drawing holds the chart")
		}
	})

	t.Run("Agents", func(t *testing.T) {
		rows, _ := f.GetRows("Agents")
		if len(rows) != 4 || rows[1][0] != "Self sign-up" || rows[2][0] != "Back office" || rows[3][0] != "Игорь Полевой" || rows[3][7] != "12.00" {
			t.Errorf("got %q", rows)
		}
	})
}
