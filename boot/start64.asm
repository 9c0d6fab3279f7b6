; start64.asm - first higher-half code: set the kernel stack and call kmain(magic, mbi_pa).
; Reached from boot/entry.asm with rdi = Multiboot2 magic, rsi = physical info address.
bits 64
section .text
global kmain_entry64
extern kmain
kmain_entry64:
    mov rsp, kstack_boot_top
    xor rbp, rbp                ; ends the backtrace chain
    call kmain
.hang:
    cli
    hlt
    jmp .hang

section .note.GNU-stack noalloc noexec nowrite progbits

section .bss
align 16
global kstack_boot
kstack_boot:
    resb 16384
global kstack_boot_top
kstack_boot_top:
