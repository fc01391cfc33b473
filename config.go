package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"gatehouse/backend"
	"gatehouse/backend/imapmail"
	"gatehouse/backend/mailer"
	"gatehouse/backend/pdf"
	"gatehouse/backend/replica"
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
	database     string // serve only: PostgreSQL URL, or "" for SQLite
	imapAddr     string
	imapSecurity string
	imapUser     string
	imapPassword string
	imapMailbox  string
	serve        serveConfig
}

// serveConfig is what only `gatehouse serve` reads.
type serveConfig struct {
	tlsCert           string
	tlsKey            string
	trustedProxies    string
	captchaDifficulty int
	ipRate            float64
	ipBurst           int
	logFormat         string
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
	fs.StringVar(&c.database, "database", env("DATABASE", ""), "serve: PostgreSQL URL (postgres://user@host:5432/gatehouse?sslmode=verify-full) for servers that share one database; empty: a SQLite file in -data-dir. Give a password in GATEHOUSE_DATABASE or PGPASSWORD, not on the command line")
}

// serveFlags are the flags of `gatehouse serve` alone, with environment
// defaults like the others. Numbers in the environment are checked like
// flags, so a typo stops the server rather than being ignored.
func (c *serveConfig) serveFlags(fs *flag.FlagSet) error {
	fs.StringVar(&c.tlsCert, "tls-cert", env("TLS_CERT", ""), "TLS certificate file (PEM, with its chain); with -tls-key, serve HTTPS. Leave both empty behind a reverse proxy that terminates TLS")
	fs.StringVar(&c.tlsKey, "tls-key", env("TLS_KEY", ""), "TLS private key file (PEM)")
	fs.StringVar(&c.trustedProxies, "trusted-proxies", env("TRUSTED_PROXIES", ""), "comma-separated CIDRs of reverse proxies whose X-Forwarded-For names the client, e.g. 127.0.0.1/32,10.0.0.0/8")
	fs.IntVar(&c.captchaDifficulty, "captcha-difficulty", 18, "leading zero bits of the sign-up proof of work; each bit doubles the browser's work (18: about half a second); 0 turns the captcha off")
	fs.Float64Var(&c.ipRate, "ip-rate", 20, "requests a minute each client address may make, on average, to sign-up, sign-in and the methods that send email; 0 turns the limit off")
	fs.IntVar(&c.ipBurst, "ip-burst", 20, "requests a client address may make at once before -ip-rate applies")
	fs.StringVar(&c.logFormat, "log-format", env("LOG_FORMAT", "json"), "json (one object a line, for log collectors) or text")
	for _, name := range []string{"captcha-difficulty", "ip-rate", "ip-burst"} {
		key := strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		if v, ok := os.LookupEnv("GATEHOUSE_" + key); ok {
			if err := fs.Set(name, v); err != nil {
				return fmt.Errorf("GATEHOUSE_%s: %w", key, err)
			}
		}
	}
	return nil
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
	// sync is the desktop's loop with its server (nil in serve mode);
	// syncServer the server's side (nil on the desktop).
	sync       *replica.Client
	syncServer *replica.Server
	files      *vault.Vault
	log        *slog.Logger
	stopBg     context.CancelFunc // set by run
	bg         sync.WaitGroup     // what run started
}

// open wires the backend: the database, the services and the outbox.
func open(ctx context.Context, c config, desktop bool, log *slog.Logger) (*services, error) {
	if err := os.MkdirAll(c.dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	path := filepath.Join(c.dataDir, "gatehouse.db")
	if c.database != "" && !desktop {
		if !store.IsPostgres(c.database) {
			return nil, fmt.Errorf("-database: want a postgres:// URL, or nothing for a SQLite file in -data-dir")
		}
		path = c.database
	}
	db, err := store.Open(ctx, path)
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
	if !desktop && store.IsPostgres(c.database) {
		// Servers sharing a PostgreSQL database share no folder: KYC files
		// go to the database too, so any of them serves any file.
		files.Shared = db
	}
	accounts := store.NewAccountService(db, users)
	renderer, err := pdf.NewRenderer()
	if err != nil {
		db.Close()
		return nil, err
	}
	svc := &services{db: db, users: users, accounts: accounts, kyc: store.NewKYCService(db, accounts, files), files: files, outbox: out, log: log,
		reports: store.NewReportService(db, accounts, renderer, xlsx.New())}
	if desktop {
		svc.sync = &replica.Client{DB: db, Files: files, PartDir: filepath.Join(c.dataDir, "sync-parts"), Log: log}
		db.OnChange = svc.sync.Nudge
		// Without an SMTP server of its own, a connected desktop leaves
		// its emails and SMS to the server, which sends them once.
		if c.smtpAddr == "" {
			out.HandedOver = func() bool { return svc.sync.Connected(context.Background()) }
			db.OnEnqueue = func() { out.Nudge(); svc.sync.Nudge() } // a phone code leaves now, not at the next 30 s round
		}
	} else {
		svc.syncServer = &replica.Server{DB: db, Users: users, Files: files, UploadDir: filepath.Join(c.dataDir, "sync-uploads"),
			Log: log, MaxSkew: 5 * time.Minute}
		// A write on the server (the web version) wakes the desktops' long polls.
		db.OnChange = svc.syncServer.Notify
	}
	if c.imapAddr != "" {
		svc.intake = imapmail.New(imapmail.Config{Addr: c.imapAddr, Security: c.imapSecurity, Username: c.imapUser,
			Password: c.imapPassword, Mailbox: c.imapMailbox, SpoolDir: filepath.Join(c.dataDir, "vault", "tmp")}, svc.kyc, log)
	}
	return svc, nil
}

// run starts the background work both modes share: delivering the outbox
// and, when configured, taking KYC documents from the mailbox.
// close stops it again.
func (s *services) run(ctx context.Context) {
	ctx, s.stopBg = context.WithCancel(ctx)
	s.bg.Go(func() { s.outbox.Run(ctx) })
	if s.sync != nil {
		s.bg.Go(func() { s.sync.Run(ctx) })
	}
	if s.files.Shared != nil {
		// Files this server kept in its folder before its database was
		// shared reach the others; until then it serves them from its
		// folder.
		s.bg.Go(func() {
			if n, err := s.files.ShareLocal(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("copying KYC files to the database", "err", err, "copied", n)
			} else if n > 0 {
				s.log.Info("copied KYC files to the database", "files", n)
			}
		})
	}
	if s.syncServer != nil {
		// Other servers sharing a PostgreSQL database commit changes too.
		s.bg.Go(func() {
			s.db.ListenChanges(ctx, s.syncServer.Notify, func(err error) { s.log.Warn("sync notifications", "err", err) })
		})
	}
	if s.intake != nil {
		s.bg.Go(func() {
			if err := s.intake.Run(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("imap intake stopped", "err", err)
			}
		})
	}
}

// close finishes the background work and closes the database: queued jobs
// first (a password-reset request writes its email to the outbox there),
// then the outbox and the mailbox watcher, which stop between two steps, so
// none is cut off by the database closing. Unsent mail stays queued in the
// database for the next start.
func (s *services) close() {
	s.users.Flush()
	if s.stopBg != nil {
		s.stopBg()
		done := make(chan struct{})
		go func() { s.bg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			s.log.Error("background work did not stop in 15 s; closing anyway")
		}
	}
	if s.intake != nil {
		s.intake.Close()
	}
	s.users.Close()
	s.db.Close()
}
