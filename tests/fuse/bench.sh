#!/usr/bin/env bash
# bench.sh - `make fuse-bench`: MiB/s of one 64 MiB file written (dd bs=1M, including
# the close, which for qfs is the commit with its two fdatasyncs) and read back (after a
# remount, so no FUSE cache helps) through qfs-fuse, a tmpfs path, and a FAT image
# mounted with Debian's fusefat (-o rw+), in one run; each the median of
# FUSE_BENCH_RUNS (3) rounds. Prints `name value unit` lines.
# The images live in a directory made in FUSE_BENCH_DIR (default /dev/shm, so that the disk
# under build/ does not decide the figures; set it to a disk path to include the disk).
set -u
: "${BUILD:=build}"
QFS=$BUILD/tools/qfs
QFUSE=$BUILD/tools/qfs-fuse
SIZE_MIB=64
RUNS=${FUSE_BENCH_RUNS:-3}
B=${FUSE_BENCH_DIR:-/dev/shm}/quire-fuse-bench.$$   # removed at the end
TMPFS=/dev/shm/quire-fuse-bench-tmpfs.$$
FUSE_STATE=$B/state
source tests/fuse/lib.sh

declare -A FAT_PID=()
cleanup() {
  fuse_cleanup
  local m
  for m in "${!FAT_PID[@]}"; do
    fusermount3 -u -z "$m" 2> /dev/null; kill -KILL "${FAT_PID[$m]}" 2> /dev/null
  done
  rm -rf "$B" "$TMPFS"
}
trap cleanup EXIT
fail() { echo "fuse-bench: $*" >&2; exit 1; }

for t in "$QFS" "$QFUSE"; do [ -x "$t" ] || fail "$t not built"; done
command -v fusefat > /dev/null || fail "fusefat missing (tests/deps.sh installs it)"
rm -rf "$B" && mkdir -p "$B" "$TMPFS" || fail "cannot make $B and $TMPFS"
[ "$(stat -f -c %T "$TMPFS")" = tmpfs ] || fail "/dev/shm is not a tmpfs"
head -c $((SIZE_MIB << 20)) /dev/urandom > "$B/src" || fail "source file"

now() { date +%s.%N; }
# median NAME SECONDS... - print the rate of SIZE_MIB MiB in the median time
median() { local n=$1; shift; printf '%s\n' "$@" | sort -g | awk -v n="$n" -v s="$SIZE_MIB" \
  '{ t[NR] = $1 } END { printf "%s %.1f MiB/s\n", n, s / t[int((NR + 1) / 2)] }'; }

# measure NAME DIR REMOUNT-FUNCTION - RUNS times: write DIR/file, REMOUNT, read it back,
# compare, remove; prints the median write and read rates.
measure() {
  local name=$1 dir=$2 t0 t1 w=() r=() i
  for i in $(seq "$RUNS"); do
    t0=$(now); dd if="$B/src" of="$dir/file" bs=1M status=none || fail "$name: write"; t1=$(now)
    w+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")
    "$3" || fail "$name: remount"
    t0=$(now); dd if="$dir/file" of=/dev/null bs=1M status=none || fail "$name: read"; t1=$(now)
    r+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")
    cmp -s "$B/src" "$dir/file" || fail "$name: the file read back differs"
    rm "$dir/file" || fail "$name: rm"
  done
  median "${name}_write_${SIZE_MIB}MiB" "${w[@]}"
  median "${name}_read_${SIZE_MIB}MiB" "${r[@]}"
}

remount_qfs() {
  fuse_umount "$B/qfs" > /dev/null && fuse_mount "$B/qfs.img" "$B/qfs" "$B/qfs.log"
}
"$QFS" mkfs "$B/qfs.img" 256M > /dev/null || fail "qfs mkfs"
fuse_mount "$B/qfs.img" "$B/qfs" "$B/qfs.log" || fail "qfs-fuse mount"
measure qfs_fuse "$B/qfs" remount_qfs

measure tmpfs "$TMPFS" true

fat_mount() {
  mkdir -p "$B/fat"
  fusefat -f -o rw+ "$B/fat.img" "$B/fat" > "$B/fat.log" 2>&1 &
  FAT_PID[$B/fat]=$!
  local i
  for i in $(seq 200); do mountpoint -q "$B/fat" && return 0; sleep 0.05; done
  return 1
}
fat_umount() {
  fusermount3 -u "$B/fat" && wait "${FAT_PID[$B/fat]}"
  unset "FAT_PID[$B/fat]"
}
remount_fat() { fat_umount && fat_mount; }
truncate -s 256M "$B/fat.img" && mkfs.fat "$B/fat.img" > /dev/null || fail "mkfs.fat"
fat_mount || fail "fusefat mount"
measure fusefat "$B/fat" remount_fat
fat_umount || fail "fusefat unmount"
fuse_umount "$B/qfs" > /dev/null || fail "qfs-fuse did not exit 0"
