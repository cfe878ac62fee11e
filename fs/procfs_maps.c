/*
 * /proc/<pid>/maps and smaps, and the memory figures of stat, statm and status.
 *
 * The layout (addresses, protections) is the host's, read through the platform: the host
 * kernel places every guest mapping. The names are the Sentry's: file-backed ranges from the
 * mm's file bookkeeping (sentry/mm.h), [heap] from the program break, [stack] from the
 * initial stack, [vdso], [vvar] and [vsyscall] as the platform reports them. The stub's own
 * pages are never shown.
 *
 * Estimates: the Sentry does not know which pages are resident, so every page of a mapping
 * that has any access counts as resident (Rss, Pss, VmRSS, statm's resident); that is an
 * upper bound. Peaks equal current figures; nothing is ever swapped or locked.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fs/procfs_internal.h"
#include "sentry/mm.h"

/* One line of maps. */
struct vma_line {
	uint64_t start, end;
	unsigned prot;
	bool shared;
	struct file *file; /* referenced, or NULL for anonymous memory */
	uint64_t off;
	const char *special; /* "[heap]", "[stack]", ... */
	bool exe;	     /* a mapping of the program file */
};

struct vma_list {
	struct vma_line *v;
	size_t n, cap;
};

/* The mm's bookkeeping, copied under its lock. */
struct mm_copy {
	struct file_vma *fv;
	size_t nfv;
	uint64_t brk_start, brk, stack_top, vdso;
	struct file *exe;
};

struct regions_req {
	struct pl_region *v;
	size_t n;
};

static long get_regions(struct task *t, void *arg)
{
	struct regions_req *r = arg;
	if (!t->pl->regions)
		return -ENOSYS;
	size_t cap = 256;
	for (int tries = 0; tries < 4; tries++) {
		struct pl_region *v = realloc(r->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		r->v = v;
		long n = t->pl->regions(t->th, r->v, cap);
		if (n < 0)
			return n;
		if ((size_t)n <= cap) {
			r->n = (size_t)n;
			return 0;
		}
		cap = (size_t)n + 64; /* it grew meanwhile: room for some more */
	}
	return -EAGAIN;
}

static int copy_mm(struct mm *mm, struct mm_copy *c)
{
	int err = 0;
	memset(c, 0, sizeof(*c));
	pthread_mutex_lock(&mm->lock);
	if (mm->nvmas) {
		c->fv = malloc(mm->nvmas * sizeof(*c->fv));
		if (!c->fv) {
			err = -ENOMEM;
			goto out;
		}
		memcpy(c->fv, mm->vmas, mm->nvmas * sizeof(*c->fv));
		c->nfv = mm->nvmas;
		for (size_t i = 0; i < c->nfv; i++)
			file_get(c->fv[i].file);
	}
	c->brk_start = mm->brk_start;
	c->brk = mm->brk;
	c->stack_top = mm->stack_top;
	c->vdso = mm->vdso;
	c->exe = mm->exe_file;
	if (c->exe)
		file_get(c->exe);
out:
	pthread_mutex_unlock(&mm->lock);
	return err;
}

static void free_mm_copy(struct mm_copy *c)
{
	for (size_t i = 0; i < c->nfv; i++)
		file_put(c->fv[i].file);
	free(c->fv);
	file_put(c->exe);
}

static void free_list(struct vma_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		file_put(l->v[i].file);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int add_line(struct vma_list *l, const struct vma_line *line)
{
	if (line->end <= line->start)
		return 0;
	/* Two pieces of one special kind in a row are one to the guest ([vvar] and the
	 * [vvar_vclock] of newer hosts). */
	if (l->n && line->special && !line->file) {
		struct vma_line *last = &l->v[l->n - 1];
		if (last->special == line->special && last->end == line->start &&
		    last->prot == line->prot && !last->file) {
			last->end = line->end;
			return 0;
		}
	}
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		struct vma_line *v = realloc(l->v, ncap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = ncap;
	}
	l->v[l->n] = *line;
	if (line->file)
		file_get(line->file);
	l->n++;
	return 0;
}

static const char *kind_name(enum pl_region_kind k)
{
	switch (k) {
	case PL_REGION_VDSO:
		return "[vdso]";
	case PL_REGION_VVAR:
		return "[vvar]";
	case PL_REGION_VSYSCALL:
		return "[vsyscall]";
	default:
		return NULL;
	}
}

/* Cuts region r at file-range and heap boundaries and names each piece. */
static int add_region(struct vma_list *l, const struct pl_region *r, const struct mm_copy *c)
{
	uint64_t heap_lo = PAGE_UP(c->brk_start), heap_hi = PAGE_UP(c->brk);
	uint64_t x = r->start;
	int err = 0;
	while (x < r->end && err == 0) {
		struct vma_line line = {.start = x, .prot = r->prot, .shared = r->shared};
		uint64_t end = r->end;
		const struct file_vma *fv = NULL;
		for (size_t i = 0; i < c->nfv; i++) {
			if (c->fv[i].start <= x && c->fv[i].end > x)
				fv = &c->fv[i];
			else if (c->fv[i].start > x && c->fv[i].start < end)
				end = c->fv[i].start;
		}
		if (fv) {
			end = fv->end < r->end ? fv->end : r->end;
			line.file = fv->file;
			line.off = fv->off + (x - fv->start);
			line.shared = fv->shared;
			line.exe = c->exe && fv->file->path.dentry == c->exe->path.dentry;
		} else if (r->kind != PL_REGION_PLAIN) {
			line.special = kind_name(r->kind);
		} else if (heap_hi > heap_lo && x < heap_lo && end > heap_lo) {
			end = heap_lo;
		} else if (heap_hi > heap_lo && x >= heap_lo && x < heap_hi) {
			line.special = "[heap]";
		}
		if (!line.special && !line.file && c->stack_top && x < c->stack_top &&
		    end >= c->stack_top)
			line.special = "[stack]";
		line.end = end;
		err = add_line(l, &line);
		x = end;
	}
	return err;
}

/* Without the platform's layout: the ranges the Sentry knows of, and nothing else. */
static int add_known(struct vma_list *l, const struct mm_copy *c)
{
	int err = 0;
	for (size_t i = 0; i < c->nfv && err == 0; i++) {
		struct pl_region r = {c->fv[i].start, c->fv[i].end, PROT_READ, c->fv[i].shared,
				      PL_REGION_PLAIN};
		err = add_region(l, &r, c);
	}
	return err;
}

/* The lines of maps for the node's process, in address order. */
static int build_list(const struct proc_node *n, const struct proc_view *v, struct vma_list *l)
{
	struct regions_req req = {0};
	struct mm_copy c;
	memset(l, 0, sizeof(*l));
	if (!v->mm)
		return 0;
	long err = proc_with_thread(n, get_regions, &req);
	if (err == -ESRCH) {
		free(req.v);
		return 0; /* no thread: an address space that is going away */
	}
	if (err < 0 && err != -ENOSYS) {
		free(req.v);
		return (int)err;
	}
	bool have_layout = err == 0;
	err = copy_mm(v->mm, &c);
	if (err == 0) {
		if (have_layout) {
			for (size_t i = 0; i < req.n && err == 0; i++) {
				const struct pl_region *r = &req.v[i];
				if (mm_range_forbidden(r->start, r->end - r->start) &&
				    r->kind == PL_REGION_PLAIN)
					continue; /* the stub's, never the guest's */
				err = add_region(l, r, &c);
			}
		} else {
			err = add_known(l, &c);
		}
		free_mm_copy(&c);
	}
	free(req.v);
	if (err < 0)
		free_list(l);
	return (int)err;
}

static void put_line(struct pbuf *b, const struct vma_line *line, const struct path *root,
		     char *scratch)
{
	struct stat st = {0};
	const char *name = line->special;
	if (line->file) {
		if (line->file->inode)
			vfs_getattr(line->file->inode, &st);
		name = path_to_string(&line->file->path, root, scratch, PATH_MAX) >= 0 ? scratch
										       : NULL;
	}
	size_t before = b->len;
	pb_printf(b, "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %llu ",
		  (unsigned long long)line->start, (unsigned long long)line->end,
		  line->prot & PROT_READ ? 'r' : '-', line->prot & PROT_WRITE ? 'w' : '-',
		  line->prot & PROT_EXEC ? 'x' : '-', line->shared ? 's' : 'p',
		  (unsigned long long)(line->file ? line->off : 0),
		  line->file ? major(st.st_dev) : 0, line->file ? minor(st.st_dev) : 0,
		  (unsigned long long)(line->file ? st.st_ino : 0));
	if (name && *name) {
		/* Linux pads the name to column 73 (25 + 6 * sizeof(void *), then a space). */
		size_t w = b->len - before;
		for (; w < 72; w++)
			pb_write(b, " ", 1);
		pb_puts(b, " ");
		pb_puts(b, name);
	}
	pb_puts(b, "\n");
}

static bool is_stack(const struct vma_line *l)
{
	return l->special && strcmp(l->special, "[stack]") == 0;
}

/* Resident, as estimated: every page of a mapping with some access (see the top). */
static uint64_t rss_of(const struct vma_line *l)
{
	if (!l->prot || (l->special && strcmp(l->special, "[vsyscall]") == 0))
		return 0;
	return l->end - l->start;
}

static void put_smaps(struct pbuf *b, const struct vma_line *l)
{
	uint64_t size = l->end - l->start, rss = rss_of(l);
	bool anon = !l->file;
	const struct {
		const char *name;
		uint64_t bytes;
	} rows[] = {
	    {"Size", size},
	    {"KernelPageSize", GUEST_PAGE_SIZE},
	    {"MMUPageSize", GUEST_PAGE_SIZE},
	    {"Rss", rss},
	    {"Pss", rss},
	    {"Pss_Dirty", anon ? rss : 0},
	    {"Shared_Clean", 0},
	    {"Shared_Dirty", 0},
	    {"Private_Clean", anon ? 0 : rss},
	    {"Private_Dirty", anon ? rss : 0},
	    {"Referenced", rss},
	    {"Anonymous", anon ? rss : 0},
	    {"KSM", 0},
	    {"LazyFree", 0},
	    {"AnonHugePages", 0},
	    {"ShmemPmdMapped", 0},
	    {"FilePmdMapped", 0},
	    {"Shared_Hugetlb", 0},
	    {"Private_Hugetlb", 0},
	    {"Swap", 0},
	    {"SwapPss", 0},
	    {"Locked", 0},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char label[20];
		snprintf(label, sizeof(label), "%s:", rows[i].name);
		pb_printf(b, "%-16s%8llu kB\n", label, (unsigned long long)(rows[i].bytes >> 10));
	}
	pb_printf(b, "THPeligible:    0\nVmFlags:%s%s%s%s mr%s me%s%s \n",
		  l->prot & PROT_READ ? " rd" : "", l->prot & PROT_WRITE ? " wr" : "",
		  l->prot & PROT_EXEC ? " ex" : "", l->shared ? " sh" : "",
		  l->shared && !(l->prot & PROT_WRITE) && l->file ? "" : " mw",
		  is_stack(l) ? " gd" : "",
		  !l->shared && (l->prot & PROT_WRITE) && anon ? " ac" : "");
}

static int render(const struct proc_node *n, struct task *caller, struct pbuf *b, bool smaps)
{
	struct proc_view v;
	struct vma_list l;
	struct path root;
	int err = proc_view_get(n, caller, PV_MM, &v);
	if (err < 0)
		return err;
	if (!proc_may_access(caller, &v)) {
		err = -EACCES;
		goto out;
	}
	err = build_list(n, &v, &l);
	if (err < 0)
		goto out;
	char *scratch = malloc(PATH_MAX);
	if (!scratch) {
		free_list(&l);
		err = -ENOMEM;
		goto out;
	}
	proc_reader_root(caller, &root);
	for (size_t i = 0; i < l.n; i++) {
		put_line(b, &l.v[i], &root, scratch);
		if (smaps)
			put_smaps(b, &l.v[i]);
	}
	path_put(&root);
	free(scratch);
	free_list(&l);
out:
	proc_view_put(&v);
	return err;
}

int proc_render_maps(const struct proc_node *n, struct task *caller, struct pbuf *b)
{
	return render(n, caller, b, false);
}

int proc_render_smaps(const struct proc_node *n, struct task *caller, struct pbuf *b)
{
	return render(n, caller, b, true);
}

void proc_vmstat_get(const struct proc_node *n, const struct proc_view *v, struct proc_vmstat *s)
{
	struct vma_list l;
	memset(s, 0, sizeof(*s));
	if (!v->mm || build_list(n, v, &l) < 0)
		return;
	for (size_t i = 0; i < l.n; i++) {
		const struct vma_line *x = &l.v[i];
		uint64_t len = x->end - x->start;
		if (x->special && strcmp(x->special, "[vsyscall]") == 0)
			continue; /* not a mapping of the process in Linux's counts */
		s->size += len;
		s->rss += rss_of(x);
		if (x->file)
			s->file += rss_of(x);
		if (is_stack(x))
			s->stack += len;
		else if (!x->shared && (x->prot & PROT_WRITE))
			s->data += len; /* Linux's VmData: private writable, not the stack */
		if (x->file && (x->prot & PROT_EXEC)) {
			if (x->exe) {
				s->exe += len;
				if (!s->start_code || x->start < s->start_code)
					s->start_code = x->start;
				if (x->end > s->end_code)
					s->end_code = x->end;
			} else {
				s->lib += len;
			}
		}
		if (x->exe && (x->prot & PROT_WRITE)) {
			if (!s->start_data || x->start < s->start_data)
				s->start_data = x->start;
			if (x->end > s->end_data)
				s->end_data = x->end;
		}
	}
	s->text = s->end_code - s->start_code;
	free_list(&l);
}
