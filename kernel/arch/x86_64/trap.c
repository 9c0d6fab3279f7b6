/*
 * trap.c - the IDT and trap_dispatch: IRQs go to registered handlers, exceptions from
 * user mode go to the process layer (the process dies, not the kernel), an exception in
 * kernel mode either resumes at an armed catch point or panics with registers and a
 * symbolised backtrace.
 */
#include "trap.h"

#include "backtrace.h"
#include "console.h"
#include "cpu.h"
#include "gdt.h"
#include "layout.h"
#include "panic.h"
#include "percpu.h"
#include "pic.h"
#include "power.h"

struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate is 16 bytes");

extern const uint64_t isr_table[256];
static struct idt_gate idt[256] __attribute__((aligned(16)));
static irq_handler_fn irq_handlers[16];
static void (*user_fault_handler)(struct trap_frame *tf);

static int (*kernel_pf_hook)(struct trap_frame *tf);
static void (*return_to_user_hook)(void);

void trap_set_kernel_pf_hook(int (*fn)(struct trap_frame *tf))
{
	kernel_pf_hook = fn;
}

void trap_set_return_to_user_hook(void (*fn)(void))
{
	return_to_user_hook = fn;
}

static const char *const vec_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow", "#BR bound range",
	"#UD invalid opcode", "#NM no FPU", "#DF double fault", "coprocessor overrun",
	"#TS invalid TSS", "#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved 15", "#MF x87 error", "#AC alignment check", "#MC machine check",
	"#XM SIMD error", "#VE virtualisation", "#CP control protection",
};

const char *trap_vector_name(uint64_t vector)
{
	if (vector < 32)
		return vec_names[vector] ? vec_names[vector] : "reserved";
	return vector < 48 ? "IRQ" : "interrupt";
}

static void set_gate(int vec, uint64_t handler, int ist, int dpl)
{
	struct idt_gate *g = &idt[vec];
	g->off_lo = handler & 0xFFFF;
	g->off_mid = (handler >> 16) & 0xFFFF;
	g->off_hi = (uint32_t)(handler >> 32);
	g->sel = SEL_KCODE;
	g->ist = (uint8_t)ist;
	g->type = (uint8_t)(0x8E | (dpl << 5)); /* present, interrupt gate */
	g->zero = 0;
}

void trap_init(void)
{
	for (int v = 0; v < 256; v++)
		set_gate(v, isr_table[v], 0, 0);
	set_gate(VEC_DF, isr_table[VEC_DF], IST_DOUBLE_FAULT, 0);
	set_gate(VEC_NMI, isr_table[VEC_NMI], IST_NMI, 0);
	set_gate(VEC_MC, isr_table[VEC_MC], IST_MACHINE_CHECK, 0);
	set_gate(VEC_DB, isr_table[VEC_DB], IST_DEBUG, 0);
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) p = { sizeof idt - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" : : "m"(p));
}

void irq_register(int irq, irq_handler_fn fn)
{
	if (irq >= 0 && irq < 16) {
		irq_handlers[irq] = fn;
		pic_unmask(irq);
	}
}

void trap_set_user_fault_handler(void (*fn)(struct trap_frame *tf))
{
	user_fault_handler = fn;
}

int ktrap_call_catching(void (*fn)(void *), void *arg, struct ktrap_catch *c)
{
	struct pcb *pcb = pcb_current();
	struct ktrap_catch *outer = pcb->onfault;
	uint64_t flags = cpu_irq_save();
	cpu_irq_restore(flags);
	c->spin_depth = this_cpu()->spin_depth;
	if (kjmp_set(&c->jmp)) {
		/* we left the trap handler without iretq: interrupts are still off */
		pcb_current()->onfault = outer;
		cpu_irq_restore(flags);
		return (int)c->vector + 1;
	}
	pcb->onfault = c; /* this thread's: another thread's fault or copy cannot see it */
	fn(arg);
	pcb->onfault = outer;
	return 0;
}

void trap_dump(const struct trap_frame *tf)
{
	kprintf("  vector %lu (%s) error 0x%lx cr2 0x%016lx\n", tf->vector, trap_vector_name(tf->vector),
		tf->error, cpu_read_cr2());
	kprintf("  rip %016lx cs %04lx rflags %08lx rsp %016lx ss %04lx\n", tf->rip, tf->cs, tf->rflags,
		tf->rsp, tf->ss);
	kprintf("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", tf->rax, tf->rbx, tf->rcx, tf->rdx);
	kprintf("  rsi %016lx rdi %016lx rbp %016lx r8  %016lx\n", tf->rsi, tf->rdi, tf->rbp, tf->r8);
	kprintf("  r9  %016lx r10 %016lx r11 %016lx r12 %016lx\n", tf->r9, tf->r10, tf->r11, tf->r12);
	kprintf("  r13 %016lx r14 %016lx r15 %016lx cr3 %016lx\n", tf->r13, tf->r14, tf->r15, cpu_read_cr3());
}

static void irq_dispatch(struct trap_frame *tf)
{
	int irq = (int)(tf->vector - VEC_IRQ0);
	if (pic_is_spurious(irq))
		return;
	if (irq_handlers[irq])
		irq_handlers[irq](tf);
	pic_eoi(irq);
}

void trap_panic(struct trap_frame *tf)
{
	panic_begin();
	kprintf("\nPANIC: unexpected exception %s in kernel mode at %016lx\n", trap_vector_name(tf->vector),
		tf->rip);
	trap_dump(tf);
	backtrace_print_trap(tf->rip, tf->rsp, tf->rbp);
	machine_exit(EXIT_PANIC);
}

extern const char isr_iretq[];

/* bad_iretq - the iretq to user mode faulted (isr.asm has put the kernel's GS back). It was
 * returning to the user frame at tf->rsp: make @tf that frame and let the process layer
 * kill the process, as if the fault had come from user mode. Never expected: the return
 * checks leave iretq nothing to fault on. */
static void bad_iretq(struct trap_frame *tf)
{
	const uint64_t *uf = (const uint64_t *)tf->rsp;
	kprintf("trap: %s on the return to user mode (rip %016lx)\n", trap_vector_name(tf->vector), uf[0]);
	tf->rip = uf[0];
	tf->cs = uf[1];
	tf->rflags = uf[2];
	tf->rsp = uf[3];
	tf->ss = uf[4];
	if (tf->vector == VEC_PF)
		tf->vector = VEC_GP; /* not a page to bring in: the process goes */
	user_fault_handler(tf);
}

static void kernel_exception(struct trap_frame *tf)
{
	struct pcb *pcb = pcb_current();
	if (tf->rip == (uint64_t)isr_iretq && user_fault_handler && tf->vector != VEC_NMI &&
	    tf->vector != VEC_MC && tf->vector != VEC_DF) {
		bad_iretq(tf);
		trap_panic(tf); /* the process layer did not end the process */
	}
	if (tf->vector == VEC_PF && kernel_pf_hook && kernel_pf_hook(tf))
		return;
	if (pcb && pcb->onfault && tf->vector != VEC_DF && tf->vector != VEC_NMI && tf->vector != VEC_MC) {
		struct ktrap_catch *c = pcb->onfault;
		pcb->onfault = 0;
		c->vector = tf->vector;
		c->error = tf->error;
		c->cr2 = cpu_read_cr2();
		c->rip = tf->rip;
		this_cpu()->spin_depth = c->spin_depth; /* a lock taken inside the caught code is abandoned */
		kjmp_go(&c->jmp, (int)tf->vector + 1);
	}
	if ((tf->vector == VEC_PF || tf->vector == VEC_DF) && layout_is_kstack_guard(cpu_read_cr2()))
		panic("kernel stack overflow: %s touched the guard page at %016lx (rip %016lx)",
		      trap_vector_name(tf->vector), cpu_read_cr2(), tf->rip);
	trap_panic(tf);
}

static bool smap_on; /* CR4.SMAP is set: clac exists and matters */

void trap_set_smap(bool on)
{
	smap_on = on;
}

int trap_user_frame_check(struct trap_frame *tf)
{
	tf->rflags = (tf->rflags & RFLAGS_USER_KEEP) | RFLAGS_IF | RFLAGS_FIXED1;
	tf->cs = SEL_UCODE;
	tf->ss = SEL_UDATA;
	return tf->rip < USER_SPACE_END ? 0 : -1;
}

/* user_return - the last step before an interrupt or exception returns to user mode. A
 * non-canonical return address (an interrupt right after an instruction that ends at the
 * top of user space) would fault on the iretq: it is a #GP of the process instead. */
static void user_return(struct trap_frame *tf)
{
	if (trap_user_frame_check(tf) == 0 || !user_fault_handler)
		return;
	tf->vector = VEC_GP;
	tf->error = 0;
	user_fault_handler(tf);
	trap_panic(tf); /* the process layer did not end the process */
}

void trap_dispatch(struct trap_frame *tf)
{
	/* AC off: the trapped code (user mode, which may set AC, or a checked copy) must not
	 * leave SMAP disabled for the handler */
	if (smap_on)
		cpu_clac();
	/* a user page fault, the most frequent trap, first: it may sleep, so interrupts go
	 * back on when user mode had them (it always has) */
	if (tf->vector == VEC_PF && (tf->cs & 3) == 3 && user_fault_handler) {
		if (tf->rflags & RFLAGS_IF)
			cpu_irq_enable();
		user_fault_handler(tf);
		return;
	}
	if (tf->vector >= VEC_IRQ0 && tf->vector < VEC_IRQ0 + 16) {
		this_cpu()->irq_depth++;
		irq_dispatch(tf);
		this_cpu()->irq_depth--;
		if ((tf->cs & 3) == 3 && return_to_user_hook)
			return_to_user_hook();
		if ((tf->cs & 3) == 3)
			user_return(tf);
		return;
	}
	if (tf->vector == VEC_NMI) {
		kprintf("NMI received\n");
		return;
	}
	/* a fault may sleep (swap I/O): give interrupts back if the faulting context had them */
	if (tf->vector < 32 && tf->vector != VEC_DF && tf->vector != VEC_MC && (tf->rflags & RFLAGS_IF))
		cpu_irq_enable();
	if ((tf->cs & 3) == 3 && tf->vector < 32) {
		if (user_fault_handler) {
			user_fault_handler(tf);
			user_return(tf);
			return;
		}
	}
	if (tf->vector < 32) {
		kernel_exception(tf);
		return;
	}
	kprintf("trap: unexpected interrupt vector %lu at rip %016lx\n", tf->vector, tf->rip);
}
