#!/bin/sh
# check_no_heap.sh NM ELF
# Fails (and deletes ELF, so the next build tries again) when the image
# links any heap function: the core and its ports must not allocate.
set -eu
nm=$1
elf=$2
found=$("$nm" "$elf" | awk '$3 ~ /^_?(malloc|free|calloc|realloc|_malloc_r|_free_r|_calloc_r|_realloc_r|sbrk|_sbrk|_sbrk_r)$/ { print $3 }')
if [ -n "$found" ]; then
  echo "footprint: $(basename "$elf") links the heap: $(echo $found)" >&2
  rm -f "$elf"
  exit 1
fi
echo "footprint: $(basename "$elf"): no malloc/free linked"
