/*
 * The ELF loader: maps a validated image (sentry/elf.c) into the task's address space.
 *
 * Mapping is done as Linux's binfmt_elf does in effect, with anonymous host memory: the
 * whole span of PT_LOAD segments is reserved at once, each segment's bytes (from the start
 * of its first page in the file, so the ELF and program headers are visible where AT_PHDR
 * says) are copied in, then every page gets its segment's protection and gaps none.
 */
#define _GNU_SOURCE
#include "sentry/exec.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/random.h>

#include "fs/vfs.h"
#include "sentry/elf.h"
#include "sentry/initstack.h"
#include "sentry/mm.h"
#include "sentry/task.h"

#define ELF_ET_DYN_BASE 0x555555554000ULL

static long file_read_at(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct file *f = ctx;
	int64_t pos = (int64_t)off;
	size_t done = 0;
	while (done < len) {
		long n = f->ops->read(f, (char *)buf + done, len - done, &pos);
		if (n < 0)
			return n;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (long)done;
}

static uint64_t random_pages(unsigned bits)
{
	uint64_t r = 0;
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = 0;
	return (r & ((1ULL << bits) - 1)) * GUEST_PAGE_SIZE;
}

/* Opens path for exec; returns an open file and its size. */
static int open_exec(struct task *t, const char *path, struct file **out, uint64_t *size)
{
	struct path p;
	struct stat st;
	int err = path_lookup_at(t, AT_FDCWD, path, LOOKUP_FOLLOW, &p);
	if (err < 0)
		return err;
	if (!S_ISREG(p.dentry->inode->mode)) {
		err = -EACCES;
		goto out;
	}
	err = inode_permission(p.dentry->inode, 1 /* MAY_EXEC */, t);
	if (err < 0)
		goto out;
	err = vfs_open(t, &p, O_RDONLY, out);
	if (err < 0)
		goto out;
	err = vfs_getattr(p.dentry->inode, &st);
	if (err < 0) {
		file_put(*out);
		goto out;
	}
	*size = (uint64_t)st.st_size;
out:
	path_put(&p);
	return err;
}

static int prot_of(const struct elf_seg *s)
{
	return s->prot;
}

/* Maps img from f; returns the load bias (0 for ET_EXEC) or a negative errno. */
static long map_image(struct task *t, const struct elf_image *img, struct file *f, bool is_interp,
		      char *err, size_t errlen)
{
	uint64_t span = img->hi - img->lo;
	uint64_t want = 0;
	int flags = MAP_PRIVATE | MAP_FIXED_NOREPLACE;
	long r;

	if (img->type == ET_EXEC) {
		want = img->lo;
	} else if (!is_interp) {
		/* Like Linux: PIE programs near ELF_ET_DYN_BASE, randomized, aligned. */
		uint64_t align = img->align > GUEST_PAGE_SIZE ? img->align : GUEST_PAGE_SIZE;
		want = (ELF_ET_DYN_BASE + random_pages(28)) & ~(align - 1);
	} else {
		flags = MAP_PRIVATE; /* the interpreter goes where the host finds room */
	}
	if (want && mm_range_forbidden(want, span))
		goto nomem;
	r = mm_map_anon(t, want, span, PROT_READ | PROT_WRITE, flags);
	if (r < 0) {
		snprintf(err, errlen, "cannot map %#llx bytes at %#llx: %s",
			 (unsigned long long)span, (unsigned long long)want, strerror((int)-r));
		return r == -EEXIST ? -ENOMEM : r;
	}
	uint64_t base = (uint64_t)r;
	uint64_t bias = base - img->lo;
	if (img->type == ET_DYN && !is_interp && img->align > GUEST_PAGE_SIZE &&
	    (base & (img->align - 1))) {
		/* The host ignored our aligned hint (should not happen with NOREPLACE). */
		mm_unmap(t, base, span);
		goto nomem;
	}
	for (int i = 0; i < img->nsegs; i++) {
		const struct elf_seg *s = &img->segs[i];
		uint64_t lead = s->vaddr - PAGE_DOWN(s->vaddr);
		int e = mm_fill_from_file(t, PAGE_DOWN(s->vaddr) + bias, f, s->offset - lead,
					  s->filesz + lead);
		if (e < 0) {
			snprintf(err, errlen, "cannot read segment %d: %s", i, strerror(-e));
			mm_unmap(t, base, span);
			return e;
		}
	}
	/* Gaps between segments get no access, as Linux leaves them unmapped or PROT_NONE. */
	mm_protect(t, base, span, PROT_NONE);
	for (int i = 0; i < img->nsegs; i++) {
		const struct elf_seg *s = &img->segs[i];
		uint64_t lo = PAGE_DOWN(s->vaddr) + bias, hi = PAGE_UP(s->vaddr + s->memsz) + bias;
		long e = mm_protect(t, lo, hi - lo, prot_of(s));
		if (e < 0) {
			mm_unmap(t, base, span);
			return e;
		}
	}
	/* The file part of each segment is a private file mapping to the guest (its name in
	 * /proc/<pid>/maps; MADV_DONTNEED refills it); the bss beyond it is anonymous. */
	pthread_mutex_lock(&t->mm->lock);
	for (int i = 0; i < img->nsegs; i++) {
		const struct elf_seg *s = &img->segs[i];
		uint64_t lead = s->vaddr - PAGE_DOWN(s->vaddr);
		uint64_t lo = PAGE_DOWN(s->vaddr) + bias, hi = PAGE_UP(s->vaddr + s->filesz) + bias;
		if (s->filesz && mm_vma_add(t->mm, lo, hi, f, s->offset - lead, false, true) < 0)
			break; /* bookkeeping only: the rest reads as anonymous memory */
	}
	pthread_mutex_unlock(&t->mm->lock);
	return (long)bias;
nomem:
	snprintf(err, errlen, "no room for the image at %#llx", (unsigned long long)want);
	return -ENOMEM;
}

/* Maps the stack: GUEST_STACK_SIZE below a randomized top, never over the stub or vDSO. */
static int map_stack(struct task *t, uint64_t *top)
{
	for (int tries = 0; tries < 8; tries++) {
		uint64_t hi = GUEST_TOP - GUEST_PAGE_SIZE - random_pages(16);
		long r =
		    mm_map_anon(t, hi - GUEST_STACK_SIZE, GUEST_STACK_SIZE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_FIXED_NOREPLACE | MAP_STACK);
		if (r >= 0) {
			*top = hi;
			return 0;
		}
		if (r != -EEXIST)
			return (int)r;
	}
	return -ENOMEM;
}

static int load_file(struct task *t, const char *path, struct elf_image *img, long *bias,
		     bool is_interp, char *err, size_t errlen)
{
	struct file *f;
	uint64_t size;
	int e = open_exec(t, path, &f, &size);
	if (e < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-e));
		return e;
	}
	char why[200] = "";
	e = elf_parse(file_read_at, f, size, img, why, sizeof(why));
	if (e < 0) {
		snprintf(err, errlen, "%s: not a valid x86_64 ELF executable: %s", path, why);
		goto out;
	}
	if (is_interp && img->has_interp) {
		snprintf(err, errlen, "%s: the interpreter has an interpreter", path);
		e = -ELIBBAD;
		goto out;
	}
	*bias = map_image(t, img, f, is_interp, err, errlen);
	if (*bias < 0 && *bias > -4096)
		e = (int)*bias;
	if (e >= 0 && !is_interp) {
		/* The program, as Linux's mm->exe_file: /proc/<pid>/exe. */
		pthread_mutex_lock(&t->mm->lock);
		file_put(t->mm->exe_file);
		t->mm->exe_file = f;
		file_get(f);
		pthread_mutex_unlock(&t->mm->lock);
	}
out:
	file_put(f);
	return e;
}

int exec_load(struct task *t, const char *path, const char *const *argv, size_t argc,
	      const char *const *envp, size_t envc, char *err, size_t errlen)
{
	struct elf_image *img = calloc(2, sizeof(*img));
	struct elf_image *interp = img + 1;
	long bias = 0, ibias = 0;
	void *stack = NULL;
	int e;

	if (!img)
		return -ENOMEM;
	e = load_file(t, path, img, &bias, false, err, errlen);
	if (e < 0)
		goto out;
	if (img->has_interp) {
		e = load_file(t, img->interp, interp, &ibias, true, err, errlen);
		if (e < 0) {
			if (e == -ENOENT)
				snprintf(err, errlen, "%s: bad interpreter %s: %s", path,
					 img->interp, strerror(ENOENT));
			goto out;
		}
	}
	t->mm->brk_start = t->mm->brk = img->hi + (uint64_t)bias;
	e = map_stack(t, &t->mm->stack_top);
	if (e < 0) {
		snprintf(err, errlen, "cannot map the stack: %s", strerror(-e));
		goto out;
	}

	uint8_t rnd[16];
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		memset(rnd, 0x5a, sizeof(rnd));
	uint64_t entry = img->entry + (uint64_t)bias;
	struct auxv_pair aux[] = {
	    {AT_SYSINFO_EHDR, t->mm->vdso},
	    {AT_MINSIGSTKSZ, getauxval(AT_MINSIGSTKSZ)},
	    {AT_HWCAP, getauxval(AT_HWCAP)},
	    {AT_PAGESZ, GUEST_PAGE_SIZE},
	    {AT_CLKTCK, 100},
	    {AT_PHDR, img->phdr_vaddr ? img->phdr_vaddr + (uint64_t)bias : 0},
	    {AT_PHENT, sizeof(Elf64_Phdr)},
	    {AT_PHNUM, img->phnum},
	    {AT_BASE, img->has_interp ? interp->lo + (uint64_t)ibias : 0},
	    {AT_FLAGS, 0},
	    {AT_ENTRY, entry},
	    {AT_UID, t->cred.ruid},
	    {AT_EUID, t->cred.euid},
	    {AT_GID, t->cred.rgid},
	    {AT_EGID, t->cred.egid},
	    {AT_SECURE, 0},
	    {AT_HWCAP2, getauxval(AT_HWCAP2)},
	};
	size_t auxc = sizeof(aux) / sizeof(aux[0]);
	if (!t->mm->vdso) {
		aux[0] = aux[auxc - 1];
		auxc--;
	}
	struct initstack_in in = {
	    .stack_top = t->mm->stack_top,
	    .argv = argv,
	    .argc = argc,
	    .envp = envp,
	    .envc = envc,
	    .execfn = path,
	    .platform = "x86_64",
	    .random16 = rnd,
	    .auxv = aux,
	    .auxc = auxc,
	};
	/* Linux allows a quarter of the stack limit for arguments and environment. */
	size_t cap = GUEST_STACK_SIZE / 4;
	uint64_t sp;
	stack = malloc(cap);
	if (!stack) {
		e = -ENOMEM;
		goto out;
	}
	long n = initstack_build(&in, stack, cap, &sp);
	if (n < 0) {
		e = (int)n;
		snprintf(err, errlen, "%s: argument list too long", path);
		goto out;
	}
	e = t->pl->poke(t->th, sp, stack, (size_t)n);
	if (e < 0)
		goto out;
	/* Where the strings are (initstack.h's layout: execfn below the 8-byte end marker, the
	 * environment strings below it, the arguments below those): /proc/<pid>/cmdline. */
	size_t argbytes = 0, envbytes = 0;
	for (size_t i = 0; i < argc; i++)
		argbytes += strlen(argv[i]) + 1;
	for (size_t i = 0; i < envc; i++)
		envbytes += strlen(envp[i]) + 1;
	t->mm->env_end = t->mm->stack_top - 8 - (strlen(path) + 1);
	t->mm->env_start = t->mm->env_end - envbytes;
	t->mm->arg_end = t->mm->env_start;
	t->mm->arg_start = t->mm->arg_end - argbytes;

	/* A fresh register file: only the selectors survive, as after a real execve. */
	pl_regs r = {0};
	r.cs = t->regs.cs;
	r.ss = t->regs.ss;
	r.ds = t->regs.ds;
	r.es = t->regs.es;
	r.eflags = 0x202;
	r.rsp = sp;
	r.rip = img->has_interp ? interp->entry + (uint64_t)ibias : entry;
	r.orig_rax = (uint64_t)-1;
	t->regs = r;
	snprintf(t->comm, sizeof(t->comm), "%s",
		 strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
out:
	free(stack);
	free(img);
	return e;
}

int exec_find(struct task *t, const char *cmd, const char *path_env, char *out, size_t cap)
{
	struct path p;
	int found_noexec = 0;
	if (!*cmd)
		return -ENOENT;
	if (strchr(cmd, '/')) {
		if (strlen(cmd) >= cap)
			return -ENAMETOOLONG;
		strcpy(out, cmd);
		int e = path_lookup_at(t, AT_FDCWD, cmd, LOOKUP_FOLLOW, &p);
		if (e < 0)
			return e;
		if (!S_ISREG(p.dentry->inode->mode) || inode_permission(p.dentry->inode, 1, t) < 0)
			e = -EACCES;
		path_put(&p);
		return e;
	}
	if (!path_env)
		path_env = "/usr/local/bin:/usr/bin:/bin";
	const char *d = path_env;
	while (1) {
		const char *end = strchr(d, ':');
		size_t dl = end ? (size_t)(end - d) : strlen(d);
		int n = snprintf(out, cap, "%.*s%s%s", (int)dl, d, dl ? "/" : "", cmd);
		if (n > 0 && (size_t)n < cap &&
		    path_lookup_at(t, AT_FDCWD, out, LOOKUP_FOLLOW, &p) == 0) {
			bool ok = S_ISREG(p.dentry->inode->mode) &&
				  inode_permission(p.dentry->inode, 1, t) == 0;
			path_put(&p);
			if (ok)
				return 0;
			found_noexec = 1;
		}
		if (!end)
			break;
		d = end + 1;
	}
	return found_noexec ? -EACCES : -ENOENT;
}

#define BINPRM_BUF_SIZE	 256 /* how much of a script's first line Linux reads */
#define MAX_INTERP_DEPTH 4

/* Parses "#!interp [arg]" from the first bytes of a file; 1 if it is a script, 0 if not,
 * -ENOEXEC for a "#!" line with no interpreter. */
static int parse_shebang(const char *buf, size_t n, char *interp, size_t icap, char *arg,
			 size_t acap)
{
	if (n < 2 || buf[0] != '#' || buf[1] != '!')
		return 0;
	char line[BINPRM_BUF_SIZE + 1];
	memcpy(line, buf, n);
	line[n] = 0;
	char *nl = strchr(line, '\n');
	if (nl)
		*nl = 0;
	char *p = line + 2;
	while (*p == ' ' || *p == '\t')
		p++;
	char *e = p;
	while (*e && *e != ' ' && *e != '\t')
		e++;
	if (e == p)
		return -ENOEXEC;
	char *rest = e;
	if (*rest)
		*rest++ = 0;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	/* Linux keeps the rest of the line as one argument, trailing blanks removed. */
	size_t rl = strlen(rest);
	while (rl && (rest[rl - 1] == ' ' || rest[rl - 1] == '\t'))
		rest[--rl] = 0;
	if (strlen(p) >= icap || rl >= acap)
		return -ENAMETOOLONG;
	strcpy(interp, p);
	strcpy(arg, rest);
	return 1;
}

static int read_head(struct task *t, const char *path, char *buf, size_t cap, size_t *n)
{
	struct file *f;
	uint64_t size;
	int e = open_exec(t, path, &f, &size);
	if (e < 0)
		return e;
	long r = file_read_at(f, buf, cap, 0);
	file_put(f);
	if (r < 0)
		return (int)r;
	*n = (size_t)r;
	return 0;
}

int exec_program(struct task *t, const char *path, const char *const *argv, size_t argc,
		 const char *const *envp, size_t envc, char *err, size_t errlen)
{
	char head[BINPRM_BUF_SIZE];
	char interp[MAX_INTERP_DEPTH][BINPRM_BUF_SIZE], arg[MAX_INTERP_DEPTH][BINPRM_BUF_SIZE];
	char file[MAX_INTERP_DEPTH + 1][PATH_MAX];
	size_t n = 0;
	int depth = 0;

	if (strlen(path) >= PATH_MAX)
		return -ENAMETOOLONG;
	strcpy(file[0], path);
	for (;;) {
		int e = read_head(t, file[depth], head, sizeof(head), &n);
		if (e < 0) {
			snprintf(err, errlen, "%s: %s", file[depth], strerror(-e));
			return e;
		}
		e = parse_shebang(head, n, interp[depth], sizeof(interp[0]), arg[depth],
				  sizeof(arg[0]));
		if (e < 0) {
			snprintf(err, errlen, "%s: bad #! line", file[depth]);
			return e;
		}
		if (e == 0)
			break;
		if (depth == MAX_INTERP_DEPTH) {
			snprintf(err, errlen, "%s: too many levels of #! interpreters", path);
			return -ELOOP;
		}
		strcpy(file[depth + 1], interp[depth]);
		depth++;
	}
	/* argv becomes: interp_k [arg_k] ... interp_1 [arg_1] path argv[1..]. */
	size_t nargv = argc + 2 * (size_t)depth + 1;
	const char **av = calloc(nargv, sizeof(*av));
	if (!av)
		return -ENOMEM;
	size_t k = 0;
	for (int d = depth - 1; d >= 0; d--) {
		av[k++] = interp[d];
		if (arg[d][0])
			av[k++] = arg[d];
	}
	if (depth) {
		av[k++] = path;
		for (size_t i = 1; i < argc; i++)
			av[k++] = argv[i];
	} else {
		for (size_t i = 0; i < argc; i++)
			av[k++] = argv[i];
	}
	int e = exec_load(t, file[depth], av, k, envp, envc, err, errlen);
	free(av);
	return e;
}
