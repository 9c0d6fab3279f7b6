/*
 * fpu.c - x87/SSE/AVX state per thread (fpu.h): set up at boot, saved and loaded eagerly
 * at every switch. XSAVE when CPUID has it (XCR0 = x87 | SSE | AVX where present: nothing
 * else a user program could hold), FXSAVE otherwise. specs/isolation.md says why.
 */
#include "fpu.h"

#include <stdint.h>

#include "console.h"
#include "cpu.h"
#include "lib/kstring.h"

/* The clean image, valid for FXRSTOR and XRSTOR alike (Intel SDM vol. 1, 10.5.1, 13.4):
 *
 *   offset  size  field        clean value
 *   0       2     FCW          0x037F (as after FNINIT: all x87 exceptions masked)
 *   2..23         FSW, FTW, FOP, FIP, FDP: 0 (empty stack)
 *   24      4     MXCSR        0x1F80 (all SIMD exceptions masked, round to nearest)
 *   32..511       ST0-7, XMM0-15: 0
 *   512     8     XSTATE_BV    0: every component in its initial state (XRSTOR inits them)
 *   520     8     XCOMP_BV     0: standard form
 *   576..         YMM upper halves (AVX): 0, not read while XSTATE_BV bit 2 is 0
 */
#define FPU_OFF_FCW 0
#define FPU_OFF_MXCSR 24
#define FPU_FCW_INIT 0x037F
#define FPU_MXCSR_INIT 0x1F80u
#define FPU_LEGACY_SIZE 512
#define FPU_ALIGN 64

#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR0_NE (1ull << 5)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_OSXSAVE (1ull << 18)
#define CPUID1_ECX_XSAVE (1u << 26)
#define CPUID1_ECX_AVX (1u << 28)
#define XCR0_X87 (1ull << 0)
#define XCR0_SSE (1ull << 1)
#define XCR0_AVX (1ull << 2)

struct fpu_config fpu_config;
uint32_t fpu_dummy; /* what the x87 pointers name between two threads (AMD) */
static uint64_t xcr0;
static size_t image_bytes = FPU_LEGACY_SIZE;
static uint8_t clean[FPU_LEGACY_SIZE + 64] __attribute__((aligned(FPU_ALIGN))); /* legacy + header */

static inline void xsetbv0(uint64_t v)
{
	__asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/* probe_xsave - XCR0 for what the CPU has of x87, SSE, AVX; the image size for it. */
static void probe_xsave(void)
{
	struct cpuid_regs r = cpu_cpuid(1, 0);
	if (!(r.ecx & CPUID1_ECX_XSAVE))
		return;
	uint64_t supported = cpu_cpuid(0xD, 0).eax;
	fpu_config.xsave = true;
	xcr0 = XCR0_X87 | XCR0_SSE;
	if ((r.ecx & CPUID1_ECX_AVX) && (supported & XCR0_AVX))
		xcr0 |= XCR0_AVX;
	cpu_write_cr4(cpu_read_cr4() | CR4_OSXSAVE);
	xsetbv0(xcr0);
	fpu_config.xcr0_lo = (uint32_t)xcr0;
	fpu_config.xcr0_hi = (uint32_t)(xcr0 >> 32);
	image_bytes = cpu_cpuid(0xD, 0).ebx; /* for the components XCR0 enables now */
}

void fpu_init(void)
{
	uint64_t cr0 = cpu_read_cr0();
	cpu_write_cr0((cr0 & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
	cpu_write_cr4(cpu_read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	probe_xsave();
	struct cpuid_regs v = cpu_cpuid(0, 0); /* "AuthenticAMD" in ebx, edx, ecx */
	fpu_config.clear_fip = v.ebx == 0x68747541 && v.edx == 0x69746E65 && v.ecx == 0x444D4163;
	memset(clean, 0, sizeof clean);
	uint16_t fcw = FPU_FCW_INIT;
	uint32_t mxcsr = FPU_MXCSR_INIT;
	memcpy(clean + FPU_OFF_FCW, &fcw, sizeof fcw);
	memcpy(clean + FPU_OFF_MXCSR, &mxcsr, sizeof mxcsr);
	klog(LOG_INFO, "fpu: %s, x87 sse%s, %lu-byte area per thread, eager switch%s\n",
	     fpu_config.xsave ? "xsave" : "fxsave", (xcr0 & XCR0_AVX) ? " avx" : "", image_bytes,
	     fpu_config.clear_fip ? ", x87 pointers cleared (AMD)" : "");
}

size_t fpu_alloc_bytes(void)
{
	return image_bytes + FPU_ALIGN;
}

struct fpu_area *fpu_area_prepare(void *mem)
{
	uint8_t *a = (uint8_t *)(((uintptr_t)mem + FPU_ALIGN - 1) & ~(uintptr_t)(FPU_ALIGN - 1));
	memset(a, 0, image_bytes);
	memcpy(a, clean, sizeof clean < image_bytes ? sizeof clean : image_bytes);
	return (struct fpu_area *)a;
}
