; crt0.asm - where every user thread starts. The kernel enters with rdi = the spawn (or
; thread-create) argument, rsi = a struct quire_startinfo on the new stack, rsp = 16n - 8
; as after a call (kernel/proc/abi.h). Returning from an entry point is a fault, so the C
; side never returns: crt_main ends in SYS_EXIT, crt_thread in SYS_THREAD_EXIT.

bits 64
section .text.start progbits alloc exec nowrite align=16

extern crt_main
extern crt_thread
global _start
global crt_thread_entry

; _start - the first thread of a process: crt_main(arg, info) -> main -> SYS_EXIT.
_start:
	xor	ebp, ebp		; end of the frame-pointer chain for backtraces
	push	rbp			; a zero "return address": rsp is now 16-byte aligned
	call	crt_main
	ud2				; crt_main does not return

; crt_thread_entry - a thread made by thread_create: crt_thread(arg, info).
crt_thread_entry:
	xor	ebp, ebp
	push	rbp
	call	crt_thread
	ud2

section .note.GNU-stack noalloc noexec nowrite progbits
