/*
 * execve, execveat: a new program in the calling process.
 *
 * The new program gets a fresh stub (a new address space); only when it has loaded does the
 * old one go, so a failed exec returns to the caller intact, as Linux's does until its point
 * of no return. Set-id bits are ignored (documented in docs/architecture.md): the guest's
 * credentials are never raised by an exec.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "fs/vfs.h"
#include "sentry/exec.h"
#include "sentry/log.h"
#include "sentry/mm.h"
#include "sentry/process.h"
#include "sentry/signal.h"
#include "sentry/syscalls/path_arg.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

#define MAX_ARG_STRLEN (32 * 4096) /* Linux: one argument or variable */
#define ARGS_TOTAL_MAX (2 << 20)   /* a quarter of the 8 MiB stack, as Linux allows */
#define MAX_ARG_COUNT  0x7fffffff

/* A vector of strings copied from the guest, with one budget for all of them. */
struct strvec {
	char **v;
	size_t n, cap;
};

static void strvec_free(struct strvec *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

static long copy_strvec(struct task *t, uint64_t uvec, struct strvec *out, size_t *budget)
{
	memset(out, 0, sizeof(*out));
	if (!uvec)
		return 0; /* Linux accepts NULL argv/envp as empty */
	for (size_t i = 0;; i++) {
		uint64_t p;
		if (i >= MAX_ARG_COUNT)
			return -E2BIG;
		if (copy_from_guest(t, &p, uvec + i * 8, 8) < 0)
			return -EFAULT;
		if (!p)
			return 0;
		char *s = malloc(MAX_ARG_STRLEN);
		if (!s)
			return -ENOMEM;
		long n = copy_string_from_guest(t, s, p, MAX_ARG_STRLEN);
		if (n < 0) {
			free(s);
			return n == -ENAMETOOLONG ? -E2BIG : n;
		}
		size_t need = (size_t)n + 1 + sizeof(char *);
		if (need > *budget) {
			free(s);
			return -E2BIG;
		}
		*budget -= need;
		char *shrunk = realloc(s, (size_t)n + 1);
		if (shrunk)
			s = shrunk;
		if (out->n == out->cap) {
			size_t nc = out->cap ? out->cap * 2 : 16;
			char **nv = realloc(out->v, nc * sizeof(*nv));
			if (!nv) {
				free(s);
				return -ENOMEM;
			}
			out->v = nv;
			out->cap = nc;
		}
		out->v[out->n++] = s;
	}
}

/* Everything that an exec resets once the new image is in place. */
static void exec_commit(struct task *t, struct pl_thread *old_th, struct mm *old_mm)
{
	/* Marked exec'd before anything the parent could observe (the close-on-exec fds
	 * closing) happens, so a parent that sees them close also sees setpgid refused. */
	struct sandbox *sb = t->sb;
	pthread_mutex_lock(&sb->lock);
	t->proc->execed = true;
	t->proc->vfork_done = true;
	/* Linux's begin_new_exec for an exec without set-id bits: dumpable again, keepcaps
	 * (SECURE_KEEP_CAPS) cleared; the rest of prctl's state stays. */
	t->proc->dumpable = 1;
	t->keepcaps = false;
	pthread_cond_broadcast(&sb->child_cv);
	pthread_mutex_unlock(&sb->lock);
	t->pl->release(old_th);
	mm_free(old_mm);
	fd_table_close_on_exec(t->fdt);
	pthread_mutex_lock(&t->sig_lock);
	for (int i = 0; i < 64; i++) {
		/* Handlers reset to the default; ignored signals stay ignored. */
		if (t->sigactions[i].handler != (uint64_t)(uintptr_t)SIG_IGN)
			memset(&t->sigactions[i], 0, sizeof(t->sigactions[i]));
	}
	pthread_mutex_unlock(&t->sig_lock);
	memset(&t->altstack, 0, sizeof(t->altstack));
	t->altstack.ss_flags = SS_DISABLE;
	t->clear_child_tid = 0;
	t->robust_list = 0;
}

static long do_execveat(struct task *t, int dirfd, uint64_t upath, uint64_t uargv, uint64_t uenvp,
			int flags)
{
	char *path = NULL, *full = NULL;
	struct strvec argv = {0}, envp = {0};
	size_t budget = ARGS_TOTAL_MAX;
	char err[512] = "";
	long r;

	if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return -EINVAL;
	r = path_arg(t, upath, &path);
	if (r < 0)
		return r;
	r = copy_strvec(t, uargv, &argv, &budget);
	if (r == 0)
		r = copy_strvec(t, uenvp, &envp, &budget);
	if (r < 0)
		goto out;

	/* exec_program walks absolute paths or from the cwd: make dirfd-relative paths whole. */
	if (dirfd != AT_FDCWD && path[0] != '/') {
		struct file *f = fd_get(t->fdt, dirfd);
		if (!f) {
			r = -EBADF;
			goto out;
		}
		file_put(f);
		log_warn("execveat with a directory fd is not supported yet");
		r = -ENOSYS;
		goto out;
	}
	if (!*path) {
		r = -ENOENT;
		goto out;
	}
	full = path;
	path = NULL;

	/* The other threads of the process go first, as in Linux's de_thread; the caller
	 * takes the leader's identity. */
	if (t->proc->nr_threads > 1) {
		process_kill_other_threads(t);
		struct sandbox *sb = t->sb;
		pthread_mutex_lock(&sb->lock);
		while (t->proc->nr_threads > 1 &&
		       task_wait_killable(t, &sb->lock, &sb->child_cv) == 0)
			;
		pthread_mutex_unlock(&sb->lock);
		if (t->proc->nr_threads > 1) {
			r = -EINTR; /* killed meanwhile: it dies on the way out */
			goto out;
		}
		t->tid = t->tgid;
	}

	/* Load into a new address space; the old one stays until the new one is ready. */
	struct pl_thread *old_th = t->th, *new_th;
	struct pl_as *new_as;
	struct mm *old_mm = t->mm;
	pl_regs old_regs = t->regs;
	r = t->pl->as_create(&new_as, &new_th);
	if (r < 0)
		goto out;
	struct mm *new_mm = mm_new();
	if (!new_mm) {
		t->pl->release(new_th);
		r = -ENOMEM;
		goto out;
	}
	pthread_mutex_lock(&t->sig_lock);
	t->th = new_th;
	pthread_mutex_unlock(&t->sig_lock);
	t->mm = new_mm;
	t->pl->get_regs(new_th, &t->regs);
	new_mm->vdso = t->pl->vdso_base(new_th);
	const char *empty[] = {NULL};
	r = exec_program(t, full, argv.n ? (const char *const *)argv.v : empty, argv.n,
			 envp.n ? (const char *const *)envp.v : empty, envp.n, err, sizeof(err));
	if (r < 0) {
		log_debug("execve %s: %s", full, err);
		pthread_mutex_lock(&t->sig_lock);
		t->th = old_th;
		pthread_mutex_unlock(&t->sig_lock);
		t->mm = old_mm;
		t->regs = old_regs;
		t->pl->release(new_th);
		mm_free(new_mm);
		goto out;
	}
	exec_commit(t, old_th, old_mm);
	r = SYSCALL_REGS_SET;
out:
	strvec_free(&argv);
	strvec_free(&envp);
	free(path);
	free(full);
	return r;
}

long sys_execve(struct task *t, const uint64_t a[6])
{
	return do_execveat(t, AT_FDCWD, a[0], a[1], a[2], 0);
}

long sys_execveat(struct task *t, const uint64_t a[6])
{
	return do_execveat(t, (int)a[0], a[1], a[2], a[3], (int)a[4]);
}
