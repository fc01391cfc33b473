package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"net/http"

	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/runtime"

	"gatehouse/backend"
	"gatehouse/backend/httpapi"
)

// App is the surface the desktop UI calls through Wails: one method per user
// action, each a thin call into the backend services. It holds the one
// session of the person at this desktop.
type App struct {
	ctx     context.Context
	svc     *services
	log     *slog.Logger
	dataDir string

	mu          sync.Mutex
	token       string // the session secret; only its hash is in the database
	remember    bool
	pendingLink string
	readyOnce   sync.Once
	lang        string             // the UI's language, for documents
	cancelBatch context.CancelFunc // the running batch export, if any
}

// NewApp returns the binding surface over the services.
func NewApp(svc *services, dataDir string, log *slog.Logger) *App {
	return &App{svc: svc, dataDir: dataDir, log: log}
}

// rememberFile holds a "Remember me" session's token between runs,
// readable by this user only.
func (a *App) rememberFile() string { return filepath.Join(a.dataDir, "session.token") }

func (a *App) startup(ctx context.Context) {
	a.ctx = ctx
	a.svc.sync.OnStatus = func(st backend.SyncStatus) { runtime.EventsEmit(ctx, "sync:status", st) }
	a.svc.run(ctx)
	if b, err := os.ReadFile(a.rememberFile()); err == nil {
		a.token, a.remember = strings.TrimSpace(string(b)), true
	}
}

// shutdown ends a session that was not to be remembered: without "Remember
// me", closing the app signs out.
func (a *App) shutdown(ctx context.Context) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token != "" && !a.remember {
		if err := a.svc.users.SignOut(context.Background(), a.token); err != nil {
			a.log.Error("sign out on close", "err", err)
		}
	}
}

// onSecondInstance receives the arguments of a second launch, such as the
// gatehouse:// link a user clicked in an email, and opens it here.
func (a *App) onSecondInstance(data options.SecondInstanceData) {
	if path := deepLinkPath(data.Args); path != "" {
		runtime.WindowUnminimise(a.ctx)
		runtime.Show(a.ctx)
		runtime.EventsEmit(a.ctx, "deeplink", path)
	}
}

// deepLinkPath turns a gatehouse:// URL among args into an in-app path.
// Only the screens that links lead to are accepted.
func deepLinkPath(args []string) string {
	for _, arg := range args {
		rest, ok := strings.CutPrefix(arg, "gatehouse://")
		if !ok {
			continue
		}
		path := "/" + rest
		for _, allowed := range []string{"/verify-email?", "/reset?", "/invite?"} {
			if strings.HasPrefix(path, allowed) {
				return path
			}
		}
	}
	return ""
}

// formatError is what a rejected promise carries to the UI: an application
// error as it is, anything else logged and shown as "Internal error.".
func (a *App) formatError(err error) any {
	var appErr *backend.Error
	if !errors.As(err, &appErr) {
		a.log.Error("desktop call failed", "err", err)
	}
	return backend.Public(err)
}

// session returns a context carrying the signed-in user, if any.
func (a *App) session() context.Context {
	a.mu.Lock()
	token := a.token
	lang := a.lang
	a.mu.Unlock()
	ctx := backend.NewContextWithLang(context.Background(), lang)
	if token == "" {
		return ctx
	}
	u, err := a.svc.users.Authenticate(ctx, token)
	if err != nil {
		return ctx
	}
	return backend.NewContextWithUser(ctx, u)
}

// Inputs of the bound methods; field names match the web API's JSON.
type (
	PasswordCheckInput struct {
		Password string `json:"password"`
		Email    string `json:"email"`
		Name     string `json:"name"`
	}
	EmailInput struct {
		Email string `json:"email"`
	}
	TokenInput struct {
		Token string `json:"token"`
	}
	EmailCodeInput struct {
		Email string `json:"email"`
		Code  string `json:"code"`
	}
	CodeInput struct {
		Code string `json:"code"`
	}
	PolicyInput struct {
		Name string `json:"name"`
	}
	ScreenInput struct {
		Screen string `json:"screen"`
	}
	PasswordCheck struct {
		Problems []backend.FieldError `json:"problems"`
	}
	UserResult struct {
		User *backend.User `json:"user"`
	}
	Empty struct{}
)

func (a *App) Config() (backend.ClientConfig, error) {
	return a.svc.users.Config(context.Background())
}

func (a *App) CheckPassword(in PasswordCheckInput) (PasswordCheck, error) {
	p, err := a.svc.users.CheckPassword(context.Background(), in.Password, in.Email, in.Name)
	return PasswordCheck{Problems: p}, err
}

func (a *App) Register(in backend.RegisterInput) (backend.RegisterResult, error) {
	return a.svc.users.Register(context.Background(), in)
}

func (a *App) ResendVerification(in EmailInput) (backend.Cooldown, error) {
	return a.svc.users.ResendVerification(context.Background(), in.Email)
}

func (a *App) VerifyEmail(in TokenInput) (Empty, error) {
	return Empty{}, a.svc.users.VerifyEmail(context.Background(), in.Token)
}

func (a *App) VerifyEmailCode(in EmailCodeInput) (Empty, error) {
	return Empty{}, a.svc.users.VerifyEmailCode(context.Background(), in.Email, in.Code)
}

// SignIn opens the session of this desktop. With Remember me the token is
// kept on disk for the next start; otherwise only in memory.
func (a *App) SignIn(in backend.SignInInput) (UserResult, error) {
	sess, err := a.svc.users.SignIn(context.Background(), in)
	if err != nil {
		return UserResult{}, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.token, a.remember = sess.Token, in.Remember
	if in.Remember {
		if err := writeFileAtomic(a.rememberFile(), []byte(sess.Token), 0o600); err != nil {
			return UserResult{}, fmt.Errorf("remember session: %w", err)
		}
	} else {
		os.Remove(a.rememberFile())
	}
	return UserResult{User: sess.User}, nil
}

func (a *App) SignOut() (Empty, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token != "" {
		if err := a.svc.users.SignOut(context.Background(), a.token); err != nil {
			return Empty{}, err
		}
	}
	a.token, a.remember = "", false
	if err := os.Remove(a.rememberFile()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return Empty{}, fmt.Errorf("forget session: %w", err)
	}
	return Empty{}, nil
}

func (a *App) Me() (UserResult, error) {
	return UserResult{User: backend.UserFromContext(a.session())}, nil
}

func (a *App) SendPhoneCode() (backend.PhoneCodeSent, error) {
	return a.svc.users.SendPhoneCode(a.session())
}

func (a *App) VerifyPhone(in CodeInput) (UserResult, error) {
	u, err := a.svc.users.VerifyPhone(a.session(), in.Code)
	return UserResult{User: u}, err
}

func (a *App) RequestPasswordReset(in EmailInput) (Empty, error) {
	return Empty{}, a.svc.users.RequestPasswordReset(context.Background(), in.Email)
}

func (a *App) ResetPassword(in backend.ResetPasswordInput) (Empty, error) {
	return Empty{}, a.svc.users.ResetPassword(context.Background(), in)
}

func (a *App) SetPasswordPolicy(in PolicyInput) (backend.ClientConfig, error) {
	return a.svc.users.SetPasswordPolicy(a.session(), in.Name)
}

// RoleInput makes a user staff.
type RoleInput struct {
	Email string       `json:"email"`
	Role  backend.Role `json:"role"`
}

func (a *App) SetUserRole(in RoleInput) (UserResult, error) {
	u, err := a.svc.users.SetUserRole(a.session(), in.Email, in.Role)
	return UserResult{User: u}, err
}

// Customer accounts.
type (
	AccountIDInput struct {
		AccountID string `json:"accountId"`
	}
	AccountPhoneInput struct {
		PhoneType string `json:"phoneType"`
		Phone     string `json:"phone"`
	}
	AccountPhoneCodeInput struct {
		Phone string `json:"phone"`
		Code  string `json:"code"`
	}
	AccountDetailsInput struct {
		AccountID string                 `json:"accountId"`
		Details   backend.AccountDetails `json:"details"`
	}
	CompanyInput struct {
		AccountID string                 `json:"accountId"`
		Profile   backend.CompanyProfile `json:"profile"`
	}
	EmployeesInput struct {
		AccountID string `json:"accountId"`
		Query     string `json:"query"`
	}
	EmployeeList struct {
		Items []backend.Employee `json:"items"`
	}
)

func (a *App) MyAccount() (backend.MyAccount, error) { return a.svc.accounts.MyAccount(a.session()) }

func (a *App) GetAccount(in AccountIDInput) (*backend.Account, error) {
	return a.svc.accounts.FindAccountByID(a.session(), in.AccountID)
}

func (a *App) ListAccounts(in backend.AccountFilter) (backend.AccountPage, error) {
	return a.svc.accounts.FindAccounts(a.session(), in)
}

func (a *App) SendAccountPhoneCode(in AccountPhoneInput) (backend.PhoneCodeSent, error) {
	return a.svc.accounts.SendAccountPhoneCode(a.session(), in.PhoneType, in.Phone)
}

func (a *App) VerifyAccountPhone(in AccountPhoneCodeInput) (Empty, error) {
	return Empty{}, a.svc.accounts.VerifyAccountPhone(a.session(), in.Phone, in.Code)
}

func (a *App) SaveAccountDetails(in AccountDetailsInput) (*backend.Account, error) {
	return a.svc.accounts.SaveAccountDetails(a.session(), in.AccountID, in.Details)
}

func (a *App) SaveCompany(in CompanyInput) (*backend.Account, error) {
	return a.svc.accounts.SaveCompany(a.session(), in.AccountID, in.Profile)
}

func (a *App) ListEmployees(in EmployeesInput) (EmployeeList, error) {
	items, err := a.svc.accounts.FindEmployees(a.session(), in.AccountID, in.Query)
	return EmployeeList{Items: items}, err
}

func (a *App) InviteEmployee(in backend.EmployeeInput) (*backend.Employee, error) {
	return a.svc.accounts.InviteEmployee(a.session(), in)
}

func (a *App) UpdateEmployee(in backend.EmployeeUpdate) (*backend.Employee, error) {
	return a.svc.accounts.UpdateEmployee(a.session(), in)
}

func (a *App) AcceptInvitation(in backend.AcceptInvitationInput) (Empty, error) {
	return Empty{}, a.svc.accounts.AcceptInvitation(context.Background(), in)
}

// KYC.
type (
	KYCEntityInput struct {
		AccountID  string `json:"accountId"`
		Country    string `json:"country"`
		EntityType string `json:"entityType"`
	}
	KYCDocumentInput struct {
		AccountID  string `json:"accountId"`
		DocumentID string `json:"documentId"`
		Kind       string `json:"kind"`
	}
	KYCPickInput struct {
		AccountID string `json:"accountId"`
		Kind      string `json:"kind"`
	}
	CaseInput struct {
		CaseID string `json:"caseId"`
		Reason string `json:"reason"`
	}
	DecideInput struct {
		CaseID    string                `json:"caseId"`
		Decisions []backend.KYCDecision `json:"decisions"`
	}
	QueueInput struct {
		EntityType string `json:"entityType"`
		State      string `json:"state"`
	}
	QueueList struct {
		Items []backend.KYCQueueItem `json:"items"`
	}
)

func (a *App) KycCatalogue() (backend.KYCCatalogue, error) { return a.svc.kyc.Catalogue(a.session()) }

func (a *App) KycCase(in AccountIDInput) (*backend.KYCCase, error) {
	return a.svc.kyc.FindCase(a.session(), in.AccountID)
}

func (a *App) KycSetEntityType(in KYCEntityInput) (*backend.KYCCase, error) {
	return a.svc.kyc.SetEntityType(a.session(), in.AccountID, in.Country, in.EntityType)
}

// KycUpload adds files dropped on the window (sent as base64).
func (a *App) KycUpload(in httpapi.UploadInput) (*backend.KYCCase, error) {
	files, err := in.Uploads()
	if err != nil {
		return nil, err
	}
	return a.svc.kyc.AddDocument(a.session(), in.AccountID, in.Kind, files)
}

// KycPickFiles opens the native file dialog and adds the chosen files as
// one document. No choice returns the case unchanged.
func (a *App) KycPickFiles(in KYCPickInput) (*backend.KYCCase, error) {
	paths, err := runtime.OpenMultipleFilesDialog(a.ctx, runtime.OpenDialogOptions{
		Title:   "Choose the document's files",
		Filters: []runtime.FileFilter{{DisplayName: "PDF, JPEG, PNG, HEIC", Pattern: "*.pdf;*.jpg;*.jpeg;*.png;*.heic;*.heif"}},
	})
	if err != nil {
		return nil, fmt.Errorf("file dialog: %w", err)
	}
	if len(paths) == 0 {
		return a.svc.kyc.FindCase(a.session(), in.AccountID)
	}
	var files []backend.UploadFile
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", filepath.Base(p), err)
		}
		defer f.Close()
		files = append(files, backend.UploadFile{Name: filepath.Base(p), Body: f})
	}
	return a.svc.kyc.AddDocument(a.session(), in.AccountID, in.Kind, files)
}

func (a *App) KycRemoveDocument(in KYCDocumentInput) (*backend.KYCCase, error) {
	return a.svc.kyc.RemoveDocument(a.session(), in.AccountID, in.DocumentID)
}

func (a *App) KycClassify(in KYCDocumentInput) (*backend.KYCCase, error) {
	return a.svc.kyc.ClassifyDocument(a.session(), in.AccountID, in.DocumentID, in.Kind)
}

func (a *App) KycSubmit(in AccountIDInput) (*backend.KYCCase, error) {
	return a.svc.kyc.Submit(a.session(), in.AccountID)
}

func (a *App) KycStartReview(in CaseInput) (*backend.KYCCase, error) {
	return a.svc.kyc.StartReview(a.session(), in.CaseID)
}

func (a *App) KycDecide(in DecideInput) (*backend.KYCCase, error) {
	return a.svc.kyc.Decide(a.session(), in.CaseID, in.Decisions)
}

func (a *App) KycRejectCase(in CaseInput) (*backend.KYCCase, error) {
	return a.svc.kyc.RejectCase(a.session(), in.CaseID, in.Reason)
}

func (a *App) KycQueue(in QueueInput) (QueueList, error) {
	items, err := a.svc.kyc.Queue(a.session(), in.EntityType, in.State)
	return QueueList{Items: items}, err
}

// fileHandler serves /api/kyc/file inside the desktop window for the
// signed-in user; everything else not bundled is not found.
func (a *App) fileHandler() http.Handler {
	files := httpapi.FileHandler(a.svc.kyc, a.log)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/api/kyc/file" {
			http.NotFound(w, r)
			return
		}
		files.ServeHTTP(w, r.WithContext(a.session()))
	})
}

// Exports and reports.
type (
	LangInput struct {
		Lang string `json:"lang"`
	}
	SavedFile struct {
		Path      string `json:"path"`
		Cancelled bool   `json:"cancelled"` // the person closed the save dialog
	}
	ReportInput struct {
		Year     int    `json:"year"`
		Month    int    `json:"month"`
		TimeZone string `json:"timeZone"`
		Format   string `json:"format"` // xlsx | pdf
	}
	BatchInput struct {
		AccountIDs []string `json:"accountIds"`
	}
	Base64File struct {
		Name string `json:"name"`
		Data string `json:"data"`
	}
	ExportProgress struct {
		Done  int `json:"done"`
		Total int `json:"total"`
	}
)

// SetLanguage tells the backend the UI's language, for PDFs.
func (a *App) SetLanguage(in LangInput) (Empty, error) {
	a.mu.Lock()
	a.lang = in.Lang
	a.mu.Unlock()
	return Empty{}, nil
}

// saveFile asks where to save, then writes through a temporary file and
// renames it, so a failed export never leaves half a file under the name.
func (a *App) saveFile(name, pattern string, write func(w io.Writer) error) (SavedFile, error) {
	path, err := runtime.SaveFileDialog(a.ctx, runtime.SaveDialogOptions{DefaultFilename: name,
		Filters: []runtime.FileFilter{{DisplayName: strings.ToUpper(strings.TrimPrefix(filepath.Ext(name), ".")), Pattern: pattern}}})
	if err != nil {
		return SavedFile{}, fmt.Errorf("save dialog: %w", err)
	}
	if path == "" {
		return SavedFile{Cancelled: true}, nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".gatehouse-*")
	if err != nil {
		return SavedFile{}, fmt.Errorf("save %s: %w", filepath.Base(path), err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return SavedFile{}, err
	}
	if err := tmp.Close(); err != nil {
		return SavedFile{}, fmt.Errorf("save %s: %w", filepath.Base(path), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return SavedFile{}, fmt.Errorf("save %s: %w", filepath.Base(path), err)
	}
	return SavedFile{Path: path}, nil
}

func (a *App) SaveInvoicePDF(in AccountIDInput) (SavedFile, error) {
	ctx := a.session()
	return a.saveFile("invoice-details.pdf", "*.pdf", func(w io.Writer) error { return a.svc.reports.InvoiceDetails(ctx, w, in.AccountID) })
}

func (a *App) SaveEmployees(in AccountIDInput) (SavedFile, error) {
	ctx := a.session()
	return a.saveFile("employees.xlsx", "*.xlsx", func(w io.Writer) error { return a.svc.reports.ExportEmployees(ctx, w, in.AccountID) })
}

func (a *App) SaveMonthlyReport(in ReportInput) (SavedFile, error) {
	ctx := a.session()
	name := fmt.Sprintf("report-%04d-%02d", in.Year, in.Month)
	if in.Format == "pdf" {
		return a.saveFile(name+".pdf", "*.pdf", func(w io.Writer) error {
			return a.svc.reports.MonthlyReportPDF(ctx, w, in.Year, in.Month, in.TimeZone)
		})
	}
	return a.saveFile(name+".xlsx", "*.xlsx", func(w io.Writer) error {
		return a.svc.reports.MonthlyReportXLSX(ctx, w, in.Year, in.Month, in.TimeZone)
	})
}

func (a *App) MonthlyReport(in ReportInput) (*backend.MonthlyReport, error) {
	return a.svc.reports.MonthlyReport(a.session(), in.Year, in.Month, in.TimeZone)
}

// ExportInvoicesZip saves many companies' PDFs as one ZIP, reporting
// progress in "export:progress" events; CancelExport stops it.
func (a *App) ExportInvoicesZip(in BatchInput) (SavedFile, error) {
	ctx, cancel := context.WithCancel(a.session())
	a.mu.Lock()
	a.cancelBatch = cancel
	a.mu.Unlock()
	defer cancel()
	return a.saveFile("invoice-details.zip", "*.zip", func(w io.Writer) error {
		return a.svc.reports.InvoiceDetailsBatch(ctx, w, in.AccountIDs, func(done, total int) {
			runtime.EventsEmit(a.ctx, "export:progress", ExportProgress{Done: done, Total: total})
		})
	})
}

func (a *App) CancelExport() (Empty, error) {
	a.mu.Lock()
	if a.cancelBatch != nil {
		a.cancelBatch()
	}
	a.mu.Unlock()
	return Empty{}, nil
}

func (a *App) ImportPreview(in httpapi.FileInput) (backend.ImportPreview, error) {
	body, err := in.Reader()
	if err != nil {
		return backend.ImportPreview{}, err
	}
	return a.svc.reports.PreviewImport(a.session(), in.AccountID, in.FileName, body)
}

func (a *App) ImportEmployees(in httpapi.FileInput) (httpapi.ImportResult, error) {
	return httpapi.Import(a.session(), a.svc.reports, &in)
}

// SaveBase64File saves a file the backend handed over (an import's errors
// file) where the person chooses.
func (a *App) SaveBase64File(in Base64File) (SavedFile, error) {
	b, err := base64.StdEncoding.DecodeString(in.Data)
	if err != nil {
		return SavedFile{}, backend.Errorf(backend.EINVALID, "The file is damaged.")
	}
	return a.saveFile(filepath.Base(in.Name), "*"+filepath.Ext(in.Name), func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// PendingDeepLink returns, once, the in-app path of a gatehouse:// link the
// app was started with.
func (a *App) PendingDeepLink() (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p := a.pendingLink
	a.pendingLink = ""
	return p, nil
}

// FrontendReady is called by the UI when its first screen has rendered. It
// prints the cold-start time, which the Xvfb test and benchmark read.
func (a *App) FrontendReady(in ScreenInput) (Empty, error) {
	a.readyOnce.Do(func() {
		fmt.Printf("GATEHOUSE_READY screen=%s elapsed_ms=%d\n", in.Screen, time.Since(processStart).Milliseconds())
	})
	return Empty{}, nil
}

func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, perm); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// SyncConnectInput connects this desktop to a server with the user's own
// sign-in on that server.
type SyncConnectInput struct {
	Server   string `json:"server"`
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"` // this desktop's name in the server's device list
}

// SyncConnect registers this desktop with a server; it needs no local
// session, since a new field agent's desktop has no users until it syncs.
func (a *App) SyncConnect(in SyncConnectInput) (backend.SyncStatus, error) {
	ctx := context.Background()
	if err := a.svc.sync.Connect(ctx, in.Server, in.Email, in.Password, in.Name); err != nil {
		return backend.SyncStatus{}, err
	}
	if err := a.svc.sync.SyncNow(ctx); err != nil {
		a.log.Warn("first sync", "err", err) // the status says it; the loop retries
	}
	return a.svc.sync.Status(ctx)
}

// SyncStatus reports online/offline, changes waiting and the last sync.
func (a *App) SyncStatus() (backend.SyncStatus, error) {
	return a.svc.sync.Status(context.Background())
}

// SyncNow runs a sync round at once and reports the status after it.
func (a *App) SyncNow() (backend.SyncStatus, error) {
	ctx := context.Background()
	if err := a.svc.sync.SyncNow(ctx); err != nil {
		a.log.Warn("sync now", "err", err) // shown through the status
	}
	return a.svc.sync.Status(ctx)
}

// SyncDisconnect stops syncing with the server (administrators); the data
// here stays.
func (a *App) SyncDisconnect() (backend.SyncStatus, error) {
	ctx := a.session()
	if _, err := backend.RequireRole(ctx, backend.RoleAdmin); err != nil {
		return backend.SyncStatus{}, err
	}
	if err := a.svc.sync.Disconnect(ctx); err != nil {
		return backend.SyncStatus{}, err
	}
	return a.svc.sync.Status(ctx)
}

// ConflictsInput asks for open conflicts, or all of them.
type ConflictsInput struct {
	IncludeResolved bool `json:"includeResolved"`
}

// SyncConflicts lists the values sync overwrote, for review (administrators).
func (a *App) SyncConflicts(in ConflictsInput) ([]backend.Conflict, error) {
	return a.svc.db.Conflicts(a.session(), in.IncludeResolved)
}

// ResolveInput closes a conflict: Reverse puts the lost value back.
type ResolveInput struct {
	ID      string `json:"id"`
	Reverse bool   `json:"reverse"`
}

// ResolveConflict keeps what won or puts the lost value back.
func (a *App) ResolveConflict(in ResolveInput) (Empty, error) {
	return Empty{}, a.svc.db.ResolveConflict(a.session(), in.ID, in.Reverse)
}
