#!/usr/bin/env bash
# policyplot.sh - `make plot`'s second picture: the page-usage policy table of pum-bench as
# bars, from its lines "policy NAME geomean_all X geomean_real Y worst Z" (other lines are
# ignored, the summary table's header "policy all real ..." too). Draws OUT.png with
# policies.gp; fails, saying so, when there are no such lines.
# usage: policyplot.sh PUM_BENCH_OUTPUT OUT.png
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 2 ] || { echo "usage: policyplot.sh PUM_BENCH_OUTPUT OUT.png" >&2; exit 2; }
in=$1; png=$2
dat=${png%.png}.dat
[ -r "$in" ] || { echo "policyplot: cannot read $in" >&2; exit 1; }
num='^[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$'
awk -v num="$num" '$1 == "policy" && $2 != "all" {
    if (NF != 8 || $3 != "geomean_all" || $5 != "geomean_real" || $7 != "worst" ||
        $4 !~ num || $6 !~ num || $8 !~ num) {
      printf "policyplot: line %d is not \"policy NAME geomean_all X geomean_real Y worst Z\": %s\n", NR, $0 > "/dev/stderr"
      bad = 1; exit 1 }
    print $2, $4, $6, $8; n++ }
  END { if (!bad && !n) { print "policyplot: no \"policy NAME geomean_all X geomean_real Y worst Z\" lines (pum-bench does not print them yet?)" > "/dev/stderr"; exit 1 } }' \
  "$in" > "$dat" || exit 1
gnuplot -e "dat='$dat'; out='$png'" "$here/policies.gp" || { echo "policyplot: gnuplot failed" >&2; exit 1; }
echo "policyplot: $png ($(wc -l < "$dat") policies)"
