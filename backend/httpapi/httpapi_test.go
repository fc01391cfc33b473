package httpapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gatehouse/backend"
	"gatehouse/backend/httpapi"
	"gatehouse/backend/mailer"
	"gatehouse/backend/mailer/mailtest"
	"gatehouse/backend/pdf"
	"gatehouse/backend/sms"
	"gatehouse/backend/store"
	"gatehouse/backend/vault"
	"gatehouse/backend/xlsx"
)

// app is a real server: SQLite in a temp folder, the outbox delivering to
// an SMTP server and an SMS file, HTTP on 127.0.0.1.
type app struct {
	url     string
	db      *store.DB
	mail    *mailtest.Server
	smsPath string
}

func startApp(tb testing.TB) *app {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	dir := tb.TempDir()
	db, err := store.Open(ctx, filepath.Join(dir, "g.db"))
	if err != nil {
		tb.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := &app{db: db, mail: mailtest.Start(tb), smsPath: filepath.Join(dir, "sms.jsonl")}
	out := backend.NewOutbox(db, map[string]backend.Deliverer{
		backend.ChannelEmail: &mailer.SMTP{Addr: a.mail.Addr, Security: mailer.SecurityNone, From: "no-reply@gatehouse.test"},
		backend.ChannelSMS:   &sms.File{Path: a.smsPath},
	}, log)
	db.OnEnqueue = out.Nudge
	go out.Run(ctx)
	srv := httptest.NewUnstartedServer(nil)
	accounts := store.NewUserService(db, backend.NewHasher(backend.DefaultArgon2, 0), store.UserOptions{
		LinkBase: "http://" + srv.Listener.Addr().String() + "/#", Log: log})
	files, err := vault.Open(filepath.Join(dir, "vault"))
	if err != nil {
		tb.Fatal(err)
	}
	accts := store.NewAccountService(db, accounts)
	renderer, err := pdf.NewRenderer()
	if err != nil {
		tb.Fatal(err)
	}
	srv.Config.Handler = (&httpapi.Server{Users: accounts, Accounts: accts, KYC: store.NewKYCService(db, accts, files),
		Reports: store.NewReportService(db, accts, renderer, xlsx.New()), Log: log}).Handler()
	srv.Start()
	a.url = srv.URL
	tb.Cleanup(func() { srv.Close(); cancel(); accounts.Close(); db.Close() })
	return a
}

type client struct {
	tb   testing.TB
	base string
	http *http.Client
}

func (a *app) client(tb testing.TB) *client {
	jar, _ := cookiejar.New(nil)
	return &client{tb: tb, base: a.url, http: &http.Client{Jar: jar}}
}

// post calls an API method and returns the status and the raw body.
func (c *client) post(method string, in any) (int, []byte) {
	c.tb.Helper()
	b, _ := json.Marshal(in)
	res, err := c.http.Post(c.base+"/api/"+method, "application/json", bytes.NewReader(b))
	if err != nil {
		c.tb.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, body
}

func (c *client) ok(method string, in any) map[string]any {
	c.tb.Helper()
	status, body := c.post(method, in)
	if status != 200 {
		c.tb.Fatalf("%s: %d %s", method, status, body)
	}
	var out map[string]any
	json.Unmarshal(body, &out)
	return out
}

var registration = map[string]any{"name": "Anna Petrova", "email": "anna@example.com", "password": "Blue-Harbor-71",
	"passwordConfirm": "Blue-Harbor-71", "phone": "+79123456789", "timeZone": "Europe/Moscow", "acceptTerms": true, "acceptPrivacy": true}

var (
	tokenRE = regexp.MustCompile(`token=([A-Za-z0-9_-]+)`)
	smsRE   = regexp.MustCompile(`code: (\d{6})`)
)

func (a *app) smsCodes() []string {
	b, _ := os.ReadFile(a.smsPath)
	var out []string
	for _, m := range smsRE.FindAllStringSubmatch(string(b), -1) {
		out = append(out, m[1])
	}
	return out
}

// nextSMSCode waits for an SMS beyond the first `seen` and returns its code.
func (a *app) nextSMSCode(tb testing.TB, seen int) string {
	tb.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if codes := a.smsCodes(); len(codes) > seen {
			return codes[len(codes)-1]
		}
	}
	tb.Fatal("no SMS code arrived")
	return ""
}

// TestAccountJourney walks the whole account life over HTTP: sign up, verify
// by the emailed link, verify the phone by SMS, sign out and in with
// remember-me, recover the password.
func TestAccountJourney(t *testing.T) {
	a := startApp(t)
	c := a.client(t)
	c.ok("register", registration)
	m := a.mail.WaitFor(t, "anna@example.com", 1, 5*time.Second)
	if !strings.HasPrefix(m.Link(), a.url+"/#/verify-email?token=") {
		t.Fatalf("link %q", m.Link())
	}
	c.ok("verifyEmail", map[string]any{"token": tokenRE.FindStringSubmatch(m.Link())[1]})

	if status, _ := c.post("sendPhoneCode", nil); status != http.StatusUnauthorized {
		t.Fatalf("phone code while signed out: %d", status)
	}
	res := c.ok("signIn", map[string]any{"email": "anna@example.com", "password": "Blue-Harbor-71", "remember": true})
	if user := res["user"].(map[string]any); user["emailVerified"] != true || user["phoneVerified"] != false {
		t.Fatalf("user after sign-in %v", user)
	}
	c.ok("sendPhoneCode", nil)
	if u := c.ok("verifyPhone", map[string]any{"code": a.nextSMSCode(t, 0)})["user"].(map[string]any); u["phoneVerified"] != true {
		t.Fatalf("phone not verified: %v", u)
	}
	if u := c.ok("me", nil)["user"]; u == nil {
		t.Fatal("me: signed out")
	}
	c.ok("signOut", nil)
	if u := c.ok("me", nil)["user"]; u != nil {
		t.Fatalf("me after sign-out: %v", u)
	}

	c.ok("requestPasswordReset", map[string]any{"email": "anna@example.com"})
	reset := a.mail.WaitFor(t, "anna@example.com", 2, 5*time.Second)
	token := tokenRE.FindStringSubmatch(reset.Link())[1]
	status, body := c.post("resetPassword", map[string]any{"token": token, "password": "abc", "passwordConfirm": "abc"})
	if status != 400 || !strings.Contains(string(body), `"field":"password"`) {
		t.Fatalf("weak password: %d %s", status, body)
	}
	c.ok("resetPassword", map[string]any{"token": token, "password": "Green-Valley-42", "passwordConfirm": "Green-Valley-42"})
	if status, _ := c.post("signIn", map[string]any{"email": "anna@example.com", "password": "Blue-Harbor-71"}); status != 401 {
		t.Fatalf("old password: %d", status)
	}
	c.ok("signIn", map[string]any{"email": "anna@example.com", "password": "Green-Valley-42"})
}

func TestRememberMeCookie(t *testing.T) {
	a := startApp(t)
	c := a.client(t)
	c.ok("register", registration)
	for _, remember := range []bool{false, true} {
		b, _ := json.Marshal(map[string]any{"email": "anna@example.com", "password": "Blue-Harbor-71", "remember": remember})
		res, err := http.Post(a.url+"/api/signIn", "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		cookie := res.Header.Get("Set-Cookie")
		if !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Strict") {
			t.Fatalf("cookie %q", cookie)
		}
		if got := strings.Contains(cookie, "Max-Age="); got != remember {
			t.Fatalf("remember=%v but cookie %q", remember, cookie)
		}
	}
}

// TestNoEnumeration sends the same requests to a server where the email
// has an account and to one where it does not: the answers must be the same
// bytes, status and headers that matter included.
func TestNoEnumeration(t *testing.T) {
	known, unknown := startApp(t), startApp(t)
	known.client(t).ok("register", registration)
	known.mail.WaitFor(t, "anna@example.com", 1, 5*time.Second)
	// The account was made long ago: its sign-up's resend cooldown is over,
	// as on the server that never saw the address. (Otherwise a slow run
	// answers "wait 59 s" for the known address and 60 s for the other.)
	conn, err := known.db.OpenConn()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Exec(`DELETE FROM throttles`); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		method string
		in     map[string]any
	}{
		{"signIn", map[string]any{"email": "anna@example.com", "password": "Wrong-Pass-99"}},
		{"register", registration},
		{"requestPasswordReset", map[string]any{"email": "anna@example.com"}},
		{"resendVerification", map[string]any{"email": "anna@example.com"}},
		{"verifyEmailCode", map[string]any{"email": "anna@example.com", "code": "000000"}},
	} {
		t.Run(tt.method, func(t *testing.T) {
			ks, kb := known.client(t).post(tt.method, tt.in)
			us, ub := unknown.client(t).post(tt.method, tt.in)
			if ks != us || !bytes.Equal(kb, ub) {
				t.Fatalf("known: %d %s\nunknown: %d %s", ks, kb, us, ub)
			}
		})
	}
}

func TestBadRequests(t *testing.T) {
	a := startApp(t)
	for _, tt := range []struct {
		name, contentType, body string
		status                  int
	}{
		{"NotJSON", "application/json", "{", 400},
		{"FormPost", "application/x-www-form-urlencoded", "email=a", 400},
		{"TooLarge", "application/json", `{"name":"` + strings.Repeat("a", 70<<10) + `"}`, 400},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := http.Post(a.url+"/api/register", tt.contentType, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tt.status {
				t.Fatalf("got %d, want %d", res.StatusCode, tt.status)
			}
		})
	}
	if n, _, _ := a.db.OutboxStats(context.Background()); n != 0 {
		t.Fatal("a refused request queued mail")
	}
}

// verified signs up, verifies email and phone, and returns a signed-in client.
func (a *app) verified(tb testing.TB, email string, n int) *client {
	tb.Helper()
	c := a.client(tb)
	in := map[string]any{}
	for k, v := range registration {
		in[k] = v
	}
	in["email"] = email
	c.ok("register", in)
	m := a.mail.WaitFor(tb, email, n, 5*time.Second)
	c.ok("verifyEmail", map[string]any{"token": tokenRE.FindStringSubmatch(m.Link())[1]})
	c.ok("signIn", map[string]any{"email": email, "password": "Blue-Harbor-71"})
	seen := len(a.smsCodes())
	c.ok("sendPhoneCode", nil)
	c.ok("verifyPhone", map[string]any{"code": a.nextSMSCode(tb, seen)})
	return c
}

// TestEmployeeInvitation: a customer registers a new administrator; the
// invitation arrives over SMTP, its link sets the password, and the new
// administrator signs in and edits the company.
func TestEmployeeInvitation(t *testing.T) {
	a := startApp(t)
	a.verified(t, "root@gatehouse.test", 1) // the installation's admin
	owner := a.verified(t, "owner@example.com", 1)
	acct := owner.ok("saveAccountDetails", map[string]any{"accountId": "", "details": map[string]any{
		"type": "company", "firstName": "Anna", "lastName": "Petrova", "companyName": "Romashka LLC", "sector": "it_software",
		"phoneType": "mobile", "phone": "+79123456789"}})
	id := acct["id"].(string)
	if acct["complete"] != false {
		t.Fatal("a new account cannot be complete")
	}
	status, body := owner.post("inviteEmployee", map[string]any{"accountId": id, "name": "Oleg", "email": "owner@example.com", "phone": "+79161234567"})
	if status != 400 || !strings.Contains(string(body), `"code":"email_taken"`) {
		t.Fatalf("duplicate employee email: %d %s", status, body)
	}
	owner.ok("inviteEmployee", map[string]any{"accountId": id, "name": "Oleg Ivanov", "email": "oleg@example.com", "phone": "+79161234567", "role": "administrator"})

	m := a.mail.WaitFor(t, "oleg@example.com", 1, 5*time.Second)
	if !strings.Contains(m.Body, "Romashka LLC") || !strings.HasPrefix(m.Link(), a.url+"/#/invite?token=") {
		t.Fatalf("invitation: %q", m.Body)
	}
	oleg := a.client(t)
	if status, _ := oleg.post("signIn", map[string]any{"email": "oleg@example.com", "password": "Winter-Road-58"}); status != 401 {
		t.Fatalf("an invited user signed in before choosing a password: %d", status)
	}
	oleg.ok("acceptInvitation", map[string]any{"token": tokenRE.FindStringSubmatch(m.Link())[1], "password": "Winter-Road-58", "passwordConfirm": "Winter-Road-58"})
	oleg.ok("signIn", map[string]any{"email": "oleg@example.com", "password": "Winter-Road-58"})
	mine := oleg.ok("myAccount", nil)
	if mine["role"] != "administrator" || mine["account"].(map[string]any)["id"] != id {
		t.Fatalf("new administrator's account: %v", mine)
	}
	saved := oleg.ok("saveCompany", map[string]any{"accountId": id, "profile": map[string]any{"name": "Romashka LLC", "maxDialogs": 120,
		"requisites": map[string]any{"country": "IN", "pan": "AAACR5055K"}}})
	if saved["profile"].(map[string]any)["maxDialogs"] != float64(120) {
		t.Fatalf("saved %v", saved["profile"])
	}
	employees := owner.ok("listEmployees", map[string]any{"accountId": id, "query": ""})["items"].([]any)
	if len(employees) != 2 {
		t.Fatalf("employees %v", employees)
	}
	for _, e := range employees {
		if e.(map[string]any)["status"] != "active" {
			t.Fatalf("employee not active: %v", e)
		}
	}
}

// TestKYCUploadAndFile uploads a document over HTTP as base64 and reads it
// back through the file URL, with the headers that keep it inert.
func TestKYCUploadAndFile(t *testing.T) {
	a := startApp(t)
	a.verified(t, "root@gatehouse.test", 1)
	owner := a.verified(t, "owner@example.com", 1)
	id := owner.ok("saveAccountDetails", map[string]any{"accountId": "", "details": map[string]any{
		"type": "individual", "firstName": "Anna", "lastName": "Petrova", "sector": "telecom", "phoneType": "mobile", "phone": "+79123456789"}})["id"].(string)
	owner.ok("kycSetEntityType", map[string]any{"accountId": id, "country": "IN", "entityType": "individual"})
	const pdf = "%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
	status, body := owner.post("kycUpload", map[string]any{"accountId": id, "kind": "pan_card",
		"files": []map[string]any{{"name": "pan.png", "data": base64.StdEncoding.EncodeToString([]byte(pdf))}}})
	if status != 400 || !strings.Contains(string(body), "file_type_mismatch") {
		t.Fatalf("lying upload: %d %s", status, body)
	}
	c := owner.ok("kycUpload", map[string]any{"accountId": id, "kind": "pan_card",
		"files": []map[string]any{{"name": "pan.pdf", "data": "data:application/pdf;base64," + base64.StdEncoding.EncodeToString([]byte(pdf))}}})
	doc := c["documents"].([]any)[0].(map[string]any)
	sha := doc["files"].([]any)[0].(map[string]any)["sha256"].(string)
	res, err := owner.http.Get(a.url + "/api/kyc/file?caseId=" + c["id"].(string) + "&sha256=" + sha)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(b) != pdf || res.Header.Get("Content-Type") != "application/pdf" ||
		res.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(res.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("file: %d %v %q", res.StatusCode, res.Header, b)
	}
	stranger := a.client(t)
	res, _ = stranger.http.Get(a.url + "/api/kyc/file?caseId=" + c["id"].(string) + "&sha256=" + sha)
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Fatalf("signed-out file read: %d", res.StatusCode)
	}
}
