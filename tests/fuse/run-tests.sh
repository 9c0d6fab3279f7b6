#!/usr/bin/env bash
# run-tests.sh - the qfs-fuse tests: mount images with the ASan/UBSan build of qfs-fuse
# and use them with ordinary programs (cp, sed, python3, rm, rsync, setfattr), the fsx
# differential tester, SIGKILL of the daemon mid-write, a full disk and the image lock.
# Writes $RESULTS/fuse.res ("ok fuse/NAME" / "not ok fuse/NAME"); logs in
# $FUSE_OUT/work/*.log. Every mount is undone by an EXIT trap, whatever fails.
set -u
: "${BUILD:=build}" "${RESULTS:=$BUILD/results}" "${FUSE_OUT:=$BUILD/fuse}"
QFS=$BUILD/tools/qfs
QFUSE=$FUSE_OUT/qfs-fuse-san
FSX=$FUSE_OUT/fsx_posix
HELP="python3 tests/fuse/helpers.py"
W=$FUSE_OUT/work
FSX_SEED=${FSX_SEED:-1} FSX_OPS=${FSX_OPS:-3000}
FUSE_STATE=$W/state
FUSE_TIMEOUT=${FUSE_TIMEOUT:-240}
source tests/fuse/lib.sh
trap 'fuse_cleanup; kill "${FUSE_WATCHDOG:-0}" 2> /dev/null' EXIT
fuse_cleanup_stale() { # mounts left by an earlier run that was killed
  local m
  for m in $(grep -o " $PWD/$W/[^ ]*" /proc/mounts 2> /dev/null); do umount -l "$m"; done
}
fuse_cleanup_stale
rm -rf "$W" && mkdir -p "$W" "$RESULTS"
fuse_watchdog "$FUSE_TIMEOUT"
res=$W/fuse.res.tmp
: > "$res"
start=$(date +%s)
missing=""
for b in "$QFS" "$QFUSE" "$FSX"; do [ -x "$b" ] || missing="$missing $b"; done
if [ -z "$missing" ]; then echo "ok fuse/build" >> "$res"
else echo "not ok fuse/build (missing:$missing; see $FUSE_OUT/build.log)" >> "$res"; fi

# run NAME FUNCTION: one test, its output in $W/NAME.log, one result line.
# A test fails when it returns non-zero or called die (which goes on only where harmless).
run() {
  local name=$1 fn=$2
  if [ -e "$FUSE_STATE/timeout" ]; then echo "not ok fuse/$name (not run: timeout)" >> "$res"; return; fi
  FAILED=0
  local t0=$SECONDS
  "$fn" > "$W/$name.log" 2>&1 || FAILED=1
  echo "fuse/$name: $((SECONDS - t0)) s" >> "$W/times"
  if [ $FAILED -eq 0 ]; then echo "ok fuse/$name" >> "$res"
  else echo "not ok fuse/$name (see $W/$name.log)" >> "$res"; fi
}
die() { echo "FAIL: $*"; FAILED=1; return 1; }
sanitizer_clean() { ! grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$1"; }

# A source tree of awkward sizes: empty, 1 byte, a block, a block + 1, 1 MiB random.
make_tree() {
  local t=$W/src
  mkdir -p "$t/sub/deeper"
  : > "$t/empty"
  printf x > "$t/one"
  head -c 4096 /dev/urandom > "$t/block"
  head -c 4097 /dev/urandom > "$t/block1"
  head -c 1048576 /dev/urandom > "$t/sub/big"
  seq 1 2000 > "$t/text"
  printf 'alpha\nbeta\n' > "$t/sub/deeper/note"
}

M=$W/mnt
t_lock() { # the image lock: a second mount of the same image is refused with status 4
  "$QFS" mkfs "$W/tree.img" 64M > /dev/null || die "mkfs"
  fuse_mount "$W/tree.img" "$M" "$W/daemon.log" || { die "mount"; return 1; }
  local out st
  mkdir -p "$W/mnt2"
  out=$("$QFUSE" -f "$W/tree.img" "$W/mnt2" 2>&1); st=$?
  echo "second mount: status $st: $out"
  [ $st -eq 4 ] || die "second mount exited $st, want 4"
  [ "$out" = "qfs-fuse: $W/tree.img: image in use by another program" ] || die "message"
  ! mountpoint -q "$W/mnt2" || die "second mount happened"
  out=$("$QFUSE" -f /dev/null/none "$W/mnt2" 2>&1); st=$?
  echo "missing image: status $st: $out"
  [ $st -eq 2 ] || die "missing image exited $st, want 2"
}

t_cp_tree() { # cp -r in; every file listed as name and name;1, read back byte for byte
  make_tree
  cp -r "$W/src" "$M/tree" || die "cp -r"
  ls -la "$M/tree" "$M/tree/sub"
  local f
  for f in empty one block block1 text sub/big sub/deeper/note; do
    cmp "$W/src/$f" "$M/tree/$f" || die "$f differs"
    cmp "$W/src/$f" "$M/tree/$f;1" || die "$f;1 differs"
    [ "$(ls "$(dirname "$M/tree/$f")" | grep -c "^$(basename "$f")\(;[0-9]*\)\?\$")" -eq 2 ] \
      || die "$f: not listed as exactly name and name;1"
  done
}

t_sed_versions() { # sed -i three times: three new versions, each read back exactly
  local f=$M/tree/text i
  cp "$W/src/text" "$W/text.1"
  for i in 2 3 4; do
    sed -i "s/^$((i * 7))\$/edit $i/" "$f" || die "sed -i ($i)"
    sed "s/^$((i * 7))\$/edit $i/" "$W/text.$((i - 1))" > "$W/text.$i"
  done
  ls "$M/tree" | grep '^text'
  [ "$(ls "$M/tree" | grep -c '^text;')" -eq 4 ] || die "want versions 1..4 of text"
  for i in 1 2 3 4; do cmp "$W/text.$i" "$f;$i" || die "text;$i differs"; done
  cmp "$W/text.4" "$f" || die "text is not the newest version"
  [ -z "$(ls -a "$M/tree" | grep -v -E '^(\.|\.\.|empty|one|block1?|text|sub)(;[0-9]+)?$')" ] \
    || die "sed left a temp file"
}

t_python_edits() { # python3: atomic replace and in-place r+ each make one version
  local f=$M/tree/sub/deeper/note
  $HELP atomic-edit "$f" $'gamma\n' || die "atomic edit"
  $HELP inplace-edit "$f" $'delta\n' || die "in-place edit"
  ls "$M/tree/sub/deeper"
  [ "$(cat "$f;2")" = gamma ] || die "note;2 is not the atomic edit"
  [ "$(cat "$f;3")" = delta ] || die "note;3 is not the in-place edit"
  [ "$(cat "$f")" = delta ] && [ "$(ls "$M/tree/sub/deeper" | wc -l)" -eq 4 ] || die "listing"
}

t_two_writers() { # two processes open read/write: two versions, in the order they close
  local f=$M/tree/block
  $HELP two-writers "$f" "$W/want.a" "$W/want.b" || die "writers"
  ls "$M/tree" | grep '^block;'
  cmp "$W/want.a" "$f;2" || die "block;2 is not writer A's"
  cmp "$W/want.b" "$f;3" || die "block;3 is not writer B's"
  cmp "$W/src/block" "$f;1" || die "block;1 changed"
}

t_namespace() { # rm of a version and of a file, xattrs, mkdir/rmdir, rename rules, df
  local d=$M/tree
  rm "$d/block;2" || die "rm block;2"
  [ "$(ls "$d" | grep '^block;' | tr '\n' ' ')" = "block;1 block;3 " ] || die "block;2 not gone"
  [ "$(getfattr --only-values -n user.qfs.versions "$d/block")" = "1 3" ] || die "versions xattr"
  setfattr -n user.qfs.purge -v 1 "$d/block" || die "purge"
  [ "$(ls "$d" | grep -c '^block;')" -eq 1 ] || die "purge left versions"
  cmp "$W/want.b" "$d/block;3" || die "purge kept the wrong version"
  setfattr -n user.qfs.limit -v 2 "$d/text" || die "limit"
  [ "$(getfattr --only-values -n user.qfs.limit "$d/text")" = 2 ] || die "limit reads back"
  [ "$(ls "$d" | grep '^text;' | tr '\n' ' ')" = "text;3 text;4 " ] || die "limit purge"
  ! setfattr -n user.qfs.limit -v 65 "$d/text" 2> /dev/null || die "limit 65 accepted"
  ! setfattr -n user.qfs.versions -v 1 "$d/text" 2> /dev/null || die "versions is read-only"
  ! setfattr -n user.other -v 1 "$d/text" 2> /dev/null || die "other names are not stored"
  ! getfattr -n user.qfs.limit "$d/sub" 2> /dev/null || die "a directory has no limit"
  python3 -c 'import os, sys; os.truncate(sys.argv[1], 5)' "$d/text" || die "truncate(2)"
  [ "$(ls "$d" | grep '^text;' | tr '\n' ' ')" = "text;4 text;5 " ] || die "truncate: a version"
  [ "$(stat -c %s "$d/text")" -eq 5 ] && cmp -s "$d/text;4" "$W/text.4" || die "truncate: sizes"
  chmod 600 "$d/text" && chown 1:1 "$d/text" && touch -c -d @1000000000 "$d/text" || die "attrs"
  [ "$(stat -c '%a %u %Y' "$d/text;5")" != "600 1 1000000000" ] || die "attrs are not stored"
  [ "$(ls "$d" | grep '^text;' | tr '\n' ' ')" = "text;4 text;5 " ] || die "attrs made a version"
  touch "$d/text" || die "touch" # opens for writing: one (unchanged) version
  [ "$(ls "$d" | grep '^text;' | tr '\n' ' ')" = "text;5 text;6 " ] || die "touch: one version"
  rm "$d/one" || die "rm one"
  ! ls "$d" | grep -q '^one' || die "one still listed"
  mkdir "$d/newdir" && rmdir "$d/newdir" || die "mkdir/rmdir"
  ! rmdir "$d/sub" 2> "$W/err" && grep -q 'not empty' "$W/err" || die "rmdir of a full dir"
  ! mv "$d/sub" "$d/sub2" 2> "$W/err" && grep -q 'not permitted' "$W/err" || die "dir rename"
  mv "$d/block1" "$d/moved" && cmp "$W/src/block1" "$d/moved;1" || die "file rename"
  ! ls "$d" | grep -q '^block1' || die "renamed file still listed"
  df "$M" | tail -1
  [ "$(stat -f -c %S "$M")" -eq 4096 ] && [ "$(stat -f -c %b "$M")" -gt 16000 ] || die "statfs"
}

t_rsync_out() { # rsync the tree out and compare it with what went in
  rsync -a "$M/tree/" "$W/out/" || die "rsync"
  diff -r -x '*;*' -x one -x block -x block1 -x moved -x text -x note \
    "$W/src" "$W/out" || die "tree differs"
  head -c 5 "$W/text.4" > "$W/text.5"
  cmp "$W/src/sub/big" "$W/out/sub/big;1" && cmp "$W/text.5" "$W/out/text;5" &&
    cmp "$W/text.5" "$W/out/text" || die "versions differ"
}

t_unmount_fsck() { # a clean unmount (status 0, no sanitizer report), then fsck
  fuse_umount "$M" || die "qfs-fuse did not exit 0 on unmount"
  sanitizer_clean "$W/daemon.log" || die "sanitizer report in daemon.log"
  "$QFS" fsck "$W/tree.img" || die "fsck"
}

t_fsx() { # the differential tester through the mount, then fsck
  "$QFS" mkfs "$W/fsx.img" 128M 6 > /dev/null || die "mkfs"
  fuse_mount "$W/fsx.img" "$W/fsx" "$W/fsx-daemon.log" || { die "mount"; return 1; }
  "$FSX" -d "$W/fsx" -s "$FSX_SEED" -n "$FSX_OPS" -l 6 || { fuse_umount "$W/fsx"; die "fsx"; }
  fuse_umount "$W/fsx" || die "unmount"
  sanitizer_clean "$W/fsx-daemon.log" || die "sanitizer report"
  "$QFS" fsck "$W/fsx.img" || die "fsck"
}

t_enospc() { # a full disk: ENOSPC, nothing else lost, space comes back, fsck clean
  "$QFS" mkfs "$W/small.img" 2M > /dev/null || die "mkfs"
  fuse_mount "$W/small.img" "$W/small" "$W/small-daemon.log" || { die "mount"; return 1; }
  head -c 20000 /dev/urandom > "$W/keep"
  cp "$W/keep" "$W/small/keep" || die "cp keep"
  local before after
  before=$(stat -f -c %a "$W/small")
  $HELP enospc "$W/small" || { fuse_umount "$W/small"; die "enospc"; }
  ! dd if=/dev/zero of="$W/small/dd" bs=64k count=64 2> "$W/err" || die "dd succeeded"
  cat "$W/err"; grep -q 'No space left on device' "$W/err" || die "dd: not ENOSPC"
  cmp "$W/keep" "$W/small/keep" || die "keep damaged"
  rm -f "$W/small/big" "$W/small/dd"
  after=$(stat -f -c %a "$W/small")
  echo "free blocks before $before, after $after"
  [ "$after" -eq "$before" ] || die "space not given back"
  cp "$W/keep" "$W/small/again" && cmp "$W/keep" "$W/small/again" || die "write after"
  fuse_umount "$W/small" || die "unmount"
  sanitizer_clean "$W/small-daemon.log" || die "sanitizer report"
  "$QFS" fsck "$W/small.img" || die "fsck"
}

t_sigterm() { # SIGTERM with a file open for writing: a clean stop (status 0, nothing
  # leaked) that leaves no mount behind and drops the uncommitted copy
  "$QFS" mkfs "$W/sig.img" 16M > /dev/null || die "mkfs"
  fuse_mount "$W/sig.img" "$W/sig" "$W/sig-daemon.log" || { die "mount"; return 1; }
  echo kept > "$W/sig/kept" || die "write"
  python3 -c 'import os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
os.write(fd, b"uncommitted")
print("ready", flush=True)
time.sleep(30)' "$W/sig/open" > "$W/sig.py" 2>&1 &
  local py=$! pid=${FUSE_PID[$W/sig]} i
  for i in $(seq 100); do grep -q ready "$W/sig.py" && break; sleep 0.05; done
  kill -TERM "$pid"
  fuse_wait "$pid" 20
  fuse_forget "$W/sig"
  kill "$py" 2> /dev/null; wait "$py" 2> /dev/null
  echo "qfs-fuse exited with status $FUSE_STATUS after SIGTERM"
  cat "$W/sig-daemon.log"
  [ "$FUSE_STATUS" = 0 ] || die "status $FUSE_STATUS"
  sanitizer_clean "$W/sig-daemon.log" || die "sanitizer report"
  ! grep -q "$PWD/$W/sig " /proc/mounts || { umount -l "$W/sig"; die "the mount stayed"; }
  "$QFS" fsck "$W/sig.img" || die "fsck"
  "$QFS" ls "$W/sig.img"
  [ "$("$QFS" get "$W/sig.img" kept)" = kept ] || die "kept is not kept"
  ! "$QFS" get "$W/sig.img" open > /dev/null 2>&1 || die "the uncommitted copy was committed"
}

# SIGKILL the daemon mid-write: paused half-way through commit number PAUSE (the test
# waits for the writer's "mid" line), or PAUSE=-1: after COMMITS logged commits plus
# DELAY seconds of streaming writes and commits. The image must mount again with every
# committed version intact and no half-written one, and pass fsck.
kill_round() { # round pause commits delay
  local r=$1 img=$W/kill.img mnt=$W/kill log=$W/kill-$1.commits wpid i
  : > "$log"
  fuse_mount "$img" "$mnt" "$W/kill-daemon.log" || { die "mount (round $r)"; return 1; }
  $HELP kill-write "$mnt" "$log" 150 "r$r" "$2" > "$W/kill-writer-$r.log" 2>&1 &
  wpid=$!
  for i in $(seq 400); do
    if [ "$2" -ge 0 ]; then grep -q '^mid' "$log" && break
    else [ "$(wc -l < "$log")" -ge "$3" ] && break; fi
    sleep 0.025
  done
  sleep "$4"
  fuse_kill "$mnt"
  kill "$wpid" 2> /dev/null; wait "$wpid" 2> /dev/null
  echo "round $r: killed after $(grep -vc '^mid' "$log") commits, $(grep '^mid' "$log" ||
    echo "streaming, +$4 s")"
  [ "$2" -lt 0 ] || grep -q '^mid' "$log" || die "round $r: the writer never paused"
  cat "$log" >> "$W/kill-all.commits"
  fuse_mount "$img" "$mnt" "$W/kill-daemon.log" || { die "remount after the kill (round $r)"; return 1; }
  $HELP kill-check "$mnt" "$W/kill-all.commits" || { fuse_umount "$mnt"; die "round $r"; return 1; }
  fuse_umount "$mnt" || die "unmount (round $r)"
  "$QFS" fsck "$img" || die "fsck (round $r)"
}

t_kill9() {
  "$QFS" mkfs "$W/kill.img" 256M 64 > /dev/null || die "mkfs"
  : > "$W/kill-all.commits"
  local r=1 spec
  for spec in "22 0 0" "26 0 0" "40 0 0" "-1 20 0.03" "-1 35 0.01"; do
    kill_round $r $spec || return 1
    r=$((r + 1))
  done
}

run lock t_lock
run cp_tree t_cp_tree
run sed_versions t_sed_versions
run python_edits t_python_edits
run two_writers t_two_writers
run namespace t_namespace
run rsync_out t_rsync_out
run unmount_fsck t_unmount_fsck
run fsx t_fsx
run enospc t_enospc
run sigterm t_sigterm
run kill9 t_kill9
fuse_cleanup
[ ! -e "$FUSE_STATE/timeout" ] || echo "not ok fuse/timeout (over $FUSE_TIMEOUT s: mounts were killed)" >> "$res"
mv "$res" "$RESULTS/fuse.res"
echo "fuse: $(grep -c '^ok' "$RESULTS/fuse.res") passed, $(grep -c '^not ok' "$RESULTS/fuse.res") failed in $(( $(date +%s) - start )) s"
grep '^not ok' "$RESULTS/fuse.res"
exit 0
