#!/usr/bin/env bash
# run.sh - `make bench`: the kernel's benchmarks in QEMU with -icount shift=0 (guest
# instructions per operation, exact and repeatable) and the host builds of the same code
# (ns per operation), printed as "name value unit" lines and a table beside the Linux
# reference figures from ../shared/bench/linux-reference (Linux 6.1 in the same QEMU).
# usage: run.sh BUILD_DIR KERNEL_ISO USER_ISO SWAP_ISO QEMU_COMMAND...
set -u
build=$1; iso=$2; uiso=$3; siso=$4; shift 4
mkdir -p "$build/logs" "$build/bench"
log=$build/logs/bench.log
echo "== kernel (QEMU TCG, -icount shift=0: 1 TSC tick = 1 guest instruction) =="
timeout 600 "$@" -icount shift=0 -cdrom "$iso" -boot d -serial stdio -monitor none </dev/null \
  | tr -d '\r' > "$log"
grep -q '^BENCH-DONE' "$log" || { echo "kernel benchmarks did not finish: see $log"; exit 1; }
awk '$1 == "BENCH" { printf "kernel.%s %s %s\n", $2, $3, $4 }' "$log"
echo "== user programs (apps/bench.c under -icount shift=0) =="
ulog=$build/logs/bench-user.log
timeout 900 "$@" -icount shift=0 -cdrom "$uiso" -boot d -serial stdio -monitor none </dev/null \
  | tr -d '\r' > "$ulog"
grep -q '^BENCH-DONE' "$ulog" || { echo "user benchmarks did not finish: see $ulog"; exit 1; }
awk '$1 == "BENCH" { printf "user.%s %s %s\n", $2, $3, $4 }' "$ulog"
echo "   Linux 6.1 in the same QEMU (../shared/bench/linux-reference): getppid 338 insns,"
echo "   demand-zero fault 3,318 insns/page, re-touch 4 insns/page, fork+exit+wait 150,600 insns"
echo "== swap (apps/swapper.c: 64 MiB written and read back on a 32 MiB machine, -icount shift=0) =="
slog=$build/logs/bench-swap.log
simg=$build/bench/swap.img
rm -f "$simg"; truncate -s 128M "$simg"
timeout 900 "$@" -m 32 -icount shift=0 -cdrom "$siso" -boot d -serial stdio -monitor none \
  -drive "file=$simg,format=raw,if=ide,index=1" </dev/null | tr -d '\r' > "$slog"
grep -q '^BENCH-DONE' "$slog" || { echo "swap benchmark did not finish: see $slog"; exit 1; }
awk '$1 == "BENCH" { printf "swap.%s %s %s\n", $2, $3, $4 }' "$slog"
echo "   Linux 6.1 in the same QEMU: swap-out ~40,000 pages/s (96 MiB guest), swap-in ~39,000 pages/s"
echo "   (virtio-blk and 8-page readahead there; one IDE PIO transfer per page here)"
echo "== host (gcc -O2, same C files) =="
for b in "$build"/bench/*; do [ -x "$b" ] && "$b"; done
