#!/usr/bin/env bash
# The update story on the Cortex-M4 board under QEMU, power-on by power-on:
# factory v1 finds v2 on its server, downloads and verifies it, resets; the
# bootloader installs v2 and jumps; v2 confirms itself. Then v3, which never
# confirms (its self-test fails and it hangs), is published: it is installed
# and boots MPS2_MAX_ATTEMPTS (3) times, each ended by the watchdog, and the
# bootloader then rolls back to v2, which runs, confirmed, and leaves v3
# alone. Every "reset" is QEMU started again from the board's flash file.
source "$(dirname "$0")/lib.sh"

dev=$WORK/board
new_board "$dev"
publish "$dev" 2
out=$WORK/out1
expect_rc 0 "$out" "$RUN_DEVICE" "$dev"
expect_lines "$out" '^boot: jump to v1 \(direct\)' '^app v1: hello from the factory image' \
  '^app v1: update available, version 2' '^app v1: download verified, version 2' \
  '^app v1: update ready, resetting into version 2' '^-- reset' '^-- power on' '^boot: installed \(2\)' \
  '^boot: jump to v2 \(installed this boot\), not confirmed yet' '^app v2: hello from the update' \
  '^app v2: confirmed version 2' '^app v2: up to date, running version 2'
[ "$(count "$out" '^-- power on')" = 2 ] || fail "v2 took $(count "$out" '^-- power on') power-ons, want 2"
holds "$dev" 2 || fail "program flash does not hold v2 after the update"
if [ -e "$KEY" ]; then
  grep -q 'unsigned manifests and images are accepted' "$out" && fail "the firmware trusts no key"
fi

publish "$dev" 3
out=$WORK/out2
expect_rc 0 "$out" "$RUN_DEVICE" "$dev"
expect_lines "$out" '^app v2: update available, version 3' '^app v2: update ready, resetting into version 3' \
  '^boot: installed \(3\)' '^app v3: self-test failed' '^watchdog: expired' \
  '^boot: image never confirmed, rolling back \(3\)' '^boot: installed \(2\)' '^app v2: hello from the update' \
  '^app v2: up to date, running version 2'
[ "$(count "$out" '^app v3: hello')" = 3 ] || fail "v3 booted $(count "$out" '^app v3: hello') times, want 3"
[ "$(count "$out" '^watchdog: expired')" = 3 ] || fail "the watchdog expired $(count "$out" '^watchdog: expired') times, want 3"
holds "$dev" 2 || fail "program flash does not hold v2 after the rollback"
grep -q '^app_v3.bin,F0,3,' "$dev/store/image_database.csv" || fail "v3's row is not disabled (F0)"
grep -q '^app_v2.bin,F8,2,' "$dev/store/image_database.csv" || fail "v2's row is not confirmed (F8)"

# Once more: nothing to do, a direct jump into v2, v3 not fetched again.
out=$WORK/out3
expect_rc 0 "$out" "$RUN_DEVICE" "$dev"
expect_lines "$out" '^boot: jump to v2 \(direct\)' '^app v2: up to date, running version 2'
[ "$(count "$out" '^-- power on')" = 1 ] || fail "a quiet power-on reset the board"
echo "update story on the Cortex-M4: v1 -> v2 (2 power-ons), v3 never confirmed -> 3 watchdog resets -> rolled back to v2"
