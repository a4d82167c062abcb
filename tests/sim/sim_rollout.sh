#!/usr/bin/env bash
# A staged rollout from a static manifest: `sim init --device-id` gives the
# device its identity, `manifest add --rollout` the entry its percentage.
# The device's bucket for a version is computed here apart from sysota's
# code (FNV-1a over the id and the version, MurmurHash3's finaliser, mod 100).
source "$(dirname "$0")/lib.sh"
cd "$WORK"
start_server

bucket() {
  "$PY" - "$1" "$2" <<'PYEOF'
import sys
def fnv(h, data):
    for x in data:
        h = ((h ^ x) * 16777619) & 0xFFFFFFFF
    return h
ident, version = sys.argv[1].encode(), int(sys.argv[2])
h = fnv(fnv(2166136261, ident), version.to_bytes(4, "little"))
h ^= h >> 16; h = (h * 0x85EBCA6B) & 0xFFFFFFFF; h ^= h >> 13; h = (h * 0xC2B2AE35) & 0xFFFFFFFF; h ^= h >> 16
print(h % 100)
PYEOF
}

# A serial number whose bucket for v2 lies in 40..59: out at 40 %, in at 60 %.
id=""
for i in $(seq 1 500); do
  b=$(bucket "SN-$i" 2)
  if [ "$b" -ge 40 ] && [ "$b" -lt 60 ]; then id="SN-$i"; break; fi
done
[ -n "$id" ] || fail "no serial number with a bucket in 40..59"

"$SYSOTA" sim mkimage --version 1 --size 6000 -o v1.bin >/dev/null
image 2 64K >/dev/null
expect_rc 0 "$SYSOTA" sim init dev --manifest "$URL/manifest.json" --device-id "$id"
expect_line "device id +$id \\(for staged rollouts\\)"
expect_eq "device id in status" "$(json dev 's["device"]["device_id"]')" "$id"
"$SYSOTA" sim flash dev v1.bin >/dev/null

# Rollout 40: this device is not in the cohort yet; nothing is fetched.
expect_rc 0 "$SYSOTA" manifest add www/manifest.json --image www/app_v2.bin --version 2 --url "$URL/app_v2.bin" --rollout 40
expect_rc 0 "$SYSOTA" sim run dev --until idle --check-now
expect_line '^check: no update \(running v1\)$'
expect_eq "still v1 at 40 %" "$(json dev 's["running"]["version"]')" 1

# Raised to 60 in the same file: the same device is now in.
expect_rc 0 "$SYSOTA" manifest add www/manifest.json --image www/app_v2.bin --version 2 --url "$URL/app_v2.bin" --rollout 60
grep -q '"Rollout": 60' www/manifest.json || fail "manifest add did not write Rollout 60"
expect_rc 0 "$SYSOTA" sim run dev --until confirmed --check-now
expect_line '^check: v2 available \(running v1\)$'
expect_eq "v2 at 60 %" "$(json dev 's["running"]["version"], s["running"]["status"]')" "2 F8"

# The tool refuses what is not a percentage.
expect_rc 2 "$SYSOTA" manifest add www/manifest.json --image www/app_v2.bin --version 2 --url "$URL/app_v2.bin" --rollout 101
expect_line 'a percentage of the fleet, 0..100'
echo "ok"
