/*
 * main.c - kmain: the order in which the kernel brings itself up, then the test runner
 * (cmdline `test=`), the benchmarks (`bench=`), init with its programs (`init=`; the
 * monitor waits in standby for Ctrl-]) or else the kernel monitor on the console.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/power.h"
#include "arch/x86_64/rtc.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/timer.h"
#include "arch/x86_64/trap.h"
#include "boot/multiboot2.h"
#include "bootinfo.h"
#include "console.h"
#include "dev/ata.h"
#include "dev/conin.h"
#include "fs/fs.h"
#include "lib/cmdline.h"
#include "lib/kstring.h"
#include "mm/kstack.h"
#include "mm/mm.h"
#include "monitor.h"
#include "panic.h"
#include "proc/process.h"
#include "proc/syscall.h"
#include "sched/sched.h"
#include "vm/swap.h"
#include "vm/vm.h"
#include "test/kbench.h"
#include "test/ktest.h"

#define MBI_MAX_BYTES (1u << 20)

struct boot_info boot_info;
static struct cpu cpu0; /* the boot CPU's per-CPU data (this_cpu()) */

void kmain(uint32_t magic, uint64_t mbi_pa);
void arch_call_on_stack(uint64_t top, void (*fn)(void)) __attribute__((noreturn));

static void set_log_level(void)
{
	uint64_t level;
	if (cmdline_get_u64(boot_info.cmdline, "loglevel", &level) == 0)
		console_set_level(level > LOG_DEBUG ? LOG_DEBUG : (enum log_level)level);
}

static void print_memory_summary(void)
{
	uint64_t usable = 0;
	kprintf("memory map (%u entries):\n", boot_info.nmmap);
	for (uint32_t i = 0; i < boot_info.nmmap; i++) {
		const struct boot_mmap_entry *e = &boot_info.mmap[i];
		kprintf("  %016lx-%016lx %10lu KiB %s\n", e->base, e->base + e->len - 1, e->len >> 10,
			mb2_mem_type_name(e->type));
		if (e->type == MB2_MEM_AVAILABLE)
			usable += e->len;
	}
	kprintf("usable RAM: %lu KiB (%lu MiB)\n", usable >> 10, usable >> 20);
	for (uint32_t i = 0; i < boot_info.nmods; i++)
		kprintf("module %u: %016lx-%016lx %s\n", i, boot_info.mods[i].start_pa,
			boot_info.mods[i].end_pa, boot_info.mods[i].name);
}

static void run_tests_and_exit(void)
{
	char filter[64], selfcheck[16];
	if (cmdline_get(boot_info.cmdline, "test", filter, sizeof filter) < 0)
		kstrlcpy(filter, "all", sizeof filter);
	int have_sc = cmdline_get(boot_info.cmdline, "ktest.selfcheck", selfcheck, sizeof selfcheck) >= 0;
	int failed = ktest_run(filter, have_sc ? selfcheck : 0);
	machine_exit(failed ? EXIT_FAILURE_CODE : EXIT_SUCCESS_CODE);
}

static void bench_thread(void *arg)
{
	kbench_run(arg);
	machine_exit(EXIT_SUCCESS_CODE);
}

static void test_thread(void *arg)
{
	(void)arg;
	run_tests_and_exit();
}

static void monitor_thread(void *arg)
{
	(void)arg;
	monitor_run();
}

static void monitor_standby_thread(void *arg)
{
	(void)arg;
	monitor_standby();
}

/* init_thread - run init with the `init=` list; when it ends, stop the machine with its verdict. */
static void init_thread(void *arg)
{
	int64_t status = -1;
	uint64_t swap0 = swap_free_blocks();
	uint64_t free0 = mm_free_frames_settled();
	int64_t pid = proc_spawn("init", 0, arg, 0);
	if (pid < 0)
		kprintf("quire: cannot start init: error %ld\n", -pid);
	else
		proc_wait(0, (uint32_t)pid, &status);
	uint64_t free1 = mm_free_frames_settled(), swap1 = swap_free_blocks();
	kprintf("quire: init exited with status %ld; free frames %lu before, %lu after\n", status, free0, free1);
	kprintf("quire: free swap blocks %lu before, %lu after\n", swap0, swap1);
	machine_exit(status == 0 && free0 == free1 && swap0 == swap1 ? EXIT_SUCCESS_CODE : EXIT_FAILURE_CODE);
}

/* start_thread - what boot does in a thread (it may sleep on the disk): mount the file
 * system, then the job the command line chose: benchmarks, tests, init, or the monitor. */
static void start_thread(void *unused)
{
	static char arg[BOOT_CMDLINE_MAX];
	(void)unused;
	fs_init(boot_info.cmdline);
	if (cmdline_get(boot_info.cmdline, "bench", arg, sizeof arg) >= 0)
		bench_thread(arg);
	else if (cmdline_has(boot_info.cmdline, "test"))
		test_thread(0);
	else if (cmdline_get(boot_info.cmdline, "init", arg, sizeof arg) >= 0) {
		conin_init(true); /* the programs read the keyboard; Ctrl-] reaches the monitor */
		thread_create_kernel("monitor", monitor_standby_thread, 0); /* before init counts frames */
		init_thread(arg);
	} else {
		conin_init(false);
		monitor_thread(0);
	}
}

/* kmain_late - the rest of boot, on a kernel stack with a guard page: threads, processes, then the chosen job. */
static void kmain_late(void)
{
	ata_init();
	sched_init();
	proc_init();
	syscall_init();
	swap_init(boot_info.cmdline);
	rtc_init();
	vm_init(boot_info.cmdline);
	timer_set_tick_hook(sched_tick);
	thread_create_kernel("start", start_thread, 0);
	sched_idle_loop();
}

void kmain(uint32_t magic, uint64_t mbi_pa)
{
	serial_init();
	kprintf("\nQuire kernel booting (x86_64)\n");
	if (magic != MB2_BOOT_MAGIC)
		panic("not started by a Multiboot2 loader: magic %08x", magic);
	if (mb2_parse((const void *)(DIRECT_MAP_BASE + mbi_pa), MBI_MAX_BYTES, mbi_pa, &boot_info) < 0)
		panic("malformed Multiboot2 information at %016lx", mbi_pa);
	set_log_level();
	kprintf("loader: %s\ncommand line: %s\n", boot_info.loader, boot_info.cmdline);
	gdt_init();
	percpu_init(&cpu0); /* after the segment loads (they reset GS), before the first lock */
	pic_init();
	trap_init();
	timer_init();
	cpu_irq_enable();
	print_memory_summary();
	mm_init(&boot_info);
	vaddr_t stack = kstack_alloc();
	if (!stack)
		panic("no memory for the boot thread's stack");
	arch_call_on_stack(stack, kmain_late);
}
