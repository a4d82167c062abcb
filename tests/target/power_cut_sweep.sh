#!/usr/bin/env bash
# Power cuts on the Cortex-M4 board: the install of v2 and its first boot,
# cut after every one of its flash and store operations.
#
# The state before: factory v1 has downloaded v2 and reset (one power-on).
# The power-on that follows (bootloader: verify, erase, program, verify,
# record; v2: confirm, check) is run once to count its mutating operations
# (N, from the application's figures). Then for every k in 1..N the board
# starts again from that state with the command line word cut=k: the flash
# and store ports end the run (status 66) right after operation k, leaving
# in the flash file and the store folder exactly what was done, and the
# board is powered on again until it settles. It must always end running
# v2, confirmed, with program flash holding v2 byte for byte.
source "$(dirname "$0")/lib.sh"

before=$WORK/before
new_board "$before"
publish "$before" 2
expect_rc 64 "$WORK/out" "$RUN_QEMU" --icount --timeout 120 --dir "$before" --flash "$before/flash.bin"
expect_lines "$WORK/out" '^app v1: update ready, resetting into version 2'

# The uncut power-on: how many operations it makes.
dev=$WORK/dev
cp -a "$before" "$dev"
expect_rc 0 "$WORK/out" "$RUN_DEVICE" "$dev"
expect_lines "$WORK/out" '^boot: installed \(2\)' '^app v2: confirmed version 2' '^app v2: up to date'
ops=$(sed -n 's/^figures: .* ops \([0-9]*\)$/\1/p' "$WORK/out" | tail -n 1)
[ -n "$ops" ] && [ "$ops" -gt 0 ] || fail "no operation count in the figures"

for ((k = 1; k <= ops; k++)); do
  rm -rf "$dev"
  cp -a "$before" "$dev"
  expect_rc 66 "$WORK/out" "$RUN_QEMU" --icount --timeout 120 --dir "$dev" --flash "$dev/flash.bin" --arg "cut=$k"
  grep -q "^power cut after operation $k\$" "$WORK/out" || { cat "$WORK/out" >&2; fail "cut $k: not where asked"; }
  expect_rc 0 "$WORK/out" "$RUN_DEVICE" "$dev"
  grep -q '^app v2: up to date, running version 2$' "$WORK/out" ||
    { cat "$WORK/out" >&2; fail "cut after operation $k: the board did not settle on v2"; }
  holds "$dev" 2 || fail "cut after operation $k: program flash does not hold v2"
  grep -q '^app_v2.bin,F8,2,' "$dev/store/image_database.csv" || fail "cut after operation $k: v2 is not confirmed"
done
echo "power-cut sweep on the Cortex-M4: install of v2 ($(stat -c %s "$FW/mps2_app_v2.bin") bytes) and its first boot, $ops operations, $ops cuts, each recovered to v2"
