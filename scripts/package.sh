#!/usr/bin/env bash
# Builds the release packages into dist/ (emptied first), all stamped with the
# version from `git describe --tags --always --dirty`:
#   gatehouse-<version>-linux-amd64                the Linux binary
#   gatehouse_<deb version>_amd64.deb               Debian package (nfpm)
#   gatehouse-<version>-windows-amd64.exe           the Windows app, signed
#   gatehouse-<version>-windows-amd64-setup.exe     NSIS installer, signed
#   test-signing-ca.pem                             only when signed with a
#                                                   throwaway test certificate
#   SHA256SUMS                                      `sha256sum -c SHA256SUMS`
#
# It builds in temporary copies of the work tree (tracked and untracked files,
# less what git ignores), so concurrent edits and `wails build` in the tree
# never meet it, and the version goes into the copies' wails.json and
# build/windows/info.json only. The Windows build (its C compile of SQLite is
# the longest step) runs in a second copy alongside the Linux binary and the
# .deb: Wails drops a Windows resource file (gatehouse-res.syso) into the
# project root while it builds, which a Linux build of the same folder would
# link.
#
# Signing: see scripts/package-sign.sh (GATEHOUSE_SIGN_PFX or
# GATEHOUSE_SIGN_CERT/GATEHOUSE_SIGN_KEY). With none configured it signs with
# a throwaway certificate it makes, unless GATEHOUSE_SIGN_REQUIRED=1, which
# makes that an error (release builds). GATEHOUSE_SIGN_CAFILE: the CA bundle
# `osslsigncode verify` checks a real signature against (default: the
# system's).
# SKIP_SETUP=1 skips scripts/setup.sh; SKIP_WINDOWS=1 builds the Linux part
# only; KEEP_STAGE=1 keeps the temporary copies.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
root=$PWD
t_all=$(now_ms)

[ "${SKIP_SETUP:-}" = 1 ] || GATEHOUSE_PACKAGE_SETUP=1 bash scripts/setup.sh
go_path_setup
package_versions
say "version $VERSION (deb $DEB_VERSION, Windows $WIN_FILE_VERSION)"

tools=(wails node npm convert sha256sum openssl setsid)
[ "${SKIP_WINDOWS:-}" = 1 ] || tools+=(x86_64-w64-mingw32-gcc makensis osslsigncode)
for t in "${tools[@]}"; do
  command -v "$t" >/dev/null 2>&1 || die "$t is missing: run GATEHOUSE_PACKAGE_SETUP=1 bash scripts/setup.sh"
done
[[ $(convert -version 2>/dev/null || true) == *ImageMagick* ]] || die "convert is not ImageMagick's: apt-get install imagemagick"
[ -d frontend/node_modules ] || die "frontend/node_modules is missing: run scripts/setup.sh"
if [ "${SKIP_WINDOWS:-}" != 1 ] && [ "${GATEHOUSE_SIGN_REQUIRED:-}" = 1 ] &&
  [ -z "${GATEHOUSE_SIGN_PFX:-}${GATEHOUSE_SIGN_CERT:-}" ]; then
  die "GATEHOUSE_SIGN_REQUIRED=1 but no certificate is configured (GATEHOUSE_SIGN_PFX, or GATEHOUSE_SIGN_CERT and GATEHOUSE_SIGN_KEY)"
fi

timings=()
step_t0=0
step() {
  step_t0=$(now_ms)
  say "$*"
}
step_done() { timings+=("$(printf '%-34s %s' "$1" "$(fmt_ms $(($(now_ms) - step_t0)))")"); }

# ---- private copies of the work tree -------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-package.XXXXXX")
stage=$work/linux    # the frontend, the Linux binary and the .deb
wstage=$work/windows # the Windows build, copied from $stage after the frontend
out=$work/out
certs="" win_pid=""
cleanup() {
  # A Windows build still running (the Linux part failed): it runs in a
  # process group of its own (setsid below), ended as a whole.
  [ -z "$win_pid" ] || kill -TERM -- "-$win_pid" 2>/dev/null || true
  [ -z "$certs" ] || rm -rf "$certs"
  if [ "${KEEP_STAGE:-}" = 1 ]; then
    say "kept $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "copying the work tree to $stage"
mkdir -p "$stage" "$out"
git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
  tar -cf - --null -T - | tar -xf - -C "$stage"
# The npm packages are only read: the copy links to them (nothing runs
# `npm ci` there: the frontend is built below and `wails build -s` skips it).
ln -s "$root/frontend/node_modules" "$stage/frontend/node_modules"
rm -rf "$stage/build/bin" "$stage/frontend/dist"
mkdir -p "$stage/frontend/dist"
# The version, in the copy only: Windows resources and the installer need
# X.Y.Z in wails.json; the version strings carry the full git version.
node "$root/scripts/package-version.js" "$stage"
step_done "copy"

cd "$stage"
ldflags="-X main.version=$VERSION"

# ---- frontend ----------------------------------------------------------------------
step "frontend build"
if grep -rqs wailsjs frontend/src; then
  # The frontend imports Wails' generated bindings: generate them first.
  wails generate module
fi
# The About dialog shows the full commit and the build time (VITE_* variables
# reach the bundle as import.meta.env; frontend/src/components/about.ts).
# SOURCE_DATE_EPOCH, when set, stands for the build time (reproducible builds).
build_date=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}" +%Y-%m-%dT%H:%M:%SZ)
(cd frontend && VITE_GATEHOUSE_COMMIT=$(git -C "$root" rev-parse HEAD 2>/dev/null || true) \
  VITE_GATEHOUSE_BUILD_DATE=$build_date npm run build)
grep -rqF "$build_date" frontend/dist/assets || die "the frontend bundle lacks the build date $build_date"
step_done "frontend build"

# ---- Windows, in the background: cross-built app and a first installer ------------
if [ "${SKIP_WINDOWS:-}" != 1 ]; then
  cp -a "$stage" "$wstage"
  winlog=$work/windows-build.log
  say "wails build (windows/amd64) in the background (log: $winlog)"
  t_win=$(now_ms)
  # cgo for SQLite with Debian's mingw-w64; Wails generates the Windows
  # resources (icon, manifest, version from build/windows/) and, with -nsis,
  # wails_tools.nsh and the WebView2 bootstrapper next to project.nsi.
  # -trimpath keeps local paths out of the release binary (the Linux build
  # goes without, for the cache; nothing shares this one). CGO_CFLAGS without
  # Go's default -g: the binary is stripped anyway, and SQLite's debug info
  # costs about 15% of its compile.
  (
    cd "$wstage"
    export CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc CXX=x86_64-w64-mingw32-g++
    export CGO_CFLAGS="${CGO_CFLAGS:--O2}"
    exec setsid wails build -m -s -skipbindings -trimpath -platform windows/amd64 -nsis \
      -ldflags "$ldflags" -o gatehouse.exe
  ) >"$winlog" 2>&1 &
  win_pid=$!
fi

# ---- Linux: binary and .deb ---------------------------------------------------------
step "wails build (linux/amd64)"
# No -trimpath here: the same flags as scripts/build.sh, so the Go build cache
# of the tests' `wails build` serves this one (with -trimpath every cgo
# package, SQLite and the WebKitGTK glue, compiles again: minutes).
wails build -m -s -skipbindings -ldflags "$ldflags" -o gatehouse
[ -x build/bin/gatehouse ] || die "wails build did not produce build/bin/gatehouse"
[[ $(go version -m build/bin/gatehouse) == *"CGO_ENABLED=1"* ]] || die "build/bin/gatehouse was built without cgo (no SQLite)"
got=$(build/bin/gatehouse --version)
[ "$got" = "gatehouse $VERSION" ] || die "build/bin/gatehouse --version says '$got', want 'gatehouse $VERSION'"
cp build/bin/gatehouse "$out/gatehouse-$VERSION-linux-amd64"
step_done "linux build"

step "icons and .deb (nfpm $NFPM_VERSION)"
for size in 16 24 32 48 64 128 256 512; do
  mkdir -p "build/linux/icons/hicolor/${size}x${size}/apps"
  convert build/appicon.png -resize "${size}x${size}" -depth 8 -define png:color-type=6 \
    "build/linux/icons/hicolor/${size}x${size}/apps/gatehouse.png"
done
GATEHOUSE_DEB_VERSION=$DEB_VERSION \
  go run "github.com/goreleaser/nfpm/v2/cmd/nfpm@$NFPM_VERSION" package \
  -f build/linux/nfpm.yaml -p deb -t "$out/gatehouse_${DEB_VERSION}_amd64.deb"
step_done ".deb"

# ---- Windows: signed app and installer ------------------------------------------------
if [ "${SKIP_WINDOWS:-}" != 1 ]; then
  cd "$wstage"
  step "waiting for the Windows build"
  if ! wait "$win_pid"; then
    win_pid=""
    tail -n 60 "$winlog" >&2
    die "wails build (windows/amd64) failed (its log is above)"
  fi
  win_pid=""
  grep -a "Built '" "$winlog" || true
  exe=$wstage/build/bin/gatehouse.exe
  [ -f "$exe" ] || die "wails build did not produce $exe"
  # Without cgo, go-sqlite3 builds a stub that fails at the first query.
  [[ $(go version -m "$exe") == *"CGO_ENABLED=1"* ]] || die "$exe was built without cgo (no SQLite)"
  step_done "(waited for the Windows build)"
  timings+=("$(printf '%-34s %s' "windows build (+ first installer)" "$(fmt_ms $(($(now_ms) - t_win)))")")

  step "signing"
  cafile=${GATEHOUSE_SIGN_CAFILE:-}
  if [ -z "${GATEHOUSE_SIGN_PFX:-}${GATEHOUSE_SIGN_CERT:-}" ]; then
    certs=$(mktemp -d)
    bash scripts/package-sign.sh test-cert "$certs"
    export GATEHOUSE_SIGN_CERT=$certs/cert.pem GATEHOUSE_SIGN_KEY=$certs/key.pem
    cafile=$certs/ca.pem
    cp "$cafile" "$out/test-signing-ca.pem"
    warn "no signing certificate configured: signed with a throwaway test certificate (dist/test-signing-ca.pem verifies it; Windows will not trust it)"
  fi
  verify() {
    local f=$1 log
    log=$(osslsigncode verify ${cafile:+-CAfile "$cafile"} -in "$f" 2>&1) || {
      echo "$log" >&2
      die "osslsigncode verify failed for $f"
    }
  }
  bash scripts/package-sign.sh "$exe"
  verify "$exe"
  step_done "sign gatehouse.exe"

  # The installer again, now with the signed gatehouse.exe; makensis signs the
  # uninstaller it embeds and the installer itself (!uninstfinalize,
  # !finalize in project.nsi). Same arguments as Wails' own call, plus ours.
  step "makensis (signed installer)"
  rm -f build/bin/gatehouse-amd64-installer.exe
  # Its full log (each instruction, e.g. the registry writes) goes to
  # build/artifacts/makensis.log, which scripts/package-test.sh reads.
  mkdir -p "$root/build/artifacts"
  nsislog=$root/build/artifacts/makensis.log
  (cd build/windows/installer && makensis -V4 -DARG_WAILS_AMD64_BINARY="$exe" \
    -DGATEHOUSE_VERSION="$VERSION" -DGATEHOUSE_SIGN_CMD="bash $wstage/scripts/package-sign.sh" \
    project.nsi >"$nsislog" 2>&1) || {
    tail -n 40 "$nsislog" >&2
    die "makensis failed (log: $nsislog)"
  }
  grep -E '^signed ' "$nsislog" || true
  installer=build/bin/gatehouse-amd64-installer.exe
  [ -f "$installer" ] || die "makensis did not produce $installer"
  verify "$installer"
  cp "$exe" "$out/gatehouse-$VERSION-windows-amd64.exe"
  cp "$installer" "$out/gatehouse-$VERSION-windows-amd64-setup.exe"
  step_done "installer (lzma, signed)"
fi

# ---- dist/ ---------------------------------------------------------------------------
cd "$root"
rm -rf dist
mkdir -p dist
cp -p "$out"/* dist/
(cd dist && sha256sum -- * >SHA256SUMS && sha256sum -c --quiet SHA256SUMS)

total=$(($(now_ms) - t_all))
echo
say "dist/ ($VERSION):"
# shellcheck disable=SC2012 # our own file names
(cd dist && ls -l --time-style=+ -- * | awk '{ printf "  %10d  %6.1f MB  %s\n", $5, $5 / 1000000, $NF }')
say "times (the Windows build runs while the Linux steps do):"
printf '  %s\n' "${timings[@]}"
echo "package: $(fmt_ms "$total")"
