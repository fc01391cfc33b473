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
  postgresql                                    # the server store's second engine, for its tests
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

# ---- packaging (scripts/package.sh, scripts/package-test.sh) -----------------
# nfpm, run with `go run` (no install step). Newer releases (v2.46.0 on) need
# modules the Go proxy here does not serve.
NFPM_VERSION=v2.45.2

# What packaging adds to APT_PACKAGES (setup.sh installs them when
# GATEHOUSE_PACKAGE_SETUP=1; package.sh asks for that).
PACKAGE_APT_PACKAGES=(
  gcc-mingw-w64-x86-64 # cgo (SQLite) for the Windows build: x86_64-w64-mingw32-gcc
  nsis                 # makensis: the Windows installer
  osslsigncode         # Authenticode signatures (preinstalled on these machines)
  desktop-file-utils   # update-desktop-database, desktop-file-validate (package test)
  xdg-utils            # xdg-mime (package test)
  7zip                 # 7zz: unpacks the installer (package test)
)

# package_versions: sets the versions a release is stamped with, from git:
#   VERSION           `git describe --tags --always --dirty` (what
#                     `gatehouse --version` prints; file names in dist/)
#   VERSION_BASE      X.Y.Z of the newest vX.Y.Z tag, else wails.json's
#                     info.productVersion (Windows resources need numbers)
#   VERSION_COUNT     commits since that tag (since the start when untagged)
#   DEB_VERSION       X.Y.Z at a clean tag, X.Y.Z+N.gHASH after one,
#                     X.Y.Z~N.gHASH before the first (sorts below X.Y.Z);
#                     ".dirty" when the work tree has changes
#   WIN_FILE_VERSION  X.Y.Z.N (each part at most 65535)
package_versions() {
  local tag hash dirty=""
  VERSION=$(build_version)
  tag=$(git describe --tags --abbrev=0 --match 'v[0-9]*' 2>/dev/null || true)
  hash=$(git rev-parse --short HEAD 2>/dev/null || echo nogit)
  [[ $VERSION != *-dirty ]] || dirty=.dirty
  if [[ $tag =~ ^v([0-9]+\.[0-9]+\.[0-9]+)$ ]]; then
    VERSION_BASE=${BASH_REMATCH[1]}
    VERSION_COUNT=$(git rev-list --count "$tag..HEAD")
    if [ "$VERSION_COUNT" -eq 0 ]; then
      DEB_VERSION=$VERSION_BASE${dirty:++dirty}
    else
      DEB_VERSION=$VERSION_BASE+$VERSION_COUNT.g$hash$dirty
    fi
  else
    VERSION_BASE=$(node -p 'require("./wails.json").info.productVersion')
    [[ $VERSION_BASE =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] ||
      die "wails.json info.productVersion must be X.Y.Z (is '$VERSION_BASE')"
    VERSION_COUNT=$(git rev-list --count HEAD 2>/dev/null || echo 0)
    DEB_VERSION=$VERSION_BASE~$VERSION_COUNT.g$hash$dirty
  fi
  WIN_FILE_VERSION=$VERSION_BASE.$((VERSION_COUNT > 65535 ? 65535 : VERSION_COUNT))
  export VERSION VERSION_BASE VERSION_COUNT DEB_VERSION WIN_FILE_VERSION
}

# start_xvfb DISPFILE LOG: a display of our own (Xvfb picks a free number
# and writes it to fd 3). Sets xvfb_pid (the caller stops it) and
# xvfb_display (":N").
start_xvfb() {
  local dispfile=$1 log=$2
  Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp 3>"$dispfile" 2>"$log" &
  xvfb_pid=$!
  for _ in $(seq 100); do
    [ -s "$dispfile" ] && break
    kill -0 "$xvfb_pid" 2>/dev/null || die "Xvfb exited: $(cat "$log")"
    sleep 0.1
  done
  [ -s "$dispfile" ] || die "Xvfb did not report a display within 10 s: $(cat "$log")"
  xvfb_display=":$(tr -d '[:space:]' <"$dispfile")"
  say "Xvfb on $xvfb_display (pid $xvfb_pid)"
}

# start_postgres DIR: a PostgreSQL server of our own (Debian's postgresql
# package) with its data in DIR, listening on 127.0.0.1 only, on the first
# free port from 55432, trusting loopback connections (nothing else can
# reach it). As root it runs as the package's postgres user (initdb
# refuses root). Exports GATEHOUSE_TEST_POSTGRES, the URL the Go tests
# take; stop_postgres DIR stops it. fsync is off: the data is thrown
# away, and the tests' crashes are of Gatehouse's processes, not of
# PostgreSQL's or the machine.
start_postgres() {
  local dir=$1 bin port run=()
  bin=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -1)
  [ -n "$bin" ] && [ -x "$bin/initdb" ] || die "PostgreSQL is not installed (apt-get install postgresql)"
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$dir"
    run=(runuser -u postgres --)
  fi
  port=55432
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  "${run[@]}" "$bin/initdb" -D "$dir/data" -U gatehouse --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    die "initdb failed: $(tail -5 "$dir/initdb.log")"
  "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c max_connections=300" \
    start >/dev/null || die "PostgreSQL did not start: $(tail -5 "$dir/server.log")"
  "${run[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U gatehouse gatehouse
  export GATEHOUSE_TEST_POSTGRES="postgres://gatehouse@127.0.0.1:$port/gatehouse?sslmode=disable"
  say "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($dir)"
}

stop_postgres() {
  local dir=$1 bin run=()
  bin=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -1)
  [ "$(id -u)" -ne 0 ] || run=(runuser -u postgres --)
  [ ! -d "$dir/data" ] || "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}
