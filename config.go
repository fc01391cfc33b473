package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"

	"gatehouse/backend"
	"gatehouse/backend/imapmail"
	"gatehouse/backend/mailer"
	"gatehouse/backend/pdf"
	"gatehouse/backend/sms"
	"gatehouse/backend/store"
	"gatehouse/backend/vault"
	"gatehouse/backend/xlsx"
)

// config is what both modes read from flags, with environment defaults
// (GATEHOUSE_<FLAG NAME>), so a desktop shortcut needs no arguments.
type config struct {
	dataDir      string
	linkBase     string
	region       string
	smtpAddr     string
	smtpSecurity string
	smtpUser     string
	smtpPassword string
	mailFrom     string
	smsURL       string
	smsToken     string
	smsFile      string
	addr         string // serve only
	imapAddr     string
	imapSecurity string
	imapUser     string
	imapPassword string
	imapMailbox  string
}

func env(name, def string) string {
	if v, ok := os.LookupEnv("GATEHOUSE_" + name); ok {
		return v
	}
	return def
}

func (c *config) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.dataDir, "data-dir", env("DATA_DIR", defaultDataDir()), "folder of the database, mail drop and SMS outbox")
	fs.StringVar(&c.linkBase, "link-base", env("LINK_BASE", "gatehouse:/"), "prefix of links in emails: gatehouse:/ for the desktop, https://host/# for the web")
	fs.StringVar(&c.region, "region", env("REGION", "RU"), "country (ISO 3166) for phone numbers typed without a country code")
	fs.StringVar(&c.smtpAddr, "smtp-addr", env("SMTP_ADDR", ""), "SMTP server host:port; empty writes emails to <data-dir>/mail as .eml files")
	fs.StringVar(&c.smtpSecurity, "smtp-security", env("SMTP_SECURITY", "starttls"), "none, starttls or tls")
	fs.StringVar(&c.smtpUser, "smtp-user", env("SMTP_USER", ""), "SMTP user name")
	c.smtpPassword = env("SMTP_PASSWORD", "") // never a flag: flags show in the process list
	fs.StringVar(&c.mailFrom, "mail-from", env("MAIL_FROM", "no-reply@gatehouse.local"), "sender address of emails")
	fs.StringVar(&c.smsURL, "sms-url", env("SMS_URL", ""), "HTTP SMS gateway URL; empty writes SMS to -sms-file")
	c.smsToken = env("SMS_TOKEN", "")
	fs.StringVar(&c.smsFile, "sms-file", env("SMS_FILE", ""), "file that receives SMS as JSON lines (default <data-dir>/sms-outbox.jsonl)")
	fs.StringVar(&c.imapAddr, "imap-addr", env("IMAP_ADDR", ""), "IMAP server host:port of the mailbox that receives KYC documents; empty: no intake")
	fs.StringVar(&c.imapSecurity, "imap-security", env("IMAP_SECURITY", "tls"), "tls, starttls, or none (loopback only)")
	fs.StringVar(&c.imapUser, "imap-user", env("IMAP_USER", ""), "IMAP user name")
	c.imapPassword = env("IMAP_PASSWORD", "") // never a flag
	fs.StringVar(&c.imapMailbox, "imap-mailbox", env("IMAP_MAILBOX", "INBOX"), "mailbox to watch")
	fs.StringVar(&c.addr, "addr", env("ADDR", "127.0.0.1:8080"), "serve: address to listen on")
}

// defaultDataDir is the per-user application data folder.
func defaultDataDir() string {
	if runtime.GOOS == "linux" {
		if x := os.Getenv("XDG_DATA_HOME"); x != "" {
			return filepath.Join(x, "gatehouse")
		}
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, ".local", "share", "gatehouse")
		}
	}
	if dir, err := os.UserConfigDir(); err == nil {
		return filepath.Join(dir, "Gatehouse")
	}
	return "gatehouse-data"
}

// services are the backend parts both modes share.
type services struct {
	db       *store.DB
	users    *store.UserService
	accounts *store.AccountService
	kyc      *store.KYCService
	intake   *imapmail.Watcher // nil without -imap-addr
	reports  *store.ReportService
	outbox   *backend.Outbox
	log      *slog.Logger
}

// open wires the backend: the database, the services and the outbox.
func open(ctx context.Context, c config, desktop bool, log *slog.Logger) (*services, error) {
	if err := os.MkdirAll(c.dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	db, err := store.Open(ctx, filepath.Join(c.dataDir, "gatehouse.db"))
	if err != nil {
		return nil, err
	}
	var email backend.Deliverer = &mailer.Dir{Path: filepath.Join(c.dataDir, "mail"), From: c.mailFrom}
	if c.smtpAddr != "" {
		email = &mailer.SMTP{Addr: c.smtpAddr, Security: mailer.Security(c.smtpSecurity), Username: c.smtpUser,
			Password: c.smtpPassword, From: c.mailFrom, FromName: "Gatehouse"}
	}
	var text backend.Deliverer
	if c.smsURL != "" {
		text = &sms.HTTP{URL: c.smsURL, Token: c.smsToken}
	} else {
		path := c.smsFile
		if path == "" {
			path = filepath.Join(c.dataDir, "sms-outbox.jsonl")
		}
		text = &sms.File{Path: path}
	}
	out := backend.NewOutbox(db, map[string]backend.Deliverer{
		backend.ChannelEmail: email, backend.ChannelSMS: text, backend.ChannelVoice: text}, log)
	db.OnEnqueue = out.Nudge
	users := store.NewUserService(db, backend.NewHasher(backend.DefaultArgon2, 0), store.UserOptions{
		LinkBase: c.linkBase, DefaultRegion: c.region, Desktop: desktop, Version: version, Log: log})
	files, err := vault.Open(filepath.Join(c.dataDir, "vault"))
	if err != nil {
		db.Close()
		return nil, err
	}
	accounts := store.NewAccountService(db, users)
	renderer, err := pdf.NewRenderer()
	if err != nil {
		db.Close()
		return nil, err
	}
	svc := &services{db: db, users: users, accounts: accounts, kyc: store.NewKYCService(db, accounts, files), outbox: out, log: log,
		reports: store.NewReportService(db, accounts, renderer, xlsx.New())}
	if c.imapAddr != "" {
		svc.intake = imapmail.New(imapmail.Config{Addr: c.imapAddr, Security: c.imapSecurity, Username: c.imapUser,
			Password: c.imapPassword, Mailbox: c.imapMailbox, SpoolDir: filepath.Join(c.dataDir, "vault", "tmp")}, svc.kyc, log)
	}
	return svc, nil
}

// run starts the background work both modes share: delivering the outbox
// and, when configured, taking KYC documents from the mailbox.
func (s *services) run(ctx context.Context) {
	go s.outbox.Run(ctx)
	if s.intake != nil {
		go func() {
			if err := s.intake.Run(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("imap intake stopped", "err", err)
			}
		}()
	}
}

func (s *services) close() {
	if s.intake != nil {
		s.intake.Close()
	}
	s.users.Close()
	s.db.Close()
}
