package replica_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"gatehouse/backend"
	"gatehouse/backend/replica"
	"gatehouse/backend/store"
	"gatehouse/backend/store/storetest"
	"gatehouse/backend/vault"
)

// node is one Gatehouse database with its services: the server or a desktop.
type node struct {
	name     string
	db       *store.DB
	users    *store.UserService
	accounts *store.AccountService
	kyc      *store.KYCService
	files    *vault.Vault
	client   *replica.Client
	raw      *store.Conn
}

var quiet = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))

func newNode(tb testing.TB, name string) *node {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), name)
	if name == "server" {
		// Created here too, so the test drops it at the end.
		if _, err := storetest.Path(tb, dir); err != nil {
			tb.Fatal(err)
		}
	}
	n, err := openNodeErr(dir)
	if err != nil {
		tb.Fatal(err)
	}
	n.name = name
	tb.Cleanup(n.close)
	return n
}

// openNodeErr opens a node in dir: a real SQLite file and vault, with a
// cheap password hash so tests spend their time on sync. A node in a
// folder named "server" is the sync server: with GATEHOUSE_TEST_POSTGRES
// set its database is a PostgreSQL schema of its own (desktops always
// keep SQLite).
func openNodeErr(dir string) (*node, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "gatehouse.db")
	if filepath.Base(dir) == "server" {
		var err error
		if path, err = storetest.Path(nil, dir); err != nil {
			return nil, err
		}
	}
	return openNodeAt(dir, path)
}

// openNodeAt opens a node in dir on the database at path.
func openNodeAt(dir, path string) (*node, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	db, err := store.Open(context.Background(), path)
	if err != nil {
		return nil, err
	}
	files, err := vault.Open(filepath.Join(dir, "vault"))
	if err != nil {
		db.Close()
		return nil, err
	}
	users := store.NewUserService(db, backend.NewHasher(backend.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, 0),
		store.UserOptions{LinkBase: "gatehouse:/", DefaultRegion: "RU", Log: quiet})
	accounts := store.NewAccountService(db, users)
	raw, err := db.OpenConn()
	if err != nil {
		db.Close()
		return nil, err
	}
	n := &node{name: filepath.Base(dir), db: db, users: users, accounts: accounts, kyc: store.NewKYCService(db, accounts, files), files: files, raw: raw}
	n.client = &replica.Client{DB: db, Files: files, PartDir: filepath.Join(dir, "parts"), Log: quiet}
	return n, nil
}

func (n *node) close() {
	n.users.Close()
	n.raw.Close()
	n.db.Close()
}

// serve starts the sync server for n on 127.0.0.1.
func serve(tb testing.TB, n *node) *httptest.Server {
	tb.Helper()
	s := &replica.Server{DB: n.db, Users: n.users, Files: n.files, UploadDir: filepath.Join(tb.TempDir(), "uploads"), Log: quiet, MaxSkew: 5 * time.Minute}
	srv := httptest.NewServer(s.Handler())
	tb.Cleanup(srv.Close)
	return srv
}

var (
	tokenRE = regexp.MustCompile(`token=([A-Za-z0-9_-]+)`)
	codeRE  = regexp.MustCompile(`\b(\d{6})\b`)
)

// lastBody returns the newest queued message to a recipient.
func (n *node) lastBody(tb testing.TB, to string) string {
	tb.Helper()
	n.users.Flush()
	var body string
	if err := n.raw.QueryRow(`SELECT body FROM outbox WHERE recipient = ? ORDER BY created_at DESC, id DESC LIMIT 1`, to).Scan(&body); err != nil {
		tb.Fatalf("no message to %s: %v", to, err)
	}
	return body
}

func person(name, email, phone string) backend.RegisterInput {
	return backend.RegisterInput{Name: name, Email: email, Password: "Blue-Harbor-71", PasswordConfirm: "Blue-Harbor-71",
		Phone: phone, TimeZone: "Europe/Moscow", AcceptTerms: true, AcceptPrivacy: true}
}

// verified registers someone on n and verifies their email and phone.
func (n *node) verified(tb testing.TB, in backend.RegisterInput) *backend.User {
	tb.Helper()
	ctx := context.Background()
	res, err := n.users.Register(ctx, in)
	if err != nil {
		tb.Fatal(err)
	}
	if err := n.users.VerifyEmail(ctx, tokenRE.FindStringSubmatch(n.lastBody(tb, res.Email))[1]); err != nil {
		tb.Fatal(err)
	}
	u := n.signIn(tb, in.Email)
	uctx := backend.NewContextWithUser(ctx, u)
	if _, err := n.users.SendPhoneCode(uctx); err != nil {
		tb.Fatal(err)
	}
	u, err = n.users.VerifyPhone(uctx, codeRE.FindStringSubmatch(n.lastBody(tb, u.Phone))[1])
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

func (n *node) signIn(tb testing.TB, email string) *backend.User {
	tb.Helper()
	sess, err := n.users.SignIn(context.Background(), backend.SignInInput{Email: email, Password: "Blue-Harbor-71"})
	if err != nil {
		tb.Fatalf("%s: sign in %s: %v", n.name, email, err)
	}
	return sess.User
}

func (n *node) as(tb testing.TB, email string) context.Context {
	return backend.NewContextWithUser(context.Background(), n.signIn(tb, email))
}

func (n *node) sync(tb testing.TB) {
	tb.Helper()
	if err := n.client.SyncNow(context.Background()); err != nil {
		tb.Fatalf("%s: sync: %v", n.name, err)
	}
}

func (n *node) count(tb testing.TB, q string, args ...any) int {
	tb.Helper()
	var c int
	if err := n.raw.QueryRow(q, args...).Scan(&c); err != nil {
		tb.Fatalf("%s: %s: %v", n.name, q, err)
	}
	return c
}

// dump is a node's synced state as text: every synced table, sorted, with
// the columns that are local by nature (rowids, password hashes, which
// only the user's own desktops hold) left out.
func (n *node) dump(tb testing.TB) string {
	tb.Helper()
	queries := []string{
		`SELECT id, name, email, phone, time_zone, role, email_verified_at, phone_verified_at, created_at FROM users ORDER BY id`,
		`SELECT id, user_id, kind, version, accepted_at FROM consents ORDER BY id`,
		`SELECT id, type, first_name, last_name, company_name, sector, phone, phone_verified_at, profile, display_name, email, tax_id, status, created_by, created_at FROM accounts ORDER BY id`,
		`SELECT account_id, user_id, role, status, max_dialogs FROM memberships ORDER BY account_id, user_id`,
		`SELECT id, reference, account_id, country, entity_type, state, submitted_at FROM kyc_cases ORDER BY id`,
		`SELECT id, case_id, kind, requirement, status, reason, removed_at FROM kyc_documents ORDER BY id`,
		`SELECT document_id, position, sha256, size, type FROM kyc_files ORDER BY document_id, position`,
		`SELECT id, case_id, actor, action, from_state, to_state, reason FROM kyc_events ORDER BY id`,
		`SELECT value FROM settings WHERE key = 'password_policy'`,
	}
	var b strings.Builder
	for _, q := range queries {
		rows, err := n.raw.Query(q)
		if err != nil {
			tb.Fatalf("%s: %s: %v", n.name, q, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					vals[i] = string(b)
				}
			}
			if cols[0] == "id" && strings.Contains(q, "profile") {
				// Key order inside the JSON differs by who wrote it last.
				var p map[string]any
				for i, c := range cols {
					if c == "profile" {
						json.Unmarshal([]byte(vals[i].(string)), &p)
						norm, _ := json.Marshal(p)
						vals[i] = string(norm)
					}
				}
			}
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
	}
	return b.String()
}

// converge syncs every desktop twice (the second round brings each what
// the others pushed in the first) and checks they all hold the server's state.
func converge(tb testing.TB, server *node, desktops ...*node) {
	tb.Helper()
	for range 2 {
		for _, d := range desktops {
			d.sync(tb)
		}
	}
	want := server.dump(tb)
	for _, d := range desktops {
		if got := d.dump(tb); got != want {
			tb.Fatalf("%s differs from the server:\n%s", d.name, diff(want, got))
		}
		if n, _ := d.db.PendingCount(context.Background()); n != 0 {
			tb.Fatalf("%s: %d changes still pending", d.name, n)
		}
		// Synced accounts are searchable, each once.
		if fts, n := d.count(tb, `SELECT count(*) FROM accounts_fts`), d.count(tb, `SELECT count(*) FROM accounts`); fts != n {
			tb.Fatalf("%s: %d search rows for %d accounts", d.name, fts, n)
		}
	}
}

func diff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	in := func(l []string) map[string]bool {
		m := map[string]bool{}
		for _, s := range l {
			m[s] = true
		}
		return m
	}
	am, bm := in(al), in(bl)
	var out []string
	for _, s := range al {
		if !bm[s] {
			out = append(out, "- "+s)
		}
	}
	for _, s := range bl {
		if !am[s] {
			out = append(out, "+ "+s)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

const adminEmail = "admin@example.com"

// world is a server with a verified administrator and desktops connected
// with the administrator's own sign-in.
func world(tb testing.TB, desktops ...string) (*node, string, []*node) {
	tb.Helper()
	server := newNode(tb, "server")
	srv := serve(tb, server)
	server.verified(tb, person("Olga Admin", adminEmail, "+7 912 000-00-01"))
	var out []*node
	for _, name := range desktops {
		d := newNode(tb, name)
		if err := d.client.Connect(context.Background(), srv.URL, adminEmail, "Blue-Harbor-71", name); err != nil {
			tb.Fatalf("%s: connect: %v", name, err)
		}
		d.sync(tb)
		out = append(out, d)
	}
	return server, srv.URL, out
}

func company(name string) backend.AccountDetails {
	return backend.AccountDetails{Type: "company", FirstName: "Olga", LastName: "Admin", CompanyName: name, Sector: "telecom", PhoneType: "mobile", Phone: "+7 912 000-00-01"}
}

// TestOfflineDesktopsConverge edits offline on three desktops and
// reconnects them in different orders: every node ends with the same state,
// concurrent edits of the same field keep the later one and a conflict
// record of the other, edits of different fields of one profile both stay,
// and two registrations of one email become one user.
func TestOfflineDesktopsConverge(t *testing.T) {
	orders := [][]int{{0, 1, 2}, {2, 0, 1}, {1, 2, 0}}
	for _, order := range orders {
		t.Run(fmt.Sprint(order), func(t *testing.T) {
			server, _, ds := world(t, "A", "B", "C")
			a, b, c := ds[0], ds[1], ds[2]
			// The desktop signs in offline with the hash it pulled.
			acct, err := a.accounts.SaveAccountDetails(a.as(t, adminEmail), "", company("Northwind"))
			if err != nil {
				t.Fatal(err)
			}
			converge(t, server, a, b, c)

			// Offline: B and C change the company name, A the email; C
			// writes last. B and C both register the same person.
			edit := func(n *node, f func(p *backend.CompanyProfile)) {
				ctx := n.as(t, adminEmail)
				cur, err := n.accounts.FindAccountByID(ctx, acct.ID)
				if err != nil {
					t.Fatal(err)
				}
				p := cur.Profile
				f(&p)
				if _, err := n.accounts.SaveCompany(ctx, acct.ID, p); err != nil {
					t.Fatalf("%s: %v", n.name, err)
				}
			}
			edit(b, func(p *backend.CompanyProfile) { p.Name = "Northwind B" })
			time.Sleep(5 * time.Millisecond)
			edit(a, func(p *backend.CompanyProfile) { p.Email = "billing@northwind.example" })
			time.Sleep(5 * time.Millisecond)
			edit(c, func(p *backend.CompanyProfile) { p.Name = "Northwind C" })
			if _, err := b.users.Register(context.Background(), person("Ivan Field", "ivan@example.com", "+7 912 000-00-02")); err != nil {
				t.Fatal(err)
			}
			if _, err := c.users.Register(context.Background(), person("Ivan F.", "ivan@example.com", "+7 912 000-00-03")); err != nil {
				t.Fatal(err)
			}

			for _, i := range order {
				ds[i].sync(t)
			}
			converge(t, server, a, b, c)

			ctx := server.as(t, adminEmail)
			got, err := server.accounts.FindAccountByID(ctx, acct.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Profile.Name != "Northwind C" || got.Profile.Email != "billing@northwind.example" {
				t.Errorf("profile = %q, %q; want C's name and A's email", got.Profile.Name, got.Profile.Email)
			}
			if n := server.count(t, `SELECT count(*) FROM users WHERE email = 'ivan@example.com'`); n != 1 {
				t.Errorf("%d users with the same email; want 1", n)
			}
			for _, n := range []*node{server, a, b, c} {
				if k := n.count(t, `SELECT count(*) FROM users WHERE email LIKE '%#merging'`); k != 0 {
					t.Errorf("%s: a merge left a renamed user", n.name)
				}
			}
			// The name B wrote lost to C's: somebody can review it.
			conflicts, err := server.db.Conflicts(ctx, false)
			if err != nil {
				t.Fatal(err)
			}
			var nameLost, merged bool
			for _, cf := range conflicts {
				nameLost = nameLost || (cf.Field == "profile.name" && cf.Lost == "Northwind B")
				merged = merged || (cf.Kind == "unique" && cf.Entity == "user")
			}
			if !nameLost || !merged {
				t.Errorf("conflicts = %+v; want B's lost name and the merged user", conflicts)
			}
		})
	}
}

// TestReverseConflict puts a lost value back, and the reversal syncs.
func TestReverseConflict(t *testing.T) {
	server, _, ds := world(t, "A", "B")
	a, b := ds[0], ds[1]
	acct, err := a.accounts.SaveAccountDetails(a.as(t, adminEmail), "", company("Contoso"))
	if err != nil {
		t.Fatal(err)
	}
	converge(t, server, a, b)
	for i, n := range []*node{a, b} {
		ctx := n.as(t, adminEmail)
		cur, _ := n.accounts.FindAccountByID(ctx, acct.ID)
		p := cur.Profile
		p.Name = fmt.Sprintf("Contoso %c", 'A'+i)
		if _, err := n.accounts.SaveCompany(ctx, acct.ID, p); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	converge(t, server, a, b)
	ctx := server.as(t, adminEmail)
	conflicts, _ := server.db.Conflicts(ctx, false)
	var id string
	for _, cf := range conflicts {
		if cf.Field == "profile.name" && cf.Lost == "Contoso A" {
			id = cf.ID
		}
	}
	if id == "" {
		t.Fatalf("no conflict for the lost name in %+v", conflicts)
	}
	if err := server.db.ResolveConflict(ctx, id, true); err != nil {
		t.Fatal(err)
	}
	converge(t, server, a, b)
	got, _ := b.accounts.FindAccountByID(b.as(t, adminEmail), acct.ID)
	if got.Profile.Name != "Contoso A" {
		t.Errorf("after reversing, B has %q; want Contoso A", got.Profile.Name)
	}
	if err := server.db.ResolveConflict(ctx, id, true); backend.ErrorCode(err) != backend.ENOTFOUND {
		t.Errorf("resolving twice: %v; want not found", err)
	}
}

// uploadDocument opens an account on desktop d, as the admin, and uploads
// a PDF of about size bytes as its KYC document; it returns the file's
// SHA-256 and content.
func uploadDocument(t *testing.T, d *node, size int) (sum, content string) {
	t.Helper()
	ctx := d.as(t, adminEmail)
	acct, err := d.accounts.SaveAccountDetails(ctx, "", company("Fabrikam"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.kyc.SetEntityType(ctx, acct.ID, "IN", "individual"); err != nil {
		t.Fatal(err)
	}
	content = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n" + strings.Repeat("x", size)
	cs, err := d.kyc.AddDocument(ctx, acct.ID, "pan_card", []backend.UploadFile{{Name: "pan.pdf", Body: strings.NewReader(content)}})
	if err != nil {
		t.Fatal(err)
	}
	return cs.Documents[0].Files[0].SHA256, content
}

// TestFilesTravelByHash: a document uploaded offline reaches the server and
// the other desktop with its file, which is sent once.
func TestFilesTravelByHash(t *testing.T) {
	server, _, ds := world(t, "A", "B")
	a, b := ds[0], ds[1]
	sum, pdf := uploadDocument(t, a, 300<<10)
	converge(t, server, a, b)
	for _, n := range []*node{server, b} {
		if !n.files.Has(sum) {
			t.Errorf("%s lacks the file", n.name)
		}
		f, err := n.files.Open(sum)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(f)
		f.Close()
		if string(got) != pdf {
			t.Errorf("%s: the file's content differs", n.name)
		}
	}
}

// TestFilesAcrossServers: two servers share one database and no folder,
// as several `serve` processes on PostgreSQL do. A document uploaded
// through one reaches a desktop that syncs through the other, by range,
// and neither folder needed the other's.
func TestFilesAcrossServers(t *testing.T) {
	one, _, ds := world(t, "A")
	a := ds[0]
	two, err := openNodeAt(filepath.Join(t.TempDir(), "server-two"), one.db.Path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(two.close)
	one.files.Shared, two.files.Shared = one.db, two.db
	b := newNode(t, "B")
	if err := b.client.Connect(context.Background(), serve(t, two).URL, adminEmail, "Blue-Harbor-71", "B"); err != nil {
		t.Fatal(err)
	}
	sum, pdf := uploadDocument(t, a, 3<<20)
	converge(t, one, a, b)
	if !one.files.Has(sum) {
		t.Fatal("the first server lacks the uploaded file")
	}
	if _, err := os.Stat(filepath.Join(two.files.Dir, sum[:2], sum)); err == nil {
		t.Fatal("the second server's folder has the file: it was not read from the database")
	}
	f, err := b.files.Open(sum)
	if err != nil {
		t.Fatalf("the desktop behind the second server: %v", err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if string(got) != pdf {
		t.Errorf("the file arrived as %d bytes, want %d", len(got), len(pdf))
	}
}

// TestPullProgress: a new desktop pulling many pages tells how far it is,
// rising, and says nothing once done; a pull of one page says nothing.
func TestPullProgress(t *testing.T) {
	server, url, _ := world(t)
	ctx := server.as(t, adminEmail)
	for i := range 40 {
		if _, err := server.accounts.SaveAccountDetails(ctx, "", company(fmt.Sprintf("Progress %02d", i))); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		name  string
		batch int
		pages bool
	}{{"pages", 10, true}, {"one page", 0, false}} {
		t.Run(tt.name, func(t *testing.T) {
			d := newNode(t, "D")
			d.client.Batch = tt.batch
			if err := d.client.Connect(context.Background(), url, adminEmail, "Blue-Harbor-71", "D"); err != nil {
				t.Fatal(err)
			}
			var seen []int
			d.client.OnStatus = func(s backend.SyncStatus) {
				if s.Receiving != 0 {
					seen = append(seen, s.Receiving)
				}
			}
			d.sync(t)
			if got := d.count(t, `SELECT count(*) FROM accounts`); got != 40 {
				t.Fatalf("the desktop has %d accounts", got)
			}
			if !tt.pages {
				if len(seen) != 0 {
					t.Fatalf("a one-page pull reported progress %v", seen)
				}
				return
			}
			if len(seen) < 3 {
				t.Fatalf("progress told %d times (%v) over a pull of 4 pages or more", len(seen), seen)
			}
			for i, p := range seen {
				if p < 1 || p > 99 || (i > 0 && p <= seen[i-1]) {
					t.Fatalf("progress %v: not rising within 1-99", seen)
				}
			}
			st, err := d.client.Status(context.Background())
			if err != nil || st.Receiving != 0 {
				t.Fatalf("after the pull: receiving %d (%v), want 0", st.Receiving, err)
			}
		})
	}
}

// post sends a raw request to the sync server.
func post(t testing.TB, url, token, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func registerDevice(t testing.TB, url, email string) string {
	t.Helper()
	code, body := post(t, url+"/sync/devices", "", `{"email":"`+email+`","password":"Blue-Harbor-71","name":"test"}`)
	if code != 200 {
		t.Fatalf("register device: %d %s", code, body)
	}
	var r replica.Registered
	json.Unmarshal([]byte(body), &r)
	return r.Token
}

// TestBadInput: malformed, oversized, replayed and forbidden pushes, and a
// clock far off, get a clear error and change nothing on the server.
func TestBadInput(t *testing.T) {
	server, url, _ := world(t)
	server.verified(t, person("Arun Agent", "agent@example.com", "+7 912 000-00-09"))
	if _, err := server.users.SetUserRole(server.as(t, adminEmail), "agent@example.com", backend.RoleAgent); err != nil {
		t.Fatal(err)
	}
	admin := registerDevice(t, url, adminEmail)
	agent := registerDevice(t, url, "agent@example.com")
	var adminID string
	server.raw.QueryRow(`SELECT id FROM users WHERE email = ?`, adminEmail).Scan(&adminID)
	now := time.Now().UnixMilli()
	hlc := func(ms int64) string { return fmt.Sprintf("%013d-%05d-%s", ms, 0, "deviceaaaaaa") }
	change := func(id, entity, entityID, data string, ms int64) string {
		return fmt.Sprintf(`{"id":%q,"entity":%q,"entityId":%q,"op":"upsert","data":%s,"hlc":%q}`, id, entity, entityID, data, hlc(ms))
	}
	acct, err := server.accounts.SaveAccountDetails(server.as(t, adminEmail), "", company("Valid Ltd"))
	if err != nil {
		t.Fatal(err)
	}
	before := server.dump(t)

	tests := []struct {
		name, token, body string
		status            int
		want              string // in the answer
	}{
		{"no token", "", `{"changes":[]}`, 401, "not (or no longer) allowed"},
		{"malformed JSON", admin, `{"changes":[`, 400, "Malformed JSON"},
		{"unknown entity", admin, `{"changes":[` + change("c1", "spaceship", "x", `{}`, now) + `]}`, 200, "unknown entity"},
		{"unknown field", admin, `{"changes":[` + change("c2", "user", adminID, `{"shoe_size":44}`, now) + `]}`, 200, "no field"},
		{"clock far ahead", admin, `{"changes":[` + change("c3", "user", adminID, `{"name":"Future"}`, now+3600_000) + `]}`, 200, "ahead of the server"},
		{"malformed clock", admin, `{"changes":[{"id":"c4","entity":"user","entityId":"` + adminID + `","op":"upsert","data":{"name":"X"},"hlc":"yesterday"}]}`, 200, "malformed clock"},
		{"agent raises a role", agent, `{"changes":[` + change("c5", "user", adminID, `{"role":"customer"}`, now) + `]}`, 200, "may not change"},
		{"agent edits someone else's account", agent, `{"changes":[` + change("c6", "account", "0190aaaa-0000-7000-8000-000000000000", `{"company_name":"Mine now"}`, now) + `]}`, 200, "may not change"},
		{"unknown record, partial", admin, `{"changes":[` + change("c7", "account", "0190aaaa-0000-7000-8000-000000000000", `{"company_name":"X"}`, now) + `]}`, 200, "not known here"},
		{"agent adds a consent to staff", agent, `{"changes":[` + change("c12", "consent", "0190aaaa-0000-7000-8000-000000000002", `{"id":"0190aaaa-0000-7000-8000-000000000002","user_id":"`+adminID+`","kind":"terms","version":"x","accepted_at":1}`, now) + `]}`, 200, "may not change"},
		{"hard delete of a document", admin, `{"changes":[{"id":"c11","entity":"kyc_document","entityId":"0190aaaa-0000-7000-8000-000000000001","op":"delete","hlc":"` + hlc(now) + `"}]}`, 200, "never deleted"},
		// Values the forms would refuse: the change is refused, with what is wrong.
		{"unknown time zone", admin, `{"changes":[` + change("c15", "user", adminID, `{"time_zone":"Mars/Olympus"}`, now) + `]}`, 200, `unknown time zone \"Mars/Olympus\"`},
		{"name with a direction override", admin, `{"changes":[` + change("c16", "user", adminID, `{"name":"Olga\u202eAdmin"}`, now) + `]}`, 200, "invisible or text-direction"},
		{"phone not a number", admin, `{"changes":[` + change("c17", "user", adminID, `{"phone":"call me"}`, now) + `]}`, 200, "not a valid number"},
		{"account type unknown", admin, `{"changes":[` + change("c18", "account", acct.ID, `{"type":"spaceship"}`, now+1000) + `]}`, 200, "details.type"},
		{"INN with a wrong checksum", admin, `{"changes":[` + change("c19", "account", acct.ID, `{"profile.requisites":{"country":"RU","inn":"7707083894"}}`, now+1000) + `]}`, 200, "requisites.inn"},
		{"too many changes", admin, `{"changes":[` + strings.TrimSuffix(strings.Repeat(change("c8", "user", adminID, `{}`, now)+",", store.MaxBatch+1), ",") + `]}`, 400, "at most"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := post(t, url+"/sync/push", tt.token, tt.body)
			if code != tt.status || !strings.Contains(body, tt.want) {
				t.Errorf("got %d %s; want %d with %q", code, body, tt.status, tt.want)
			}
		})
	}
	if after := server.dump(t); after != before {
		t.Errorf("refused pushes changed the server:\n%s", diff(before, after))
	}

	// A replayed batch is applied once.
	ok := `{"changes":[` + change("c9", "user", adminID, `{"name":"Olga A."}`, now) + `]}`
	for i, want := range []string{store.ChangeApplied, store.ChangeDuplicate} {
		_, body := post(t, url+"/sync/push", admin, ok)
		if !strings.Contains(body, `"status":"`+want+`"`) {
			t.Errorf("push %d: %s; want %s", i+1, body, want)
		}
	}
	if n := server.count(t, `SELECT count(*) FROM changes WHERE id = 'c9'`); n != 1 {
		t.Errorf("replayed change logged %d times", n)
	}

	// A refused value refuses the batch's changes to that record only.
	split := `{"changes":[` + change("c20", "user", adminID, `{"time_zone":"Nowhere/Else"}`, now+2) + `,` +
		change("c21", "account", acct.ID, `{"company_name":"Renamed Ltd"}`, now+1000) + `]}`
	if code, body := post(t, url+"/sync/push", admin, split); code != 200 || !strings.Contains(body, `"id":"c20","status":"rejected"`) ||
		!strings.Contains(body, `"id":"c21","status":"applied"`) {
		t.Errorf("split batch: %d %s", code, body)
	}
	if n := server.count(t, `SELECT count(*) FROM users WHERE time_zone = 'Nowhere/Else'`); n != 0 {
		t.Errorf("a refused value was stored")
	}
	if n := server.count(t, `SELECT count(*) FROM changes WHERE id IN ('c15', 'c16', 'c17', 'c18', 'c19', 'c20')`); n != 0 {
		t.Errorf("%d refused changes logged", n)
	}

	// A record the database refuses (its account does not exist) is
	// rejected alone: the batch's other changes apply (on PostgreSQL the
	// failed statement is rolled back to a savepoint, not the transaction).
	mixed := `{"changes":[` + change("c13", "membership", "0190aaaa-0000-7000-8000-00000000000f/"+adminID,
		`{"account_id":"0190aaaa-0000-7000-8000-00000000000f","user_id":"`+adminID+`","role":"operator","status":"active","created_at":1,"updated_at":1}`, now) +
		`,` + change("c14", "user", adminID, `{"name":"Olga B."}`, now+1) + `]}`
	if code, body := post(t, url+"/sync/push", admin, mixed); code != 200 || !strings.Contains(body, `"id":"c13","status":"rejected","error":"membership`) ||
		!strings.Contains(body, `"id":"c14","status":"applied"`) {
		t.Errorf("mixed batch: %d %s", code, body)
	}
	if n := server.count(t, `SELECT count(*) FROM users WHERE name = 'Olga B.'`); n != 1 {
		t.Errorf("the good change after a refused one: %d rows", n)
	}

	// An oversized body is refused before it is read whole.
	big := `{"changes":[` + change("c10", "user", adminID, `{"name":"`+strings.Repeat("x", replica.MaxPushBytes)+`"}`, now) + `]}`
	if code, body := post(t, url+"/sync/push", admin, big); code != 400 || !strings.Contains(body, "smaller batches") {
		t.Errorf("oversized: %d %.200s", code, body)
	}

	// A revoked device is refused.
	ctx := server.as(t, adminEmail)
	devices, err := server.db.Devices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range devices {
		if d.UserEmail == "agent@example.com" {
			if err := server.db.RevokeDevice(ctx, d.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if code, _ := post(t, url+"/sync/push", agent, `{"changes":[]}`); code != 401 {
		t.Errorf("revoked device: %d; want 401", code)
	}
	// Tokens are stored hashed.
	if n := server.count(t, `SELECT count(*) FROM devices WHERE token_hash = ?`, agent); n != 0 {
		t.Error("a device token is stored in clear")
	}
}

// TestOutboxSentOnce: messages queued offline are handed over to the
// server once, even when the hand-over is retried.
func TestOutboxSentOnce(t *testing.T) {
	server, _, ds := world(t, "A")
	a := ds[0]
	if _, err := a.users.Register(context.Background(), person("Mira Offline", "mira@example.com", "+7 912 000-00-05")); err != nil {
		t.Fatal(err)
	}
	a.users.Flush()
	a.sync(t)
	a.sync(t)
	if n := server.count(t, `SELECT count(*) FROM outbox WHERE recipient = 'mira@example.com'`); n != 1 {
		t.Errorf("server has %d messages for mira; want 1", n)
	}
	if n := a.count(t, `SELECT count(*) FROM outbox WHERE recipient = 'mira@example.com' AND next_attempt_at IS NOT NULL`); n != 0 {
		t.Errorf("desktop still holds %d messages to send", n)
	}
}

// TestRoleFilter: a field agent's desktop receives the accounts the agent
// onboarded and not the others; an administrator's receives everything,
// and other users' password hashes never reach a desktop.
func TestRoleFilter(t *testing.T) {
	server, url, ds := world(t, "admin-desk")
	adminDesk := ds[0]
	server.verified(t, person("Arun Agent", "agent@example.com", "+7 912 000-00-09"))
	if _, err := server.users.SetUserRole(server.as(t, adminEmail), "agent@example.com", backend.RoleAgent); err != nil {
		t.Fatal(err)
	}
	agentDesk := newNode(t, "agent-desk")
	if err := agentDesk.client.Connect(context.Background(), url, "agent@example.com", "Blue-Harbor-71", "field"); err != nil {
		t.Fatal(err)
	}
	agentDesk.sync(t)
	if _, err := server.accounts.SaveAccountDetails(server.as(t, adminEmail), "", company("Back Office Ltd")); err != nil {
		t.Fatal(err)
	}
	agentCtx := agentDesk.as(t, "agent@example.com") // signs in offline with the hash it pulled
	mine := company("Field Customer")
	mine.Phone = "+7 912 000-00-09"
	if _, err := agentDesk.accounts.SaveAccountDetails(agentCtx, "", mine); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		agentDesk.sync(t)
		adminDesk.sync(t)
	}
	names := func(n *node) string {
		rows, _ := n.raw.Query(`SELECT company_name FROM accounts ORDER BY company_name`)
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			rows.Scan(&s)
			out = append(out, s)
		}
		return strings.Join(out, ", ")
	}
	if got := names(agentDesk); got != "Field Customer" {
		t.Errorf("agent's desktop has %q; want only Field Customer", got)
	}
	if got := names(adminDesk); got != "Back Office Ltd, Field Customer" {
		t.Errorf("admin's desktop has %q; want both", got)
	}
	if n := adminDesk.count(t, `SELECT count(*) FROM users WHERE email = 'agent@example.com' AND password_hash != ''`); n != 0 {
		t.Error("the agent's password hash reached the administrator's desktop")
	}
	if n := agentDesk.count(t, `SELECT count(*) FROM users WHERE email = ?`, adminEmail); n != 0 {
		t.Error("the agent's desktop received the administrator's user record")
	}
}

// TestAgentsRegisterTheSamePerson: two field agents, offline, each add the
// same person (one email) to a customer account of their own. After sync
// there is one user, a member of both accounts, and the agent whose record
// gave way sees why in their own conflicts list.
func TestAgentsRegisterTheSamePerson(t *testing.T) {
	server, url, _ := world(t)
	desks := map[string]*node{}
	for i, name := range []string{"first", "second"} {
		email := name + "@agents.example"
		phone := fmt.Sprintf("+7 912 000-10-0%d", i)
		server.verified(t, person("Agent "+name, email, phone))
		if _, err := server.users.SetUserRole(server.as(t, adminEmail), email, backend.RoleAgent); err != nil {
			t.Fatal(err)
		}
		d := newNode(t, name)
		if err := d.client.Connect(context.Background(), url, email, "Blue-Harbor-71", name); err != nil {
			t.Fatal(err)
		}
		d.sync(t)
		ctx := d.as(t, email)
		details := company("Customer of " + name)
		details.Phone = phone
		acct, err := d.accounts.SaveAccountDetails(ctx, "", details)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.accounts.InviteEmployee(ctx, backend.EmployeeInput{AccountID: acct.ID, Name: "Nina " + name,
			Email: "nina@customer.example", Phone: "+7 912 000-20-00", Role: "operator"}); err != nil {
			t.Fatal(err)
		}
		desks[name] = d
	}
	for range 2 {
		desks["first"].sync(t)
		desks["second"].sync(t)
	}
	if n := server.count(t, `SELECT count(*) FROM users WHERE email = 'nina@customer.example'`); n != 1 {
		t.Fatalf("%d users for one email on the server", n)
	}
	if n := server.count(t, `SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'nina@customer.example'`); n != 2 {
		t.Errorf("the merged user belongs to %d accounts; want both", n)
	}
	second := desks["second"]
	conflicts, err := second.db.Conflicts(second.as(t, "second@agents.example"), false)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range conflicts {
		found = found || (c.Kind == "unique" && c.Entity == "user" && strings.Contains(c.Detail, "nina@customer.example"))
	}
	if !found {
		t.Errorf("the second agent's conflicts do not tell of the merge: %+v", conflicts)
	}
	if _, err := second.db.Conflicts(backend.NewContextWithUser(context.Background(), &backend.User{ID: "x", Role: backend.RoleCustomer}), false); backend.ErrorCode(err) != backend.EFORBIDDEN {
		t.Errorf("a customer listed conflicts: %v", err)
	}
}

// TestTombstone: a delete is final; a later edit that arrives after it is
// kept as a conflict, not applied, and a retried delete changes nothing.
func TestTombstone(t *testing.T) {
	server, _, _ := world(t)
	ctx := context.Background()
	hlc := func(ms int64) string { return fmt.Sprintf("%013d-%05d-%s", ms, 0, "deviceaaaaaa") }
	now := time.Now().UnixMilli()
	consentID := "0190aaaa-0000-7000-8000-00000000c0de"
	apply := func(ch backend.Change) store.ApplyResult {
		t.Helper()
		res, err := server.db.ApplyChanges(ctx, []backend.Change{ch}, store.ApplyOptions{FromServer: true, Origin: "server"})
		if err != nil {
			t.Fatal(err)
		}
		return res[0]
	}
	// A membership (mutable, hard-deletable) to delete.
	actx := server.as(t, adminEmail)
	acct, err := server.accounts.SaveAccountDetails(actx, "", company("Tombstone Ltd"))
	if err != nil {
		t.Fatal(err)
	}
	emp, err := server.accounts.InviteEmployee(actx, backend.EmployeeInput{AccountID: acct.ID, Name: "Tom Stone",
		Email: "tom@tombstone.example", Phone: "+7 912 000-30-00", Role: "operator"})
	if err != nil {
		t.Fatal(err)
	}
	member := acct.ID + "/" + emp.UserID
	if n := server.count(t, `SELECT count(*) FROM memberships WHERE account_id = ?`, acct.ID); n != 1 {
		t.Fatalf("%d memberships", n)
	}
	if r := apply(backend.Change{ID: "del-1", Entity: "membership", EntityID: member, Op: "delete", HLC: hlc(now + 1000)}); r.Status != store.ChangeApplied {
		t.Fatalf("delete: %+v", r)
	}
	if n := server.count(t, `SELECT count(*) FROM memberships WHERE account_id = ?`, acct.ID); n != 0 {
		t.Fatal("the delete left the row")
	}
	late := backend.Change{ID: "edit-after-delete", Entity: "membership", EntityID: member, Op: "upsert", HLC: hlc(now + 2000),
		Data: json.RawMessage(`{"account_id":"` + acct.ID + `","user_id":"` + emp.UserID + `","role":"operator","status":"active","max_dialogs":null,"created_at":1,"updated_at":1}`)}
	if r := apply(late); r.Status != store.ChangeApplied {
		t.Fatalf("late edit: %+v", r)
	}
	if n := server.count(t, `SELECT count(*) FROM memberships WHERE account_id = ?`, acct.ID); n != 0 {
		t.Error("an edit revived a deleted record")
	}
	if n := server.count(t, `SELECT count(*) FROM sync_conflicts WHERE kind = 'deleted' AND entity_id = ?`, member); n != 1 {
		t.Errorf("%d conflict records for the edit after the delete; want 1", n)
	}
	if r := apply(backend.Change{ID: "del-1", Entity: "membership", EntityID: member, Op: "delete", HLC: hlc(now + 1000)}); r.Status != store.ChangeDuplicate {
		t.Errorf("retried delete: %+v", r)
	}
	// Immutable records are never deleted.
	if r := apply(backend.Change{ID: "del-2", Entity: "consent", EntityID: consentID, Op: "delete", HLC: hlc(now)}); r.Status != store.ChangeRejected {
		t.Errorf("deleting a consent: %+v", r)
	}
}

// TestResumableFiles: an upload cut off half way resumes where the server's
// copy stops, and so does a download with a Range request.
func TestResumableFiles(t *testing.T) {
	server, url, ds := world(t, "A")
	a := ds[0]
	body := "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n" + strings.Repeat("r", 512<<10)
	kf, err := a.files.Put(strings.NewReader(body), "scan.pdf")
	if err != nil {
		t.Fatal(err)
	}
	token := a.client.TokenForTest(t)
	// Half the file arrives, then the connection drops.
	half := len(body) / 2
	req, _ := http.NewRequest(http.MethodPatch, url+"/sync/uploads/"+kf.SHA256, strings.NewReader(body[:half]))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Upload-Offset", "0")
	req.Header.Set("Upload-Length", fmt.Sprint(len(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Upload-Offset"); got != fmt.Sprint(half) {
		t.Fatalf("after half the file the server says offset %q", got)
	}
	if server.files.Has(kf.SHA256) {
		t.Fatal("half a file reached the vault")
	}
	// A part sent again at a stale offset is refused, not appended twice.
	req, _ = http.NewRequest(http.MethodPatch, url+"/sync/uploads/"+kf.SHA256, strings.NewReader(body[:half]))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Upload-Offset", "0")
	req.Header.Set("Upload-Length", fmt.Sprint(len(body)))
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("stale offset: %d; want 409", resp.StatusCode)
	}
	if err := a.client.UploadForTest(context.Background(), kf.SHA256); err != nil {
		t.Fatal(err)
	}
	f, err := server.files.Open(kf.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if string(got) != body {
		t.Fatal("the resumed upload differs from the file")
	}

	// Download: B has a third of the file already.
	b := newNode(t, "B")
	if err := b.client.Connect(context.Background(), url, adminEmail, "Blue-Harbor-71", "B"); err != nil {
		t.Fatal(err)
	}
	// The server serves a file only when a document names it.
	ctx := server.as(t, adminEmail)
	acct, err := server.accounts.SaveAccountDetails(ctx, "", company("Resume Ltd"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := server.kyc.SetEntityType(ctx, acct.ID, "IN", "individual"); err != nil {
		t.Fatal(err)
	}
	if _, err := server.kyc.AddDocument(ctx, acct.ID, "pan_card", []backend.UploadFile{{Name: "scan.pdf", Body: strings.NewReader(body)}}); err != nil {
		t.Fatal(err)
	}
	part := filepath.Join(b.client.PartDir, kf.SHA256+".part")
	os.MkdirAll(b.client.PartDir, 0o700)
	if err := os.WriteFile(part, []byte(body[:len(body)/3]), 0o600); err != nil {
		t.Fatal(err)
	}
	b.sync(t)
	if !b.files.Has(kf.SHA256) {
		t.Fatal("B lacks the file after sync")
	}
	if _, err := os.Stat(part); err == nil {
		t.Error("the partial download was left behind")
	}
}

// TestWatch: the long poll answers when the log grows, and at once when the
// server stops (a graceful shutdown must not wait for it).
func TestWatch(t *testing.T) {
	server := newNode(t, "server")
	s := &replica.Server{DB: server.db, Users: server.users, Files: server.files, UploadDir: t.TempDir(), Log: quiet}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	server.verified(t, person("Olga Admin", adminEmail, "+7 912 000-00-01"))
	token := registerDevice(t, srv.URL, adminEmail)
	last, _ := server.db.LastSeq(context.Background())
	watch := func() (chan string, time.Time) {
		return startWatch(srv.URL, token, last, 20), time.Now()
	}
	// A write on the server wakes the watcher.
	got, start := watch()
	time.Sleep(100 * time.Millisecond)
	if _, err := server.accounts.SaveAccountDetails(server.as(t, adminEmail), "", company("Watched Ltd")); err != nil {
		t.Fatal(err)
	}
	s.Notify() // serve wires this to the database's OnChange
	select {
	case body := <-got:
		if body != `{"changed":true}` {
			t.Errorf("watch answered %s", body)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the watch did not wake on a change")
	}
	// Stopping answers a waiting watcher at once.
	last, _ = server.db.LastSeq(context.Background())
	got, start = watch()
	time.Sleep(100 * time.Millisecond)
	s.Stop()
	select {
	case body := <-got:
		if body != `{"changed":false}` || time.Since(start) > 5*time.Second {
			t.Errorf("after Stop the watch answered %s in %s", body, time.Since(start))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Stop did not end the watch")
	}
}

// startWatch long-polls a server's /sync/watch in the background; the
// channel gets the answer's body (or the request's error).
func startWatch(url, token string, after int64, wait int) chan string {
	out := make(chan string, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/sync/watch?after=%d&wait=%d", url, after, wait), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			out <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		out <- strings.TrimSpace(string(b))
	}()
	return out
}

// TestDesktopFromBeforeSync: a desktop used before sync existed (records
// without field clocks, their log entries set aside by migration 0005)
// logs them when it is first opened by a version that syncs, so its first
// sync takes them all to the server, and the server's to it.
func TestDesktopFromBeforeSync(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "old")
	d, err := openNodeErr(dir)
	if err != nil {
		t.Fatal(err)
	}
	d.verified(t, person("Vera Oldtimer", "vera@example.com", "+7 912 000-00-07"))
	details := company("Before Sync")
	details.Phone = "+7 912 000-00-07" // her own, verified
	acct, err := d.accounts.SaveAccountDetails(d.as(t, "vera@example.com"), "", details)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DELETE FROM row_clocks`, `DELETE FROM changes`, `DELETE FROM sync_state`} {
		if _, err := d.raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	d.close()

	if d, err = openNodeErr(dir); err != nil {
		t.Fatal(err)
	}
	d.name = "old"
	t.Cleanup(d.close)
	if n, _ := d.db.PendingCount(context.Background()); n == 0 {
		t.Fatal("nothing waits to be pushed: the records from before sync would stay on this desktop")
	}
	server := newNode(t, "server")
	srv := serve(t, server)
	server.verified(t, person("Olga Admin", adminEmail, "+7 912 000-00-01"))
	if err := d.client.Connect(context.Background(), srv.URL, adminEmail, "Blue-Harbor-71", "old"); err != nil {
		t.Fatal(err)
	}
	converge(t, server, d)
	if n := server.count(t, `SELECT count(*) FROM accounts WHERE id = ? AND company_name = 'Before Sync'`, acct.ID); n != 1 {
		t.Fatalf("the server has %d copies of the account from before sync", n)
	}
	if n := server.count(t, `SELECT count(*) FROM users WHERE email = 'vera@example.com'`); n != 1 {
		t.Fatalf("the server has %d users for the desktop's own user", n)
	}
}
