#!/usr/bin/env bash
# `make demo`: the whole over-the-air update story on a simulated device,
# with a real HTTP server on 127.0.0.1 and no hardware.
#
#   scripts/demo.sh BUILD_DIR [--work DIR] [--no-build]
#
# BUILD_DIR   the CMake build folder holding tools/sysota (built if missing)
# --work DIR  use DIR as the workspace (created; kept); default: a new
#             temporary folder, kept so that you can look at the device after
# --no-build  never build, fail if the binary is missing
# SYSOTA_SERVER=python  use python3 -m http.server even when nginx is installed
#
# The device is provisioned with a release key and every release is signed;
# one step serves a manifest changed after signing, which the device refuses.
# Every step is checked (exit status and `sysota sim status --json`): a step
# that does not happen stops the demo with a non-zero exit status.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
BUILD=""
WORK=""
BUILD_IT=1
while [ $# -gt 0 ]; do
  case $1 in
    --work) WORK=${2:?--work needs a folder}; shift 2 ;;
    --no-build) BUILD_IT=0; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "demo.sh: unknown option $1" >&2; exit 2 ;;
    *) BUILD=$1; shift ;;
  esac
done
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
SYSOTA="$BUILD/tools/sysota"

if [ ! -x "$SYSOTA" ]; then
  [ "$BUILD_IT" = 1 ] || { echo "demo.sh: $SYSOTA is not built" >&2; exit 1; }
  echo "building sysota in $BUILD ..."
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$BUILD" --target sysota -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
fi

if [ -z "$WORK" ]; then
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/sysota-demo.XXXXXX")
else
  mkdir -p "$WORK"
  WORK=$(cd "$WORK" && pwd)
  rm -rf "$WORK/board" "$WORK/www" "$WORK/server" "$WORK/keys"
fi
cd "$WORK"
mkdir -p www

SERVER_STATE="$WORK/server"
stop_server() {
  if [ -f "$SERVER_STATE/pid" ]; then
    "$ROOT/tests/support/serve.sh" stop "$SERVER_STATE" || true
  fi
}
trap stop_server EXIT

if [ -t 1 ]; then
  B=$'\e[1m' N=$'\e[0m'
else
  B="" N=""
fi

step() { printf '\n%s== %s ==%s\n' "$B" "$*" "$N"; }
say() { printf '%s\n' "$*"; }
die() {
  printf '\ndemo FAILED: %s\n' "$*" >&2
  exit 1
}

# sysota ARGS...: show the command as a user would type it, then run it.
sysota() {
  printf '%s$ sysota %s%s\n' "$B" "$*" "$N"
  "$SYSOTA" "$@"
}

# run_device ARGS...: a `sim run` whose exit status must be 0.
run_device() {
  sysota sim run board "$@" || die "'sysota sim run board $*' exited $?"
}

# run_refused ARGS...: a `sim run` the device must end with a refusal (exit status 1).
run_refused() {
  local rc=0
  sysota sim run board "$@" 2>/dev/null || rc=$?
  [ "$rc" = 1 ] || die "'sysota sim run board $*' exited $rc, expected 1 (a refusal)"
}

# state EXPR: a Python expression over `sysota sim status board --json` (bound to s).
state() {
  "$SYSOTA" sim status board --json | "$PY" -c 'import json,sys; s=json.load(sys.stdin); print('"$1"')'
}

# expect WHAT EXPR WANT
expect() {
  local got
  got=$(state "$2")
  [ "$got" = "$3" ] || die "$1: status says '$got', expected '$3'"
}

running() { state 's["running"]["version"], s["running"]["status"], s["running"]["flash_ok"]'; }
rows() { state '" ".join("v%d:%s" % (i["version"], i["status"]) for i in sorted(s["images"], key=lambda i: i["version"]))'; }

# publish VERSION: add the image's signed entry to the served manifest, and sign the manifest.
publish() {
  sysota manifest add www/manifest.json --image "www/app_v$1.bin" --version "$1" --url "$URL/app_v$1.bin" \
    --sign-image keys/release.pem || die "sysota manifest add failed for v$1"
  sign
}

# sign: the manifest's detached signature (www/manifest.json.sig), with the next Sequence.
sign() {
  sysota manifest sign www/manifest.json --key keys/release.pem || die "sysota manifest sign failed"
}

say "${B}sysota demo: over-the-air firmware updates on a simulated device${N}"
say "workspace: $WORK"

step "1. A local update server"
URL=$("$ROOT/tests/support/serve.sh" start "$WORK/www" "$SERVER_STATE") || die "the HTTP server did not start"
say "serving $WORK/www at $URL ($(cat "$SERVER_STATE/kind"))"

step "2. Firmware images, as a build produces them"
say "v1 is the factory image; v3 and v6 are updates; v7 is an update that never"
say "confirms its first boot (a broken release). The simulator reads an image's"
say "header to know how its application behaves."
sysota sim mkimage --version 1 --size 96K -o app_v1.hex || die "mkimage v1"
sysota sim mkimage --bootloader -o bootloader.hex || die "mkimage --bootloader"
sysota merge -o factory.hex bootloader.hex app_v1.hex || die "merge"
for spec in "3 128K" "6 256K" "7 192K --no-confirm"; do
  set -- $spec
  sysota sim mkimage --version "$1" --size "$2" ${3:-} -o "app_v$1.hex" | grep -v '^Digest' || die "mkimage v$1"
  sysota hex2bin "app_v$1.hex" -o "www/app_v$1.bin" || die "hex2bin v$1"
done

step "3. A release key: its public half goes into the device"
say "The device then takes only what this key signed: each image (its SHA-256)"
say "and each manifest as a whole (manifest.json.sig beside it)."
mkdir -p keys
sysota key gen -o keys/release.pem || die "key gen"
sysota key pub keys/release.pem -o keys/release.pub.pem || die "key pub"

step "4. The factory programs v1, signed, into a new device"
sysota sim init board --manifest "$URL/manifest.json" --max-images 4 --pubkey keys/release.pub.pem || die "sim init"
sysota sim flash board factory.hex --sign-key keys/release.pem || die "sim flash"
expect "after flashing" 's["running"]["version"], s["running"]["type"]' "1 factory"
expect "keys" 'len(s["security"]["keys"])' "1"

step "5. The server offers v3, signed: the device updates itself"
publish 3
run_device --until confirmed
expect "after the v3 update" 's["running"]["version"], s["running"]["status"], s["running"]["flash_ok"]' "3 F8 True"
expect "golden copy" '[i["status"] for i in s["images"] if i["name"] == "factory.bin"]' "['F8']"
say "=> running v3 (confirmed); the golden copy of v1 is kept in the store. Images: $(rows)"

step "6. The server also offers v6: download, verify, reset, install, confirm"
publish 6
cat www/manifest.json
run_device --until confirmed
expect "after the v6 update" 's["running"]["version"], s["running"]["status"], s["running"]["flash_ok"]' "6 F8 True"
say "=> running v6 (confirmed), installed by the bootloader after a verified download. Images: $(rows)"

step "7. The server offers v7, which never confirms: the bootloader rolls back"
say "v7 hangs after its first update check and the watchdog resets it. After"
say "$(state 's["device"]["max_attempts"]') unconfirmed boots the bootloader disables it and reinstalls v6;"
say "v6 then ignores the v7 still on offer instead of fetching it again."
publish 7
run_device --until confirmed
expect "after the rollback" 's["running"]["version"], s["running"]["status"], s["running"]["flash_ok"]' "6 F8 True"
expect "v7 row" '[i["status"] for i in s["images"] if i["version"] == 7]' "['F0']"
expect "resets of the rollback" 's["last_run"]["resets"]' "$(( $(state 's["device"]["max_attempts"]') + 1 ))"
say "=> rolled back to v6 after $(state 's["last_run"]["resets"]') resets; v7 is disabled (F0). Images: $(rows)"

step "8. An EraseVer entry removes v3 from the store"
sysota manifest add www/manifest.json --version 3 --erase || die "sysota manifest add --erase failed"
sign
sysota manifest check www/manifest.json --pubkey keys/release.pub.pem --images www || die "the manifest does not check"
run_device --until idle
expect "v3 row after EraseVer" '[i for i in s["images"] if i["version"] == 3]' "[]"
expect "v3 file after EraseVer" '[f for f in s["store"] if f["name"] == "app_v3.bin"]' "[]"
expect "Sequence accepted" 's["security"]["sequence"]' "4"
say "=> v3 is gone from the database and the store. Images: $(rows)"

step "9. Someone changes one byte of the signed manifest on the server"
say "v7 is disabled on the device. Renamed v8 in the manifest (\"Version\": 7 -> 8),"
say "devices would fetch it again: its image signature still verifies, since it"
say "covers the image's bytes, not its version. The manifest's signature does not."
cp www/manifest.json genuine.json
sed -i 's/"Version": 7,/"Version": 8,/' www/manifest.json
printf '%s$ cmp genuine.json www/manifest.json%s\n' "$B" "$N"
cmp genuine.json www/manifest.json && die "the tampering changed nothing"
run_refused --until idle
expect "after the tampered manifest" 's["running"]["version"], s["running"]["status"], s["security"]["sequence"]' "6 F8 4"
say "=> refused before a single entry was read: still v6, Sequence 4. The genuine manifest again:"
cp genuine.json www/manifest.json
run_device --until idle
expect "after the genuine manifest" 's["running"]["version"], s["running"]["status"]' "6 F8"

step "10. A delta update: v9 travels as a patch from v6, the image the device runs"
say "v9 is v6 with a few kilobytes changed. The manifest's entry for v9 carries a"
say "Patch record: a device holding v6 (exactly: its SHA-256) downloads only the"
say "patch, rebuilds v9 beside v6, checks v9's SHA-256 and signature, and installs"
say "it as any update; any other device, or any failure, takes the full image."
"$PY" - www/app_v6.bin www/app_v9.bin <<'PYEOF' || die "making v9"
import random, struct, sys, zlib
b = bytearray(open(sys.argv[1], "rb").read())
b[16:20] = struct.pack("<I", 9)                      # the simulated image's version
b[28:32] = struct.pack("<I", zlib.crc32(bytes(b[:28])))
r = random.Random(9)
for at in (20000, 90000, 200000):                    # three changed stretches, 6 KiB in all
    b[at:at + 2048] = bytes(r.randrange(256) for _ in range(2048))
open(sys.argv[2], "wb").write(b)
PYEOF
sysota manifest add www/manifest.json --image www/app_v9.bin --version 9 --url "$URL/app_v9.bin" \
  --sign-image keys/release.pem --patch-from www/app_v6.bin --patch-url "$URL/v6_to_v9.vcdiff" ||
  die "sysota manifest add --patch-from failed"
sign
run_device --until confirmed
expect "after the delta update" 's["running"]["version"], s["running"]["status"], s["running"]["flash_ok"]' "9 F8 True"
patch_bytes=$(stat -c %s www/v6_to_v9.vcdiff)
image_bytes=$(stat -c %s www/app_v9.bin)
say "=> running v9: $patch_bytes bytes on the wire instead of $image_bytes ($(( patch_bytes * 100 / image_bytes )) %), $(( image_bytes - patch_bytes )) bytes saved. Images: $(rows)"

step "The device now"
sysota sim status board

stop_server
trap - EXIT
say ""
say "${B}demo complete: every step happened.${N}"
say "The device is still there: try  $SYSOTA sim status $WORK/board"
