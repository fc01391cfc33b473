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

// TestIntoTheStore runs the whole intake against the real KYC store and
// vault: a customer's mail is filed to their case, a stranger's and a
// lying file are quarantined, and a second round takes nothing twice.
func TestIntoTheStore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, filepath.Join(dir, "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	users := store.NewUserService(db, backend.NewHasher(backend.DefaultArgon2, 0), store.UserOptions{LinkBase: "gatehouse:/", Log: quietLog()})
	defer users.Close()
	accounts := store.NewAccountService(db, users)
	v, err := vault.Open(filepath.Join(dir, "vault"))
	if err != nil {
		t.Fatal(err)
	}
	kyc := store.NewKYCService(db, accounts, v)

	// A verified customer with an account.
	raw, _ := sql.Open("sqlite3", "file:"+db.Path+"?mode=ro")
	defer raw.Close()
	for _, email := range []string{"root@gatehouse.test", "client@example.com"} {
		if _, err := users.Register(ctx, backend.RegisterInput{Name: "Anna Petrova", Email: email, Password: "Blue-Harbor-71",
			PasswordConfirm: "Blue-Harbor-71", Phone: "+79123456789", TimeZone: "UTC", AcceptTerms: true, AcceptPrivacy: true}); err != nil {
			t.Fatal(err)
		}
		var body string
		raw.QueryRow(`SELECT body FROM outbox WHERE recipient = ? ORDER BY created_at DESC LIMIT 1`, email).Scan(&body)
		if err := users.VerifyEmail(ctx, regexp.MustCompile(`token=([\w-]+)`).FindStringSubmatch(body)[1]); err != nil {
			t.Fatal(err)
		}
	}
	sess, err := users.SignIn(ctx, backend.SignInInput{Email: "client@example.com", Password: "Blue-Harbor-71"})
	if err != nil {
		t.Fatal(err)
	}
	var code string
	cctx := backend.NewContextWithUser(ctx, sess.User)
	users.SendPhoneCode(cctx)
	var sms string
	raw.QueryRow(`SELECT body FROM outbox WHERE channel = 'sms' ORDER BY created_at DESC LIMIT 1`).Scan(&sms)
	code = regexp.MustCompile(`\d{6}`).FindString(sms)
	u, err := users.VerifyPhone(cctx, code)
	if err != nil {
		t.Fatal(err)
	}
	cctx = backend.NewContextWithUser(ctx, u)
	acct, err := accounts.SaveAccountDetails(cctx, "", backend.AccountDetails{Type: "individual", FirstName: "Anna", LastName: "Petrova",
		Sector: "telecom", PhoneType: "mobile", Phone: "+79123456789"})
	if err != nil {
		t.Fatal(err)
	}

	srv := newServer(t, serverOptions{})
	c := srv.client(t)
	appendMessage(t, c, "INBOX", buildMessage(t, "Client@Example.com", "my PAN card", "a@example.com",
		attachment{Name: "pan.pdf", Type: "application/pdf", Data: minimalPDF()}))
	appendMessage(t, c, "INBOX", buildMessage(t, "stranger@example.net", "hello", "b@example.net",
		attachment{Name: "x.pdf", Type: "application/pdf", Data: minimalPDF()}))
	appendMessage(t, c, "INBOX", buildMessage(t, "client@example.com", "scan", "c@example.com",
		attachment{Name: "scan.pdf", Type: "application/pdf", Data: tinyPNG(t)}))

	w := imapmail.New(srv.config(), kyc, quietLog())
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
	kc, err := kyc.FindCase(cctx, acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(kc.Documents) != 1 || kc.Documents[0].Source != "email" || kc.Documents[0].Files[0].Name != "pan.pdf" || !v.Has(kc.Documents[0].Files[0].SHA256) {
		t.Fatalf("case documents: %+v", kc.Documents)
	}
	// Offered again (say, moved back by hand): filed once.
	if _, err := kyc.FileEmailed(ctx, "a@example.com", "client@example.com", "my PAN card", nil); err != nil {
		t.Fatal(err)
	}
	if kc, _ = kyc.FindCase(cctx, acct.ID); len(kc.Documents) != 1 {
		t.Fatalf("taken twice: %d documents", len(kc.Documents))
	}
}
