package imapmail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
)

// session is one logged-in connection with the watched mailbox selected.
type session struct {
	c          *imapclient.Client
	caps       imap.CapSet
	idle       bool // IDLE advertised
	move       bool // MOVE advertised
	uidplus    bool // UID EXPUNGE possible
	perm       []imap.Flag
	processed  string // folder names with the server's delimiter
	quarantine string
}

const dialTimeout = 30 * time.Second

func (w *Watcher) connect(ctx context.Context) (*session, error) {
	host, _, _ := net.SplitHostPort(w.cfg.Addr)
	d := net.Dialer{Timeout: dialTimeout}
	conn, err := d.DialContext(ctx, "tcp", w.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("imapmail: dial: %w", err)
	}
	opts := &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(data *imapclient.UnilateralDataMailbox) {
				if data.NumMessages != nil {
					w.signalWake()
				}
			},
		},
	}
	tlsConfig := &tls.Config{}
	if w.cfg.TLS != nil {
		tlsConfig = w.cfg.TLS.Clone()
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = host
	}
	if tlsConfig.MinVersion == 0 {
		tlsConfig.MinVersion = tls.VersionTLS12
	}
	opts.TLSConfig = tlsConfig

	var c *imapclient.Client
	switch w.cfg.Security {
	case SecurityTLS:
		tlsConfig.NextProtos = []string{"imap"}
		tc := tls.Client(conn, tlsConfig)
		hctx, cancel := context.WithTimeout(ctx, dialTimeout)
		err = tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("imapmail: tls: %w", err)
		}
		c = imapclient.New(tc, opts)
	case SecurityStartTLS:
		if c, err = imapclient.NewStartTLS(conn, opts); err != nil {
			return nil, fmt.Errorf("imapmail: starttls: %w", err)
		}
	default:
		c = imapclient.New(conn, opts)
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	s, err := w.open(c)
	if err != nil {
		c.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("imapmail: %w", err)
	}
	return s, nil
}

// open logs in, makes the folders and selects the mailbox.
func (w *Watcher) open(c *imapclient.Client) (*session, error) {
	if err := c.WaitGreeting(); err != nil {
		return nil, fmt.Errorf("greeting: %w", err)
	}
	if c.Caps().Has(imap.CapLoginDisabled) {
		if err := c.Authenticate(sasl.NewPlainClient("", w.cfg.Username, w.cfg.Password)); err != nil {
			return nil, fmt.Errorf("authenticate: %w", err)
		}
	} else if err := c.Login(w.cfg.Username, w.cfg.Password).Wait(); err != nil {
		return nil, fmt.Errorf("login: %w", err)
	}
	caps := c.Caps() // they change after login
	s := &session{c: c, caps: caps, idle: caps.Has(imap.CapIdle), move: caps.Has(imap.CapMove),
		uidplus: caps.Has(imap.CapUIDPlus)}

	delim := '/'
	if l, err := c.List("", "", nil).Collect(); err == nil && len(l) > 0 && l[0].Delim != 0 {
		delim = l[0].Delim
	}
	s.processed = strings.ReplaceAll(w.cfg.ProcessedFolder, "/", string(delim))
	s.quarantine = strings.ReplaceAll(w.cfg.QuarantineFolder, "/", string(delim))
	for _, f := range []string{s.processed, s.quarantine} {
		if err := ensureFolder(c, f, delim); err != nil {
			return nil, err
		}
	}
	data, err := c.Select(w.cfg.Mailbox, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("select %s: %w", w.cfg.Mailbox, err)
	}
	s.perm = data.PermanentFlags
	return s, nil
}

// ensureFolder creates a folder (and its parents, for servers that do not)
// unless it exists, and subscribes to it so that mail clients show it.
func ensureFolder(c *imapclient.Client, name string, delim rune) error {
	l, err := c.List("", name, nil).Collect()
	if err != nil {
		return fmt.Errorf("list %s: %w", name, err)
	}
	for _, d := range l {
		if d.Mailbox == name {
			return nil
		}
	}
	err = c.Create(name, nil).Wait()
	if err != nil && !isCode(err, imap.ResponseCodeAlreadyExists) {
		parts := strings.Split(name, string(delim))
		for i := 1; i < len(parts); i++ {
			c.Create(strings.Join(parts[:i], string(delim)), nil).Wait() // may exist
		}
		if err = c.Create(name, nil).Wait(); err != nil && !isCode(err, imap.ResponseCodeAlreadyExists) {
			return fmt.Errorf("create %s: %w", name, err)
		}
	}
	c.Subscribe(name).Wait() // nice to have
	return nil
}

func isCode(err error, code imap.ResponseCode) bool {
	var ie *imap.Error
	return errors.As(err, &ie) && ie.Code == code
}

func (s *session) logout() error {
	err := s.c.Logout().Wait()
	if cerr := s.c.Close(); err == nil && cerr != nil && !errors.Is(cerr, net.ErrClosed) {
		err = cerr
	}
	return err
}

// canKeep says whether the server keeps a flag: RFC 3501 says a missing
// PERMANENTFLAGS means every flag can be kept.
func (s *session) canKeep(f imap.Flag) bool {
	if len(s.perm) == 0 {
		return true
	}
	for _, p := range s.perm {
		if p == imap.FlagWildcard || strings.EqualFold(string(p), string(f)) {
			return true
		}
	}
	return false
}

// moveUIDs moves messages to a folder: UID MOVE when the server has MOVE,
// else UID COPY, and only once the copy succeeded, \Deleted and UID
// EXPUNGE of the same UIDs (plain EXPUNGE without UIDPLUS). The
// library's own fallback pipelines the three commands, which would delete
// messages whose copy failed.
func (s *session) moveUIDs(set imap.UIDSet, dest string) error {
	if len(set) == 0 {
		return nil
	}
	if s.move {
		if _, err := s.c.Move(set, dest).Wait(); err != nil {
			return fmt.Errorf("move to %s: %w", dest, err)
		}
		return nil
	}
	if _, err := s.c.Copy(set, dest).Wait(); err != nil {
		return fmt.Errorf("copy to %s: %w", dest, err)
	}
	return s.expunge(set)
}

// expunge removes messages already copied elsewhere.
func (s *session) expunge(set imap.UIDSet) error {
	if err := s.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true,
		Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		return fmt.Errorf("flag deleted: %w", err)
	}
	var err error
	if s.uidplus {
		err = s.c.UIDExpunge(set).Close()
	} else {
		err = s.c.Expunge().Close()
	}
	if err != nil {
		return fmt.Errorf("expunge: %w", err)
	}
	return nil
}
