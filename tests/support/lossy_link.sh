#!/usr/bin/env bash
# lossy_link.sh: a slow, lossy network link for end-to-end tests and the
# benchmark, made of a network namespace of its own whose loopback is rate
# limited (tc tbf) and drops packets at random (nftables numgen). No netem.
#
#   lossy_link.sh run [--rate RATE] [--loss PERCENT] -- CMD [ARG...]
#       Make the link, run CMD inside it (127.0.0.1 in there is the link:
#       a server and a client started by CMD talk through it), then remove
#       the link and every process left in it, whatever way CMD ends.
#       Exits with CMD's status, or 77 with a line "SKIP: reason" when this
#       machine cannot make the link (no namespaces, no tc or nft, not root).
#       RATE is tc's (default 256kbit); PERCENT 0..100 (default 5) is the
#       share of packets dropped each way.
#
# Inside CMD (SYSOTA_LINK names the link, SYSOTA_LINK_TOOL is this script):
#   lossy_link.sh down [SECONDS]   drop every packet both ways (for SECONDS, then up)
#   lossy_link.sh down --after BYTES
#                                  from the moment BYTES more have gone from the server
#                                  to the device, drop what the server sends (the link
#                                  fails at a count, whenever the caller looks); returns
#                                  at once: outage_lost turning non-zero says it happened
#   lossy_link.sh up               carry packets again
#   lossy_link.sh stats            key=value lines, each way, since the link was made:
#       down_bytes/down_packets    delivered from the server to the device
#       up_bytes/up_packets        delivered from the device to the server
#       down_lost/up_lost          packets dropped at random
#       outage_lost                packets dropped while the link was down
#   Bytes are IP packets as they cross the link (headers and TCP's own
#   retransmissions included). "Device" is whoever opens the connection
#   (conntrack's original direction), "server" whoever accepts it.
#
# How the link is built, and why:
#   - the loopback's MTU is lowered to 1500 and its GSO to one segment per
#     packet, so that tbf (whose burst is a few KB) sees packets of a real
#     link's size and a random drop loses one segment, not a 64 KB burst;
#   - one tbf on the loopback carries both ways: the device's requests and
#     ACKs share the rate with the data (about 3 % of it on a download);
#     its queue holds 100 ms at the rate (TCP overflowing it is part of what
#     a slow link does): with a longer queue TCP's retransmission timer fires
#     while segments still wait in it, and the copies it sends cross the
#     link as bytes no one asked for (measured: 6 KB more per 256 KiB at
#     200 ms, and up to 50 KB in a download cut by an outage at 500 ms);
#   - every packet passes the namespace's output hook and then its input
#     hook once: the output chain drops the device's packets at random, the
#     input chain the server's, so each way loses PERCENT once;
#   - "down" puts a drop rule in a chain the output hook jumps to first;
#     "down --after" a quota rule in one the input hook jumps to first.
#
# A run killed with SIGKILL (a CTest timeout) cannot clean up: the next run
# removes namespaces left by runs that no longer exist.
set -uo pipefail

SKIP=77
PREFIX=sysota-link-
TABLE="inet sysota_link"
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")

die() {
  echo "lossy_link.sh: $*" >&2
  exit 2
}

skip() {
  echo "SKIP: $* (the lossy-link tests need root, network namespaces, tc and nft: iproute2, nftables)"
  exit $SKIP
}

# alive PID: the process exists and is not a zombie.
alive() {
  local st
  [ -r "/proc/$1/stat" ] || return 1
  st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# destroy NAME: end what still runs in the namespace (by PID), then remove it.
destroy() {
  local name=$1 pids p i
  pids=$(ip netns pids "$name" 2>/dev/null || true)
  for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
  for i in $(seq 1 40); do
    local left=""
    for p in $pids; do alive "$p" && left="$left $p"; done
    pids=$left
    [ -z "$pids" ] && break
    sleep 0.05
  done
  for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done
  ip netns del "$name" 2>/dev/null || true
}

# Namespaces of earlier runs whose wrapper is gone (killed before its trap ran).
destroy_stale() {
  local name pid
  for name in $(ip netns list 2>/dev/null | awk '{print $1}'); do
    case "$name" in
      "$PREFIX"*) pid=${name#"$PREFIX"} ;;
      *) continue ;;
    esac
    case "$pid" in
      '' | *[!0-9]*) continue ;;
    esac
    alive "$pid" || destroy "$name"
  done
}

ruleset() { # ruleset PERCENT
  cat <<EOF
table $TABLE {
  counter down_delivered { }
  counter up_delivered { }
  counter down_lost { }
  counter up_lost { }
  counter outage_lost { }
  chain outage { }
  chain outage_in { }
  chain output {
    type filter hook output priority 0; policy accept;
    jump outage
    ct direction original numgen random mod 100 < $1 counter name up_lost drop
  }
  chain input {
    type filter hook input priority 0; policy accept;
    jump outage_in
    ct direction reply numgen random mod 100 < $1 counter name down_lost drop
    ct direction reply counter name down_delivered
    ct direction original counter name up_delivered
  }
}
EOF
}

run() {
  local rate=256kbit loss=5 name err child rc
  while [ $# -gt 0 ]; do
    case "$1" in
      --rate) rate=${2:?--rate needs a value}; shift 2 ;;
      --loss) loss=${2:?--loss needs a value}; shift 2 ;;
      --) shift; break ;;
      *) die "run: unexpected '$1' (usage: run [--rate R] [--loss P] -- CMD...)" ;;
    esac
  done
  [ $# -gt 0 ] || die "run: no command"
  case "$loss" in
    '' | *[!0-9]*) die "run: --loss takes 0..100, not '$loss'" ;;
  esac
  [ "$loss" -le 100 ] || die "run: --loss takes 0..100, not '$loss'"
  local tool
  for tool in ip tc nft; do
    command -v "$tool" >/dev/null 2>&1 || skip "no '$tool' command"
  done
  [ "$(id -u)" = 0 ] || skip "not root"

  destroy_stale
  name=$PREFIX$$
  err=$(ip netns add "$name" 2>&1) || skip "cannot create a network namespace: $err"
  trap 'destroy "$name"' EXIT
  trap 'exit 143' TERM
  trap 'exit 130' INT
  err=$({ ip -n "$name" link set lo mtu 1500 && ip -n "$name" link set lo gso_max_segs 1 &&
    ip -n "$name" link set lo up; } 2>&1) || skip "cannot set up the namespace's loopback: $err"
  err=$(tc -n "$name" qdisc add dev lo root tbf rate "$rate" burst 4kb latency 100ms 2>&1) ||
    skip "tc cannot rate-limit with tbf: $err"
  err=$(ruleset "$loss" | ip netns exec "$name" nft -f - 2>&1) ||
    skip "nft cannot drop packets at random: $err"

  # In the background, so that a TERM reaches the trap at once, not after CMD.
  SYSOTA_LINK=$name SYSOTA_LINK_TOOL=$self ip netns exec "$name" "$@" &
  child=$!
  wait "$child"
  rc=$?
  exit $rc
}

inside() {
  [ -n "${SYSOTA_LINK:-}" ] || die "$1: only inside 'lossy_link.sh run -- CMD'"
}

counter() { # counter NAME: "packets bytes"
  nft list counter $TABLE "$1" | awk '/packets/ { for (i = 1; i < NF; i++) { if ($i == "packets") p = $(i + 1); if ($i == "bytes") b = $(i + 1) } } END { print p + 0, b + 0 }'
}

stats() {
  local p b
  read -r p b < <(counter down_delivered)
  echo "down_packets=$p"
  echo "down_bytes=$b"
  read -r p b < <(counter up_delivered)
  echo "up_packets=$p"
  echo "up_bytes=$b"
  read -r p b < <(counter down_lost)
  echo "down_lost=$p"
  read -r p b < <(counter up_lost)
  echo "up_lost=$p"
  read -r p b < <(counter outage_lost)
  echo "outage_lost=$p"
}

link_down() {
  link_up && nft add rule $TABLE outage counter name outage_lost drop
}

# The quota counts the server's bytes as they arrive from now on (on the
# input hook: what the output hook sees includes what the tbf queue drops
# and TCP sends again), and drops them once over.
link_down_after() {
  link_up &&
    nft add rule $TABLE outage_in ct direction reply quota over "$1" bytes counter name outage_lost drop
}

link_up() {
  nft flush chain $TABLE outage && nft flush chain $TABLE outage_in
}

case "${1:-}" in
  run)
    shift
    run "$@"
    ;;
  down)
    inside down
    if [ "${2:-}" = --after ]; then
      case "${3:-}" in
        '' | *[!0-9]*) die "down --after takes a number of bytes" ;;
      esac
      link_down_after "$3"
      exit
    fi
    link_down || exit 1
    if [ $# -ge 2 ]; then
      sleep "$2"
      link_up || exit 1
    fi
    ;;
  up)
    inside up
    link_up
    ;;
  stats)
    inside stats
    stats
    ;;
  *)
    echo "usage: $0 run [--rate R] [--loss P] -- CMD... | down [SECONDS] | down --after BYTES | up | stats" >&2
    exit 2
    ;;
esac
