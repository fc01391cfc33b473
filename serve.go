package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"gatehouse/backend/captcha"
	"gatehouse/backend/httpapi"
	"gatehouse/backend/store"
)

// serve runs `gatehouse serve`: the HTTP API and the web frontend, headless.
// It serves HTTPS itself with -tls-cert and -tls-key, or plain HTTP behind
// a reverse proxy (-trusted-proxies), and stops gracefully on SIGINT or
// SIGTERM: requests in flight finish, then the background work.
func serve(args []string, log *slog.Logger) error {
	var c config
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	c.flags(fs)
	if err := c.serve.serveFlags(fs); err != nil {
		return err
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	sc := c.serve
	switch sc.logFormat {
	case "json":
		log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	case "text":
	default:
		return fmt.Errorf("-log-format %q: want json or text", sc.logFormat)
	}
	if (sc.tlsCert == "") != (sc.tlsKey == "") {
		return errors.New("-tls-cert and -tls-key go together")
	}
	tls := sc.tlsCert != ""
	if !isFlagSet(fs, "link-base") && os.Getenv("GATEHOUSE_LINK_BASE") == "" {
		scheme := "http"
		if tls {
			scheme = "https"
		}
		c.linkBase = scheme + "://" + c.addr + "/#"
	}
	proxies, err := httpapi.ParseTrustedProxies(sc.trustedProxies)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	svc, err := open(ctx, c, false, log)
	if err != nil {
		return err
	}
	defer svc.close()
	// Background work gets its own context: it must outlive the signal
	// until the last request has been answered.
	svc.run(context.Background())

	api := &httpapi.Server{Users: svc.users, Accounts: svc.accounts, KYC: svc.kyc, Reports: svc.reports, Frontend: frontendFS(), Log: log,
		// Behind a proxy that terminates TLS the links say https.
		SecureCookies:  tls || strings.HasPrefix(c.linkBase, "https://"),
		TrustedProxies: proxies,
		Ready:          svc.db.Ready,
	}
	if sc.captchaDifficulty > 0 {
		key, err := svc.db.CaptchaKey(ctx)
		if err != nil {
			return err
		}
		if api.Captcha, err = captcha.New(key, sc.captchaDifficulty, svc.db); err != nil {
			return err
		}
	}
	if sc.ipRate > 0 {
		// 100,000 addresses: about 20 MB at most.
		api.Limiter = httpapi.NewIPLimiter(sc.ipRate, sc.ipBurst, 100_000)
		if store.IsPostgres(c.database) {
			// Several servers may share this database: a client's rate
			// holds across them.
			api.Limiter.Shared = svc.db
		}
	}
	api.Sync = svc.syncServer.Handler()
	api.SyncAdmin = svc.db

	srv := &http.Server{Addr: c.addr, Handler: api.Handler(), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	srv.RegisterOnShutdown(svc.syncServer.Stop)
	errc := make(chan error, 1)
	go func() {
		if tls {
			errc <- srv.ListenAndServeTLS(sc.tlsCert, sc.tlsKey)
		} else {
			errc <- srv.ListenAndServe()
		}
	}()
	engine := "sqlite"
	if svc.db.Postgres() {
		engine = "postgres" // not the URL: it may hold a password
	}
	log.Info("serving", "addr", c.addr, "tls", tls, "data", c.dataDir, "database", engine, "version", version,
		"captcha_difficulty", sc.captchaDifficulty, "ip_rate", sc.ipRate, "trusted_proxies", sc.trustedProxies)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func isFlagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func frontendFS() fs.FS {
	sub, err := fs.Sub(assets, "frontend/dist")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder
	}
	return sub
}
