#!/usr/bin/env bash
# Tests what scripts/package.sh put in dist/. Run it after package.sh, as root
# (or with sudo): it INSTALLS the .deb into this machine's system with apt-get
# and removes it again at the end (any gatehouse package installed before is
# removed first).
#
# Debian package: control fields (Depends on GTK 3 and WebKitGTK 4.1, and
# every shared library the binary needs comes with those), contents, the
# desktop entry (desktop-file-validate); then `apt-get install ./dist/...deb`,
# `dpkg -L`, `/usr/bin/gatehouse --version`, the installed app under Xvfb with
# a screenshot (scripts/xvfb-test.sh; build/artifacts/package-signin.png), the
# gatehouse:// handler (`xdg-mime query default x-scheme-handler/gatehouse`
# with an empty home, so only the system-wide registration counts), and
# `apt-get remove` / `purge`: the files and the handler are gone, the data
# folder the app created is not.
# Windows: `file` says PE32+ x86-64, `osslsigncode verify` passes on the app,
# the installer and the uninstaller inside it (and fails on a tampered copy),
# the version resource holds the git version, the installer carries exactly
# the signed app and the WebView2 bootstrapper and registers gatehouse://
# (makensis log); signing from a PKCS#12 file (GATEHOUSE_SIGN_PFX) works and a
# key inside the repository is refused.
# SHA256SUMS checks out. Prints one line a check and `package checks: N ok`.
# SKIP_SETUP=1 skips scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

[ "${SKIP_SETUP:-}" = 1 ] || GATEHOUSE_PACKAGE_SETUP=1 bash scripts/setup.sh
go_path_setup

ok=0
pass() {
  ok=$((ok + 1))
  printf '  \033[32mok\033[0m   %s\n' "$*"
}
fail() { die "package test: $*"; }

tmp=$(mktemp -d)
installed_by_us=""
cleanup() {
  if [ -n "$installed_by_us" ] && dpkg-query -W -f='${Status}' gatehouse 2>/dev/null | grep -q 'ok installed'; then
    warn "removing the gatehouse package this test installed"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q gatehouse >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# ---- what is in dist/ ------------------------------------------------------------
[ -d dist ] || fail "dist/ is missing: run scripts/package.sh first"
one() { # one GLOB: the single file matching GLOB in dist/
  local files
  mapfile -t files < <(compgen -G "dist/$1" || true)
  [ ${#files[@]} -eq 1 ] || fail "want exactly one dist/$1, found ${#files[@]}: ${files[*]:-none}"
  echo "${files[0]}"
}
deb=$(one 'gatehouse_*_amd64.deb')
linux_bin=$(one 'gatehouse-*-linux-amd64')
win_exe=$(one 'gatehouse-*-windows-amd64.exe')
win_setup=$(one 'gatehouse-*-windows-amd64-setup.exe')
# The version every artefact must carry: the one the Linux binary prints.
VERSION=$("$linux_bin" --version | sed -n 's/^gatehouse //p')
[ -n "$VERSION" ] || fail "$linux_bin --version prints no version"
git_version=$(build_version)
[ "$VERSION" = "$git_version" ] ||
  warn "dist/ is from $VERSION, the work tree is at $git_version now (run scripts/package.sh to rebuild)"
say "testing dist/ for $VERSION"

echo "== SHA256SUMS"
(cd dist && sha256sum -c --quiet SHA256SUMS) || fail "dist/SHA256SUMS does not match"
want_files=$(cd dist && find . -maxdepth 1 -type f ! -name SHA256SUMS -printf '%f\n' | sort)
have_files=$(awk '{ sub(/^\*/, "", $2); print $2 }' dist/SHA256SUMS | sort)
[ "$want_files" = "$have_files" ] || fail "SHA256SUMS lists [$have_files], dist/ holds [$want_files]"
pass "SHA256SUMS covers every file in dist/ and checks out"
for f in "$linux_bin" "$win_exe" "$win_setup"; do
  [[ $f == dist/gatehouse-"$VERSION"-* ]] || fail "$f is not named for $VERSION"
done
# The Debian version: X.Y.Z, then +N.gHASH / ~N.gHASH off a tag, .dirty for a
# changed work tree (package_versions in scripts/lib.sh).
DEB_VERSION=$(dpkg-deb -f "$deb" Version)
[ "$deb" = "dist/gatehouse_${DEB_VERSION}_amd64.deb" ] || fail "$deb holds version $DEB_VERSION"
[[ $DEB_VERSION =~ ^([0-9]+\.[0-9]+\.[0-9]+)([+~][0-9]+\.g([0-9a-f]+))?(\+dirty|\.dirty)?$ ]] ||
  fail "Debian version $DEB_VERSION is not X.Y.Z[+~N.gHASH][.dirty]"
VERSION_BASE=${BASH_REMATCH[1]}
hash=${BASH_REMATCH[3]}
[ -z "$hash" ] || [[ $VERSION == *"$hash"* ]] || fail "Debian version $DEB_VERSION names commit $hash, the binary $VERSION"
v_dirty=no d_dirty=no
[[ $VERSION != *-dirty ]] || v_dirty=yes
[[ $DEB_VERSION != *dirty ]] || d_dirty=yes
[ "$v_dirty" = "$d_dirty" ] || fail "Debian version $DEB_VERSION and $VERSION disagree on a dirty work tree"
pass "every artefact is stamped with $VERSION (deb $DEB_VERSION)"

# ---- the .deb, before installing -------------------------------------------------------
echo "== Debian package: $deb"
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = gatehouse ] || fail "Package is '$(field Package)'"
[ "$(field Architecture)" = amd64 ] || fail "Architecture is '$(field Architecture)'"
depends=$(field Depends)
for d in libgtk-3-0 libwebkit2gtk-4.1-0; do
  grep -Eq "(^|, )$d( |,|$)" <<<"$depends" || fail "Depends '$depends' lacks $d"
done
control=$(dpkg-deb -I "$deb")
grep -q ' postinst ' <<<"$control" || fail "no postinst"
grep -q ' postrm ' <<<"$control" || fail "no postrm"
pass "control: gatehouse $DEB_VERSION amd64, Depends: $depends, postinst and postrm"

# Every library the binary links must come with the declared Depends on a
# bare Debian 12: the package owning it is in their dependency closure.
# shellcheck disable=SC2046 # the Depends, one word each
closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
  --no-breaks --no-replaces --no-enhances $(sed 's/([^)]*)//g; s/,/ /g; s/|/ /g' <<<"$depends") |
  grep -v '^ ' | sed 's/:.*//' | sort -u)
ldconfig=$(command -v ldconfig || echo /sbin/ldconfig)
owner() { # owner SONAME: the Debian package that holds it here
  local path cand
  path=$("$ldconfig" -p | awk -v l="$1" '$1 == l && /x86-64/ && !p { print $NF; p = 1 }')
  [ -n "$path" ] || return 1
  for cand in "$path" "$(realpath "$path")" "${path#/usr}" "/usr$path"; do
    dpkg -S "$cand" 2>/dev/null | head -n 1 | cut -d: -f1 && return 0
  done
  return 1
}
libs=()
while read -r lib; do
  pkg=$(owner "$lib") || fail "$linux_bin needs $lib, which no installed package provides"
  grep -qx "$pkg" <<<"$closure" || fail "$lib comes from $pkg, which the Depends ($depends) do not bring"
  libs+=("$lib")
done < <(objdump -p "$linux_bin" | awk '$1 == "NEEDED" { print $2 }')
[ ${#libs[@]} -gt 0 ] || fail "objdump found no NEEDED libraries in $linux_bin"
pass "all ${#libs[@]} shared libraries of the binary come with the Depends"

contents=$(dpkg-deb -c "$deb" | awk '{ print $NF }' | sed 's|^\./|/|')
want=(/usr/bin/gatehouse /usr/share/applications/gatehouse.desktop)
for s in 16 24 32 48 64 128 256 512; do want+=("/usr/share/icons/hicolor/${s}x${s}/apps/gatehouse.png"); done
for f in "${want[@]}"; do grep -qx "$f" <<<"$contents" || fail "$deb lacks $f"; done
unexpected=$(grep -v '/$' <<<"$contents" | grep -vxF -f <(printf '%s\n' "${want[@]}") || true)
[ -z "$unexpected" ] || fail "$deb holds unexpected files: $unexpected"
pass "contents: the binary, the desktop entry, 8 icon sizes, nothing else"

mkdir -p "$tmp/deb"
dpkg-deb -x "$deb" "$tmp/deb"
cmp -s "$tmp/deb/usr/bin/gatehouse" "$linux_bin" || fail "the .deb's binary differs from $linux_bin"
for s in 16 256 512; do
  got=$(identify -format '%wx%h' "$tmp/deb/usr/share/icons/hicolor/${s}x${s}/apps/gatehouse.png")
  [ "$got" = "${s}x${s}" ] || fail "the ${s}x${s} icon is $got"
done
desktop=$tmp/deb/usr/share/applications/gatehouse.desktop
grep -qx 'Exec=gatehouse %u' "$desktop" || fail "desktop entry: Exec is not 'gatehouse %u'"
grep -Eqx 'MimeType=(.*;)?x-scheme-handler/gatehouse;.*' "$desktop" || fail "desktop entry: no MimeType x-scheme-handler/gatehouse"
grep -qx 'Icon=gatehouse' "$desktop" || fail "desktop entry: Icon is not gatehouse"
desktop-file-validate "$desktop" || fail "desktop-file-validate rejects the desktop entry"
pass "the .deb's binary is dist's; icons have their sizes; desktop entry valid (Exec=gatehouse %u, x-scheme-handler/gatehouse)"

# ---- install ------------------------------------------------------------------------------
echo "== apt-get install ./$deb"
if dpkg-query -W -f='${Status}' gatehouse 2>/dev/null | grep -q 'ok installed'; then
  warn "a gatehouse package is installed already ($(dpkg-query -W -f='${Version}' gatehouse)): removing it first"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q gatehouse
fi
installed_by_us=1
if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "./$deb"; then
  # A machine that lacks GTK or WebKitGTK may have stale package lists.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "./$deb"
fi
[ "$(dpkg-query -W -f='${Status} ${Version}' gatehouse)" = "install ok installed $DEB_VERSION" ] ||
  fail "dpkg says: $(dpkg-query -W -f='${Status} ${Version}' gatehouse)"
pass "apt-get install: gatehouse $DEB_VERSION installed"

listed=$(dpkg -L gatehouse)
for f in "${want[@]}"; do
  grep -qx "$f" <<<"$listed" || fail "dpkg -L gatehouse lacks $f"
  [ -f "$f" ] || fail "$f is listed but missing"
done
pass "dpkg -L gatehouse lists the binary, the desktop entry and the icons, all present"

got=$(/usr/bin/gatehouse --version)
[ "$got" = "gatehouse $VERSION" ] || fail "/usr/bin/gatehouse --version says '$got', want 'gatehouse $VERSION'"
pass "/usr/bin/gatehouse --version: $got"

# The gatehouse:// handler, as a user with an empty home sees it: only the
# system-wide registration (postinst's update-desktop-database) counts.
xdg_query() {
  mkdir -p "$tmp/home"
  env HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config" XDG_DATA_HOME="$tmp/home/.local/share" \
    XDG_CONFIG_DIRS=/etc/xdg XDG_DATA_DIRS=/usr/local/share:/usr/share \
    XDG_CURRENT_DESKTOP= DESKTOP_SESSION= KDE_FULL_SESSION= GNOME_DESKTOP_SESSION_ID= \
    xdg-mime query default x-scheme-handler/gatehouse 2>/dev/null || true
}
grep -q '^x-scheme-handler/gatehouse=.*gatehouse\.desktop' /usr/share/applications/mimeinfo.cache ||
  fail "/usr/share/applications/mimeinfo.cache does not map x-scheme-handler/gatehouse (did postinst run update-desktop-database?)"
got=$(xdg_query)
[ "$got" = gatehouse.desktop ] || fail "xdg-mime query default x-scheme-handler/gatehouse says '$got', want gatehouse.desktop"
pass "xdg-mime query default x-scheme-handler/gatehouse: $got"

echo "== the installed app under Xvfb"
data=$tmp/data # the app creates it
ARTIFACT_NAME=package DATA_DIR=$data bash scripts/xvfb-test.sh /usr/bin/gatehouse
[ -f "$data/gatehouse.db" ] || fail "the app did not create $data/gatehouse.db"
pass "/usr/bin/gatehouse opened its first screen under Xvfb (build/artifacts/package-signin.png) and created $data"

# ---- remove and purge ------------------------------------------------------------------------
echo "== apt-get remove gatehouse, then purge"
as_root env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q gatehouse
installed_by_us=""
for f in "${want[@]}"; do [ ! -e "$f" ] || fail "$f is still there after apt-get remove"; done
[ -f "$data/gatehouse.db" ] || fail "apt-get remove deleted the data folder $data"
got=$(xdg_query)
[ -z "$got" ] || fail "after removal xdg-mime still names '$got' for gatehouse://"
! grep -q '^x-scheme-handler/gatehouse=' /usr/share/applications/mimeinfo.cache ||
  fail "after removal mimeinfo.cache still maps x-scheme-handler/gatehouse"
as_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q gatehouse
! dpkg-query -W -f='${Status}' gatehouse 2>/dev/null | grep -q 'installed' || fail "gatehouse is still known to dpkg after purge"
[ -f "$data/gatehouse.db" ] || fail "apt-get purge deleted the data folder $data"
pass "remove and purge: files and the gatehouse:// handler gone, the data folder kept"

# ---- Windows ---------------------------------------------------------------------------------
echo "== Windows: $win_exe, $win_setup"
info=$(file -b "$win_exe")
[[ $info == "PE32+ executable (GUI) x86-64"* ]] || fail "file says $win_exe is: $info"
pass "file: $info"
info=$(file -b "$win_setup")
[[ $info == "PE32 executable (GUI)"*"Nullsoft Installer"* ]] || fail "file says $win_setup is: $info"
pass "file: installer is an NSIS (Nullsoft) PE"
# SQLite needs cgo: without it go-sqlite3 compiles to a stub that fails at
# the first query. The build info says how the binary was built, and only
# SQLite's C code holds its file header string.
for f in "$win_exe" "$linux_bin"; do
  buildinfo=$(go version -m "$f")
  grep -q 'CGO_ENABLED=1' <<<"$buildinfo" || fail "$f was built without cgo: $(grep CGO_ENABLED <<<"$buildinfo")"
  grep -qa 'SQLite format 3' "$f" || fail "$f holds no SQLite C library"
done
goos=$(go version -m "$win_exe" | awk '$2 ~ /^GOOS=/ { sub(/GOOS=/, "", $2); print $2 }')
[ "$goos" = windows ] || fail "$win_exe: GOOS=$goos"
pass "both binaries are cgo builds with SQLite's C library (Windows: mingw-w64)"

cafile=${GATEHOUSE_SIGN_CAFILE:-}
[ -n "$cafile" ] || [ ! -f dist/test-signing-ca.pem ] || cafile=dist/test-signing-ca.pem
verify() { osslsigncode verify ${cafile:+-CAfile "$cafile"} -in "$1" >"$tmp/verify.log" 2>&1; }
for f in "$win_exe" "$win_setup"; do
  verify "$f" || {
    cat "$tmp/verify.log" >&2
    fail "osslsigncode verify fails for $f"
  }
  grep -q '^Signature verification: ok' "$tmp/verify.log" || fail "no 'Signature verification: ok' for $f"
done
signer=$(grep -m 1 'Subject:' "$tmp/verify.log" | sed 's/^[[:space:]]*Subject: //')
pass "osslsigncode verify${cafile:+ -CAfile $cafile}: app and installer signed by $signer"
cp "$win_exe" "$tmp/tampered.exe"
size=$(stat -c %s "$tmp/tampered.exe")
printf '\xff' | dd of="$tmp/tampered.exe" bs=1 seek=$((size / 2)) conv=notrunc status=none
! verify "$tmp/tampered.exe" || fail "osslsigncode verify accepts a tampered copy"
pass "osslsigncode verify rejects a copy with one byte changed"

# The version resource (VS_VERSIONINFO; UTF-16 strings).
verinfo() { # verinfo FILE KEY: the value of KEY in FILE's version resource
  strings -el "$1" | awk -v k="$2" 'f && prev == k && !p { print; p = 1 } /^VS_VERSION_INFO$/ { f = 1 } { prev = $0 }'
}
got=$(verinfo "$win_exe" ProductVersion)
[ "$got" = "$VERSION" ] || fail "$win_exe: ProductVersion '$got', want $VERSION"
got2=$(verinfo "$win_exe" FileVersion)
[[ $got2 == "$VERSION_BASE".* && ${got2#"$VERSION_BASE".} =~ ^[0-9]+$ ]] || fail "$win_exe: FileVersion '$got2', want $VERSION_BASE.N"
got3=$(verinfo "$win_setup" ProductVersion)
[ "$got3" = "$VERSION" ] || fail "$win_setup: ProductVersion '$got3', want $VERSION"
pass "version resource: ProductVersion $got, FileVersion $got2; installer ProductVersion $got3"

# What the installer carries: the signed app byte for byte, a signed
# uninstaller is written at install time, and Microsoft's WebView2 bootstrapper.
mkdir -p "$tmp/setup"
7zz x -y -o"$tmp/setup" "$win_setup" >/dev/null || fail "7zz cannot unpack $win_setup"
cmp -s "$tmp/setup/gatehouse.exe" "$win_exe" || fail "the installer's gatehouse.exe is not the signed $win_exe"
[ -s "$tmp/setup/\$PLUGINSDIR/webview2bootstrapper/MicrosoftEdgeWebview2Setup.exe" ] ||
  fail "the installer has no WebView2 bootstrapper"
if [ -s "$tmp/setup/uninstall.exe" ]; then
  verify "$tmp/setup/uninstall.exe" || fail "the uninstaller is not signed"
  pass "installer holds the signed gatehouse.exe, a signed uninstaller and the WebView2 bootstrapper"
else
  pass "installer holds the signed gatehouse.exe and the WebView2 bootstrapper"
fi

# The registry writes, from makensis' log of the installer package.sh built.
nsislog=build/artifacts/makensis.log
[ -f "$nsislog" ] || fail "$nsislog is missing (package.sh writes it)"
grep -qF "VIAddVersionKey: \"ProductVersion\" \"$VERSION\"" "$nsislog" ||
  fail "$nsislog is not from the build of $VERSION"
cls='SHELL_CONTEXT\Software\Classes\gatehouse'
# shellcheck disable=SC2016 # NSIS variables, literally
for line in "WriteRegStr: $cls\\URL Protocol=" \
  "WriteRegStr: $cls\\shell\\open\\command\\=\"\$INSTDIR\\gatehouse.exe\" \"%1\"" \
  "DeleteRegKey: $cls" \
  'ExecWait: ""$pluginsdir\webview2bootstrapper\MicrosoftEdgeWebview2Setup.exe" /silent /install"'; do
  grep -qF "$line" "$nsislog" || fail "the installer does not do: $line"
done
pass "installer registers gatehouse:// (\"URL Protocol\", \"...\\gatehouse.exe\" \"%1\"), removes it on uninstall, bootstraps WebView2"

# Signing with a configured PKCS#12 file (the real-certificate path).
bash scripts/package-sign.sh test-cert "$tmp/pfx" >/dev/null
openssl pkcs12 -export -inkey "$tmp/pfx/key.pem" -in "$tmp/pfx/cert.pem" -out "$tmp/pfx/sign.p12" \
  -passout pass:test-password 2>/dev/null
cp "$win_exe" "$tmp/pfx/app.exe"
osslsigncode remove-signature -in "$tmp/pfx/app.exe" -out "$tmp/pfx/unsigned.exe" >/dev/null
GATEHOUSE_SIGN_PFX=$tmp/pfx/sign.p12 GATEHOUSE_SIGN_PFX_PASSWORD=test-password \
  bash scripts/package-sign.sh "$tmp/pfx/unsigned.exe" >/dev/null
osslsigncode verify -CAfile "$tmp/pfx/ca.pem" -in "$tmp/pfx/unsigned.exe" >/dev/null 2>&1 ||
  fail "signing from GATEHOUSE_SIGN_PFX does not verify"
mkdir -p build/artifacts
cp "$tmp/pfx/sign.p12" build/artifacts/in-repo.p12
if GATEHOUSE_SIGN_PFX=build/artifacts/in-repo.p12 bash scripts/package-sign.sh "$tmp/pfx/unsigned.exe" >/dev/null 2>&1; then
  rm -f build/artifacts/in-repo.p12
  fail "package-sign.sh accepted a key inside the repository"
fi
rm -f build/artifacts/in-repo.p12
pass "GATEHOUSE_SIGN_PFX signing verifies; a key inside the repository is refused"

echo "package checks: $ok ok"
