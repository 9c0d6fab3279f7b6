#!/usr/bin/env bash
# mktraces.sh - make the page-usage harness's traces under OUT (default build/pum/traces),
# once: the synthetic hard cases (pumtrace gen) and real programs recorded by the pagerec
# Valgrind tool (built here against Debian's valgrind headers and static libraries).
# usage: mktraces.sh PUMTRACE OUT     Prints the trace files made or found, one per line.
# Exactly how each trace is made: tests/pum/README.md. Existing traces are kept (a cache).
set -u
pumtrace=$1; out=${2:-build/pum/traces}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"; out=$(cd "$out" && pwd)
log=$out/mktraces.log

# have NAME - the cached trace NAME is there and readable (an old format is made again).
have() { [ -s "$out/$1.qpt.gz" ] && "$pumtrace" info "$out/$1.qpt.gz" >/dev/null 2>&1; }

for g in loop scanhot random phase; do
  have "$g" || "$pumtrace" gen "$g" "$out/$g.qpt.gz" || { echo "pumtrace gen $g failed" >&2; exit 1; }
  echo "$out/$g.qpt.gz"
done

VGINC=/usr/include/valgrind; VGLIB=/usr/lib/x86_64-linux-gnu/valgrind; VGEXEC=/usr/libexec/valgrind
have_vg() { [ -f $VGINC/pub_tool_basics.h ] && [ -f $VGLIB/libcoregrind-amd64-linux.a ] && [ -x $VGEXEC/none-amd64-linux ] && command -v valgrind >/dev/null; }
if ! have_vg && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "pum: installing valgrind (headers and static libraries for the pagerec tool)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends valgrind >>"$log" 2>&1 \
    || { apt-get update -qq >>"$log" 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends valgrind >>"$log" 2>&1; }
fi
for c in sqlite3 git xz; do
  command -v $c >/dev/null || { echo "pum: $c is missing (bash tests/deps.sh installs it)" >&2; exit 1; }
done
if ! have_vg; then
  echo "pum: valgrind's headers or static libraries are missing: real-program traces skipped" >&2
  exit 0
fi

# The tool: the flags and link line of Valgrind's own tools (Makefile.tool.am), amd64 only.
vg=$out/vglib
tool=$vg/pagerec-amd64-linux
if [ ! -x "$tool" ] || [ "$here/pagerec/pr_main.c" -nt "$tool" ]; then
  mkdir -p "$vg"
  for f in "$VGEXEC"/*; do ln -sf "$f" "$vg/"; done
  gcc -O2 -g -std=gnu99 -fno-strict-aliasing -fno-builtin -fno-stack-protector -fno-pie -fno-pic \
    -DVGA_amd64=1 -DVGO_linux=1 -DVGP_amd64_linux=1 -DVGPV_amd64_linux_vanilla=1 -I$VGINC \
    -c "$here/pagerec/pr_main.c" -o "$vg/pr_main.o" &&
  gcc -o "$tool" -static -nodefaultlibs -nostartfiles -u _start -Wl,--build-id=none \
    -Wl,-Ttext-segment=0x58000000 "$vg/pr_main.o" $VGLIB/libcoregrind-amd64-linux.a \
    $VGLIB/libvex-amd64-linux.a -lgcc $VGLIB/libgcc-sup-amd64-linux.a \
    || { echo "pum: building the pagerec tool failed" >&2; exit 1; }
fi

# record NAME CMD... - run CMD under pagerec (each process its own raw file), convert.
# Every recording runs in the same place whatever the checkout: in $run (one fixed directory
# per user, holding copies of the inputs), with a fixed environment and relative file
# names, so that the programs' memory (strings, hashes, layout), and with it the trace,
# does not depend on where the tree is or on who called make.
record() {
  local name=$1; shift
  have "$name" && { echo "$out/$name.qpt.gz"; return 0; }
  rm -f "$run/$name".*.raw
  local t0=$(date +%s.%N)
  if (cd "$run" && env -i PATH=/usr/bin:/bin HOME=/nonexistent LANG=C.UTF-8 PYTHONHASHSEED=0 \
        VALGRIND_LIB="$run/vg" valgrind --tool=pagerec --trace-children=yes \
        --out="$run/$name.%p.raw" "$@") >>"$log" 2>&1 &&
     "$pumtrace" conv "$out/$name.qpt.gz" $(ls -tr "$run/$name".*.raw); then
    printf 'pum: %-8s recorded in %.1f s\n' "$name" "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{print b-a}')" >&2
    echo "$out/$name.qpt.gz"
  else
    echo "pum: recording $name failed (see $log)" >&2
  fi
  rm -f "$run/$name".*.raw
}

# Inputs: deterministic (seq, a fixed shuffle seed, this tree's own sources).
[ -s "$out/lines.txt" ] || seq 1 100000 | shuf --random-source=<(yes quire) > "$out/lines.txt"
[ -s "$out/cc1-input.i" ] || (cd "$here/../.." && gcc -E -Ikernel -Imodules tests/pum/bench.c) \
  > "$out/cc1-input.i"
cat > "$out/script.py" <<'PY'
# A small Python workload: build, sort and join dictionaries and strings.
d = {}
for i in range(60000):
    d["k%07d" % ((i * 7919) % 60000)] = [i, str(i) * 3]
s = sorted(d.items(), key=lambda kv: kv[1][1])
print(len(",".join(k for k, _ in s[:20000])))
PY

# The database workload: a table of 60 000 rows, an index, joins, grouping, sorting,
# updates and deletes, on a file database with a 16 MiB page cache.
cat > "$out/workload.sql" <<'SQL'
PRAGMA cache_size = -16000;
CREATE TABLE t(id INTEGER PRIMARY KEY, a INT, b TEXT, c REAL);
WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 60000)
  INSERT INTO t SELECT i, (i * 7919) % 1000, printf('row%08d', (i * 104729) % 60000), i * 0.5 FROM r;
CREATE INDEX ta ON t(a);
CREATE TABLE u(k INT PRIMARY KEY, v TEXT);
INSERT INTO u SELECT a, max(b) FROM t GROUP BY a;
SELECT count(*), sum(c) FROM t WHERE a BETWEEN 100 AND 300;
SELECT u.v, count(*) FROM t JOIN u ON t.a = u.k GROUP BY u.v ORDER BY 2 DESC LIMIT 10;
SELECT b FROM t ORDER BY b LIMIT 5 OFFSET 30000;
UPDATE t SET c = c + 1 WHERE a % 7 = 0;
DELETE FROM t WHERE a % 13 = 0;
SELECT a, avg(c) FROM t GROUP BY a HAVING count(*) > 50 ORDER BY 2 LIMIT 5;
SELECT count(DISTINCT substr(b, 1, 6)) FROM t;
SQL

# The version-control workload: a repository of 30 commits over 120 files, made here
# (not traced) with fixed names and dates; git repack -a -d -f (and its pack-objects child).
make_repo() {
  local r=$run/gitrepo i f
  export HOME=/nonexistent GIT_CONFIG_NOSYSTEM=1
  rm -rf "$r"; mkdir -p "$r" && git -C "$r" init -q || return 1
  export GIT_AUTHOR_NAME=quire GIT_AUTHOR_EMAIL=q@quire GIT_COMMITTER_NAME=quire GIT_COMMITTER_EMAIL=q@quire
  for i in $(seq 1 30); do
    for f in $(seq $((i % 4)) 4 119); do seq $((f * i)) $((f * i + 400 + f)) > "$r/f$f.txt"; done
    export GIT_AUTHOR_DATE="2024-01-01T00:00:$((i + 10))" GIT_COMMITTER_DATE="2024-01-01T00:00:$((i + 10))"
    git -C "$r" add -A && git -C "$r" commit -q -m "commit $i" || return 1
  done
}

# The place every recording runs in (record above): a fixed name, so one checkout at a time
# (a lock); emptied before and removed after.
run=/tmp/qpum-$(printf '%010d' "$(id -u)")
exec 9>"$run.lock" && flock 9 || { echo "pum: cannot lock $run.lock" >&2; exit 1; }
rm -rf "$run" && mkdir "$run" || { echo "pum: cannot make $run" >&2; exit 1; }
trap 'rm -rf "$run"' EXIT
cp "$out/lines.txt" "$out/cc1-input.i" "$out/script.py" "$out/workload.sql" "$run/" && ln -s "$vg" "$run/vg" \
  || { echo "pum: preparing $run failed" >&2; exit 1; }

record sort sort -S 1M lines.txt -o /dev/null
record cc1 "$(gcc -print-prog-name=cc1)" -quiet -O2 -fpreprocessed cc1-input.i -o /dev/null
record python /usr/bin/python3 -S script.py
record gzip gzip -6 -f -k -S .gz-out lines.txt
record xz xz -6 -T1 -f -k -S .xz-out lines.txt cc1-input.i
record sqlite sqlite3 sq.db ".read workload.sql"
have git || { (make_repo) >>"$log" 2>&1 || echo "pum: making the git repository failed" >&2; }
record git git -C gitrepo -c pack.threads=1 repack -a -d -f -q
# A multi-process mix: four programs at once, 10 ms of simulated time each in turn.
if ! have mix && have sqlite && have python && have sort && have xz; then
  "$pumtrace" mix "$out/mix.qpt.gz" 10 "$out/sqlite.qpt.gz" "$out/python.qpt.gz" "$out/sort.qpt.gz" \
    "$out/xz.qpt.gz" || echo "pum: making the mix failed" >&2
fi
have mix && echo "$out/mix.qpt.gz"
exit 0
