#!/usr/bin/env bash
# The clean-machine install test of the .deb in dist/ (or the one named as the
# first argument). This machine has the GTK and WebKitGTK dev packages, so
# installing the .deb here (scripts/package-test.sh does) cannot show that its
# Depends are right. This test does it in a bare Debian 12 (bookworm) root
# instead, built with mmdebstrap (variant "apt": the Essential packages and
# apt, nothing graphical) from the Debian mirrors this machine's apt uses, and
# run in a chroot inside private mount and PID namespaces (unshare), so every
# mount and process goes away with it:
#   1. `apt-get install -y ./gatehouse_*.deb`, as a user would (Recommends
#      included): it must bring libgtk-3-0 and libwebkit2gtk-4.1-0 itself,
#      the binary must find every shared library (ldd), no -dev package may
#      come along, and `gatehouse --version` must print the version;
#   2. then, and only then, the test's own tools (xvfb, xauth, imagemagick):
#      as an ordinary user with a throwaway home, scripts/xvfb-test.sh starts
#      /usr/bin/gatehouse under Xvfb, waits for GATEHOUSE_READY, screenshots
#      the sign-in screen and checks the picture is not blank; the data folder
#      is the default ~/.local/share/gatehouse;
#   3. `xdg-mime query default x-scheme-handler/gatehouse` (that user, empty
#      XDG environment) names gatehouse.desktop;
#   4. `apt-get remove gatehouse`: the binary, the desktop entry and the
#      handler are gone, the user's data folder is not; then `purge`, same.
# Artifacts in build/artifacts/: install-signin.png (the screenshot),
# install.log (the app's output), install-xvfb.log, install-packages.txt
# (what the .deb pulled in).
#
# Needs root (mmdebstrap, chroot, mounts); re-runs itself with sudo when not.
# Installs mmdebstrap with apt-get when it is missing (unless SKIP_SETUP=1).
# Cache (GATEHOUSE_INSTALL_TEST_CACHE, default
# ${XDG_CACHE_HOME:-~/.cache}/gatehouse/install-test): the base root as a
# tarball (rebuilt when older than GATEHOUSE_INSTALL_TEST_MAX_AGE_DAYS, default
# 7, or when the mirrors change) and apt's downloaded .debs. Runs sharing a
# cache take turns (flock).
# GATEHOUSE_INSTALL_TEST_MIRRORS: sources.list lines to use instead of this
# machine's Debian entries, one a line.
# GATEHOUSE_INSTALL_TEST_TIMEOUT: seconds the chroot part may take (900).
# GATEHOUSE_INSTALL_TEST_TMPFS=0: the root on disk (under TMPDIR, default
# /var/tmp) instead of a tmpfs (about 1.5 GB of RAM at the peak).
# Times, on this 2-core machine: see README.md (Packaging).
# Prints one line a check and `install checks: N ok`.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
repo=$PWD

if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || die "the install test needs root (mmdebstrap, chroot, mounts); run it as root"
  exec sudo --preserve-env=SKIP_SETUP,GATEHOUSE_INSTALL_TEST_CACHE,GATEHOUSE_INSTALL_TEST_MAX_AGE_DAYS,GATEHOUSE_INSTALL_TEST_MIRRORS,XDG_CACHE_HOME \
    bash "$0" "$@"
fi

t_all=$(now_ms)
suite=bookworm
timings=()
step_t0=0
step() {
  step_t0=$(now_ms)
  say "$*"
}
step_done() { timings+=("$(printf '%-32s %s' "$1" "$(fmt_ms $(($(now_ms) - step_t0)))")"); }

# ---- the package -----------------------------------------------------------------------
if [ $# -ge 1 ]; then
  deb=$1
else
  mapfile -t debs < <(compgen -G 'dist/gatehouse_*_amd64.deb' || true)
  [ ${#debs[@]} -eq 1 ] || die "want exactly one dist/gatehouse_*_amd64.deb, found ${#debs[@]}: run scripts/package.sh first"
  deb=${debs[0]}
fi
[ -f "$deb" ] || die "$deb is missing"
deb_version=$(dpkg-deb -f "$deb" Version)
say "clean-machine install test of $deb ($deb_version) on Debian $suite"

# ---- tools ---------------------------------------------------------------------------------
for t in unshare chroot flock tar; do
  command -v "$t" >/dev/null 2>&1 || die "$t is missing"
done
if ! command -v mmdebstrap >/dev/null 2>&1; then
  [ "${SKIP_SETUP:-}" != 1 ] || die "mmdebstrap is missing (apt-get install mmdebstrap)"
  step "apt: installing mmdebstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mmdebstrap >/dev/null ||
    { DEBIAN_FRONTEND=noninteractive apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mmdebstrap; }
  step_done "install mmdebstrap"
fi

# ---- mirrors: this machine's Debian entries for bookworm ------------------------------------
# One sources.list line per URI and suite, from the one-line (.list) and
# deb822 (.sources) files; other vendors' repositories (their suite is not
# bookworm, bookworm-updates or bookworm-security) are left out.
host_mirrors() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" |
      awk -v s="$suite" '$1 == "deb" && ($3 == s || $3 == s "-updates" || $3 == s "-security") { print "deb " $2 " " $3 " main" }'
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v s="$suite" '
      function flush(   i, j, nu, ns, u, su) {
        if (types ~ /(^| )deb( |$)/ && enabled !~ /^[Nn]o/) {
          nu = split(uris, u, " "); ns = split(suites, su, " ")
          for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++)
            if (su[j] == s || su[j] == s "-updates" || su[j] == s "-security") print "deb " u[i] " " su[j] " main"
        }
        types = uris = suites = enabled = ""
      }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      /^Types:/ { sub(/^Types:[ \t]*/, ""); types = $0 }
      /^URIs:/ { sub(/^URIs:[ \t]*/, ""); uris = $0 }
      /^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
      /^Enabled:/ { sub(/^Enabled:[ \t]*/, ""); enabled = $0 }
      END { flush() }' "$f"
  done
}
if [ -n "${GATEHOUSE_INSTALL_TEST_MIRRORS:-}" ]; then
  mirrors=$GATEHOUSE_INSTALL_TEST_MIRRORS
else
  mirrors=$(host_mirrors | awk '!seen[$0]++')
fi
if ! grep -q " $suite main\$" <<<"$mirrors"; then
  warn "no Debian $suite entry in this machine's apt sources: using http://deb.debian.org/debian"
  mirrors=$(printf 'deb http://deb.debian.org/debian %s main\n%s' "$suite" "$mirrors")
fi
mapfile -t mirror_lines < <(grep -v '^[[:space:]]*$' <<<"$mirrors")
printf '  mirror: %s\n' "${mirror_lines[@]}"

# ---- the cached base root ----------------------------------------------------------------------
cache=${GATEHOUSE_INSTALL_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gatehouse/install-test}
mkdir -p "$cache/archives/partial"
exec 9>"$cache/lock"
if ! flock -n 9; then
  say "another install test uses $cache: waiting for it"
  flock 9
fi
base=$cache/$suite-apt.tar
key=$(printf '%s\n' "mmdebstrap variant=apt suite=$suite" "${mirror_lines[@]}" | sha256sum | cut -c1-16)
max_age=${GATEHOUSE_INSTALL_TEST_MAX_AGE_DAYS:-7}
if [ -f "$base" ] && [ "$(cat "$base.key" 2>/dev/null)" = "$key" ] &&
  [ -z "$(find "$base" -mtime +"$max_age" -print)" ]; then
  say "base root: $base (cached, $(du -m "$base" | cut -f1) MB, from $(date -r "$base" '+%F %R'))"
else
  step "mmdebstrap --variant=apt $suite -> $base (cold: no cached base, or older than $max_age days, or other mirrors)"
  rm -f "$base" "$base.key" "$base.tmp"
  # The .debs mmdebstrap downloads are kept for the apt-get runs below.
  # shellcheck disable=SC2016 # $1 is the new root, for mmdebstrap's hook
  mmdebstrap --mode=root --variant=apt --format=tar --skip=download/empty \
    --setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
    --setup-hook="sync-in '$cache/archives' /var/cache/apt/archives/" \
    --customize-hook="sync-out /var/cache/apt/archives '$cache/archives'" \
    "$suite" "$base.tmp" "${mirror_lines[@]}"
  mv "$base.tmp" "$base"
  echo "$key" >"$base.key"
  step_done "mmdebstrap (base root)"
fi

# ---- the payload: the .deb, the Xvfb check, the script that runs inside -------------------------
work=$(mktemp -d "${TMPDIR:-/var/tmp}/gatehouse-install.XXXXXX")
root=$work/root # the Debian root: a tmpfs inside the namespace (or a folder here)
payload=$work/payload out=$work/out
cleanup() {
  # The mounts live in the namespace and go with it; never delete through one.
  if [ -d "$root" ] && findmnt -rn -o TARGET | grep -q "^$root"; then
    warn "something is still mounted on $root: left in place"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$root" "$payload/scripts" "$payload/build/artifacts" "$out"
rm -f "$repo"/build/artifacts/install-signin.png "$repo"/build/artifacts/install.log \
  "$repo"/build/artifacts/install-xvfb.log "$repo"/build/artifacts/install-packages.txt
cp "$deb" "$payload/"
cp scripts/xvfb-test.sh scripts/lib.sh "$payload/scripts/"
version=$(dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./usr/bin/gatehouse >"$work/gatehouse" &&
  chmod +x "$work/gatehouse" && "$work/gatehouse" --version | sed -n 's/^gatehouse //p')
[ -n "$version" ] || die "the .deb's gatehouse --version prints no version"
t=$payload

# ---- what runs inside -----------------------------------------------------------------------------
cat >"$t/inner.sh" <<'INNER'
#!/bin/bash
# Runs as root in the bare Debian root (see package-install-test.sh).
set -euo pipefail
cd /gatehouse-test
export DEBIAN_FRONTEND=noninteractive
ok=0
pass() {
  ok=$((ok + 1))
  printf '  \033[32mok\033[0m   %s\n' "$*"
}
fail() {
  printf '\033[1;31merror:\033[0m install test: %s\n' "$*" >&2
  exit 1
}
now_ms() { date +%s%3N; }
t0=$(now_ms)
lap() { # lap NAME: prints NAME and the time since the last lap
  local t
  t=$(now_ms)
  printf '%s\t%s\n' "$1" $((t - t0)) >>/gatehouse-test/timings.tsv
  t0=$t
}
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
packages() { dpkg-query -W -f='${Status} ${Package}\n' | awk '$3 == "installed" { print $4 }' | sort; }
deb=$(ls /gatehouse-test/gatehouse_*_amd64.deb)
version=$(dpkg-deb -f "$deb" Version)

apt-get update -q >/dev/null || { sleep 5; apt-get update -q; }
lap "apt-get update"
packages >before.txt
for p in libgtk-3-0 libwebkit2gtk-4.1-0 xvfb xdg-utils desktop-file-utils; do
  ! installed "$p" || fail "the base root already has $p"
done
[ ! -e /usr/lib/x86_64-linux-gnu/libgtk-3.so.0 ] || fail "the base root already has GTK"
pass "bare Debian $(cat /etc/debian_version): $(wc -l <before.txt) packages, no GTK, WebKitGTK, X server or xdg-utils"

echo "== apt-get install -y ./$(basename "$deb")"
apt-get install -y -q "./$(basename "$deb")" >apt-install.log 2>&1 || {
  tail -n 40 apt-install.log >&2
  fail "apt-get install ./$(basename "$deb") failed"
}
grep -E '^(Need to get|After this operation)' apt-install.log | sed 's/^/  apt: /' || true
lap "apt-get install ./gatehouse.deb"
[ "$(dpkg-query -W -f='${Status} ${Version}' gatehouse)" = "install ok installed $version" ] ||
  fail "dpkg says: $(dpkg-query -W -f='${Status} ${Version}' gatehouse)"
packages >after.txt
comm -13 before.txt after.txt >build/artifacts/install-packages.txt
pulled=$(grep -cvx gatehouse build/artifacts/install-packages.txt || true)
for p in libgtk-3-0 libwebkit2gtk-4.1-0 libjavascriptcoregtk-4.1-0 desktop-file-utils xdg-utils; do
  grep -qx "$p" build/artifacts/install-packages.txt || fail "installing the .deb did not bring $p"
done
pass "apt-get install ./$(basename "$deb"): gatehouse $version and $pulled packages with it, among them libgtk-3-0, libwebkit2gtk-4.1-0 and (Recommends) desktop-file-utils, xdg-utils"
dev=$(grep -E -- '-dev$' after.txt || true)
[ -z "$dev" ] || fail "installing the .deb brought development packages: $(echo $dev)"
pass "no -dev package installed ($(wc -l <after.txt) packages in all)"
missing=$(ldd /usr/bin/gatehouse | grep 'not found' || true)
[ -z "$missing" ] || fail "/usr/bin/gatehouse lacks shared libraries: $missing"
pass "ldd /usr/bin/gatehouse: all $(ldd /usr/bin/gatehouse | grep -c '=>') shared libraries found"
got=$(/usr/bin/gatehouse --version)
[ "$got" = "gatehouse $GATEHOUSE_VERSION" ] || fail "/usr/bin/gatehouse --version says '$got', want 'gatehouse $GATEHOUSE_VERSION'"
pass "/usr/bin/gatehouse --version: $got"

# The test's own tools, only now: they cannot have satisfied the .deb's needs.
apt-get install -y -q --no-install-recommends xvfb xauth imagemagick >apt-tools.log 2>&1 || {
  tail -n 40 apt-tools.log >&2
  fail "apt-get install xvfb xauth imagemagick failed"
}
lap "apt-get install test tools"

# An ordinary user with a throwaway home, as on a real desktop.
useradd -m -s /bin/bash -u 1000 tester
chown -R tester: /gatehouse-test/build
home=/home/tester
data=$home/.local/share/gatehouse # the app's default data folder
as_tester() {
  setpriv --reuid=tester --regid=tester --init-groups \
    env -i HOME=$home USER=tester LOGNAME=tester PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 "$@"
}
echo "== /usr/bin/gatehouse under Xvfb, as user tester"
as_tester env ARTIFACT_NAME=install DATA_DIR="$data" bash /gatehouse-test/scripts/xvfb-test.sh /usr/bin/gatehouse ||
  fail "the installed app did not show its first screen under Xvfb"
[ -f "$data/gatehouse.db" ] || fail "the app did not create $data/gatehouse.db"
grep -q 'GATEHOUSE_READY screen=signin' build/artifacts/install.log || fail "the first screen was not the sign-in screen: $(grep -m1 GATEHOUSE_READY build/artifacts/install.log)"
pass "/usr/bin/gatehouse showed the sign-in screen under Xvfb (install-signin.png) and created $data"
lap "app under Xvfb"

xdg_query() { as_tester xdg-mime query default x-scheme-handler/gatehouse 2>/dev/null || true; }
got=$(xdg_query)
[ "$got" = gatehouse.desktop ] || fail "xdg-mime query default x-scheme-handler/gatehouse says '$got', want gatehouse.desktop"
pass "xdg-mime query default x-scheme-handler/gatehouse: $got"

echo "== apt-get remove gatehouse, then purge"
apt-get remove -y -q gatehouse >apt-remove.log 2>&1 || {
  cat apt-remove.log >&2
  fail "apt-get remove gatehouse failed"
}
for f in /usr/bin/gatehouse /usr/share/applications/gatehouse.desktop /usr/share/icons/hicolor/48x48/apps/gatehouse.png; do
  [ ! -e "$f" ] || fail "$f is still there after apt-get remove"
done
[ -f "$data/gatehouse.db" ] || fail "apt-get remove deleted the user's data folder $data"
got=$(xdg_query)
[ -z "$got" ] || fail "after removal xdg-mime still names '$got' for gatehouse://"
! grep -qs '^x-scheme-handler/gatehouse=' /usr/share/applications/mimeinfo.cache ||
  fail "after removal mimeinfo.cache still maps x-scheme-handler/gatehouse"
apt-get purge -y -q gatehouse >>apt-remove.log 2>&1 || fail "apt-get purge gatehouse failed"
! installed gatehouse || fail "gatehouse is still installed after purge"
[ -f "$data/gatehouse.db" ] || fail "apt-get purge deleted the user's data folder $data"
pass "remove and purge: binary, desktop entry, icons and the gatehouse:// handler gone; $data kept"
lap "remove and purge"

# Obsolete .debs out of the shared download cache.
apt-get autoclean -q >/dev/null 2>&1 || true
echo "INNER_CHECKS $ok"
INNER

# ---- run it in the chroot, in private mount and PID namespaces ------------------------------------
# The namespace's first process unpacks the base root (into a tmpfs of its
# own unless GATEHOUSE_INSTALL_TEST_TMPFS=0: about 1.5 GB of RAM at the
# peak, and dpkg is quicker there), mounts /proc, /dev, /sys, a /tmp and the
# shared download cache, runs inner.sh in the chroot and copies the artifacts
# out. When it ends, the kernel ends every process and mount it made.
cat >"$work/ns.sh" <<'NS'
set -e
r=$1 base=$2 archives=$3 version=$4 payload=$5 out=$6 tmpfs=$7
[ "$tmpfs" = 0 ] || mount -t tmpfs -o size=8g,mode=755 gatehouse-test-root "$r"
tar -xpf "$base" --numeric-owner -C "$r"
cp /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || true
# No services start in a chroot.
printf '#!/bin/sh\nexit 101\n' >"$r/usr/sbin/policy-rc.d"
chmod 755 "$r/usr/sbin/policy-rc.d"
# dpkg without an fsync after every file, and without documentation:
# unpacking 500-odd packages is most of this test's time. Neither changes
# which packages get installed.
printf '%s\n' force-unsafe-io 'path-exclude=/usr/share/doc/*' 'path-exclude=/usr/share/man/*' \
  'path-exclude=/usr/share/info/*' >"$r/etc/dpkg/dpkg.cfg.d/gatehouse-test"
cp -a "$payload" "$r/gatehouse-test"
mount -t proc proc "$r/proc"
mount --rbind /dev "$r/dev"
mount -t tmpfs -o mode=1777 tmpfs "$r/dev/shm"
mount --rbind /sys "$r/sys"
mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
mount --bind "$archives" "$r/var/cache/apt/archives"
printf 'unpack\t%s\n' $(($(date +%s%3N) - T0)) >"$out/timings.tsv"
set +e
chroot "$r" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME=/root LANG=C.UTF-8 TERM=dumb GATEHOUSE_VERSION="$version" /bin/bash /gatehouse-test/inner.sh
rc=$?
cp -a "$r/gatehouse-test/build/artifacts/." "$out/" 2>/dev/null
cat "$r/gatehouse-test/timings.tsv" >>"$out/timings.tsv" 2>/dev/null
exit $rc
NS
step "in a bare Debian root: apt-get install ./$(basename "$deb"), the app under Xvfb, xdg-mime, remove"
log=$work/inner.log
set +e
T0=$(now_ms) timeout --kill-after=10 "${GATEHOUSE_INSTALL_TEST_TIMEOUT:-900}" \
  unshare --mount --pid --fork --kill-child --propagation private -- \
  /bin/bash "$work/ns.sh" "$root" "$base" "$cache/archives" "$version" "$payload" "$out" \
  "${GATEHOUSE_INSTALL_TEST_TMPFS:-1}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
mkdir -p "$repo/build/artifacts"
for f in install-signin.png install.log install-xvfb.log install-packages.txt; do
  [ ! -f "$out/$f" ] || cp "$out/$f" "$repo/build/artifacts/$f"
done
[ "$rc" -eq 0 ] || die "the install test failed in the chroot (exit $rc; artifacts in build/artifacts/install-*)"
step_done "in the root (all steps)"
while IFS=$'\t' read -r name ms; do
  timings+=("$(printf '  %-30s %s' "$name" "$(fmt_ms "$ms")")")
done <"$out/timings.tsv"
checks=$(sed -n 's/^INNER_CHECKS //p' "$log")

total=$(($(now_ms) - t_all))
say "times:"
printf '  %s\n' "${timings[@]}"
echo "install checks: $checks ok ($(fmt_ms "$total"))"
