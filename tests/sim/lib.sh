# Shared helpers of the `sysota sim` tests (sourced, not run).
#   SYSOTA   the sysota binary (first argument of every test script)
#   WORK     a private temporary folder, removed at exit with the server
set -euo pipefail

# A sanitizer report must never pass for one of the command's own exit
# statuses (1 is "failed"): under ASan/UBSan builds it exits 86 instead.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=86"

SYSOTA=$(realpath "${1:?usage: $0 SYSOTA_BINARY}")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SERVE="$HERE/../support/serve.sh"
PY=/usr/bin/python3
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sysota-simtest.XXXXXX")
SERVER_STATE=""

cleanup() {
  if [ -n "$SERVER_STATE" ] && [ -f "$SERVER_STATE/pid" ]; then
    "$SERVE" stop "$SERVER_STATE" || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# start_server: serve $WORK/www; sets URL.
start_server() {
  mkdir -p "$WORK/www"
  SERVER_STATE="$WORK/server"
  URL=$("$SERVE" start "$WORK/www" "$SERVER_STATE")
}

# json DEV EXPR: evaluate a Python expression over `sysota sim status DEV --json` (bound to s).
json() {
  "$SYSOTA" sim status "$1" --json | "$PY" -c 'import json,sys; s=json.load(sys.stdin); print('"$2"')'
}

# expect_eq WHAT GOT WANT
expect_eq() {
  [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

# expect_rc WANT CMD...: run CMD, require its exit status, keep its output in $WORK/out.
expect_rc() {
  local want=$1 rc=0
  shift
  "$@" >"$WORK/out" 2>&1 || rc=$?
  if [ "$rc" != "$want" ]; then
    cat "$WORK/out" >&2
    fail "'$*' exited $rc, want $want"
  fi
}

# expect_line PATTERN: the last output ($WORK/out) has a line matching the extended regex.
expect_line() {
  grep -Eq -- "$1" "$WORK/out" || { cat "$WORK/out" >&2; fail "no line matching '$1'"; }
}

# image VERSION SIZE [--no-confirm]: $WORK/www/app_v<VERSION>.bin; prints its digest.
image() {
  local v=$1 size=$2
  shift 2
  "$SYSOTA" sim mkimage --version "$v" --size "$size" "$@" -o "$WORK/www/app_v$v.bin" | sed -n 's/^Digest: //p'
}

# manifest FILE ENTRY...: write a manifest; an ENTRY is VERSION (offer app_vVERSION.bin) or -VERSION (EraseVer).
manifest() {
  local file=$1
  shift
  "$PY" - "$WORK/www" "$URL" "$file" "$@" <<'PYEOF'
import hashlib, json, sys
www, url, out, entries = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
ota = []
for e in entries:
    v = int(e)
    if v < 0:
        ota.append({"Version": -v, "EraseVer": True})
    else:
        name = "app_v%d.bin" % v
        digest = hashlib.sha256(open("%s/%s" % (www, name), "rb").read()).hexdigest()
        ota.append({"Version": v, "URL": "%s/%s" % (url, name), "Digest": digest, "EraseVer": False})
json.dump({"ota": ota}, open("%s/%s" % (www, out), "w"))
PYEOF
}
