#!/usr/bin/env bash
# memplot.sh - `make plot`'s first picture: memory under pressure over guest time. Boots the
# kernel with three swappers and a locked process (the `swap` scenario's pressure without its
# exiting process) and memtrace=100, turns the MEMTRACE lines into data (memtrace.py) and
# draws OUT/memory.png (memory.gp). With --log it draws from a console log already made.
# usage: memplot.sh --boot BUILD OUT QEMU...  |  memplot.sh --log LOG OUT
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "memplot: $*" >&2; exit 1; }
[ $# -ge 3 ] || fail "usage: memplot.sh --boot BUILD OUT QEMU... | --log LOG OUT"
mode=$1; src=$2; out=$3; shift 3
mkdir -p "$out" || exit 1
case "$mode" in
--log) log=$src ;;
--boot)
  build=$src; log=$out/memtrace.log; iso=$out/memplot.iso; disk=$out/swap.img
  mods=()
  for f in "$build"/apps/*.elf; do mods+=("$f=$(basename "$f" .elf)"); done
  [ -f "$build/kernel.elf" ] && [ ${#mods[@]} -gt 0 ] || fail "no $build/kernel.elf or programs"
  bash "$here/../lib/mkiso.sh" "$iso" "$build/kernel.elf" \
    "init=swapper:43,swapper:43,swapper:43,locker:2 swap=hdb memtrace=100 loglevel=2" \
    "${mods[@]}" || fail "cannot make $iso"
  rm -f "$disk" && truncate -s 192M "$disk" || exit 1
  echo "memplot: booting 3 swappers and a locker on 32 MiB with memtrace=100 (about a minute)"
  timeout 400 "$@" -m 32 -cdrom "$iso" -boot d -serial stdio -monitor none \
    -drive "file=$disk,format=raw,if=ide,index=1" </dev/null | tr -d '\r' > "$log"
  rm -f "$disk"
  grep -q '^quire: init exited' "$log" || echo "memplot: the scenario did not end (see $log); plotting what there is" >&2
  ;;
*) fail "unknown mode $mode" ;;
esac
python3 "$here/memtrace.py" "$log" "$out" || exit 1
gnuplot -e "dir='$out'; out='$out/memory.png'" "$here/memory.gp" || fail "gnuplot failed"
echo "memplot: $out/memory.png"
