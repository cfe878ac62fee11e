/*
 * prctl: the per-task and per-process attributes Linux keeps in task_struct, signal_struct
 * and mm (name, parent-death signal, no_new_privs, dumpable, child subreaper, keepcaps,
 * timer slack), as Linux 6.x answers them.
 *
 * Only t->comm has a home in struct task. The rest lives here, in two small tables guarded by
 * attr_lock: one per thread keyed by (sandbox, tid), one per process keyed by (sandbox, tgid).
 * Each entry also remembers the task or process it was made for, so a reused id never sees
 * its previous holder's values; entries of ids that are gone are swept when the table fills.
 * A missing entry means Linux's defaults. Fork does not copy the entries (the Sentry's fork
 * does not call in here), so a child starts from the defaults.
 *
 * Lock order: sb->lock, then attr_lock (the sweep needs the process table).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "sentry/log.h"
#include "sentry/process.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

#define CAP_LAST_CAP_GUEST 40	      /* CAP_CHECKPOINT_RESTORE, the last one of Linux 6.x */
#define GUEST_NSIG	   64	      /* valid_signal(): 0.._NSIG */
#define DEFAULT_SLACK_NS   50000ULL   /* init_task's timer_slack_ns */
#define ATTR_TABLE_MAX	   (1U << 20) /* beyond any pids limit: a bound, never reached */

struct thread_attr {
	struct sandbox *sb;
	pid_t tid;
	const struct task *owner;
	int pdeathsig;
	bool no_new_privs, keepcaps;
	uint64_t timer_slack;
};

struct proc_attr {
	struct sandbox *sb;
	pid_t tgid;
	const struct process *owner;
	int dumpable;
	bool subreaper;
};

static pthread_mutex_t attr_lock = PTHREAD_MUTEX_INITIALIZER;
static struct thread_attr *tattrs;
static size_t ntattrs, captattrs;
static struct proc_attr *pattrs;
static size_t npattrs, cappattrs;

static const struct thread_attr *thread_attr_find(const struct task *t)
{
	for (size_t i = 0; i < ntattrs; i++)
		if (tattrs[i].sb == t->sb && tattrs[i].tid == t->tid && tattrs[i].owner == t)
			return &tattrs[i];
	return NULL;
}

static const struct proc_attr *proc_attr_find(const struct task *t)
{
	for (size_t i = 0; i < npattrs; i++)
		if (pattrs[i].sb == t->sb && pattrs[i].tgid == t->tgid &&
		    pattrs[i].owner == t->proc)
			return &pattrs[i];
	return NULL;
}

/* A thread's attributes, Linux's defaults when it has never set any. */
static struct thread_attr thread_attr_get(const struct task *t)
{
	struct thread_attr a = {
	    .sb = t->sb, .tid = t->tid, .owner = t, .timer_slack = DEFAULT_SLACK_NS};
	pthread_mutex_lock(&attr_lock);
	const struct thread_attr *e = thread_attr_find(t);
	if (e)
		a = *e;
	pthread_mutex_unlock(&attr_lock);
	return a;
}

static struct proc_attr proc_attr_get(const struct task *t)
{
	struct proc_attr a = {.sb = t->sb, .tgid = t->tgid, .owner = t->proc, .dumpable = 1};
	pthread_mutex_lock(&attr_lock);
	const struct proc_attr *e = proc_attr_find(t);
	if (e)
		a = *e;
	pthread_mutex_unlock(&attr_lock);
	return a;
}

/* Makes room for one more entry in a table of n entries of size sz: 0 or -ENOMEM. */
static int table_room(void **tab, size_t n, size_t *cap, size_t sz)
{
	if (n < *cap)
		return 0;
	if (*cap >= ATTR_TABLE_MAX)
		return -ENOMEM;
	size_t ncap = *cap ? *cap * 2 : 16;
	void *p = realloc(*tab, ncap * sz);
	if (!p)
		return -ENOMEM;
	*tab = p;
	*cap = ncap;
	return 0;
}

/* Drops the entries whose thread or process no longer lives. Holds sb->lock and attr_lock. */
static void sweep(struct sandbox *sb)
{
	size_t j = 0;
	for (size_t i = 0; i < ntattrs; i++)
		if (tattrs[i].sb != sb || process_find_thread(sb, tattrs[i].tid) == tattrs[i].owner)
			tattrs[j++] = tattrs[i];
	ntattrs = j;
	j = 0;
	for (size_t i = 0; i < npattrs; i++) {
		struct process *p = pattrs[i].sb == sb ? process_find(sb, pattrs[i].tgid) : NULL;
		if (pattrs[i].sb != sb || (p == pattrs[i].owner && p->state == PROC_ALIVE))
			pattrs[j++] = pattrs[i];
	}
	npattrs = j;
}

/* Stores the caller's thread attributes (a from thread_attr_get, changed). */
static int thread_attr_put(struct task *t, const struct thread_attr *a)
{
	int err = 0;
	pthread_mutex_lock(&t->sb->lock);
	pthread_mutex_lock(&attr_lock);
	struct thread_attr *e = (struct thread_attr *)thread_attr_find(t);
	if (!e) {
		if (ntattrs == captattrs)
			sweep(t->sb);
		err = table_room((void **)&tattrs, ntattrs, &captattrs, sizeof(*tattrs));
		if (!err)
			e = &tattrs[ntattrs++];
	}
	if (e)
		*e = *a;
	pthread_mutex_unlock(&attr_lock);
	pthread_mutex_unlock(&t->sb->lock);
	return err;
}

static int proc_attr_put(struct task *t, const struct proc_attr *a)
{
	int err = 0;
	pthread_mutex_lock(&t->sb->lock);
	pthread_mutex_lock(&attr_lock);
	struct proc_attr *e = (struct proc_attr *)proc_attr_find(t);
	if (!e) {
		if (npattrs == cappattrs)
			sweep(t->sb);
		err = table_room((void **)&pattrs, npattrs, &cappattrs, sizeof(*pattrs));
		if (!err)
			e = &pattrs[npattrs++];
	}
	if (e)
		*e = *a;
	pthread_mutex_unlock(&attr_lock);
	pthread_mutex_unlock(&t->sb->lock);
	return err;
}

/* PR_SET_NAME: Linux takes up to 15 bytes with strncpy_from_user, so a name that ends at an
 * unreadable page without a NUL is still accepted when its first 15 bytes are readable. */
static long set_name(struct task *t, uint64_t uname)
{
	char name[sizeof(t->comm)];
	if (copy_string_from_guest(t, name, uname, sizeof(name)) == -EFAULT &&
	    copy_from_guest(t, name, uname, sizeof(name) - 1))
		return -EFAULT;
	name[sizeof(name) - 1] = 0; /* longer names are cut to 15 bytes */
	memset(t->comm, 0, sizeof(t->comm));
	memcpy(t->comm, name, strlen(name));
	return 0;
}

static long put_int(struct task *t, uint64_t addr, int v)
{
	return copy_to_guest(t, addr, &v, sizeof(v));
}

long sys_prctl(struct task *t, const uint64_t a[6])
{
	int option = (int)a[0];
	uint64_t arg2 = a[1];
	struct thread_attr ta;
	struct proc_attr pa;

	switch (option) {
	case PR_SET_NAME:
		return set_name(t, arg2);
	case PR_GET_NAME: {
		char comm[sizeof(t->comm)];
		memcpy(comm, t->comm, sizeof(comm));
		comm[sizeof(comm) - 1] = 0;
		return copy_to_guest(t, arg2, comm, sizeof(comm));
	}
	case PR_SET_PDEATHSIG:
		if (arg2 > GUEST_NSIG)
			return -EINVAL;
		ta = thread_attr_get(t);
		ta.pdeathsig = (int)arg2;
		return thread_attr_put(t, &ta);
	case PR_GET_PDEATHSIG:
		return put_int(t, arg2, thread_attr_get(t).pdeathsig);
	case PR_SET_NO_NEW_PRIVS:
		if (arg2 != 1 || a[2] || a[3] || a[4])
			return -EINVAL;
		ta = thread_attr_get(t);
		ta.no_new_privs = true; /* sticky: nothing clears it */
		return thread_attr_put(t, &ta);
	case PR_GET_NO_NEW_PRIVS:
		if (arg2 || a[2] || a[3] || a[4])
			return -EINVAL;
		return thread_attr_get(t).no_new_privs ? 1 : 0;
	case PR_GET_DUMPABLE:
		return proc_attr_get(t).dumpable;
	case PR_SET_DUMPABLE:
		if (arg2 != 0 && arg2 != 1) /* SUID_DUMP_DISABLE, SUID_DUMP_USER */
			return -EINVAL;
		pa = proc_attr_get(t);
		pa.dumpable = (int)arg2;
		return proc_attr_put(t, &pa);
	case PR_SET_CHILD_SUBREAPER:
		pa = proc_attr_get(t);
		pa.subreaper = arg2 != 0;
		return proc_attr_put(t, &pa);
	case PR_GET_CHILD_SUBREAPER:
		return put_int(t, arg2, proc_attr_get(t).subreaper);
	case PR_GET_SECCOMP:
		return 0; /* the guest never has a seccomp filter of its own */
	case PR_CAPBSET_READ:
		if (arg2 > CAP_LAST_CAP_GUEST)
			return -EINVAL;
		return 1; /* the bounding set is full: the guest's capabilities are a fiction */
	case PR_GET_KEEPCAPS:
		return thread_attr_get(t).keepcaps ? 1 : 0;
	case PR_SET_KEEPCAPS:
		if (arg2 > 1)
			return -EINVAL;
		ta = thread_attr_get(t);
		ta.keepcaps = arg2 == 1;
		return thread_attr_put(t, &ta);
	case PR_GET_TIMERSLACK:
		return (long)thread_attr_get(t).timer_slack;
	case PR_SET_TIMERSLACK:
		ta = thread_attr_get(t);
		ta.timer_slack = arg2 ? arg2 : DEFAULT_SLACK_NS; /* 0: back to the default */
		return thread_attr_put(t, &ta);
	default:
		log_info("prctl: option %d not supported, EINVAL", option);
		return -EINVAL;
	}
}
