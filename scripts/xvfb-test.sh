#!/usr/bin/env bash
# The desktop smoke test: opens the built app (build/bin/gatehouse, from
# `wails build`) on a fresh data folder in a private Xvfb display, waits for
# the frontend's first screen (the app prints `GATEHOUSE_READY screen=...
# elapsed_ms=...`), screenshots the display and checks the picture is not
# blank. Prints `cold start: N ms`.
# Artifacts: build/artifacts/desktop-signin.png, desktop.log and xvfb.log.
# READY_TIMEOUT (seconds, default 60) bounds the wait.
# Usage: xvfb-test.sh [BINARY] (default build/bin/gatehouse). For other
# binaries (scripts/package-test.sh runs the installed /usr/bin/gatehouse):
#   ARTIFACT_NAME=NAME  artifacts NAME-signin.png, NAME.log, NAME-xvfb.log
#   DATA_DIR=DIR        the data folder (the app creates it; kept afterwards)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

bin=${1:-build/bin/gatehouse}
art=build/artifacts
name=${ARTIFACT_NAME:-desktop}
shot="$art/$name-signin.png"
log="$art/$name.log"
xlog="$art/xvfb.log"
[ "$name" = desktop ] || xlog="$art/$name-xvfb.log"
timeout=${READY_TIMEOUT:-60}

[ -x "$bin" ] || die "$bin is missing: run 'wails build' first (scripts/test.sh does)"
for tool in Xvfb import convert; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing: run scripts/setup.sh"
done
mkdir -p "$art"
rm -f "$shot" "$log"

keep_data=""
if [ -n "${DATA_DIR:-}" ]; then
  data=$DATA_DIR keep_data=1
else
  data=$(mktemp -d)
fi
xvfb_pid="" app_pid="" dispfile=$(mktemp)
stop() { # stop PID: TERM, up to 5 s, then KILL
  local pid=$1 i
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  stop "$app_pid"
  stop "$xvfb_pid"
  [ -n "$keep_data" ] || rm -rf "$data"
  rm -f "$dispfile"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

show_log() {
  echo "---- app log ($log) ----" >&2
  tail -n 80 "$log" >&2 || true
  echo "-----------------------" >&2
}

start_xvfb "$dispfile" "$xlog"
export DISPLAY=$xvfb_display

# The app, on an empty data folder. Its single-instance lock lives on the D-Bus
# session bus: with the user's own Gatehouse open, a second one would hand its
# arguments over and exit. A bus address that leads nowhere keeps this copy
# on its own (Wails then skips the lock); NO_AT_BRIDGE keeps GTK from looking
# for the accessibility bus.
t_launch=$(now_ms)
DBUS_SESSION_BUS_ADDRESS="unix:path=$data/no-session-bus" NO_AT_BRIDGE=1 "$bin" -data-dir "$data" >"$log" 2>&1 &
app_pid=$!
say "started $bin (pid $app_pid, data $data); waiting up to ${timeout}s for GATEHOUSE_READY"

ready=""
deadline=$(($(date +%s) + timeout))
while [ "$(date +%s)" -lt "$deadline" ]; do
  ready=$(grep -m 1 -o 'GATEHOUSE_READY .*' "$log" || true)
  [ -n "$ready" ] && break
  if ! kill -0 "$app_pid" 2>/dev/null; then
    show_log
    die "the app exited before its first screen rendered (see $log)"
  fi
  sleep 0.2
done
if [ -z "$ready" ]; then
  import -window root "$shot" 2>/dev/null || true
  show_log
  die "no GATEHOUSE_READY line within ${timeout}s: the frontend's first screen never called api.frontendReady (screenshot of what was on screen: $shot)"
fi
screen=$(sed -n 's/.*screen=\([^ ]*\).*/\1/p' <<<"$ready")
elapsed=$(sed -n 's/.*elapsed_ms=\([0-9]*\).*/\1/p' <<<"$ready")
say "ready: $ready"

# The first screen has rendered in the DOM; WebKit paints it a moment later
# (measured: up to about 1 s under Xvfb, until then the window is one flat
# colour). Insist on a picture that is neither blank nor a single colour.
colours=0 mean=0 ok=""
for _ in $(seq 20); do
  sleep 0.5
  import -window root "$shot"
  colours=$(convert "$shot" -format '%k' info:)
  mean=$(convert "$shot" -colorspace Gray -format '%[fx:mean]' info:)
  if [ "$colours" -gt 50 ] && awk -v m="$mean" 'BEGIN { exit !(m > 0.03 && m < 0.97) }'; then
    ok=1
    break
  fi
  echo "  not painted yet: $colours colours, mean brightness $mean"
done
painted=$(($(now_ms) - t_launch))
kill -0 "$app_pid" 2>/dev/null || {
  show_log
  die "the app died after its first screen"
}
if [ -z "$ok" ]; then
  show_log
  die "the screenshot $shot looks blank: $colours colours, mean brightness $mean (want > 50 colours, 0.03 < mean < 0.97)"
fi

say "screenshot: $shot (screen $screen, $colours colours, mean brightness $mean)"
say "painted screenshot taken ${painted} ms after launch"
echo "cold start: ${elapsed} ms"
