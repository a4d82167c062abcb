#!/usr/bin/env bash
# One style for every C file of the project: .clang-format at the root,
# applied with Debian 12's clang-format (14). This check fails when a file
# differs from what clang-format makes of it, and lists the files; fix them
# with scripts/format.sh. Another major version of clang-format formats a
# few constructs differently, so the check is skipped (exit 77) with a
# message rather than failed there.
#   check_format.sh SOURCE_DIR
set -u
src=$1
fmt=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$fmt" ]; then
  echo "format check skipped: no clang-format (Debian package clang-format; scripts/setup.sh installs it)"
  exit 77
fi
major=$("$fmt" --version | sed -nE 's/.*version ([0-9]+)\..*/\1/p')
if [ "$major" != 14 ]; then
  echo "format check skipped: $fmt is version $major; the project's style is pinned to clang-format 14"
  exit 77
fi
cd "$src" || exit 1
mapfile -d '' files < <("$src/scripts/format.sh" --list)
echo "format check: ${#files[@]} files with $fmt"
[ "${#files[@]}" -gt 0 ] || exit 1
# One process for all files; each place clang-format would change is
# reported as FILE:LINE:COL with the line.
"$fmt" --style=file --dry-run --Werror "${files[@]}" 2>&1 | head -n 60
exit "${PIPESTATUS[0]}"
