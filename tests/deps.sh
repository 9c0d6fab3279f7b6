#!/usr/bin/env bash
# deps.sh - install the Debian packages Quire's build, run and tests need, when missing.
# Idempotent: a machine that has them all is left alone (no apt-get at all).
# Called by `make run`, `make test` and every target that needs an emulator or tool.
set -euo pipefail

PKGS=(
  make gcc libc6-dev binutils nasm            # kernel build
  grub-pc-bin grub-common xorriso mtools      # bootable ISO (grub-mkrescue)
  qemu-system-x86                             # QEMU (TCG)
  bochs bochsbios vgabios                     # Bochs; its rfb display needs no window
  clang lld libclang-rt-14-dev                # libFuzzer, sanitizer runtimes
  libcmocka-dev pkg-config                    # host unit tests
  python3                                     # test runners (tests/lib, tests/scenarios)
  bear gdb                                    # compile_commands.json, debugging
  valgrind                                    # the page-trace recorder (tests/pum)
  sqlite3 git xz-utils                        # programs traced for tests/pum (database, VCS, compressor)
  gnuplot-nox                                 # make plot: pictures of memory and policies
  libfuse3-dev fuse3                          # qfs-fuse: build it, mount (fusermount3)
  rsync attr                                  # fuse tests: rsync a tree out, setfattr/getfattr
  fusefat dosfstools                          # fuse bench: a FAT image through FUSE (mkfs.fat)
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt/dpkg run (a parallel build) instead of failing on its lock.
APT=(apt-get -o DPkg::Lock::Timeout=600)
$SUDO "${APT[@]}" update -qq >&2
$SUDO "${APT[@]}" install -y -qq --no-install-recommends "${missing[@]}" >&2
