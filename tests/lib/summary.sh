#!/usr/bin/env bash
# summary.sh - count the results of the test parts named on the command line.
# usage: summary.sh RESULTS_DIR part...
# Each part writes RESULTS_DIR/<part>.res, one line per test: "ok <name>" or
# "not ok <name>" (anything else is ignored). A part with no result file, or an empty one,
# counts as one failure: a part that ran nothing has not passed.
# Prints the failed names, then "N passed, N failed" as the last line; exits 1 on any failure.
set -u
dir=$1; shift
pass=0; fail=0
for part in "$@"; do
  f="$dir/$part.res"
  if [ ! -s "$f" ]; then
    echo "FAILED: $part (no results: the part did not run or crashed)"
    fail=$((fail + 1)); continue
  fi
  p=$(grep -c '^ok ' "$f"); n=$(grep -c '^not ok ' "$f")
  grep '^not ok ' "$f" | sed "s/^not ok /FAILED: /"
  pass=$((pass + p)); fail=$((fail + n))
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
