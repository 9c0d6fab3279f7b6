#!/usr/bin/env bash
# mkdisk.sh - a qfs disk image with every program in /bin, for root=hdd.
# usage: mkdisk.sh [--keep] QFS_TOOL IMAGE SIZE ELF...
# Each ELF is stored as bin/<name without .elf>. Without --keep the image is made afresh
# (every program is version 1). With --keep an existing image is kept, with the files a
# person made on it, and a program that changed is stored as the next version of its file
# (so `bin/hello;1` still runs the old one).
set -euo pipefail
keep=0
[ "${1:-}" = "--keep" ] && { keep=1; shift; }
qfs=$1 img=$2 size=$3
shift 3
if [ $keep -eq 0 ] || ! "$qfs" fsck "$img" > /dev/null 2>&1; then
  rm -f "$img"
  "$qfs" mkfs "$img" "$size" > /dev/null
  "$qfs" mkdir "$img" bin
fi
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for elf in "$@"; do
  name=$(basename "$elf" .elf)
  if "$qfs" get "$img" "bin/$name" "$tmp" 2> /dev/null && cmp -s "$tmp" "$elf"; then
    continue # unchanged
  fi
  "$qfs" put "$img" "$elf" "bin/$name" > /dev/null
done
