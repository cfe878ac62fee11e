/*
 * prctl: the per-task and per-process attributes Linux keeps in task_struct, signal_struct
 * and mm (name, parent-death signal, no_new_privs, dumpable, child subreaper, keepcaps,
 * timer slack), as Linux 6.x answers them.
 *
 * The per-thread ones live in struct task, the per-process ones (dumpable, child subreaper)
 * in struct process; fork copies them by Linux's rules (sys_fork.c, process.c), the parent
 * death signal and the subreaper act in process_exit. They are written under sb->lock, since
 * other threads read them; a thread reads its own per-thread ones without it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>

#include "sentry/log.h"
#include "sentry/process.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

#define CAP_LAST_CAP_GUEST 40	    /* CAP_CHECKPOINT_RESTORE, the last one of Linux 6.x */
#define GUEST_NSIG	   64	    /* valid_signal(): 0.._NSIG */
#define DEFAULT_SLACK_NS   50000ULL /* init_task's timer_slack_ns */

/* The thread's default slack: what PR_SET_TIMERSLACK 0 goes back to. */
static uint64_t default_slack(const struct task *t)
{
	return t->default_timer_slack ? t->default_timer_slack : DEFAULT_SLACK_NS;
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
	struct sandbox *sb = t->sb;
	long ret = 0;

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
		pthread_mutex_lock(&sb->lock);
		t->pdeathsig = (int)arg2;
		pthread_mutex_unlock(&sb->lock);
		return 0;
	case PR_GET_PDEATHSIG:
		return put_int(t, arg2, t->pdeathsig);
	case PR_SET_NO_NEW_PRIVS:
		if (arg2 != 1 || a[2] || a[3] || a[4])
			return -EINVAL;
		pthread_mutex_lock(&sb->lock);
		t->no_new_privs = true; /* sticky: nothing clears it */
		pthread_mutex_unlock(&sb->lock);
		return 0;
	case PR_GET_NO_NEW_PRIVS:
		if (arg2 || a[2] || a[3] || a[4])
			return -EINVAL;
		return t->no_new_privs ? 1 : 0;
	case PR_GET_DUMPABLE:
		pthread_mutex_lock(&sb->lock);
		ret = t->proc->dumpable;
		pthread_mutex_unlock(&sb->lock);
		return ret;
	case PR_SET_DUMPABLE:
		if (arg2 != 0 && arg2 != 1) /* SUID_DUMP_DISABLE, SUID_DUMP_USER */
			return -EINVAL;
		pthread_mutex_lock(&sb->lock);
		t->proc->dumpable = (int)arg2;
		pthread_mutex_unlock(&sb->lock);
		return 0;
	case PR_SET_CHILD_SUBREAPER:
		pthread_mutex_lock(&sb->lock);
		t->proc->subreaper = arg2 != 0;
		pthread_mutex_unlock(&sb->lock);
		return 0;
	case PR_GET_CHILD_SUBREAPER: {
		pthread_mutex_lock(&sb->lock);
		int v = t->proc->subreaper;
		pthread_mutex_unlock(&sb->lock);
		return put_int(t, arg2, v);
	}
	case PR_GET_SECCOMP:
		return 0; /* the guest never has a seccomp filter of its own */
	case PR_CAPBSET_READ:
		if (arg2 > CAP_LAST_CAP_GUEST)
			return -EINVAL;
		return 1; /* the bounding set is full: the guest's capabilities are a fiction */
	case PR_GET_KEEPCAPS:
		return t->keepcaps ? 1 : 0;
	case PR_SET_KEEPCAPS:
		if (arg2 > 1)
			return -EINVAL;
		pthread_mutex_lock(&sb->lock);
		t->keepcaps = arg2 == 1;
		pthread_mutex_unlock(&sb->lock);
		return 0;
	case PR_GET_TIMERSLACK:
		return (long)(t->timer_slack ? t->timer_slack : default_slack(t));
	case PR_SET_TIMERSLACK:
		pthread_mutex_lock(&sb->lock);
		t->timer_slack = arg2 ? arg2 : default_slack(t); /* 0: back to the default */
		pthread_mutex_unlock(&sb->lock);
		return 0;
	default:
		log_info("prctl: option %d not supported, EINVAL", option);
		return -EINVAL;
	}
}
