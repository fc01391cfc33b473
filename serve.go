package main

import (
	"context"
	"errors"
	"flag"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"gatehouse/backend/httpapi"
)

// serve runs `gatehouse serve`: the HTTP API and the web frontend, headless.
func serve(args []string, log *slog.Logger) error {
	var c config
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	c.flags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !isFlagSet(fs, "link-base") && os.Getenv("GATEHOUSE_LINK_BASE") == "" {
		c.linkBase = "http://" + c.addr + "/#"
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	svc, err := open(ctx, c, false, log)
	if err != nil {
		return err
	}
	defer svc.close()
	svc.run(ctx)

	srv := &http.Server{Addr: c.addr, Handler: (&httpapi.Server{Users: svc.users, Accounts: svc.accounts, KYC: svc.kyc, Reports: svc.reports, Frontend: frontendFS(), Log: log}).Handler(),
		ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("serving", "addr", c.addr, "data", c.dataDir)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
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
