#!/usr/bin/env bash
# A power-cut sweep from the command line: for every operation k of a run
# that installs an update, cut the power at k (torn; also skip and whole at
# every 4th k), then check that the device boots a verified image, and that
# the next run ends on the new version, confirmed, with the golden image
# intact and no write unit programmed twice.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
start_server

"$SYSOTA" sim mkimage --version 1 --size 3000 -o v1.bin >/dev/null
image 2 3500 >/dev/null
manifest manifest.json 2
"$SYSOTA" sim init dev --manifest "$URL/manifest.json" --nvm-size 64K >/dev/null
"$SYSOTA" sim flash dev v1.bin >/dev/null
"$SYSOTA" sim run dev --until boot >/dev/null
cp -a dev base
expect_rc 0 "$SYSOTA" sim run dev --until confirmed
n=$(json dev 's["last_run"]["ops"]')
[ "$n" -gt 10 ] || fail "the update counted only $n operations"

check='s["running"]["version"], s["running"]["status"], s["running"]["flash_ok"], s["database"]["ok"], s["database"]["bad_lines"], [(i["name"], i["status"]) for i in s["images"] if i["version"] == 1], s["last_run"]["flash"]["violations"]'
cuts=0
for k in $(seq 1 "$n"); do
  modes=torn
  [ $((k % 4)) -eq 0 ] && modes="torn skip whole"
  for mode in $modes; do
    where="cut at $k ($mode)"
    rm -rf dev && cp -a base dev
    rc=0
    "$SYSOTA" sim run dev --until confirmed --cut-after "$k" --torn "$mode" --seed "$k" >"$WORK/out" 2>&1 || rc=$?
    case $rc in
      3) cuts=$((cuts + 1))
         expect_eq "$where: ops" "$(json dev 's["last_run"]["ops"], s["last_run"]["flash"]["violations"]')" "$k 0" ;;
      0) [ "$k" -gt $((n - 3)) ] || { cat "$WORK/out" >&2; fail "$where: the cut never happened"; } ;;
      *) cat "$WORK/out" >&2; fail "$where: exit $rc" ;;
    esac
    # Power back on: the bootloader hands over to a verified image.
    expect_rc 0 "$SYSOTA" sim run dev --until boot
    got=$(json dev 's["running"]["version"], s["running"]["flash_ok"]')
    [ "$got" = "1 True" ] || [ "$got" = "2 True" ] || fail "$where: boots $got"
    # And the device finishes the update.
    expect_rc 0 "$SYSOTA" sim run dev --until confirmed
    expect_eq "$where: end state" "$(json dev "$check")" "2 F8 True True 0 [('factory.bin', 'F8')] 0"
  done
done
[ "$cuts" -ge "$n" ] || fail "only $cuts cuts happened in a sweep of $n operations"
echo "ok: $n operations, $cuts cuts"
