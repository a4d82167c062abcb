#!/usr/bin/env bash
# The installed package, used the way a firmware team's build uses it:
#  1. `cmake --install BUILD_DIR --prefix P` into a fresh temporary prefix;
#  2. P holds the public headers and none of the core's internal ones, the
#     library, the CMake package files, sysota.pc and the host tool;
#  3. each example (examples/bare-metal, examples/sys-ota-app) is configured
#     against P alone with find_package(sysota), built with -Werror, and run:
#     it must end with version 2 installed and confirmed;
#  4. examples/bare-metal is built once more with make and pkg-config alone,
#     and run.
# Environment: SYSOTA_EXAMPLE_CFLAGS / SYSOTA_EXAMPLE_LDFLAGS are added to
# the examples' flags (the sanitizer build passes its own, since the
# installed library is instrumented too).
#   install_examples.sh SOURCE_DIR BUILD_DIR C_COMPILER
set -euo pipefail
src=$1
build=$2
cc=$3
cflags="-Werror ${SYSOTA_EXAMPLE_CFLAGS:-}"
ldflags="${SYSOTA_EXAMPLE_LDFLAGS:-}"

work=$(mktemp -d "${TMPDIR:-/tmp}/sysota-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
fail() { echo "install_examples: $*" >&2; exit 1; }
# Run a step quietly; on failure show its output and stop.
step() {
  local what=$1; shift
  if ! "$@" >"$work/step.log" 2>&1; then
    cat "$work/step.log" >&2
    fail "$what failed"
  fi
}

# 1. Install.
step "cmake --install" cmake --install "$build" --prefix "$prefix"

# 2. What the prefix holds.
for h in "$src"/include/sysota/*.h; do
  [ -f "$prefix/include/sysota/$(basename "$h")" ] || fail "public header $(basename "$h") not installed"
done
for h in "$src"/src/core/*.h; do
  if [ -n "$(find "$prefix" -name "$(basename "$h")")" ]; then
    fail "internal header $(basename "$h") installed"
  fi
done
extra=$(comm -13 <(ls "$src/include/sysota") <(ls "$prefix/include/sysota"))
[ -z "$extra" ] || fail "files in include/sysota that are not public headers: $extra"
lib=$(find "$prefix" -name libsysota_core.a)
[ -n "$lib" ] || fail "libsysota_core.a not installed"
config=$(find "$prefix" -name sysotaConfig.cmake)
[ -n "$config" ] || fail "sysotaConfig.cmake not installed"
[ -f "$(dirname "$config")/sysotaConfigVersion.cmake" ] || fail "sysotaConfigVersion.cmake not installed"
pc=$(find "$prefix" -name sysota.pc)
[ -n "$pc" ] || fail "sysota.pc not installed"
[ -x "$prefix/bin/sysota" ] || fail "bin/sysota not installed"
step "the installed sysota --help" "$prefix/bin/sysota" --help
echo "installed: headers, $(basename "$lib"), CMake package, sysota.pc, bin/sysota"

# 3. Each example with find_package(sysota), from the prefix alone.
for ex in bare-metal:bare_metal sys-ota-app:sys_ota_app; do
  dir=${ex%%:*}
  exe=${ex##*:}
  out=$work/$dir
  step "configure of examples/$dir" cmake -S "$src/examples/$dir" -B "$out" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$cflags" -DCMAKE_EXE_LINKER_FLAGS="$ldflags"
  step "build of examples/$dir" cmake --build "$out"
  step "run of examples/$dir" "$out/$exe"
  tail -n 1 "$work/step.log" | sed "s|^|$dir (find_package): |"
done

# 4. The bare-metal example with make and pkg-config.
mkdir -p "$work/make"
step "make build of examples/bare-metal" make -C "$src/examples/bare-metal" -B OUT="$work/make" CC="$cc" \
  PKG_CONFIG_PATH="$(dirname "$pc")" CFLAGS="-O2 $cflags" LDFLAGS="$ldflags"
step "run of the make-built examples/bare-metal" "$work/make/bare_metal"
tail -n 1 "$work/step.log" | sed "s|^|bare-metal (pkg-config): |"
