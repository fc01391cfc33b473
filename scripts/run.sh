#!/usr/bin/env bash
# Sets up the machine (scripts/setup.sh), builds the desktop app with Wails
# and opens it. Arguments go to the app, e.g.
#   bash scripts/run.sh -data-dir /tmp/gh            # another data folder
#   bash scripts/run.sh gatehouse://verify?token=... # open a link
# Data lives in ~/.local/share/gatehouse unless -data-dir or
# GATEHOUSE_DATA_DIR says otherwise. Without a display (a headless machine)
# the app runs under xvfb-run: it works, but nobody sees it.
# SKIP_SETUP=1 skips the set-up step.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

bash scripts/build.sh
bin="$PWD/build/bin/gatehouse"

# Register the gatehouse:// link handler for this user. Best effort.
register_link_handler() {
  command -v xdg-mime >/dev/null 2>&1 || return 0
  local apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
  local icons="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/256x256/apps"
  mkdir -p "$apps" "$icons" || return 0
  sed "s|^Exec=.*|Exec=\"$bin\" %u|" build/linux/gatehouse.desktop >"$apps/gatehouse.desktop" || return 0
  if command -v convert >/dev/null 2>&1; then
    convert build/appicon.png -resize 256x256 "$icons/gatehouse.png" 2>/dev/null || true
  fi
  command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$apps" 2>/dev/null
  xdg-mime default gatehouse.desktop x-scheme-handler/gatehouse 2>/dev/null &&
    say "gatehouse:// links now open $bin ($apps/gatehouse.desktop)"
  return 0
}
register_link_handler || warn "could not register the gatehouse:// link handler (not needed to run the app)"

say "starting $bin $*"
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  exec "$bin" "$@"
fi
command -v xvfb-run >/dev/null 2>&1 || die "no display (\$DISPLAY is empty) and no xvfb-run to make one"
say "no display (\$DISPLAY is empty): running under xvfb-run -a, in a virtual display nobody sees"
say "for a headless machine, 'build/bin/gatehouse serve -addr 127.0.0.1:8080' serves the same app to a browser"
exec xvfb-run -a -s "-screen 0 1280x1024x24 -nolisten tcp" "$bin" "$@"
