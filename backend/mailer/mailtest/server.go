// Package mailtest runs a real SMTP server on 127.0.0.1 for tests: it
// accepts every message and keeps it, parsed, for the test to read.
package mailtest

import (
	"io"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-smtp"
)

// Received is one message the server accepted.
type Received struct {
	From      string
	To        []string
	Subject   string
	MessageID string
	Body      string
	Raw       string
}

// Server is an SMTP server listening on a loopback port.
type Server struct {
	Addr string
	srv  *smtp.Server
	mu   sync.Mutex
	msgs []Received
	// fail makes the server refuse messages with a temporary error (451)
	// while true, to test retries.
	fail bool
}

// Start starts a server and stops it when the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("mailtest: listen: %v", err)
	}
	s.Addr = l.Addr().String()
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	s.srv.Domain = "localhost"
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	go s.srv.Serve(l)
	tb.Cleanup(func() { s.srv.Close() })
	return s
}

// Messages returns what was received so far.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

// WaitFor waits for the n-th (from 1) message to rcpt and returns it.
func (s *Server) WaitFor(tb testing.TB, rcpt string, n int, timeout time.Duration) Received {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		var seen int
		for _, m := range s.Messages() {
			for _, to := range m.To {
				if strings.EqualFold(to, rcpt) {
					if seen++; seen == n {
						return m
					}
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	tb.Fatalf("mailtest: no message #%d to %s within %v (have %d messages)", n, rcpt, timeout, len(s.Messages()))
	return Received{}
}

var (
	linkRE = regexp.MustCompile(`[a-z][a-z0-9+.-]*://[^\s]+`)
	codeRE = regexp.MustCompile(`\b(\d{6})\b`)
)

// Link returns the first URL in the body.
func (m Received) Link() string { return linkRE.FindString(m.Body) }

// Code returns the first 6-digit code in the body.
func (m Received) Code() string {
	if sm := codeRE.FindStringSubmatch(m.Body); sm != nil {
		return sm[1]
	}
	return ""
}

type session struct {
	s    *Server
	from string
	to   []string
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }
func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}
func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	fail := ss.s.fail
	ss.s.mu.Unlock()
	if fail {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	rec := Received{From: ss.from, To: ss.to, Raw: string(raw)}
	mr, err := mail.CreateReader(strings.NewReader(string(raw)))
	if err != nil {
		return err
	}
	rec.Subject, _ = mr.Header.Subject()
	rec.MessageID, _ = mr.Header.MessageID()
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		if _, ok := p.Header.(*mail.InlineHeader); ok {
			b, _ := io.ReadAll(p.Body)
			rec.Body += string(b)
		}
	}
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, rec)
	ss.s.mu.Unlock()
	return nil
}

// SetFail switches temporary failures on or off.
func (s *Server) SetFail(v bool) {
	s.mu.Lock()
	s.fail = v
	s.mu.Unlock()
}
