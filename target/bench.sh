#!/usr/bin/env bash
# target/bench.sh BUILD_DIR [RESULTS_FILE]
#
# The figures of the real firmware on the Cortex-M4 board (QEMU's
# mps2-an386), for `make bench` (section 6), from the host build in
# BUILD_DIR (its sysota tool and mps2_factory):
#  1. the target build (target/build.sh into BUILD_DIR/target, signed
#     updates), then arm-none-eabi-size of the bootloader and of the
#     application and the split of each by origin (target/elf_figures.py);
#  2. one ECDSA P-256 verify on the board with -icount (bench_verify_m4.c);
#  3. one board through an update with -icount (one instruction is one
#     virtual nanosecond): factory v1 downloads v2 padded to 256 KiB and
#     resets; the bootloader installs it (the figure "install 256 KiB");
#     the next power-on is a direct boot. From the figures the application
#     prints: instructions from reset to the jump into the application
#     (the board's 25 MHz counter: 40 instructions a count), and the stack
#     high-water marks (painted at reset, scanned at the end) of the
#     bootloader and of the application, whose deepest is the update
#     service's.
# Appends "tgt.* value" lines to RESULTS_FILE. Exit status non-zero when a
# figure could not be measured (77 when the target build was skipped).
set -uo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 BUILD_DIR [RESULTS_FILE]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
results=${2:-/dev/null}
sysota=$build/tools/sysota
factory=$build/tests/target/mps2_factory
tgt=$build/target
fw=$tgt/build

"$here/build.sh" "$tgt" "$sysota" || exit $?
/usr/bin/python3 "$here/elf_figures.py" --build "$fw" --results "$results" || exit 1

work=$(mktemp -d "${TMPDIR:-/tmp}/sysota-bench-board.XXXXXX")
trap 'rm -rf "$work"' EXIT
dev=$work/board
"$factory" "$dev" "$fw/mps2_boot.bin" "$fw/mps2_app_v1.bin" 1 >/dev/null || exit 1
# v2, padded to 256 KiB: what follows the program is data it never reads,
# covered by the digest and the signature like the rest.
image=$dev/www/app_v2.bin
cp "$fw/mps2_app_v2.bin" "$image"
truncate -s 256K "$image"
key=$tgt/keys/signing.pem
"$sysota" manifest add "$dev/www/manifest.json" --image "$image" --version 2 \
  --url http://updates.example/app_v2.bin --sign-image "$key" >/dev/null &&
  "$sysota" manifest sign "$dev/www/manifest.json" --key "$key" >/dev/null || exit 1

run() {
  "$here/run-qemu.sh" --icount --timeout 300 --dir "$dev" --flash "$dev/flash.bin" >"$work/$1" 2>&1
  echo $? >"$work/$1.rc"
}
figure() { # FILE NAME: the last value of NAME on the figures lines of FILE
  sed -n "s/^figures:.* $2 \([0-9]*\).*/\1/p" "$work/$1" | tail -n 1
}
run download # v1: check, download, verify, publish, reset
run install  # the bootloader installs 256 KiB, v2 confirms
run direct   # nothing to do: the direct jump
for r in download install direct; do
  if [ -z "$(figure "$r" boot_counter)" ]; then
    cat "$work/$r" >&2
    echo "bench: the $r power-on printed no figures (exit $(cat "$work/$r.rc"))" >&2
    exit 1
  fi
done
grep -q '^boot: installed (2)' "$work/install" || { cat "$work/install" >&2; echo "bench: v2 was not installed" >&2; exit 1; }

# One ECDSA P-256 verify on the board (bench_verify_m4.c), the same vector
# as the footprint's and the host's verify figures.
"$here/run-qemu.sh" --icount --timeout 300 "$fw/bench_verify_m4.elf" >"$work/verify" 2>&1 ||
  { cat "$work/verify" >&2; echo "bench: the verify on the board failed" >&2; exit 1; }
insn_verify=$(($(figure verify verify_counter) * 40))

insn_install=$(($(figure install boot_counter) * 40))
insn_direct=$(($(figure direct boot_counter) * 40))
boot_stack=$(figure install boot_stack)
app_stack=$(figure download app_stack)
out=(
  "tgt.boot.insn_direct $insn_direct instructions from reset to the jump, direct boot"
  "tgt.boot.insn_install $insn_install instructions from reset to the jump, install of 256 KiB (ECDSA and SHA-256 checks included)"
  "tgt.verify.insn $insn_verify instructions of one ECDSA P-256 verify on the board (its mbedTLS configuration)"
  "tgt.boot.stack_hwm $boot_stack bytes, bootloader's stack high-water mark (install) of $(figure install boot_stack_size)"
  "tgt.app.stack_hwm $app_stack bytes, application's stack high-water mark (check, download, publish) of $(figure download app_stack_size)"
)
for l in "${out[@]}"; do
  set -- $l
  printf '%-40s %14.4f  %s\n' "$1" "$2" "${*:3}"
  echo "$1 $2" >>"$results"
done
