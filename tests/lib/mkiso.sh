#!/usr/bin/env bash
# mkiso.sh - make a GRUB (Multiboot2) boot ISO for the kernel with a given command line.
# usage: mkiso.sh OUT.iso KERNEL.elf "CMDLINE" [MODULE_FILE[=NAME] ...]
# Boot modules land in /boot/mods and are passed with their NAME (default: file name).
# A ';' in the command line (a file version, bin/hello;1) reaches the kernel as it is.
set -euo pipefail
out=$1; kernel=$2; cmdline=$3; shift 3
stage=$(mktemp -d "${TMPDIR:-/tmp}/quire-iso.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub" "$stage/boot/mods"
cp "$kernel" "$stage/boot/kernel.elf"
{
  echo "set timeout=0"
  echo "set default=0"
  echo "menuentry \"Quire\" {"
  echo "  multiboot2 /boot/kernel.elf ${cmdline//;/\\;}"   # GRUB: ';' would end the command
  for m in "$@"; do
    file=${m%%=*}; name=$(basename "$file"); [ "$m" != "$file" ] && name=${m#*=}
    cp "$file" "$stage/boot/mods/$name"
    echo "  module2 /boot/mods/$name $name"
  done
  echo "  boot"
  echo "}"
} > "$stage/boot/grub/grub.cfg"
mkdir -p "$(dirname "$out")"
grub-mkrescue -o "$out.tmp" --install-modules="multiboot2 normal iso9660 biosdisk" \
  --locales= --fonts= --themes= "$stage" >/dev/null 2>"$out.log" \
  || { cat "$out.log" >&2; exit 1; }
mv "$out.tmp" "$out"
