#!/usr/bin/env bash
# A PIC32MZ W1 laid out as Microchip's OTA service has it (sim init --profile
# pic32mz-w1): a HEX file of an application built for that service, with its
# boot control page (FIRMWARE_IMAGE_HEADER v1) at 0x10020000 and the
# application at 0x10021000, is flashed, confirmed and updated over a real
# local server. The HEX files are put together here with Python and
# srec_cat, independently of sysota's own HEX and header code.
# Optional second argument: a folder of real HEX files (a W1 build that is
# not laid out for OTA must be refused).
source "$(dirname "$0")/lib.sh"
REALWORLD=${2:-}
cd "$WORK"
start_server

# page FILE VERSION [TYPE [BOOT_ADDR]]: the boot control page of a fresh
# build: status 0xFF, type (3: factory reset), size 0xFFFFFFFF, version,
# boot address (kseg1), the rest zero but for a copy of the status (0xF8)
# in the last byte.
page() {
  "$PY" - "$@" <<'PYEOF'
import struct, sys
out, version = sys.argv[1], int(sys.argv[2])
kind = int(sys.argv[3]) if len(sys.argv) > 3 else 3
boot = int(sys.argv[4], 0) if len(sys.argv) > 4 else 0xB0021000
head = struct.pack("<BBBBIII", 0xFF, 0, 0, kind, 0xFFFFFFFF, version, boot)
page = head + bytes(4096 - len(head) - 1) + b"\xf8"
open(out, "wb").write(page)
PYEOF
}

# ota_hex OUT PAGE APP [BOOTLOADER]: one Intel HEX file: the bootloader's
# bytes at 0x10000000, the page at 0x10020000, the application at 0x10021000.
ota_hex() {
  local out=$1 pg=$2 app=$3 boot=${4:-}
  local args=()
  [ -n "$boot" ] && args+=("$boot" -Binary -offset 0x10000000)
  args+=("$pg" -Binary -offset 0x10020000 "$app" -Binary -offset 0x10021000)
  srec_cat "${args[@]}" -o "$out" -Intel
}

head -c 3000 /dev/urandom >boot.bin
"$SYSOTA" sim mkimage --version 1 --size 64K -o app_v1.bin >/dev/null
"$SYSOTA" sim mkimage --version 2 --size 200K -o app_v2.bin >/dev/null
page page_v1.bin 1
page page_v2.bin 2
ota_hex ota_v1.hex page_v1.bin app_v1.bin boot.bin
ota_hex ota_v2.hex page_v2.bin app_v2.bin

# init: the W1 addresses.
expect_rc 0 "$SYSOTA" sim init w1 --profile pic32mz-w1 --manifest "$URL/manifest.json"
expect_line 'boot control +0x0001F000-0x00020FFF \(HEX 0x1001F000, two sectors\)'
expect_line 'application +0x00021000-0x000FFFFF \(HEX 0x10021000\)'

# flash: the page gives the version and is not programmed; the bootloader's
# bytes below the page are reported and left out.
expect_rc 0 "$SYSOTA" sim flash w1 ota_v1.hex
expect_line '^ota_v1.hex: 0x10000000-0x10000BB7 \(3000 bytes\) is below the application region'
expect_line '^w1: programmed v1, 65536 bytes at 0x00021000 \(HEX 0x10021000\)'
expect_line '^  boot control page at 0x10020000: original FIRMWARE_IMAGE_HEADER v1, version 1, type factory reset; replaced by a sysota record$'
expect_line 'factory image v1 \(version from the boot control page\), status F8'
"$PY" - w1/flash.bin page_v1.bin app_v1.bin <<'PYEOF' || fail "flash.bin is not laid out as a W1"
import sys
flash, pg, app = (open(p, "rb").read() for p in sys.argv[1:4])
assert flash[:0x1F000] == b"\xff" * 0x1F000, "the bootloader's part of flash was written"
assert flash[0x20000:0x21000] != pg, "the original page was programmed as it is"
assert flash[0x21000:0x21000 + len(app)] == app, "the application is not at 0x21000"
PYEOF
expect_eq "status after flash" "$(json w1 's["running"]["version"], s["running"]["status"], s["running"]["boot_addr"], s["running"]["flash_ok"]')" \
  "1 F8 0x10021000 True"

# Run until confirmed with nothing newer on the server.
cp app_v1.bin "$WORK/www/app_v1.bin"
manifest manifest.json 1
expect_rc 0 "$SYSOTA" sim run w1 --until confirmed
expect_line 'golden copy of v1 kept in the store'
expect_line '^check: no update \(running v1\)$'

# The update: hex2bin cuts the application region out of the OTA-layout
# HEX (the page is dropped with a warning), the server offers it.
expect_rc 0 "$SYSOTA" hex2bin ota_v2.hex -o "$WORK/www/app_v2.bin" --start 0x10021000
expect_line 'dropped: 0x10020000-0x10020FFF \(4096 bytes\)'
cmp -s "$WORK/www/app_v2.bin" app_v2.bin || fail "hex2bin did not give back the v2 application"
manifest manifest.json 1 2
expect_rc 0 "$SYSOTA" sim run w1 --until confirmed
expect_line '^download v2: 100% 204800/204800 bytes$'
expect_line '^boot: installed v2 \(first boot, attempt 1 of 3\)$'
expect_line '^app v2: confirmed \(record and row F8\)$'
expect_eq "running after the update" "$(json w1 's["running"]["version"], s["running"]["status"], s["running"]["boot_addr"], s["running"]["flash_ok"]')" \
  "2 F8 0x10021000 True"
expect_eq "the W1 addresses in status" "$(json w1 's["device"]["profile"], s["device"]["hex_base"], s["device"]["boot_control"], s["device"]["application"]')" \
  "pic32mz-w1 0x10000000 0x1001F000 0x10021000"
expect_rc 0 "$SYSOTA" sim status w1
expect_line '^layout \(pic32mz-w1\): boot control at HEX 0x1001F000, application at HEX 0x10021000'
expect_line '^running: v2, status F8 \(valid\), production image, 204800 bytes at HEX 0x10021000'

# --version: agreeing with the page is fine (and said), disagreeing refused.
expect_rc 0 "$SYSOTA" sim flash w1 ota_v1.hex --version 1
expect_line 'version from --version, and the page agrees'
expect_rc 1 "$SYSOTA" sim flash w1 ota_v1.hex --version 5
expect_line '--version 5 disagrees with ota_v1.hex.s boot control page \(FIRMWARE_IMAGE_HEADER$'

# A page whose version differs from the simulated image's own header.
page page_v3.bin 3
ota_hex mixed.hex page_v3.bin app_v1.bin
expect_rc 1 "$SYSOTA" sim flash w1 mixed.hex
expect_line 'the boot control page says version 3, the simulated image v1'

# Any application binary: the page alone says its version (and type).
head -c 5000 /dev/urandom >foreign.bin
page page_v7.bin 7 1
ota_hex foreign.hex page_v7.bin foreign.bin
expect_rc 0 "$SYSOTA" sim flash w1 foreign.hex
expect_line 'FIRMWARE_IMAGE_HEADER v1, version 7, type production; replaced'
expect_eq "running the foreign binary" "$(json w1 's["running"]["version"], s["running"]["boot_addr"]')" "7 0x10021000"

# A page without a version needs --version; one linked for another layout
# (v3.5.0's application at 0x10019000) is refused.
page page_nov.bin 0
ota_hex nov.hex page_nov.bin foreign.bin
expect_rc 1 "$SYSOTA" sim flash w1 nov.hex
expect_line 'boot control page names no version: give its --version N'
expect_rc 0 "$SYSOTA" sim flash w1 nov.hex --version 8
page page_old.bin 4 3 0xB0019000
ota_hex old.hex page_old.bin foreign.bin
expect_rc 1 "$SYSOTA" sim flash w1 old.hex
expect_line 'boot address 0xB0019000, but this device.s application is at 0x10021000'

# Data in the page that is not such a header is refused, as on any profile.
head -c 4096 /dev/urandom >junk.bin
ota_hex junk.hex junk.bin foreign.bin
expect_rc 1 "$SYSOTA" sim flash w1 junk.hex
expect_line "that is not an OTA application's FIRMWARE_IMAGE_HEADER v1 page: "

# A real W1 build linked at 0x10000000 (not for OTA): its code covers the
# whole boot control area, the page below the original's included.
real=$REALWORLD/PIC32MZW1_Curiosity_OOB.X.production.hex
if [ -n "$REALWORLD" ] && [ -f "$real" ]; then
  expect_rc 1 "$SYSOTA" sim flash w1 "$real"
  expect_line 'has data in the boot control area \(HEX 0x1001F000-0x10020FFF\)'
  expect_line 'header page is the first [0-9]+ bytes of the sector below the application'
else
  echo "(no real W1 HEX file: that part skipped)"
fi
echo "ok"
