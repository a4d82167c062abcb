#!/usr/bin/env bash
# target/run-qemu.sh [options] PROGRAM.elf
# target/run-qemu.sh [options] --flash FILE
#
# Runs one program on QEMU's mps2-an386 (Cortex-M4) with semihosting, inside
# `timeout`, and exits with the program's own exit status (board.h lists
# the board's: 64 reset, 65 watchdog, 66 power cut, 67 halted, 70 fault;
# 124 is timeout's). With --flash, QEMU boots from a flash image file
# loaded at address 0 (the bootloader's reset vector) instead of an ELF.
#
#   --timeout S   seconds before timeout stops QEMU (default 300)
#   --dir DIR     run in DIR: the program's host files are relative to it
#   --arg WORD    a word of the program's command line (repeatable)
#   --skipped F   the target build's skip marker: when F exists, say why and exit 77
#   --icount      count instructions: -icount shift=0 (one instruction is
#                 one virtual nanosecond, so the board's clocks run on
#                 instructions, not on the host's time)
#
# Exit 77 (CTest's "skipped") with a message when qemu-system-arm is
# missing, or when the target build was skipped (target/build.sh leaves the
# reason in the file given with --skipped).
set -uo pipefail

timeout_s=300
dir=.
flash=
skipped=
icount=0
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --timeout) timeout_s=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --arg) args+=("$2"); shift 2 ;;
    --flash) flash=$2; shift 2 ;;
    --skipped) skipped=$2; shift 2 ;;
    --icount) icount=1; shift ;;
    -*) echo "run-qemu.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
elf=${1:-}
if [ -z "$elf" ] && [ -z "$flash" ]; then
  echo "usage: $0 [--timeout S] [--dir DIR] [--arg WORD]... [--icount] PROGRAM.elf | --flash FILE" >&2
  exit 2
fi
if [ -n "$skipped" ] && [ -e "$skipped" ]; then
  echo "skipped: $(cat "$skipped")"
  exit 77
fi
if ! command -v qemu-system-arm >/dev/null 2>&1; then
  echo "skipped: qemu-system-arm is not installed (scripts/setup.sh installs it)"
  exit 77
fi

# The semihosting command line: the program's name, then the words given.
cmdline="enable=on,target=native,arg=$(basename "${elf:-firmware}")"
for a in "${args[@]}"; do
  cmdline+=",arg=$a"
done
qemu=(qemu-system-arm -M mps2-an386 -cpu cortex-m4 -nographic -monitor none -serial none
      -semihosting-config "$cmdline")
if [ "$icount" = 1 ]; then
  # sleep=off: a program waiting in WFI jumps to its next timer at once.
  qemu+=(-icount shift=0,sleep=off)
fi
if [ -n "$flash" ]; then
  qemu+=(-device "loader,file=$(realpath -m "$flash"),addr=0x0,force-raw=on")
else
  qemu+=(-kernel "$(cd "$(dirname "$elf")" && pwd)/$(basename "$elf")")
fi
cd "$dir" || exit 2
timeout --kill-after=5 "$timeout_s" "${qemu[@]}"
rc=$?
if [ $rc -eq 124 ]; then
  echo "run-qemu.sh: stopped after ${timeout_s} s (the program neither exited nor faulted)" >&2
fi
exit $rc
