# Shared helpers for the scripts in this folder. Source it; do not run it.
# shellcheck shell=bash

# The pinned Wails CLI must match the github.com/wailsapp/wails/v2
# requirement in go.mod (see /work/shared/WAILS.md: @latest does not build
# with Go 1.26).
WAILS_VERSION=v2.16.0

# What a fresh Debian 12 machine lacks to build, show and test the desktop app.
APT_PACKAGES=(
  libgtk-3-dev libwebkit2gtk-4.1-dev pkg-config # Wails on Linux (WebKitGTK 4.1, tag webkit2_41)
  xvfb xauth                                    # a display on a headless machine
  imagemagick                                   # screenshots (import) and their checks (convert)
  chromium                                      # the browser the end-to-end tests drive
  poppler-utils                                 # pdftotext/pdftoppm, to read exported PDFs
  fonts-noto-core                               # glyphs for Latin and Cyrillic in screenshots
)

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
warn() { printf '\033[1;33mwarning:\033[0m %s\n' "$*" >&2; }
die() {
  printf '\033[1;31merror:\033[0m %s\n' "$*" >&2
  exit 1
}

# as_root CMD...: runs CMD as root: directly when we are root, through sudo
# when it exists, and fails with a clear message otherwise.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root for: $*  (run as root, or install sudo)"
  fi
}

# Puts the Go bin directory (where `go install` puts the Wails CLI) on PATH.
go_path_setup() {
  command -v go >/dev/null 2>&1 || die "Go is not installed (need Go 1.26: https://go.dev/dl/)"
  local gobin
  gobin=$(go env GOBIN)
  [ -n "$gobin" ] || gobin="$(go env GOPATH)/bin"
  case ":$PATH:" in
    *":$gobin:"*) ;;
    *) export PATH="$gobin:$PATH" ;;
  esac
  # Binaries carry their version through -ldflags; VCS stamping only fails
  # builds of a checkout git distrusts (another owner, e.g. under sudo).
  case " ${GOFLAGS:-} " in
    *-buildvcs*) ;;
    *) export GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false" ;;
  esac
}

# now_ms: milliseconds since the epoch.
now_ms() { date +%s%3N; }

# fmt_ms MS: "12.3 s".
fmt_ms() { awk -v ms="$1" 'BEGIN { printf "%.1f s", ms / 1000 }'; }

# The version stamped into binaries.
build_version() { git describe --tags --always --dirty 2>/dev/null || echo dev; }
