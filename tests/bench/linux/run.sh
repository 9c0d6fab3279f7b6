#!/usr/bin/env bash
# run.sh - `make bench-linux`: Debian's Linux kernel booted in the same QEMU as Quire's
# benchmarks (same -cpu, same IDE disk for swap, -icount shift=0), running mmbench.c, the
# Linux twin of apps/bench.c and apps/swapper.c. Prints `linux.NAME VALUE UNIT` lines and
# saves them to BUILD/bench/linux.txt (only when every run finished). tests/bench/README.md.
# usage: run.sh BUILD MM_MIB SWAP_RAM_MIB SWAP_AREA_MIB QEMU_COMMAND...
# Environment: LINUX_PKG (default: what linux-image-amd64 depends on), LINUX_TIMEOUT (s).
set -u -o pipefail
build=$1; mm_mib=$2; swap_ram=$3; swap_area=$4; shift 4
here=$(cd "$(dirname "$0")" && pwd)
work=$build/bench/linux
timeout_s=${LINUX_TIMEOUT:-1800}
mkdir -p "$work/pkg" "$build/logs" && work=$(cd "$work" && pwd) || exit 1

fail() { echo "bench-linux: $*" >&2; exit 1; }
for t in apt-get apt-cache dpkg-deb gcc gzip strings timeout; do
  command -v "$t" >/dev/null || fail "$t is missing"
done

# fetch PKG... - apt-get download into $work/pkg (no install) unless a .deb is there.
fetch() {
  local p need=()
  for p in "$@"; do ls "$work/pkg/${p}_"*.deb >/dev/null 2>&1 || need+=("$p"); done
  [ ${#need[@]} -eq 0 ] && return 0
  local opt=()
  [ "$(id -u)" -eq 0 ] && opt=(-o APT::Sandbox::User=root) # _apt cannot write here
  echo "bench-linux: apt-get download ${need[*]}" >&2
  (cd "$work/pkg" && apt-get "${opt[@]}" -q download "${need[@]}" >&2) ||
    fail "apt-get download ${need[*]} failed (try apt-get update)"
}

kpkg=${LINUX_PKG:-$(apt-cache depends linux-image-amd64 2>/dev/null |
  awk '/Depends: linux-image-[0-9]/ { print $2; exit }')}
[ -n "$kpkg" ] || fail "apt-cache knows no linux-image-amd64 (run apt-get update)"
kver=${kpkg#linux-image-}
fetch "$kpkg" busybox-static
if [ ! -f "$work/kx/boot/vmlinuz-$kver" ]; then
  rm -rf "$work/kx" && dpkg-deb -x "$(ls "$work/pkg/${kpkg}_"*.deb | tail -1)" "$work/kx" ||
    fail "cannot unpack $kpkg"
fi
if [ ! -x "$work/bb/bin/busybox" ]; then
  rm -rf "$work/bb" && dpkg-deb -x "$(ls "$work/pkg/busybox-static_"*.deb | tail -1)" "$work/bb" ||
    fail "cannot unpack busybox-static"
fi
vmlinuz=$work/kx/boot/vmlinuz-$kver
moddir=$work/kx/lib/modules/$kver/kernel
busybox=$work/bb/bin/busybox
[ -f "$vmlinuz" ] && [ -x "$busybox" ] || fail "no $vmlinuz or $busybox after unpacking"

# modfile NAME - the .ko of module NAME ('-' and '_' are the same in module names).
modfile() {
  find "$moddir" -name "$1.ko" -o -name "${1//_/-}.ko" -o -name "${1//-/_}.ko" | head -1
}
# modorder NAME... - NAME and what it depends on, dependencies first, each once.
declare -A seen=()
modorder() {
  local m f d
  for m in "$@"; do
    [ -n "${seen[$m]:-}" ] && continue
    seen[$m]=1
    f=$(modfile "$m"); [ -n "$f" ] || fail "module $m is not in $kpkg"
    d=$(strings -a "$f" | sed -n 's/^depends=//p' | head -1)
    [ -n "$d" ] && modorder ${d//,/ }
    echo "$m"
  done
}

# The initramfs: busybox, mmbench (static), /init and the IDE disk's modules.
root=$work/root
rm -rf "$root" && mkdir -p "$root/bin" "$root/lib/modules" || fail "cannot make $root"
gcc -std=gnu11 -O2 -static -Wall -Wextra -Werror -o "$root/bin/mmbench" \
  "$here/mmbench.c" "$here/swapbench.c" -lpthread || fail "cannot build mmbench"
cp "$busybox" "$root/bin/busybox" && install -m 755 "$here/init" "$root/init" || fail "copy"
order=$(modorder crct10dif_generic crc64_rocksoft_generic ata_piix sd_mod) || exit 1
for m in $order; do cp "$(modfile "$m")" "$root/lib/modules/$m.ko" || fail "copy $m"; done
echo $order > "$root/lib/modules/order"
(cd "$root" && find . | LC_ALL=C sort | "$busybox" cpio -o -H newc 2>/dev/null) |
  gzip -9 > "$work/initrd.gz" || fail "cannot make the initramfs"

# boot NAME RAM_MIB APPEND [QEMU ARGS...] - one boot; its RESULT lines as linux.* on stdout.
boot() {
  local name=$1 mem=$2 append=$3 log=$build/logs/linux-$1.log t0=$SECONDS; shift 3
  echo "# bench-linux: booting $kver for '$name' with $mem MiB (-icount shift=0)" >&2
  timeout "$timeout_s" "${qemu[@]}" -m "$mem" -icount shift=0 -kernel "$vmlinuz" \
    -initrd "$work/initrd.gz" -append "console=ttyS0 quiet panic=-1 $append" \
    -serial stdio -monitor none "$@" </dev/null 2>&1 | tr -d '\r' > "$log"
  echo "# bench-linux: '$name' took $((SECONDS - t0)) s of wall time; log $log" >&2
  grep -a '^INFO' "$log" | sed "s/^INFO /# $name: /" >&2
  grep -aq "^DONE $name" "$log" || { echo "bench-linux: '$name' did not finish: see $log" >&2; return 1; }
  awk '$1 == "RESULT" { printf "linux.%s %s %s\n", $2, $3, $4 }' "$log"
}

# runs - both boots, with a header line; fails when either does not finish.
runs() {
  echo "# linux $kver, $(date -u +%Y-%m-%d), ${qemu[*]}"
  boot mm "$mm_mib" "bench=mm" || return 1
  local disk=$work/swap.img
  rm -f "$disk" && truncate -s 512M "$disk" || return 1 # as tests/bench/run.sh's
  boot swap "$swap_ram" "bench=swap swapmib=$swap_area" \
    -drive "file=$disk,format=raw,if=ide,index=1" || return 1
  rm -f "$disk"
}

qemu=("$@")
out=$work/linux.txt.new
runs > "$out" || { rm -f "$out"; fail "no figures saved (an earlier $build/bench/linux.txt is kept)"; }
mv "$out" "$build/bench/linux.txt"
grep -v '^#' "$build/bench/linux.txt"
echo "# saved in $build/bench/linux.txt" >&2
