#!/usr/bin/env bash
# Install the Debian packages sysota needs, only those that are missing.
# Does nothing (and needs no network) when everything is present.
#   scripts/setup.sh            the packages the build, the tests and the demo need
#   scripts/setup.sh PKG...     these packages instead (the benchmark's extras)
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config        # the build
  libcmocka-dev                           # unit tests (cmocka under CTest)
  libmbedtls-dev                          # SHA-256 / ECDSA, the device-side crypto
  libssl-dev openssl                      # fast host SHA-256 (libcrypto); test CA certificates
  libcurl4-openssl-dev                    # the host HTTP(S) transport
  libjsmn-dev                             # the manifest's JSON tokenizer (header-only)
  nginx-light                             # the real HTTP/HTTPS server of the tests and demo
  python3                                 # python3 -m http.server, the server Microchip's guide suggests
  clang libclang-rt-14-dev                # libFuzzer fuzz targets
  srecord                                 # srec_cat: independent reference for hex2bin/merge
  xdelta3                                 # VCDIFF encoder behind `sysota delta make`; reference decoder
  gcc-arm-none-eabi libnewlib-arm-none-eabi  # the Cortex-M4 target build (newlib-nano)
  qemu-system-arm                         # runs it: the mps2-an386 board, tests with the label "target"
  dpkg-dev                                # apt-get source mbedtls: mbedTLS compiled for the target
  iproute2 nftables                       # the lossy-link tests: network namespace, tc tbf, random drops
  clang-format                            # the style check of make test (.clang-format, clang-format 14)
)

if [ $# -gt 0 ]; then
  PACKAGES=("$@")
fi

missing=()
for p in "${PACKAGES[@]}"; do
  # Any nginx flavour will do (nginx-light, -core, -full): do not swap one for another.
  if [ "$p" = nginx-light ] && { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; }; then
    continue
  fi
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "sysota setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
