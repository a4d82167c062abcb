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
boot: first boot after the factory programmer: golden copy of v1 kept in the store (factory.bin)
check: v3 available (running v1)
boot: installed v3 (first boot, attempt 1 of 3)
check: v6 available (running v3)
download v6: 100% 262144/262144 bytes
verify v6: ok (SHA-256 matches the manifest)
update ready: v6 stored with row FE, running v3 marked F0 for the bootloader
boot: installed v6 (first boot, attempt 1 of 3)
app v6: confirmed (record and row F8)
check: v7 available (running v6)
boot: v7 not confirmed yet: attempt 3 of 3
boot: v7 was not confirmed within 3 boots: disabled (row F0), rolling back
boot: installed v6 (confirmed before)
check: v7 on offer failed here before (row F0): not downloaded again (running v6)
erase v3: image and database row removed from the store
demo complete: every step happened.
LINES
# Progress on the way (not a terminal: plain lines at each quarter).
if ! grep -Eq '^download v6: [1-9][0-9]?% [0-9]+/262144 bytes$' "$WORK/out"; then
  echo "FAIL: no progress line before 100% for v6"
  missing=1
fi
if [ "$missing" != 0 ]; then
  cat "$WORK/out"
  exit 1
fi

# The server is gone: its PID file was removed by serve.sh stop.
[ ! -e "$WORK/ws/server/pid" ] || { echo "FAIL: the demo left its server running"; exit 1; }
echo "ok"
