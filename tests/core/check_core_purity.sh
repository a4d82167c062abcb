#!/usr/bin/env bash
# The portable core calls nothing platform-specific: this check fails the
# build's tests when src/core or the public headers include a host header
# beyond the freestanding ones plus string.h, or when the compiled core
# library needs any symbol outside a short list of string functions
# (so no malloc, free, printf, or OS call can slip in). With LISTED (the
# build's lists of core sources and public headers, ':'-separated), it also
# fails when a file of src/core or include/sysota is missing from them: such
# a file would be neither built nor installed.
#   check_core_purity.sh SOURCE_DIR LIBSYSOTA_CORE.a [LISTED]
set -u
src=$1
lib=$2
listed=${3:-}
status=0

if [ -n "$listed" ]; then
  for f in "$src"/src/core/*.c "$src"/include/sysota/*.h; do
    case ":$listed:" in
      *":$f:"*) ;;
      *) echo "core purity: $f is not listed in cmake/sysota_sources.cmake"; status=1 ;;
    esac
  done
fi

allowed_headers='^(stdint\.h|stddef\.h|stdbool\.h|string\.h|limits\.h|sysota/[a-z_]+\.h|[a-z_]+\.h)$'
system_ok='^(stdint\.h|stddef\.h|stdbool\.h|string\.h|limits\.h)$'
while IFS= read -r line; do
  file=${line%%:*}
  header=$(printf '%s' "$line" | sed -E 's/.*#[[:space:]]*include[[:space:]]*[<"]([^>"]+)[>"].*/\1/')
  if printf '%s' "$line" | grep -q '<'; then
    if ! printf '%s' "$header" | grep -Eq "$system_ok"; then
      echo "core purity: $file includes <$header>, not a freestanding header or string.h"
      status=1
    fi
  elif ! printf '%s' "$header" | grep -Eq "$allowed_headers"; then
    echo "core purity: $file includes \"$header\""
    status=1
  fi
done < <(grep -HE '^[[:space:]]*#[[:space:]]*include' "$src"/src/core/*.c "$src"/src/core/*.h "$src"/include/sysota/*.h 2>/dev/null)

allowed_symbols='^(memcpy|memmove|memset|memcmp|memchr|strlen|strnlen|strcmp|strncmp|strchr|strrchr|__stack_chk_fail|__stack_chk_guard|__asan_.*|__ubsan_.*|__sanitizer_.*|_GLOBAL_OFFSET_TABLE_)$'
if ! nm "$lib" >/dev/null 2>&1; then
  echo "core purity: cannot read $lib"
  exit 1
fi
undefined=$(nm -u --format=posix "$lib" | grep -v ':$' | awk '{print $1}' | sort -u)
for sym in $undefined; do
  if ! printf '%s' "$sym" | grep -Eq "$allowed_symbols"; then
    # A symbol the core defines in another of its own objects is fine.
    if ! nm --defined-only --format=posix "$lib" | awk '{print $1}' | grep -qx "$sym"; then
      echo "core purity: the core needs '$sym' from outside (only string functions are allowed)"
      status=1
    fi
  fi
done
if [ $status -eq 0 ]; then
  echo "core purity: includes and linked symbols are clean ($(ls "$src"/src/core/*.c | wc -l) core files)"
fi
exit $status
