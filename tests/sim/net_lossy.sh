#!/usr/bin/env bash
# A slow, lossy link: the simulated device updates to a 256 KiB image from
# nginx over 256 kbit/s with 5 % of the packets lost each way, and the image
# is verified, installed by the bootloader and confirmed. A check or download
# the link makes fail is tried again at the service's next check (up to 3
# times), resuming what was stored; none may start the image over.
#
# Run inside the link (CTest does):
#   tests/support/lossy_link.sh run --rate 256kbit --loss 5 -- bash net_lossy.sh SYSOTA
# Nothing here depends on how long it takes: the assertions count.
source "$(dirname "$0")/net_lib.sh"

net_device

# --timeout is a guard against a hang only; CTest's is above it.
expect_rc 0 "$SYSOTA" sim run dev --until confirmed --check-now --retries 3 --timeout 240
cp "$WORK/out" "$WORK/run.txt"
expect_line '^check: v2 available \(running v1\)$'
expect_line '^download v2: 100% 262144/262144 bytes$'
expect_line '^verify v2: ok \(SHA-256 matches the manifest\)$'
expect_line '^boot: installed v2 \(first boot, attempt 1 of 3\)$'
expect_line '^app v2: confirmed \(record and row F8\)$'
expect_eq "running after the lossy update" \
  "$(json dev 's["running"]["version"], s["running"]["status"], s["running"]["flash_ok"]')" "2 F8 True"

# Every resume continued from a stored prefix (never from 0), and the server
# sent the whole image once (one 200), the rest of an interrupted one as 206.
failures=$(grep -c '^retry: ' "$WORK/run.txt" || true)
resumes=$(grep -c '^download v2: resuming at ' "$WORK/run.txt" || true)
if grep -q '^download v2: resuming at 0 bytes' "$WORK/run.txt"; then
  fail "a resume started at byte 0"
fi
full=$(grep -c '"GET /app_v2.bin HTTP/1.1" 200 ' "$SERVER_STATE/access.log" || true)
expect_eq "full-image answers (200) of the server" "$full" 1
partial=$(grep -c '"GET /app_v2.bin HTTP/1.1" 206 ' "$SERVER_STATE/access.log" || true)
expect_eq "partial answers (206) against the device's resumes" "$partial" "$resumes"

# The link really was slow and lossy: every image byte crossed it, and
# packets were lost (with ~300 packets at 5 % each, none lost happens less
# than once in a million runs).
down_bytes=$(link_stat down_bytes)
lost=$(($(link_stat down_lost) + $(link_stat up_lost)))
[ "$down_bytes" -ge "$IMAGE_SIZE" ] || fail "only $down_bytes bytes crossed the link towards the device"
[ "$lost" -gt 0 ] || fail "the link lost no packet: the loss rules did not apply"

echo "lossy link: v2 (256 KiB) verified, installed and confirmed over 256 kbit/s, 5 % loss each way;" \
  "$(link_stat down_lost) packets lost towards the device, $(link_stat up_lost) from it;" \
  "$down_bytes bytes towards the device on the wire; $failures failed attempt(s), $resumes resume(s)"
