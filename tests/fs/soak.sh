#!/usr/bin/env bash
# soak.sh - the long runs of the file-system tests (`make fs-soak`): the corruption
# campaign with FS_SOAK_IMAGES images for each seed of FS_SOAK_SEEDS, and fsx with
# 40000 operations per seed. Writes $RESULTS/fs-soak.res ("ok NAME" / "not ok NAME");
# always exits 0 (the summary counts the results).
set -u
: "${FS_OUT:=build/fs}" "${RESULTS:=build/results}" "${FS_SOAK_SEEDS:=1 2 3 4 5 6 7 8}"
: "${FS_SOAK_IMAGES:=26000}"
log=$FS_OUT/logs; res=$FS_OUT/fs-soak.res.tmp
mkdir -p "$log" "$RESULTS"; : > "$res"
start=$(date +%s)
for s in $FS_SOAK_SEEDS; do
  ASAN_OPTIONS=quarantine_size_mb=8 timeout 7200 "$FS_OUT/campaign" -n "$FS_SOAK_IMAGES" -s "$s" \
    > "$log/soak-campaign-$s.log" 2> "$log/soak-campaign-$s.err"
  rc=$?
  if [ $rc -eq 0 ]; then echo "ok fs-soak/campaign/seed-$s" >> "$res"
  else echo "not ok fs-soak/campaign/seed-$s (exit $rc, see $log/soak-campaign-$s.err)" >> "$res"; fi
  grep '^# campaign' "$log/soak-campaign-$s.log"
  timeout 3600 "$FS_OUT/fsx" -s $((s + 100)) -n 40000 > "$log/soak-fsx-$s.log" 2>&1
  if [ $? -eq 0 ]; then echo "ok fs-soak/fsx/seed-$((s + 100))" >> "$res"
  else echo "not ok fs-soak/fsx/seed-$((s + 100)) (see $log/soak-fsx-$s.log)" >> "$res"; fi
done
mv "$res" "$RESULTS/fs-soak.res"
echo "fs-soak: $(grep -c '^ok ' "$RESULTS/fs-soak.res") passed, $(grep -c '^not ok ' "$RESULTS/fs-soak.res") failed in $(( $(date +%s) - start )) s; results in $RESULTS/fs-soak.res"
exit 0
