/*
 * region.c - sorted region lists (region.h). Every change allocates what it may need first
 * and fails before touching the list, so a failed call changes nothing.
 * Keeps: regions are sorted by start, never overlap, never empty; count is the list length.
 */
#include "vm/region.h"

#include "lib/qerror.h"

static bool overlaps(const struct vm_region *r, vaddr_t start, vaddr_t end)
{
	return r->start < end && r->end > start;
}

struct vm_region *region_find(struct region_list *l, vaddr_t va)
{
	struct vm_region *h = l->hint;
	if (h && va >= h->start && va < h->end)
		return h;
	for (struct vm_region *r = l->head; r && r->start <= va; r = r->next) {
		if (va < r->end) {
			l->hint = r;
			return r;
		}
	}
	return 0;
}

struct vm_region *region_peek(const struct region_list *l, vaddr_t va)
{
	for (struct vm_region *r = l->head; r && r->start <= va; r = r->next)
		if (va < r->end)
			return r;
	return 0;
}

vaddr_t region_find_gap(const struct region_list *l, vaddr_t lo, vaddr_t hi, uint64_t len, uint64_t hole)
{
	vaddr_t best = 0, gs = lo;
	const struct vm_region *r = l->head;
	if (len == 0 || lo >= hi)
		return 0;
	for (;;) {
		vaddr_t ge = r && r->start < hi ? r->start : hi;
		/* the gap [gs, ge): room for hole + len + hole? take its top end */
		if (ge > gs && ge - gs >= hole && ge - gs - hole >= hole && ge - gs - 2 * hole >= len) {
			vaddr_t a = gs + hole, s = ge - hole - len;
			vaddr_t big = s & ~(REGION_GAP_ALIGN - 1); /* 2 MiB aligned when it fits */
			best = big >= a ? big : s;
		}
		if (!r || r->start >= hi)
			return best;
		if (r->end > gs)
			gs = r->end;
		r = r->next;
	}
}

struct vm_region *region_first_in(struct region_list *l, vaddr_t start, vaddr_t end)
{
	for (struct vm_region *r = l->head; r && r->start < end; r = r->next)
		if (overlaps(r, start, end))
			return r;
	return 0;
}

bool region_covered(struct region_list *l, vaddr_t start, vaddr_t end)
{
	vaddr_t at = start;
	for (struct vm_region *r = region_first_in(l, start, end); r && at < end; r = r->next) {
		if (r->start > at)
			return false;
		at = r->end;
	}
	return at >= end;
}

/* part - @r cut to [start, end) (offset moved along for a file). */
static struct vm_region part(const struct vm_region *r, vaddr_t start, vaddr_t end)
{
	struct vm_region p = *r;
	p.start = start > r->start ? start : r->start;
	p.end = end < r->end ? end : r->end;
	p.offset = r->offset + (p.start - r->start);
	p.next = 0;
	return p;
}

static bool mergeable(const struct vm_region *a, const struct vm_region *b)
{
	return a->end == b->start && a->kind == b->kind && a->prot == b->prot && a->flags == b->flags &&
	       !a->object && !b->object;
}

/* merge_next - fold @r->next into @r when they are one region in two records. */
static void merge_next(struct region_list *l, const struct region_alloc *ra, struct vm_region *r)
{
	struct vm_region *n = r->next;
	if (!n || !mergeable(r, n))
		return;
	r->end = n->end;
	r->next = n->next;
	if (l->hint == n)
		l->hint = r;
	ra->free(n);
	l->count--;
}

/* cut - split @r at @at (inside it) using the spare record @spare for the upper part. */
static void cut(struct region_list *l, struct vm_region *r, vaddr_t at, struct vm_region *spare)
{
	*spare = part(r, at, r->end);
	spare->next = r->next;
	r->end = at;
	r->next = spare;
	l->count++;
}

/* take_spare - one of the preallocated records, or NULL. */
static struct vm_region *take_spare(struct vm_region **spares, int n)
{
	for (int i = 0; i < n; i++) {
		if (spares[i]) {
			struct vm_region *s = spares[i];
			spares[i] = 0;
			return s;
		}
	}
	return 0;
}

static int get_spares(struct region_list *l, const struct region_alloc *ra, struct vm_region **s, int n)
{
	if (l->count + (unsigned)n > REGION_MAX)
		return -QE_AGAIN;
	for (int i = 0; i < n; i++) {
		s[i] = ra->alloc(sizeof **s);
		if (!s[i]) {
			while (i--)
				ra->free(s[i]);
			return -QE_NOMEM;
		}
	}
	return 0;
}

static void put_spares(const struct region_alloc *ra, struct vm_region **s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i])
			ra->free(s[i]);
}

/* cut_at_ends - make @start and @end region boundaries (where a region spans them). */
static void cut_at_ends(struct region_list *l, vaddr_t start, vaddr_t end, struct vm_region **spares)
{
	struct vm_region *r = region_first_in(l, start, end);
	if (r && r->start < start) {
		cut(l, r, start, take_spare(spares, 3));
		r = r->next;
	}
	for (; r && r->start < end; r = r->next) {
		if (r->end > end) {
			cut(l, r, end, take_spare(spares, 3));
			break;
		}
	}
}

/* cuts_needed - how many regions [start, end) cuts in two (one spanning start, one spanning end). */
static int cuts_needed(struct region_list *l, vaddr_t start, vaddr_t end)
{
	int n = 0;
	for (struct vm_region *r = region_first_in(l, start, end); r && r->start < end; r = r->next) {
		n += r->start < start && r->end > start;
		n += r->start < end && r->end > end;
	}
	return n;
}

int region_replace(struct region_list *l, const struct region_alloc *ra, vaddr_t start, vaddr_t end,
		   const struct vm_region *tmpl, void (*drop)(const struct vm_region *part, void *ctx),
		   void *ctx)
{
	struct vm_region *spares[3] = { 0, 0, 0 };
	if (start >= end)
		return -QE_INVAL;
	int err = get_spares(l, ra, spares, cuts_needed(l, start, end) + (tmpl ? 1 : 0));
	if (err)
		return err;
	cut_at_ends(l, start, end, spares);
	struct vm_region **pp = &l->head;
	while (*pp && (*pp)->end <= start)
		pp = &(*pp)->next;
	while (*pp && (*pp)->start < end) { /* wholly inside now: drop it */
		struct vm_region *r = *pp;
		if (drop)
			drop(r, ctx);
		*pp = r->next;
		if (l->hint == r)
			l->hint = 0;
		ra->free(r);
		l->count--;
	}
	struct vm_region *prev = pp == &l->head ? 0 : (struct vm_region *)((char *)pp - offsetof(struct vm_region, next));
	if (tmpl) {
		struct vm_region *n = take_spare(spares, 3);
		*n = *tmpl;
		n->start = start;
		n->end = end;
		n->next = *pp;
		*pp = n;
		l->count++;
		merge_next(l, ra, n);
		if (prev)
			merge_next(l, ra, prev);
	}
	put_spares(ra, spares, 3);
	return 0;
}

int region_set_prot(struct region_list *l, const struct region_alloc *ra, vaddr_t start, vaddr_t end,
		    unsigned prot)
{
	struct vm_region *spares[3] = { 0, 0, 0 };
	if (start >= end)
		return -QE_INVAL;
	int err = get_spares(l, ra, spares, cuts_needed(l, start, end));
	if (err)
		return err;
	cut_at_ends(l, start, end, spares);
	for (struct vm_region *r = region_first_in(l, start, end); r && r->start < end; r = r->next)
		r->prot = (uint8_t)prot;
	put_spares(ra, spares, 3);
	return 0;
}

void region_clear(struct region_list *l, const struct region_alloc *ra,
		  void (*drop)(const struct vm_region *part, void *ctx), void *ctx)
{
	while (l->head) {
		struct vm_region *r = l->head;
		if (drop)
			drop(r, ctx);
		l->head = r->next;
		ra->free(r);
	}
	l->hint = 0;
	l->count = 0;
}

const char *region_kind_name(unsigned kind)
{
	static const char *const names[] = { "?", "anon", "locked", "guard", "file", "grant" };
	return kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}
