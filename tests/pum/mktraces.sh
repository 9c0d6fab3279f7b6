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

for g in loop scanhot random phase; do
  [ -s "$out/$g.qpt.gz" ] || "$pumtrace" gen "$g" "$out/$g.qpt.gz" || { echo "pumtrace gen $g failed" >&2; exit 1; }
  echo "$out/$g.qpt.gz"
done

VGINC=/usr/include/valgrind; VGLIB=/usr/lib/x86_64-linux-gnu/valgrind; VGEXEC=/usr/libexec/valgrind
have_vg() { [ -f $VGINC/pub_tool_basics.h ] && [ -f $VGLIB/libcoregrind-amd64-linux.a ] && [ -x $VGEXEC/none-amd64-linux ] && command -v valgrind >/dev/null; }
if ! have_vg && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "pum: installing valgrind (headers and static libraries for the pagerec tool)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends valgrind >>"$log" 2>&1 \
    || { apt-get update -qq >>"$log" 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends valgrind >>"$log" 2>&1; }
fi
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
record() {
  local name=$1; shift
  [ -s "$out/$name.qpt.gz" ] && { echo "$out/$name.qpt.gz"; return 0; }
  rm -f "$out/$name".*.raw
  local t0=$(date +%s.%N)
  if VALGRIND_LIB=$vg valgrind --tool=pagerec --trace-children=yes \
       --out="$out/$name.%p.raw" "$@" >>"$log" 2>&1 &&
     "$pumtrace" conv "$out/$name.qpt.gz" $(ls -tr "$out/$name".*.raw); then
    printf 'pum: %-8s recorded in %.1f s\n' "$name" "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{print b-a}')" >&2
    echo "$out/$name.qpt.gz"
  else
    echo "pum: recording $name failed (see $log)" >&2
  fi
  rm -f "$out/$name".*.raw
}

# Inputs: deterministic (seq, a fixed shuffle seed, this tree's own sources).
[ -s "$out/lines.txt" ] || seq 1 100000 | shuf --random-source=<(yes quire) > "$out/lines.txt"
[ -s "$out/cc1-input.i" ] || gcc -E -I"$here/../../kernel" -I"$here/../../modules" \
  "$here/bench.c" > "$out/cc1-input.i"
cat > "$out/script.py" <<'PY'
# A small Python workload: build, sort and join dictionaries and strings.
d = {}
for i in range(60000):
    d["k%07d" % ((i * 7919) % 60000)] = [i, str(i) * 3]
s = sorted(d.items(), key=lambda kv: kv[1][1])
print(len(",".join(k for k, _ in s[:20000])))
PY

record sort sort -S 1M "$out/lines.txt" -o /dev/null
record cc1 "$(gcc -print-prog-name=cc1)" -quiet -O2 -fpreprocessed "$out/cc1-input.i" -o /dev/null
record python /usr/bin/python3 -S "$out/script.py"
record gzip gzip -6 -f -k -S .gz-out "$out/lines.txt"; rm -f "$out/lines.txt.gz-out"
exit 0
