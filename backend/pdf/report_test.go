package pdf_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"gatehouse/backend"
)

func monthlyReport() *backend.MonthlyReport {
	rep := &backend.MonthlyReport{Year: 2026, Month: 11, TimeZone: "Europe/Moscow",
		Made: time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)}
	for day := 1; day <= 30; day++ {
		m := backend.ReportMetrics{
			SignUps:       (day*7)%13 + 2,
			Verifications: (day*5)%11 + 1,
			KYCApproved:   (day * 3) % 5,
		}
		if day == 14 {
			m.SignUps = 31 // a campaign
		}
		rep.Days = append(rep.Days, backend.ReportDay{Day: day, ReportMetrics: m})
		rep.Totals.SignUps += m.SignUps
		rep.Totals.Verifications += m.Verifications
		rep.Totals.KYCApproved += m.KYCApproved
	}
	rep.Totals.ProfilesCompleted = 57
	rep.Totals.KYCSubmitted = 61
	rep.Totals.KYCRejected = 4
	rep.Totals.MedianHoursToApproval = 36.5
	rep.ByAgent = []backend.ReportAgent{
		{Source: backend.ReportSelf, ReportMetrics: backend.ReportMetrics{SignUps: 229, Verifications: 164, ProfilesCompleted: 40,
			KYCSubmitted: 45, KYCApproved: 50, KYCRejected: 3, MedianHoursToApproval: 30.36}},
		{Source: backend.ReportOffice, ReportMetrics: backend.ReportMetrics{ProfilesCompleted: 2, KYCSubmitted: 5, KYCApproved: 4,
			MedianHoursToApproval: 7}},
		{AgentID: "u1", Agent: "Мария Иванова", Source: backend.ReportByAgent, ReportMetrics: backend.ReportMetrics{SignUps: 21, Verifications: 19,
			ProfilesCompleted: 12, KYCSubmitted: 11, KYCApproved: 10, KYCRejected: 1, MedianHoursToApproval: 52}},
		{AgentID: "u2", Source: backend.ReportByAgent, Agent: "Rahul Venkataraman-Subramanian of the Chennai field office", ReportMetrics: backend.ReportMetrics{
			SignUps: 6, Verifications: 5, ProfilesCompleted: 5, KYCSubmitted: 5}},
	}
	return rep
}

func report(t *testing.T, rep *backend.MonthlyReport, lang string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := newRenderer(t).MonthlyReport(&buf, rep, lang); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestMonthlyReport(t *testing.T) {
	t.Run("English", func(t *testing.T) {
		doc := report(t, monthlyReport(), "en")
		text := pdftotext(t, doc)
		contains(t, text, "Monthly report", "November 2026 · Europe/Moscow",
			"Made 1 December 2026, 09:00 (Europe/Moscow)",
			"Sign-ups", "256", "Verifications", "Profiles completed", "57", "KYC submitted", "61",
			"KYC approved", "KYC rejected", "4", "36.5 h",
			"KYC approvals",
			"Self sign-up", "229", "30.4 h", "Back office", "7.0 h", "Мария Иванова", "52.0 h", "Rahul Venkataraman-", "Subramanian",
			"Total", "Page 1 of 1", "Gatehouse")
		keepSamples(t, doc, "report-en")
	})
	t.Run("Russian", func(t *testing.T) {
		doc := report(t, monthlyReport(), "ru")
		text := pdftotext(t, doc)
		contains(t, text, "Ежемесячный отчёт", "Ноябрь 2026 · Europe/Moscow",
			"Сформирован 1 декабря 2026, 09:00 (Europe/Moscow)", "Регистрации", "256", "36,5 ч",
			"Самостоятельная", "регистрация", "Бэк-офис", "Мария Иванова", "Итого", "Страница 1 из 1")
		keepSamples(t, doc, "report-ru")
	})
	t.Run("Spike", func(t *testing.T) {
		rep := monthlyReport()
		rep.Days[13].SignUps = 1234
		text := pdftotext(t, report(t, rep, "en"))
		contains(t, text, "1,500", "1,000", "500") // the axis reaches past the spike
	})
	t.Run("Empty", func(t *testing.T) {
		rep := &backend.MonthlyReport{Year: 2026, Month: 2, TimeZone: "America/New_York"}
		doc := report(t, rep, "en")
		text := pdftotext(t, doc)
		contains(t, text, "February 2026 · America/New_York", "No sign-ups, verifications or approvals this month",
			"No field agent activity this month", "28", "—", "Page 1 of 1")
		if strings.Contains(text, "29") {
			t.Errorf("February 2026 has 28 days:\n%s", text)
		}
		keepSamples(t, doc, "report-empty")
	})
	t.Run("ManyAgents", func(t *testing.T) {
		rep := monthlyReport()
		for i := 0; i < 60; i++ {
			rep.ByAgent = append(rep.ByAgent, backend.ReportAgent{AgentID: fmt.Sprint("a", i), Source: backend.ReportByAgent,
				Agent: fmt.Sprintf("Agent %02d", i), ReportMetrics: backend.ReportMetrics{SignUps: i}})
		}
		doc := report(t, rep, "en")
		text := pdftotext(t, doc)
		contains(t, text, "Agent 00", "Agent 59", "Total", "Page 1 of 3", "Page 3 of 3")
		if got := strings.Count(text, "Field agent"); got < 2 {
			t.Errorf("the table's header is on %d pages, want it repeated on each", got)
		}
		keepSamples(t, doc, "report-many-agents")
	})
}
