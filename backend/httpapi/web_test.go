package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"gatehouse/backend"
	"gatehouse/backend/captcha"
	"gatehouse/backend/httpapi"
	"gatehouse/backend/store"
)

// webApp is `gatehouse serve` as the internet sees it: a captcha on
// sign-up, per-address limits, the access log in a buffer.
type webApp struct {
	url string
	db  *store.DB
	log *syncBuffer
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func startWebApp(tb testing.TB, configure func(s *httpapi.Server, db *store.DB)) *webApp {
	tb.Helper()
	return startWebAppAt(tb, filepath.Join(tb.TempDir(), "g.db"), configure)
}

// startWebAppAt starts a server on the database at path, which another
// may share.
func startWebAppAt(tb testing.TB, path string, configure func(s *httpapi.Server, db *store.DB)) *webApp {
	tb.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	w := &webApp{db: db, log: &syncBuffer{}}
	log := slog.New(slog.NewJSONHandler(w.log, nil))
	users := store.NewUserService(db, backend.NewHasher(backend.DefaultArgon2, 0), store.UserOptions{LinkBase: "http://localhost/#", Log: log})
	s := &httpapi.Server{Users: users, Log: log, Ready: db.Ready}
	configure(s, db)
	srv := httptest.NewServer(s.Handler())
	w.url = srv.URL
	tb.Cleanup(func() { srv.Close(); users.Close(); db.Close() })
	return w
}

func withCaptcha(tb testing.TB, difficulty int) func(*httpapi.Server, *store.DB) {
	return func(s *httpapi.Server, db *store.DB) {
		key, err := db.CaptchaKey(context.Background())
		if err != nil {
			tb.Fatal(err)
		}
		if s.Captcha, err = captcha.New(key, difficulty, db); err != nil {
			tb.Fatal(err)
		}
	}
}

// post sends a JSON API call with extra headers; it returns the response
// with its body read into the second value.
func (w *webApp) post(tb testing.TB, method string, in any, header http.Header) (*http.Response, map[string]any) {
	tb.Helper()
	b, _ := json.Marshal(in)
	req, _ := http.NewRequest("POST", w.url+"/api/"+method, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	body, _ := io.ReadAll(res.Body)
	json.Unmarshal(body, &out)
	return res, out
}

// captchaCode is the code of the error on field "captcha", "" if none.
func captchaCode(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	fields, _ := e["fields"].([]any)
	for _, f := range fields {
		if f := f.(map[string]any); f["field"] == "captcha" {
			return f["code"].(string)
		}
	}
	return ""
}

func signUp(email, solution string) map[string]any {
	in := map[string]any{"captcha": solution}
	for k, v := range registration {
		in[k] = v
	}
	in["email"] = email
	return in
}

func TestRegisterWithCaptcha(t *testing.T) {
	w := startWebApp(t, withCaptcha(t, 8))
	res, out := w.post(t, "register", registration, nil)
	if res.StatusCode != 400 || captchaCode(out) != "captcha_required" {
		t.Fatalf("without captcha: %d %v", res.StatusCode, out)
	}

	_, c := w.post(t, "captcha", struct{}{}, nil)
	if c["kind"] != "pow" || c["difficulty"] != 8.0 {
		t.Fatalf("challenge %v", c)
	}
	token := c["token"].(string)
	solution := captcha.Solve(token, 8)

	counter, _ := strconv.Atoi(solution[strings.LastIndex(solution, ":")+1:])
	res, out = w.post(t, "register", signUp("wrong@example.com", token+":"+strconv.Itoa(counter+1)), nil)
	if res.StatusCode != 400 || captchaCode(out) != "captcha_invalid" {
		t.Fatalf("wrong counter: %d %v", res.StatusCode, out)
	}

	res, out = w.post(t, "register", signUp("anna@example.com", solution), nil)
	if res.StatusCode != 200 || out["email"] != "anna@example.com" {
		t.Fatalf("solved: %d %v", res.StatusCode, out)
	}

	res, out = w.post(t, "register", signUp("boris@example.com", solution), nil)
	if res.StatusCode != 400 || captchaCode(out) != "captcha_expired" {
		t.Fatalf("replay: %d %v", res.StatusCode, out)
	}
}

func TestRegisterWithoutCaptchaConfigured(t *testing.T) {
	w := startWebApp(t, func(*httpapi.Server, *store.DB) {})
	if _, c := w.post(t, "captcha", struct{}{}, nil); c["kind"] != "none" {
		t.Fatalf("challenge %v", c)
	}
	if res, out := w.post(t, "register", registration, nil); res.StatusCode != 200 {
		t.Fatalf("register: %d %v", res.StatusCode, out)
	}
}

func TestRateLimitPerIP(t *testing.T) {
	w := startWebApp(t, func(s *httpapi.Server, _ *store.DB) { s.Limiter = httpapi.NewIPLimiter(1, 3, 100) })
	creds := map[string]any{"email": "nobody@example.com", "password": "Wrong-Password-1"}
	for i := range 3 {
		if res, out := w.post(t, "signIn", creds, nil); res.StatusCode != 401 {
			t.Fatalf("sign-in %d: %d %v", i, res.StatusCode, out)
		}
	}
	// The bucket is shared by every costly method.
	res, out := w.post(t, "requestPasswordReset", map[string]any{"email": "nobody@example.com"}, nil)
	if res.StatusCode != 429 {
		t.Fatalf("4th request: %d %v", res.StatusCode, out)
	}
	e := out["error"].(map[string]any)
	retry, _ := strconv.Atoi(res.Header.Get("Retry-After"))
	if e["code"] != "rate_limited" || retry < 1 || e["retryAfterSeconds"] != float64(retry) {
		t.Fatalf("429: Retry-After %q, %v", res.Header.Get("Retry-After"), out)
	}
	// Methods that cost nothing are not limited.
	if res, _ := w.post(t, "config", struct{}{}, nil); res.StatusCode != 200 {
		t.Fatalf("config: %d", res.StatusCode)
	}
}

// TestRateLimitAcrossServers: two servers on one database, each with its
// own limiter sharing the database's buckets. A client that alternates
// between them gets the rate once, not once per server.
func TestRateLimitAcrossServers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.db")
	var apps []*webApp
	for range 2 {
		apps = append(apps, startWebAppAt(t, path, func(s *httpapi.Server, db *store.DB) {
			s.Limiter = httpapi.NewIPLimiter(1, 3, 100)
			s.Limiter.Shared = db
		}))
	}
	for i := range 3 {
		if res, out := apps[i%2].post(t, "captcha", struct{}{}, nil); res.StatusCode != 200 {
			t.Fatalf("request %d: %d %v", i+1, res.StatusCode, out)
		}
	}
	// Each server has seen at most two requests: only the shared bucket
	// knows of the third.
	res, out := apps[1].post(t, "captcha", struct{}{}, nil)
	if res.StatusCode != 429 || res.Header.Get("Retry-After") == "" {
		t.Fatalf("fourth request: %d %v, want 429 with Retry-After", res.StatusCode, out)
	}
}

// TestTrustedProxies: X-Forwarded-For names the client only when the peer
// is a trusted proxy; otherwise a client could pick a new address per
// request and never run out.
func TestTrustedProxies(t *testing.T) {
	forwarded := func(ip string) http.Header { return http.Header{"X-Forwarded-For": {"198.51.100.9, " + ip}} }
	tests := []struct {
		name    string
		proxies string
		// want: status of a second request from another forwarded address,
		// and the ip the access log shows.
		want   int
		wantIP string
	}{
		{"Untrusted", "", 429, "127.0.0.1"},
		{"Trusted", "127.0.0.0/8, 10.0.0.1", 200, "203.0.113.6"},
		{"OtherProxy", "10.0.0.0/8", 429, "127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			proxies, err := httpapi.ParseTrustedProxies(tt.proxies)
			if err != nil {
				t.Fatal(err)
			}
			w := startWebApp(t, func(s *httpapi.Server, _ *store.DB) {
				s.Limiter = httpapi.NewIPLimiter(1, 1, 100)
				s.TrustedProxies = proxies
			})
			if res, _ := w.post(t, "captcha", struct{}{}, forwarded("203.0.113.5")); res.StatusCode != 200 {
				t.Fatalf("first: %d", res.StatusCode)
			}
			if res, _ := w.post(t, "captcha", struct{}{}, forwarded("203.0.113.6")); res.StatusCode != tt.want {
				t.Fatalf("second: %d, want %d", res.StatusCode, tt.want)
			}
			var last map[string]any
			for _, line := range strings.Split(strings.TrimSpace(w.log.String()), "\n") {
				json.Unmarshal([]byte(line), &last)
			}
			if last["msg"] != "request" || last["ip"] != tt.wantIP || last["path"] != "/api/captcha" || last["status"] != float64(tt.want) {
				t.Fatalf("access log %v", last)
			}
		})
	}
}

func TestParseTrustedProxies(t *testing.T) {
	got, err := httpapi.ParseTrustedProxies(" 10.1.2.3/8, 192.0.2.7 ,::1")
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32"), netip.MustParsePrefix("::1/128")}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.local", "10.0.0"} {
		if _, err := httpapi.ParseTrustedProxies(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestIPLimiter(t *testing.T) {
	a, b, c := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2"), netip.MustParseAddr("192.0.2.3")
	l := httpapi.NewIPLimiter(1, 1, 2)
	if ok, _ := l.Allow(a); !ok {
		t.Fatal("first request refused")
	}
	ok, wait := l.Allow(a)
	if ok || wait <= 0 || wait > 60e9 {
		t.Fatalf("second request: %v, wait %v", ok, wait)
	}
	// Two more clients push a out of a memory of two: it starts afresh.
	l.Allow(b)
	l.Allow(c)
	if ok, _ := l.Allow(a); !ok {
		t.Fatal("forgotten client refused")
	}
	// An IPv6 client is counted by its /64.
	l = httpapi.NewIPLimiter(1, 1, 10)
	l.Allow(netip.MustParseAddr("2001:db8:1:2::1"))
	if ok, _ := l.Allow(netip.MustParseAddr("2001:db8:1:2:ffff::9")); ok {
		t.Fatal("same /64 counted apart")
	}
	if ok, _ := l.Allow(netip.MustParseAddr("2001:db8:1:3::1")); !ok {
		t.Fatal("another /64 refused")
	}
}

func TestReadyz(t *testing.T) {
	w := startWebApp(t, func(*httpapi.Server, *store.DB) {})
	get := func(path string) int {
		res, err := http.Get(w.url + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := get("/readyz"); got != 200 {
		t.Fatalf("readyz %d", got)
	}
	w.db.Close()
	if got := get("/readyz"); got != 503 {
		t.Fatalf("readyz with the database closed: %d", got)
	}
	if got := get("/healthz"); got != 200 {
		t.Fatalf("healthz %d", got)
	}
}

// TestAccessLogKeepsSecretsOut: the access log has the path without its
// query, and neither the cookie nor the body.
func TestAccessLogKeepsSecretsOut(t *testing.T) {
	w := startWebApp(t, func(*httpapi.Server, *store.DB) {})
	req, _ := http.NewRequest("POST", w.url+"/api/signIn?token=secret-token", strings.NewReader(`{"email":"a@example.com","password":"Secret-Password-9"}`))
	req.Header.Set("Content-Type", "application/json")
	req.AddCookie(&http.Cookie{Name: "gatehouse_session", Value: "secret-cookie"})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	log := w.log.String()
	for _, secret := range []string{"secret-token", "secret-cookie", "Secret-Password-9"} {
		if strings.Contains(log, secret) {
			t.Errorf("log holds %q:\n%s", secret, log)
		}
	}
	if !strings.Contains(log, `"path":"/api/signIn","status":401`) {
		t.Errorf("no access line:\n%s", log)
	}
}

// TestHandlerWithEverything builds the handler as serve does, with the
// frontend and the sync protocol, which once clashed and panicked.
func TestHandlerWithEverything(t *testing.T) {
	syncH := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Header().Set("X-Sync", r.Method) })
	s := &httpapi.Server{Frontend: fstest.MapFS{"index.html": {Data: []byte("<html></html>")}}, Sync: syncH, Log: slog.Default()}
	h := s.Handler()
	for _, m := range []string{"GET", "HEAD", "POST", "PATCH"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(m, "/sync/uploads/x", nil))
		if got := rec.Header().Get("X-Sync"); got != m {
			t.Errorf("%s /sync/: reached %q, want the sync handler", m, got)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "<html>") {
		t.Errorf("GET /: %d %q", rec.Code, rec.Body.String())
	}
}
