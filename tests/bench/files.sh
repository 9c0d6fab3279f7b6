#!/usr/bin/env bash
# files.sh - `make bench` part bench-files: apps/fbench.c on a fresh file-system disk
# (root=hdd, a block cache of 64 blocks), in QEMU with -icount shift=0 (one TSC tick = one
# guest instruction). Prints "files.NAME VALUE UNIT" lines and appends them to
# OUT/quire.txt for the table beside Linux. With --smoke: once without -icount, to prove
# it still prints (the figures mean nothing then).
# usage: files.sh [--smoke] BUILD OUT ISO QFS_TOOL -- QEMU...
set -u -o pipefail
smoke=0
[ "${1:-}" = --smoke ] && { smoke=1; shift; }
build=$1 out=$2 iso=$3 qfs=$4
[ "${5:-}" = -- ] || { echo "usage: files.sh [--smoke] BUILD OUT ISO QFS_TOOL -- QEMU..." >&2; exit 2; }
shift 5
icount=(-icount shift=0); tag=""
[ $smoke -eq 1 ] && { icount=(); tag=-smoke; }
mkdir -p "$build/logs" "$out"
img=$out/files-disk.img log=$build/logs/bench-files$tag.log
rm -f "$img" && "$qfs" mkfs "$img" 64M > /dev/null || { echo "bench: cannot make $img"; exit 1; }
echo "== files and file mappings (apps/fbench.c, root=hdd, bcache=64${icount:+, -icount shift=0}) =="
t0=$SECONDS
timeout 900 "$@" "${icount[@]}" -cdrom "$iso" -boot d -serial stdio -monitor none \
  -drive "file=$img,format=raw,if=ide,index=3" < /dev/null | tr -d '\r' > "$log"
rm -f "$img"
grep -q '^BENCH-DONE' "$log" || { echo "bench: the file benchmarks did not finish: see $log"; exit 1; }
lines=$(awk '$1 == "BENCH" { printf "files.%s %s %s\n", $2, $3, $4 }' "$log")
[ -n "$lines" ] || { echo "bench: the file benchmarks printed no BENCH lines: see $log"; exit 1; }
echo "$lines" | tee -a "$out/quire.txt"
echo "   (files: $((SECONDS - t0)) s of wall time; log $log)"
