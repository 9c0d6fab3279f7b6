; syscall_entry.asm - the `syscall` instruction lands here (MSR_LSTAR). It switches to the
; thread's kernel stack (per-CPU data behind GS: struct cpu in sched.h, kernel_rsp at 0,
; user_rsp at 8), saves a struct trap_frame like the interrupt stubs do (vector 0x80 marks
; a system call), calls syscall_dispatch(frame), and leaves through isr_return (iretq), so
; a system call, an interrupt and an exception all return to user mode the same way.
bits 64
%include "regs.inc"
section .text
global syscall_entry
extern syscall_dispatch
extern isr_return
syscall_entry:
    swapgs
    mov [gs:8], rsp
    mov rsp, [gs:0]
    push qword 0x1B             ; ss
    push qword [gs:8]           ; user rsp
    push r11                    ; user rflags
    push qword 0x23             ; cs
    push rcx                    ; user rip
    push qword 0                ; error code
    push qword 0x80             ; vector: system call
    PUSH_GPRS
    cld
    xor rbp, rbp
    mov rdi, rsp
    sti
    call syscall_dispatch
    cli
    jmp isr_return

section .note.GNU-stack noalloc noexec nowrite progbits
