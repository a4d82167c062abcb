#!/usr/bin/env bash
# scripts/mbedtls-source.sh DIR
#
# mbedTLS's C sources for the cross builds (the Cortex-M4 footprint and the
# target build under QEMU), fetched with Debian's own client, `apt-get
# source mbedtls`, into DIR (deb-src lines for the machine's Debian archives
# are enabled first if there are none, in a file of our own). Nothing
# fetched is ever committed, and nothing is fetched any other way; a later
# run reuses what DIR holds.
#
# Prints the source tree (the folder holding library/ and include/) as the
# last line of stdout; messages go to stderr. Exit status 0, or 3 when the
# sources could not be had (the message says why).
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
src_root=$(cd "$1" && pwd)
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive

say() { echo "mbedtls-source: $*" >&2; }

find_tree() { find "$src_root" -mindepth 2 -maxdepth 3 -path '*/library/sha256.c' 2>/dev/null | head -n 1; }
sha_c=$(find_tree || true)
if [ -z "$sha_c" ]; then
  "$here/setup.sh" dpkg-dev >&2
  # deb-src lines for the Debian archives this machine already uses, in a
  # file of our own (the system's own lists are left as they are).
  src_list=/etc/apt/sources.list.d/sysota-deb-src.sources
  if ! apt-get source --print-uris mbedtls >/dev/null 2>&1 && [ ! -e "$src_list" ]; then
    say "enabling deb-src for the Debian archives ($src_list)"
    /usr/bin/python3 - "$src_list" <<'PY' | $SUDO tee "$src_list" >/dev/null
import glob, re, sys
out = []
# deb822 files: copy each Debian stanza with Types: deb-src.
for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
    if path == sys.argv[1]:
        continue
    for stanza in re.split(r"\n\s*\n", open(path).read()):
        fields = [l for l in stanza.splitlines() if l.strip() and not l.lstrip().startswith("#")]
        d = dict(l.split(":", 1) for l in fields if ":" in l and not l.startswith(" "))
        types = d.get("Types", "").split()
        if "deb" in types and "/debian" in d.get("URIs", ""):
            out.append("\n".join("Types: deb-src" if l.startswith("Types:") else l for l in fields))
# one-line lists: the same, as one stanza each.
for path in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")):
    try:
        lines = open(path).read().splitlines()
    except OSError:
        continue
    for l in lines:
        m = re.match(r"^deb\s+(\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s+(.+)$", l.strip())
        if m and "/debian" in m.group(2):
            opts = m.group(1) or ""
            stanza = ["Types: deb-src", "URIs: " + m.group(2), "Suites: " + m.group(3),
                      "Components: " + m.group(4)]
            sb = re.search(r"signed-by=(\S+?)\]?$", opts.strip("[] "))
            if sb:
                stanza.append("Signed-By: " + sb.group(1))
            out.append("\n".join(stanza))
print("\n\n".join(out))
PY
    $SUDO apt-get update -qq >&2 || true
  fi
  rm -rf "$src_root"
  mkdir -p "$src_root"
  say "fetching mbedTLS sources: apt-get source mbedtls"
  if ! (cd "$src_root" && apt-get source -qq mbedtls >"$src_root/apt-get-source.log" 2>&1); then
    say "FAILED: 'apt-get source mbedtls' did not work (no deb-src access to a Debian mirror?)."
    say "        See $src_root/apt-get-source.log. mbedTLS's sources are never fetched any other way."
    exit 3
  fi
  sha_c=$(find_tree || true)
  if [ -z "$sha_c" ]; then
    say "FAILED: apt-get source mbedtls gave no library/sha256.c (see $src_root)"
    exit 3
  fi
fi
dirname "$(dirname "$sha_c")"
