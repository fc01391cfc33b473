package imapmail_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"regexp"
	"testing"

	"gatehouse/backend"
	"gatehouse/backend/imapmail"
	"gatehouse/backend/store"
	"gatehouse/backend/vault"
)

// realStore is the KYC store as the app wires it: a SQLite file and a
// vault folder in a temporary directory.
type realStore struct {
	db       *store.DB
	users    *store.UserService
	accounts *store.AccountService
	vault    *vault.Vault
	kyc      *store.KYCService
	raw      *sql.DB // read-only, to pick codes out of the outbox
}

func newRealStore(t testing.TB) *realStore {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, filepath.Join(dir, "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	users := store.NewUserService(db, backend.NewHasher(backend.DefaultArgon2, 0), store.UserOptions{LinkBase: "gatehouse:/", Log: quietLog()})
	t.Cleanup(users.Close)
	accounts := store.NewAccountService(db, users)
	v, err := vault.Open(filepath.Join(dir, "vault"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite3", "file:"+db.Path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return &realStore{db: db, users: users, accounts: accounts, vault: v, kyc: store.NewKYCService(db, accounts, v), raw: raw}
}

// register makes a user with a verified email.
func (s *realStore) register(t testing.TB, email string) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.users.Register(ctx, backend.RegisterInput{Name: "Anna Petrova", Email: email, Password: "Blue-Harbor-71",
		PasswordConfirm: "Blue-Harbor-71", Phone: "+79123456789", TimeZone: "UTC", AcceptTerms: true, AcceptPrivacy: true}); err != nil {
		t.Fatal(err)
	}
	var body string
	s.raw.QueryRow(`SELECT body FROM outbox WHERE recipient = ? ORDER BY created_at DESC LIMIT 1`, email).Scan(&body)
	if err := s.users.VerifyEmail(ctx, regexp.MustCompile(`token=([\w-]+)`).FindStringSubmatch(body)[1]); err != nil {
		t.Fatal(err)
	}
}

// customer registers a verified user who opens their own account, and
// returns their context and the account's id.
func (s *realStore) customer(t testing.TB, email string) (context.Context, string) {
	t.Helper()
	ctx := context.Background()
	s.register(t, email)
	sess, err := s.users.SignIn(ctx, backend.SignInInput{Email: email, Password: "Blue-Harbor-71"})
	if err != nil {
		t.Fatal(err)
	}
	cctx := backend.NewContextWithUser(ctx, sess.User)
	s.users.SendPhoneCode(cctx)
	var sms string
	s.raw.QueryRow(`SELECT body FROM outbox WHERE channel = 'sms' ORDER BY created_at DESC LIMIT 1`).Scan(&sms)
	u, err := s.users.VerifyPhone(cctx, regexp.MustCompile(`\d{6}`).FindString(sms))
	if err != nil {
		t.Fatal(err)
	}
	cctx = backend.NewContextWithUser(ctx, u)
	acct, err := s.accounts.SaveAccountDetails(cctx, "", backend.AccountDetails{Type: "individual", FirstName: "Anna", LastName: "Petrova",
		Sector: "telecom", PhoneType: "mobile", Phone: "+79123456789"})
	if err != nil {
		t.Fatal(err)
	}
	return cctx, acct.ID
}

// TestIntoTheStore runs the whole intake against the real KYC store and
// vault: a customer's mail is filed to their case, a stranger's and a
// lying file are quarantined, and a second round takes nothing twice.
func TestIntoTheStore(t *testing.T) {
	ctx := context.Background()
	st := newRealStore(t)
	st.register(t, "root@gatehouse.test")
	cctx, acctID := st.customer(t, "client@example.com")

	srv := newServer(t, serverOptions{})
	c := srv.client(t)
	appendMessage(t, c, "INBOX", buildMessage(t, "Client@Example.com", "my PAN card", "a@example.com",
		attachment{Name: "pan.pdf", Type: "application/pdf", Data: minimalPDF()}))
	appendMessage(t, c, "INBOX", buildMessage(t, "stranger@example.net", "hello", "b@example.net",
		attachment{Name: "x.pdf", Type: "application/pdf", Data: minimalPDF()}))
	appendMessage(t, c, "INBOX", buildMessage(t, "client@example.com", "scan", "c@example.com",
		attachment{Name: "scan.pdf", Type: "application/pdf", Data: tinyPNG(t)}))

	w := imapmail.New(srv.config(), st.kyc, quietLog())
	defer w.Close()
	stats, err := w.ProcessOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Filed != 1 || stats.Quarantined != 2 {
		t.Fatalf("stats %+v", stats)
	}
	if got := ids(folder(t, c, "Gatehouse/Processed")); got != "a@example.com" {
		t.Fatalf("processed: %s", got)
	}
	q := folder(t, c, "Gatehouse/Quarantine")
	reasons := map[string]bool{}
	for _, m := range q {
		for _, f := range m.Flags {
			reasons[f] = true
		}
	}
	if !reasons["$reason_unknown_sender"] || !reasons["$reason_wrong_type"] { // keywords are case-insensitive; this server lowers them
		t.Fatalf("quarantine reasons: %v", reasons)
	}
	kc, err := st.kyc.FindCase(cctx, acctID)
	if err != nil {
		t.Fatal(err)
	}
	if len(kc.Documents) != 1 || kc.Documents[0].Source != "email" || kc.Documents[0].Files[0].Name != "pan.pdf" || !st.vault.Has(kc.Documents[0].Files[0].SHA256) {
		t.Fatalf("case documents: %+v", kc.Documents)
	}
	// Offered again (say, moved back by hand): filed once.
	if res, err := st.kyc.FileEmailed(ctx, []backend.EmailedMessage{{MessageID: "a@example.com", From: "client@example.com", Subject: "my PAN card"}}); err != nil || res[0].Err != nil || res[0].CaseRef != kc.Reference {
		t.Fatalf("offered again: %+v, %v", res, err)
	}
	if kc, _ = st.kyc.FindCase(cctx, acctID); len(kc.Documents) != 1 {
		t.Fatalf("taken twice: %d documents", len(kc.Documents))
	}
}
