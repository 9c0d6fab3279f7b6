; kjmp.asm - setjmp/longjmp for the kernel: a test or a checked copy arms a catch point,
; and the trap handler jumps back to it when an expected fault happens (trap.c).
; struct kjmp_buf { rbx, rbp, r12, r13, r14, r15, rsp, rip }
bits 64
section .text
global kjmp_set
global kjmp_go
kjmp_set:                       ; int kjmp_set(struct kjmp_buf *b)
    mov [rdi + 0], rbx
    mov [rdi + 8], rbp
    mov [rdi + 16], r12
    mov [rdi + 24], r13
    mov [rdi + 32], r14
    mov [rdi + 40], r15
    lea rdx, [rsp + 8]          ; rsp after our return
    mov [rdi + 48], rdx
    mov rdx, [rsp]              ; our return address
    mov [rdi + 56], rdx
    xor eax, eax
    ret
kjmp_go:                        ; void kjmp_go(struct kjmp_buf *b, int val)
    mov rbx, [rdi + 0]
    mov rbp, [rdi + 8]
    mov r12, [rdi + 16]
    mov r13, [rdi + 24]
    mov r14, [rdi + 32]
    mov r15, [rdi + 40]
    mov rsp, [rdi + 48]
    mov eax, esi
    test eax, eax
    jnz .ret
    inc eax
.ret:
    jmp [rdi + 56]

section .note.GNU-stack noalloc noexec nowrite progbits

section .text
global arch_call_on_stack
arch_call_on_stack:             ; void arch_call_on_stack(uint64_t top, void (*fn)(void))
    mov rsp, rdi
    xor rbp, rbp                ; a new stack: the backtrace ends here
    call rsi
.hang:
    cli
    hlt
    jmp .hang
