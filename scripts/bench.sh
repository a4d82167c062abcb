#!/usr/bin/env bash
# scripts/bench.sh BUILD_DIR   (what `make bench` runs, after `make build`)
#
# Prints the eleven figures of docs/performance.md, one "label number unit" line each,
# then a table of every figure beside its reference and target:
#   1. end-to-end 64 MiB update over HTTP and HTTPS vs curl + sha256sum
#   2. install work on the simulated flash (erases, programmed, store read)
#   3. a boot with nothing to do (flash read, store calls, bytes hashed)
#   4. Cortex-M4 footprint of the bootloader, of the service core and of
#      the delta decoders
#   5. poll cost: bytes of one check that finds no update, and of the next
#      one (conditional: a 304, on a resumed TLS session over HTTPS)
#   6. signatures: the signed bootloader's footprint (built and measured by
#      figure 4), one verify on the host (instructions counted by callgrind,
#      stack), the extra bytes of a signed poll (measured by figure 5)
#   7. delta updates: patch bytes beside the full image, apply time beside
#      xdelta3 -d (on the delta vectors beside the repository)
#   8. the real firmware on a Cortex-M4 under QEMU (ports/mps2-an386): sizes
#      of the bootloader and application ELF files, their stack high-water
#      marks, instructions from reset to the jump (direct, install 256 KiB)
#   9. a 256 KiB update over 256 kbit/s with 5 % loss each way vs curl --retry -C -
#      (inside tests/support/lossy_link.sh's network namespace)
#  10. a power cut during a download: the bytes fetched again (<= the sync interval)
#  11. a fleet over a simulated day: 1,000 simulated devices polling one
#      nginx every 15 minutes through a release at Rollout 10 then 100, with
#      and without conditional polls (requests, bytes and 304s per device and
#      day, devices updated per stage, what 100,000 devices cost the server)
# Benchmarks never pass or fail on time. The exit status is non-zero only
# when a figure could not be measured at all (a benchmark or the footprint
# build failed); the table says which.
#
# Packages only the benchmark needs (the curl command for the reference,
# valgrind for the instruction counts, the Arm cross compiler, dpkg-dev and
# gcc-multilib for the footprint) are installed here when missing, not by
# scripts/setup.sh.
set -uo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
results="$build/bench-results.txt"
: >"$results"
"$root/scripts/setup.sh" curl coreutils valgrind

for b in bench_update bench_flash bench_poll bench_verify bench_delta bench_lossy bench_resume bench_fleet; do
  if [ ! -x "$build/bench/$b" ]; then
    echo "bench: $build/bench/$b is missing (configure with -DSYSOTA_BENCH=ON)" >&2
    exit 2
  fi
done

failed=()
# Temporary files (two 64 MiB copies at a time) go next to the build, on
# one file system for the store and curl's output alike.
tmp="$build/bench-tmp"
rm -rf "$tmp"
mkdir -p "$tmp"

section() { printf '\n== %s ==\n' "$*"; }

start=$(date +%s)
section "1. End-to-end update on the host (64 MiB, median of 5)"
"$build/bench/bench_update" --results "$results" --tmpdir "$tmp" || failed+=("1 update")

section "2-3. Install work and a boot with nothing to do (simulated flash)"
"$build/bench/bench_flash" --results "$results" --tmpdir "$tmp" || failed+=("2-3 flash")

section "4. Footprint: Cortex-M4 (arm-none-eabi-gcc -Os -mthumb -mcpu=cortex-m4), signed bootloader included"
FOOTPRINT_COUNTER="$build/bench/bench_verify" "$root/footprint/footprint.sh" "$build/footprint" "$results" ||
  failed+=("4 footprint")

section "5. Poll cost (one check, no update, then the next one: a 304; unsigned, then signed)"
"$build/bench/bench_poll" --results "$results" --tmpdir "$tmp" || failed+=("5 poll")

section "6. Signatures: one ECDSA P-256 verify on the host (callgrind; footprint and signed poll above)"
"$build/bench/bench_verify" --results "$results" --tmpdir "$tmp" || failed+=("6 verify")
section "7. Delta updates (patch bytes; apply on the host beside xdelta3 -d, median of 5)"
"$build/bench/bench_delta" --results "$results" --tmpdir "$tmp" || failed+=("7 delta")
section "8. The real firmware on a Cortex-M4 under QEMU (mps2-an386, -icount)"
"$root/target/bench.sh" "$build" "$results" || failed+=("8 board")

section "9. Update over a slow, lossy link (256 KiB, 256 kbit/s, 5 % loss each way, median of 5)"
"$root/tests/support/lossy_link.sh" run --rate 256kbit --loss 5 -- \
  "$build/bench/bench_lossy" --results "$results" --tmpdir "$tmp"
case $? in
  0) ;;
  77) failed+=("9 lossy link (no network namespace here: see the SKIP line)") ;;
  *) failed+=("9 lossy link") ;;
esac

section "10. A power cut during a download (1 MiB, cut at 50 % and 90 %): bytes fetched again"
"$build/bench/bench_resume" --results "$results" --tmpdir "$tmp" || failed+=("10 resume")

section "11. A fleet over a simulated day (1,000 devices, 15-minute polls, Rollout 10 then 100; 304s on, then off)"
"$build/bench/bench_fleet" --results "$results" --tmpdir "$tmp" || failed+=("11 fleet")

rm -rf "$tmp"
section "Summary"
echo "$(date -u +%Y-%m-%dT%H:%MZ); $(nproc) CPU(s): $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); $(uname -sr); $(($(date +%s) - start)) s"
/usr/bin/python3 "$root/bench/table.py" "$results"
table_rc=$?
if [ ${#failed[@]} -gt 0 ] || [ $table_rc -ne 0 ]; then
  echo "bench: not measured: ${failed[*]:-see the table}" >&2
  exit 1
fi
