#!/usr/bin/env bash
# run.sh - Quire's benchmarks for `make bench` (the bench-run part): the kernel's own, the
# user programs', swap, and host builds of kernel code. Prints "PART.NAME VALUE UNIT" lines
# and saves them to OUT/quire.txt for the table beside Linux (tests/bench/README.md).
# In QEMU with -icount shift=0 one TSC tick is one guest instruction. With --smoke every
# part runs once without -icount (not timed, figures meaningless) to prove it still prints.
# The profile part boots the user benchmarks once more in profile mode with every executed
# instruction logged, and insnprof.py prints where each operation's instructions go.
# usage: run.sh [--smoke] BUILD OUT KERNEL_ISO USER_ISO PROFILE_ISO SWAP_ISO SWAP_MIB HOST_BENCHES -- QEMU...
# Exits 1 when any part fails to run to its end or prints no figures; the others still run.
set -u -o pipefail
smoke=0
[ "${1:-}" = --smoke ] && { smoke=1; shift; }
build=$1; out=$2; kiso=$3; uiso=$4; piso=$5; siso=$6; swap_mib=$7; host_benches=$8
[ "${9:-}" = -- ] || { echo "usage: run.sh [--smoke] BUILD OUT KISO UISO PISO SISO SWAP_MIB HOST -- QEMU..." >&2; exit 2; }
shift 9
qemu=("$@")
icount=(-icount shift=0); timing="-icount shift=0"
tag=""
[ $smoke -eq 1 ] && { icount=(); timing="smoke pass: no -icount, the figures mean nothing"; tag=-smoke; }
mkdir -p "$build/logs" "$out"
figures=$out/quire.txt
: > "$figures"
failed=""

# boot PART ISO TIMEOUT [QEMU ARGS...] - boot ISO to BENCH-DONE; its BENCH lines as PART.*
boot() {
  local part=$1 iso=$2 limit=$3 log=$build/logs/bench-$1$tag.log t0=$SECONDS; shift 3
  timeout "$limit" "${qemu[@]}" "${icount[@]}" -cdrom "$iso" -boot d -serial stdio \
    -monitor none "$@" </dev/null | tr -d '\r' > "$log"
  if ! grep -q '^BENCH-DONE' "$log"; then
    echo "bench: the $part benchmarks did not finish: see $log"
    return 1
  fi
  local lines
  lines=$(awk -v p="$part" '$1 == "BENCH" { printf "%s.%s %s %s\n", p, $2, $3, $4 }' "$log")
  [ -n "$lines" ] || { echo "bench: the $part benchmarks printed no BENCH lines: see $log"; return 1; }
  echo "$lines" | tee -a "$figures"
  echo "   ($part: $((SECONDS - t0)) s of wall time; log $log)"
}

# profile - the user benchmarks in profile mode; the trace goes through a FIFO to insnprof.py
# (no file: a run logs millions of instructions). One instruction per block (-singlestep),
# every block execution logged (nochain), only kernel and user-program addresses.
profile() {
  local log=$build/logs/bench-profile$tag.log fifo=$out/exec.fifo t0=$SECONDS qpid lines
  rm -f "$fifo" && mkfifo "$fifo" || return 1
  timeout 900 "${qemu[@]}" "${icount[@]}" -cdrom "$piso" -boot d -serial "file:$log" -monitor none \
    -singlestep -d exec,nochain -D "$fifo" \
    -dfilter 0xffffffff80000000..0xffffffff81000000,0x400000..0x600000 </dev/null &
  qpid=$!
  lines=$(python3 "$(dirname "$0")/insnprof.py" "$fifo" "$log" "$build/kernel.elf" "$build/apps/bench.elf")
  local st=$?
  wait "$qpid"
  rm -f "$fifo"
  [ $st -eq 0 ] && [ -n "$lines" ] || { echo "bench: the profile printed nothing: see $log"; return 1; }
  echo "$lines" | tee -a "$figures"
  echo "   (profile: $((SECONDS - t0)) s of wall time; log $log)"
}

# swap_busy LOG - instructions per swapped page, idle excluded (swapbusy.awk), if printed.
swap_busy() {
  awk -f "$(dirname "$0")/swapbusy.awk" "$1" | tee -a "$figures"
}

echo "== kernel (QEMU TCG, $timing; under -icount shift=0 1 TSC tick = 1 guest instruction) =="
kdisk=$out/kbench-disk.img # hdb for kernel/test/ata_bench.c, which overwrites it
rm -f "$kdisk" && truncate -s 64M "$kdisk"
boot kernel "$kiso" 600 -drive "file=$kdisk,format=raw,if=ide,index=1" || failed="$failed kernel"
rm -f "$kdisk"
echo "== user programs (apps/bench.c, $timing) =="
boot user "$uiso" 900 || failed="$failed user"
echo "== where the instructions go (apps/bench.c in profile mode: tests/bench/insnprof.py) =="
profile || failed="$failed profile"
echo "== swap (apps/swapper.c: $swap_mib MiB of RAM, IDE swap disk, $timing) =="
simg=$out/swap.img
rm -f "$simg" && truncate -s 512M "$simg"
if boot swap "$siso" 900 -m "$swap_mib" -drive "file=$simg,format=raw,if=ide,index=1"; then
  swap_busy "$build/logs/bench-swap$tag.log" || failed="$failed swap"
else
  failed="$failed swap"
fi
rm -f "$simg"
echo "== host (gcc -O2, the same C files) =="
for b in $host_benches; do
  if [ ! -x "$b" ]; then
    echo "bench: $b is missing"; failed="$failed $(basename "$b")"
  elif ! "$b" | tee -a "$figures"; then
    echo "bench: $b failed"; failed="$failed $(basename "$b")"
  fi
done
[ -z "$failed" ] && exit 0
echo "bench: FAILED:$failed"
exit 1
