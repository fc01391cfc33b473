package store

import (
	"archive/zip"
	"context"
	"database/sql"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"gatehouse/backend"
)

// ReportService implements backend.ReportService over the database and the
// PDF and spreadsheet encoders.
type ReportService struct {
	db       *DB
	accounts *AccountService
	sheets   backend.Spreadsheets
	mu       sync.Mutex // one document at a time per renderer
	pdf      backend.DocumentRenderer
	// MaxImportRows bounds an import; a bigger file is refused whole.
	MaxImportRows int
}

var _ backend.ReportService = (*ReportService)(nil)

// NewReportService returns the report service.
func NewReportService(db *DB, accounts *AccountService, pdf backend.DocumentRenderer, sheets backend.Spreadsheets) *ReportService {
	return &ReportService{db: db, accounts: accounts, pdf: pdf, sheets: sheets, MaxImportRows: 200_000}
}

func langOf(ctx context.Context) string { return backend.LangFromContext(ctx) }

// InvoiceDetails writes an account's invoice-details PDF.
func (s *ReportService) InvoiceDetails(ctx context.Context, w io.Writer, accountID string) error {
	a, err := s.accounts.FindAccountByID(ctx, accountID)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.pdf.InvoiceDetails(w, a, s.issuedNow(ctx), langOf(ctx)); err != nil {
		return fmt.Errorf("invoice details %s: %w", accountID, err)
	}
	return nil
}

// issuedNow is now in the exporter's time zone (UTC without one): a PDF of
// a profile that has no zone yet tells its time in it rather than in UTC.
func (s *ReportService) issuedNow(ctx context.Context) time.Time {
	now := s.db.Now().UTC()
	if u := backend.UserFromContext(ctx); u != nil {
		if loc, err := time.LoadLocation(u.TimeZone); err == nil {
			return now.In(loc)
		}
	}
	return now
}

var unsafeName = regexp.MustCompile(`[^\p{L}\p{N}._-]+`)

// batchSize refuses a batch of no accounts or more than 10,000.
func batchSize(ids []string) error {
	if len(ids) == 0 || len(ids) > 10_000 {
		var f backend.Fields
		f.Add("accountIds", "batch_size", map[string]any{"max": 10_000})
		return f.Err()
	}
	return nil
}

// CheckInvoiceBatch reads each account as the batch will, so the web's
// export job is refused when it is asked for, not a moment later.
func (s *ReportService) CheckInvoiceBatch(ctx context.Context, accountIDs []string) error {
	if err := batchSize(accountIDs); err != nil {
		return err
	}
	for _, id := range accountIDs {
		if _, err := s.accounts.FindAccountByID(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// InvoiceDetailsBatch writes a ZIP with one PDF per account the user may
// see; it checks ctx between documents, so cancelling stops it promptly.
func (s *ReportService) InvoiceDetailsBatch(ctx context.Context, w io.Writer, accountIDs []string, progress func(done, total int)) error {
	if err := batchSize(accountIDs); err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	seen := map[string]int{}
	for i, id := range accountIDs {
		if err := ctx.Err(); err != nil {
			return backend.Keyed(backend.ECONFLICT, "errors.cancelled", "The export was cancelled.")
		}
		a, err := s.accounts.FindAccountByID(ctx, id)
		if err != nil {
			return err
		}
		name := strings.Trim(unsafeName.ReplaceAllString(a.Profile.Name, "_"), "_")
		if name == "" {
			name = a.ID
		}
		if n := seen[name]; n > 0 {
			name += "-" + strconv.Itoa(n+1)
		}
		seen[name]++
		f, err := zw.CreateHeader(&zip.FileHeader{Name: name + ".pdf", Method: zip.Deflate, Modified: s.db.Now()})
		if err != nil {
			return fmt.Errorf("batch: %w", err)
		}
		s.mu.Lock()
		err = s.pdf.InvoiceDetails(f, a, s.issuedNow(ctx), langOf(ctx))
		s.mu.Unlock()
		if err != nil {
			return fmt.Errorf("batch %s: %w", id, err)
		}
		if progress != nil {
			progress(i+1, len(accountIDs))
		}
	}
	return zw.Close()
}

// canExport: staff who may see the account, and the account's own
// administrators.
func (s *ReportService) canExportEmployees(ctx context.Context, accountID string) (*time.Location, error) {
	u, err := backend.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	if accountID == "" {
		if _, err := backend.RequireRole(ctx, backend.RoleAdmin, backend.RoleManager); err != nil {
			return nil, err
		}
		loc, _ := time.LoadLocation(u.TimeZone)
		return orUTC(loc), nil
	}
	a, err := s.accounts.FindAccountByID(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if u.Role == backend.RoleCustomer && !a.CanEdit {
		return nil, errForbidden
	}
	loc, _ := time.LoadLocation(a.Profile.TimeZone)
	return orUTC(loc), nil
}

func orUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

// ExportEmployees streams an account's employees (all, for staff with
// accountID "") to a spreadsheet, row by row from the database.
func (s *ReportService) ExportEmployees(ctx context.Context, w io.Writer, accountID string) error {
	loc, err := s.canExportEmployees(ctx, accountID)
	if err != nil {
		return err
	}
	q := `SELECT a.display_name, u.name, u.email, u.phone, m.role, m.status, m.max_dialogs, m.created_at
		FROM memberships m JOIN users u ON u.id = m.user_id JOIN accounts a ON a.id = m.account_id`
	var args []any
	if accountID != "" {
		q += ` WHERE m.account_id = ?`
		args = append(args, accountID)
	}
	rows, err := s.db.read.QueryContext(ctx, q+` ORDER BY a.display_name, u.name`, args...)
	if err != nil {
		return fmt.Errorf("export employees: %w", err)
	}
	defer rows.Close()
	next := func() (backend.EmployeeRow, bool, error) {
		if !rows.Next() {
			return backend.EmployeeRow{}, false, rows.Err()
		}
		var r backend.EmployeeRow
		var max sql.NullInt64
		var created int64
		if err := rows.Scan(&r.AccountName, &r.Name, &r.Email, &r.Phone, &r.Role, &r.Status, &max, &created); err != nil {
			return r, false, err
		}
		if max.Valid {
			v := int(max.Int64)
			r.MaxDialogs = &v
		}
		r.CreatedAt = time.UnixMilli(created).UTC()
		return r, true, nil
	}
	return s.sheets.WriteEmployees(w, loc, next)
}

// checkImport validates every row with the rules of the "Register new
// user" form, plus duplicates within the file.
func (s *ReportService) checkImport(rows []backend.ImportRow) ([]backend.EmployeeInput, []*int, []backend.ImportRowError) {
	var inputs []backend.EmployeeInput
	var limits []*int
	var errs []backend.ImportRowError
	seen := map[string]int{}
	for _, r := range rows {
		var f backend.Fields
		in := backend.EmployeeInput{Role: strings.ToLower(strings.TrimSpace(r.Role))}
		in.Name = backend.CleanText(&f, "name", r.Name, 128, true)
		in.Email = backend.NormalizeEmail(&f, "email", r.Email)
		in.Phone = backend.NormalizePhone(&f, "phone", r.Phone, s.accounts.opts.DefaultRegion)
		if in.Role == "" {
			in.Role = backend.MemberAdministrator
		}
		checkMemberRole(&f, "role", in.Role)
		var limit *int
		if v := strings.TrimSpace(r.MaxDialogs); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > backend.MaxMaxDialogs {
				f.Add("maxDialogs", "max_dialogs_range", map[string]any{"max": backend.MaxMaxDialogs})
			} else {
				limit = &n
			}
		}
		if in.Email != "" {
			if first, dup := seen[in.Email]; dup {
				f.Add("email", "import_duplicate_email", map[string]any{"line": first})
			} else {
				seen[in.Email] = r.Line
			}
		}
		if len(f) > 0 {
			errs = append(errs, backend.ImportRowError{Line: r.Line, Fields: f})
		}
		inputs, limits = append(inputs, in), append(limits, limit)
	}
	return inputs, limits, errs
}

func (s *ReportService) readImport(ctx context.Context, accountID, fileName string, r io.Reader) (*accountRow, []string, []backend.ImportRow, error) {
	acct, err := s.accounts.load(ctx, s.db.read, accountID, true)
	if err != nil {
		return nil, nil, nil, err
	}
	header, rows, err := s.sheets.ReadEmployeeFile(r, fileName, s.MaxImportRows)
	if err != nil {
		return nil, nil, nil, err
	}
	return acct, header, rows, nil
}

func preview(rows []backend.ImportRow, inputs []backend.EmployeeInput, errs []backend.ImportRowError) backend.ImportPreview {
	p := backend.ImportPreview{Rows: len(rows), Valid: len(rows) - len(errs), Errors: errs, Sample: []backend.EmployeeInput{}}
	if p.Errors == nil {
		p.Errors = []backend.ImportRowError{}
	}
	for i := 0; i < len(inputs) && i < 20; i++ {
		p.Sample = append(p.Sample, inputs[i])
	}
	return p
}

// PreviewImport reads and checks a file without importing anything.
func (s *ReportService) PreviewImport(ctx context.Context, accountID, fileName string, r io.Reader) (backend.ImportPreview, error) {
	_, _, rows, err := s.readImport(ctx, accountID, fileName, r)
	if err != nil {
		return backend.ImportPreview{}, err
	}
	inputs, _, errs := s.checkImport(rows)
	errs = append(errs, s.takenEmails(ctx, rows, inputs, errs)...)
	sortErrs(errs)
	return preview(rows, inputs, errs), nil
}

// takenEmails reports rows whose email already has a user.
func (s *ReportService) takenEmails(ctx context.Context, rows []backend.ImportRow, inputs []backend.EmployeeInput, errs []backend.ImportRowError) []backend.ImportRowError {
	bad := map[int]bool{}
	for _, e := range errs {
		bad[e.Line] = true
	}
	var out []backend.ImportRowError
	for i, in := range inputs {
		if bad[rows[i].Line] || in.Email == "" {
			continue
		}
		var n int
		s.db.read.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE email = ?`, in.Email).Scan(&n)
		if n > 0 {
			var f backend.Fields
			f.Add("email", "email_taken", nil)
			out = append(out, backend.ImportRowError{Line: rows[i].Line, Fields: f})
		}
	}
	return out
}

func sortErrs(errs []backend.ImportRowError) {
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
}

// ImportEmployees invites every row in one transaction, or nobody: any
// refused row refuses the file, and errorsFile gets the refused rows with
// their reasons.
func (s *ReportService) ImportEmployees(ctx context.Context, accountID, fileName string, r io.Reader, errorsFile io.Writer) (backend.ImportPreview, error) {
	acct, header, rows, err := s.readImport(ctx, accountID, fileName, r)
	if err != nil {
		return backend.ImportPreview{}, err
	}
	inputs, limits, errs := s.checkImport(rows)
	errs = append(errs, s.takenEmails(ctx, rows, inputs, errs)...)
	sortErrs(errs)
	if len(errs) == 0 && len(rows) > 0 {
		err = s.db.update(ctx, func(tx *Tx) error {
			for i, in := range inputs {
				if _, err := s.accounts.invite(ctx, tx, acct, in.Name, in.Email, in.Phone, in.Role, limits[i]); err != nil {
					if e, ok := err.(*backend.Error); ok {
						// Taken since the check: report it as the row's.
						errs = append(errs, backend.ImportRowError{Line: rows[i].Line, Fields: e.Fields})
						return errImportRefused
					}
					return err
				}
			}
			return nil
		})
		if err != nil && err != errImportRefused {
			return backend.ImportPreview{}, wrapUnlessApp("import employees", err)
		}
	}
	p := preview(rows, inputs, errs)
	if len(errs) > 0 {
		p.Valid = 0 // nothing was imported
		if errorsFile != nil {
			if err := s.sheets.WriteImportErrors(errorsFile, header, rows, errs); err != nil {
				return p, fmt.Errorf("import errors file: %w", err)
			}
		}
	}
	return p, nil
}

var errImportRefused = fmt.Errorf("import refused")

// MonthlyReport counts a month of onboarding in a time zone. Staff who
// read reports only: admins, managers, reviewers.
func (s *ReportService) MonthlyReport(ctx context.Context, year, month int, timeZone string) (*backend.MonthlyReport, error) {
	if _, err := backend.RequireRole(ctx, backend.RoleAdmin, backend.RoleManager, backend.RoleReviewer); err != nil {
		return nil, err
	}
	var f backend.Fields
	timeZone = backend.ValidTimeZone(&f, "timeZone", timeZone)
	if month < 1 || month > 12 || year < 2000 || year > 2200 {
		f.Add("month", "month_invalid", nil)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	loc, _ := time.LoadLocation(timeZone)
	start, end := backend.MonthBounds(year, month, loc)
	rep := &backend.MonthlyReport{Year: year, Month: month, TimeZone: timeZone, Made: s.db.Now().UTC()}
	days := end.AddDate(0, 0, -1).Day()
	rep.Days = make([]backend.ReportDay, days)
	for i := range rep.Days {
		rep.Days[i].Day = i + 1
	}
	// One row per field agent, one for customers who signed up themselves
	// and one for accounts staff opened, by who created the account.
	agents := map[string]*backend.ReportAgent{}
	agent := func(creatorID, name, role string) (key string) {
		a := backend.ReportAgent{Source: backend.ReportSelf}
		switch backend.Role(role) {
		case backend.RoleAgent:
			a = backend.ReportAgent{AgentID: creatorID, Agent: name, Source: backend.ReportByAgent}
			key = creatorID
		case backend.RoleAdmin, backend.RoleManager:
			a.Source, key = backend.ReportOffice, "\x00office"
		}
		if agents[key] == nil {
			agents[key] = &a
		}
		return key
	}
	count := func(at int64, creatorID, name, role string, field func(m *backend.ReportMetrics) *int) {
		day := time.UnixMilli(at).In(loc).Day()
		*field(&rep.Totals)++
		*field(&rep.Days[day-1].ReportMetrics)++
		*field(&agents[agent(creatorID, name, role)].ReportMetrics)++
	}
	// Each metric: the instant it happened and who created the account
	// (id, name, role); a customer's own sign-up and verification are
	// theirs.
	metrics := []struct {
		query string
		field func(m *backend.ReportMetrics) *int
	}{
		{`SELECT u.created_at, u.id, u.name, u.role FROM users u WHERE u.role = 'customer' AND u.password_hash != '' AND u.created_at >= ? AND u.created_at < ?`,
			func(m *backend.ReportMetrics) *int { return &m.SignUps }},
		{`SELECT u.phone_verified_at, u.id, u.name, u.role FROM users u WHERE u.role = 'customer' AND u.email_verified_at IS NOT NULL AND u.phone_verified_at >= ? AND u.phone_verified_at < ?`,
			func(m *backend.ReportMetrics) *int { return &m.Verifications }},
		{`SELECT a.completed_at, ` + creatorCols + ` FROM accounts a LEFT JOIN users ag ON ag.id = a.created_by WHERE a.completed_at >= ? AND a.completed_at < ?`,
			func(m *backend.ReportMetrics) *int { return &m.ProfilesCompleted }},
		{kycEventQuery("submitted"), func(m *backend.ReportMetrics) *int { return &m.KYCSubmitted }},
		{kycEventQuery("approved"), func(m *backend.ReportMetrics) *int { return &m.KYCApproved }},
		{kycEventQuery("rejected"), func(m *backend.ReportMetrics) *int { return &m.KYCRejected }},
	}
	for _, m := range metrics {
		rows, err := s.db.read.QueryContext(ctx, m.query, start.UnixMilli(), end.UnixMilli())
		if err != nil {
			return nil, fmt.Errorf("monthly report: %w", err)
		}
		for rows.Next() {
			var at int64
			var id, name, role string
			if err := rows.Scan(&at, &id, &name, &role); err != nil {
				rows.Close()
				return nil, fmt.Errorf("monthly report: %w", err)
			}
			count(at, id, name, role, m.field)
		}
		rows.Close()
	}
	// Time from an account's creation to its approval, for approvals in
	// the month, overall and per agent.
	rows, err := s.db.read.QueryContext(ctx, `SELECT e.at - a.created_at, `+creatorCols+`
		FROM kyc_events e JOIN kyc_cases k ON k.id = e.case_id JOIN accounts a ON a.id = k.account_id
		LEFT JOIN users ag ON ag.id = a.created_by
		WHERE e.action = 'approved' AND e.at >= ? AND e.at < ?`, start.UnixMilli(), end.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("monthly report: %w", err)
	}
	all := []float64{}
	per := map[string][]float64{}
	for rows.Next() {
		var d int64
		var id, name, role string
		if err := rows.Scan(&d, &id, &name, &role); err != nil {
			rows.Close()
			return nil, fmt.Errorf("monthly report: %w", err)
		}
		h := float64(d) / float64(time.Hour/time.Millisecond)
		all = append(all, h)
		key := agent(id, name, role)
		per[key] = append(per[key], h)
	}
	rows.Close()
	rep.Totals.MedianHoursToApproval = median(all)
	for key, a := range agents {
		a.MedianHoursToApproval = median(per[key])
		rep.ByAgent = append(rep.ByAgent, *a)
	}
	// Self sign-up, then the back office, then the agents by name.
	order := map[string]int{backend.ReportSelf: 0, backend.ReportOffice: 1, backend.ReportByAgent: 2}
	sort.Slice(rep.ByAgent, func(i, j int) bool {
		a, b := rep.ByAgent[i], rep.ByAgent[j]
		if order[a.Source] != order[b.Source] {
			return order[a.Source] < order[b.Source]
		}
		if a.Agent != b.Agent {
			return a.Agent < b.Agent
		}
		return a.AgentID < b.AgentID
	})
	if rep.ByAgent == nil {
		rep.ByAgent = []backend.ReportAgent{}
	}
	return rep, nil
}

// creatorCols are the account's creator's id, name and role (ag), empty
// if the creator is not known here.
const creatorCols = `coalesce(ag.id, ''), coalesce(ag.name, ''), coalesce(ag.role, '')`

func kycEventQuery(action string) string {
	return `SELECT e.at, ` + creatorCols + ` FROM kyc_events e JOIN kyc_cases k ON k.id = e.case_id
		JOIN accounts a ON a.id = k.account_id LEFT JOIN users ag ON ag.id = a.created_by
		WHERE e.action = '` + action + `' AND e.at >= ? AND e.at < ?`
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// MonthlyReportXLSX writes the report as a workbook with a chart.
func (s *ReportService) MonthlyReportXLSX(ctx context.Context, w io.Writer, year, month int, timeZone string) error {
	rep, err := s.MonthlyReport(ctx, year, month, timeZone)
	if err != nil {
		return err
	}
	return s.sheets.WriteMonthlyReport(w, rep)
}

// MonthlyReportPDF writes the report as a PDF with a chart.
func (s *ReportService) MonthlyReportPDF(ctx context.Context, w io.Writer, year, month int, timeZone string) error {
	rep, err := s.MonthlyReport(ctx, year, month, timeZone)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pdf.MonthlyReport(w, rep, langOf(ctx))
}
