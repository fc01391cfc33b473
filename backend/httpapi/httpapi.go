// Package httpapi is the HTTP face of Gatehouse for `gatehouse serve`: the
// JSON API the web version of the frontend calls (the same methods the
// desktop binds through Wails) and the static frontend itself.
package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"gatehouse/backend"
)

const sessionCookie = "gatehouse_session"

// Server serves the API and the frontend.
type Server struct {
	Users    backend.UserService
	Accounts backend.AccountService
	KYC      backend.KYCService
	Reports  backend.ReportService
	Frontend fs.FS // the built frontend (frontend/dist)
	Log      *slog.Logger
	// SecureCookies marks the session cookie Secure; on behind TLS.
	SecureCookies bool
	// Captcha, when set, must be solved to sign up (the request's "captcha"
	// field); the desktop calls the backend directly and needs none.
	Captcha backend.Captcha
	// Limiter, when set, limits per client address the methods that cost
	// the server and need no session.
	Limiter *IPLimiter
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client; any other peer is the client.
	TrustedProxies []netip.Prefix
	// Ready, when set, answers /readyz: nil when the server can take traffic.
	Ready func(context.Context) error
	// Sync serves the desktops' sync protocol under /sync/ (see backend/sync);
	// it authenticates devices itself, not by the session cookie.
	Sync http.Handler
	// SyncAdmin lets administrators review sync conflicts and revoke
	// desktops from the web.
	SyncAdmin backend.SyncAdmin
}

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	a := s.Users
	mux.Handle("POST /api/config", api(s, func(ctx context.Context, _ *struct{}) (any, error) { return a.Config(ctx) }))
	mux.Handle("POST /api/checkPassword", api(s, func(ctx context.Context, in *struct{ Password, Email, Name string }) (any, error) {
		problems, err := a.CheckPassword(ctx, in.Password, in.Email, in.Name)
		return map[string]any{"problems": problems}, err
	}))
	mux.Handle("POST /api/captcha", s.limited(api(s, func(ctx context.Context, _ *struct{}) (any, error) {
		if s.Captcha == nil {
			return backend.CaptchaChallenge{Kind: "none"}, nil
		}
		return s.Captcha.Challenge(ctx)
	})))
	mux.Handle("POST /api/register", s.limited(api(s, func(ctx context.Context, in *registerRequest) (any, error) {
		// The captcha comes first: it is cheap, and refusing there saves
		// the password hash and the email.
		if s.Captcha != nil {
			if err := s.Captcha.Verify(ctx, in.Captcha); err != nil {
				return nil, err
			}
		}
		return a.Register(ctx, in.RegisterInput)
	})))
	mux.Handle("POST /api/resendVerification", s.limited(api(s, func(ctx context.Context, in *struct{ Email string }) (any, error) {
		return a.ResendVerification(ctx, in.Email)
	})))
	mux.Handle("POST /api/verifyEmail", api(s, func(ctx context.Context, in *struct{ Token string }) (any, error) {
		return struct{}{}, a.VerifyEmail(ctx, in.Token)
	}))
	mux.Handle("POST /api/verifyEmailCode", api(s, func(ctx context.Context, in *struct{ Email, Code string }) (any, error) {
		return struct{}{}, a.VerifyEmailCode(ctx, in.Email, in.Code)
	}))
	mux.Handle("POST /api/me", api(s, func(ctx context.Context, _ *struct{}) (any, error) {
		return map[string]any{"user": backend.UserFromContext(ctx)}, nil
	}))
	mux.Handle("POST /api/sendPhoneCode", api(s, func(ctx context.Context, _ *struct{}) (any, error) { return a.SendPhoneCode(ctx) }))
	mux.Handle("POST /api/verifyPhone", api(s, func(ctx context.Context, in *struct{ Code string }) (any, error) {
		u, err := a.VerifyPhone(ctx, in.Code)
		return map[string]any{"user": u}, err
	}))
	mux.Handle("POST /api/requestPasswordReset", s.limited(api(s, func(ctx context.Context, in *struct{ Email string }) (any, error) {
		return struct{}{}, a.RequestPasswordReset(ctx, in.Email)
	})))
	mux.Handle("POST /api/resetPassword", api(s, func(ctx context.Context, in *backend.ResetPasswordInput) (any, error) {
		return struct{}{}, a.ResetPassword(ctx, *in)
	}))
	mux.Handle("POST /api/setPasswordPolicy", api(s, func(ctx context.Context, in *struct{ Name string }) (any, error) {
		return a.SetPasswordPolicy(ctx, in.Name)
	}))
	s.accountRoutes(mux)
	s.kycRoutes(mux)
	s.exportRoutes(mux)
	mux.Handle("POST /api/setUserRole", api(s, func(ctx context.Context, in *struct{ Email, Role string }) (any, error) {
		u, err := a.SetUserRole(ctx, in.Email, backend.Role(in.Role))
		return map[string]any{"user": u}, err
	}))
	mux.Handle("POST /api/signIn", s.limited(http.HandlerFunc(s.signIn)))
	mux.HandleFunc("POST /api/signOut", s.signOut)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", s.readyz)
	if s.Frontend != nil {
		mux.Handle("GET /", http.FileServerFS(s.Frontend))
	}
	if s.Sync != nil {
		// One pattern per method: a method-less "/sync/" would clash with
		// "GET /" above. GET also serves HEAD.
		for _, m := range []string{"GET", "POST", "PATCH"} {
			mux.Handle(m+" /sync/", s.Sync)
		}
	}
	if s.SyncAdmin != nil {
		s.syncAdminRoutes(mux)
	}
	return s.logRequests(s.authenticate(mux))
}

// registerRequest is the web's sign-up: the form plus the captcha's
// solution, which the desktop's RegisterInput has no need for.
type registerRequest struct {
	backend.RegisterInput
	Captcha string `json:"captcha"`
}

// readyz says whether this server should get traffic: the database answers
// and is migrated. The reason is logged, not shown.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.Ready != nil {
		if err := s.Ready(r.Context()); err != nil {
			s.Log.Error("not ready", "err", err)
			w.Header().Set("Cache-Control", "no-store")
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("ready\n"))
}

// authenticate puts the session's user, if any, in the request context.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The UI sends its language; documents made for the request use it.
		lang := r.Header.Get("X-Gatehouse-Lang")
		if lang == "" {
			lang = r.URL.Query().Get("lang")
		}
		r = r.WithContext(backend.NewContextWithLang(r.Context(), lang))
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			if u, err := s.Users.Authenticate(r.Context(), c.Value); err == nil {
				r = r.WithContext(backend.NewContextWithUser(r.Context(), u))
			}
		}
		next.ServeHTTP(w, r)
	})
}

// api adapts a typed service call to an HTTP handler: a JSON object in, a
// JSON object out, errors as {"error": {...}} with a matching status.
func api[In any](s *Server, fn func(ctx context.Context, in *In) (any, error)) http.Handler {
	return apiLimit(s, 64<<10, fn)
}

// apiLimit is api with another bound on the request body: file uploads
// carry several base64-encoded files.
func apiLimit[In any](s *Server, limit int64, fn func(ctx context.Context, in *In) (any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in := new(In)
		if !s.decodeLimit(w, r, in, limit) {
			return
		}
		out, err := fn(r.Context(), in)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
	})
}

// decode reads a JSON body of at most 64 KiB. Requiring the JSON content
// type also means a cross-site form cannot post here without a CORS
// preflight, which this server never grants.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	return s.decodeLimit(w, r, v, 64<<10)
}

func (s *Server) decodeLimit(w http.ResponseWriter, r *http.Request, v any, limit int64) bool {
	if ct := r.Header.Get("Content-Type"); ct != "application/json" && ct != "application/json; charset=utf-8" {
		s.writeError(w, r, backend.Errorf(backend.EINVALID, "Send JSON."))
		return false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		s.writeError(w, r, backend.Errorf(backend.EINVALID, "The request is too large."))
		return false
	}
	if len(body) > 0 {
		if err := json.Unmarshal(body, v); err != nil {
			s.writeError(w, r, backend.Errorf(backend.EINVALID, "The request is not valid JSON."))
			return false
		}
	}
	return true
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	var in backend.SignInInput
	if !s.decode(w, r, &in) {
		return
	}
	sess, err := s.Users.SignIn(r.Context(), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c := &http.Cookie{Name: sessionCookie, Value: sess.Token, Path: "/", HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteStrictMode}
	if sess.Remember {
		// Only a remembered session outlives the browser.
		c.Expires = sess.ExpiresAt
		c.MaxAge = int(time.Until(sess.ExpiresAt) / time.Second)
	}
	http.SetCookie(w, c)
	writeJSON(w, http.StatusOK, sess)
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := s.Users.SignOut(r.Context(), c.Value); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteStrictMode})
	writeJSON(w, http.StatusOK, struct{}{})
}

var statusByCode = map[string]int{
	backend.EINVALID:      http.StatusBadRequest,
	backend.ECONFLICT:     http.StatusConflict,
	backend.ENOTFOUND:     http.StatusNotFound,
	backend.EUNAUTHORIZED: http.StatusUnauthorized,
	backend.EFORBIDDEN:    http.StatusForbidden,
	backend.ERATELIMITED:  http.StatusTooManyRequests,
	backend.EINTERNAL:     http.StatusInternalServerError,
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	pub := backend.Public(err)
	var appErr *backend.Error
	if !errors.As(err, &appErr) {
		s.Log.Error("request failed", "path", r.URL.Path, "err", err)
	}
	if pub.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(pub.RetryAfter))
	}
	writeJSON(w, statusByCode[pub.Code], map[string]any{"error": pub})
}

// StatusOf is the HTTP status of an error code: the same answer from
// every handler (the sync protocol's too).
func StatusOf(code string) int { return statusByCode[code] }

// WriteJSON answers with a JSON body that is never cached.
func WriteJSON(w http.ResponseWriter, status int, v any) { writeJSON(w, status, v) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	jsonHeaders(w, status)
	json.NewEncoder(w).Encode(v)
}

// WriteJSONBody is WriteJSON of a body already encoded.
func WriteJSONBody(w http.ResponseWriter, status int, body []byte) {
	jsonHeaders(w, status)
	w.Write(body)
}

func jsonHeaders(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
}

// accountRoutes are the customer-account methods; the names and inputs
// match the desktop's bound methods.
func (s *Server) accountRoutes(mux *http.ServeMux) {
	a := s.Accounts
	type accountID struct {
		AccountID string `json:"accountId"`
	}
	mux.Handle("POST /api/myAccount", api(s, func(ctx context.Context, _ *struct{}) (any, error) { return a.MyAccount(ctx) }))
	mux.Handle("POST /api/getAccount", api(s, func(ctx context.Context, in *accountID) (any, error) {
		return a.FindAccountByID(ctx, in.AccountID)
	}))
	mux.Handle("POST /api/listAccounts", api(s, func(ctx context.Context, in *backend.AccountFilter) (any, error) {
		return a.FindAccounts(ctx, *in)
	}))
	mux.Handle("POST /api/sendAccountPhoneCode", api(s, func(ctx context.Context, in *struct{ PhoneType, Phone string }) (any, error) {
		return a.SendAccountPhoneCode(ctx, in.PhoneType, in.Phone)
	}))
	mux.Handle("POST /api/verifyAccountPhone", api(s, func(ctx context.Context, in *struct{ Phone, Code string }) (any, error) {
		return struct{}{}, a.VerifyAccountPhone(ctx, in.Phone, in.Code)
	}))
	mux.Handle("POST /api/saveAccountDetails", api(s, func(ctx context.Context, in *struct {
		AccountID string                 `json:"accountId"`
		Details   backend.AccountDetails `json:"details"`
	}) (any, error) {
		return a.SaveAccountDetails(ctx, in.AccountID, in.Details)
	}))
	mux.Handle("POST /api/saveCompany", api(s, func(ctx context.Context, in *struct {
		AccountID string                 `json:"accountId"`
		Profile   backend.CompanyProfile `json:"profile"`
	}) (any, error) {
		return a.SaveCompany(ctx, in.AccountID, in.Profile)
	}))
	mux.Handle("POST /api/listEmployees", api(s, func(ctx context.Context, in *struct{ AccountID, Query string }) (any, error) {
		items, err := a.FindEmployees(ctx, in.AccountID, in.Query)
		return map[string]any{"items": items}, err
	}))
	mux.Handle("POST /api/inviteEmployee", api(s, func(ctx context.Context, in *backend.EmployeeInput) (any, error) {
		return a.InviteEmployee(ctx, *in)
	}))
	mux.Handle("POST /api/updateEmployee", api(s, func(ctx context.Context, in *backend.EmployeeUpdate) (any, error) {
		return a.UpdateEmployee(ctx, *in)
	}))
	mux.Handle("POST /api/acceptInvitation", api(s, func(ctx context.Context, in *backend.AcceptInvitationInput) (any, error) {
		return struct{}{}, a.AcceptInvitation(ctx, *in)
	}))
}

// UploadInput carries files as base64, the same on the desktop bridge and
// over HTTP.
type UploadInput struct {
	AccountID string `json:"accountId"`
	Kind      string `json:"kind"`
	Files     []struct {
		Name string `json:"name"`
		Data string `json:"data"` // base64
	} `json:"files"`
}

// Uploads decodes the files of an upload; a file that is not base64 is
// refused at the field.
func (in *UploadInput) Uploads() ([]backend.UploadFile, error) {
	out := make([]backend.UploadFile, 0, len(in.Files))
	for _, f := range in.Files {
		data := f.Data
		if i := strings.Index(data, ";base64,"); i >= 0 {
			data = data[i+len(";base64,"):] // a data URL
		}
		b, err := base64.StdEncoding.DecodeString(data)
		if err != nil {
			var fe backend.Fields
			fe.Add("files", "file_type", map[string]any{"name": f.Name})
			return nil, fe.Err()
		}
		out = append(out, backend.UploadFile{Name: f.Name, Body: bytes.NewReader(b)})
	}
	return out, nil
}

// MaxUploadBody bounds an upload request: four files at the size limit, in base64.
const MaxUploadBody = 4*backend.MaxKYCFileSize*4/3 + 64<<10

func (s *Server) kycRoutes(mux *http.ServeMux) {
	k := s.KYC
	type accountID struct {
		AccountID string `json:"accountId"`
	}
	type caseID struct {
		CaseID string `json:"caseId"`
	}
	mux.Handle("POST /api/kycCatalogue", api(s, func(ctx context.Context, _ *struct{}) (any, error) { return k.Catalogue(ctx) }))
	mux.Handle("POST /api/kycCase", api(s, func(ctx context.Context, in *accountID) (any, error) { return k.FindCase(ctx, in.AccountID) }))
	mux.Handle("POST /api/kycSetEntityType", api(s, func(ctx context.Context, in *struct{ AccountID, Country, EntityType string }) (any, error) {
		return k.SetEntityType(ctx, in.AccountID, in.Country, in.EntityType)
	}))
	mux.Handle("POST /api/kycUpload", apiLimit(s, MaxUploadBody, func(ctx context.Context, in *UploadInput) (any, error) {
		files, err := in.Uploads()
		if err != nil {
			return nil, err
		}
		return k.AddDocument(ctx, in.AccountID, in.Kind, files)
	}))
	mux.Handle("POST /api/kycRemoveDocument", api(s, func(ctx context.Context, in *struct{ AccountID, DocumentID string }) (any, error) {
		return k.RemoveDocument(ctx, in.AccountID, in.DocumentID)
	}))
	mux.Handle("POST /api/kycClassify", api(s, func(ctx context.Context, in *struct{ AccountID, DocumentID, Kind string }) (any, error) {
		return k.ClassifyDocument(ctx, in.AccountID, in.DocumentID, in.Kind)
	}))
	mux.Handle("POST /api/kycSubmit", api(s, func(ctx context.Context, in *accountID) (any, error) { return k.Submit(ctx, in.AccountID) }))
	mux.Handle("POST /api/kycStartReview", api(s, func(ctx context.Context, in *caseID) (any, error) { return k.StartReview(ctx, in.CaseID) }))
	mux.Handle("POST /api/kycDecide", api(s, func(ctx context.Context, in *struct {
		CaseID    string                `json:"caseId"`
		Decisions []backend.KYCDecision `json:"decisions"`
	}) (any, error) {
		return k.Decide(ctx, in.CaseID, in.Decisions)
	}))
	mux.Handle("POST /api/kycRejectCase", api(s, func(ctx context.Context, in *struct{ CaseID, Reason string }) (any, error) {
		return k.RejectCase(ctx, in.CaseID, in.Reason)
	}))
	mux.Handle("POST /api/kycQueue", api(s, func(ctx context.Context, in *struct{ EntityType, State string }) (any, error) {
		items, err := k.Queue(ctx, in.EntityType, in.State)
		return map[string]any{"items": items}, err
	}))
	mux.Handle("GET /api/kyc/file", FileHandler(k, s.Log))
}

// FileHandler serves a KYC file to who may see it: GET ?caseId=&sha256=.
// The desktop serves it too, through Wails' asset server, so the frontend
// uses one URL everywhere. Files are shown inline but never run: nosniff
// and a sandboxing CSP.
func FileHandler(k backend.KYCService, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc, f, err := k.OpenFile(r.Context(), r.URL.Query().Get("caseId"), r.URL.Query().Get("sha256"))
		if err != nil {
			pub := backend.Public(err)
			var appErr *backend.Error
			if !errors.As(err, &appErr) {
				log.Error("open kyc file", "err", err)
			}
			writeJSON(w, statusByCode[pub.Code], map[string]any{"error": pub})
			return
		}
		defer rc.Close()
		w.Header().Set("Content-Type", f.Type)
		w.Header().Set("Content-Length", strconv.FormatInt(f.Size, 10))
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'; img-src 'self'; object-src 'self'")
		w.Header().Set("Cache-Control", "private, max-age=3600")
		w.Header().Set("Content-Disposition", "inline; filename*=UTF-8''"+url.PathEscape(f.Name))
		io.Copy(w, rc)
	})
}

// syncAdminRoutes: conflicts and devices, for administrators.
func (s *Server) syncAdminRoutes(mux *http.ServeMux) {
	sa := s.SyncAdmin
	mux.Handle("POST /api/syncConflicts", api(s, func(ctx context.Context, in *struct{ IncludeResolved bool }) (any, error) {
		return sa.Conflicts(ctx, in.IncludeResolved)
	}))
	mux.Handle("POST /api/resolveConflict", api(s, func(ctx context.Context, in *struct {
		ID      string
		Reverse bool
	}) (any, error) {
		return struct{}{}, sa.ResolveConflict(ctx, in.ID, in.Reverse)
	}))
	mux.Handle("POST /api/devices", api(s, func(ctx context.Context, _ *struct{}) (any, error) { return sa.Devices(ctx) }))
	mux.Handle("POST /api/revokeDevice", api(s, func(ctx context.Context, in *struct{ ID string }) (any, error) {
		return struct{}{}, sa.RevokeDevice(ctx, in.ID)
	}))
}
