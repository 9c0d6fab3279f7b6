/*
 * fake_space.h - a process space with one thread space on the fake machine, and the CPU's
 * part of a memory access, for the host tests of vm (test_vm.c) and of grants
 * (test_grant.c): what a fault brings in, and the store or load that follows it.
 */
#ifndef QUIRE_TESTS_FAKE_SPACE_H
#define QUIRE_TESTS_FAKE_SPACE_H

#include "hosttest.h"

#include "arch/x86_64/pte.h"
#include "arch/x86_64/trap.h"
#include "vm/vm.h"
#include "vm/vm_internal.h"

struct space {
	struct vm_space *vs;
	struct vm_tspace *ts;
};

/* entry - the leaf entry that maps @va in @s (0 when no table holds it). */
static inline uint64_t entry(struct space *s, vaddr_t va)
{
	return pmap_entry(&s->vs->pmap, &s->ts->root, va, NULL);
}

/* page_words - the present page at @va, as words. */
static inline uint64_t *page_words(struct space *s, vaddr_t va)
{
	uint64_t e = entry(s, va);
	assert_true(pte_is_present(e));
	return phys_to_virt(pte_pa(e));
}

/* touch - a user write fault at @va, then the CPU's write: @value in word 0, A and D set. */
static inline void touch(struct space *s, vaddr_t va, uint64_t value)
{
	const char *why = NULL;
	assert_int_equal(vm_fault(s->ts, va, PF_USER | PF_WRITE, &why), 0);
	page_words(s, va)[0] = value;
	uint64_t e = entry(s, va);
	assert_true(pmap_replace(&s->vs->pmap, &s->ts->root, va, e, pte_set_dirty(pte_set_accessed(e))));
}

/* read_word - word 0 at @va, after a read fault if the page is not present. */
static inline uint64_t read_word(struct space *s, vaddr_t va)
{
	const char *why = NULL;
	if (!pte_is_present(entry(s, va)))
		assert_int_equal(vm_fault(s->ts, va, PF_USER, &why), 0);
	return page_words(s, va)[0];
}

#endif
