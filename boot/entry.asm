; entry.asm - Multiboot2 header and the 32-bit entry: check the CPU, build the boot page
; tables, switch to long mode and jump to the higher-half C kernel (kmain).
; Everything here is linked at its physical address (the .boot sections at 1 MiB) because
; 32-bit code cannot reach higher-half symbols; see boot/linker.ld and specs/address-space.md.
;
; Boot page tables (replaced by the kernel's own in kernel/arch/x86_64/pmap.c):
;   PML4[0]   -> pdpt_low[0]  -> pd: 0..1 GiB identity, 2 MiB pages (needed for the switch)
;   PML4[256] -> pdpt_low     :    0xFFFF800000000000 + 0..1 GiB (direct map, early)
;   PML4[511] -> pdpt_high[510] -> pd: 0xFFFFFFFF80000000 + 0..1 GiB (kernel image)

MB2_MAGIC    equ 0xE85250D6
MB2_ARCH_I386 equ 0
KERNEL_VMA   equ 0xFFFFFFFF80000000
COM1         equ 0x3F8

section .multiboot
align 8
mb2_header:
    dd MB2_MAGIC
    dd MB2_ARCH_I386
    dd mb2_header_end - mb2_header
    dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
    ; end tag
    dw 0, 0
    dd 8
mb2_header_end:

section .boot.text progbits alloc exec nowrite
bits 32
global _start
extern kmain_entry64
_start:
    cli
    cld
    mov esp, boot_stack_top
    mov edi, eax                ; multiboot2 magic
    mov esi, ebx                ; multiboot2 info (physical)

    ; CPUID must report long mode (0x80000001 EDX bit 29)
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000001
    jb no_long_mode
    mov eax, 0x80000001
    cpuid
    test edx, 1 << 29
    jz no_long_mode
    mov ebp, edx                ; keep ext features: bit 20 = NX

    ; zero the boot page tables
    push edi
    mov edi, boot_pml4
    mov ecx, (4096 * 4) / 4
    xor eax, eax
    rep stosd
    pop edi

    mov eax, boot_pdpt_low
    or eax, 3
    mov [boot_pml4], eax
    mov [boot_pml4 + 256 * 8], eax
    mov eax, boot_pdpt_high
    or eax, 3
    mov [boot_pml4 + 511 * 8], eax
    mov eax, boot_pd
    or eax, 3
    mov [boot_pdpt_low], eax
    mov [boot_pdpt_high + 510 * 8], eax
    ; 512 x 2 MiB pages: present, writable, PS
    xor ecx, ecx
.fill_pd:
    mov eax, ecx
    shl eax, 21
    or eax, 0x83
    mov [boot_pd + ecx * 8], eax
    inc ecx
    cmp ecx, 512
    jb .fill_pd

    mov eax, cr4
    or eax, 1 << 5              ; PAE
    mov cr4, eax
    mov eax, boot_pml4
    mov cr3, eax
    mov ecx, 0xC0000080         ; EFER
    rdmsr
    or eax, 1 << 8              ; LME
    test ebp, 1 << 20
    jz .no_nx
    or eax, 1 << 11             ; NXE
.no_nx:
    wrmsr
    mov eax, cr0
    or eax, (1 << 31) | (1 << 16) | 1   ; PG, WP, PE
    mov cr0, eax
    lgdt [boot_gdt_ptr]
    jmp 0x08:long_mode_entry

no_long_mode:
    mov esi, msg_no_lm
.putc:
    lodsb
    test al, al
    jz .halt
    mov dx, COM1
    out dx, al
    jmp .putc
.halt:
    hlt
    jmp .halt

bits 64
long_mode_entry:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor ax, ax
    mov fs, ax
    mov gs, ax
    mov rax, kmain_entry64      ; 64-bit immediate: the higher-half C side
    jmp rax

section .boot.data progbits alloc noexec write
align 8
boot_gdt:
    dq 0
    dq 0x00AF9A000000FFFF       ; 0x08: 64-bit code
    dq 0x00CF92000000FFFF       ; 0x10: data
boot_gdt_end:
boot_gdt_ptr:
    dw boot_gdt_end - boot_gdt - 1
    dd boot_gdt
msg_no_lm:
    db "quire: this CPU has no long mode (x86_64); halting", 13, 10, 0

section .boot.bss nobits alloc noexec write
align 4096
global boot_pml4
boot_pml4:      resb 4096
boot_pdpt_low:  resb 4096
boot_pdpt_high: resb 4096
boot_pd:        resb 4096
boot_stack:     resb 4096
boot_stack_top:

section .note.GNU-stack noalloc noexec nowrite progbits
