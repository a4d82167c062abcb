#!/usr/bin/env bash
# target/build.sh BUILD_DIR [SYSOTA]
#
# The target build (target/CMakeLists.txt) into BUILD_DIR, as the host
# build's CTest runs it before the tests with the label "target": mbedTLS's
# sources through `apt-get source` (scripts/mbedtls-source.sh, into
# BUILD_DIR/mbedtls-src), then configure and build with
# cmake/cortex-m4.cmake. With SYSOTA (the host tool), the board's firmware
# trusts a signing key made for this build: BUILD_DIR/keys/signing.pem (kept
# once made), its public half built in from BUILD_DIR/keys/mps2_pubkey.h.
#
# Exit 77 (CTest's "skipped") when the Arm toolchain, newlib or QEMU is
# missing or mbedTLS's sources cannot be had, after writing the reason to
# BUILD_DIR/SKIPPED, which target/run-qemu.sh repeats for every test.
set -uo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 BUILD_DIR [SYSOTA]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
rm -f "$out/SKIPPED"

skip() {
  echo "$*" >"$out/SKIPPED"
  echo "skipped: $*"
  exit 77
}

command -v arm-none-eabi-gcc >/dev/null 2>&1 ||
  skip "arm-none-eabi-gcc is not installed (scripts/setup.sh installs gcc-arm-none-eabi and libnewlib-arm-none-eabi)"
[ -e /usr/lib/arm-none-eabi/newlib/thumb/v7e-m/nofp/libc_nano.a ] ||
  skip "newlib for arm-none-eabi is not installed (scripts/setup.sh installs libnewlib-arm-none-eabi)"
command -v qemu-system-arm >/dev/null 2>&1 ||
  skip "qemu-system-arm is not installed (scripts/setup.sh installs it)"

mbedtls_dir=$("$root/scripts/mbedtls-source.sh" "$out/mbedtls-src" | tail -n 1) ||
  skip "no mbedTLS sources: 'apt-get source mbedtls' failed (see $out/mbedtls-src/apt-get-source.log)"


key_header=
if [ $# -eq 2 ]; then
  mkdir -p "$out/keys"
  if [ ! -e "$out/keys/signing.pem" ]; then
    "$2" key gen -o "$out/keys/signing.pem" || { echo "target build: sysota key gen failed"; exit 1; }
  fi
  key_header="$out/keys/mps2_pubkey.h"
  "$2" key pub "$out/keys/signing.pem" --c-array --name MPS2_PUBKEY -o "$key_header.new" >/dev/null &&
    { cmp -s "$key_header.new" "$key_header" || mv "$key_header.new" "$key_header"; } ||
    { echo "target build: sysota key pub failed"; exit 1; }
  rm -f "$key_header.new"
fi

cmake -S "$here" -B "$out/build" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/cortex-m4.cmake" \
  -DMBEDTLS_DIR="$mbedtls_dir" -DMPS2_PUBKEY_HEADER="$key_header" >"$out/cmake.log" 2>&1 ||
  { cat "$out/cmake.log"; echo "target build: configure failed"; exit 1; }
cmake --build "$out/build" -j 2 >"$out/build.log" 2>&1 ||
  { grep -E "error|warning" "$out/build.log" || tail -n 40 "$out/build.log"; echo "target build: build failed (see $out/build.log)"; exit 1; }
echo "target build: $(arm-none-eabi-gcc --version | head -n 1); $(qemu-system-arm --version | head -n 1)"
echo "target build: programs in $out/build"
