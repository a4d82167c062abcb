#!/usr/bin/env bash
# Format every C file of the project with .clang-format (clang-format 14,
# Debian 12's), in place. --list prints the files, NUL-separated, instead:
# the same list tests/check_format.sh checks.
#   scripts/format.sh [--list]
set -euo pipefail
cd "$(dirname "$0")/.."
list() {
  find bench examples footprint fuzz include ports src target tests tools \
       -type f \( -name '*.c' -o -name '*.h' \) -print0 | sort -z
}
if [ "${1:-}" = --list ]; then
  list
  exit 0
fi
fmt=$(command -v clang-format-14 || command -v clang-format)
list | xargs -0 "$fmt" --style=file -i
