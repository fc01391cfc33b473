// Package replica syncs desktops with a server over HTTP: Server is the
// server's side under /sync/, Client the desktop's loop. Both sides apply
// changes with store.DB.ApplyChanges; this package moves them and the KYC
// files they name.
//
// The protocol (JSON over HTTP, a device token as the bearer):
//
//	POST /sync/devices        {email, password, name} -> {deviceId, token, user}
//	POST /sync/push           {changes, messages}     -> {results}
//	GET  /sync/pull?after=N                           -> {changes, next, more}
//	GET  /sync/watch?after=N&wait=S                   -> {changed} once the log passes N, or after S seconds
//	POST /sync/files/missing  {hashes}                -> {missing}
//	GET  /sync/files/{sha}    (Range for resuming)
//	HEAD /sync/uploads/{sha}  -> Upload-Offset
//	PATCH /sync/uploads/{sha} (Upload-Offset, Upload-Length) appends; the last part stores the file
package replica

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"gatehouse/backend"
	"gatehouse/backend/httpapi"
	"gatehouse/backend/store"
)

// Files is the vault as sync sees it.
type Files interface {
	Has(sum string) bool
	Open(sum string) (io.ReadCloser, error)
	Put(r io.Reader, name string) (backend.KYCFile, error)
}

// Server serves the sync protocol.
type Server struct {
	DB    *store.DB
	Users backend.UserService
	Files Files
	// UploadDir holds partial uploads until they are complete.
	UploadDir string
	Log       *slog.Logger
	// MaxSkew refuses changes stamped further than this in the future.
	MaxSkew time.Duration

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced when the log grows
	stopOnce sync.Once
	stopped  chan struct{} // closed by Stop
}

// Stop answers the long polls at once, so a graceful shutdown does not
// wait for them (http.Server.Shutdown waits for active requests).
func (s *Server) Stop() {
	s.stopOnce.Do(func() { close(s.stopping()) })
}

func (s *Server) stopping() chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped == nil {
		s.stopped = make(chan struct{})
	}
	return s.stopped
}

// Notify wakes the desktops waiting in /sync/watch: the log grew (a push
// applied changes, or someone wrote on the server itself).
func (s *Server) Notify() {
	s.mu.Lock()
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
	s.mu.Unlock()
}

func (s *Server) changedCh() chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.changed == nil {
		s.changed = make(chan struct{})
	}
	return s.changed
}

// MaxPushBytes bounds a push body: a full batch of changes with their data.
const MaxPushBytes = 64 << 20

var shaPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Handler returns the /sync/ routes. It first drops partial uploads a day
// old: a desktop that resumes does so within minutes, and one that never
// comes back must not leave them forever.
func (s *Server) Handler() http.Handler {
	if entries, err := os.ReadDir(s.UploadDir); err == nil {
		for _, e := range entries {
			if info, err := e.Info(); err == nil && strings.HasSuffix(e.Name(), ".part") && time.Since(info.ModTime()) > 24*time.Hour {
				os.Remove(filepath.Join(s.UploadDir, e.Name()))
			}
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /sync/devices", s.register)
	mux.Handle("POST /sync/push", s.device(s.push))
	mux.Handle("GET /sync/pull", s.device(s.pull))
	mux.Handle("GET /sync/watch", s.device(s.watch))
	mux.Handle("POST /sync/files/missing", s.device(s.missing))
	mux.Handle("GET /sync/files/{sha}", s.device(s.download))
	mux.Handle("HEAD /sync/uploads/{sha}", s.device(s.uploadOffset))
	mux.Handle("PATCH /sync/uploads/{sha}", s.device(s.upload))
	return mux
}

type deviceKey struct{}

type deviceCtx struct {
	dev  *backend.Device
	user *backend.User
}

// device authenticates a request by its device token.
func (s *Server) device(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		dev, u, err := s.DB.DeviceByToken(r.Context(), token)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		ctx := context.WithValue(r.Context(), deviceKey{}, deviceCtx{dev, u})
		next(w, r.WithContext(backend.NewContextWithUser(ctx, u)))
	})
}

func fromCtx(ctx context.Context) deviceCtx { return ctx.Value(deviceKey{}).(deviceCtx) }

// RegisterInput signs a desktop in to the server.
type RegisterInput struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"`
}

// Registered is the server's answer: the token is shown once.
type Registered struct {
	DeviceID string        `json:"deviceId"`
	Token    string        `json:"token"`
	User     *backend.User `json:"user"`
}

// register connects a desktop with the user's own sign-in (the same
// throttles and neutral errors as the sign-in screen) and issues a device
// token.
func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	var in RegisterInput
	if !s.decode(w, r, &in, 64<<10) {
		return
	}
	sess, err := s.Users.SignIn(r.Context(), backend.SignInInput{Email: in.Email, Password: in.Password})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The session only proved the password; the device token replaces it.
	defer s.Users.SignOut(context.WithoutCancel(r.Context()), sess.Token)
	u, err := s.Users.Authenticate(r.Context(), sess.Token)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !u.EmailVerified {
		s.fail(w, r, backend.Keyed(backend.EFORBIDDEN, "errors.device_unverified",
			"Verify your email address on the server before connecting a desktop."))
		return
	}
	dev, token, err := s.DB.CreateDevice(r.Context(), u.ID, in.Name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.Log.Info("device registered", "device", dev.ID, "user", u.ID)
	writeJSON(w, http.StatusOK, Registered{DeviceID: dev.ID, Token: token, User: u})
}

// PushInput is a batch of a desktop's changes and the messages it hands
// over for sending.
type PushInput struct {
	Changes  []WireChange      `json:"changes"`
	Messages []backend.Message `json:"messages"`
}

// WireChange is a change as JSON: its data stays raw until the store
// decodes it, so whole numbers (times) keep every digit.
type WireChange struct {
	backend.Change
	Data json.RawMessage `json:"data"`
}

func fromWire(in []WireChange) []backend.Change {
	out := make([]backend.Change, len(in))
	for i, w := range in {
		out[i] = w.Change
		out[i].Data = w.Data
	}
	return out
}

// PushResult says what became of each change.
type PushResult struct {
	Results []store.ApplyResult `json:"results"`
}

func (s *Server) push(w http.ResponseWriter, r *http.Request) {
	var in PushInput
	if !s.decodePush(w, r, &in) {
		return
	}
	d := fromCtx(r.Context())
	results, err := s.DB.ApplyChanges(r.Context(), fromWire(in.Changes), store.ApplyOptions{Origin: d.dev.ID, User: d.user, MaxSkew: s.MaxSkew})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(in.Messages) > 0 {
		if err := s.DB.AcceptMessages(r.Context(), in.Messages); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	for _, res := range results {
		if res.Status == store.ChangeApplied {
			s.Notify()
			break
		}
	}
	writeJSON(w, http.StatusOK, PushResult{Results: results})
}

// PullResult is a page of the server's log. Head is the log's newest
// position when the page was read: how far Next is from it tells a
// desktop how much of a long pull is done.
type PullResult struct {
	Changes []WireChange `json:"changes"`
	Next    int64        `json:"next"`
	More    bool         `json:"more"`
	Head    int64        `json:"head"`
}

func (s *Server) pull(w http.ResponseWriter, r *http.Request) {
	after, err := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	if err != nil || after < 0 {
		s.fail(w, r, backend.Errorf(backend.EINVALID, "after must be a cursor from a previous pull, or 0."))
		return
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	d := fromCtx(r.Context())
	changes, next, more, err := s.DB.ChangesFor(r.Context(), d.dev, d.user, after, limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The log's head matters only while more pages follow (a desktop shows
	// how far its pull is); on the last page next is the head.
	head := next
	if more {
		last, err := s.DB.LastSeq(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		head = max(last, next)
	}
	body, err := appendPull(make([]byte, 0, wireSize(changes)), changes, next, more, head)
	if err != nil {
		s.fail(w, r, fmt.Errorf("encode pull: %w", err))
		return
	}
	httpapi.WriteJSONBody(w, http.StatusOK, body)
}

// watch is a long poll: it answers as soon as the log holds a change after
// the desktop's cursor, so a change reaches other desktops in about one
// round trip instead of one polling interval.
func (s *Server) watch(w http.ResponseWriter, r *http.Request) {
	after, err := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	if err != nil || after < 0 {
		s.fail(w, r, backend.Errorf(backend.EINVALID, "after must be a cursor from a previous pull, or 0."))
		return
	}
	wait, _ := strconv.Atoi(r.URL.Query().Get("wait"))
	timeout := time.NewTimer(time.Duration(min(max(wait, 0), 60)) * time.Second)
	defer timeout.Stop()
	for {
		ch := s.changedCh() // before reading, so a change in between still wakes us
		last, err := s.DB.LastSeq(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if last > after {
			writeJSON(w, http.StatusOK, map[string]bool{"changed": true})
			return
		}
		select {
		case <-ch:
		case <-timeout.C:
			writeJSON(w, http.StatusOK, map[string]bool{"changed": false})
			return
		case <-s.stopping():
			writeJSON(w, http.StatusOK, map[string]bool{"changed": false})
			return
		case <-r.Context().Done():
			return
		}
	}
}

func (s *Server) missing(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Hashes []string `json:"hashes"`
	}
	if !s.decode(w, r, &in, 1<<20) {
		return
	}
	missing := []string{}
	for _, h := range in.Hashes {
		if !shaPattern.MatchString(h) {
			s.fail(w, r, backend.Errorf(backend.EINVALID, "%q is not a SHA-256 in hex.", h))
			return
		}
		if !s.Files.Has(h) {
			missing = append(missing, h)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"missing": missing})
}

func (s *Server) download(w http.ResponseWriter, r *http.Request) {
	sum := r.PathValue("sha")
	d := fromCtx(r.Context())
	ok, err := s.DB.MayReadFile(r.Context(), d.user, sum)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !ok || !shaPattern.MatchString(sum) {
		s.fail(w, r, backend.Keyed(backend.ENOTFOUND, "errors.file_not_found", "No such file."))
		return
	}
	f, err := s.Files.Open(sum)
	if err != nil {
		s.fail(w, r, backend.Keyed(backend.ENOTFOUND, "errors.file_not_found", "No such file."))
		return
	}
	defer f.Close()
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		s.fail(w, r, fmt.Errorf("vault file is not seekable"))
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	http.ServeContent(w, r, sum, time.Time{}, rs)
}

func (s *Server) partPath(sum string) string { return filepath.Join(s.UploadDir, sum+".part") }

func (s *Server) uploadOffset(w http.ResponseWriter, r *http.Request) {
	sum := r.PathValue("sha")
	if !shaPattern.MatchString(sum) {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var off int64
	if s.Files.Has(sum) {
		w.Header().Set("Upload-Complete", "1")
	} else if st, err := os.Stat(s.partPath(sum)); err == nil {
		off = st.Size()
	}
	w.Header().Set("Upload-Offset", strconv.FormatInt(off, 10))
	w.WriteHeader(http.StatusNoContent)
}

// upload appends a part of a file at the offset the client says; a part at
// another offset is refused, so a retried part is never written twice. The
// part that completes the file hands it to the vault, which checks its
// type and size like any upload; its hash must be the one in the URL.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	sum := r.PathValue("sha")
	off, err1 := strconv.ParseInt(r.Header.Get("Upload-Offset"), 10, 64)
	total, err2 := strconv.ParseInt(r.Header.Get("Upload-Length"), 10, 64)
	switch {
	case !shaPattern.MatchString(sum):
		s.fail(w, r, backend.Errorf(backend.EINVALID, "The file's name must be its SHA-256."))
		return
	case err1 != nil || err2 != nil || off < 0 || total <= 0 || off > total:
		s.fail(w, r, backend.Errorf(backend.EINVALID, "Upload-Offset and Upload-Length must say where this part goes."))
		return
	case total > backend.MaxKYCFileSize:
		s.fail(w, r, backend.Errorf(backend.EINVALID, "The file is larger than the %d MB limit.", backend.MaxKYCFileSize>>20))
		return
	case s.Files.Has(sum):
		w.Header().Set("Upload-Offset", strconv.FormatInt(total, 10))
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if err := os.MkdirAll(s.UploadDir, 0o700); err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := os.OpenFile(s.partPath(sum), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if st.Size() != off {
		w.Header().Set("Upload-Offset", strconv.FormatInt(st.Size(), 10))
		s.fail(w, r, backend.Errorf(backend.ECONFLICT, "The server has %d bytes of this file, not %d.", st.Size(), off))
		return
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		s.fail(w, r, err)
		return
	}
	n, err := io.Copy(f, io.LimitReader(r.Body, total-off))
	if err != nil {
		// What arrived stays; the client resumes from the offset HEAD gives.
		s.fail(w, r, fmt.Errorf("upload %s: %w", sum, err))
		return
	}
	if off+n < total {
		w.Header().Set("Upload-Offset", strconv.FormatInt(off+n, 10))
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if err := f.Sync(); err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		s.fail(w, r, err)
		return
	}
	kf, err := s.Files.Put(f, "")
	os.Remove(s.partPath(sum))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if kf.SHA256 != sum {
		s.fail(w, r, backend.Errorf(backend.EINVALID, "The file's content does not match its SHA-256."))
		return
	}
	w.Header().Set("Upload-Offset", strconv.FormatInt(total, 10))
	w.WriteHeader(http.StatusNoContent)
}

// decodePush reads a push: the usual shape by readPush, anything else as
// decode does.
func (s *Server) decodePush(w http.ResponseWriter, r *http.Request, in *PushInput) bool {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		s.fail(w, r, backend.Errorf(backend.EINVALID, "Send JSON (Content-Type: application/json)."))
		return false
	}
	// Sized by Content-Length when it is sent: a batch is megabytes, and
	// growing to it by doubling copies it several times.
	var buf bytes.Buffer
	if n := r.ContentLength; n > 0 && n <= MaxPushBytes {
		buf.Grow(int(n) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, MaxPushBytes))
	body := buf.Bytes()
	if err == nil && readPush(body, in) {
		return true
	}
	if err == nil {
		err = json.NewDecoder(bytes.NewReader(body)).Decode(in)
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.fail(w, r, backend.Errorf(backend.EINVALID, "The request is larger than %d MB; send smaller batches.", MaxPushBytes>>20))
		} else {
			s.fail(w, r, backend.Errorf(backend.EINVALID, "Malformed JSON: %v", err))
		}
		return false
	}
	return true
}

func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any, limit int64) bool {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		s.fail(w, r, backend.Errorf(backend.EINVALID, "Send JSON (Content-Type: application/json)."))
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.fail(w, r, backend.Errorf(backend.EINVALID, "The request is larger than %d MB; send smaller batches.", limit>>20))
		} else {
			s.fail(w, r, backend.Errorf(backend.EINVALID, "Malformed JSON: %v", err))
		}
		return false
	}
	return true
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	pub := backend.Public(err)
	var appErr *backend.Error
	switch {
	case errors.As(err, &appErr):
	case r.Context().Err() != nil:
		// The desktop went away mid-request (a lost connection): its
		// transaction rolled back and it will send again.
		s.Log.Info("sync request abandoned by the client", "path", r.URL.Path)
		return
	default:
		s.Log.Error("sync request failed", "path", r.URL.Path, "err", err)
	}
	if pub.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(pub.RetryAfter))
	}
	writeJSON(w, httpapi.StatusOf(pub.Code), map[string]any{"error": pub})
}

var writeJSON = httpapi.WriteJSON
