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

; vectors that push an error code: 8, 10-14, 17, 21, 29, 30
%assign v 0
%rep 256
  %if v = 8 || (v >= 10 && v <= 14) || v = 17 || v = 21 || v = 29 || v = 30
    ISR_ERR v
  %else
    ISR_NOERR v
  %endif
  %assign v v + 1
%endrep

isr_common:
    ; from user mode (CS RPL 3 at [rsp+24]): switch to the kernel GS base
    test qword [rsp + 24], 3
    jz .kernel_entry
    swapgs
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
    jz .kernel_exit
    swapgs
.kernel_exit:
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
