/*
 * fpu - the x87, SSE and AVX registers are a thread's own (specs/isolation.md, "Registers").
 * ARG = MODE:
 *   1  marker: check that the state it starts with is clean; fill every x87 register, the
 *      x87 control word, every XMM register, MXCSR and (where the kernel enabled AVX) every
 *      YMM upper half with markers naming this process; then, across yields, timer
 *      preemption, sleeps, a thread of its own and fresh `fpu:2` children, check that each
 *      register still holds its own marker and that no other process's or thread's marker
 *      appears anywhere in the saved state. The thread does the same with its own markers.
 *      Run several at once. "PASS fpu 1", exit 0.
 *   2  fresh: the state a new process starts with is clean (no marker of anyone); exit 0.
 *   3  as 1, x87 only (no SSE or AVX instruction: runs on a kernel that never enabled them);
 *      its fresh children run mode 4, the x87-only mode 2.
 * The registers are filled and read by the assembly at the end of this file (user code is
 * built with -mgeneral-regs-only, so C never touches them); the state is read with XSAVE
 * when the kernel turned it on (CPUID OSXSAVE), else FXSAVE.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

#define ROUNDS 120
#define MAX_REPORTS 6

/* The legacy region of the XSAVE/FXSAVE image and the XSAVE header (Intel SDM vol. 1, 10.5
 * and 13.4):
 *   0 FCW  2 FSW  4 FTW (abridged)  6 FOP  8 FIP  16 FDP  24 MXCSR  28 MXCSR_MASK
 *   32 + 16 i  ST(i), 10 bytes     160 + 16 i  XMM i     512 XSTATE_BV  520 XCOMP_BV
 *   avx_off + 16 i  YMM i bits 255:128 (avx_off from CPUID 0xD.2, 576 in the standard form) */
#define OFF_FCW 0
#define OFF_FSW 2
#define OFF_FTW 4
#define OFF_MXCSR 24
#define OFF_ST 32
#define OFF_XMM 160
#define OFF_XSTATE_BV 512
#define AREA_MAX 4096

/* A marker word: 0xC0DE in the top 16 bits, the owner id, the register, 0x5A at the bottom. */
#define MARK_TAG 0xC0DEull
static uint64_t mark(uint32_t owner, unsigned reg)
{
	return (MARK_TAG << 48) | ((uint64_t)owner << 16) | ((uint64_t)(reg & 0xFF) << 8) | 0x5A;
}

static int is_mark(uint64_t w, uint32_t *owner)
{
	*owner = (uint32_t)(w >> 16);
	return (w >> 48) == MARK_TAG && (w & 0xFF) == 0x5A;
}

/* What fpu_fill loads: x87 registers as 80-bit values (the 64-bit significand is the marker,
 * whose top bit is set: a normal number), control words, XMM and YMM-upper contents. */
struct fill {
	uint8_t st[8][16];
	uint64_t xmm[16][2];
	uint64_t ymmh[16][2];
	uint16_t fcw;
	uint32_t mxcsr;
} __attribute__((aligned(16)));

void fpu_fill_x87(const struct fill *f);
void fpu_fill_sse(const struct fill *f);
void fpu_fill_avx(const struct fill *f);
void fpu_xsave(void *area);
void fpu_fxsave(void *area);

static struct {
	int xsave, avx;       /* the kernel turned XSAVE and AVX on */
	unsigned size;        /* bytes of the saved image */
	unsigned avx_off;     /* YMM upper halves in the image */
} cpu;

static void cpu_probe(void)
{
	uint32_t a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	cpu.xsave = (c >> 27) & 1; /* OSXSAVE: CR4.OSXSAVE is set */
	cpu.size = 512;
	if (!cpu.xsave)
		return;
	uint32_t xcr0_lo, xcr0_hi;
	__asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
	cpu.avx = ((c >> 28) & 1) && (xcr0_lo & 6) == 6;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0xD), "c"(0));
	cpu.size = b; /* for the features XCR0 enables now */
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0xD), "c"(2));
	cpu.avx_off = b;
}

/* save - the calling thread's registers, as the CPU stores them. Not reentrant: the
 * thread passes its own buffer. */
static uint8_t *save(uint8_t *buf)
{
	uint8_t *a = (uint8_t *)(((uint64_t)buf + 63) & ~63ull);
	memset(a, 0, cpu.size);
	if (cpu.xsave)
		fpu_xsave(a);
	else
		fpu_fxsave(a);
	return a;
}

static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

struct ctx {
	const char *who;
	uint32_t id;         /* the owner id in this context's markers (pid or tid) */
	int sse;             /* SSE/AVX were filled too */
	struct fill f;
	uint8_t buf[AREA_MAX + 64];
	unsigned errors, reports;
};

static void report(struct ctx *c, const char *fmt, uint64_t x, uint64_t y)
{
	c->errors++;
	if (c->reports++ < MAX_REPORTS) {
		char why[96];
		snprintf(why, sizeof why, fmt, x, y);
		printf("# fpu %s %u: %s\n", c->who, c->id, why);
	}
}

/* scan_foreign - any marker of another owner anywhere in the image: a leak. */
static void scan_foreign(struct ctx *c, const uint8_t *a)
{
	for (unsigned off = 0; off + 8 <= cpu.size; off += 8) {
		uint32_t owner;
		if (is_mark(rd64(a + off), &owner) && owner != c->id)
			report(c, "marker of %lu at offset %lu of the saved state", owner, off);
	}
}

/* check_clean - the state a new thread or process starts with: x87 as after FNINIT, MXCSR
 * 0x1F80, every data register zero. A component the XSAVE header marks as in its initial
 * state (XSTATE_BV bit clear) was not written and is clean by definition. */
static void check_clean(struct ctx *c)
{
	const uint8_t *a = save(c->buf);
	uint64_t bv = cpu.xsave ? rd64(a + OFF_XSTATE_BV) : 3;
	scan_foreign(c, a);
	if ((bv & 1) && (rd16(a + OFF_FCW) != 0x037F || rd16(a + OFF_FSW) != 0 || a[OFF_FTW] != 0))
		report(c, "x87 not clean at start: fcw %#lx fsw %#lx", rd16(a + OFF_FCW), rd16(a + OFF_FSW));
	for (unsigned i = 0; (bv & 1) && i < 8 * 16; i += 8)
		if (rd64(a + OFF_ST + i))
			report(c, "st byte %lu not zero at start: %#lx", i, rd64(a + OFF_ST + i));
	if (cpu.xsave || c->sse) {
		if (rd32(a + OFF_MXCSR) != 0x1F80)
			report(c, "mxcsr %#lx at start, want %#lx", rd32(a + OFF_MXCSR), 0x1F80);
		for (unsigned i = 0; (bv & 2) && i < 16 * 16; i += 8)
			if (rd64(a + OFF_XMM + i))
				report(c, "xmm byte %lu not zero at start: %#lx", i, rd64(a + OFF_XMM + i));
	}
	for (unsigned i = 0; cpu.avx && (bv & 4) && i < 16 * 16; i += 8)
		if (rd64(a + cpu.avx_off + i))
			report(c, "ymm upper byte %lu not zero at start: %#lx", i, rd64(a + cpu.avx_off + i));
}

static const uint16_t fcws[4] = { 0x027F, 0x0E7F, 0x077F, 0x0A7F };  /* never 0x037F */
static const uint32_t mxcsrs[4] = { 0x9F80, 0x3F80, 0x5F80, 0x7F80 }; /* never 0x1F80 */

/* make_fill - markers for owner @id; control words from @id too. */
static void make_fill(struct ctx *c)
{
	for (unsigned i = 0; i < 8; i++) {
		uint64_t m = mark(c->id, i);
		memset(c->f.st[i], 0, 16);
		memcpy(c->f.st[i], &m, 8);
		c->f.st[i][8] = 0xFF; /* exponent 0x3FFF: a number near 1 */
		c->f.st[i][9] = 0x3F;
	}
	for (unsigned i = 0; i < 16; i++) {
		c->f.xmm[i][0] = mark(c->id, 16 + i);
		c->f.xmm[i][1] = mark(c->id, 32 + i);
		c->f.ymmh[i][0] = mark(c->id, 48 + i);
		c->f.ymmh[i][1] = mark(c->id, 64 + i);
	}
	c->f.fcw = fcws[c->id & 3];
	c->f.mxcsr = mxcsrs[c->id & 3];
}

static void fill(struct ctx *c)
{
	make_fill(c);
	fpu_fill_x87(&c->f);
	if (c->sse)
		fpu_fill_sse(&c->f);
	if (c->sse && cpu.avx)
		fpu_fill_avx(&c->f);
}

/* verify - every register still holds this context's marker; no one else's anywhere. */
static void verify(struct ctx *c)
{
	const uint8_t *a = save(c->buf);
	scan_foreign(c, a);
	if (rd16(a + OFF_FCW) != c->f.fcw)
		report(c, "fcw %#lx, want %#lx", rd16(a + OFF_FCW), c->f.fcw);
	for (unsigned i = 0; i < 8; i++)
		if (memcmp(a + OFF_ST + 16 * i, c->f.st[i], 10))
			report(c, "st%lu lost its marker: %#lx", i, rd64(a + OFF_ST + 16 * i));
	if (!c->sse)
		return;
	if (rd32(a + OFF_MXCSR) != c->f.mxcsr)
		report(c, "mxcsr %#lx, want %#lx", rd32(a + OFF_MXCSR), c->f.mxcsr);
	for (unsigned i = 0; i < 16; i++)
		if (memcmp(a + OFF_XMM + 16 * i, c->f.xmm[i], 16))
			report(c, "xmm%lu lost its marker: %#lx", i, rd64(a + OFF_XMM + 16 * i));
	for (unsigned i = 0; cpu.avx && i < 16; i++)
		if (memcmp(a + cpu.avx_off + 16 * i, c->f.ymmh[i], 16))
			report(c, "ymm%lu upper half lost its marker: %#lx", i, rd64(a + cpu.avx_off + 16 * i));
}

/* pause_round - give the CPU away in one of three ways: yield, be preempted, sleep. */
static void pause_round(int round)
{
	if (round % 3 == 0) {
		sys_yield();
	} else if (round % 3 == 1) {
		int64_t t0 = sys_ticks();
		while (sys_ticks() == t0) /* timer preemption in the middle of user code */
			for (volatile int i = 0; i < 2000; i++)
				;
	} else {
		sleep_ms(10);
	}
}

static int64_t thread_main(void *arg)
{
	struct ctx *c = arg;
	c->id = (uint32_t)sys_gettid();
	check_clean(c); /* not its creator's registers */
	fill(c);
	for (int r = 0; r < ROUNDS / 2; r++) {
		pause_round(r);
		verify(c);
	}
	return c->errors;
}

static struct ctx main_ctx, thread_ctx; /* in process space: the thread reads its own */

static int mode_marker(uint32_t pid, int sse)
{
	struct ctx *c = &main_ctx;
	c->who = "process";
	c->id = pid;
	c->sse = sse;
	check_clean(c);
	fill(c);
	int64_t tid = -1;
	for (int r = 0; r < ROUNDS; r++) {
		pause_round(r);
		verify(c);
		if (r == ROUNDS / 4) {
			thread_ctx.who = "thread";
			thread_ctx.sse = sse;
			tid = thread_create(thread_main, &thread_ctx);
		}
		if (r % 40 == 20) { /* a new process while these markers are live */
			int64_t st = -1, child = spawn("fpu", sse ? 2 : 4);
			if (child < 0 || wait(child, &st) < 0 || st != 0)
				report(c, "fresh child %ld ended with status %ld", (uint64_t)child, (uint64_t)st);
		}
	}
	int64_t terr = -1;
	if (tid < 0 || thread_join(tid, &terr) < 0)
		report(c, "thread %ld could not be made or joined (%ld)", (uint64_t)tid, 0);
	test_check(terr == 0, "thread", "the thread saw %ld errors", terr);
	test_check(c->errors == 0, "process", "%u errors in %d rounds", c->errors, ROUNDS);
	printf("# fpu: %s, %s, image %u bytes\n", cpu.xsave ? "xsave" : "fxsave",
	       sse ? (cpu.avx ? "x87 sse avx" : "x87 sse") : "x87 only", cpu.size);
	return test_finish(sse ? "fpu 1" : "fpu 3");
}

int main(uint64_t arg, const struct quire_startinfo *info)
{
	cpu_probe();
	if (arg == 1 || arg == 3)
		return mode_marker((uint32_t)info->pid, arg == 1);
	if (arg == 2 || arg == 4) {
		struct ctx *c = &main_ctx;
		c->who = "fresh";
		c->id = (uint32_t)info->pid;
		c->sse = arg == 2;
		check_clean(c);
		return c->errors ? 1 : 0;
	}
	printf("FAIL fpu: unknown mode %lu\n", arg);
	return 1;
}

/* The register code. SysV: rdi = the struct fill (offsets: st 0, xmm 128, ymmh 384,
 * fcw 640, mxcsr 644) or the save area (64-byte aligned). */
_Static_assert(__builtin_offsetof(struct fill, xmm) == 128 && __builtin_offsetof(struct fill, ymmh) == 384 &&
		       __builtin_offsetof(struct fill, fcw) == 640 && __builtin_offsetof(struct fill, mxcsr) == 644,
	       "the assembly below uses these offsets");
__asm__(".text\n"
	".globl fpu_fill_x87\n"
	"fpu_fill_x87:\n"
	"	fninit\n"
	"	fldcw 640(%rdi)\n"
	"	fldt 112(%rdi)\n" /* st7 first: after eight loads st0 is st[0] */
	"	fldt 96(%rdi)\n"
	"	fldt 80(%rdi)\n"
	"	fldt 64(%rdi)\n"
	"	fldt 48(%rdi)\n"
	"	fldt 32(%rdi)\n"
	"	fldt 16(%rdi)\n"
	"	fldt 0(%rdi)\n"
	"	ret\n"
	".globl fpu_fill_sse\n"
	"fpu_fill_sse:\n"
	"	ldmxcsr 644(%rdi)\n"
	"	movdqu 128(%rdi), %xmm0\n"
	"	movdqu 144(%rdi), %xmm1\n"
	"	movdqu 160(%rdi), %xmm2\n"
	"	movdqu 176(%rdi), %xmm3\n"
	"	movdqu 192(%rdi), %xmm4\n"
	"	movdqu 208(%rdi), %xmm5\n"
	"	movdqu 224(%rdi), %xmm6\n"
	"	movdqu 240(%rdi), %xmm7\n"
	"	movdqu 256(%rdi), %xmm8\n"
	"	movdqu 272(%rdi), %xmm9\n"
	"	movdqu 288(%rdi), %xmm10\n"
	"	movdqu 304(%rdi), %xmm11\n"
	"	movdqu 320(%rdi), %xmm12\n"
	"	movdqu 336(%rdi), %xmm13\n"
	"	movdqu 352(%rdi), %xmm14\n"
	"	movdqu 368(%rdi), %xmm15\n"
	"	ret\n"
	".globl fpu_fill_avx\n"
	"fpu_fill_avx:\n" /* upper halves only: the lower ones keep their XMM markers */
	"	vinsertf128 $1, 384(%rdi), %ymm0, %ymm0\n"
	"	vinsertf128 $1, 400(%rdi), %ymm1, %ymm1\n"
	"	vinsertf128 $1, 416(%rdi), %ymm2, %ymm2\n"
	"	vinsertf128 $1, 432(%rdi), %ymm3, %ymm3\n"
	"	vinsertf128 $1, 448(%rdi), %ymm4, %ymm4\n"
	"	vinsertf128 $1, 464(%rdi), %ymm5, %ymm5\n"
	"	vinsertf128 $1, 480(%rdi), %ymm6, %ymm6\n"
	"	vinsertf128 $1, 496(%rdi), %ymm7, %ymm7\n"
	"	vinsertf128 $1, 512(%rdi), %ymm8, %ymm8\n"
	"	vinsertf128 $1, 528(%rdi), %ymm9, %ymm9\n"
	"	vinsertf128 $1, 544(%rdi), %ymm10, %ymm10\n"
	"	vinsertf128 $1, 560(%rdi), %ymm11, %ymm11\n"
	"	vinsertf128 $1, 576(%rdi), %ymm12, %ymm12\n"
	"	vinsertf128 $1, 592(%rdi), %ymm13, %ymm13\n"
	"	vinsertf128 $1, 608(%rdi), %ymm14, %ymm14\n"
	"	vinsertf128 $1, 624(%rdi), %ymm15, %ymm15\n"
	"	ret\n"
	".globl fpu_xsave\n"
	"fpu_xsave:\n"
	"	movl $-1, %eax\n"
	"	movl $-1, %edx\n"
	"	xsave64 (%rdi)\n"
	"	ret\n"
	".globl fpu_fxsave\n"
	"fpu_fxsave:\n"
	"	fxsave64 (%rdi)\n"
	"	ret\n");
