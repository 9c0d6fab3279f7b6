#!/usr/bin/env bash
# harness_check.sh - prove the kernel test runner fails when it should: boot the kernel
# with a deliberately failing in-kernel test, then with a deliberate page fault in kernel
# code, and check that tests/lib/ktap.py reports each as a failure (and, for the fault,
# that the console shows a backtrace naming the functions involved).
# usage: harness_check.sh "QEMU COMMAND" BUILD_DIR RESULTS_FILE
set -u
qemu=$1; build=$2; res=$3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass() { echo "ok harness/$1" >> "$res"; }
fail() { echo "not ok harness/$1" >> "$res"; echo "harness: FAILED $1: $2"; }

# boot NAME: run the self-check ISO NAME through the runner; results in $tmp/NAME.res,
# its output in $tmp/NAME.out, its log in $build/logs/selfcheck-NAME.log; sets $st.
boot() {
  # shellcheck disable=SC2086
  python3 tests/lib/ktap.py --prefix sc --results "$tmp/$1.res" --log "$build/logs/selfcheck-$1.log" \
    --timeout 120 --qemu-status 33 -- $qemu -cdrom "$build/iso/selfcheck-$1.iso" > "$tmp/$1.out"
  st=$?
}

boot fail
if [ $st -ne 0 ] && grep -qx 'not ok sc/selfcheck_fail' "$tmp/fail.res" \
   && grep -q 'fails on purpose' "$tmp/fail.out"; then
  pass detects-failing-test
else
  fail detects-failing-test "runner status $st; results: $(tr '\n' ' ' < "$tmp/fail.res")"
fi

boot fault
if [ $st -ne 0 ] && grep -qx 'not ok sc/no-panic' "$tmp/fault.res" \
   && grep -qx 'not ok sc/ktap-complete' "$tmp/fault.res"; then
  pass detects-kernel-exception
else
  fail detects-kernel-exception "runner status $st; results: $(tr '\n' ' ' < "$tmp/fault.res")"
fi
log=$build/logs/selfcheck-fault.log
if grep -q 'PANIC: unexpected exception #PF page fault' "$log" \
   && grep -Eq '#0 [0-9a-f]+ selfcheck_fault_here\+0x' "$log" \
   && grep -Eq '#[1-9] [0-9a-f]+ ktest_fn_selfcheck_fault\+0x' "$log" \
   && grep -Eq '#[0-9]+ [0-9a-f]+ ktest_run\+0x' "$log"; then
  pass backtrace-names-functions
else
  fail backtrace-names-functions "no named backtrace in $log"
fi
