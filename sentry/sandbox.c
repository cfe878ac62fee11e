#define _GNU_SOURCE
#include "sentry/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include "fs/vfs.h"
#include "sentry/log.h"
#include "sentry/mm.h"
#include "sentry/process.h"
#include "sentry/signal.h"
#include "sentry/timer.h"
#include "sentry/syscalls/table.h"

static int install_host_stdio(struct fd_table *fdt)
{
	for (int fd = 0; fd <= 2; fd++) {
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0)
			continue; /* closed in the caller: closed in the guest */
		struct file *f = hostfd_file_new(fd, fl & ~O_CLOEXEC);
		if (!f)
			return -ENOMEM;
		int r = fd_install_at(fdt, fd, f, false);
		file_put(f);
		if (r < 0)
			return r;
	}
	return 0;
}

static int set_cwd(struct task *t, const char *cwd, char *err, size_t errlen)
{
	struct path p;
	int e = path_lookup_at(t, AT_FDCWD, cwd, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &p);
	if (e < 0) {
		snprintf(err, errlen, "working directory %s: %s", cwd, strerror(-e));
		return e;
	}
	path_put(&t->fs->cwd);
	t->fs->cwd = p;
	return 0;
}

int sandbox_new_init_task(struct sandbox *sb, const struct init_spec *spec, struct task **out,
			  char *err, size_t errlen)
{
	struct task *t = calloc(1, sizeof(*t));
	struct path root = {spec->root, spec->root->root};
	int e;

	if (!t)
		return -ENOMEM;
	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&sb->lock, &ma);
	pthread_mutexattr_destroy(&ma);
	cond_init_monotonic(&sb->child_cv);
	cond_init_monotonic(&sb->timer_cv);
	pthread_mutex_init(&sb->timer_lock, NULL);
	if (!sb->pids_max)
		sb->pids_max = SANDBOX_PIDS_MAX_DEFAULT;
	e = signal_sentry_init();
	if (e < 0) {
		free(t);
		return e;
	}
	e = task_init_common(t);
	if (e < 0) {
		free(t);
		return e;
	}
	t->sb = sb;
	t->pl = sb->pl;
	t->tid = t->tgid = t->pgid = t->sid = 1;
	t->ppid = 0;
	t->cred = spec->cred;
	t->altstack.ss_flags = SS_DISABLE;
	for (int r = 0; r < RLIM_NLIMITS; r++)
		getrlimit(r, &t->rlim[r]);
	snprintf(sb->hostname, sizeof(sb->hostname), "%s",
		 spec->hostname ? spec->hostname : "cvisor");
	if (!sb->domainname[0])
		strcpy(sb->domainname, "(none)");
	clock_gettime(CLOCK_MONOTONIC, &sb->boot_time);
	if (sched_getaffinity(0, sizeof(sb->cpus), &sb->cpus) < 0)
		CPU_ZERO(&sb->cpus);

	t->mm = mm_new();
	t->fdt = fd_table_new();
	t->fs = fs_context_new(&root);
	if (!t->mm || !t->fdt || !t->fs) {
		e = -ENOMEM;
		goto fail;
	}
	t->fdt->limit = (unsigned)t->rlim[RLIMIT_NOFILE].rlim_cur;
	if (spec->host_stdio) {
		e = install_host_stdio(t->fdt);
		if (e < 0)
			goto fail;
	}
	if (spec->cwd && (e = set_cwd(t, spec->cwd, err, errlen)) < 0)
		goto fail;
	e = sb->pl->as_create(&t->as, &t->th);
	if (e < 0) {
		snprintf(err, errlen, "cannot create an address space (%s platform): %s",
			 sb->pl->name, strerror(-e));
		goto fail;
	}
	t->mm->vdso = sb->pl->vdso_base(t->th);
	/* The stub's registers at its exec stop: the selectors a fresh program starts with. */
	e = sb->pl->get_regs(t->th, &t->regs);
	if (e < 0)
		goto fail;
	e = process_init(sb, t);
	if (e < 0)
		goto fail;
	*out = t;
	return 0;
fail:
	task_free(t);
	return e;
}

static int gid_order(const void *a, const void *b)
{
	gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;
	return x < y ? -1 : x > y;
}

int sandbox_set_init_identity(struct task *init, const struct init_identity *id, char *err,
			      size_t errlen)
{
	struct task *t = init;
	gid_t *groups = NULL;
	int e;

	if (id->ngroups < 0 || id->ngroups > 65536) { /* Linux's NGROUPS_MAX */
		snprintf(err, errlen, "%d supplementary groups: at most 65536", id->ngroups);
		return -EINVAL;
	}
	if ((id->rlim_set & (1u << RLIMIT_NOFILE)) &&
	    id->rlim[RLIMIT_NOFILE].rlim_max > 1048576) { /* fs.nr_open: setrlimit's EPERM */
		snprintf(err, errlen, "RLIMIT_NOFILE above 1048576 (fs.nr_open)");
		return -EPERM;
	}
	if (id->cwd && (e = set_cwd(t, id->cwd, err, errlen)) < 0)
		return e;
	if (id->ngroups) {
		groups = malloc((size_t)id->ngroups * sizeof(gid_t));
		if (!groups)
			return -ENOMEM;
		memcpy(groups, id->groups, (size_t)id->ngroups * sizeof(gid_t));
		qsort(groups, (size_t)id->ngroups, sizeof(gid_t), gid_order);
	}
	free(t->proc->groups);
	t->proc->groups = groups;
	t->proc->ngroups = id->ngroups;
	t->cred = id->cred;
	t->fs->umask = id->umask & 0777;
	for (int r = 0; r < RLIM_NLIMITS; r++) {
		if (id->rlim_set & (1u << r))
			t->rlim[r] = id->rlim[r];
	}
	t->fdt->limit = (unsigned)t->rlim[RLIMIT_NOFILE].rlim_cur;
	t->caps_set = id->caps_set;
	t->cap_eff = id->cap_eff;
	t->cap_prm = id->cap_prm;
	t->cap_inh = id->cap_inh;
	t->no_new_privs = id->no_new_privs;
	return 0;
}

int sandbox_run_init(struct task *init)
{
	struct sandbox *sb = init->sb;
	struct process *p = init->proc;
	task_run(init);
	task_finish(init);
	/* The sandbox's status is init's process's: its other threads may still run (the main
	 * thread called pthread_exit), or the group's status may come from another thread. */
	pthread_mutex_lock(&sb->lock);
	while (p->state != PROC_ZOMBIE)
		pthread_cond_wait(&sb->child_cv, &sb->lock);
	int status = p->wait_status;
	pthread_mutex_unlock(&sb->lock);
	/* As when the init of a pid namespace dies: everyone else is killed. */
	process_kill_all_but_init(sb, SIGKILL);
	process_wait_all_gone(sb);
	timers_shutdown(sb);
	return status;
}

void task_free(struct task *t)
{
	if (!t)
		return;
	struct sandbox *sb = t->sb;
	bool had_proc = t->proc != NULL;
	task_finish(t);
	/* A sandbox given up before its init ran (a command not found, a bad volume): nothing
	 * else runs, so init's zombie and the table go too. */
	if (had_proc)
		process_wait_all_gone(sb);
}

void sandbox_report_unimplemented(const struct sandbox *sb)
{
	for (int nr = 0; nr < SYSCALL_MAX; nr++) {
		if (!sb->unimplemented_count[nr])
			continue;
		const struct syscall_entry *e = syscall_lookup(nr);
		log_msg(LOG_DEBUG, "unimplemented syscall %s (%d) called %llu times",
			e ? e->name : "?", nr, (unsigned long long)sb->unimplemented_count[nr]);
	}
}
