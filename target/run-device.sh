#!/usr/bin/env bash
# target/run-device.sh DEV [--max-boots N] [--timeout S]
#
# Powers on the mps2-an386 board kept in the folder DEV (made by
# mps2_factory: DEV/flash.bin, DEV/store, DEV/www) with target/run-qemu.sh,
# and powers it on again after every reset (exit 64) and watchdog expiry
# (65): each power-on is a new QEMU started from what DEV/flash.bin holds,
# as a real reset restarts from flash. Stops at any other status, or after
# N power-ons (default 12), and exits with the last run's status. QEMU runs
# with -icount, so the board's clocks (tick, watchdog) count instructions
# and never depend on the host's speed. Prints "-- power on" before each.
set -uo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 DEV [--max-boots N] [--timeout S]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
dev=$1
shift
max=12
timeout_s=120
while [ $# -gt 0 ]; do
  case "$1" in
    --max-boots) max=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    *) echo "run-device.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

rc=0
for ((boot = 1; boot <= max; boot++)); do
  echo "-- power on"
  "$here/run-qemu.sh" --icount --timeout "$timeout_s" --dir "$dev" --flash "$dev/flash.bin"
  rc=$?
  if [ $rc -ne 64 ] && [ $rc -ne 65 ]; then
    exit $rc
  fi
done
echo "run-device.sh: still resetting after $max power-ons" >&2
exit $rc
