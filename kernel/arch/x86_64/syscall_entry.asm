; syscall_entry.asm - the `syscall` instruction lands here (MSR_LSTAR). Per-CPU data is
; behind GS (struct cpu in percpu.h: kernel_rsp at 0, user_rsp at 8, ret_work at 32).
;
; Fast path (every call whose return address is canonical): switch to the thread's kernel
; stack, save the user rsp, rflags, rip and the six argument registers (the ABI preserves
; them), call syscall_dispatch_regs(a0, a1, a2, a3, a4, nr, a5) with interrupts on (the
; arguments still in their registers, a3 moved from r10 to rcx, nr in r9; a5, the user's
; r9 that SYS_MAP's sixth argument is in, is the seventh: it is the word pushed last, where
; the callee finds its first stack argument), and return with sysretq. It never builds a trap frame: no call needs one.
; Slow exit (cpu->ret_work set: the timer asked for a switch, or the thread's process is
; dying): the saved registers become a struct trap_frame (trap.h), syscall_exit_work() runs
; the checks, and the call leaves through isr_return (iretq) like an interrupt.
; Full path (a return address with bit 47 set: a `syscall` at the very top of user space,
; where sysretq would fault in kernel mode): the trap frame from the start, syscall_dispatch,
; isr_return.
bits 64
%include "regs.inc"
section .text
global syscall_entry
extern syscall_dispatch
extern syscall_dispatch_regs
extern syscall_exit_work
extern isr_return

%define CPU_KERNEL_RSP 0
%define CPU_USER_RSP 8
%define CPU_RET_WORK 32          ; checked by _Static_assert in proc/syscall.c
%define USER_RFLAGS_KEEP 0x244DD5 ; CF PF AF ZF SF TF DF OF NT AC ID: what user code may set
%define USER_RFLAGS_SET 0x202     ; IF and the always-one bit 1

syscall_entry:
    swapgs
    bt rcx, 47                  ; the return address: user addresses are below 2^47
    jc .full
    mov [gs:CPU_USER_RSP], rsp
    mov rsp, [gs:CPU_KERNEL_RSP]
    push qword [gs:CPU_USER_RSP] ; user rsp
    push r11                    ; user rflags
    push rcx                    ; user rip
    push rdi                    ; the six argument registers, restored on the way out
    push rsi
    push rdx
    push r10
    push r8
    push r9
    mov rcx, r10
    mov r9, rax
    sti
    call syscall_dispatch_regs  ; rax = result
    cli
    cmp byte [gs:CPU_RET_WORK], 0
    jne .slow_exit
    pop r9
    pop r8
    pop r10
    pop rdx
    pop rsi
    pop rdi
    pop rcx
    pop r11
    ; RFLAGS sanitising (isolation): only the flags user code may hold go back
    and r11d, USER_RFLAGS_KEEP
    or r11d, USER_RFLAGS_SET
    pop rsp
    swapgs
    o64 sysret

; .slow_exit - interrupts off, the fast path's nine words on the stack, rax the result
.slow_exit:
    pop r9
    pop r8
    pop r10
    pop rdx
    pop rsi
    pop rdi
    pop rcx                     ; user rip
    pop r11                     ; user rflags
    pop qword [gs:CPU_USER_RSP] ; the stack is empty now: rebuild it as a trap frame
    and r11d, USER_RFLAGS_KEEP  ; RFLAGS sanitising, as on the fast path
    or r11d, USER_RFLAGS_SET
    push qword 0x1B             ; ss
    push qword [gs:CPU_USER_RSP]
    push r11
    push qword 0x23             ; cs
    push rcx
    push qword 0                ; error code
    push qword 0x80             ; vector: system call
    PUSH_GPRS
    mov byte [gs:CPU_RET_WORK], 0
    xor rbp, rbp
    sti
    call syscall_exit_work
    jmp isr_return              ; it turns interrupts off

.full:
    mov [gs:CPU_USER_RSP], rsp
    mov rsp, [gs:CPU_KERNEL_RSP]
    push qword 0x1B             ; ss
    push qword [gs:CPU_USER_RSP] ; user rsp
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
