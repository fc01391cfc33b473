#!/usr/bin/env bash
# The desktop-to-server sync test through the real UI: starts a private Xvfb
# display and `wails dev` (the real Go backend and its bindings, on an empty
# data folder of its own), waits until its dev server answers, and runs
# e2e/desktop-sync.test.mjs, which starts a real `gatehouse serve` (with an
# SMTP server and an SMS file) and drives the app in Chromium: connect to the
# server from the sign-in page, sign in, open an account, "Sync now", and
# check through the server's API and web pages that the account and the
# desktop arrived. Everything started here is stopped on exit, failure or
# Ctrl-C (process groups). Prints `desktop sync test: N s`.
# Artifacts in e2e/artifacts: desktop-sync-*.png (one a step, and the real
# window at the end), desktop-sync-wails.log, desktop-sync-xvfb.log.
# Environment:
#   GATEHOUSE_BIN   the serve binary (default: built here, build/bin/gatehouse-serve)
#   DEV_TIMEOUT     seconds to wait for `wails dev` to serve the app (default
#                   420: a cold Go build cache compiles for minutes; warm: ~10 s)
#   TEST_TIMEOUT    seconds for the browser test itself (default 240)
#   KEEP_DATA=1     keep the desktop's data folder (its path is printed)
#   SERVER_DB       sqlite (default) or postgres: the server's database; with
#                   postgres a PostgreSQL server of our own runs on 127.0.0.1
#                   (start_postgres in lib.sh) and `gatehouse serve` gets
#                   -database (CI runs it so; the web e2e tests use SQLite)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
go_path_setup

t0=$(now_ms)
art=e2e/artifacts
wlog=$art/desktop-sync-wails.log
xlog=$art/desktop-sync-xvfb.log
dev_timeout=${DEV_TIMEOUT:-420}
test_timeout=${TEST_TIMEOUT:-240}

for tool in Xvfb import node npm curl setsid; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing: run scripts/setup.sh"
done
command -v wails >/dev/null 2>&1 ||
  die "the Wails CLI is missing: go install github.com/wailsapp/wails/v2/cmd/wails@$WAILS_VERSION (scripts/setup.sh does)"
wails_version=$(wails version 2>/dev/null | head -n 1 || true)
[ "$wails_version" = "$WAILS_VERSION" ] ||
  die "wails is '$wails_version', want $WAILS_VERSION (go install github.com/wailsapp/wails/v2/cmd/wails@$WAILS_VERSION)"
[ -n "${CHROMIUM:-}" ] || CHROMIUM=$(command -v chromium || command -v chromium-browser) || die "no chromium: run scripts/setup.sh"
export CHROMIUM
mkdir -p "$art"
rm -f "$art"/desktop-sync-*.png "$wlog" "$xlog"

# What the two halves need: vite for `wails dev`, playwright-core and the
# mail server for the test; the server binary with the built frontend (its
# web Devices page is checked too).
[ -d frontend/node_modules ] || (say "npm ci in frontend" && cd frontend && npm ci --no-audit --no-fund)
[ -d e2e/node_modules ] || (say "npm ci in e2e" && cd e2e && npm ci --no-audit --no-fund)
if [ -z "${GATEHOUSE_BIN:-}" ]; then
  [ -f frontend/dist/index.html ] || (say "frontend build" && cd frontend && npm run build)
  say "go build -o build/bin/gatehouse-serve ."
  go build -ldflags "-X main.version=$(build_version)" -o build/bin/gatehouse-serve .
  GATEHOUSE_BIN=$PWD/build/bin/gatehouse-serve
fi
[ -x "$GATEHOUSE_BIN" ] || die "GATEHOUSE_BIN=$GATEHOUSE_BIN is not an executable"
GATEHOUSE_BIN=$(realpath "$GATEHOUSE_BIN")
export GATEHOUSE_BIN

data=$(mktemp -d -t gatehouse-desktop-sync-XXXXXX)
dispfile=$(mktemp)
xvfb_pid="" wails_pid="" test_pid="" ok="" pg_dir=""

# stop_group PID SIGNAL: signals the process group PID leads, waits up to
# 10 s for its leader, then kills what is left of the group.
stop_group() {
  local pid=$1 sig=$2
  [ -n "$pid" ] || return 0
  kill "-$sig" -- "-$pid" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  stop_group "$test_pid" TERM
  # `wails dev` stops its app and vite on SIGINT and removes its dev binary.
  stop_group "$wails_pid" INT
  if [ -n "$xvfb_pid" ]; then
    kill "$xvfb_pid" 2>/dev/null || true
    wait "$xvfb_pid" 2>/dev/null || true
  fi
  rm -f "$dispfile"
  if [ -n "$pg_dir" ]; then
    stop_postgres "$pg_dir"
    rm -rf "$pg_dir"
  fi
  if [ "${KEEP_DATA:-}" = 1 ]; then
    echo "desktop data folder kept: $data"
  else
    rm -rf "$data"
  fi
  [ -n "$ok" ] || [ "$rc" -ne 0 ] || rc=1
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

case "${SERVER_DB:-sqlite}" in
  sqlite) ;;
  postgres)
    pg_dir=$(mktemp -d /tmp/gatehouse-pg.XXXXXX)
    start_postgres "$pg_dir"
    export GATEHOUSE_E2E_POSTGRES=$GATEHOUSE_TEST_POSTGRES
    ;;
  *) die "SERVER_DB=$SERVER_DB: want sqlite or postgres" ;;
esac

show_wails_log() {
  echo "---- wails dev log ($wlog, last 60 lines) ----" >&2
  tail -n 60 "$wlog" >&2 || true
  echo "----------------------------------------------" >&2
}

start_xvfb "$dispfile" "$xlog"
display=$xvfb_display

# The dev server on a free port rather than Wails' fixed 34115, so another
# `wails dev` on this machine does not answer in its place.
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
url="http://127.0.0.1:$port"

# `wails dev` in a process group of its own (setsid), so its children (vite,
# the app) stop with it. Flags: -s the frontend is served by vite, no build;
# -m -nosyncgomod leave go.mod and go.sum alone; -skipbindings the frontend
# calls window.go directly; -nogorebuild -noreload: an edit someone makes in
# the tree meanwhile neither restarts the app nor reloads the page (either
# would lose the signed-in session). The app reads GATEHOUSE_DATA_DIR; every
# other GATEHOUSE_* setting is dropped (an SMTP address would stop the
# desktop handing its mail over to the server). The D-Bus address leading
# nowhere keeps Wails' single-instance lock from handing over to a
# Gatehouse already open on this machine (see xvfb-test.sh).
t_dev=$(now_ms)
(
  while read -r v; do unset "$v"; done < <(compgen -e | grep '^GATEHOUSE_' || true)
  export DISPLAY=$display GATEHOUSE_DATA_DIR=$data NO_AT_BRIDGE=1 \
    DBUS_SESSION_BUS_ADDRESS="unix:path=$data/no-session-bus"
  exec setsid wails dev -s -m -nosyncgomod -skipbindings -nogorebuild -noreload -nocolour \
    -devserver "127.0.0.1:$port" >"$wlog" 2>&1
) &
wails_pid=$!
say "wails dev (pid $wails_pid, data $data) on $url; waiting up to ${dev_timeout}s for it to serve the app"

deadline=$(($(date +%s) + dev_timeout))
ready=""
while [ "$(date +%s)" -lt "$deadline" ]; do
  if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url/" 2>/dev/null)" = 200 ] &&
    grep -q 'Using DevServer URL' "$wlog"; then
    ready=1
    break
  fi
  if grep -q 'Build error\|Unable to start application' "$wlog"; then
    show_wails_log
    die "wails dev could not build or start the app (see $wlog)"
  fi
  if ! kill -0 "$wails_pid" 2>/dev/null; then
    show_wails_log
    die "wails dev exited before serving the app (see $wlog)"
  fi
  sleep 0.5
done
if [ -z "$ready" ]; then
  show_wails_log
  die "wails dev did not serve the app at $url within ${dev_timeout}s (DEV_TIMEOUT)"
fi
dev_ms=$(($(now_ms) - t_dev))
say "wails dev serves the app at $url ($(fmt_ms "$dev_ms") after start)"

say "node --test e2e/desktop-sync.test.mjs (timeout ${test_timeout}s)"
t_test=$(now_ms)
set +e
(
  cd e2e
  export GATEHOUSE_DESKTOP_URL=$url
  exec setsid timeout -k 10 "$test_timeout" node --test --test-reporter=spec desktop-sync.test.mjs
) &
test_pid=$!
wait "$test_pid"
rc=$?
test_pid=""
set -e
test_ms=$(($(now_ms) - t_test))

# The real window as it stands at the end (the app's own WebKit view, not
# the browser the test drove).
DISPLAY=$display import -window root "$art/desktop-sync-10-window.png" 2>/dev/null || true

if [ "$rc" -ne 0 ]; then
  [ "$rc" -ne 124 ] || echo "the browser test ran out of its ${test_timeout}s (TEST_TIMEOUT)" >&2
  show_wails_log
  die "desktop sync test failed (exit $rc); screenshots in $art/desktop-sync-*.png"
fi
if grep -q 'panic:\|fatal error:' "$wlog"; then
  show_wails_log
  die "the app logged a panic (see $wlog)"
fi
ok=1
say "screenshots: $(find "$art" -name 'desktop-sync-*.png' | sort | tr '\n' ' ')"
echo "wails dev ready: $(fmt_ms "$dev_ms"); browser test: $(fmt_ms "$test_ms")"
echo "desktop sync test: $(fmt_ms $(($(now_ms) - t0)))"
