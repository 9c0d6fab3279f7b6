#!/usr/bin/env bash
# parts.sh - `make bench`: runs every part (a make target) even when one fails, then the
# table of Quire's figures beside Linux's (compare.sh), and exits 1 naming the parts that
# failed. A part that is not there (no fs or pum module) is simply not in the list.
# usage: parts.sh MAKE_COMMAND QUIRE_OUT_DIR BUILD PART...
set -u
make_cmd=$1; out=$2; build=$3; shift 3
here=$(dirname "$0")
failed=""
for part in "$@"; do
  echo "== bench part: $part =="
  $make_cmd "$part" || failed="$failed $part"
done
echo "== bench part: table =="
bash "$here/compare.sh" "$here/pairs.txt" "$out/quire.txt" "$build/bench/linux.txt" ||
  failed="$failed table"
[ -z "$failed" ] && exit 0
echo "make bench: FAILED:$failed" >&2
exit 1
