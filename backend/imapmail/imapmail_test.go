package imapmail_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"gatehouse/backend"
	"gatehouse/backend/imapmail"
)

const (
	inbox      = "INBOX"
	processed  = "Gatehouse/Processed"
	quarantine = "Gatehouse/Quarantine"
	customer   = "priya@customer.test"
	caseRef    = "KYC-7QX2PA"
)

func known() map[string]string { return map[string]string{customer: caseRef} }

// TestProcessOnce puts real messages in a real mailbox and checks where
// each one ends up.
func TestProcessOnce(t *testing.T) {
	pdf := minimalPDF()
	pic := tinyPNG(t)

	t.Run("Filed", func(t *testing.T) {
		srv := newServer(t, serverOptions{})
		c := srv.client(t)
		raw := buildMessage(t, strings.ToUpper(customer), "Documents for "+caseRef, "filed-1@customer.test",
			attachment{Name: "pan.pdf", Type: "application/pdf", Data: pdf},
			attachment{Name: "aadhaar front.png", Type: "image/png", Data: pic})
		appendMessage(t, c, inbox, raw)
		intake := newIntake(known())
		w := imapmail.New(srv.config(), intake, quietLog())
		defer w.Close()

		stats, err := w.ProcessOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if want := (imapmail.Stats{Filed: 1}); stats != want {
			t.Errorf("stats = %+v, want %+v", stats, want)
		}
		calls := intake.Calls()
		if len(calls) != 1 {
			t.Fatalf("intake calls = %d, want 1", len(calls))
		}
		got := calls[0]
		if got.MessageID != "filed-1@customer.test" || got.From != customer || got.Subject != "Documents for "+caseRef {
			t.Errorf("call = %q %q %q", got.MessageID, got.From, got.Subject)
		}
		if len(got.Files) != 2 || got.Files[0].Name != "pan.pdf" || !bytes.Equal(got.Files[0].Data, pdf) ||
			got.Files[1].Name != "aadhaar front.png" || !bytes.Equal(got.Files[1].Data, pic) {
			t.Errorf("files = %v", names(got.Files))
		}
		if n := len(folder(t, c, inbox)); n != 0 {
			t.Errorf("inbox has %d messages, want 0", n)
		}
		done := folder(t, c, processed)
		if len(done) != 1 || done[0].MessageID != "filed-1@customer.test" {
			t.Fatalf("processed = %v", done)
		}
		if !done[0].hasFlag(`\Seen`) || !done[0].hasFlag(imapmail.KeywordFiled) {
			t.Errorf("flags = %v, want \\Seen and %s", done[0].Flags, imapmail.KeywordFiled)
		}
		if !bytes.Equal(done[0].Raw, raw) {
			t.Error("the processed message is not the message that came in")
		}
	})

	quarantined := []struct {
		name        string
		raw         func(t *testing.T) []byte
		cfg         func(*imapmail.Config)
		reason      string
		intakeCalls int
	}{
		{name: "UnknownSender", reason: backend.IntakeUnknownSender, intakeCalls: 1,
			raw: func(t *testing.T) []byte {
				return buildMessage(t, "stranger@elsewhere.test", "hello", "q-1@elsewhere.test",
					attachment{Name: "doc.pdf", Type: "application/pdf", Data: pdf})
			}},
		{name: "NoAttachment", reason: backend.IntakeNoAttachment, intakeCalls: 0,
			raw: func(t *testing.T) []byte { return buildMessage(t, customer, "forgot it", "q-2@customer.test") }},
		{name: "MessageTooLarge", reason: backend.IntakeTooLarge, intakeCalls: 0,
			cfg: func(c *imapmail.Config) { c.MaxMessageSize = 2000 },
			raw: func(t *testing.T) []byte {
				return buildMessage(t, customer, "big", "q-3@customer.test",
					attachment{Name: "scan.pdf", Type: "application/pdf", Data: bytes.Repeat(pdf, 10)})
			}},
		{name: "FileTooLarge", reason: backend.IntakeTooLarge, intakeCalls: 0,
			cfg: func(c *imapmail.Config) { c.MaxFileSize = 100 },
			raw: func(t *testing.T) []byte {
				return buildMessage(t, customer, "big", "q-4@customer.test",
					attachment{Name: "scan.pdf", Type: "application/pdf", Data: pdf})
			}},
	}
	for _, tc := range quarantined {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, serverOptions{})
			c := srv.client(t)
			appendMessage(t, c, inbox, tc.raw(t))
			intake := newIntake(known())
			cfg := srv.config()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			w := imapmail.New(cfg, intake, quietLog())
			defer w.Close()

			stats, err := w.ProcessOnce(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if want := (imapmail.Stats{Quarantined: 1}); stats != want {
				t.Errorf("stats = %+v, want %+v", stats, want)
			}
			if n := len(intake.Calls()); n != tc.intakeCalls {
				t.Errorf("intake calls = %d, want %d", n, tc.intakeCalls)
			}
			if n := len(folder(t, c, inbox)) + len(folder(t, c, processed)); n != 0 {
				t.Errorf("%d messages outside quarantine", n)
			}
			q := folder(t, c, quarantine)
			if len(q) != 1 {
				t.Fatalf("quarantine has %d messages, want 1", len(q))
			}
			for _, f := range []string{`\Seen`, imapmail.KeywordQuarantined, imapmail.KeywordReason + tc.reason} {
				if !q[0].hasFlag(f) {
					t.Errorf("flags = %v, want %s", q[0].Flags, f)
				}
			}
		})
	}

	t.Run("TransientErrorStaysForNextRound", func(t *testing.T) {
		srv := newServer(t, serverOptions{})
		c := srv.client(t)
		appendMessage(t, c, inbox, buildMessage(t, customer, caseRef, "t-1@customer.test",
			attachment{Name: "pan.pdf", Type: "application/pdf", Data: pdf}))
		intake := newIntake(known())
		intake.transient = 1
		w := imapmail.New(srv.config(), intake, quietLog())
		defer w.Close()

		stats, err := w.ProcessOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if want := (imapmail.Stats{Deferred: 1}); stats != want {
			t.Errorf("first round = %+v, want %+v", stats, want)
		}
		in := folder(t, c, inbox)
		if len(in) != 1 {
			t.Fatalf("inbox has %d messages, want 1", len(in))
		}
		if len(in[0].Flags) != 0 {
			t.Errorf("a deferred message got flags %v; it must look untouched", in[0].Flags)
		}
		if n := len(folder(t, c, quarantine)); n != 0 {
			t.Errorf("a transient failure was quarantined")
		}

		stats, err = w.ProcessOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if want := (imapmail.Stats{Filed: 1}); stats != want {
			t.Errorf("second round = %+v, want %+v", stats, want)
		}
		if n := len(folder(t, c, processed)); n != 1 {
			t.Errorf("processed has %d messages, want 1", n)
		}
	})

	// The intake filed the message, then the connection died before the
	// move (as when Gatehouse stops half way). The next round offers the
	// same Message-ID again; the store answers with the case it filed to
	// the first time, so the message is filed once and moved once.
	t.Run("StopBetweenFilingAndMove", func(t *testing.T) {
		srv := newServer(t, serverOptions{})
		c := srv.client(t)
		appendMessage(t, c, inbox, buildMessage(t, customer, caseRef, "crash-1@customer.test",
			attachment{Name: "pan.pdf", Type: "application/pdf", Data: pdf}))
		intake := newIntake(known())
		intake.during = srv.KillConnections
		w := imapmail.New(srv.config(), intake, quietLog())
		defer w.Close()

		if _, err := w.ProcessOnce(context.Background()); err == nil {
			t.Fatal("ProcessOnce survived a dead connection")
		}
		c = srv.client(t) // the kill took the test's connection too
		in := folder(t, c, inbox)
		if len(in) != 1 || len(in[0].Flags) != 0 {
			t.Fatalf("inbox = %v, want the message untouched", in)
		}

		intake.during = nil
		stats, err := w.ProcessOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if want := (imapmail.Stats{Filed: 1}); stats != want {
			t.Errorf("stats = %+v, want %+v", stats, want)
		}
		calls := intake.Calls()
		if len(calls) != 2 || calls[0].MessageID != calls[1].MessageID {
			t.Fatalf("calls = %d, want 2 with the same Message-ID", len(calls))
		}
		if intake.Filings() != 1 {
			t.Errorf("filings = %d, want 1", intake.Filings())
		}
		if n := len(folder(t, c, processed)); n != 1 {
			t.Errorf("processed has %d messages, want 1", n)
		}
		if n := len(folder(t, c, inbox)); n != 0 {
			t.Errorf("inbox has %d messages, want 0", n)
		}
	})

	// A reviewer moves a quarantined message back once its sender has an
	// account: it is offered again and filed, losing its quarantine keywords.
	t.Run("QuarantinedMessageMovedBack", func(t *testing.T) {
		srv := newServer(t, serverOptions{})
		c := srv.client(t)
		appendMessage(t, c, inbox, buildMessage(t, "new@customer.test", "docs", "back-1@customer.test",
			attachment{Name: "pan.pdf", Type: "application/pdf", Data: pdf}))
		intake := newIntake(known())
		w := imapmail.New(srv.config(), intake, quietLog())
		defer w.Close()
		if _, err := w.ProcessOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Select(quarantine, nil).Wait(); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Move(imap.SeqSetNum(1), inbox).Wait(); err != nil {
			t.Fatal(err)
		}
		intake.mu.Lock()
		intake.senders["new@customer.test"] = "KYC-NEW001"
		intake.mu.Unlock()

		stats, err := w.ProcessOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if want := (imapmail.Stats{Filed: 1}); stats != want {
			t.Errorf("stats = %+v, want %+v", stats, want)
		}
		done := folder(t, c, processed)
		if len(done) != 1 {
			t.Fatalf("processed = %v", done)
		}
		if done[0].hasFlag(imapmail.KeywordQuarantined) || done[0].hasFlag(imapmail.KeywordReason+backend.IntakeUnknownSender) {
			t.Errorf("flags = %v: the quarantine keywords stayed", done[0].Flags)
		}
		if !done[0].hasFlag(imapmail.KeywordFiled) {
			t.Errorf("flags = %v, want %s", done[0].Flags, imapmail.KeywordFiled)
		}
	})

	// A message over 1 MiB waits in a temporary file, unlinked at once.
	t.Run("BigMessageSpooledToDisk", func(t *testing.T) {
		srv := newServer(t, serverOptions{})
		c := srv.client(t)
		big := append(append([]byte{}, pdf...), bytes.Repeat([]byte("0123456789abcdef"), 1<<17)...) // 2 MiB
		appendMessage(t, c, inbox, buildMessage(t, customer, caseRef, "big-1@customer.test",
			attachment{Name: "scan.pdf", Type: "application/pdf", Data: big}))
		intake := newIntake(known())
		cfg := srv.config()
		cfg.SpoolDir = t.TempDir()
		spoolSeen := -1
		intake.during = func() {
			entries, _ := os.ReadDir(cfg.SpoolDir)
			spoolSeen = len(entries)
		}
		w := imapmail.New(cfg, intake, quietLog())
		defer w.Close()
		stats, err := w.ProcessOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if want := (imapmail.Stats{Filed: 1}); stats != want {
			t.Errorf("stats = %+v, want %+v", stats, want)
		}
		calls := intake.Calls()
		if len(calls) != 1 || len(calls[0].Files) != 1 || !bytes.Equal(calls[0].Files[0].Data, big) {
			t.Fatal("the intake did not get the big file intact")
		}
		if spoolSeen != 0 {
			t.Errorf("%d spool files visible while filing, want 0 (unlinked)", spoolSeen)
		}
	})

	t.Run("MixedBatch", func(t *testing.T) {
		srv := newServer(t, serverOptions{})
		c := srv.client(t)
		appendMessage(t, c, inbox, buildMessage(t, customer, "1", "m-1@customer.test", attachment{"a.pdf", "application/pdf", pdf}))
		appendMessage(t, c, inbox, buildMessage(t, "x@elsewhere.test", "2", "m-2@elsewhere.test", attachment{"b.pdf", "application/pdf", pdf}))
		appendMessage(t, c, inbox, buildMessage(t, customer, "3", "m-3@customer.test"))
		appendMessage(t, c, inbox, buildMessage(t, customer, "4", "m-4@customer.test", attachment{"c.png", "image/png", pic}))
		w := imapmail.New(srv.config(), newIntake(known()), quietLog())
		defer w.Close()
		stats, err := w.ProcessOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if want := (imapmail.Stats{Filed: 2, Quarantined: 2}); stats != want {
			t.Errorf("stats = %+v, want %+v", stats, want)
		}
		if got := ids(folder(t, c, processed)); got != "m-1@customer.test m-4@customer.test" {
			t.Errorf("processed = %s", got)
		}
		q := folder(t, c, quarantine)
		if got := ids(q); got != "m-2@elsewhere.test m-3@customer.test" {
			t.Errorf("quarantine = %s", got)
		}
		if !q[0].hasFlag("$Reason_unknown_sender") || !q[1].hasFlag("$Reason_no_attachment") {
			t.Errorf("reasons: %v / %v", q[0].Flags, q[1].Flags)
		}
	})
}

// TestLegacyServer runs against a server without MOVE, UIDPLUS or
// keywords: moves are COPY, \Deleted, EXPUNGE; quarantined messages get a
// note beside them that says why.
func TestLegacyServer(t *testing.T) {
	srv := newServer(t, serverOptions{legacy: true})
	c := srv.client(t)
	appendMessage(t, c, inbox, buildMessage(t, customer, caseRef, "l-1@customer.test",
		attachment{Name: "pan.pdf", Type: "application/pdf", Data: minimalPDF()}))
	appendMessage(t, c, inbox, buildMessage(t, "stranger@elsewhere.test", "docs", "l-2@elsewhere.test",
		attachment{Name: "pan.pdf", Type: "application/pdf", Data: minimalPDF()}))
	w := imapmail.New(srv.config(), newIntake(known()), quietLog())
	defer w.Close()

	stats, err := w.ProcessOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := (imapmail.Stats{Filed: 1, Quarantined: 1}); stats != want {
		t.Errorf("stats = %+v, want %+v", stats, want)
	}
	if n := len(folder(t, c, inbox)); n != 0 {
		t.Errorf("inbox has %d messages, want 0 (expunged after the copy)", n)
	}
	done := folder(t, c, processed)
	if len(done) != 1 || done[0].MessageID != "l-1@customer.test" || !done[0].hasFlag(`\Seen`) {
		t.Errorf("processed = %v", done)
	}
	q := folder(t, c, quarantine)
	if len(q) != 2 {
		t.Fatalf("quarantine has %d messages, want the message and its note", len(q))
	}
	if q[0].MessageID != "l-2@elsewhere.test" {
		t.Errorf("quarantine[0] = %s", q[0].MessageID)
	}
	note := string(q[1].Raw)
	for _, want := range []string{"X-Gatehouse-Reason: unknown_sender", "In-Reply-To: <l-2@elsewhere.test>", "stranger@elsewhere.test"} {
		if !strings.Contains(note, want) {
			t.Errorf("note lacks %q:\n%s", want, note)
		}
	}
	// A second round finds nothing to do and writes no second note.
	stats, err = w.ProcessOnce(context.Background())
	if err != nil || stats != (imapmail.Stats{}) {
		t.Errorf("second round = %+v, %v", stats, err)
	}
	if n := len(folder(t, c, quarantine)); n != 2 {
		t.Errorf("quarantine has %d messages after a second round, want 2", n)
	}
}

func TestSecurity(t *testing.T) {
	for _, mode := range []string{imapmail.SecurityTLS, imapmail.SecurityStartTLS} {
		t.Run(mode, func(t *testing.T) {
			srv := newServer(t, serverOptions{security: mode})
			raw := buildMessage(t, customer, caseRef, "s-1@customer.test",
				attachment{Name: "pan.pdf", Type: "application/pdf", Data: minimalPDF()})
			// The test appends through the in-memory backend: its own
			// client speaks plain text only.
			if _, err := srv.User.Append(inbox, bytes.NewReader(raw), &imap.AppendOptions{}); err != nil {
				t.Fatal(err)
			}
			cfg := srv.config()
			cfg.Security, cfg.TLS = mode, srv.TLS
			w := imapmail.New(cfg, newIntake(known()), quietLog())
			defer w.Close()
			stats, err := w.ProcessOnce(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if want := (imapmail.Stats{Filed: 1}); stats != want {
				t.Errorf("stats = %+v, want %+v", stats, want)
			}
		})
	}

	t.Run("UntrustedCertificate", func(t *testing.T) {
		srv := newServer(t, serverOptions{security: imapmail.SecurityTLS})
		cfg := srv.config()
		cfg.Security = imapmail.SecurityTLS // system roots: the test certificate is not among them
		w := imapmail.New(cfg, newIntake(known()), quietLog())
		if _, err := w.ProcessOnce(context.Background()); err == nil {
			t.Error("connected to a server with an untrusted certificate")
		}
	})

	t.Run("PlainTextOnlyOnLoopback", func(t *testing.T) {
		w := imapmail.New(imapmail.Config{Addr: "mail.example.invalid:143", Security: imapmail.SecurityNone},
			newIntake(nil), quietLog())
		_, err := w.ProcessOnce(context.Background())
		if err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("err = %v, want a refusal to send the password in clear", err)
		}
		if err := w.Run(context.Background()); err == nil {
			t.Error("Run accepted the configuration")
		}
	})

	t.Run("WrongPassword", func(t *testing.T) {
		srv := newServer(t, serverOptions{})
		cfg := srv.config()
		cfg.Password = "wrong"
		w := imapmail.New(cfg, newIntake(nil), quietLog())
		if _, err := w.ProcessOnce(context.Background()); err == nil {
			t.Error("logged in with a wrong password")
		}
	})
}

// TestRunIdle starts the watcher, waits until it has filed what was
// there, then delivers a message: IDLE must bring it in within seconds,
// although the poll interval is an hour.
func TestRunIdle(t *testing.T) {
	srv := newServer(t, serverOptions{})
	c := srv.client(t)
	pdf := minimalPDF()
	appendMessage(t, c, inbox, buildMessage(t, customer, caseRef, "idle-0@customer.test", attachment{"a.pdf", "application/pdf", pdf}))
	intake := newIntake(known())
	intake.got = make(chan string, 10)
	cfg := srv.config()
	cfg.Poll = time.Hour
	w := imapmail.New(cfg, intake, quietLog())

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run = %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Run did not stop")
		}
	}()

	waitFor(t, intake.got, "idle-0@customer.test", 5*time.Second)
	waitUntil(t, 5*time.Second, func() bool { return len(folder(t, c, processed)) == 1 })
	time.Sleep(200 * time.Millisecond) // the watcher is idling now

	start := time.Now()
	appendMessage(t, c, inbox, buildMessage(t, customer, caseRef, "idle-1@customer.test", attachment{"b.pdf", "application/pdf", pdf}))
	waitFor(t, intake.got, "idle-1@customer.test", 2*time.Second)
	t.Logf("delivered to the intake %v after APPEND", time.Since(start).Round(time.Millisecond))
	waitUntil(t, 5*time.Second, func() bool { return len(folder(t, c, processed)) == 2 })

	// The connection drops: Run reconnects and goes on.
	srv.KillConnections()
	c = srv.client(t)
	appendMessage(t, c, inbox, buildMessage(t, customer, caseRef, "idle-2@customer.test", attachment{"c.pdf", "application/pdf", pdf}))
	waitFor(t, intake.got, "idle-2@customer.test", 10*time.Second)
	waitUntil(t, 5*time.Second, func() bool { return len(folder(t, c, processed)) == 3 })
}

func waitFor(t *testing.T, ch <-chan string, want string, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case got := <-ch:
			if got == want {
				return
			}
		case <-deadline:
			t.Fatalf("the intake did not get %s within %v", want, d)
		}
	}
}

func waitUntil(t *testing.T, d time.Duration, ok func() bool) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("condition not met within %v", d)
}

func names(files []gotFile) []string {
	var s []string
	for _, f := range files {
		s = append(s, f.Name)
	}
	return s
}

func ids(ms []stored) string {
	var s []string
	for _, m := range ms {
		s = append(s, m.MessageID)
	}
	return strings.Join(s, " ")
}
