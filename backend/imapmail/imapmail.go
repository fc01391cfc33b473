// Package imapmail files KYC documents that customers email to a mailbox.
//
// A Watcher logs in to an IMAP mailbox, takes each message's attachments
// to backend.KYCIntake, then flags the message and moves it out of the
// way: to the processed folder when it was filed, to the quarantine
// folder with the reason when it cannot be (unknown sender, no
// attachment, too large, wrong type).
//
// Nothing is lost and nothing is taken twice, even when Gatehouse stops
// half way:
//   - messages are fetched with BODY.PEEK[], so reading sets no flag;
//   - a message is flagged and moved only after the intake answered, so a
//     crash before the move leaves it in the mailbox and the next round
//     offers it again, with the same Message-ID: the intake files a
//     Message-ID once and answers a repeat with the case it already went
//     to (that is KYCIntake's contract, see FileEmailed);
//   - a message whose intake failed with anything but a
//     *backend.IntakeError (the database is down) stays where it is and is
//     offered again next round;
//   - moving uses UID MOVE, or UID COPY, then \Deleted, then UID EXPUNGE
//     of those UIDs only once the copy succeeded.
//
// Why a message was quarantined is recorded three ways: a log line; the
// keywords $GatehouseQuarantined and $Reason_<reason> on the message,
// set before the move (servers keep a message's flags when they move or
// copy it; a reviewer can search the folder by keyword); and, on servers
// that take no keywords (PERMANENTFLAGS without \* nor our keywords, as
// Exchange), a short note message appended to the quarantine folder,
// threaded under the message by In-Reply-To, carrying the reason in its
// subject, its body and an X-Gatehouse-Reason header. The note is written
// after the move, so a crash can lose a note but never duplicate a
// message; the log line remains.
//
// A reviewer who fixes the cause (registers the sender) moves the message
// back to the watched mailbox: it is offered again, and its old keywords
// are taken off when it is filed.
package imapmail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"time"

	"gatehouse/backend"
)

// Security modes of the IMAP connection.
const (
	SecurityTLS      = "tls"      // implicit TLS, port 993 (the default)
	SecurityStartTLS = "starttls" // STARTTLS on port 143
	SecurityNone     = "none"     // plain text: loopback only, for tests
)

// Keywords set on handled messages. Most servers keep keywords across a
// move; where a server takes no keywords (its PERMANENTFLAGS lack \*), a
// quarantined message gets a note beside it instead (see the package doc).
const (
	KeywordFiled       = "$GatehouseFiled"
	KeywordQuarantined = "$GatehouseQuarantined"
	KeywordReason      = "$Reason_" // + the reason: $Reason_unknown_sender
)

// Config says which mailbox to watch and how to reach it.
type Config struct {
	Addr             string // host:port
	Security         string // "tls" (default), "starttls", or "none" (loopback only)
	Username         string
	Password         string
	Mailbox          string        // watched; default INBOX
	ProcessedFolder  string        // default "Gatehouse/Processed"; "/" becomes the server's delimiter
	QuarantineFolder string        // default "Gatehouse/Quarantine"
	Poll             time.Duration // how often to look without IDLE, and to retry deferred messages with it; default 60 s
	TLS              *tls.Config   // nil: the system roots, ServerName from Addr
	// MaxMessageSize is the largest message taken (RFC822.SIZE); a bigger
	// one is quarantined as too_large without being downloaded. Default
	// 40 MiB: four 10 MiB files, base64-encoded.
	MaxMessageSize int64
	// MaxFileSize is the largest attachment passed to the intake; a bigger
	// one sends the message to quarantine (too_large) before the intake
	// reads it. Default backend.MaxKYCFileSize. The intake checks again.
	MaxFileSize int64
	// SpoolDir holds messages over 1 MiB between their download and their
	// filing (unlinked at once where the OS allows). Default os.TempDir().
	SpoolDir string
}

func (c Config) withDefaults() Config {
	if c.Security == "" {
		c.Security = SecurityTLS
	}
	if c.Mailbox == "" {
		c.Mailbox = "INBOX"
	}
	if c.ProcessedFolder == "" {
		c.ProcessedFolder = "Gatehouse/Processed"
	}
	if c.QuarantineFolder == "" {
		c.QuarantineFolder = "Gatehouse/Quarantine"
	}
	if c.Poll <= 0 {
		c.Poll = 60 * time.Second
	}
	if c.MaxMessageSize <= 0 {
		c.MaxMessageSize = 4 * backend.MaxKYCFileSize
	}
	if c.MaxFileSize <= 0 {
		c.MaxFileSize = backend.MaxKYCFileSize
	}
	return c
}

func (c Config) validate() error {
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return fmt.Errorf("imapmail: address %q: %w", c.Addr, err)
	}
	switch c.Security {
	case SecurityTLS, SecurityStartTLS:
	case SecurityNone:
		// The password would cross the network in clear text.
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return fmt.Errorf("imapmail: security %q is for loopback addresses only, not %q", c.Security, host)
		}
	default:
		return fmt.Errorf("imapmail: unknown security %q (tls, starttls or none)", c.Security)
	}
	mb := strings.ToUpper(c.Mailbox)
	if strings.ToUpper(c.ProcessedFolder) == mb || strings.ToUpper(c.QuarantineFolder) == mb {
		return errors.New("imapmail: the processed and quarantine folders must differ from the watched mailbox")
	}
	return nil
}

// Stats counts what one round did.
type Stats struct {
	Filed       int // filed by the intake and moved to the processed folder
	Quarantined int // moved to the quarantine folder
	Deferred    int // left in the mailbox: the intake failed with an error worth retrying
}

// Watcher watches one mailbox. Run it, or call ProcessOnce; not both at
// once (a ProcessOnce during Run waits for Run's wait to end, which it
// asks for).
type Watcher struct {
	cfg    Config
	cfgErr error
	intake backend.KYCIntake
	log    *slog.Logger

	mu   sync.Mutex // holds the connection
	sess *session

	wake chan struct{} // the server said the mailbox grew
	kick chan struct{} // ProcessOnce wants the connection
}

// New returns a watcher of the mailbox cfg describes, filing through intake.
// A bad cfg is reported by Run and ProcessOnce.
func New(cfg Config, intake backend.KYCIntake, log *slog.Logger) *Watcher {
	if log == nil {
		log = slog.Default()
	}
	cfg = cfg.withDefaults()
	return &Watcher{cfg: cfg, cfgErr: cfg.validate(), intake: intake, log: log,
		wake: make(chan struct{}, 1), kick: make(chan struct{}, 1)}
}

// Run watches the mailbox until ctx ends: it connects, creates the two
// folders if they are missing, files what is there, then waits for mail
// with IDLE when the server has it, polling otherwise. Lost connections
// are re-established with backoff. It returns nil when ctx ends, and an
// error only for a Config that can never work.
func (w *Watcher) Run(ctx context.Context) error {
	if w.cfgErr != nil {
		return w.cfgErr
	}
	defer w.Close()
	failures := 0
	for {
		err := w.round(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err == nil {
			failures = 0
			continue
		}
		failures++
		d := backoff(failures)
		w.log.Warn("imapmail: mailbox unavailable", "addr", w.cfg.Addr, "mailbox", w.cfg.Mailbox, "err", err, "retryIn", d)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// backoff is 1 s doubled per failure in a row, at most 5 min, with jitter
// so that several servers do not hammer a recovering mail server at once.
func backoff(failures int) time.Duration {
	d := time.Second
	for i := 1; i < failures && d < 5*time.Minute; i++ {
		d *= 2
	}
	d = min(d, 5*time.Minute)
	return d/2 + rand.N(d/2+1)
}

// round files what is in the mailbox, then waits for more.
func (w *Watcher) round(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.processLocked(ctx); err != nil {
		return err
	}
	return w.waitLocked(ctx)
}

// ProcessOnce handles every message now in the mailbox, connecting first
// if need be, and leaves the connection open for the next call (Close
// ends it). Errors are those of the connection; a message the intake
// could not take for now counts as Deferred, not as an error.
func (w *Watcher) ProcessOnce(ctx context.Context) (Stats, error) {
	if w.cfgErr != nil {
		return Stats{}, w.cfgErr
	}
	select {
	case w.kick <- struct{}{}:
	default:
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.processLocked(ctx)
}

// Close logs out. Run closes its connection itself when it returns.
func (w *Watcher) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sess == nil {
		return nil
	}
	err := w.sess.logout()
	w.sess = nil
	return err
}

func (w *Watcher) processLocked(ctx context.Context) (Stats, error) {
	if err := ctx.Err(); err != nil {
		return Stats{}, err
	}
	if w.sess == nil {
		s, err := w.connect(ctx)
		if err != nil {
			return Stats{}, err
		}
		w.sess = s
	}
	// IMAP commands take no context: ending ctx closes the connection,
	// which fails whatever command is waiting. Nothing is lost by it: a
	// message is only moved after it was filed.
	c := w.sess.c
	stop := context.AfterFunc(ctx, func() { c.Close() })
	stats, err := w.process(ctx, w.sess)
	stop()
	if err != nil {
		w.sess.c.Close()
		w.sess = nil
		if ctx.Err() != nil {
			err = ctx.Err()
		}
	}
	if stats != (Stats{}) {
		w.log.Info("imapmail: round", "mailbox", w.cfg.Mailbox, "filed", stats.Filed,
			"quarantined", stats.Quarantined, "deferred", stats.Deferred)
	}
	return stats, err
}

// waitLocked waits for new mail: IDLE when the server has it, a plain
// wait otherwise. Either way it returns after Poll, so that deferred
// messages are retried while no new mail comes.
func (w *Watcher) waitLocked(ctx context.Context) error {
	s := w.sess
	t := time.NewTimer(w.cfg.Poll)
	defer t.Stop()
	select {
	case <-w.wake: // mail came while we were busy
		return nil
	default:
	}
	if !s.idle {
		select {
		case <-ctx.Done():
		case <-t.C:
		case <-w.wake:
		case <-w.kick:
		}
		return nil
	}
	idle, err := s.c.Idle()
	if err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	var werr error
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-w.wake:
	case <-w.kick:
	case <-s.c.Closed():
		werr = errors.New("idle: connection closed")
	}
	if err := idle.Close(); err != nil && werr == nil {
		werr = fmt.Errorf("idle: %w", err)
	}
	if err := idle.Wait(); err != nil && werr == nil {
		werr = fmt.Errorf("idle: %w", err)
	}
	if werr != nil {
		s.c.Close()
		w.sess = nil
	}
	return werr
}

func (w *Watcher) signalWake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}
