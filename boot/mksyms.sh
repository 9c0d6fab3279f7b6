#!/usr/bin/env bash
# mksyms.sh - turn the function symbols of a linked kernel into the .ksyms table
# (format in kernel/lib/ksyms.h), as GNU assembler source on stdout.
# usage: mksyms.sh kernel.elf
set -euo pipefail
nm -n -S --defined-only "$1" | awk '
  BEGIN { n = 0 }
  NF == 4 && ($3 == "T" || $3 == "t") { addr[n] = $1; size[n] = $2; name[n] = $4; n++ }
  NF == 3 && ($2 == "T" || $2 == "t") { addr[n] = $1; size[n] = "0"; name[n] = $3; n++ }
  END {
    print "\t.section .ksyms, \"a\""
    print "\t.balign 8"
    print "\t.long 0x4D59534B"
    printf "\t.long %d\n", n
    off = 0
    for (i = 0; i < n; i++) {
      printf "\t.quad 0x%s\n\t.long 0x%s\n\t.long %d\n", addr[i], size[i], off
      off += length(name[i]) + 1
    }
    for (i = 0; i < n; i++) printf "\t.asciz \"%s\"\n", name[i]
    print "\t.section .note.GNU-stack, \"\", @progbits"
  }'
