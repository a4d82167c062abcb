#!/usr/bin/env bash
# --cut-after: the run stops with exit 3 at the given operation, status
# reports it, the folder keeps what the power left and the next run boots
# from there.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
start_server

"$SYSOTA" sim mkimage --version 1 --size 5000 -o v1.bin >/dev/null
image 2 20000 >/dev/null
manifest manifest.json 2
"$SYSOTA" sim init dev --manifest "$URL/manifest.json" >/dev/null
"$SYSOTA" sim flash dev v1.bin >/dev/null

# Cut at the first store write of the first start (keeping the golden copy).
expect_rc 3 "$SYSOTA" sim run dev --until boot --cut-after 1 --torn whole
expect_line '^power cut after operation 1$'
expect_eq "last_run after a cut" "$(json dev 's["last_run"]["ops"], s["last_run"]["result"], s["last_run"]["cut_after"], s["last_run"]["cut_mode"]')" "1 cut 1 whole"
expect_eq "record after the cut" "$(json dev 's["running"]["version"], s["running"]["status"], s["running"]["flash_ok"]')" "1 F8 True"
expect_rc 0 "$SYSOTA" sim run dev --until boot
expect_line 'golden copy of v1 kept'
cp -a dev base

# A clean update, to learn its operation count N.
expect_rc 0 "$SYSOTA" sim run dev --until confirmed
n=$(json dev 's["last_run"]["ops"]')
[ "$n" -gt 20 ] || fail "an update counted only $n operations"

# A cut beyond the run's last operation never fires.
rm -rf dev && cp -a base dev
expect_rc 0 "$SYSOTA" sim run dev --until confirmed --cut-after $((n + 1000))
expect_eq "result when the cut is never reached" "$(json dev 's["last_run"]["result"]')" ok

# The count goes on across resets: a cut in the install happens after the reset.
rm -rf dev && cp -a base dev
expect_rc 3 "$SYSOTA" sim run dev --until confirmed --cut-after $((n - 5)) --torn skip
expect_line '^reset$'
expect_line "^power cut after operation $((n - 5))$"
sed -n '/^reset$/,$p' "$WORK/out" | grep -q '^power cut' || fail "the cut did not come after the reset"
expect_eq "ops of the cut run" "$(json dev 's["last_run"]["ops"]')" $((n - 5))

# Several cuts in a row, in every mode, then a clean run: the update completes.
rm -rf dev && cp -a base dev
for spec in "7 torn" "3 skip" "12 whole" "2 torn"; do
  set -- $spec
  expect_rc 3 "$SYSOTA" sim run dev --until confirmed --cut-after "$1" --torn "$2" --seed "$1"
  expect_line "^power cut after operation $1\$"
done
expect_rc 0 "$SYSOTA" sim run dev --until confirmed
expect_eq "after repeated cuts" "$(json dev 's["running"]["version"], s["running"]["status"], s["running"]["flash_ok"]')" "2 F8 True"
expect_eq "database after repeated cuts" "$(json dev 's["database"]["ok"], s["database"]["bad_lines"]')" "True 0"
echo "ok"
