// Gatehouse: the desktop app (default) and the sync/web server (`serve`).
// main.go parses flags and wires; app.go is what the desktop UI calls.
package main

import (
	"context"
	"embed"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
)

//go:embed all:frontend/dist
var assets embed.FS

// version is stamped at build time (-ldflags "-X main.version=...").
var version = "dev"

// processStart is when the process began, for the cold-start figure.
var processStart = time.Now()

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	args := os.Args[1:]
	var err error
	switch {
	case len(args) > 0 && args[0] == "serve":
		err = serve(args[1:], log)
	case len(args) > 0 && (args[0] == "--version" || args[0] == "-version" || args[0] == "version"):
		fmt.Println("gatehouse", version)
	default:
		err = runDesktop(args, log)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gatehouse:", err)
		os.Exit(1)
	}
}

// runDesktop opens the desktop window. A gatehouse:// URL among the
// arguments (the desktop entry passes one) is opened once the UI is up.
func runDesktop(args []string, log *slog.Logger) error {
	var c config
	fs := flag.NewFlagSet("gatehouse", flag.ExitOnError)
	c.flags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	svc, err := open(context.Background(), c, true, log)
	if err != nil {
		return err
	}
	defer svc.close()
	app := NewApp(svc, c.dataDir, log)
	app.pendingLink = deepLinkPath(fs.Args())

	return wails.Run(&options.App{
		Title:     "Gatehouse",
		Width:     1180,
		Height:    800,
		MinWidth:  1024,
		MinHeight: 700,
		// Requests that are not bundled assets (KYC file previews) go to
		// the app, which serves them for the signed-in user.
		AssetServer:      &assetserver.Options{Assets: assets, Handler: app.fileHandler()},
		BackgroundColour: &options.RGBA{R: 248, G: 249, B: 250, A: 1},
		OnStartup:        app.startup,
		OnShutdown:       app.shutdown,
		Bind:             []any{app},
		ErrorFormatter:   app.formatError,
		SingleInstanceLock: &options.SingleInstanceLock{
			UniqueId:               "io.gatehouse.desktop",
			OnSecondInstanceLaunch: app.onSecondInstance,
		},
		Linux: &linux.Options{ProgramName: "gatehouse"},
	})
}
