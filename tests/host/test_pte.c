/*
 * test_pte.c - kernel/arch/x86_64/pte.h: every encoding round-trips, fixed values match
 * specs/pte.md, limits are refused, no not-present value reads as present, upper levels.
 */
#include "hosttest.h"

#include "arch/x86_64/pte.h"

#define NPROT 3  /* R, RW, RX */
#define NTYPE 5  /* normal .. special */
#define NRAND 4096

static uint64_t rng = 0x9E3779B97F4A7C15ull;

/* xorshift64: fixed seed, so a failure is reproducible */
static uint64_t rand64(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* a random value of random width, so small and large numbers are both covered */
static uint64_t rand_bits(void)
{
	unsigned w = (unsigned)(rand64() % 64) + 1;
	uint64_t v = rand64();
	return w == 64 ? v : v & ((1ull << w) - 1);
}

static const paddr_t sample_pa[] = {
	0, PAGE_SIZE, 0x123000, 0xFEE00000, 0xFFFFF000, 0x100000000ull, PTE_PA_LIMIT - PAGE_SIZE,
};

/* the present accessors of entry @e all say "nothing here" */
static void assert_reads_not_present(uint64_t e)
{
	assert_false(pte_is_present(e));
	assert_true(pte_pa(e) == 0);
	assert_true(pte_pfn(e) == 0);
	assert_int_equal(pte_type(e), PTE_TYPE_INVALID);
	assert_false(pte_is_writable(e) || pte_is_user(e) || pte_is_nx(e));
	assert_false(pte_is_accessed(e) || pte_is_dirty(e) || pte_is_global(e) || pte_is_huge(e));
	assert_int_equal(pte_present_prot(e), PTE_PROT_INVALID);
	assert_true(pte_set_accessed(e) == e && pte_set_dirty(e) == e);
	assert_true(pte_clear_accessed(e) == e && pte_clear_dirty(e) == e);
}

static void test_fixed_values(void **state)
{
	(void)state;
	uint64_t e;
	/* the worked examples of specs/pte.md */
	assert_int_equal(pte_make_present(0x123000, PTE_RW | PTE_US | PTE_NX, PTE_TYPE_LOCKED, &e), 0);
	assert_true(e == 0x8000000000123207ull);
	assert_int_equal(pte_make_present(0xFEE00000, PTE_RW | PTE_PCD | PTE_NX, PTE_TYPE_SPECIAL, &e), 0);
	assert_true(e == 0x80000000FEE00813ull);
	assert_int_equal(pte_make_table(0x5000, true, &e), 0);
	assert_true(e == 0x5007);
	assert_true(pte_make_none() == 0);
	assert_int_equal(pte_make_demand(PTE_PROT_RW, &e), 0);
	assert_true(e == 0x0A);
	assert_int_equal(pte_make_file_np(PTE_PROT_RX, &e), 0);
	assert_true(e == 0x14);
	assert_true(pte_make_guard() == 0x18);
	assert_int_equal(pte_make_swap(0, PTE_PROT_R, &e), 0);
	assert_true(e == 0x80);
	assert_int_equal(pte_make_swap(1, PTE_PROT_RW, &e), 0);
	assert_true(e == 0x8A);
	assert_int_equal(pte_make_swap(PTE_SWAP_BLOCK_MAX, PTE_PROT_RX, &e), 0);
	assert_true(e == 0xFFFFFFFFFFFFFFFCull);
}

static void test_prot_flags(void **state)
{
	(void)state;
	uint64_t f = 0xdead;
	assert_int_equal(pte_prot_flags(PTE_PROT_R, false, &f), 0);
	assert_true(f == PTE_NX);
	assert_int_equal(pte_prot_flags(PTE_PROT_RW, false, &f), 0);
	assert_true(f == (PTE_RW | PTE_NX));
	assert_int_equal(pte_prot_flags(PTE_PROT_RX, false, &f), 0);
	assert_true(f == 0);
	assert_int_equal(pte_prot_flags(PTE_PROT_RW, true, &f), 0);
	assert_true(f == (PTE_RW | PTE_NX | PTE_US));
	f = 0xdead;
	assert_int_equal(pte_prot_flags(PTE_PROT_INVALID, false, &f), PTE_EINVAL);
	assert_int_equal(pte_prot_flags(7, true, &f), PTE_EINVAL);
	assert_true(f == 0xdead);
}

static void check_present(paddr_t pa, unsigned prot, bool user, unsigned type)
{
	uint64_t flags, e;
	assert_int_equal(pte_prot_flags(prot, user, &flags), 0);
	assert_int_equal(pte_make_present(pa, flags, type, &e), 0);
	assert_true(pte_is_present(e));
	assert_true(pte_pa(e) == pa);
	assert_true(pte_pfn(e) == PA_TO_PFN(pa));
	assert_int_equal(pte_type(e), type);
	assert_int_equal(pte_present_prot(e), prot);
	assert_int_equal(pte_is_writable(e), prot == PTE_PROT_RW);
	assert_int_equal(pte_is_nx(e), prot != PTE_PROT_RX);
	assert_int_equal(pte_is_user(e), user);
	assert_false(pte_is_accessed(e) || pte_is_dirty(e) || pte_is_global(e));
	assert_int_equal(pte_check(e, PTE_LEVEL_PT), 0);
	assert_int_equal(pte_np_kind(e, PTE_LEVEL_PT), PTE_NP_INVALID);
	assert_int_equal(pte_np_prot(e), PTE_PROT_INVALID);
	assert_true(pte_swap_block(e) == PTE_SWAP_NONE);
	assert_true((e & PTE_RSVD_MASK) == 0);
}

static void test_present_roundtrip(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof sample_pa / sizeof sample_pa[0]; i++)
		for (unsigned type = 0; type < NTYPE; type++)
			for (unsigned prot = 0; prot < NPROT; prot++) {
				check_present(sample_pa[i], prot, false, type);
				check_present(sample_pa[i], prot, true, type);
			}
	for (int i = 0; i < NRAND; i++)
		check_present(rand64() & PTE_ADDR_MASK, (unsigned)(rand64() % NPROT), rand64() & 1,
			      (unsigned)(rand64() % NTYPE));
}

static void test_present_refuses(void **state)
{
	(void)state;
	uint64_t e = 0x5a5a;
	assert_int_equal(pte_make_present(0x1001, PTE_NX, 0, &e), PTE_EINVAL);
	assert_int_equal(pte_make_present(0x800, PTE_NX, 0, &e), PTE_EINVAL);
	assert_int_equal(pte_make_present(PTE_PA_LIMIT, PTE_NX, 0, &e), PTE_ERANGE);
	assert_int_equal(pte_make_present(1ull << 62, PTE_NX, 0, &e), PTE_ERANGE);
	assert_int_equal(pte_make_present(UINT64_MAX & ~PAGE_MASK, PTE_NX, 0, &e), PTE_ERANGE);
	for (unsigned type = PTE_TYPE_COUNT; type < 16; type++)
		assert_int_equal(pte_make_present(0x1000, PTE_NX, type, &e), PTE_EINVAL);
	assert_int_equal(pte_make_present(0x1000, PTE_TYPE_MASK, 0, &e), PTE_EINVAL);
	assert_int_equal(pte_make_present(0x1000, 0x2000, 0, &e), PTE_EINVAL);
	for (int bit = 52; bit < 63; bit++)
		assert_int_equal(pte_make_present(0x1000, 1ull << bit, 0, &e), PTE_EINVAL);
	assert_int_equal(pte_make_present(0x1000, PTE_RW, 0, &e), PTE_EINVAL); /* W^X */
	assert_int_equal(pte_make_table(0x1008, false, &e), PTE_EINVAL);
	assert_int_equal(pte_make_table(PTE_PA_LIMIT, false, &e), PTE_ERANGE);
	assert_true(e == 0x5a5a);
	assert_int_equal(pte_make_present(PTE_PA_LIMIT - PAGE_SIZE, PTE_RW | PTE_NX, 0, &e), 0);
}

static void test_present_fields_independent(void **state)
{
	(void)state;
	for (int i = 0; i < NRAND; i++) {
		uint64_t flags, e;
		paddr_t pa = rand64() & PTE_ADDR_MASK;
		unsigned type = (unsigned)(rand64() % NTYPE);
		assert_int_equal(pte_prot_flags((unsigned)(rand64() % NPROT), rand64() & 1, &flags), 0);
		assert_int_equal(pte_make_present(pa, flags, type, &e), 0);
		/* the available bits do not leak into the hardware accessors */
		for (unsigned t = 0; t < 8; t++) {
			uint64_t f = (e & ~PTE_TYPE_MASK) | ((uint64_t)t << PTE_TYPE_SHIFT);
			assert_true(pte_pa(f) == pa);
			assert_int_equal(pte_present_prot(f), pte_present_prot(e));
			assert_int_equal(pte_is_user(f), pte_is_user(e));
			assert_int_equal(pte_type(f), t);
		}
		/* nor the hardware bits into the type */
		uint64_t g = (e | PTE_A | PTE_D | PTE_G | PTE_PWT | PTE_PCD | PTE_PAT | PTE_US |
			      PTE_ADDR_MASK) ^ PTE_NX;
		assert_int_equal(pte_type(g), type);
		assert_int_equal(pte_type(e & (PTE_TYPE_MASK | PTE_P)), type);
		/* A and D change nothing else */
		uint64_t ad = pte_set_dirty(pte_set_accessed(e));
		assert_true(pte_is_accessed(ad) && pte_is_dirty(ad));
		assert_true((ad ^ e) == (PTE_A | PTE_D));
		assert_true(pte_clear_dirty(pte_clear_accessed(ad)) == e);
		assert_true(pte_clear_accessed(ad) == (e | PTE_D));
		assert_true(pte_clear_dirty(ad) == (e | PTE_A));
	}
}

static void check_np(uint64_t e, int kind, unsigned prot)
{
	assert_true((e & PTE_P) == 0);
	assert_reads_not_present(e);
	assert_int_equal(pte_np_kind(e, PTE_LEVEL_PT), kind);
	assert_int_equal(pte_np_prot(e), prot);
	assert_int_equal(pte_check(e, PTE_LEVEL_PT), 0);
	if (kind != PTE_NP_SWAP)
		assert_true(pte_swap_block(e) == PTE_SWAP_NONE);
}

static void check_swap(uint64_t block, unsigned prot)
{
	uint64_t e = 0;
	assert_int_equal(pte_make_swap(block, prot, &e), 0);
	check_np(e, PTE_NP_SWAP, prot);
	assert_true(pte_swap_block(e) == block);
}

static void test_np_roundtrip(void **state)
{
	(void)state;
	uint64_t e;
	check_np(pte_make_none(), PTE_NP_NONE, 0);
	check_np(pte_make_guard(), PTE_NP_GUARD, 0);
	for (unsigned prot = 0; prot < NPROT; prot++) {
		assert_int_equal(pte_make_demand(prot, &e), 0);
		check_np(e, PTE_NP_DEMAND, prot);
		assert_int_equal(pte_make_file_np(prot, &e), 0);
		check_np(e, PTE_NP_FILE, prot);
		check_swap(0, prot);
		check_swap(1, prot);
		check_swap(PTE_SWAP_BLOCK_MAX, prot);
		check_swap(PTE_SWAP_BLOCK_MAX - 1, prot);
		check_swap(1ull << 32, prot);
	}
	for (int i = 0; i < NRAND; i++)
		check_swap(rand_bits() & PTE_SWAP_BLOCK_MAX, (unsigned)(rand64() % NPROT));
}

static void test_np_refuses(void **state)
{
	(void)state;
	uint64_t e = 0x5a5a;
	assert_true(PTE_SWAP_BLOCK_MAX == (1ull << 61) - 17);
	assert_int_equal(pte_make_swap((1ull << 61) - 16, PTE_PROT_R, &e), PTE_ERANGE);
	assert_int_equal(pte_make_swap(1ull << 61, PTE_PROT_R, &e), PTE_ERANGE);
	assert_int_equal(pte_make_swap(UINT64_MAX, PTE_PROT_R, &e), PTE_ERANGE);
	for (unsigned prot = PTE_PROT_INVALID; prot < 8; prot++) {
		assert_int_equal(pte_make_swap(0, prot, &e), PTE_EINVAL);
		assert_int_equal(pte_make_demand(prot, &e), PTE_EINVAL);
		assert_int_equal(pte_make_file_np(prot, &e), PTE_EINVAL);
	}
	assert_true(e == 0x5a5a);
	/* hand-made values the constructors would never produce */
	for (unsigned level = PTE_LEVEL_PT; level <= PTE_LEVEL_PML4; level++) {
		for (uint64_t n = 0; n < 20; n++) /* prot 3 is reserved for every kind */
			assert_int_equal(pte_np_kind(pte_np_encode(n, 3), level), PTE_NP_INVALID);
		for (uint64_t n = 5; n < PTE_SWAP_FIRST; n++) /* reserved kinds */
			for (unsigned prot = 0; prot < 4; prot++) {
				e = pte_np_encode(n, prot);
				assert_int_equal(pte_np_kind(e, level), PTE_NP_INVALID);
				assert_int_equal(pte_check(e, level), PTE_EINVAL);
			}
		for (unsigned prot = 1; prot < 4; prot++) { /* none, guard and transit carry prot 0 */
			assert_int_equal(pte_np_kind(pte_np_encode(PTE_NP_NONE, prot), level), PTE_NP_INVALID);
			assert_int_equal(pte_np_kind(pte_np_encode(PTE_NP_GUARD, prot), level), PTE_NP_INVALID);
			assert_int_equal(pte_np_kind(pte_np_encode(PTE_NP_TRANSIT, prot), level), PTE_NP_INVALID);
		}
		/* transit is page-level only, like swap and file */
		assert_int_equal(pte_np_kind(pte_make_transit(), level),
				 level == PTE_LEVEL_PT ? PTE_NP_TRANSIT : PTE_NP_INVALID);
	}
	assert_true(pte_swap_block(pte_np_encode(PTE_SWAP_FIRST, 3)) == PTE_SWAP_NONE);
}

static void test_np_never_present(void **state)
{
	(void)state;
	uint64_t e;
	/* every not-present value the constructors can make has P clear */
	for (unsigned prot = 0; prot < NPROT; prot++) {
		assert_int_equal(pte_make_swap(PTE_SWAP_BLOCK_MAX, prot, &e), 0);
		assert_reads_not_present(e);
		assert_int_equal(pte_check(e, PTE_LEVEL_PT), 0);
		for (int bit = 0; bit < 61; bit++) {
			uint64_t block = (1ull << bit) - 1;
			if (block > PTE_SWAP_BLOCK_MAX)
				block = PTE_SWAP_BLOCK_MAX;
			assert_int_equal(pte_make_swap(block, prot, &e), 0);
			assert_reads_not_present(e);
			assert_int_equal(pte_make_swap(block ^ ((1ull << bit) >> 1), prot, &e), 0);
			assert_reads_not_present(e);
		}
	}
	for (int i = 0; i < NRAND; i++) {
		assert_int_equal(pte_make_swap(rand64() & PTE_SWAP_BLOCK_MAX, rand64() % NPROT, &e), 0);
		assert_reads_not_present(e);
	}
	/* and the other way: every P-clear value with a valid kind decodes and re-encodes to itself */
	for (uint64_t low = 0; low < (1u << 16); low += 2) {
		uint64_t v = low | (low & 0x100 ? rand64() & ~0xFFFFull : 0);
		int kind = pte_np_kind(v, PTE_LEVEL_PT);
		unsigned prot = pte_np_prot(v);
		assert_reads_not_present(v);
		if (kind == PTE_NP_INVALID)
			continue;
		uint64_t again = 0;
		if (kind == PTE_NP_NONE)
			again = pte_make_none();
		else if (kind == PTE_NP_GUARD)
			again = pte_make_guard();
		else if (kind == PTE_NP_TRANSIT)
			again = pte_make_transit();
		else if (kind == PTE_NP_DEMAND)
			assert_int_equal(pte_make_demand(prot, &again), 0);
		else if (kind == PTE_NP_FILE)
			assert_int_equal(pte_make_file_np(prot, &again), 0);
		else
			assert_int_equal(pte_make_swap(pte_swap_block(v), prot, &again), 0);
		assert_true(again == v);
	}
}

static void test_upper_levels(void **state)
{
	(void)state;
	uint64_t e, file, swap0, swapmax, table;
	for (unsigned level = PTE_LEVEL_PD; level <= PTE_LEVEL_PML4; level++) {
		assert_int_equal(pte_np_kind(pte_make_none(), level), PTE_NP_NONE);
		assert_int_equal(pte_check(pte_make_none(), level), 0);
		assert_int_equal(pte_np_kind(pte_make_guard(), level), PTE_NP_GUARD);
		assert_int_equal(pte_check(pte_make_guard(), level), 0);
		for (unsigned prot = 0; prot < NPROT; prot++) {
			assert_int_equal(pte_make_demand(prot, &e), 0);
			assert_int_equal(pte_np_kind(e, level), PTE_NP_DEMAND);
			assert_int_equal(pte_np_prot(e), prot);
			assert_int_equal(pte_check(e, level), 0);
			/* file and swap are page-level only */
			assert_int_equal(pte_make_file_np(prot, &file), 0);
			assert_int_equal(pte_make_swap(0, prot, &swap0), 0);
			assert_int_equal(pte_make_swap(PTE_SWAP_BLOCK_MAX, prot, &swapmax), 0);
			assert_int_equal(pte_np_kind(file, level), PTE_NP_INVALID);
			assert_int_equal(pte_np_kind(swap0, level), PTE_NP_INVALID);
			assert_int_equal(pte_np_kind(swapmax, level), PTE_NP_INVALID);
			assert_int_equal(pte_check(file, level), PTE_EINVAL);
			assert_int_equal(pte_check(swap0, level), PTE_EINVAL);
			assert_int_equal(pte_check(swapmax, level), PTE_EINVAL);
		}
		/* present: a table pointer (type 0); with PS it would be an RWX huge leaf */
		assert_int_equal(pte_make_table(0x7000, level == PTE_LEVEL_PML4, &table), 0);
		assert_int_equal(pte_check(table, level), 0);
		assert_true(pte_pa(table) == 0x7000 && pte_is_writable(table) && !pte_is_nx(table));
		assert_int_equal(pte_check(table | PTE_PS, level), PTE_EINVAL);
		assert_int_equal(pte_check(table | (1ull << PTE_TYPE_SHIFT), level), PTE_EINVAL);
		assert_true(pte_is_huge(table | PTE_PS));
	}
}

static void test_huge(void **state)
{
	(void)state;
	uint64_t e = 0x5a5a;
	const uint64_t mib2 = 2ull << 20, gib = 1ull << 30;
	assert_int_equal(pte_make_huge(3 * mib2, PTE_RW | PTE_NX | PTE_G, 0, PTE_LEVEL_PD, &e), 0);
	assert_true(e == (3 * mib2 | PTE_RW | PTE_NX | PTE_G | PTE_PS | PTE_P));
	assert_true(pte_is_huge(e) && pte_pa(e) == 3 * mib2);
	assert_int_equal(pte_present_prot(e), PTE_PROT_RW);
	assert_int_equal(pte_check(e, PTE_LEVEL_PD), 0);
	assert_int_equal(pte_check(e, PTE_LEVEL_PDPT), PTE_EINVAL); /* not 1 GiB aligned */
	assert_int_equal(pte_check(e, PTE_LEVEL_PML4), PTE_EINVAL);
	assert_int_equal(pte_make_huge(5 * gib, PTE_NX, PTE_TYPE_SPECIAL, PTE_LEVEL_PDPT, &e), 0);
	assert_int_equal(pte_check(e, PTE_LEVEL_PDPT), 0);
	assert_int_equal(pte_type(e), PTE_TYPE_SPECIAL);
	assert_int_equal(pte_check(e & ~PTE_NX, PTE_LEVEL_PDPT), 0);          /* RX */
	assert_int_equal(pte_check((e & ~PTE_NX) | PTE_RW, PTE_LEVEL_PDPT), PTE_EINVAL); /* RWX */
	e = 0x5a5a;
	assert_int_equal(pte_make_huge(mib2 + PAGE_SIZE, PTE_NX, 0, PTE_LEVEL_PD, &e), PTE_EINVAL);
	assert_int_equal(pte_make_huge(mib2, PTE_NX, 0, PTE_LEVEL_PDPT, &e), PTE_EINVAL);
	assert_int_equal(pte_make_huge(0, PTE_NX, 0, PTE_LEVEL_PT, &e), PTE_EINVAL);
	assert_int_equal(pte_make_huge(0, PTE_NX, 0, PTE_LEVEL_PML4, &e), PTE_EINVAL);
	assert_int_equal(pte_make_huge(PTE_PA_LIMIT, PTE_NX, 0, PTE_LEVEL_PDPT, &e), PTE_ERANGE);
	assert_int_equal(pte_make_huge(0, PTE_NX, PTE_TYPE_COUNT, PTE_LEVEL_PD, &e), PTE_EINVAL);
	assert_int_equal(pte_make_huge(0, PTE_RW, 0, PTE_LEVEL_PD, &e), PTE_EINVAL);
	assert_true(e == 0x5a5a);
}

static void test_bad_levels(void **state)
{
	(void)state;
	/* level numbers outside 1..4 */
	for (unsigned level = 0; level < 8; level += 5) {
		assert_int_equal(pte_check(pte_make_none(), level), PTE_EINVAL);
		assert_int_equal(pte_np_kind(pte_make_none(), level), PTE_NP_INVALID);
	}
}

static void test_check_present(void **state)
{
	(void)state;
	uint64_t e;
	assert_int_equal(pte_make_present(0x3000, PTE_RW | PTE_NX, PTE_TYPE_NORMAL, &e), 0);
	assert_int_equal(pte_check(e, PTE_LEVEL_PT), 0);
	assert_int_equal(pte_check(e & ~PTE_NX, PTE_LEVEL_PT), PTE_EINVAL); /* RWX */
	for (int bit = 52; bit < 63; bit++)
		assert_int_equal(pte_check(e | (1ull << bit), PTE_LEVEL_PT), PTE_EINVAL);
	for (unsigned t = PTE_TYPE_COUNT; t < 8; t++)
		assert_int_equal(pte_check(e | ((uint64_t)t << PTE_TYPE_SHIFT), PTE_LEVEL_PT),
				 PTE_EINVAL);
	/* a valid leaf is rebuilt exactly from its accessors */
	int valid = 0;
	for (int i = 0; i < NRAND; i++) {
		uint64_t v = (rand64() & ~(PTE_RSVD_MASK | PTE_TYPE_MASK)) | PTE_P, again = 0;
		v |= (rand64() % 8) << PTE_TYPE_SHIFT;
		if (pte_check(v, PTE_LEVEL_PT) != 0)
			continue;
		valid++;
		assert_int_equal(pte_make_present(pte_pa(v), v & PTE_LEAF_FLAGS, pte_type(v), &again), 0);
		assert_true(again == v);
	}
	assert_true(valid > NRAND / 4);
}

/* A table pointer may carry pmap's summary in bits 52-62 (the CPU ignores them there); a
 * leaf, huge or not, may not. Group k of the summary covers entries 47k .. 47k + 46. */
static void test_table_summary(void **state)
{
	(void)state;
	uint64_t t, huge;
	assert_int_equal(pte_make_table(0x7000, true, &t), 0);
	assert_int_equal(t & PTE_SUM_MASK, 0);
	assert_int_equal(pte_make_huge(0x200000, PTE_RW | PTE_NX, PTE_TYPE_NORMAL, PTE_LEVEL_PD, &huge), 0);
	for (unsigned i = 0; i < 512; i++) {
		uint64_t b = pte_sum_bit(i);
		assert_true(b & PTE_SUM_MASK);
		assert_true(pte_sum_group_set(b, i / PTE_SUM_GROUP));
		for (unsigned level = PTE_LEVEL_PD; level <= PTE_LEVEL_PML4; level++)
			assert_int_equal(pte_check(t | b, level), 0);
		assert_int_equal(pte_check(huge | b, PTE_LEVEL_PD), PTE_EINVAL);
		assert_int_equal(pte_pa(t | b), 0x7000);
	}
	assert_int_equal(pte_sum_bit(0), 1ull << 52);
	assert_int_equal(pte_sum_bit(46), 1ull << 52);
	assert_int_equal(pte_sum_bit(47), 1ull << 53);
	assert_int_equal(pte_sum_bit(511), 1ull << 62);
	assert_false(pte_sum_group_set(pte_sum_bit(47), 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_values),
		cmocka_unit_test(test_prot_flags),
		cmocka_unit_test(test_present_roundtrip),
		cmocka_unit_test(test_present_refuses),
		cmocka_unit_test(test_present_fields_independent),
		cmocka_unit_test(test_np_roundtrip),
		cmocka_unit_test(test_np_refuses),
		cmocka_unit_test(test_np_never_present),
		cmocka_unit_test(test_upper_levels),
		cmocka_unit_test(test_huge),
		cmocka_unit_test(test_bad_levels),
		cmocka_unit_test(test_check_present),
		cmocka_unit_test(test_table_summary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
