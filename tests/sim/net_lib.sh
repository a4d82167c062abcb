# Shared part of the lossy-link tests (sourced after lib.sh's arguments):
# they run inside tests/support/lossy_link.sh's namespace, where 127.0.0.1
# is the slow link.
#   IMAGE_SIZE  the update's size (256 KiB)
#   link_stat   one figure of the link
#   net_device  a server offering v2 (IMAGE_SIZE) and device "dev" running v1
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ -n "${SYSOTA_LINK:-}" ] || fail "run through tests/support/lossy_link.sh run -- bash $0 SYSOTA"
IMAGE_SIZE=262144

# link_stat KEY: a figure of `lossy_link.sh stats` (bytes, packets, losses each way).
link_stat() {
  "$SYSOTA_LINK_TOOL" stats | sed -n "s/^$1=//p"
}

net_device() {
  cd "$WORK"
  start_server
  "$SYSOTA" sim mkimage --version 1 --size 6000 -o v1.bin >/dev/null
  image 2 "$IMAGE_SIZE" >/dev/null
  manifest manifest.json 2
  "$SYSOTA" sim init dev --manifest "$URL/manifest.json" >/dev/null
  "$SYSOTA" sim flash dev v1.bin >/dev/null
}
