; isr.asm - interrupt and exception entry stubs. Each stub pushes a zero error code when
; the CPU does not, then the vector, then jumps to a common path that saves the general
; registers as a struct trap_frame (trap.h) and calls trap_dispatch(frame).
bits 64
%include "regs.inc"
section .text
extern trap_dispatch

%macro ISR_NOERR 1
isr_%1:
    push qword 0
    push qword %1
    jmp isr_common
%endmacro
%macro ISR_ERR 1
isr_%1:
    push qword %1
    jmp isr_common
%endmacro

; vectors that push an error code: 8, 10-14, 17, 21, 29, 30; vector 1 (#DB) is below
%assign v 0
%rep 256
  %if v = 1
  %elif v = 8 || (v >= 10 && v <= 14) || v = 17 || v = 21 || v = 29 || v = 30
    ISR_ERR v
  %else
    ISR_NOERR v
  %endif
  %assign v v + 1
%endrep

; #DB runs on its own IST stack (gdt.c): `syscall` with TF set can raise it on the first
; instruction of syscall_entry, still on the user's stack, where pushing a frame would fault
; (SMAP) into a double fault. From user mode the frame is moved to the thread's kernel stack
; (where the CPU would have put it without IST), so the handler may sleep like any other.
isr_1:
    push qword 0
    push qword 1
    test qword [rsp + 24], 3
    jz isr_common
    swapgs
    push rax
    push rdi                    ; [rsp] rdi, +8 rax, +16 vector ... +64 ss
    mov rdi, [gs:0]             ; struct cpu.kernel_rsp: the running thread's stack top
    sub rdi, 56
%assign i 0
%rep 7
    mov rax, [rsp + 16 + i * 8]
    mov [rdi + i * 8], rax
  %assign i i + 1
%endrep
    mov rax, rdi
    pop rdi
    xchg rax, [rsp]             ; rax restored; the slot holds the new stack pointer
    pop rsp
    jmp isr_common.kernel_entry

; Stack at isr_common: [rsp] vector, +8 error, +16 rip, +24 cs, +32 rflags, +40 rsp, +48 ss.
; Two kernel-mode entries find the user's GS base still loaded (specs/isolation.md):
;  - a #DB on the first instruction of syscall_entry: `syscall` with TF set (Bochs raises the
;    single-step trap after the CPL change although the mask clears TF), on the IST stack
;    (isr_1). Nothing to do: return at once and let the entry run (TF is already clear).
;  - any fault on the iretq to user mode: GS was swapped back just before it. Swap to the
;    kernel's so the handler can run (it panics naming it: the return checks in trap.c and
;    syscall.c leave the iretq nothing to fault on).
extern syscall_entry
isr_common:
    ; from user mode (CS RPL 3 at [rsp+24]): switch to the kernel GS base
    test qword [rsp + 24], 3
    jz .from_kernel
    swapgs
    jmp .kernel_entry
.from_kernel:
    push rax
    lea rax, [rel syscall_entry]
    cmp [rsp + 24], rax
    je .syscall_db
    lea rax, [rel isr_iretq]
    cmp [rsp + 24], rax
    pop rax
    jne .kernel_entry
    swapgs                      ; the faulting iretq had the user's GS loaded
    jmp .kernel_entry
.syscall_db:
    pop rax
    cmp qword [rsp], 1          ; only the single-step trap is expected there
    jne .kernel_entry
    add rsp, 16
    iretq
.kernel_entry:
    PUSH_GPRS
    cld
    mov rdi, rsp
    call trap_dispatch
global isr_return
isr_return:
    cli                         ; handlers may have enabled interrupts: none until iretq
    POP_GPRS
    test qword [rsp + 24], 3
    jz isr_kernel_exit
    swapgs
    add rsp, 16
global isr_iretq
isr_iretq:                      ; the one iretq to user mode (isr_common checks for it)
    iretq
isr_kernel_exit:
    add rsp, 16
    iretq

section .rodata
global isr_table
align 8
isr_table:
%assign v 0
%rep 256
    dq isr_%+v
  %assign v v + 1
%endrep

section .note.GNU-stack noalloc noexec nowrite progbits
