package mailer_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gatehouse/backend"
	"gatehouse/backend/mailer"
	"gatehouse/backend/mailer/mailtest"
	"gatehouse/backend/sms"
	"gatehouse/backend/store"
)

// TestOutboxOverSMTP signs up against a real database and delivers the
// verification email through a real SMTP server on 127.0.0.1: once, even
// when the sender runs again, and again after the server failed for a while.
func TestOutboxOverSMTP(t *testing.T) {
	ctx := context.Background()
	srv := mailtest.Start(t)
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	accounts := store.NewUserService(db, backend.NewHasher(backend.DefaultArgon2, 0), store.UserOptions{LinkBase: "gatehouse:/", Log: log})
	defer accounts.Close()
	out := backend.NewOutbox(db, map[string]backend.Deliverer{
		backend.ChannelEmail: &mailer.SMTP{Addr: srv.Addr, Security: mailer.SecurityNone, From: "no-reply@gatehouse.test", FromName: "Gatehouse"},
	}, log)
	out.Now = db.Now

	srv.SetFail(true)
	if _, err := accounts.Register(ctx, backend.RegisterInput{Name: "Ирина Смирнова", Email: "irina@example.com", Password: "Blue-Harbor-71",
		PasswordConfirm: "Blue-Harbor-71", Phone: "+79123456789", TimeZone: "Europe/Moscow", AcceptTerms: true, AcceptPrivacy: true}); err != nil {
		t.Fatal(err)
	}
	if err := out.DeliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("server refused, yet %d messages arrived", n)
	}
	if waiting, _, _ := db.OutboxStats(ctx); waiting != 1 {
		t.Fatalf("failed message not kept for retry: waiting=%d", waiting)
	}
	srv.SetFail(false)
	if err := out.DeliverDue(ctx); err != nil { // too early: backoff
		t.Fatal(err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("retried before the backoff: %d", n)
	}
	now = now.Add(6 * time.Second)
	for i := 0; i < 3; i++ {
		if err := out.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	m := srv.WaitFor(t, "irina@example.com", 1, 5*time.Second)
	if got := len(srv.Messages()); got != 1 {
		t.Fatalf("delivered %d times, want once", got)
	}
	if m.Subject != "Confirm your email address" || !strings.Contains(m.Body, "Ирина Смирнова") || m.Code() == "" ||
		!strings.HasPrefix(m.Link(), "gatehouse://verify-email?token=") {
		t.Fatalf("message: subject %q link %q code %q body %q", m.Subject, m.Link(), m.Code(), m.Body)
	}
	if err := accounts.VerifyEmail(ctx, strings.TrimPrefix(m.Link(), "gatehouse://verify-email?token=")); err != nil {
		t.Fatalf("the emailed link does not verify: %v", err)
	}
	if waiting, failed, _ := db.OutboxStats(ctx); waiting != 0 || failed != 0 {
		t.Fatalf("outbox after delivery: waiting=%d failed=%d", waiting, failed)
	}
}

func TestDirAndSMSFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	msg := backend.Message{ID: "0190-test", Channel: backend.ChannelEmail, To: "a@example.com", Subject: "Привет", Body: "Body\n", CreatedAt: time.Now()}
	if err := (&mailer.Dir{Path: filepath.Join(dir, "mail"), From: "no-reply@x.test"}).Deliver(ctx, msg); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "mail", "0190-test.eml"))
	if err != nil || !strings.Contains(string(b), "Message-Id: <0190-test@gatehouse>") || !strings.Contains(string(b), "=?utf-8?") {
		t.Fatalf("eml: %v\n%s", err, b)
	}
	f := &sms.File{Path: filepath.Join(dir, "sms.jsonl")}
	for i := 0; i < 2; i++ {
		if err := f.Deliver(ctx, backend.Message{ID: "s", Channel: backend.ChannelSMS, To: "+79123456789", Body: "Gatehouse code: 123456."}); err != nil {
			t.Fatal(err)
		}
	}
	b, _ = os.ReadFile(f.Path)
	if lines := strings.Count(string(b), "\n"); lines != 2 || !strings.Contains(string(b), `"to":"+79123456789"`) {
		t.Fatalf("sms file: %s", b)
	}
}
