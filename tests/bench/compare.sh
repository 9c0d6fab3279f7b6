#!/usr/bin/env bash
# compare.sh - the table at the end of `make bench`: Quire's figures beside Linux's, row by
# row as tests/bench/pairs.txt says, with Quire / Linux and the geometric mean of Quire's
# cost over Linux's (a rate's ratio is inverted so that below 1 always means Quire is ahead).
# usage: compare.sh PAIRS QUIRE_FIGURES LINUX_FIGURES   (figure files: "NAME VALUE UNIT" lines)
# Without LINUX_FIGURES it says to run make bench-linux. Exits 1 on a unit that differs.
set -u
pairs=$1; quire=$2; linux=$3
[ -r "$pairs" ] || { echo "compare: no $pairs" >&2; exit 1; }
[ -r "$quire" ] || { echo "compare: no Quire figures in $quire (did bench-run run?)" >&2; exit 1; }
have_linux=1
[ -r "$linux" ] || { have_linux=0; linux=/dev/null; }
awk -v have_linux="$have_linux" -v linux_path="$3" '
function num(v) { return v >= 100 || v <= -100 ? sprintf("%.0f", v) : sprintf("%.2f", v) }
FILENAME == ARGV[1] && /^#/ && NR == FNR { next }
FILENAME == ARGV[1] { if (NF < 6) next; n++; qn[n] = $1; qu[n] = $2; ln[n] = $3; lu[n] = $4
                      better[n] = $5; what[n] = $6; for (i = 7; i <= NF; i++) what[n] = what[n] " " $i; next }
FILENAME == ARGV[2] { if ($0 !~ /^#/ && NF == 3) { qv[$1] = $2; qunit[$1] = $3 }; next }
FILENAME == ARGV[3] { if ($0 ~ /^# linux /) header = substr($0, 3)
                      else if (NF == 3) { lv[$1] = $2; lunit[$1] = $3 }; next }
END {
  print "Quire beside Linux in the same QEMU (rows: tests/bench/pairs.txt)"
  if (have_linux) print "Linux: " header " (" linux_path ")"
  else print "Linux: no figures yet: run make bench-linux (it takes a few minutes)"
  printf "%-52s %-11s %10s %10s %8s\n", "figure", "unit", "Quire", "Linux", "Q/L"
  bad = 0; rows = 0; logsum = 0
  for (i = 1; i <= n; i++) {
    hq = qn[i] in qv; hl = ln[i] in lv
    if (!hq && !hl) continue
    q = hq ? num(qv[qn[i]]) : "-"
    l = hl ? num(lv[ln[i]]) : (have_linux ? "-" : "(none)")
    r = "-"
    if (hq && qunit[qn[i]] != qu[i]) { q = "unit?"; bad++
      printf "compare: %s is in %s, pairs.txt says %s\n", qn[i], qunit[qn[i]], qu[i] > "/dev/stderr" }
    if (hl && lunit[ln[i]] != lu[i]) { l = "unit?"; bad++
      printf "compare: %s is in %s, pairs.txt says %s\n", ln[i], lunit[ln[i]], lu[i] > "/dev/stderr" }
    if (q != "-" && q != "unit?" && l != "-" && l != "unit?" && hl && qv[qn[i]] > 0 && lv[ln[i]] > 0) {
      ratio = qv[qn[i]] / lv[ln[i]]; r = sprintf("%.2f", ratio)
      logsum += log(better[i] == "higher" ? 1 / ratio : ratio); rows++
    }
    printf "%-52s %-11s %10s %10s %8s\n", what[i], qu[i], q, l, r
  }
  if (rows)
    printf "geometric mean of Quire cost / Linux cost over %d rows: %.2f (rates inverted; below 1: Quire ahead)\n", rows, exp(logsum / rows)
  exit bad ? 1 : 0
}' "$pairs" "$quire" "$linux"
