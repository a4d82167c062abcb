#!/usr/bin/env bash
# An image that never confirms is installed, booted up to the attempt
# limit, and rolled back; the device does not fetch it again. EraseVer
# removes a stored image, never the running one.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
start_server

"$SYSOTA" sim mkimage --version 1 --size 5000 -o v1.bin >/dev/null
image 2 9000 >/dev/null
image 3 7000 --no-confirm >/dev/null
"$SYSOTA" sim init dev --manifest "$URL/manifest.json" --max-attempts 2 --max-images 4 >/dev/null
"$SYSOTA" sim flash dev v1.bin >/dev/null
manifest manifest.json 2
expect_rc 0 "$SYSOTA" sim run dev --until confirmed

# v3 never confirms: 2 boots, then the bootloader disables it and reinstalls v2.
manifest manifest.json 2 3
expect_rc 0 "$SYSOTA" sim run dev --until confirmed
expect_line '^boot: installed v3 \(first boot, attempt 1 of 2\)$'
expect_line '^app v3: unconfirmed boot, does not confirm'
expect_line '^app v3: hangs after its update check; the watchdog resets the device$'
expect_line '^boot: v3 not confirmed yet: attempt 2 of 2$'
expect_line '^boot: v3 was not confirmed within 2 boots: disabled \(its table entry F0\), rolling back$'
expect_line '^boot: installed v2 \(confirmed before\)$'
expect_line '^check: v3 on offer failed here before \(row F0\): not downloaded again \(running v2\)$'
expect_line '^run: confirmed reached \(4 boots, 3 resets'
expect_eq "running after rollback" "$(json dev 's["running"]["version"], s["running"]["status"], s["running"]["flash_ok"]')" "2 F8 True"
expect_eq "rows after rollback" "$(json dev 'sorted((i["version"], i["status"]) for i in s["images"])')" "[(1, 'F8'), (2, 'F8'), (3, 'F0')]"

# The manifest still offers v3: the next run does not download it again.
expect_rc 0 "$SYSOTA" sim run dev --until confirmed
expect_line 'not downloaded again'
grep -q '^download' "$WORK/out" && fail "a rolled-back version was downloaded again"

# --until idle is met by the no-confirm image's own check (it is idle, not confirmed),
# and --max-resets stops a run that keeps resetting.
image 4 7000 --no-confirm >/dev/null
manifest manifest.json 4
expect_rc 0 "$SYSOTA" sim run dev --until ready
expect_rc 0 "$SYSOTA" sim run dev --until idle
expect_line '^boot: installed v4 \(first boot, attempt 1 of 2\)$'
expect_eq "running v4, unconfirmed" "$(json dev 's["running"]["version"], s["running"]["status"]')" "4 FC"
expect_rc 1 "$SYSOTA" sim run dev --until confirmed --max-resets 0
expect_line 'more than 0 resets'
expect_rc 0 "$SYSOTA" sim run dev --until confirmed
expect_line 'v4 was not confirmed within 2 boots'
expect_eq "back on v2" "$(json dev 's["running"]["version"], s["running"]["status"]')" "2 F8"

# EraseVer: v3 goes (row and file); the running v2 and the golden v1 stay.
manifest manifest.json -3 -2 -1
expect_rc 0 "$SYSOTA" sim run dev --until idle
expect_line '^erase v3: image and database row removed from the store$'
expect_line '^erase v2 refused: OTA_ERR_STATE'
expect_line '^erase v1 refused: OTA_ERR_STATE'
expect_eq "rows after EraseVer" "$(json dev 'sorted(i["version"] for i in s["images"])')" "[1, 2, 4]"
expect_eq "app_v3.bin after EraseVer" "$(json dev '[f["name"] for f in s["store"] if f["name"] == "app_v3.bin"]')" "[]"
expect_rc 0 "$SYSOTA" sim run dev --until boot
expect_line 'boot: v2 confirmed \(record F8\): direct jump'
echo "ok"
