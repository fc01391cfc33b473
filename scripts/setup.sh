#!/usr/bin/env bash
# Idempotent set-up of a Debian 12 machine for Gatehouse: the apt packages
# Wails, Xvfb and the tests need, the pinned Wails CLI, the npm packages of
# the frontend (and of e2e/ when it exists), and the Go modules.
# Needs Go 1.26, gcc, node 20 and npm already; uses sudo for apt when not root.
# Skips every step whose result is already there; prints what it does.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

# ---- tools we cannot install for you --------------------------------------
command -v go >/dev/null 2>&1 || die "Go is not installed (need Go 1.26: https://go.dev/dl/)"
command -v node >/dev/null 2>&1 || die "node is not installed (need node 20)"
command -v npm >/dev/null 2>&1 || die "npm is not installed (need npm with node 20)"
go_path_setup

# ---- apt packages ------------------------------------------------------------
# The packaging tools (mingw-w64, NSIS, ...) only when asked: scripts/test.sh,
# package.sh and package-test.sh set GATEHOUSE_PACKAGE_SETUP=1.
[ "${GATEHOUSE_PACKAGE_SETUP:-}" != 1 ] || APT_PACKAGES+=("${PACKAGE_APT_PACKAGES[@]}")
missing=()
for p in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
# cgo (SQLite, GTK, the race detector) needs a C compiler.
command -v gcc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
if [ ${#missing[@]} -eq 0 ]; then
  say "apt: all ${#APT_PACKAGES[@]} packages present"
elif ! command -v apt-get >/dev/null 2>&1; then
  warn "not a Debian/Ubuntu machine (no apt-get); install the equivalents of: ${missing[*]}"
else
  say "apt: installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
command -v gcc >/dev/null 2>&1 || die "gcc is not installed (apt-get install gcc)"

# ---- Wails CLI -------------------------------------------------------------------
have_wails=""
if command -v wails >/dev/null 2>&1; then
  # `wails version` prints the version and then a sponsorship banner.
  have_wails=$(wails version 2>/dev/null | grep -Eo 'v[0-9]+\.[0-9]+\.[0-9]+' | head -n 1 || true)
fi
if [ "$have_wails" = "$WAILS_VERSION" ]; then
  say "wails: $WAILS_VERSION present ($(command -v wails))"
else
  say "wails: installing $WAILS_VERSION (found: ${have_wails:-none})"
  # From outside the module, so go.mod is neither read nor touched.
  (cd / && go install "github.com/wailsapp/wails/v2/cmd/wails@$WAILS_VERSION")
  hash -r
  got=$(wails version 2>/dev/null | grep -Eo 'v[0-9]+\.[0-9]+\.[0-9]+' | head -n 1 || true)
  [ "$got" = "$WAILS_VERSION" ] || die "wails $WAILS_VERSION installed, but \`wails version\` says '${got:-nothing}' ($(command -v wails || echo 'not on PATH'))"
fi
want=$(awk '$1 == "github.com/wailsapp/wails/v2" { print $2 }' go.mod)
[ -z "$want" ] || [ "$want" = "$WAILS_VERSION" ] ||
  warn "go.mod requires wails $want but the CLI is pinned to $WAILS_VERSION (scripts/lib.sh): keep them equal"

# ---- npm packages --------------------------------------------------------------
# npm_install DIR: `npm ci` when DIR's node_modules is missing or older than
# its package.json / package-lock.json; nothing otherwise (npm ci deletes
# node_modules first, which would pull the rug from a running dev server).
npm_install() {
  local dir=$1 stamp="$1/node_modules/.package-lock.json"
  if [ -f "$stamp" ] && [ ! "$dir/package.json" -nt "$stamp" ] &&
    { [ ! -f "$dir/package-lock.json" ] || [ ! "$dir/package-lock.json" -nt "$stamp" ]; }; then
    say "npm: $dir/node_modules up to date"
    return
  fi
  if [ -f "$dir/package-lock.json" ]; then
    say "npm: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund)
  else
    warn "$dir has no package-lock.json; using npm install (commit the lock file for repeatable installs)"
    (cd "$dir" && npm install --no-audit --no-fund)
  fi
}
# The end-to-end tests drive the system Chromium through playwright-core;
# never download browsers.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1
npm_install frontend
[ ! -f e2e/package.json ] || npm_install e2e

# ---- Go modules ---------------------------------------------------------------------
say "go: go mod download"
go mod download

say "set-up done: $(go version | awk '{print $3}'), node $(node --version), npm $(npm --version), wails $WAILS_VERSION"
