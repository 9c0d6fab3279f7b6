#!/usr/bin/env bash
# help.sh - `make help`: every target declared .PHONY in the Makefile and its fragments, one
# line each, from the descriptions below. A target with no description is listed as such,
# so the list cannot silently fall behind the makefiles.
# usage: help.sh MAKEFILE...   (the Makefile passes $(MAKEFILE_LIST))
set -u
declare -A what=(
  [all]="kernel and ISO (the default)"
  [kernel]="build/kernel.elf"
  [iso]="build/quire.iso with every program as a boot module (CMDLINE=... sets the command line)"
  [apps]="the user programs, build/apps/*.elf"
  [disk]="build/disk.img: the file-system disk (root=hdd), every program in bin/, kept between runs"
  [run]="boot the ISO in QEMU with the swap and file disks into the shell sh, console on this terminal (Ctrl-] the kernel monitor, Ctrl-T X quits); QEMU_MEM=32 shows swap"
  [run-bochs]="the same ISO in Bochs, headless; the serial console is shown"
  [debug]="QEMU waiting for GDB on :1234 (then: gdb -x tests/gdbinit)"
  [deps]="install missing Debian packages (tests/deps.sh); every target does this first"
  [test]="every test part, then 'N passed, N failed' (about 11 minutes on 2 cores)"
  [test-host]="host unit tests (cmocka, ASan + UBSan)"
  [test-kernel]="in-kernel tests in QEMU, the harness self-check, the scenarios"
  [test-bochs]="in-kernel tests and the scenarios listed in tests/scenarios.mk in Bochs"
  [test-shell]="the shell driven over the serial line through a pty, the screen checked (about 25 s)"
  [shell-test-run]="part of test-shell: writes build/results/shell.res"
  [soak]="the long campaigns: the system-call storm (1,000,000 calls per seed in QEMU and Bochs, about 2 minutes on 29 Nov 2026) and the file system's corruption campaign and fsx (fs-soak, about 22 minutes)"
  [soak-run]="part of soak: writes build/results/soak.res"
  [fs-soak]="part of soak: the corruption campaign for seeds 1-8 (208,000 images) and long fsx runs (fs-soak.res)"
  [scale]="the swap scenario at 512 MiB and 4 GiB of RAM and 2 GiB of demand pages (4-6 minutes)"
  [test-host-run]="part of test-host: writes build/results/host.res"
  [host-tests-build]="build the host unit tests only"
  [host-harness-check]="the host harness must report a failing test and a crash"
  [test-kernel-run]="part of test-kernel: writes build/results/kernel.res"
  [test-harness-run]="part of test-kernel: the KTAP runner's self-check (harness.res)"
  [test-bochs-run]="part of test-bochs: writes build/results/bochs.res"
  [scenario-run]="the user-program scenarios in QEMU (scenario.res)"
  [bochs-scenario-run]="the isolation, swap_small, files, vmap_small, messages and robustness scenarios in Bochs"
  [fuzz-run]="libFuzzer on the ELF parser, 20 s (fuzz.res)"
  [fs-test]="the versioned file system's tests (fs.res)"
  [fs-bench]="the file system's figures (host)"
  [fs-tools]="host tools: build/tools/qfs"
  [fs-clean]="remove the file system's build outputs"
  [fuse-tools]="build/tools/qfs-fuse: mount a qfs image on the host (versions as name;N)"
  [fuse-test]="the FUSE mount's tests: cp, sed -i, two writers, fsx, SIGKILL, ENOSPC (fuse.res)"
  [fuse-bench]="MiB/s through the FUSE mount beside tmpfs and a FAT image"
  [pum-test]="page-usage policy tests under ASan+UBSan (pum.res)"
  [pum-bench]="the page-usage policy table over recorded traces"
  [pum-traces]="record the page-usage traces once (build/pum/traces)"
  [bench]="every benchmark, then Quire's figures beside Linux's (tests/bench/README.md)"
  [bench-run]="Quire's kernel, user, swap and host benchmarks only"
  [bench-files]="make bench part: file and mapping figures (apps/fbench.c on a fresh disk, -icount)"
  [bench-pum]="make bench part: the kernel's page-usage policies on one workload (apps/pumload.c, pum=each)"
  [bench-linux]="Debian's Linux in the same QEMU, same figures, saved for make bench (minutes)"
  [bench-smoke-run]="make test's part 'bench': every benchmark once, reduced (bench.res)"
  [plot]="pictures of memory under pressure and of the policy table (build/plot/*.png)"
  [plot-test]="make test's part 'plot': the plot scripts on made-up inputs (plot.res)"
  [tools]="host tools: build/tools/qfs and build/tools/qfs-fuse"
  [compile_commands.json]="compile_commands.json for clangd, via bear"
  [clean]="remove build/"
  [help]="this list"
)
targets=$(sed -e ':a' -e '/\\$/{N;s/\\\n//;ba' -e '}' "$@" 2>/dev/null |
  sed -n 's/^\.PHONY:\(.*\)/\1/p' | tr ' \t' '\n\n' | grep -v '^$' | awk '!seen[$0]++')
echo "make TARGET   (variables: V=1 full commands, QEMU_MEM=MiB, QEMU_CPU=model, CMDLINE=\"...\")"
for t in $targets; do
  printf "  %-22s %s\n" "$t" "${what[$t]:-(no description yet: add one to tests/lib/help.sh)}"
done
