#!/usr/bin/env bash
# pumcmp.sh - `make bench` part bench-pum: the kernel's page-usage policies on one workload
# (apps/pumload.c: twice RAM, a hot set, a skewed rest, a cold scan each round), booted once
# per policy (pum=NAME) in QEMU with 32 MiB and a swap disk, -icount shift=0. The reference
# sequence is the same for every policy; the faults, swap-ins and write-backs differ only
# by the policy's choices. Prints "pumq.POLICY.NAME VALUE UNIT" lines (appended to
# OUT/quire.txt) and a table. --smoke: one policy, no -icount (figures mean nothing).
# usage: pumcmp.sh [--smoke] BUILD OUT KERNEL MKISO_MODULES... -- QEMU...
set -u -o pipefail
smoke=0
[ "${1:-}" = --smoke ] && { smoke=1; shift; }
build=$1 out=$2 kernel=$3; shift 3
mods=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do mods+=("$1"); shift; done
[ "${1:-}" = -- ] || { echo "usage: pumcmp.sh [--smoke] BUILD OUT KERNEL MODULES... -- QEMU..." >&2; exit 2; }
shift
policies="refault hotcold clock aging"
icount=(-icount shift=0); tag=""
[ $smoke -eq 1 ] && { policies=refault; icount=(); tag=-smoke; }
mkdir -p "$build/logs" "$out" "$build/iso"
echo "== page-usage policies in the kernel (apps/pumload.c, 32 MiB RAM, swap disk${icount:+, -icount shift=0}) =="
failed=0 lines=""
for pol in $policies; do
  iso=$build/iso/bench-pum-$pol.iso log=$build/logs/bench-pum-$pol$tag.log img=$out/pum-swap.img
  bash tests/lib/mkiso.sh "$iso" "$kernel" "init=pumload swap=hdb pum=$pol loglevel=1" "${mods[@]}" || { failed=1; continue; }
  rm -f "$img" && truncate -s 256M "$img"
  timeout 900 "$@" -m 32 "${icount[@]}" -cdrom "$iso" -boot d -serial stdio -monitor none \
    -drive "file=$img,format=raw,if=ide,index=1" < /dev/null | tr -d '\r' > "$log"
  rm -f "$img"
  if ! grep -q '^BENCH-DONE' "$log" || grep -q '^FAIL' "$log"; then
    echo "bench: pumload under $pol did not finish cleanly: see $log"; failed=1; continue
  fi
  l=$(awk -v p="$pol" '$1 == "BENCH" { sub(/^pum_/, "", $2); printf "pumq.%s.%s %s %s\n", p, $2, $3, $4 }' "$log")
  echo "$l" | tee -a "$out/quire.txt"
  lines="$lines$l"$'\n'
done
printf '%s' "$lines" | awk '
  { split($1, k, "."); v[k[2], k[3]] = $2; if (!(k[2] in seen)) { seen[k[2]] = 1; order[++n] = k[2] } }
  END {
    if (!n) exit
    printf "\n%-10s %10s %10s %12s %12s\n", "policy", "faults", "swap-ins", "write-backs", "clean drops"
    for (i = 1; i <= n; i++) { p = order[i]
      printf "%-10s %10s %10s %12s %12s\n", p, v[p, "faults"], v[p, "swap_ins"], v[p, "write_backs"], v[p, "clean_drops"] }
  }'
exit $failed
