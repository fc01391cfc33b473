package httpapi

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"gatehouse/backend"
)

// FileInput is a file sent as base64 (imports).
type FileInput struct {
	AccountID string `json:"accountId"`
	FileName  string `json:"fileName"`
	Data      string `json:"data"`
}

// Reader decodes the file.
func (in *FileInput) Reader() (io.Reader, error) {
	data := in.Data
	if i := strings.Index(data, ";base64,"); i >= 0 {
		data = data[i+len(";base64,"):]
	}
	b, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		var f backend.Fields
		f.Add("file", "import_not_spreadsheet", nil)
		return nil, f.Err()
	}
	return strings.NewReader(string(b)), nil
}

// ImportResult is the answer to an import: what happened and, when rows
// were refused, the input with an error column (base64 .xlsx).
type ImportResult struct {
	backend.ImportPreview
	ErrorsFile string `json:"errorsFile,omitempty"`
}

// Import runs an import and packs the errors file.
func Import(ctx context.Context, r backend.ReportService, in *FileInput) (ImportResult, error) {
	body, err := in.Reader()
	if err != nil {
		return ImportResult{}, err
	}
	var errs strings.Builder
	enc := base64.NewEncoder(base64.StdEncoding, &errs)
	p, err := r.ImportEmployees(ctx, in.AccountID, in.FileName, body, enc)
	if err != nil {
		return ImportResult{}, err
	}
	enc.Close() // flushes the last base64 block
	out := ImportResult{ImportPreview: p}
	if len(p.Errors) > 0 {
		out.ErrorsFile = errs.String()
	}
	return out, nil
}

// MaxImportBody bounds an import request (a 20 MB spreadsheet in base64).
const MaxImportBody = 28 << 20

func (s *Server) exportRoutes(mux *http.ServeMux) {
	r := s.Reports
	mux.Handle("POST /api/importPreview", apiLimit(s, MaxImportBody, func(ctx context.Context, in *FileInput) (any, error) {
		body, err := in.Reader()
		if err != nil {
			return nil, err
		}
		return r.PreviewImport(ctx, in.AccountID, in.FileName, body)
	}))
	mux.Handle("POST /api/importEmployees", apiLimit(s, MaxImportBody, func(ctx context.Context, in *FileInput) (any, error) {
		return Import(ctx, r, in)
	}))
	mux.Handle("POST /api/monthlyReport", api(s, func(ctx context.Context, in *struct {
		Year, Month int
		TimeZone    string
	}) (any, error) {
		return r.MonthlyReport(ctx, in.Year, in.Month, in.TimeZone)
	}))
	mux.HandleFunc("GET /api/export/invoice", s.download(func(ctx context.Context, w io.Writer, q url.Values) (string, error) {
		return "invoice-details.pdf", r.InvoiceDetails(ctx, w, q.Get("accountId"))
	}))
	mux.HandleFunc("GET /api/export/employees", s.download(func(ctx context.Context, w io.Writer, q url.Values) (string, error) {
		return "employees.xlsx", r.ExportEmployees(ctx, w, q.Get("accountId"))
	}))
	mux.HandleFunc("GET /api/export/report", s.download(func(ctx context.Context, w io.Writer, q url.Values) (string, error) {
		year, _ := strconv.Atoi(q.Get("year"))
		month, _ := strconv.Atoi(q.Get("month"))
		name := fmt.Sprintf("report-%04d-%02d", year, month)
		if q.Get("format") == "pdf" {
			return name + ".pdf", r.MonthlyReportPDF(ctx, w, year, month, q.Get("timeZone"))
		}
		return name + ".xlsx", r.MonthlyReportXLSX(ctx, w, year, month, q.Get("timeZone"))
	}))
	jobs := &jobs{byID: map[string]*job{}}
	// 10,000 account ids fit in a megabyte.
	mux.Handle("POST /api/exportJobs", apiLimit(s, 1<<20, func(ctx context.Context, in *struct {
		AccountIDs []string `json:"accountIds"`
	}) (any, error) {
		return jobs.start(ctx, r, in.AccountIDs)
	}))
	mux.HandleFunc("GET /api/exportJobs/{id}", func(w http.ResponseWriter, req *http.Request) {
		j, err := jobs.get(req.Context(), req.PathValue("id"))
		if err != nil {
			s.writeError(w, req, err)
			return
		}
		writeJSON(w, http.StatusOK, j.status())
	})
	mux.HandleFunc("POST /api/exportJobs/{id}/cancel", func(w http.ResponseWriter, req *http.Request) {
		j, err := jobs.get(req.Context(), req.PathValue("id"))
		if err != nil {
			s.writeError(w, req, err)
			return
		}
		j.cancel()
		writeJSON(w, http.StatusOK, j.status())
	})
	mux.HandleFunc("GET /api/exportJobs/{id}/file", func(w http.ResponseWriter, req *http.Request) {
		j, err := jobs.get(req.Context(), req.PathValue("id"))
		if err != nil {
			s.writeError(w, req, err)
			return
		}
		st := j.status()
		if st.State != "done" {
			s.writeError(w, req, backend.Keyed(backend.ECONFLICT, "errors.export_not_ready", "The export is not finished."))
			return
		}
		w.Header().Set("Content-Type", "application/zip")
		w.Header().Set("Content-Disposition", `attachment; filename="invoice-details.zip"`)
		http.ServeFile(w, req, j.path)
		jobs.remove(j.id)
	})
}

// download adapts an export to a GET that saves a file.
func (s *Server) download(fn func(ctx context.Context, w io.Writer, q url.Values) (string, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// Write to a temporary file first: an error half way must become
		// an error answer, not a truncated download.
		tmp, err := os.CreateTemp("", "gatehouse-export-*")
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		defer os.Remove(tmp.Name())
		defer tmp.Close()
		name, err := fn(r.Context(), tmp, r.URL.Query())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
		w.Header().Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(w, r, name, time.Now(), tmp)
	}
}

// jobs runs batch exports in the background for the browser, which shows
// their progress and may cancel them.
type jobs struct {
	mu   sync.Mutex
	byID map[string]*job
}

type job struct {
	id, owner, path string
	cancelFn        context.CancelFunc
	mu              sync.Mutex
	done, total     int
	state           string
	err             *backend.Error
}

// JobStatus is what the progress bar shows.
type JobStatus struct {
	ID    string `json:"id"`
	Done  int    `json:"done"`
	Total int    `json:"total"`
	State string `json:"state"` // running | done | failed | cancelled
	// Error says why a job failed as any API error does (code, message and
	// its i18n key), so the page shows it in the reader's language.
	Error *backend.Error `json:"error,omitempty"`
}

func (j *job) status() JobStatus {
	j.mu.Lock()
	defer j.mu.Unlock()
	return JobStatus{ID: j.id, Done: j.done, Total: j.total, State: j.state, Error: j.err}
}

func (j *job) cancel() { j.cancelFn() }

func (js *jobs) start(ctx context.Context, r backend.ReportService, ids []string) (JobStatus, error) {
	u, err := backend.RequireUser(ctx)
	if err != nil {
		return JobStatus{}, err
	}
	if err := r.CheckInvoiceBatch(ctx, ids); err != nil {
		return JobStatus{}, err
	}
	tmp, err := os.CreateTemp("", "gatehouse-batch-*.zip")
	if err != nil {
		return JobStatus{}, fmt.Errorf("export job: %w", err)
	}
	// The job outlives the request but keeps the user and language.
	jctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	j := &job{id: backend.NewToken()[:16], owner: u.ID, path: tmp.Name(), cancelFn: cancel, total: len(ids), state: "running"}
	js.mu.Lock()
	js.byID[j.id] = j
	js.mu.Unlock()
	go func() {
		defer cancel()
		err := r.InvoiceDetailsBatch(jctx, tmp, ids, func(done, total int) {
			j.mu.Lock()
			j.done, j.total = done, total
			j.mu.Unlock()
		})
		tmp.Close()
		j.mu.Lock()
		defer j.mu.Unlock()
		switch {
		case err == nil:
			j.state = "done"
		case jctx.Err() != nil:
			j.state = "cancelled"
		default:
			j.state, j.err = "failed", backend.Public(err)
		}
		if j.state != "done" {
			os.Remove(j.path)
		}
		// Unclaimed results go after an hour.
		time.AfterFunc(time.Hour, func() { js.remove(j.id) })
	}()
	return j.status(), nil
}

var errJobNotFound = backend.Keyed(backend.ENOTFOUND, "errors.export_not_found", "No such export.")

func (js *jobs) get(ctx context.Context, id string) (*job, error) {
	u, err := backend.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	js.mu.Lock()
	defer js.mu.Unlock()
	j := js.byID[id]
	if j == nil || j.owner != u.ID {
		return nil, errJobNotFound
	}
	return j, nil
}

func (js *jobs) remove(id string) {
	js.mu.Lock()
	j := js.byID[id]
	delete(js.byID, id)
	js.mu.Unlock()
	if j != nil {
		j.cancel()
		os.Remove(j.path)
	}
}
