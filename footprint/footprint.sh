#!/usr/bin/env bash
# footprint/footprint.sh OUT_DIR [RESULTS_FILE]
#
# The Cortex-M4 footprint build (figure 4 of `make bench`):
#  1. installs what it needs and is missing (gcc-arm-none-eabi,
#     libnewlib-arm-none-eabi, dpkg-dev for apt-get source);
#  2. fetches mbedTLS's sources with Debian's own client, `apt-get source
#     mbedtls`, into OUT_DIR/mbedtls-src (scripts/mbedtls-source.sh, which
#     the target build uses too). Nothing fetched is ever committed; a later
#     run reuses what is there;
#  3. builds footprint/ (CMake, cmake/cortex-m4.cmake) into OUT_DIR/build: the
#     bootloader alone and the service core alone, each with SHA-256, the
#     signed bootloader (ECDSA P-256 verify through mbedTLS, ECDSA_DEFS
#     below), one signed bootloader per size switch (ECDSA_VARIANTS), and
#     the two delta-patch decoders alone, on stub ports; the build fails if
#     malloc or free is linked;
#     (environment: FOOTPRINT_SVC_BUF, the service buffer, default 2048;
#     FOOTPRINT_OTA_DEFS, e.g. "OTA_DB_MAX_ROWS=4;OTA_BOOT_BUF_SIZE=512")
#  4. prints text/data/bss, the split by origin and the worst stack depth
#     (footprint/report.py), and appends them to RESULTS_FILE if given;
#  5. checks the signed bootloader's verify port on the host (verify_host.c
#     built with cc -m32, the target's sizes; under qemu-i386 on a kernel
#     that runs no 32-bit program): a valid signature verifies in
#     the image's arena, altered ones are refused; prints the arena's peak,
#     and, when an instruction counter is given (FOOTPRINT_COUNTER, default
#     OUT_DIR/../bench/bench_verify), the instructions of one verify.
# Exit status: 0 when every image was built and measured and the host check
# passed, else non-zero with a message saying which step failed (missed size
# targets are not failures: they are figures).
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
"$here/../scripts/setup.sh" gcc-arm-none-eabi libnewlib-arm-none-eabi dpkg-dev gcc-multilib valgrind

# 2. mbedTLS sources through apt-get source (scripts/mbedtls-source.sh).
mbedtls_dir=$("$here/../scripts/mbedtls-source.sh" "$out/mbedtls-src" | tail -n 1) || {
  say "FAILED: no mbedTLS sources; the Cortex-M4 footprint figure is not available."
  exit 3
}
say "mbedTLS sources: $mbedtls_dir"

# The signed bootloader's mbedTLS size switches (mbedtls_footprint_ecdsa_config.h
# says what each one does), each measured as a variant from mbedTLS's
# defaults ("name=DEF,DEF"), and the set the signed bootloader is built
# with: no cached table for the base point and the smallest comb window
# (less text and less than half the arena, for 17% more instructions), and
# bignum's own division instead of libgcc's (less text, 25% more
# instructions); the NIST reduction stays (832 bytes, five times the speed).
ECDSA_DEFS="MBEDTLS_ECP_FIXED_POINT_OPTIM=0;MBEDTLS_ECP_WINDOW_SIZE=2;MBEDTLS_NO_UDBL_DIVISION"
ECDSA_VARIANTS="defaults=;nonist=FP_NO_NIST_OPTIM;nofixed=MBEDTLS_ECP_FIXED_POINT_OPTIM=0;ecpwin2=MBEDTLS_ECP_WINDOW_SIZE=2"
ECDSA_VARIANTS+=";ecpwin3=MBEDTLS_ECP_WINDOW_SIZE=3;mpiwin1=MBEDTLS_MPI_WINDOW_SIZE=1;noudbl=MBEDTLS_NO_UDBL_DIVISION"
ECDSA_VARIANTS+=";noasm=FP_NO_ASM"
# The verify's arena: the chosen set's peak on the host check (2780 bytes)
# and some room; the host check fails if it is too small.
ECDSA_HEAP=3072

# 3. Build. A failure here (including a linked malloc/free) fails the figure.
# The service's one buffer (download chunks and the manifest, which is
# parsed before any download) is FOOTPRINT_SVC_BUF bytes, 2 KiB by default:
# that is also the largest manifest the image accepts.
svc_buf=${FOOTPRINT_SVC_BUF:-2048}
# Measured as MCUboot's figure is, without log text (the lines keep their
# level and value: OTA_LOG_TEXT in ota_config.h). Set FOOTPRINT_OTA_DEFS=
# (empty) to measure with it.
ota_defs=${FOOTPRINT_OTA_DEFS-OTA_LOG_TEXT=0}
# A build folder configured with another toolchain file (it moved to
# cmake/) cannot be reconfigured: start it afresh.
toolchain="$here/../cmake/cortex-m4.cmake"
if [ -f "$out/build/CMakeCache.txt" ] &&
   ! grep -q "^CMAKE_TOOLCHAIN_FILE:[A-Z]*=$(cd "$(dirname "$toolchain")" && pwd)/cortex-m4.cmake\$" "$out/build/CMakeCache.txt"; then
  rm -rf "$out/build"
fi
cmake -S "$here" -B "$out/build" -DCMAKE_TOOLCHAIN_FILE="$(cd "$(dirname "$toolchain")" && pwd)/cortex-m4.cmake" \
  -DMBEDTLS_DIR="$mbedtls_dir" -DFOOTPRINT_SVC_BUF="$svc_buf" \
  -DFOOTPRINT_OTA_DEFS="$ota_defs" -DFOOTPRINT_ECDSA_DEFS="$ECDSA_DEFS" \
  -DFOOTPRINT_ECDSA_VARIANTS="$ECDSA_VARIANTS" -DFP_ECDSA_HEAP="$ECDSA_HEAP" >"$out/cmake.log" 2>&1 ||
  { cat "$out/cmake.log"; say "FAILED: configure"; exit 4; }
if ! cmake --build "$out/build" -j "$jobs" >"$out/build.log" 2>&1; then
  grep -E "error|footprint:" "$out/build.log" || tail -n 30 "$out/build.log"
  say "FAILED: build (see $out/build.log)"
  exit 4
fi
grep "footprint:" "$out/build.log" | grep -v "boot_ecdsa_" || true
say "$(arm-none-eabi-gcc --version | head -n 1); flags: -Os -mthumb -mcpu=cortex-m4 -ffunction-sections -fdata-sections, --gc-sections, nano.specs"
say "core limits: ota_config.h defaults${ota_defs:+ with $ota_defs}; service buffer $svc_buf bytes (manifest limit $svc_buf)"
say "signed bootloader: one provisioned key; mbedTLS verify with ${ECDSA_DEFS//;/ }; arena $ECDSA_HEAP bytes"

# 4. Figures.
for image in boot service boot_ecdsa delta; do
  /usr/bin/python3 "$here/report.py" --name "$image" --build "$out/build" ${results:+--results "$results"}
done

# 4b. The same images with link-time optimisation (FOOTPRINT_LTO), text
# only: LTO merges the object files the split by origin and the stack
# bound are read from, so those stay figures of the build above.
if cmake -S "$here" -B "$out/build-lto" -DCMAKE_TOOLCHAIN_FILE="$(cd "$(dirname "$toolchain")" && pwd)/cortex-m4.cmake" \
     -DMBEDTLS_DIR="$mbedtls_dir" -DFOOTPRINT_SVC_BUF="$svc_buf" -DFOOTPRINT_OTA_DEFS="$ota_defs" \
     -DFOOTPRINT_ECDSA_DEFS="$ECDSA_DEFS" -DFOOTPRINT_ECDSA_VARIANTS= -DFP_ECDSA_HEAP="$ECDSA_HEAP" \
     -DFOOTPRINT_LTO=ON >"$out/cmake-lto.log" 2>&1 &&
   cmake --build "$out/build-lto" -j "$jobs" --target boot_m4 service_m4 boot_ecdsa_m4 >"$out/build-lto.log" 2>&1; then
  for image in boot:boot service:svc boot_ecdsa:boot_ecdsa; do
    text=$(arm-none-eabi-size "$out/build-lto/${image%%:*}_m4.elf" | awk 'NR == 2 { print $1 }')
    printf "%-45s %10d.0000  bytes of flash with -flto (arm-none-eabi-size text)\n" "fp.${image#*:}.text_lto" "$text"
    [ -z "$results" ] || echo "fp.${image#*:}.text_lto $text" >>"$results"
  done
else
  say "FAILED: the LTO build (see $out/build-lto.log)"
  exit 4
fi

# 5. The verify on the host: the check, the arena's peak and the
# instructions of one verify, for the signed bootloader and each variant.
counter=${FOOTPRINT_COUNTER:-$out/../bench/bench_verify}
if [ ! -x "$counter" ]; then
  say "no instruction counter ($counter): build the benchmarks for the counts"
  counter=""
fi
# Some kernels (seen on a Firecracker VM) run no 32-bit x86 program:
# "Exec format error". The check then runs under Debian's qemu-i386 (the
# same binary, the same sizes), and no instruction count is taken:
# valgrind's 32-bit tools are 32-bit programs themselves.
run32=()
mkdir -p "$out/host"
printf 'int main(void) { return 0; }\n' >"$out/host/probe32.c"
cc -m32 "$out/host/probe32.c" -o "$out/host/probe32" 2>/dev/null || true
if ! "$out/host/probe32" 2>/dev/null; then
  "$here/../scripts/setup.sh" qemu-user
  run32=(qemu-i386 -L /)
  say "this kernel runs no 32-bit program: the host check runs under qemu-i386, without instruction counts"
  if [ -n "$counter" ] && [ -n "$results" ]; then
    echo "fp.boot_ecdsa.verify_instr.skipped 1" >>"$results"
  fi
  counter=""
fi
# The mbedTLS files of a verify: the image's own list.
ecdsa_sources=$(cat "$here/ecdsa_sources.txt")
host_check() { # NAME DEFS(;-separated) ARENA: build, check, count
  local name=$1 arena=$3 defs=() d src=()
  IFS=';' read -ra dl <<<"${2//,/;}"
  for d in "${dl[@]}"; do [ -n "$d" ] && defs+=("-D$d"); done
  for d in $ecdsa_sources platform_util.c; do src+=("$mbedtls_dir/library/$d"); done
  local bin="$out/host/verify_$name"
  mkdir -p "$out/host"
  cc -m32 -Os -std=c11 -Wall -Wextra -Werror -DFP_HOST_CHECK "${defs[@]}" -DSTUB_ECDSA_HEAP="${arena}u" \
     '-DMBEDTLS_CONFIG_FILE="mbedtls_footprint_ecdsa_config.h"' -I"$here" -I"$here/ports" -I"$here/../include" \
     -I"$mbedtls_dir/include" "$here/verify_host.c" "$here/ports/stub_ecdsa.c" "${src[@]}" -o "$bin" \
     2>"$bin.log" || { cat "$bin.log"; say "FAILED: host build of the verify ($name)"; return 1; }
  local key="fp.$name" rc=0 lines
  lines=$("${run32[@]}" "$bin" "$key") || rc=$?
  if [ -n "$counter" ]; then
    lines+=$'\n'$("$counter" --count stub_ecdsa_verify --key "$key.verify_instr" -- "$bin" --one) || rc=1
  fi
  echo "$lines"
  [ -z "$results" ] || echo "$lines" | awk '/^fp\./ { printf "%s %d\n", $1, $2 }' >>"$results"
  return $rc
}
host_check boot_ecdsa "$ECDSA_DEFS" "$ECDSA_HEAP" | grep -v "^fp\.boot_ecdsa\.heap_blocks" ||
  { say "FAILED: the host check of the signed bootloader's verify"; exit 5; }
# The variants' host checks get an arena large enough for any of them, so
# that their peaks are measured rather than refused.
say "size switches, one at a time from mbedTLS's defaults (text in bytes; the verify's peak arena and instructions on the host check):"
IFS=';' read -ra variants <<<"$ECDSA_VARIANTS"
for v in "${variants[@]}"; do
  name=boot_ecdsa_${v%%=*}
  /usr/bin/python3 "$here/report.py" --name "$name" --build "$out/build" --brief ${results:+--results "$results"}
  host_check "$name" "${v#*=}" 16384 | awk '/FAILED/ { print "    " $0; next } /heap_peak|verify_instr/ { printf "    %s %d\n", $1, $2 }' ||
    say "FAILED: the host check of variant $name"
done
