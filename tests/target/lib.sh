# Shared helpers of the board tests (sourced, not run): the mps2-an386
# bootloader and application under QEMU, kept in a folder between power-ons.
#   lib.sh SYSOTA FACTORY TARGET_DIR   (every test script's arguments)
#   SYSOTA   the host tool (manifests, signatures)
#   FACTORY  mps2_factory (the production line: a new board's folder)
#   TGT      the target build's folder (target/build.sh): build/, keys/
#   WORK     a private temporary folder, removed at exit
set -euo pipefail

SYSOTA=$(realpath "${1:?usage: $0 SYSOTA FACTORY TARGET_DIR}")
FACTORY=$(realpath "${2:?usage: $0 SYSOTA FACTORY TARGET_DIR}")
TGT=$(realpath "${3:?usage: $0 SYSOTA FACTORY TARGET_DIR}")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RUN_QEMU="$HERE/../../target/run-qemu.sh"
RUN_DEVICE="$HERE/../../target/run-device.sh"
FW="$TGT/build"
KEY="$TGT/keys/signing.pem"
APP_ADDR=$((0x12000)) # ports/mps2-an386/board.h: MPS2_APP_ADDR

if [ -e "$TGT/SKIPPED" ]; then
  echo "skipped: $(cat "$TGT/SKIPPED")"
  exit 77
fi
[ -e "$FW/mps2_boot.bin" ] || { echo "FAIL: no target build in $TGT (target_build must run first)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sysota-board.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# new_board DEV: the factory state, v1 programmed (bootloader, image, first record).
new_board() {
  "$FACTORY" "$1" "$FW/mps2_boot.bin" "$FW/mps2_app_v1.bin" 1 >/dev/null
}

# publish DEV VERSION: put app vVERSION on DEV's server and in its manifest,
# signed by the build's key when the firmware trusts one.
publish() {
  local dev=$1 v=$2 sign=()
  cp "$FW/mps2_app_v$v.bin" "$dev/www/app_v$v.bin"
  if [ -e "$KEY" ]; then
    sign=(--sign-image "$KEY")
  fi
  # (add warns that the old signature no longer fits: sign follows.)
  "$SYSOTA" manifest add "$dev/www/manifest.json" --image "$dev/www/app_v$v.bin" --version "$v" \
    --url "http://updates.example/app_v$v.bin" "${sign[@]}" >"$WORK/publish.out" 2>&1 ||
    { cat "$WORK/publish.out" >&2; fail "manifest add v$v"; }
  if [ -e "$KEY" ]; then
    "$SYSOTA" manifest sign "$dev/www/manifest.json" --key "$KEY" >"$WORK/publish.out" 2>&1 ||
      { cat "$WORK/publish.out" >&2; fail "manifest sign"; }
  fi
}

# expect_rc WANT OUT CMD...: run CMD, its output in OUT, require its exit status.
expect_rc() {
  local want=$1 out=$2 rc=0
  shift 2
  "$@" >"$out" 2>&1 || rc=$?
  if [ "$rc" != "$want" ]; then
    cat "$out" >&2
    fail "'$*' exited $rc, want $want"
  fi
}

# expect_lines OUT PATTERN...: OUT has lines matching each extended regex, in this order.
expect_lines() {
  local out=$1 from=1 n
  shift
  for p in "$@"; do
    n=$(tail -n +"$from" "$out" | grep -n -m1 -E -- "$p" | cut -d: -f1) ||
      { cat "$out" >&2; fail "no line matching '$p' (after line $((from - 1)))"; }
    from=$((from + n))
  done
}

# count OUT PATTERN: lines of OUT matching the extended regex.
count() {
  grep -c -E -- "$2" "$1" || true
}

# holds DEV VERSION: program flash's application region holds app vVERSION, byte for byte.
holds() {
  local img="$FW/mps2_app_v$2.bin"
  cmp -s -n "$(stat -c %s "$img")" -i "$APP_ADDR:0" "$1/flash.bin" "$img"
}
