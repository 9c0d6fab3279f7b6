/*
 * pr_main.c - pagerec, a small Valgrind tool that records a program's page references for
 * the page-usage harness: each page once per window of W memory events (default 4096), in
 * order of first touch in the window, with a write bit if any store hit it in the window.
 * Loads, stores, dirty helpers, CAS and LL/SC are memory events; code pages are recorded
 * once per instruction-page change in a superblock. Output: raw little-endian u64 records
 * (vpn << 1 | write), then a trailer: ~0 and the number of memory events of the whole run
 * (the harness's time base); tests/pum/pumtrace converts them. Built against Debian's valgrind
 * headers and static libraries (tests/pum/mktraces.sh); format: tests/pum/README.md.
 */
#include "pub_tool_basics.h"
#include "pub_tool_tooliface.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_libcfile.h"
#include "pub_tool_libcprint.h"
#include "pub_tool_machine.h"
#include "pub_tool_options.h"
#include "pub_tool_vki.h"

#define PR_TBL 16384        /* open-addressed set of this window's pages; > 2 * window */
#define PR_MAX_WINDOW 8000
#define PR_OUTBUF 65536
#define PR_TRAILER (~0ULL) /* never a record (vpn < 2^52): the next u64 is the event count */

static const HChar *pr_out = "pagerec.%p.raw";
static Long pr_window = 4096;

static ULong pr_key[PR_TBL];   /* vpn + 1; 0: empty */
static UChar pr_w[PR_TBL];
static UInt pr_order[PR_MAX_WINDOW * 2 + 2];
static UInt pr_norder;
static Long pr_events;
static ULong pr_buf[PR_OUTBUF];
static Int pr_nbuf;
static Int pr_fd = -1;
static ULong pr_total;
static ULong pr_allevents; /* memory events over the whole run: the trailer's time base */

static void pr_flush_buf(void)
{
	if (pr_fd >= 0 && pr_nbuf > 0)
		VG_(write)(pr_fd, pr_buf, pr_nbuf * sizeof(ULong));
	pr_nbuf = 0;
}

/* pr_end_window - emit this window's pages in first-touch order and empty the set. */
static void pr_end_window(void)
{
	for (UInt i = 0; i < pr_norder; i++) {
		UInt h = pr_order[i];
		pr_buf[pr_nbuf++] = ((pr_key[h] - 1) << 1) | pr_w[h];
		if (pr_nbuf == PR_OUTBUF)
			pr_flush_buf();
		pr_key[h] = 0;
	}
	pr_total += pr_norder;
	pr_allevents += (ULong)pr_events;
	pr_norder = 0;
	pr_events = 0;
}

static void pr_page(ULong vpn, UWord w)
{
	UInt h = (UInt)((vpn * 0x9E3779B97F4A7C15ULL) >> 50) & (PR_TBL - 1);

	while (pr_key[h] != 0 && pr_key[h] != vpn + 1)
		h = (h + 1) & (PR_TBL - 1);
	if (pr_key[h] == 0) {
		pr_key[h] = vpn + 1;
		pr_w[h] = (UChar)w;
		pr_order[pr_norder++] = h;
	} else {
		pr_w[h] |= (UChar)w;
	}
}

/* pr_access - one memory event of @size bytes at @addr (both pages if it straddles). */
static VG_REGPARM(3) void pr_access(Addr addr, UWord size, UWord w)
{
	pr_page(addr >> 12, w);
	if (((addr & 0xFFF) + size) > 0x1000)
		pr_page((addr + size - 1) >> 12, w);
	if (++pr_events >= pr_window)
		pr_end_window();
}

static void pr_call(IRSB *sb, IRExpr *addr, Int size, Bool w, IRExpr *guard)
{
	IRExpr **argv = mkIRExprVec_3(addr, mkIRExpr_HWord((HWord)size), mkIRExpr_HWord(w ? 1 : 0));
	IRDirty *di = unsafeIRDirty_0_N(3, "pr_access", VG_(fnptr_to_fnentry)(pr_access), argv);

	if (guard != NULL)
		di->guard = guard;
	addStmtToIRSB(sb, IRStmt_Dirty(di));
}

/* pr_instrument_stmt - add the memory events of @st (before it) to @out. */
static void pr_instrument_stmt(IRSB *out, IRSB *in, IRStmt *st, Addr *code_page)
{
	switch (st->tag) {
	case Ist_IMark:
		if ((st->Ist.IMark.addr >> 12) != *code_page) {
			*code_page = st->Ist.IMark.addr >> 12;
			pr_call(out, mkIRExpr_HWord(st->Ist.IMark.addr), 1, False, NULL);
		}
		break;
	case Ist_WrTmp:
		if (st->Ist.WrTmp.data->tag == Iex_Load)
			pr_call(out, st->Ist.WrTmp.data->Iex.Load.addr,
				sizeofIRType(st->Ist.WrTmp.data->Iex.Load.ty), False, NULL);
		break;
	case Ist_Store:
		pr_call(out, st->Ist.Store.addr, sizeofIRType(typeOfIRExpr(in->tyenv, st->Ist.Store.data)),
			True, NULL);
		break;
	case Ist_StoreG:
		pr_call(out, st->Ist.StoreG.details->addr,
			sizeofIRType(typeOfIRExpr(in->tyenv, st->Ist.StoreG.details->data)), True,
			st->Ist.StoreG.details->guard);
		break;
	case Ist_LoadG:
		pr_call(out, st->Ist.LoadG.details->addr, 8, False, st->Ist.LoadG.details->guard);
		break;
	case Ist_Dirty:
		if (st->Ist.Dirty.details->mFx != Ifx_None)
			pr_call(out, st->Ist.Dirty.details->mAddr, st->Ist.Dirty.details->mSize,
				st->Ist.Dirty.details->mFx != Ifx_Read, NULL);
		break;
	case Ist_CAS:
		pr_call(out, st->Ist.CAS.details->addr,
			sizeofIRType(typeOfIRExpr(in->tyenv, st->Ist.CAS.details->dataLo)), True, NULL);
		break;
	case Ist_LLSC:
		pr_call(out, st->Ist.LLSC.addr, 8, st->Ist.LLSC.storedata != NULL, NULL);
		break;
	default:
		break;
	}
}

static IRSB *pr_instrument(VgCallbackClosure *closure, IRSB *in, const VexGuestLayout *layout,
			   const VexGuestExtents *vge, const VexArchInfo *archinfo_host,
			   IRType gWordTy, IRType hWordTy)
{
	IRSB *out = deepCopyIRSBExceptStmts(in);
	Addr code_page = ~(Addr)0;
	Int i = 0;

	(void)closure; (void)layout; (void)vge; (void)archinfo_host; (void)gWordTy; (void)hWordTy;
	while (i < in->stmts_used && in->stmts[i]->tag != Ist_IMark)
		addStmtToIRSB(out, in->stmts[i++]);
	for (; i < in->stmts_used; i++) {
		IRStmt *st = in->stmts[i];
		if (st == NULL || st->tag == Ist_NoOp)
			continue;
		pr_instrument_stmt(out, in, st, &code_page);
		addStmtToIRSB(out, st);
	}
	return out;
}

static void pr_post_clo_init(void)
{
	const HChar *path = VG_(expand_file_name)("--out", pr_out);
	SysRes r = VG_(open)(path, VKI_O_CREAT | VKI_O_WRONLY | VKI_O_TRUNC, 0644);

	if (pr_window < 16 || pr_window > PR_MAX_WINDOW)
		VG_(tool_panic)("pagerec: --window must be 16..8000");
	if (sr_isError(r))
		VG_(tool_panic)("pagerec: cannot open the --out file");
	pr_fd = (Int)sr_Res(r);
}

static void pr_fini(Int exitcode)
{
	(void)exitcode;
	pr_end_window();
	pr_buf[pr_nbuf++] = PR_TRAILER; /* then the number of memory events the records stand for */
	if (pr_nbuf == PR_OUTBUF)
		pr_flush_buf();
	pr_buf[pr_nbuf++] = pr_allevents;
	pr_flush_buf();
	if (pr_fd >= 0)
		VG_(close)(pr_fd);
	VG_(umsg)("pagerec: %llu page records, %llu memory events\n", pr_total, pr_allevents);
}

static Bool pr_option(const HChar *arg)
{
	if VG_STR_CLO (arg, "--out", pr_out) {
	} else if VG_INT_CLO (arg, "--window", pr_window) {
	} else {
		return False;
	}
	return True;
}

static void pr_usage(void)
{
	VG_(printf)("    --out=FILE     raw page records (%%p: pid) [pagerec.%%p.raw]\n"
		    "    --window=N     memory events per window, 16..8000 [4096]\n");
}

static void pr_debug_usage(void)
{
}

static void pr_pre_clo_init(void)
{
	VG_(details_name)("pagerec");
	VG_(details_version)("1");
	VG_(details_description)("page references, once per window (Quire's page-usage harness)");
	VG_(details_copyright_author)("Quire");
	VG_(details_bug_reports_to)("the Quire issue tracker");
	VG_(basic_tool_funcs)(pr_post_clo_init, pr_instrument, pr_fini);
	VG_(needs_command_line_options)(pr_option, pr_usage, pr_debug_usage);
}

VG_DETERMINE_INTERFACE_VERSION(pr_pre_clo_init)
