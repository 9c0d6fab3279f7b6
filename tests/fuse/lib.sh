# lib.sh - shell helpers for the qfs-fuse tests and benchmark (sourced): start a mount
# and wait for it, unmount it and collect the daemon's exit status, a cleanup that
# unmounts and stops everything this shell started (for an EXIT trap, so it runs even
# when a test fails half-way), and a watchdog for hung mounts. Needs QFUSE (the qfs-fuse
# binary) and FUSE_STATE (a scratch directory) set by the caller.

declare -A FUSE_PID=()   # mountpoint -> pid of its qfs-fuse (started here, -f)

# fuse_mount IMAGE MNT LOG - mount in the foreground (background job); 0 once mounted.
fuse_mount() {
  local img=$1 mnt=$2 log=$3 i
  mkdir -p "$mnt"
  "$QFUSE" -f "$img" "$mnt" >> "$log" 2>&1 &
  FUSE_PID[$mnt]=$!
  mkdir -p "$FUSE_STATE" && echo "$mnt" > "$FUSE_STATE/pid.$!"
  for i in $(seq 200); do
    mountpoint -q "$mnt" && return 0
    kill -0 "${FUSE_PID[$mnt]}" 2> /dev/null || { fuse_forget "$mnt"; return 1; }
    sleep 0.05
  done
  echo "fuse_mount: $mnt not mounted after 10 s" >> "$log"
  return 1
}

# fuse_forget MNT - the daemon of MNT has been reaped (or is about to be): drop its pid.
fuse_forget() {
  wait "${FUSE_PID[$1]}" 2> /dev/null
  rm -f "$FUSE_STATE/pid.${FUSE_PID[$1]}"
  unset "FUSE_PID[$1]"
}

# fuse_wait PID SECONDS - wait for a daemon (a child of this shell) to exit; its status
# in FUSE_STATUS (124: still running). Not in $(...): a subshell cannot wait for it.
fuse_wait() {
  local pid=$1 n=$(( $2 * 20 ))
  while [ "$n" -gt 0 ] && kill -0 "$pid" 2> /dev/null; do sleep 0.05; n=$((n - 1)); done
  if kill -0 "$pid" 2> /dev/null; then FUSE_STATUS=124; return; fi
  wait "$pid" 2> /dev/null
  FUSE_STATUS=$?
}

# fuse_umount MNT - unmount; 0 when the daemon then exited with status 0.
fuse_umount() {
  local mnt=$1 pid=${FUSE_PID[$1]:-}
  fusermount3 -u "$mnt" 2> /dev/null || umount -l "$mnt" 2> /dev/null
  [ -n "$pid" ] || return 1
  fuse_wait "$pid" 20
  if [ "$FUSE_STATUS" = 124 ]; then kill -KILL "$pid" 2> /dev/null; fi
  fuse_forget "$mnt"
  echo "qfs-fuse on $mnt exited with status $FUSE_STATUS"
  [ "$FUSE_STATUS" = 0 ]
}

# fuse_kill MNT - SIGKILL the daemon and detach the dead mount.
fuse_kill() {
  local mnt=$1 pid=${FUSE_PID[$1]:-}
  [ -n "$pid" ] && kill -KILL "$pid" 2> /dev/null && fuse_forget "$mnt"
  fusermount3 -u "$mnt" 2> /dev/null || umount -l "$mnt" 2> /dev/null
  return 0
}

# fuse_cleanup - the EXIT trap: every mount this shell made goes, whatever happened.
fuse_cleanup() {
  local mnt
  for mnt in "${!FUSE_PID[@]}"; do
    fusermount3 -u -z "$mnt" 2> /dev/null || umount -l "$mnt" 2> /dev/null
    kill -TERM "${FUSE_PID[$mnt]}" 2> /dev/null
    sleep 0.2
    kill -KILL "${FUSE_PID[$mnt]}" 2> /dev/null
    fuse_forget "$mnt"
  done
}

# fuse_watchdog SECONDS - in the background: once time runs out, and every second after
# until this shell exits, SIGKILL every daemon started here (pids from $FUSE_STATE) and
# detach its mount, so that a client hung on a dead mount gets ENOTCONN and the run ends
# ($FUSE_STATE/timeout is the evidence).
fuse_watchdog() {
  local end=$((SECONDS + $1))
  (
    while kill -0 $$ 2> /dev/null; do
      sleep 1
      [ $SECONDS -ge $end ] || continue
      : > "$FUSE_STATE/timeout"
      for f in "$FUSE_STATE"/pid.*; do
        [ -e "$f" ] || continue
        kill -KILL "${f##*.}" 2> /dev/null
        umount -l "$(cat "$f")" 2> /dev/null
      done
    done
  ) > /dev/null 2>&1 &
  FUSE_WATCHDOG=$!
}
