#!/usr/bin/env bash
# footprint/footprint.sh OUT_DIR [RESULTS_FILE]
#
# The Cortex-M4 footprint build (figure 4 of `make bench`):
#  1. installs what it needs and is missing (gcc-arm-none-eabi,
#     libnewlib-arm-none-eabi, dpkg-dev for apt-get source, libjsmn-dev);
#  2. fetches mbedTLS's sources with Debian's own client, `apt-get source
#     mbedtls`, into OUT_DIR/mbedtls-src (scripts/mbedtls-source.sh, which
#     the target build uses too). Nothing fetched is ever committed; a later
#     run reuses what is there;
#  3. builds footprint/ (CMake, cmake/cortex-m4.cmake) into OUT_DIR/build: the
#     bootloader alone and the service core alone, each with SHA-256, on
#     stub ports; the build fails if malloc or free is linked;
#     (environment: FOOTPRINT_SVC_BUF, the service buffer, default 2048;
#     FOOTPRINT_OTA_DEFS, e.g. "OTA_DB_MAX_ROWS=4;OTA_BOOT_BUF_SIZE=512")
#  4. prints text/data/bss, the split by origin and the worst stack depth
#     (footprint/report.py), and appends them to RESULTS_FILE if given.
# Exit status: 0 when both images were built and measured, else non-zero
# with a message saying which step failed (missed size targets are not
# failures: they are figures).
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 OUT_DIR [RESULTS_FILE]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
results=${2:-}
if [ -n "$results" ]; then
  results=$(cd "$(dirname "$results")" && pwd)/$(basename "$results")
fi
jobs=2

say() { echo "footprint: $*"; }

# 1. Packages: only the missing ones.
"$here/../scripts/setup.sh" gcc-arm-none-eabi libnewlib-arm-none-eabi dpkg-dev libjsmn-dev

# 2. mbedTLS sources through apt-get source (scripts/mbedtls-source.sh).
mbedtls_dir=$("$here/../scripts/mbedtls-source.sh" "$out/mbedtls-src" | tail -n 1) || {
  say "FAILED: no mbedTLS sources; the Cortex-M4 footprint figure is not available."
  exit 3
}
say "mbedTLS sources: $mbedtls_dir"

# jsmn is header-only: the target build gets a copy of the host's header,
# so no host include directory is ever on the cross compiler's path.
mkdir -p "$out/jsmn"
cp /usr/include/jsmn.h "$out/jsmn/jsmn.h"

# 3. Build. A failure here (including a linked malloc/free) fails the figure.
# The service's one buffer (download chunks and the manifest, which is
# parsed before any download) is FOOTPRINT_SVC_BUF bytes, 2 KiB by default:
# that is also the largest manifest the image accepts.
svc_buf=${FOOTPRINT_SVC_BUF:-2048}
cmake -S "$here" -B "$out/build" -DCMAKE_TOOLCHAIN_FILE="$here/../cmake/cortex-m4.cmake" \
  -DMBEDTLS_DIR="$mbedtls_dir" -DJSMN_DIR="$out/jsmn" -DFOOTPRINT_SVC_BUF="$svc_buf" \
  -DFOOTPRINT_OTA_DEFS="${FOOTPRINT_OTA_DEFS:-}" >"$out/cmake.log" 2>&1 ||
  { cat "$out/cmake.log"; say "FAILED: configure"; exit 4; }
if ! cmake --build "$out/build" -j "$jobs" >"$out/build.log" 2>&1; then
  grep -E "error|footprint:" "$out/build.log" || tail -n 30 "$out/build.log"
  say "FAILED: build (see $out/build.log)"
  exit 4
fi
grep "footprint:" "$out/build.log" || true
say "$(arm-none-eabi-gcc --version | head -n 1); flags: -Os -mthumb -mcpu=cortex-m4 -ffunction-sections -fdata-sections, --gc-sections, nano.specs"
say "core limits: ota_config.h defaults${FOOTPRINT_OTA_DEFS:+ with $FOOTPRINT_OTA_DEFS}; service buffer $svc_buf bytes (manifest limit $svc_buf)"

# 4. Figures.
for image in boot service; do
  /usr/bin/python3 "$here/report.py" --name "$image" --build "$out/build" ${results:+--results "$results"}
done
