#!/usr/bin/env bash
# smoke.sh - make test's part `bench`: runs `make bench` once in its reduced form (no
# -icount, a small swap run, one page-usage memory size; nothing timed, no figure compared
# with a number) and checks that make bench exited 0 and that every part printed its figure
# lines. Writes RESULTS/bench.res (specs/testing.md); the log is BUILD/logs/bench-smoke.log.
# usage: smoke.sh MAKE_COMMAND BUILD RESULTS PART...   (PART: the targets make bench runs)
set -u
make_cmd=$1; build=$2; results=$3; shift 3
log=$build/logs/bench-smoke.log
res=$results/bench.res
mkdir -p "$build/logs" "$results"
rm -f "$res"
figure='[A-Za-z0-9_.]+ -?[0-9][0-9.e+-]* [^ ]+'

# result NAME OK DETAIL - one result line; a failure also says why on the terminal.
result() {
  if [ "$2" -eq 1 ]; then echo "ok bench/$1" >> "$res"
  else echo "not ok bench/$1" >> "$res"; echo "bench/$1: FAILED: $3 (log $log)"; fi
}

# section PART - the lines make bench printed for PART (between its header and the next).
section() {
  awk -v h="== bench part: $1 ==" '$0 == h { on = 1; next } /^== bench part: / { on = 0 } on' "$log"
}

# count PART REGEX - how many lines of PART's section match REGEX.
count() { section "$1" | grep -Ec "^($2)\$"; }

t0=$SECONDS
timeout 600 $make_cmd bench BENCH_SMOKE=1 BENCH_SWAP_MEM=32 BENCH_SWAP_AREA=40 PUM_SIZES=50 \
  > "$log" 2>&1
status=$?
result exit-status $((status == 0)) "make bench exited $status"
for part in "$@"; do
  case "$part" in
  bench-run)
    for p in kernel user swap host; do
      n=$(count bench-run "$p\\.$figure")
      result "$p" $((n > 0)) "the $p part printed no '$p.NAME VALUE UNIT' lines"
    done ;;
  pum-bench)
    n=$(count pum-bench "policy [^ ]+ geomean_all .*|.* above OPT .*")
    result pum $((n > 0)) "pum-bench printed no 'policy NAME geomean_all ...' (or summary) lines" ;;
  *)
    n=$(count "$part" "$figure")
    result "${part%-bench}" $((n > 0)) "$part printed no 'NAME VALUE UNIT' lines" ;;
  esac
done
# swapbusy.awk on a made-up log (sample-swap.txt): (2e9 - 5e8) / (49155 + 74887) pages,
# then with an explicit page count, then with no idle lines (nothing to print).
sample=$(dirname "$0")/sample-swap.txt
got=$(awk -f "$(dirname "$0")/swapbusy.awk" "$sample" | head -1)
got2=$( (cat "$sample"; echo "BENCH swap_pages 100000 pages") | awk -f "$(dirname "$0")/swapbusy.awk" | head -1)
got3=$(grep -v '_tsc' "$sample" | awk -f "$(dirname "$0")/swapbusy.awk")
result swap-insns $(( ${#got3} == 0 )) "swapbusy.awk printed '$got3' for a log without swap_idle_tsc"
[ "$got" = "swap.insns_per_page 12092.68 insns/page" ] && [ "$got2" = "swap.insns_per_page 15000.00 insns/page" ]
result swap-insns-value $(( $? == 0 )) "swapbusy.awk printed '$got' and '$got2'"
n=$(count table "Quire beside Linux.*")
rows=$(count table ".* (insns|pages)/[a-z]+ +[0-9.]+ .*")
result table $((n > 0 && rows > 0)) "no table of Quire beside Linux, or no row with a Quire figure"
echo "bench (smoke): $(grep -c '^ok' "$res") passed, $(grep -c '^not ok' "$res") failed, $((SECONDS - t0)) s"
! grep -q '^not ok' "$res"
