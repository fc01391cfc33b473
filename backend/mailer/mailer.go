// Package mailer delivers outbox emails: over SMTP, or into a folder of
// .eml files when no SMTP server is configured (a fresh desktop install).
package mailer

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"gatehouse/backend"
)

// Security is how the SMTP connection is protected.
type Security string

const (
	SecurityNone     Security = "none"     // plain text: loopback relays and tests only
	SecurityStartTLS Security = "starttls" // upgrade on port 587
	SecurityTLS      Security = "tls"      // implicit TLS on port 465
)

// SMTP delivers email through an SMTP server.
type SMTP struct {
	Addr     string // host:port
	Security Security
	Username string
	Password string
	From     string // the sender address
	FromName string
	TLS      *tls.Config
	Timeout  time.Duration
}

var _ backend.Deliverer = (*SMTP)(nil)

// Compose writes m as an RFC 5322 message. Its Message-ID comes from the
// outbox id, so a message retried after a crash is recognisably the same one.
func Compose(w io.Writer, from, fromName string, m backend.Message) error {
	var h mail.Header
	h.SetDate(m.CreatedAt)
	h.SetAddressList("From", []*mail.Address{{Name: fromName, Address: from}})
	h.SetAddressList("To", []*mail.Address{{Address: m.To}})
	h.SetSubject(m.Subject)
	h.SetMessageID(m.ID + "@gatehouse")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Auto-Submitted", "auto-generated")
	bw, err := mail.CreateSingleInlineWriter(w, h)
	if err != nil {
		return fmt.Errorf("compose: %w", err)
	}
	if _, err := io.WriteString(bw, m.Body); err != nil {
		return fmt.Errorf("compose: %w", err)
	}
	return bw.Close()
}

// Deliver sends one email.
func (s *SMTP) Deliver(ctx context.Context, m backend.Message) error {
	var buf bytes.Buffer
	if err := Compose(&buf, s.From, s.FromName, m); err != nil {
		return &backend.PermanentError{Err: err}
	}
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("smtp dial %s: %w", s.Addr, err)
	}
	conn.SetDeadline(time.Now().Add(timeout))
	host, _, _ := net.SplitHostPort(s.Addr)
	tlsConf := s.TLS
	if tlsConf == nil {
		tlsConf = &tls.Config{ServerName: host}
	}
	var c *smtp.Client
	switch s.Security {
	case SecurityTLS:
		c = smtp.NewClient(tls.Client(conn, tlsConf))
	case SecurityStartTLS:
		if c, err = smtp.NewClientStartTLS(conn, tlsConf); err != nil {
			conn.Close()
			return fmt.Errorf("smtp starttls: %w", err)
		}
	default:
		c = smtp.NewClient(conn)
	}
	defer c.Close()
	if s.Username != "" {
		if err := c.Auth(sasl.NewPlainClient("", s.Username, s.Password)); err != nil {
			return fmt.Errorf("smtp auth: %w", classify(err))
		}
	}
	if err := c.SendMail(s.From, []string{m.To}, &buf); err != nil {
		return fmt.Errorf("smtp send: %w", classify(err))
	}
	return c.Quit()
}

// classify marks 5xx replies (the server refuses for good) as permanent.
func classify(err error) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) && se.Code >= 500 {
		return &backend.PermanentError{Err: err}
	}
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return &backend.PermanentError{Err: err}
	}
	return err
}

// Dir "delivers" emails as .eml files in a folder, for an installation that
// has no SMTP server yet: the user can open them in any mail program.
type Dir struct {
	Path string
	From string
}

var _ backend.Deliverer = (*Dir)(nil)

// Deliver writes the message atomically as <id>.eml.
func (d *Dir) Deliver(ctx context.Context, m backend.Message) error {
	if err := os.MkdirAll(d.Path, 0o700); err != nil {
		return fmt.Errorf("mail dir: %w", err)
	}
	var buf bytes.Buffer
	if err := Compose(&buf, d.From, "Gatehouse", m); err != nil {
		return &backend.PermanentError{Err: err}
	}
	tmp := filepath.Join(d.Path, "."+m.ID+".tmp")
	if err := os.WriteFile(tmp, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("mail dir: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(d.Path, m.ID+".eml")); err != nil {
		return fmt.Errorf("mail dir: %w", err)
	}
	return nil
}
