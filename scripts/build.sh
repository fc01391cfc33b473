#!/usr/bin/env bash
# Sets up the machine (scripts/setup.sh) and builds the desktop app with
# Wails: the frontend (npm ci / npm run build, from wails.json), the Go
# bindings and build/bin/gatehouse (tags from wails.json: webkit2_41).
# Extra arguments go to `wails build`. SKIP_SETUP=1 skips the set-up step.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

[ "${SKIP_SETUP:-}" = 1 ] || bash scripts/setup.sh
go_path_setup

say "wails build (tags from wails.json)"
# -m: no `go mod tidy`; building must not rewrite go.mod.
wails build -m -ldflags "-X main.version=$(build_version)" "$@"
[ -x build/bin/gatehouse ] || die "wails build did not produce build/bin/gatehouse"
say "built build/bin/gatehouse ($(build/bin/gatehouse --version))"
