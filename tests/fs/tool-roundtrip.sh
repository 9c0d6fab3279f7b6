#!/usr/bin/env bash
# tool-roundtrip.sh - the qfs tool end to end on a real image file; prints TAP.
# Env: QFS (the tool), WORK (a scratch directory, recreated).
set -u
: "${QFS:=build/tools/qfs}" "${WORK:=build/fs/tool-test}"
QFS=$(realpath "$QFS")
rm -rf "$WORK"; mkdir -p "$WORK"; cd "$WORK" || exit 1
export SOURCE_DATE_EPOCH=1700000000
n=0; plan=13
echo "1..$plan"
t() { # name command...
  local name=$1; shift
  n=$((n + 1))
  if "$@" > "step-$n.log" 2>&1; then echo "ok $n - $name"; else echo "not ok $n - $name"; sed 's/^/# /' "step-$n.log"; fi
}
head -c 200000 /dev/zero | tr '\0' 'a' > v1
cp v1 v2; printf 'CHANGED' | dd of=v2 bs=1 seek=70000 conv=notrunc 2>/dev/null
printf 'line one\nline two\n' > t1; printf 'line one\nline 2\nline three\n' > t2

t mkfs "$QFS" mkfs img 16M
t put_versions sh -c "'$QFS' put img v1 docs_big && '$QFS' put img v2 docs_big && '$QFS' put img t1 notes && '$QFS' put img t2 notes"
t get_every_version sh -c "'$QFS' get img 'docs_big;1' o1 && cmp o1 v1 && '$QFS' get img 'docs_big;2' o2 && cmp o2 v2 && '$QFS' get img 'notes;-1' o3 && cmp o3 t1 && '$QFS' get img notes o4 && cmp o4 t2"
t ls_shows_versions sh -c "'$QFS' ls img | grep -q 'docs_big;2' && '$QFS' ls img | grep -q 'notes;1'"
t versions_share_blocks sh -c "used=\$('$QFS' df img | awk '/^used/ {print \$2}'); [ \"\$used\" -lt 70 ]"
t log_lists_history sh -c "'$QFS' log img docs_big | grep -q 'version 1'"
t diff_shows_change sh -c "'$QFS' diff img 'notes;1' 'notes;2' | grep -q '^+line 2'"
t mkdir_and_nested_put sh -c "'$QFS' mkdir img d && '$QFS' put img t1 d/x && '$QFS' get img d/x - | cmp - t1"
t purge_and_rm sh -c "'$QFS' purge img docs_big 1 | grep -q 'purged 1' && '$QFS' rm img 'notes;1' && '$QFS' rm img d/x && ! '$QFS' get img 'notes;1' o5"
t fsck_clean sh -c "'$QFS' fsck img"
t fsck_reports_corruption sh -c "cp img bad && printf 'XXXX' | dd of=bad bs=1 seek=\$((4096*30+100)) conv=notrunc 2>/dev/null; '$QFS' fsck bad; [ \$? -ne 0 ]"
t truncated_image_refused sh -c "head -c 100000 img > short; '$QFS' ls short; [ \$? -eq 2 ]"
t garbage_image_refused sh -c "head -c 1000000 /dev/urandom > junk; '$QFS' fsck junk; [ \$? -eq 2 ]"
[ $n -eq $plan ] || echo "# plan mismatch"
