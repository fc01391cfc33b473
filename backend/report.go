package backend

import (
	"context"
	"io"
	"time"
)

// EmployeeRow is one line of the employee spreadsheet.
type EmployeeRow struct {
	AccountName string
	Name        string
	Email       string
	Phone       string // E.164, written as text
	Role        string // administrator | operator
	Status      string // invited | active | deactivated
	MaxDialogs  *int   // nil: the company default
	CreatedAt   time.Time
}

// EmployeeColumns are the spreadsheet's headers, in order. Import maps
// columns by these names (case and surrounding spaces ignored), so a file
// exported by Gatehouse imports as it is.
var EmployeeColumns = []string{"Company", "Name", "Email", "Phone", "Role", "Status", "Max dialogs", "Added"}

// ImportRow is one data row of an imported spreadsheet, as text. Line is
// its line number in the file (the header is line 1).
type ImportRow struct {
	Line       int
	Name       string
	Email      string
	Phone      string
	Role       string
	MaxDialogs string
	Cells      []string // the row as it was, for the errors file
}

// ImportRowError is why a row was refused.
type ImportRowError struct {
	Line   int          `json:"line"`
	Fields []FieldError `json:"fields"`
}

// ImportPreview is what an import would do, shown before it is done.
type ImportPreview struct {
	Rows   int              `json:"rows"`
	Valid  int              `json:"valid"`
	Errors []ImportRowError `json:"errors"`
	// Sample holds the first rows as they would be imported.
	Sample []EmployeeInput `json:"sample"`
}

// RowIterator yields rows one at a time, so an export of a million rows
// never holds them all; ok is false after the last.
type RowIterator func() (row EmployeeRow, ok bool, err error)

// ReportMetrics are one month's onboarding figures.
type ReportMetrics struct {
	SignUps           int `json:"signUps"`
	Verifications     int `json:"verifications"`
	ProfilesCompleted int `json:"profilesCompleted"`
	KYCSubmitted      int `json:"kycSubmitted"`
	KYCApproved       int `json:"kycApproved"`
	KYCRejected       int `json:"kycRejected"`
	// MedianHoursToApproval is the median time from an account's creation
	// to its KYC approval, for approvals in the month; 0 when none.
	MedianHoursToApproval float64 `json:"medianHoursToApproval"`
}

// ReportDay is one day's figures, for the chart.
type ReportDay struct {
	Day int `json:"day"`
	ReportMetrics
}

// ReportAgent is one field agent's figures (Agent "" is self sign-up).
type ReportAgent struct {
	AgentID string `json:"agentId"`
	Agent   string `json:"agent"`
	// Source says whose onboarding the row counts: ReportByAgent (AgentID's),
	// ReportSelf (customers who signed up themselves) or ReportOffice
	// (accounts staff opened in the back office); only an agent's row has
	// an AgentID.
	Source string `json:"source"`
	ReportMetrics
}

// The sources of a ReportAgent row.
const (
	ReportByAgent = "agent"
	ReportSelf    = "self"
	ReportOffice  = "office"
)

// MonthlyReport is a month of onboarding in a time zone: the month runs
// from midnight of its first day to midnight of the next month's, there.
type MonthlyReport struct {
	Year     int           `json:"year"`
	Month    int           `json:"month"`
	TimeZone string        `json:"timeZone"`
	Totals   ReportMetrics `json:"totals"`
	Days     []ReportDay   `json:"days"`
	ByAgent  []ReportAgent `json:"byAgent"`
	Made     time.Time     `json:"made"`
}

// MonthBounds returns the first instant of a month and of the next, in a
// zone: DST changes inside the month are Go's time.Date's to handle.
func MonthBounds(year, month int, loc *time.Location) (start, end time.Time) {
	start = time.Date(year, time.Month(month), 1, 0, 0, 0, 0, loc)
	return start, start.AddDate(0, 1, 0)
}

// ReportService makes exports and reports. Managers, admins and reviewers
// may export; customers' administrators export their own employees.
type ReportService interface {
	// InvoiceDetails writes one account's invoice-details PDF.
	InvoiceDetails(ctx context.Context, w io.Writer, accountID string) error
	// InvoiceDetailsBatch writes a ZIP of PDFs, one per account, calling
	// progress after each; it stops when ctx is cancelled.
	InvoiceDetailsBatch(ctx context.Context, w io.Writer, accountIDs []string, progress func(done, total int)) error
	// CheckInvoiceBatch refuses, before any work, a batch that
	// InvoiceDetailsBatch would refuse: none or too many accounts, or one
	// the user may not see.
	CheckInvoiceBatch(ctx context.Context, accountIDs []string) error
	ExportEmployees(ctx context.Context, w io.Writer, accountID string) error
	PreviewImport(ctx context.Context, accountID, fileName string, r io.Reader) (ImportPreview, error)
	// Import adds every row or none; errorsFile receives the input with an
	// error column when rows are refused.
	ImportEmployees(ctx context.Context, accountID, fileName string, r io.Reader, errorsFile io.Writer) (ImportPreview, error)
	MonthlyReport(ctx context.Context, year, month int, timeZone string) (*MonthlyReport, error)
	MonthlyReportXLSX(ctx context.Context, w io.Writer, year, month int, timeZone string) error
	MonthlyReportPDF(ctx context.Context, w io.Writer, year, month int, timeZone string) error
}

// DocumentRenderer draws PDFs (backend/pdf). One renderer serves one
// document at a time.
type DocumentRenderer interface {
	InvoiceDetails(w io.Writer, a *Account, now time.Time, lang string) error
	MonthlyReport(w io.Writer, rep *MonthlyReport, lang string) error
}

// Spreadsheets reads and writes spreadsheets (backend/xlsx).
type Spreadsheets interface {
	WriteEmployees(w io.Writer, loc *time.Location, next RowIterator) error
	// ReadEmployeeFile returns the file's own header (the errors file
	// repeats it, so each value stays under its heading) and its rows.
	ReadEmployeeFile(r io.Reader, fileName string, maxRows int) (header []string, rows []ImportRow, err error)
	WriteImportErrors(w io.Writer, header []string, rows []ImportRow, errs []ImportRowError) error
	WriteMonthlyReport(w io.Writer, rep *MonthlyReport) error
}
