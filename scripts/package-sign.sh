#!/usr/bin/env bash
# Authenticode signing of Windows files with osslsigncode.
#
#   bash scripts/package-sign.sh FILE...         signs each FILE in place
#   bash scripts/package-sign.sh test-cert DIR   makes a throwaway CA and code
#                                                signing certificate in DIR
#                                                (ca.pem, cert.pem, key.pem)
#
# The certificate comes from the environment, never from the repository
# (files inside this checkout are refused):
#   GATEHOUSE_SIGN_PFX=/path/cert.p12 with GATEHOUSE_SIGN_PFX_PASSWORD, or
#   GATEHOUSE_SIGN_CERT=/path/chain.pem and GATEHOUSE_SIGN_KEY=/path/key.pem
#     (GATEHOUSE_SIGN_KEY_PASSWORD when the key is encrypted);
#   GATEHOUSE_SIGN_TIMESTAMP_URL: an RFC 3161 time-stamping server (optional;
#     without one a signature is valid only while the certificate is).
# Passwords reach osslsigncode through a 0600 file (-readpass), not argv.
# scripts/package.sh makes a test certificate with `test-cert` when none is
# configured; the installer's NSIS script calls this for the uninstaller.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"

make_test_cert() {
  local dir=$1
  mkdir -p "$dir"
  (
    umask 077
    cd "$dir"
    openssl req -x509 -newkey rsa:3072 -nodes -keyout ca.key -out ca.pem -days 30 \
      -subj "/O=Gatehouse/CN=Gatehouse throwaway test CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -newkey rsa:3072 -nodes -keyout key.pem -out cert.csr \
      -subj "/O=Gatehouse/CN=Gatehouse throwaway test signing" 2>/dev/null
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
      "extendedKeyUsage=codeSigning" "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" >cert.ext
    openssl x509 -req -in cert.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
      -extfile cert.ext -out leaf.pem 2>/dev/null
    cat leaf.pem ca.pem >cert.pem # the chain goes into each signature
    rm -f ca.key ca.srl cert.csr cert.ext leaf.pem
    chmod 644 ca.pem cert.pem
  )
}

# outside_repo VAR: dies when the file named by $VAR is missing or lies
# inside this checkout.
outside_repo() {
  local var=$1 path real
  path=${!var}
  [ -f "$path" ] || die "$var=$path: no such file"
  real=$(realpath "$path")
  case "$real/" in
    "$root"/*) die "$var=$path is inside the repository: keep signing keys outside it" ;;
  esac
}

if [ "${1:-}" = test-cert ]; then
  [ $# -eq 2 ] || die "usage: $0 test-cert DIR"
  make_test_cert "$2"
  exit 0
fi
[ $# -gt 0 ] || die "usage: $0 FILE... | test-cert DIR"
command -v osslsigncode >/dev/null 2>&1 || die "osslsigncode is missing (apt-get install osslsigncode)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
args=()
pass=""
if [ -n "${GATEHOUSE_SIGN_PFX:-}" ]; then
  outside_repo GATEHOUSE_SIGN_PFX
  args+=(-pkcs12 "$GATEHOUSE_SIGN_PFX")
  pass=${GATEHOUSE_SIGN_PFX_PASSWORD:-}
elif [ -n "${GATEHOUSE_SIGN_CERT:-}" ] && [ -n "${GATEHOUSE_SIGN_KEY:-}" ]; then
  outside_repo GATEHOUSE_SIGN_CERT
  outside_repo GATEHOUSE_SIGN_KEY
  args+=(-certs "$GATEHOUSE_SIGN_CERT" -key "$GATEHOUSE_SIGN_KEY")
  pass=${GATEHOUSE_SIGN_KEY_PASSWORD:-}
else
  die "no signing certificate: set GATEHOUSE_SIGN_PFX (+ GATEHOUSE_SIGN_PFX_PASSWORD) or GATEHOUSE_SIGN_CERT + GATEHOUSE_SIGN_KEY"
fi
if [ -n "$pass" ]; then
  (umask 077 && printf '%s' "$pass" >"$tmp/pass")
  args+=(-readpass "$tmp/pass")
fi
[ -z "${GATEHOUSE_SIGN_TIMESTAMP_URL:-}" ] || args+=(-ts "$GATEHOUSE_SIGN_TIMESTAMP_URL")

for f in "$@"; do
  [ -f "$f" ] || die "$f: no such file"
  osslsigncode sign "${args[@]}" -h sha256 -n "Gatehouse" -i "https://gatehouse.invalid" \
    -in "$f" -out "$tmp/signed" >"$tmp/log" 2>&1 || {
    cat "$tmp/log" >&2
    die "osslsigncode could not sign $f"
  }
  # Keep the file's mode (the uninstaller NSIS hands over is a temp file).
  cat "$tmp/signed" >"$f"
  rm -f "$tmp/signed"
  echo "signed $f"
done
