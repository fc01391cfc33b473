package store_test

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"gatehouse/backend"
	"gatehouse/backend/pdf"
	"gatehouse/backend/store"
)

// TestMonthlyReportZones puts sign-ups on both sides of month boundaries
// that UTC would place differently, in three zones, one of them across
// the end of daylight-saving time.
func TestMonthlyReportZones(t *testing.T) {
	a := newAccountsEnv(t)
	manager := a.user(t, "manager@gatehouse.test", backend.RoleManager)
	rw := MustWritable(t, a.env)
	reports := store.NewReportService(a.db, a.accts, nil, nil)
	at := func(zone, local string) time.Time {
		loc, _ := time.LoadLocation(zone)
		tm, err := time.ParseInLocation("2006-01-02 15:04", local, loc)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for _, tt := range []struct {
		zone, local string
		year, month int
	}{
		{"Europe/Moscow", "2026-03-31 23:30", 2026, 3},
		{"Europe/Moscow", "2026-04-01 00:10", 2026, 4},    // still March in UTC
		{"America/New_York", "2026-03-31 23:59", 2026, 3}, // already April in UTC
		{"America/New_York", "2026-10-31 23:30", 2026, 10},
		{"America/New_York", "2026-11-01 01:30", 2026, 11}, // the repeated hour, as DST ends
		{"Asia/Kolkata", "2026-04-30 23:45", 2026, 4},
		{"Asia/Kolkata", "2026-05-01 00:15", 2026, 5}, // still April in UTC
	} {
		t.Run(tt.zone+" "+tt.local, func(t *testing.T) {
			when := at(tt.zone, tt.local)
			id := fmt.Sprintf("fixture-%d", when.UnixNano())
			if _, err := rw.Exec(`INSERT INTO users (id, name, email, phone, time_zone, role, password_hash, created_at, updated_at)
				VALUES (?, 'Fixture', ?, '+79123456789', 'UTC', 'customer', 'x', ?, ?)`, id, id+"@example.com", when.UnixMilli(), when.UnixMilli()); err != nil {
				t.Fatal(err)
			}
			defer rw.Exec(`DELETE FROM users WHERE id = ?`, id)
			rep, err := reports.MonthlyReport(manager, tt.year, tt.month, tt.zone)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Totals.SignUps != 1 {
				t.Fatalf("%s in %s: %d sign-ups in %d-%02d, want 1", tt.local, tt.zone, rep.Totals.SignUps, tt.year, tt.month)
			}
			if day := rep.Days[when.Day()-1]; day.SignUps != 1 {
				t.Fatalf("not on day %d: %+v", when.Day(), rep.Days)
			}
			// And not in the neighbouring months.
			for _, d := range []int{-1, 1} {
				m := time.Date(tt.year, time.Month(tt.month+d), 1, 0, 0, 0, 0, time.UTC)
				other, _ := reports.MonthlyReport(manager, m.Year(), int(m.Month()), tt.zone)
				if other.Totals.SignUps != 0 {
					t.Fatalf("also counted in %d-%02d", m.Year(), m.Month())
				}
			}
		})
	}
	if got := len(mustReport(t, reports, manager, 2026, 2, "Europe/Moscow").Days); got != 28 {
		t.Fatalf("February 2026 has %d days", got)
	}
	if _, err := reports.MonthlyReport(a.user(t, "client@example.com", backend.RoleCustomer), 2026, 3, "UTC"); backend.ErrorCode(err) != backend.EFORBIDDEN {
		t.Fatalf("customer read the report: %v", err)
	}
	if _, err := reports.MonthlyReport(manager, 2026, 13, "Mars/Base"); fieldCodes(t, err)["timeZone"] != "timezone_invalid" {
		t.Fatalf("bad input: %v", err)
	}
}

func mustReport(t *testing.T, r *store.ReportService, ctx context.Context, y, m int, tz string) *backend.MonthlyReport {
	t.Helper()
	rep, err := r.MonthlyReport(ctx, y, m, tz)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestMonthlyReportKYCAndAgents counts a field agent's onboarding through
// KYC approval, with the time from sign-up to approval.
func TestMonthlyReportKYCAndAgents(t *testing.T) {
	k := newKYCEnv(t)
	agent := k.user(t, "agent@gatehouse.test", backend.RoleAgent)
	manager := k.user(t, "manager@gatehouse.test", backend.RoleManager)
	acct, err := k.accts.SaveAccountDetails(agent, "", companyDetails())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.accts.SaveCompany(agent, acct.ID, completeProfile()); err != nil {
		t.Fatal(err)
	}
	k.kyc.SetEntityType(agent, acct.ID, "RU", "individual_entrepreneur")
	for _, kind := range []string{"egrip_extract", "inn_certificate", "passport"} {
		if _, err := k.kyc.AddDocument(agent, acct.ID, kind, pdfFile(kind+".pdf")); err != nil {
			t.Fatal(err)
		}
	}
	c, err := k.kyc.Submit(agent, acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	k.clock.Add(30 * time.Hour)
	rc, _ := k.kyc.FindCase(k.reviewer, acct.ID)
	var ds []backend.KYCDecision
	for _, d := range rc.Documents {
		ds = append(ds, backend.KYCDecision{DocumentID: d.ID, Approve: true})
	}
	if _, err := k.kyc.Decide(k.reviewer, c.ID, ds); err != nil {
		t.Fatal(err)
	}
	now := k.clock.Now()
	rep, err := store.NewReportService(k.db, k.accts, nil, nil).MonthlyReport(manager, now.Year(), int(now.Month()), "UTC")
	if err != nil {
		t.Fatal(err)
	}
	tot := rep.Totals
	if tot.ProfilesCompleted != 1 || tot.KYCSubmitted != 1 || tot.KYCApproved != 1 || tot.KYCRejected != 0 || tot.MedianHoursToApproval != 30 {
		t.Fatalf("totals %+v", tot)
	}
	var found bool
	for _, a := range rep.ByAgent {
		if a.Agent == "Anna Petrova" && a.Source == backend.ReportByAgent && a.KYCApproved == 1 && a.ProfilesCompleted == 1 {
			found = true
		}
	}
	if !found {
		t.Fatalf("agent row missing: %+v", rep.ByAgent)
	}

	// An account the back office opens counts there, not as a self
	// sign-up nor as an agent's.
	office, err := k.accts.SaveAccountDetails(k.admin, "", companyDetails())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.accts.SaveCompany(k.admin, office.ID, completeProfile()); err != nil {
		t.Fatal(err)
	}
	rep, err = store.NewReportService(k.db, k.accts, nil, nil).MonthlyReport(manager, now.Year(), int(now.Month()), "UTC")
	if err != nil {
		t.Fatal(err)
	}
	bySource := map[string]backend.ReportAgent{}
	for _, a := range rep.ByAgent {
		if _, dup := bySource[a.Source]; dup && a.Source != backend.ReportByAgent {
			t.Fatalf("two %s rows: %+v", a.Source, rep.ByAgent)
		}
		bySource[a.Source] = a
	}
	if o := bySource[backend.ReportOffice]; o.ProfilesCompleted != 1 || o.AgentID != "" || o.Agent != "" {
		t.Fatalf("back-office row %+v in %+v", o, rep.ByAgent)
	}
	if a := bySource[backend.ReportByAgent]; a.ProfilesCompleted != 1 {
		t.Fatalf("the agent's row took the office's account: %+v", a)
	}
	if s, ok := bySource[backend.ReportSelf]; ok && s.ProfilesCompleted != 0 {
		t.Fatalf("self sign-up row took the office's account: %+v", s)
	}
	if rep.ByAgent[0].Source == backend.ReportByAgent && len(rep.ByAgent) > 1 {
		t.Fatalf("agents listed before self sign-up and the back office: %+v", rep.ByAgent)
	}
}

// TestInvoiceIssuedInExportersZone: an invoice-details PDF of a profile
// without a time zone tells the time it was made in the zone of whoever
// exports it (Moscow here), not in UTC; with a zone, in the company's.
func TestInvoiceIssuedInExportersZone(t *testing.T) {
	a := newAccountsEnv(t)
	renderer, err := pdf.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	reports := store.NewReportService(a.db, a.accts, renderer, nil)
	acct, err := a.accts.SaveAccountDetails(a.admin, "", companyDetails())
	if err != nil {
		t.Fatal(err)
	}
	issued := func() string {
		t.Helper()
		var buf bytes.Buffer
		if err := reports.InvoiceDetails(a.admin, &buf, acct.ID); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("pdftotext", "-", "-")
		cmd.Stdin = &buf
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("pdftotext (Debian's poppler-utils): %v", err)
		}
		return strings.Join(strings.Fields(string(out)), " ")
	}
	if text := issued(); !strings.Contains(text, "(Europe/Moscow)") {
		t.Fatalf("no time zone in the profile: %q, want the exporter's Europe/Moscow", text)
	}
	p := completeProfile()
	p.TimeZone = "Asia/Kolkata"
	if _, err := a.accts.SaveCompany(a.admin, acct.ID, p); err != nil {
		t.Fatal(err)
	}
	if text := issued(); !strings.Contains(text, "(Asia/Kolkata)") {
		t.Fatalf("with the company's zone: %q", text)
	}
}
