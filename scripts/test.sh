#!/usr/bin/env bash
# Sets up the machine (scripts/setup.sh) and runs every test, in order,
# stopping at the first failure:
#   set-up; go vet; go test -race; the store and sync tests again on
#   PostgreSQL (a server of our own on 127.0.0.1, start_postgres in lib.sh);
#   frontend build; frontend unit tests;
#   browser end-to-end tests (e2e/*.test.mjs, when there are any);
#   wails build; the desktop smoke test under Xvfb (scripts/xvfb-test.sh);
#   the desktop syncing with a server through its UI
#   (scripts/desktop-sync-test.sh: `wails dev` under Xvfb, a real `gatehouse
#   serve`, Chromium; about 30 s warm, a few minutes with a cold Go cache);
#   packaging: scripts/package.sh builds dist/ (.deb, signed Windows app and
#   installer) and scripts/package-test.sh tests it, installing the .deb into
#   this machine's system and removing it (3 to 5 minutes from empty caches).
#   GATEHOUSE_TEST_PACKAGE=0 skips packaging; it is skipped by itself when
#   its tools are missing and cannot be installed (no apt-get).
#   clean-machine install: scripts/package-install-test.sh installs that
#   .deb into a bare Debian 12 root (mmdebstrap, chroot), opens the app
#   under Xvfb there, checks the gatehouse:// handler and removes it (about
#   2.5 minutes with an empty cache, as in CI; about 1 minute warm; see
#   README). It runs after packaging unless GATEHOUSE_TEST_INSTALL=0, and is
#   skipped when packaging is, or when not root (chroot and mounts).
# Each section prints a header and its time. The last line is
# `N passed, M failed` (CI reads it); the exit status is 0 only when M is 0.
# SKIP_SETUP=1 skips the set-up section.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
go_path_setup
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1

passed=0 failed=0 summary=()
t_all=$(now_ms)

finish() {
  echo
  printf '\033[1m==== summary (%s) ====\033[0m\n' "$(fmt_ms $(($(now_ms) - t_all)))"
  printf '  %s\n' "${summary[@]}"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

# section NAME FUNCTION: runs FUNCTION in a subshell with errexit on, times
# it, records the result; on failure prints the summary and exits.
section() {
  local name=$1 fn=$2 t0 rc ms
  echo
  printf '\033[1;36m==== %s ====\033[0m\n' "$name"
  t0=$(now_ms)
  set +e
  (
    set -euo pipefail
    "$fn"
  )
  rc=$?
  set -e
  ms=$(($(now_ms) - t0))
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1))
    summary+=("$(printf 'ok    %-28s %s' "$name" "$(fmt_ms "$ms")")")
    printf '\033[1;32m---- ok: %s (%s)\033[0m\n' "$name" "$(fmt_ms "$ms")"
  else
    failed=$((failed + 1))
    summary+=("$(printf 'FAIL  %-28s %s (exit %s)' "$name" "$(fmt_ms "$ms")" "$rc")")
    printf '\033[1;31m---- FAILED: %s (exit %s, %s)\033[0m\n' "$name" "$rc" "$(fmt_ms "$ms")"
    finish || exit 1
  fi
}

skip() {
  summary+=("$(printf 'skip  %-28s %s' "$1" "$2")")
  echo
  printf '\033[1;33m==== %s: skipped (%s) ====\033[0m\n' "$1" "$2"
}

# Packaging runs unless GATEHOUSE_TEST_PACKAGE=0; its tools (mingw-w64,
# NSIS, ...) are cheap to install, so the set-up adds them.
test_package=1
[ "${GATEHOUSE_TEST_PACKAGE:-1}" != 0 ] || test_package=""

do_setup() {
  if [ -n "$test_package" ]; then
    GATEHOUSE_PACKAGE_SETUP=1 bash scripts/setup.sh
  else
    bash scripts/setup.sh
  fi
}
do_vet() { go vet ./...; }
do_gotest() { go test -race -count=1 ./...; }
do_gotest_postgres() {
  # Sections run in a subshell: the trap stops the server when it ends.
  pg_dir=$(mktemp -d /tmp/gatehouse-pg.XXXXXX)
  trap 'stop_postgres "$pg_dir"; rm -rf "$pg_dir"' EXIT
  start_postgres "$pg_dir"
  go test -race -count=1 ./backend/store/... ./backend/replica/ ./backend/vault/
}
do_frontend_build() { (cd frontend && npm run build); }
do_frontend_unit() { (cd frontend && npm test --if-present); }
do_e2e() {
  # The tests start `gatehouse serve` themselves from GATEHOUSE_BIN: a plain
  # build (no GTK tags) is enough for serve mode. It embeds the frontend
  # built above.
  say "go build -o build/bin/gatehouse-serve ."
  go build -ldflags "-X main.version=$(build_version)" -o build/bin/gatehouse-serve .
  export GATEHOUSE_BIN="$PWD/build/bin/gatehouse-serve"
  # Debian's Chromium, driven by playwright-core (no browser downloads).
  [ -n "${CHROMIUM:-}" ] || CHROMIUM=$(command -v chromium || command -v chromium-browser) ||
    die "no chromium: run scripts/setup.sh"
  export CHROMIUM
  if node -e 'process.exit(require("./e2e/package.json").scripts?.test ? 0 : 1)' 2>/dev/null; then
    # e2e/ says how its tests run (e.g. one file at a time).
    say "npm test in e2e (GATEHOUSE_BIN=$GATEHOUSE_BIN)"
    (cd e2e && npm test)
  else
    # Files rather than the folder: node 20 and node 22 read `node --test DIR`
    # differently.
    mapfile -t files < <(find e2e -name node_modules -prune -o -name '*.test.mjs' -print | sort)
    say "node --test --test-concurrency=1 ${files[*]} (GATEHOUSE_BIN=$GATEHOUSE_BIN)"
    node --test --test-concurrency=1 "${files[@]}"
  fi
}
do_wails_build() {
  # -s: the frontend was built above.
  SKIP_SETUP=1 bash scripts/build.sh -s
  ls -l build/bin/gatehouse
}
do_desktop() { bash scripts/xvfb-test.sh; }
# It rebuilds build/bin/gatehouse-serve as the e2e section did (cached: a
# few seconds) rather than trust a binary an earlier run left there.
# Its server runs on PostgreSQL: the real binary with -database, next to the
# web e2e tests' SQLite.
do_desktop_sync() { SERVER_DB=postgres bash scripts/desktop-sync-test.sh; }
do_package() {
  SKIP_SETUP=1 bash scripts/package.sh
  SKIP_SETUP=1 bash scripts/package-test.sh
}
do_install() { SKIP_SETUP='' bash scripts/package-install-test.sh; }

if [ "${SKIP_SETUP:-}" = 1 ]; then
  skip "set-up" "SKIP_SETUP=1"
else
  section "set-up" do_setup
fi
section "go vet" do_vet
section "go test -race" do_gotest
section "store and sync on PostgreSQL" do_gotest_postgres
section "frontend build" do_frontend_build
if node -e 'process.exit(require("./frontend/package.json").scripts?.test ? 0 : 1)'; then
  section "frontend unit tests" do_frontend_unit
else
  skip "frontend unit tests" "no test script in frontend/package.json"
fi
if [ -d e2e ] && [ -n "$(find e2e -name node_modules -prune -o -name '*.test.mjs' -print -quit)" ]; then
  section "browser end-to-end tests" do_e2e
else
  skip "browser end-to-end tests" "no e2e/*.test.mjs yet"
fi
section "wails build" do_wails_build
section "desktop under Xvfb" do_desktop
section "desktop sync with a server" do_desktop_sync
if [ -z "$test_package" ]; then
  skip "packaging" "GATEHOUSE_TEST_PACKAGE=0"
else
  missing_tools=()
  for t in x86_64-w64-mingw32-gcc makensis osslsigncode 7zz dpkg-deb apt-get desktop-file-validate xdg-mime; do
    command -v "$t" >/dev/null 2>&1 || missing_tools+=("$t")
  done
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
    skip "packaging" "the package test installs the .deb: needs root or sudo"
  elif [ ${#missing_tools[@]} -eq 0 ]; then
    section "packaging" do_package
    # The same .deb on a bare Debian 12 (mmdebstrap: installed with apt-get
    # when missing, about 7 s; a cold base root about 30 to 45 s).
    if [ "${GATEHOUSE_TEST_INSTALL:-1}" = 0 ]; then
      skip "clean-machine install" "GATEHOUSE_TEST_INSTALL=0"
    elif [ "$(id -u)" -ne 0 ]; then
      skip "clean-machine install" "needs root (chroot, mounts): run as root"
    elif ! command -v unshare >/dev/null 2>&1 || ! { command -v mmdebstrap >/dev/null 2>&1 || command -v apt-get >/dev/null 2>&1; }; then
      skip "clean-machine install" "no unshare, or no mmdebstrap and no apt-get to install it"
    else
      section "clean-machine install" do_install
    fi
  else
    skip "packaging" "missing ${missing_tools[*]} (GATEHOUSE_PACKAGE_SETUP=1 bash scripts/setup.sh installs them)"
  fi
fi

finish
