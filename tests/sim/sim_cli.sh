#!/usr/bin/env bash
# `sysota sim` init, config, mkimage, flash, status and run's refusals,
# without a server.
source "$(dirname "$0")/lib.sh"
cd "$WORK"

# init: a device folder with its config; a second init needs --force.
expect_rc 0 "$SYSOTA" sim init dev --nvm-size 256K --sector 4K --write-unit 16 --max-attempts 2
expect_line 'application +0x00002000-0x0003FFFF \(HEX 0x9D002000\)'
[ -f dev/device.conf ] && [ -f dev/flash.bin ] && [ -d dev/store ] || fail "init did not create the folder's files"
expect_rc 1 "$SYSOTA" sim init dev
expect_line 'already a device'
expect_rc 0 "$SYSOTA" sim init dev --force --nvm-size 256K --max-attempts 2
expect_eq "flash size after --force" "$(stat -c %s dev/flash.bin)" 262144

# init refuses geometry the bootloader cannot use.
expect_rc 2 "$SYSOTA" sim init bad1 --write-unit 512
expect_rc 2 "$SYSOTA" sim init bad2 --write-unit 24
expect_rc 2 "$SYSOTA" sim init bad3 --nvm-size 4K
expect_rc 2 "$SYSOTA" sim init bad4 --nvm-size 10000
[ ! -e bad1 ] && [ ! -e bad3 ] || fail "a refused init left a folder"
mkdir notempty && touch notempty/x
expect_rc 1 "$SYSOTA" sim init notempty
expect_line 'not empty'

# Profiles: --help lists them; pic32mz-w1 puts boot control at 0x1001F000 (its
# second page the original's 0x10020000) and the application at 0x10021000; the
# default is the pic32mz-ef profile.
expect_rc 0 "$SYSOTA" sim init --help
expect_line '^ +pic32mz-ef \(the default\)$'
expect_line '^ +pic32mz-w1$'
expect_rc 0 "$SYSOTA" sim init w1 --profile pic32mz-w1
expect_line 'created \(profile pic32mz-w1\)'
expect_line 'not used +0x00000000-0x0001EFFF \(HEX 0x10000000\)'
expect_line 'boot control +0x0001F000-0x00020FFF \(HEX 0x1001F000, two sectors\)'
expect_line 'application +0x00021000-0x000FFFFF \(HEX 0x10021000\)'
expect_eq "w1 layout in status" "$(json w1 's["device"]["profile"], s["device"]["boot_control"], s["device"]["application"]')" \
  "pic32mz-w1 0x1001F000 0x10021000"
expect_rc 0 "$SYSOTA" sim status w1
expect_line '^layout \(pic32mz-w1\): boot control at HEX 0x1001F000, application at HEX 0x10021000 \(913408 bytes\)$'
expect_eq "default profile" "$(json dev 's["device"]["profile"], s["device"]["hex_base"], s["device"]["application"]')" \
  "pic32mz-ef 0x9D000000 0x9D002000"
expect_rc 2 "$SYSOTA" sim init bad5 --profile pic32mz-zz
expect_line 'not a profile'
expect_rc 2 "$SYSOTA" sim init bad6 --profile pic32mz-w1 --sector 16K
expect_line 'multiples of sector_size'
expect_rc 2 "$SYSOTA" sim init bad7 --bootctl-offset 0x8000 --app-offset 0x4000
expect_line 'after the boot control area'
expect_rc 2 "$SYSOTA" sim config w1 profile=pic32mz-ef
expect_line 'fixed at init'
expect_rc 2 "$SYSOTA" sim config w1 app_offset=0x30000
[ ! -e bad5 ] && [ ! -e bad6 ] && [ ! -e bad7 ] || fail "a refused init left a folder"

# config: shows and changes keys; geometry is fixed.
expect_rc 0 "$SYSOTA" sim config dev manifest_url=http://127.0.0.1:9/m.json max_images=4
expect_rc 0 "$SYSOTA" sim config dev
expect_line '^manifest_url=http://127.0.0.1:9/m.json$'
expect_line '^max_images=4$'
expect_line '^max_attempts=2$'
# The service's network limits start as its defaults and can be changed;
# 0 (no timeout at all) is refused.
expect_line '^connect_timeout_ms=10000$'
expect_line '^idle_timeout_ms=20000$'
expect_line '^min_rate=1024$'
expect_line '^rate_window_ms=30000$'
expect_rc 0 "$SYSOTA" sim config dev idle_timeout_ms=5000 min_rate=0 rate_window_ms=60000 connect_timeout_ms=3000
expect_rc 0 "$SYSOTA" sim config dev
expect_line '^idle_timeout_ms=5000$'
expect_line '^min_rate=0$'
expect_line '^rate_window_ms=60000$'
expect_line '^connect_timeout_ms=3000$'
expect_rc 2 "$SYSOTA" sim config dev idle_timeout_ms=0
expect_line 'milliseconds, 1 \.\. 86400000'
expect_rc 2 "$SYSOTA" sim config dev sector_size=8192
expect_rc 2 "$SYSOTA" sim config dev max_images=1
expect_rc 2 "$SYSOTA" sim config dev no_such_key=1
expect_rc 1 "$SYSOTA" sim config nodev
expect_line 'not a simulated device'

# A device never flashed: status says so, the bootloader halts.
expect_eq "blank running.version" "$(json dev 's["running"]["version"]')" 0
expect_rc 1 "$SYSOTA" sim run dev --until boot
expect_line 'no valid image anywhere: the device halts'
expect_eq "halted run result" "$(json dev 's["last_run"]["result"]')" failed

# mkimage: HEX at the application address, or binary; the same bytes.
expect_rc 0 "$SYSOTA" sim mkimage --version 3 --size 5000 -o app_v3.hex
expect_line '^app_v3.hex: simulated application v3, 5000 bytes at 0x9D002000'
hexdigest=$(sed -n 's/^Digest: //p' "$WORK/out")
expect_rc 0 "$SYSOTA" sim mkimage --version 3 --size 5000 -o app_v3.bin
expect_eq "mkimage .bin digest" "$(sha256sum app_v3.bin | cut -d' ' -f1)" "$hexdigest"
expect_rc 0 "$SYSOTA" hex2bin app_v3.hex -o from_hex.bin
cmp -s from_hex.bin app_v3.bin || fail "the HEX and the binary of one image differ"
expect_rc 0 "$SYSOTA" sim mkimage --version 3 --size 5000 --no-confirm -o nc_v3.bin
cmp -s nc_v3.bin app_v3.bin && fail "a no-confirm image has the same bytes as a normal one"
expect_rc 2 "$SYSOTA" sim mkimage --version 3 --size 16 -o tiny.bin
expect_rc 2 "$SYSOTA" sim mkimage --size 100 -o nover.bin
expect_rc 2 "$SYSOTA" sim mkimage --bootloader -o boot.bin

# flash: a merged factory HEX (bootloader stand-in + application v3).
expect_rc 0 "$SYSOTA" sim mkimage --bootloader -o boot.hex
expect_rc 0 "$SYSOTA" merge -o factory.hex boot.hex app_v3.hex
expect_rc 0 "$SYSOTA" sim flash dev factory.hex
expect_line '0x1FC00000-0x1FC000FF \(256 bytes\) is outside internal flash'
expect_line 'programmed v3, 5000 bytes at 0x00002000'
expect_eq "running.version after flash" "$(json dev 's["running"]["version"]')" 3
expect_eq "running.status after flash" "$(json dev 's["running"]["status"]')" F8
expect_eq "running.type after flash" "$(json dev 's["running"]["type"]')" factory
expect_eq "flash_ok after flash" "$(json dev 's["running"]["flash_ok"]')" True
expect_eq "images after flash" "$(json dev 'len(s["images"])')" 0
expect_eq "last_run.ops after flash" "$(json dev 's["last_run"]["ops"]')" 0

# The application's first start keeps the golden copy; the next boot jumps straight in.
expect_rc 0 "$SYSOTA" sim run dev --until boot
expect_line 'golden copy of v3 kept in the store \(factory.bin\)'
expect_eq "golden row" "$(json dev '[(i["name"], i["version"], i["status"]) for i in s["images"]]')" "[('factory.bin', 3, 'F8')]"
expect_eq "golden file size" "$(json dev '[f["size"] for f in s["store"] if f["name"] == "factory.bin"]')" "[5000]"
ops=$(json dev 's["last_run"]["ops"]')
[ "$ops" -gt 0 ] || fail "keeping the golden copy counted no store writes"
expect_rc 0 "$SYSOTA" sim run dev --until boot
expect_line 'boot: v3 confirmed \(record F8\): direct jump'
expect_eq "ops of a direct jump" "$(json dev 's["last_run"]["ops"]')" 0

# flash: any binary with --version; without it, refused. Data in the boot
# control sector is refused. A flash empties the store (a new board).
head -c 3000 /dev/urandom >raw.bin
expect_rc 1 "$SYSOTA" sim flash dev raw.bin
expect_line 'give its --version N'
expect_rc 1 "$SYSOTA" sim flash dev app_v3.bin --version 4
expect_line 'is a simulated v3 image, not v4'
expect_rc 0 "$SYSOTA" sim mkimage --version 5 --size 64 --address 0x9D000000 -o inbootctl.hex
expect_rc 1 "$SYSOTA" sim flash dev inbootctl.hex
expect_line 'boot control area'
expect_rc 0 "$SYSOTA" sim flash dev raw.bin --version 9
expect_eq "store after reflash" "$(json dev 'len(s["store"])')" 0
expect_rc 0 "$SYSOTA" sim run dev --until boot
expect_eq "running a foreign binary" "$(json dev 's["running"]["version"]')" 9

# run: without a manifest URL the application says so and the run fails.
expect_rc 0 "$SYSOTA" sim config dev manifest_url=
expect_rc 1 "$SYSOTA" sim run dev --until idle
expect_line 'no manifest URL'
expect_rc 2 "$SYSOTA" sim run dev --until forever
expect_rc 2 "$SYSOTA" sim run dev --torn skip
expect_rc 2 "$SYSOTA" sim run dev --cut-after 3 --torn sideways
echo "ok"
