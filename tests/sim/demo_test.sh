#!/usr/bin/env bash
# The story of `make demo`: scripts/demo.sh against this build, in a
# temporary workspace. It must exit 0, tell every step, and stop its server.
#   demo_test.sh DEMO_SCRIPT BUILD_DIR
set -euo pipefail
DEMO=${1:?usage: $0 DEMO_SCRIPT BUILD_DIR}
BUILD=${2:?usage: $0 DEMO_SCRIPT BUILD_DIR}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sysota-demotest.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

rc=0
bash "$DEMO" "$BUILD" --no-build --work "$WORK/ws" >"$WORK/out" 2>&1 || rc=$?
if [ "$rc" != 0 ]; then
  cat "$WORK/out"
  echo "FAIL: the demo exited $rc"
  exit 1
fi

missing=0
while IFS= read -r line; do
  if ! grep -Fxq -- "$line" "$WORK/out"; then
    echo "FAIL: the transcript lacks: $line"
    missing=1
  fi
done <<'LINES'
app v1: first start after the factory programmer: golden copy of v1 kept in the store (factory.bin)
check: manifest signature valid, Sequence 1 accepted
check: v3 available (running v1)
boot: installed v3 (first boot, attempt 1 of 3)
check: v6 available (running v3)
download v6: 100% 262144/262144 bytes
verify v6: ok (SHA-256 matches the manifest, Signature by a trusted key)
update ready: v6 stored with row FE, running v3 marked F0 for the bootloader
boot: installed v6 (first boot, attempt 1 of 3)
app v6: confirmed (record and row F8)
check: v7 available (running v6)
boot: v7 not confirmed yet: attempt 3 of 3
boot: v7 was not confirmed within 3 boots: disabled (its table entry F0), rolling back
boot: installed v6 (confirmed before)
check: v7 on offer failed here before (row F0): not downloaded again (running v6)
erase v3: image and database row removed from the store
check: manifest signature valid, Sequence 4 accepted
check refused: OTA_ERR_SIGNATURE (signature does not verify)
  its .sig does not verify over the manifest as served (changed after signing, another manifest's .sig, or not a signature file); nothing of it is used
run: idle not reached: the update check failed: OTA_ERR_SIGNATURE (signature does not verify)
check: v9 available (running v6)
verify v9 patch: ok (SHA-256 matches PatchDigest)
verify v9 (rebuilt): ok (SHA-256 matches TargetDigest, Signature by a trusted key)
boot: installed v9 (first boot, attempt 1 of 3)
app v9: confirmed (record and row F8)
demo complete: every step happened.
LINES
# Progress on the way (not a terminal: plain lines at each quarter), and the
# lines that name the demo's key (a new one every time).
while IFS= read -r re; do
  if ! grep -Eq -- "$re" "$WORK/out"; then
    echo "FAIL: the transcript has no line matching: $re"
    missing=1
  fi
done <<'PATTERNS'
^download v6: [1-9][0-9]?% [0-9]+/262144 bytes$
^  trusted keys    [0-9a-f]{16}: signed manifests and images only$
^  signature: by trusted key [0-9a-f]{16}, kept in the store as v1\.sig$
^security: key [0-9a-f]{16} \(signed manifests and images only\)$
^patch v9: image rebuilt, 262144 bytes from [0-9]+ bytes on the wire \([0-9.]+ %\): [0-9]+ bytes saved$
^=> running v9: [0-9]+ bytes on the wire instead of 262144 \([0-9] %\), [0-9]+ bytes saved\.
PATTERNS
# The genuine manifest served again after the tampered one: accepted, nothing to do.
if ! grep -A8 '^=> refused before a single entry was read' "$WORK/out" | grep -q '^run: idle reached'; then
  echo "FAIL: the genuine manifest was not accepted again after the tampered one"
  missing=1
fi
if [ "$missing" != 0 ]; then
  cat "$WORK/out"
  exit 1
fi

# The server is gone: its PID file was removed by serve.sh stop.
[ ! -e "$WORK/ws/server/pid" ] || { echo "FAIL: the demo left its server running"; exit 1; }
echo "ok"
