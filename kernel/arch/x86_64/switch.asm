; switch.asm - the context switch and the first entry of a thread.
; switch_context saves the callee-saved registers on the old thread's kernel stack, stores
; its rsp, loads the new thread's rsp and returns into the new thread (sched.c).
bits 64
section .text
global switch_context
global thread_trampoline
global enter_user
switch_context:                 ; void switch_context(uint64_t *old_rsp, uint64_t new_rsp)
    pushfq                      ; rflags: each thread keeps its own AC (SMAP) and IF
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15
    mov [rdi], rsp
    mov rsp, rsi
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    popfq
    ret

; A new thread's stack holds: six zero registers, its rflags (0x2: interrupts off, AC clear),
; then thread_trampoline, then the start function. The trampoline calls the start function
; with interrupts enabled.
extern sched_thread_started
thread_trampoline:
    call sched_thread_started
    pop rax
    xor rbp, rbp
    sti
    call rax
.hang:
    cli
    hlt
    jmp .hang

; void enter_user(uint64_t rip, uint64_t rsp, uint64_t rdi, uint64_t rsi)
; First entry into user mode: iretq to ring 3 with interrupts on and clean registers.
enter_user:
    cli
    push qword 0x1B             ; ss: user data | RPL 3
    push rsi                    ; rsp
    push qword 0x202            ; rflags: IF
    push qword 0x23             ; cs: user code | RPL 3
    push rdi                    ; rip
    mov rdi, rdx
    mov rsi, rcx
    xor eax, eax
    xor ebx, ebx
    xor ecx, ecx
    xor edx, edx
    xor ebp, ebp
    xor r8, r8
    xor r9, r9
    xor r10, r10
    xor r11, r11
    xor r12, r12
    xor r13, r13
    xor r14, r14
    xor r15, r15
    swapgs
    iretq

section .note.GNU-stack noalloc noexec nowrite progbits
