/*
 * vmap - versioned file mappings from a user program (specs/mappings.md).
 *
 * Run from the console with no argument (or a path: `run vmap demo/mine`) it shows what a mapping is: it maps
 * the file read/write (creating it), shows what the mapping holds, changes one page,
 * unmaps it (which commits the next version) and lists the versions, each read through a
 * read-only mapping of its own. ARG = MODE for the tests:
 *   1  the whole check (QEMU's `vmap`, Bochs's `vmap_small`): private copies of two
 *      processes committed in unmap order; six mappings of one file by one thread, six
 *      versions; bad input refused with nothing changed; the exit and kill rules; threads
 *      racing on one mapping, on map/unmap of one file, and in their own thread spaces.
 *   3  bigger than RAM: a read/write mapping of a file 3x the machine's RAM, every page
 *      written and verified twice, then read once more: clean pages must be dropped
 *      without a write. Prints FILEPATTERN lines for the host to check block by block.
 *   4  (the crash test) commit versions of t/mcrash through mappings in a loop.
 *   5  on a disk whose newest generation is damaged (the `rollback` scenario): the kernel
 *      mounted the one before, read-only: reads see it, every change is QE_ROFS.
 *   6  map demo/held read/write, dirty one page, hold it 5 s, discard it (the shell test
 *      looks at the mapping in the monitor's process view meanwhile).
 *   11, 12, 15, 16, 17  children of mode 1.
 * Page contents: word i of page p written with tag t is (t << 40) ^ (p << 12) ^ i
 * (tests/scenarios/diskcheck.py computes the same).
 */
#include "quire.h"
#include "quire_note.h"

QUIRE_EXEC_NOTE(QUIRE_NOTE_GIB(512), APP_CODE_SIZE, APP_DATA_SIZE, QUIRE_NOTE_MIB(64), QUIRE_NOTE_KIB(64),
		QUIRE_NOTE_DEMAND_PROCESS);

#define PAGE 4096ul
#define WORDS (PAGE / 8)

static uint64_t pagebuf[WORDS];

static void fill_page(uint64_t *w, uint64_t tag, uint64_t page)
{
	for (uint64_t i = 0; i < WORDS; i++)
		w[i] = (tag << 40) ^ (page << 12) ^ i;
}

/* page_tag - the tag page @page holds, or ~0 when it is not a whole tagged page. */
static uint64_t page_tag(const uint64_t *w, uint64_t page)
{
	uint64_t tag = w[0] >> 40;
	for (uint64_t i = 0; i < WORDS; i += 37)
		if (w[i] != ((tag << 40) ^ (page << 12) ^ i))
			return ~0ull;
	return w[WORDS - 1] == ((tag << 40) ^ (page << 12) ^ (WORDS - 1)) ? tag : ~0ull;
}

static void put_page(uint8_t *base, uint64_t page, uint64_t tag)
{
	fill_page((uint64_t *)(base + page * PAGE), tag, page);
}

static uint64_t tag_at(const uint8_t *base, uint64_t page)
{
	return page_tag((const uint64_t *)(base + page * PAGE), page);
}

/* commit_pages - a new version of @path with @n pages, page p tagged @tag; its number. */
static int64_t commit_pages(const char *path, uint64_t n, uint64_t tag)
{
	int64_t h = file_open(path, QO_RDWR | QO_CREAT | QO_TRUNC);
	for (uint64_t p = 0; h >= 0 && p < n; p++) {
		fill_page(pagebuf, tag, p);
		if (file_write(h, p * PAGE, pagebuf, PAGE) != (int64_t)PAGE) {
			file_abort(h);
			return -QE_IO;
		}
	}
	return h < 0 ? h : file_close(h);
}

/* version_tag - the tag of page @page of @path;@v (read with the file calls). */
static uint64_t version_tag(const char *path, int64_t v, uint64_t page)
{
	char vp[64];
	snprintf(vp, sizeof vp, "%s;%ld", path, v);
	int64_t h = file_open(vp, QO_RDONLY);
	int64_t n = h < 0 ? h : file_read(h, page * PAGE, pagebuf, PAGE);
	if (h >= 0)
		file_close(h);
	return n == (int64_t)PAGE ? page_tag(pagebuf, page) : ~0ull;
}

static uint64_t newest(const char *path)
{
	struct quire_stat st;
	return file_stat(path, &st) == 0 ? st.newest : 0;
}

static int exists(const char *path)
{
	struct quire_stat st;
	return file_stat(path, &st) == 0;
}

/* wait_for - sleep until @cond_path exists (@want_newest == 0) or has a version newer than
 * @want_newest; 0, or -1 after 60 s. */
static int wait_for(const char *path, uint64_t newer_than)
{
	for (int i = 0; i < 6000; i++) {
		if (newer_than ? newest(path) > newer_than : exists(path))
			return 0;
		sleep_ms(10);
	}
	return -1;
}

static uint64_t used_blocks(void)
{
	struct quire_statfs st;
	return fs_info(&st) == 0 ? st.used : 0;
}

/* ---- private copies: two processes, one reader ---- */

static int child_writer(int which)
{
	uint8_t *m = map_file("t/pc", QM_RDWR, 0, 0, 0);
	if (map_file_err(m))
		return -2;
	uint64_t first = which == 'A' ? 0 : 4; /* A changes pages 0-1, B pages 4-5 */
	put_page(m, first, which);
	put_page(m, first + 1, which);
	uint64_t base = newest("t/pc");
	if (which == 'A') {
		file_close(file_open("t/pc.A", QO_RDWR | QO_CREAT)); /* "A has mapped and written" */
		if (wait_for("t/pc.B", 0) < 0)                        /* B has mapped: A unmaps first */
			return -3;
	} else {
		file_close(file_open("t/pc.B", QO_RDWR | QO_CREAT));
		if (wait_for("t/pc", base) < 0) /* A has committed: now B */
			return -3;
	}
	return unmap_file(m, 0); /* the exit status is the new version's number */
}

static void check_private_copies(void)
{
	commit_pages("t/pc.A", 0, 0); /* the directory's entries take blocks it keeps: make them first */
	commit_pages("t/pc.B", 0, 0);
	file_delete("t/pc.A");
	file_delete("t/pc.B");
	uint64_t used0 = used_blocks();
	int64_t base = commit_pages("t/pc", 8, 1);
	test_check(base > 0, "pc base", "t/pc: %ld", base);
	uint8_t *ro = map_file("t/pc", QM_RDONLY, 0, 0, 0);
	test_check(!map_file_err(ro), "pc reader", "map read-only: %ld", map_file_err(ro));
	test_check(tag_at(ro, 0) == 1 && tag_at(ro, 4) == 1, "pc reader before", "pages 0, 4: tags %lx %lx",
		   tag_at(ro, 0), tag_at(ro, 4));
	int64_t pa = spawn("vmap", 11), pb = spawn("vmap", 12), va = -1, vb = -1;
	test_check(pa > 0 && pb > 0 && wait(pa, &va) == 0 && wait(pb, &vb) == 0, "pc children", "%ld %ld", pa, pb);
	test_check(va == base + 1 && vb == base + 2, "pc unmap order", "base %ld: A committed %ld, B %ld", base, va, vb);
	uint64_t a[8], b[8];
	for (uint64_t p = 0; p < 8; p++) {
		a[p] = version_tag("t/pc", va, p);
		b[p] = version_tag("t/pc", vb, p);
	}
	test_check(a[0] == 'A' && a[1] == 'A' && a[2] == 1 && a[4] == 1 && a[5] == 1 && a[7] == 1, "pc A's own",
		   "version %ld pages 0,1,4,5: %lx %lx %lx %lx", va, a[0], a[1], a[4], a[5]);
	test_check(b[0] == 1 && b[1] == 1 && b[4] == 'B' && b[5] == 'B' && b[7] == 1, "pc B's own",
		   "version %ld pages 0,1,4,5: %lx %lx %lx %lx (B's copy was made before A committed)", vb, b[0], b[1],
		   b[4], b[5]);
	int old = 1;
	for (uint64_t p = 0; p < 8; p++)
		old &= tag_at(ro, p) == 1;
	test_check(old, "pc reader pinned", "the read-only mapping made before both commits changed");
	struct quire_mapinfo mi;
	test_check(map_info(ro, &mi) == 0 && mi.version == (uint32_t)base && mi.resident == 8 && !(mi.flags & QM_RDWR),
		   "pc mapinfo", "version %u, %lu resident, flags %x", mi.version, mi.resident, mi.flags);
	test_check(unmap_file(ro, 0) == 0, "pc reader unmap", "read-only unmap");
	file_delete("t/pc.A");
	file_delete("t/pc.B");
	file_delete("t/pc");
	test_check(used_blocks() == used0, "pc blocks back", "used %lu blocks before, %lu after", used0, used_blocks());
}

/* ---- six mappings of one file by one thread: six versions ---- */

static void check_six(void)
{
	int64_t base = commit_pages("t/six", 6, 1);
	uint8_t *m[6];
	for (int k = 0; k < 6; k++) {
		m[k] = map_file("t/six", QM_RDWR, 0, 0, 0);
		test_check(!map_file_err(m[k]), "six map", "mapping %d: %ld", k, map_file_err(m[k]));
		if (map_file_err(m[k]))
			return;
		put_page(m[k], (uint64_t)k, 0x60 + (uint64_t)k);
	}
	for (int k = 0; k < 6; k++) /* each sees only its own change */
		test_check(tag_at(m[k], (uint64_t)k) == 0x60u + (unsigned)k && tag_at(m[k], (uint64_t)(5 - k) % 6) ==
			   (k == 5 - k ? 0x60u + (unsigned)k : 1u), "six private", "mapping %d", k);
	int64_t v[6];
	for (int k = 5; k >= 0; k--)
		v[k] = unmap_file(m[k], 0);
	int ok = 1;
	for (int k = 5; k >= 0; k--) {
		int64_t want = base + (6 - k);
		ok &= v[k] == want;
		for (uint64_t p = 0; p < 6; p++)
			ok &= version_tag("t/six", v[k], p) == (p == (uint64_t)k ? 0x60u + (unsigned)k : 1u);
	}
	test_check(ok, "six versions", "unmapped in reverse order: %ld %ld %ld %ld %ld %ld (base %ld)", v[5], v[4], v[3],
		   v[2], v[1], v[0], base);
}

/* ---- bad input ---- */

static int child_ro_writer(void)
{
	uint8_t *m = map_file("t/bad", QM_RDONLY, 0, 0, 0);
	m[10] = 1; /* a write to a read-only mapping: killed */
	return 0;
}

static void check_bad_input(void)
{
	commit_pages("t/bad", 2, 5);
	int64_t h = file_open("t/bad", QO_RDWR);
	memset(pagebuf, 0xEE, 100);
	file_write(h, 2 * PAGE, pagebuf, 100); /* 2 pages + 100 bytes */
	file_close(h);
	uint64_t used0 = used_blocks(), n0 = newest("t/bad");
	const struct quire_startinfo *si = startinfo();
	uint64_t b = si->thread_space_start;
	uint8_t *demand = va_reserve(4 * PAGE, PAGE);
	area_demand(demand, 4 * PAGE, QP_RW);
	struct { const char *what; void *got; int64_t want; } cases[] = {
		{ "directory", map_file("t", 0, 0, 0, 0), -QE_ISDIR },
		{ "missing version", map_file("t/bad;99", 0, 0, 0, 0), -QE_NOENT },
		{ "missing file", map_file("t/nothere", 0, 0, 0, 0), -QE_NOENT },
		{ "unaligned offset", map_file("t/bad", 0, 0, 100, 0), -QE_INVAL },
		{ "unaligned address", map_file("t/bad", 0, (void *)(0x7000000000ul + 8), 0, 0), -QE_INVAL },
		{ "over B", map_file("t/bad", 0, (void *)(b - PAGE), 0, 2 * PAGE), -QE_INVAL },
		{ "over a region", map_file("t/bad", 0, demand + PAGE, 0, PAGE), -QE_EXIST },
		{ "read-only past the end", map_file("t/bad", 0, 0, 0, 4 * PAGE), -QE_RANGE },
		{ "offset past the end", map_file("t/bad", 0, 0, 4 * PAGE, 0), -QE_INVAL },
		{ "create without rdwr", map_file("t/new", QM_CREAT, 0, 0, PAGE), -QE_INVAL },
		{ "unknown flag", map_file("t/bad", 0x80, 0, 0, 0), -QE_INVAL },
		{ "kernel address", map_file("t/bad", 0, (void *)0xffff800000000000ul, 0, 0), -QE_FAULT },
		{ "bad path pointer", (void *)quire_syscall6(SYS_MAP, 0x10, 4, 0, 0, 0, 0), -QE_FAULT },
		{ "empty path", (void *)quire_syscall6(SYS_MAP, (uint64_t)"x", 0, 0, 0, 0, 0), -QE_INVAL },
		{ "thread flag below B", map_file("t/bad", QM_THREAD, (void *)0x7000000000ul, 0, 0), -QE_INVAL },
	};
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++)
		test_check(map_file_err(cases[i].got) == cases[i].want, "bad map", "%s: got %ld, want %ld (%s)",
			   cases[i].what, map_file_err(cases[i].got), cases[i].want, qerror_name(cases[i].want));
	struct quire_mapinfo mi;
	test_check(map_info(demand, &mi) == -QE_INVAL, "mapinfo of anonymous", "not a mapping");
	test_check(quire_syscall6(SYS_MAPINFO, 0x7000000000ul, 0x10, 0, 0, 0, 0) == -QE_FAULT, "mapinfo pointer", "bad out");
	test_check(unmap_file(demand, 0) == -QE_INVAL, "unmap anonymous", "not a mapping");

	/* a read-only mapping inside the last page: the bytes past the end read as zeros */
	uint8_t *m = map_file("t/bad", 0, 0, 0, 3 * PAGE);
	test_check(!map_file_err(m) && tag_at(m, 1) == 5 && m[2 * PAGE + 99] != 0 && m[2 * PAGE + 100] == 0 &&
			   m[3 * PAGE - 1] == 0, "past the end reads zero", "map %ld", map_file_err(m));
	/* half a mapping: refused every way, the mapping stays whole */
	test_check(area_free(m, PAGE) == -QE_INVAL, "free half", "QA_FREE over the first page");
	test_check(area_free(m - PAGE, 2 * PAGE) == -QE_INVAL, "free across", "QA_FREE from below");
	test_check(unmap_file(m + PAGE, 0) == -QE_INVAL, "unmap middle", "SYS_UNMAP inside");
	test_check(unmap_file(m, 2) == -QE_INVAL, "unmap flags", "unknown flag");
	test_check(area_demand(m, PAGE, QP_RW) == -QE_INVAL, "demand over", "QA_DEMAND");
	test_check(area_protect(m, 3 * PAGE, QP_RW) == -QE_PERM, "protect", "QA_PROTECT");
	test_check(area_lock(m, PAGE) == -QE_INVAL, "lock", "QA_LOCK");
	test_check(map_info(m + 2 * PAGE, &mi) == 0 && mi.start == (uint64_t)m && mi.end == (uint64_t)m + 3 * PAGE,
		   "still whole", "%lx-%lx", mi.start, mi.end);
	/* QA_FREE over the whole mapping and more unmaps it */
	test_check(area_free(m - 2 * PAGE, 6 * PAGE) == 0 && map_info(m, &mi) == -QE_INVAL, "free whole", "unmapped");

	/* a read/write mapping past the end: the copy grows (zeros) and the version is that long */
	uint8_t *w = map_file("t/bad", QM_RDWR, 0, 0, 4 * PAGE);
	test_check(!map_file_err(w) && w[2 * PAGE + 100] == 0 && w[4 * PAGE - 1] == 0, "rw past the end", "%ld",
		   map_file_err(w));
	put_page(w, 3, 7);
	int64_t v = unmap_file(w, 0);
	struct quire_stat st;
	char vp[32];
	snprintf(vp, sizeof vp, "t/bad;%ld", v);
	test_check(v == (int64_t)n0 + 1 && file_stat(vp, &st) == 0 && st.size == 4 * PAGE && version_tag("t/bad", v, 3) == 7,
		   "rw grows", "version %ld size %lu", v, st.size);
	file_delete(vp);
	/* a discarded copy commits nothing */
	w = map_file("t/bad", QM_RDWR, 0, 0, 0);
	put_page(w, 0, 9);
	test_check(unmap_file(w, QU_DISCARD) == 0 && newest("t/bad") == n0, "discard", "newest %lu", newest("t/bad"));
	/* a write to a read-only mapping kills the writer only */
	int64_t pid = spawn("vmap", 15), status = 0;
	test_check(pid > 0 && wait(pid, &status) == 0 && status == -1, "ro write killed", "status %ld", status);
	test_check(newest("t/bad") == n0 && used_blocks() == used0, "nothing changed",
		   "newest %lu (was %lu), used %lu (was %lu)", newest("t/bad"), n0, used_blocks(), used0);
	area_free(demand, 4 * PAGE);
	file_delete("t/bad");
}

/* ---- exit and kill ---- */

static int child_killed(void)
{
	uint8_t *m = map_file("t/ek", QM_RDWR | QM_CREAT, 0, 0, 2 * PAGE);
	put_page(m, 0, 0x16);
	*(volatile int *)opaque(0) = 1; /* killed with the copy mapped: nothing is committed */
	return 0;
}

static int child_exits(void)
{
	uint8_t *m = map_file("t/ek", QM_RDWR | QM_CREAT, 0, 0, 2 * PAGE);
	put_page(m, 1, 0x17);
	return 0; /* exits with the mapping: a normal exit commits it */
}

static void check_exit_rules(void)
{
	uint64_t used0 = used_blocks();
	int64_t pid = spawn("vmap", 16), status = 0;
	test_check(pid > 0 && wait(pid, &status) == 0 && status == -1, "killed", "status %ld", status);
	test_check(!exists("t/ek") && used_blocks() == used0, "kill commits nothing", "t/ek exists %d, used %lu (was %lu)",
		   exists("t/ek"), used_blocks(), used0);
	pid = spawn("vmap", 17);
	test_check(pid > 0 && wait(pid, &status) == 0 && status == 0, "exited", "status %ld", status);
	test_check(newest("t/ek") == 1 && version_tag("t/ek", 1, 1) == 0x17,
		   "exit commits", "t/ek newest %lu", newest("t/ek"));
	file_delete("t/ek");
	test_check(used_blocks() == used0, "ek blocks back", "used %lu (was %lu)", used_blocks(), used0);
}

/* ---- threads racing ---- */

#define RACE_PAGES 64
static uint8_t *race_map;
static volatile int race_go;

static int64_t race_writer(void *arg)
{
	uint64_t parity = (uint64_t)arg;
	while (!race_go)
		sys_yield();
	for (int pass = 0; pass < 4; pass++)
		for (uint64_t p = parity; p < RACE_PAGES; p += 2) {
			put_page(race_map, p, 0x70 + parity + (uint64_t)pass * 2);
			if (tag_at(race_map, p) != 0x70 + parity + (uint64_t)pass * 2)
				return -1;
		}
	return 0;
}

static int64_t map_loop(void *arg)
{
	uint64_t me = (uint64_t)arg;
	for (uint64_t k = 0; k < 8; k++) {
		uint8_t *m = map_file("t/race2", QM_RDWR, 0, 0, 0);
		if (map_file_err(m))
			return -1;
		put_page(m, me, 0x80 + k);
		sys_yield();
		int64_t v = unmap_file(m, 0);
		if (v <= 0 || version_tag("t/race2", v, me) != 0x80 + k)
			return -2;
	}
	return 0;
}

static int64_t thread_space_user(void *arg)
{
	uint64_t me = (uint64_t)arg;
	uint8_t *m = map_file("t/race3", QM_RDWR | QM_THREAD, 0, 0, 0);
	if (map_file_err(m) || (uint64_t)m < startinfo()->thread_space_start)
		return -1;
	put_page(m, 0, 0x90 + me);
	for (int i = 0; i < 20; i++) { /* the other thread, at the same address in its own space, changes nothing here */
		sys_yield();
		if (tag_at(m, 0) != 0x90 + me)
			return -2;
	}
	return (int64_t)(uint64_t)m; /* the thread ends with it mapped: its exit commits it */
}

static void check_threads(void)
{
	commit_pages("t/race", RACE_PAGES, 1);
	race_map = map_file("t/race", QM_RDWR, 0, 0, 0);
	int64_t t1 = thread_create(race_writer, (void *)0), t2 = thread_create(race_writer, (void *)1), r1 = -9, r2 = -9;
	race_go = 1;
	thread_join(t1, &r1);
	thread_join(t2, &r2);
	test_check(r1 == 0 && r2 == 0, "race writers", "%ld %ld", r1, r2);
	int64_t v = unmap_file(race_map, 0);
	int ok = v > 0;
	for (uint64_t p = 0; ok && p < RACE_PAGES; p++)
		ok &= version_tag("t/race", v, p) == 0x70 + (p & 1) + 6;
	test_check(ok, "race version", "version %ld holds the last pass of both threads", v);

	commit_pages("t/race2", 2, 1);
	uint64_t before = newest("t/race2");
	t1 = thread_create(map_loop, (void *)0);
	t2 = thread_create(map_loop, (void *)1);
	thread_join(t1, &r1);
	thread_join(t2, &r2);
	test_check(r1 == 0 && r2 == 0 && newest("t/race2") == before + 16, "race map/unmap",
		   "threads %ld %ld, versions %lu -> %lu", r1, r2, before, newest("t/race2"));

	commit_pages("t/race3", 1, 1);
	before = newest("t/race3");
	t1 = thread_create(thread_space_user, (void *)0);
	t2 = thread_create(thread_space_user, (void *)1);
	thread_join(t1, &r1);
	thread_join(t2, &r2);
	test_check(r1 > 0 && r2 > 0 && newest("t/race3") == before + 2, "thread space", "threads %lx %lx, versions %lu -> %lu",
		   r1, r2, before, newest("t/race3"));
	uint64_t a = version_tag("t/race3", (int64_t)before + 1, 0), b = version_tag("t/race3", (int64_t)before + 2, 0);
	test_check((a == 0x90 && b == 0x91) || (a == 0x91 && b == 0x90), "thread space own", "tags %lx %lx", a, b);
	file_delete("t/race");
	file_delete("t/race2");
	file_delete("t/race3");
}

/* report - FILEVERSIONS and a FILECHECK line per version, for the host (diskcheck.py). */
static uint32_t crc32(const uint8_t *p, size_t n, uint32_t c)
{
	c = ~c;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
	}
	return ~c;
}

static void report(const char *path)
{
	struct quire_version v[16];
	int64_t n = file_versions(path, v, 16);
	printf("FILEVERSIONS %s", path);
	for (int64_t i = 0; i < n && i < 16; i++)
		printf(" %u", v[i].version);
	printf("\n");
	for (int64_t i = 0; i < n && i < 16; i++) {
		char vp[48];
		snprintf(vp, sizeof vp, "%s;%u", path, v[i].version);
		uint8_t *m = map_file(vp, 0, 0, 0, 0);
		if (map_file_err(m))
			continue;
		printf("FILECHECK %s %lu %08x\n", vp, v[i].size, crc32(m, v[i].size, 0));
		unmap_file(m, 0);
	}
}

/* ---- bigger than RAM ---- */

static int pass(uint8_t *m, uint64_t n, uint64_t want, uint64_t put)
{
	uint64_t bad = 0;
	for (uint64_t p = 0; p < n; p++) {
		if (want && tag_at(m, p) != want && bad++ < 3)
			printf("vmap: page %lu holds tag %lx, not %lx\n", p, tag_at(m, p), want);
		if (put)
			put_page(m, p, put);
	}
	return bad == 0;
}

static int big_mode(void)
{
	struct quire_meminfo mem;
	sys_meminfo(&mem);
	uint64_t n = 3 * mem.total_frames; /* three times the machine's RAM */
	uint64_t used0 = used_blocks();
	dir_make("t");
	file_delete("t/big");
	printf("vmap: bigger than RAM: %lu pages (%lu MiB) of t/big, RAM %lu pages\n", n, n >> 8, mem.total_frames);
	uint8_t *m = map_file("t/big", QM_RDWR | QM_CREAT, 0, 0, n * PAGE);
	test_check(!map_file_err(m), "big map", "%ld", map_file_err(m));
	if (map_file_err(m))
		return test_finish("vmap");
	pass(m, n, 0, 0x30);
	int64_t v1 = unmap_file(m, 0);
	test_check(v1 == 1, "big first version", "%ld", v1);
	m = map_file("t/big", QM_RDWR, 0, 0, 0);
	test_check(!map_file_err(m), "big map again", "%ld", map_file_err(m));
	if (map_file_err(m))
		return test_finish("vmap");
	test_check(pass(m, n, 0x30, 0x31), "big pass 1", "verified version 1, wrote 0x31");
	test_check(pass(m, n, 0x31, 0x32), "big pass 2", "verified 0x31, wrote 0x32");
	struct quire_mapinfo a, b;
	map_info(m, &a);
	test_check(pass(m, n, 0x32, 0), "big pass 3", "verified 0x32 (reads only)");
	map_info(m, &b);
	printf("# read-only pass: %lu pages dropped clean, %lu written to the copy (%lu were dirty before it), %lu read\n",
	       b.clean_drops - a.clean_drops, b.writebacks - a.writebacks, a.dirty, b.reads - a.reads);
	test_check(b.writebacks - a.writebacks <= a.dirty && b.clean_drops - a.clean_drops >= n - mem.total_frames,
		   "clean drops write nothing", "drops %lu, writes %lu", b.clean_drops - a.clean_drops,
		   b.writebacks - a.writebacks);
	printf("# mapping totals: %lu reads, %lu clean drops, %lu dirty pages written to the copy by eviction\n", b.reads,
	       b.clean_drops, b.writebacks);
	int64_t v2 = unmap_file(m, 0);
	test_check(v2 == 2, "big second version", "%ld", v2);
	struct quire_swapinfo si;
	sys_swapinfo(&si);
	printf("FILEPATTERN t/big;1 %lu %d\nFILEPATTERN t/big;2 %lu %d\n", n * PAGE, 0x30, n * PAGE, 0x32);
	printf("# disk blocks used: %lu before, %lu with both versions (%lu pages each)\n", used0, used_blocks(), n);
	return test_finish("vmap");
}

/* ---- the crash test: versions committed through mappings until QEMU is killed ---- */

#define CRASH_SIZE 20497ul /* 5 pages and 17 bytes */

static void crash_fill(uint8_t *p, unsigned k)
{
	for (size_t i = 0; i < CRASH_SIZE; i++)
		p[i] = (uint8_t)(i * 7 + k * 31 + (i >> 8));
}

__attribute__((noreturn)) static int crash_mode(void)
{
	dir_make("t");
	for (;;) {
		unsigned next = (unsigned)newest("t/mcrash") + 1; /* the bytes depend on the version it becomes */
		uint8_t *m = map_file("t/mcrash", QM_RDWR | QM_CREAT, 0, 0, CRASH_SIZE);
		if (map_file_err(m)) {
			printf("mcrash: map failed: %ld\n", map_file_err(m));
			sleep_ms(100);
			continue;
		}
		crash_fill(m, next % 20 + 1);
		int64_t v = unmap_file(m, 0);
		if (v < 0) {
			printf("mcrash: unmap failed: %ld\n", v);
			unmap_file(m, QU_DISCARD);
			file_purge("t/mcrash", 1);
			continue;
		}
		if (v == 1)
			file_set_limit("t/mcrash", 64);
		printf("COMMITTED t/mcrash;%ld %lu\n", v, CRASH_SIZE);
	}
}

/* ---- a disk mounted read-only after a rollback (the `rollback` scenario) ---- */

static int rollback_mode(void)
{
	char got[8] = { 0 };
	int64_t h = file_open("f", QO_RDONLY);
	test_check(h >= 0 && file_read(h, 0, got, 7) == 3 && memcmp(got, "one", 3) == 0, "rollback read",
		   "f reads '%s' (%ld): the generation before the damaged one", got, h);
	file_close(h);
	uint8_t *m = map_file("f", QM_RDWR, 0, 0, 0);
	test_check(map_file_err(m) == -QE_ROFS, "rollback no rw map", "%ld", map_file_err(m));
	test_check(file_open("f", QO_RDWR) == -QE_ROFS, "rollback no rw open", "read/write open");
	test_check(dir_make("newdir") == -QE_ROFS && file_delete("f") == -QE_ROFS, "rollback no changes", "mkdir, delete");
	m = map_file("f", QM_RDONLY, 0, 0, 0);
	test_check(!map_file_err(m) && memcmp(m, "one", 3) == 0, "rollback ro map", "%ld", map_file_err(m));
	return test_finish("vmap");
}

/* ---- a mapping held for a while (the shell test looks at it with the monitor's ps) ---- */

static int hold_mode(void)
{
	uint8_t *m = map_file("demo/held", QM_RDWR | QM_CREAT, 0, 0, 3 * PAGE);
	if (map_file_err(m))
		return 1;
	m[0] = 1; /* one page resident and dirty, two not read */
	printf("vmap: holding demo/held mapped at %p for 5 s\n", (void *)m);
	sleep_ms(5000);
	return unmap_file(m, QU_DISCARD) == 0 ? 0 : 1;
}

/* ---- a person's session ---- */

/* page_text - the text at the start of page @p of @m, or NULL when the page is empty. */
static const char *page_text(const uint8_t *m, uint64_t p)
{
	return m[p * PAGE] ? (const char *)m + p * PAGE : 0;
}

static int demo(const char *path)
{
	dir_make("demo");
	int created = !exists(path);
	printf("vmap: mapping %s read/write%s\n", path, created ? " (a new file of 4 pages)" : "");
	uint8_t *m = map_file(path, QM_RDWR | QM_CREAT, 0, 0, created ? 4 * PAGE : 0);
	if (map_file_err(m)) {
		printf("vmap: cannot map %s: %s\n", path, qerror_name(map_file_err(m)));
		return 1;
	}
	struct quire_mapinfo mi;
	map_info(m, &mi);
	uint64_t pages = (mi.end - mi.start) / PAGE, page = mi.version % pages;
	printf("vmap: mapped at %p: %lu pages of version %u, a private copy nobody else sees\n", (void *)m, pages,
	       mi.version);
	if (mi.version && page_text(m, (mi.version - 1) % pages))
		printf("vmap: page %lu says \"%.70s\"\n", (mi.version - 1) % pages, page_text(m, (mi.version - 1) % pages));
	char line[80];
	snprintf(line, sizeof line, "version %u was written through a mapping by process %lu", mi.version + 1,
		 sys_getpid());
	memcpy(m + page * PAGE, line, strlen(line) + 1);
	printf("vmap: wrote page %lu: \"%s\"\n", page, line);
	map_info(m, &mi);
	printf("vmap: %lu pages resident (%lu dirty), %lu not read yet\n", mi.resident, mi.dirty, mi.not_read);
	int64_t v = unmap_file(m, 0);
	if (v < 0) {
		printf("vmap: unmap (commit) failed: %s; the mapping is still there\n", qerror_name(v));
		return 1;
	}
	printf("vmap: unmapped: that committed version %ld\n", v);
	struct quire_version vs[16];
	int64_t n = file_versions(path, vs, 16);
	printf("vmap: %s has %ld version%s, each read through a read-only mapping of its own:\n", path, n,
	       n == 1 ? "" : "s");
	for (int64_t i = 0; i < n && i < 16; i++) {
		char vp[300];
		snprintf(vp, sizeof vp, "%s;%u", path, vs[i].version);
		uint8_t *r = map_file(vp, QM_RDONLY, 0, 0, 0); /* it pins that version while it reads */
		if (map_file_err(r))
			continue;
		printf("  %s  %lu bytes\n", vp, vs[i].size);
		for (uint64_t p = 0; p < (vs[i].size + PAGE - 1) / PAGE; p++)
			if (page_text(r, p))
				printf("      page %lu: \"%.70s\"\n", p, page_text(r, p));
		unmap_file(r, 0);
	}
	return 0;
}

int main(uint64_t arg, const struct quire_startinfo *info)
{
	char **argv = (char **)info->argv;
	if (info->argc > 2) {
		printf("usage: vmap [PATH | MODE]\n");
		return 2;
	}
	if (info->argc == 2 && parse_u64(argv[1], &arg) < 0)
		return demo(argv[1]); /* vmap PATH (from the shell) */
	if (!info->argc && arg >= (1ull << 32))
		return demo((const char *)arg); /* run vmap PATH (the kernel monitor) */
	switch (arg) {
	case 3: return big_mode();
	case 4: crash_mode();
	case 5: return rollback_mode();
	case 6: return hold_mode();
	case 11: return child_writer('A');
	case 12: return child_writer('B');
	case 15: return child_ro_writer();
	case 16: return child_killed();
	case 17: return child_exits();
	case 0: return demo("demo/notes"); /* vmap */
	case 1: break;
	default: printf("vmap: unknown mode %lu\n", arg); return 2;
	}
	int64_t made = dir_make("t");
	test_check(made == 0 || made == -QE_EXIST, "mkdir", "t: %ld", made);
	uint64_t used0 = used_blocks();
	check_private_copies();
	check_six();
	check_bad_input();
	check_exit_rules();
	check_threads();
	report("t/six");
	printf("# disk blocks used: %lu at the start, %lu now (t/six kept for the host)\n", used0, used_blocks());
	return test_finish("vmap");
}
