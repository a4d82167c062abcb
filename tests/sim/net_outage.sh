#!/usr/bin/env bash
# A link that goes down for 30 s in the middle of a download: the service
# gives up on the dead connection (its idle timeout, 20 s, is shorter than
# the outage), keeps what it stored, and its next checks try again until the
# link is back; the download then resumes with a Range request where it
# stopped. It must not start over: the bytes that crossed the link towards
# the device stay below the image's size plus a bound (below), when starting
# over would add every byte fetched before the outage.
#
# Run inside the link (CTest does):
#   tests/support/lossy_link.sh run --rate 256kbit --loss 0 -- bash net_outage.sh SYSOTA
# The outage starts when a count of bytes has crossed the link, not after a
# time; nothing asserted depends on how long anything takes.
source "$(dirname "$0")/net_lib.sh"
# The outage starts once this much has reached the device (a third of the
# image): enough that starting over would cost clearly more than the bound.
OUTAGE_AT=$((96 * 1024))
OUTAGE_S=30
# What may cross the link beyond the image's bytes when the download
# resumes: IP and TCP headers (52 bytes per 1448-byte segment: 3.6 %, 9.4 KiB),
# the manifest and the HTTP headers of every check and request (under 1 KiB
# each, 3 to 4 of them), and the few segments the server sends again on the
# old connection once the link is back: measured 17.5 KiB (6.7 %) in all.
# The bound, 32 KiB (12.5 %), is nearly twice that; starting over would add
# all that was stored before the outage (over 90 KiB, 35 %).
BOUND=$((IMAGE_SIZE / 8))

net_device
# The service's limits, spelt out (they are its defaults): an idle timeout
# shorter than the outage, so that the service abandons the dead connection
# and the behaviour under test is the resume (a longer one would leave the
# recovery to TCP's retransmissions); a minimum rate far below the link's.
expect_rc 0 "$SYSOTA" sim config dev idle_timeout_ms=20000 connect_timeout_ms=10000 min_rate=1024 \
  rate_window_ms=30000

# The link fails by itself once OUTAGE_AT bytes have left the server (a
# quota in the kernel, whenever this script looks); once it has, the whole
# link goes down for OUTAGE_S. --timeout is a guard against a hang only;
# CTest's is above it.
"$SYSOTA_LINK_TOOL" down --after "$OUTAGE_AT"
"$SYSOTA" sim run dev --until ready --check-now --retries 4 --timeout 240 >"$WORK/run.txt" 2>&1 &
run_pid=$!
until [ "$(link_stat outage_lost)" -gt 0 ]; do
  if ! kill -0 "$run_pid" 2>/dev/null; then
    cat "$WORK/run.txt" >&2
    fail "the run ended before $OUTAGE_AT bytes had left the server"
  fi
  sleep 0.05
done
got=$(link_stat down_bytes)
"$SYSOTA_LINK_TOOL" down "$OUTAGE_S"
rc=0
wait "$run_pid" || rc=$?
cp "$WORK/run.txt" "$WORK/out"
[ "$rc" = 0 ] || { cat "$WORK/out" >&2; fail "the run exited $rc"; }

# The story: the download fails on the dead link, the next check resumes it.
expect_line '^download v2 failed: OTA_ERR_(TIMEOUT|NET) '
expect_line '^retry: failure 1 of at most 4'
expect_line '^download v2: resuming at [0-9]+ bytes$'
expect_line '^verify v2: ok \(SHA-256 matches the manifest\)$'
expect_line '^update ready: v2 stored with row FE'
expect_eq "v2 row after the outage" "$(json dev '[i["status"] for i in s["images"] if i["version"] == 2]')" "['FE']"
# It resumed where its stored part ended: all that reached it before the
# outage (OUTAGE_AT on the wire less 4 % of headers), so well above 64 KiB.
first_resume=$(sed -n 's/^download v2: resuming at \([0-9]*\) bytes$/\1/p' "$WORK/out" | head -n 1)
[ "$first_resume" -ge $((64 * 1024)) ] || fail "resumed at $first_resume bytes, not after what it had received"

# The server: the image once in full (200), then only what was missing (206).
full=$(grep -c '"GET /app_v2.bin HTTP/1.1" 200 ' "$SERVER_STATE/access.log" || true)
expect_eq "full-image answers (200) of the server" "$full" 1
grep -q '"GET /app_v2.bin HTTP/1.1" 206 ' "$SERVER_STATE/access.log" || fail "no partial answer (206)"

# The bytes: the image once, plus the bound.
down_bytes=$(link_stat down_bytes)
[ "$down_bytes" -lt $((IMAGE_SIZE + BOUND)) ] ||
  fail "$down_bytes bytes crossed the link towards the device, not below $IMAGE_SIZE + $BOUND: it started over"
[ "$(link_stat outage_lost)" -gt 0 ] || fail "the outage dropped nothing"

echo "outage: down for ${OUTAGE_S} s after $got bytes; resumed at $first_resume bytes;" \
  "$down_bytes bytes towards the device on the wire in all (image $IMAGE_SIZE, bound +$BOUND);" \
  "$(grep -c '^retry: ' "$WORK/out") failed attempt(s), $(link_stat outage_lost) packets dropped while down"
