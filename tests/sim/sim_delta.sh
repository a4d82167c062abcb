#!/usr/bin/env bash
# Delta updates on the simulated device against a real local server:
# v1 -> v2 by a real JojoDiff patch (jdiff 0.8.5's, of the delta vectors'
# nRF52 S140 7.2.0 -> 7.3.0 pair), v2 -> v3 by a VCDIFF patch from the image
# in program flash (made by `manifest add` with xdelta3), then the fallbacks
# to the full image: a base digest the device does not hold, a patch that is
# not its PatchDigest, a patch that builds another image (TargetDigest).
# Last, a signed delta update on a device provisioned with a key.
#
# The simulated image format is a 32-byte header (what the simulated
# application does) and any payload: v1 and v2 carry the vectors' old.bin
# and new.bin, so the JojoDiff patch from v1 to v2 is MOD data for v2's
# header followed by jdiff's own patch, unchanged (JojoDiff moves a cursor
# in the base: after the header's 32 bytes it stands where old.bin starts).
# Second argument: the delta vectors' folder (skipped, saying why, without).
source "$(dirname "$0")/lib.sh"
VECTORS=${2:-$HERE/../../../shared/delta-vectors}
PAIR="$VECTORS/nrf52_s140_7.2.0_to_7.3.0"
if [ ! -f "$PAIR/jojo.patch" ]; then
  echo "SKIP: no delta vectors at $VECTORS (set SYSOTA_DELTA_VECTORS_DIR)"
  exit 0
fi
command -v xdelta3 >/dev/null || { echo "SKIP: xdelta3 is not installed"; exit 0; }
cd "$WORK"
start_server

# wrap VERSION PAYLOAD OUT: a simulated image of VERSION whose payload is PAYLOAD.
wrap() {
  "$PY" - "$1" "$2" "$3" <<'PYEOF'
import struct, sys, zlib
v, payload, out = int(sys.argv[1]), open(sys.argv[2], "rb").read(), sys.argv[3]
h = b"SOTA-SIM" + struct.pack("<IIII", 1, 0, v, 32 + len(payload)) + b"\0" * 4
h += struct.pack("<I", zlib.crc32(h))
open(out, "wb").write(h + payload)
PYEOF
}
# mutate IN OUT SEED: IN with a few stretches changed.
mutate() {
  "$PY" - "$1" "$2" "$3" <<'PYEOF'
import random, sys
b = bytearray(open(sys.argv[1], "rb").read())
r = random.Random(int(sys.argv[3]))
for _ in range(6):
    at = r.randrange(32, len(b) - 600)
    b[at:at + 500] = bytes(r.randrange(256) for _ in range(500))
open(sys.argv[2], "wb").write(b)
PYEOF
}
size() { stat -c %s "$1"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

wrap 1 "$PAIR/old.bin" v1.bin
wrap 2 "$PAIR/new.bin" www/app_v2.bin
# v1 -> v2: v2's header as MOD data (A7 escaped as A7 A7), then jdiff's patch.
"$PY" - www/app_v2.bin "$PAIR/jojo.patch" www/v1_to_v2.jdiff <<'PYEOF'
import sys
head = open(sys.argv[1], "rb").read()[:32]
open(sys.argv[3], "wb").write(b"\xa7\xa6" + head.replace(b"\xa7", b"\xa7\xa7") + open(sys.argv[2], "rb").read())
PYEOF
cmp -s <(tail -c +33 www/app_v2.bin) "$PAIR/new.bin" || fail "v2's payload is not the vectors' new.bin"

expect_rc 0 "$SYSOTA" sim init dev --manifest "$URL/manifest.json"
expect_rc 0 "$SYSOTA" sim flash dev v1.bin
expect_rc 0 "$SYSOTA" manifest add www/manifest.json --image www/app_v2.bin --version 2 --url "$URL/app_v2.bin" \
  --patch-from v1.bin --base-version 1 --patch-url "$URL/v1_to_v2.jdiff" --patch www/v1_to_v2.jdiff
grep -q '"Format"' www/manifest.json && fail "a JojoDiff record carries a Format"
jpatch=$(size www/v1_to_v2.jdiff)
expect_rc 0 "$SYSOTA" sim run dev --until confirmed --check-now
expect_line "^download v2: 100% $jpatch/$jpatch bytes$"
expect_line '^verify v2 patch: ok \(SHA-256 matches PatchDigest\)$'
expect_line "^patch v2: image rebuilt, $(size www/app_v2.bin) bytes from $jpatch bytes on the wire"
expect_line '^verify v2 \(rebuilt\): ok \(SHA-256 matches TargetDigest\)$'
expect_line '^boot: installed v2'
grep -q 'full image' "$WORK/out" && fail "v1 -> v2 fell back to the full image"
expect_eq "running after the JojoDiff update" "$(json dev 's["running"]["version"], s["running"]["status"], s["running"]["flash_ok"]')" "2 F8 True"
echo "v1 -> v2 JojoDiff: $jpatch bytes on the wire for a $(size www/app_v2.bin)-byte image"

# v2 -> v3 by VCDIFF (xdelta3 through manifest add), base v2 in program flash.
mutate www/app_v2.bin v3.payload 3
wrap 3 <(tail -c +33 v3.payload) www/app_v3.bin
expect_rc 0 "$SYSOTA" manifest add www/manifest.json --image www/app_v3.bin --version 3 --url "$URL/app_v3.bin" \
  --patch-from www/app_v2.bin --patch-url "$URL/v2_to_v3.vcdiff"
grep -q '"Format": "vcdiff"' www/manifest.json || fail "no vcdiff record written"
vpatch=$(size www/v2_to_v3.vcdiff)
expect_rc 0 "$SYSOTA" sim run dev --until confirmed --check-now -v
expect_line "^download v3: 100% $vpatch/$vpatch bytes$"
expect_line '^patch v3: image rebuilt'
expect_line 'log: INFO: ota: delta update from program flash, version 2$'
expect_line '^boot: installed v3'
expect_eq "running after the VCDIFF update" "$(json dev 's["running"]["version"], s["running"]["status"]')" "3 F8"
echo "v2 -> v3 VCDIFF: $vpatch bytes on the wire for a $(size www/app_v3.bin)-byte image"

# edit_record VERSION KEY VALUE: change a key of the entry's Patch record.
edit_record() {
  "$PY" - www/manifest.json "$@" <<'PYEOF'
import json, sys
path, v, key, val = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
doc = json.load(open(path))
for e in doc["ota"]:
    if e["Version"] == v:
        e["Patch"][0][key] = int(val) if val.isdigit() else val
json.dump(doc, open(path, "w"))
PYEOF
}

# v4: a base digest this device does not hold -> the full image.
mutate www/app_v3.bin v4.payload 4
wrap 4 <(tail -c +33 v4.payload) www/app_v4.bin
expect_rc 0 "$SYSOTA" manifest add www/manifest.json --image www/app_v4.bin --version 4 --url "$URL/app_v4.bin" \
  --patch-from www/app_v3.bin --patch-url "$URL/v3_to_v4.vcdiff"
edit_record 4 BaseVerDigest "$(sha www/app_v2.bin)"
expect_rc 0 "$SYSOTA" sim run dev --until confirmed --check-now
expect_line '^patch v4: this device holds none of the patches.* bases: full image$'
expect_line "^download v4: 100% $(size www/app_v4.bin)/$(size www/app_v4.bin) bytes$"
expect_line '^boot: installed v4'

# v5: a patch altered on the server (PatchDigest) -> the full image.
mutate www/app_v4.bin v5.payload 5
wrap 5 <(tail -c +33 v5.payload) www/app_v5.bin
expect_rc 0 "$SYSOTA" manifest add www/manifest.json --image www/app_v5.bin --version 5 --url "$URL/app_v5.bin" \
  --patch-from www/app_v4.bin --patch-url "$URL/v4_to_v5.vcdiff"
printf '\x55' | dd of=www/v4_to_v5.vcdiff bs=1 seek=100 conv=notrunc 2>/dev/null
expect_rc 0 "$SYSOTA" sim run dev --until confirmed --check-now
expect_line '^verify v5 patch: FAILED: its SHA-256 differs from PatchDigest$'
expect_line '^patch v5: not usable \(OTA_ERR_DIGEST'
expect_line "^download v5: 100% $(size www/app_v5.bin)/$(size www/app_v5.bin) bytes$"
expect_line '^boot: installed v5'

# v6: a patch (true to its PatchDigest) that builds another image -> TargetDigest fails, the full image.
mutate www/app_v5.bin v6.payload 6
wrap 6 <(tail -c +33 v6.payload) www/app_v6.bin
mutate www/app_v5.bin other.payload 66
wrap 6 <(tail -c +33 other.payload) other_v6.bin
expect_rc 0 "$SYSOTA" manifest add www/manifest.json --image www/app_v6.bin --version 6 --url "$URL/app_v6.bin" \
  --patch-from www/app_v5.bin --patch-url "$URL/v5_to_v6.vcdiff"
xdelta3 -e -9 -S none -f -s www/app_v5.bin other_v6.bin www/v5_to_v6.vcdiff
edit_record 6 PatchDigest "$(sha www/v5_to_v6.vcdiff)"
edit_record 6 PatchSize "$(size www/v5_to_v6.vcdiff)"
expect_rc 0 "$SYSOTA" sim run dev --until confirmed --check-now
expect_line '^patch v6: image rebuilt'
expect_line '^verify v6 \(rebuilt\): FAILED: OTA_ERR_DIGEST'
expect_line '^patch v6: not usable \(OTA_ERR_DIGEST'
expect_line "^download v6: 100% $(size www/app_v6.bin)/$(size www/app_v6.bin) bytes$"
expect_line '^boot: installed v6'
expect_eq "running after the fallbacks" "$(json dev 's["running"]["version"], s["running"]["status"], s["running"]["flash_ok"]')" "6 F8 True"
expect_eq "no temporary file left" "$(json dev '[f["name"] for f in s["store"] if f["name"].startswith(".")]')" "[]"

# Signed: a device with a key takes a signed delta update (the rebuilt image's Signature checked).
expect_rc 0 "$SYSOTA" key gen -o rel.pem
expect_rc 0 "$SYSOTA" key pub rel.pem -o rel.pub.pem
mkdir -p signed
expect_rc 0 "$SYSOTA" manifest add signed/manifest.json --image www/app_v2.bin --version 2 --url "$URL/app_v2.bin" \
  --sign-image rel.pem --patch-from v1.bin --base-version 1 --patch-url "$URL/v1_to_v2.jdiff" \
  --patch www/v1_to_v2.jdiff
expect_rc 0 "$SYSOTA" manifest sign signed/manifest.json --key rel.pem
cp signed/manifest.json www/signed.json
cp signed/manifest.json.sig www/signed.json.sig
expect_rc 0 "$SYSOTA" sim init sdev --manifest "$URL/signed.json" --pubkey rel.pub.pem
expect_rc 0 "$SYSOTA" sim flash sdev v1.bin --sign-key rel.pem
expect_rc 0 "$SYSOTA" sim run sdev --until confirmed --check-now
expect_line '^verify v2 \(rebuilt\): ok \(SHA-256 matches TargetDigest, Signature by a trusted key\)$'
expect_line '^boot: installed v2'
grep -q 'full image' "$WORK/out" && fail "the signed delta update fell back to the full image"
echo "ok"
