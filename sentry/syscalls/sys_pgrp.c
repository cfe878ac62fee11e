/* getppid, getpgrp, getpgid, getsid, setpgid, setsid: the process tree's ids. */
#define _GNU_SOURCE
#include <errno.h>

#include "fs/tty.h"
#include "sentry/process.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

long sys_getppid(struct task *t, const uint64_t a[6])
{
	pthread_mutex_lock(&t->sb->lock);
	pid_t r = t->proc->parent ? t->proc->parent->pid : 0;
	pthread_mutex_unlock(&t->sb->lock);
	return r;
}

/* The process pid names (0: the caller), or NULL; caller holds sb->lock. */
static struct process *target(struct task *t, pid_t pid)
{
	if (pid == 0)
		return t->proc;
	struct process *p = process_find(t->sb, pid);
	return p && p->state == PROC_ALIVE ? p : NULL;
}

static long get_id(struct task *t, pid_t pid, bool sid)
{
	long r;
	if (pid < 0)
		return -ESRCH;
	pthread_mutex_lock(&t->sb->lock);
	struct process *p = target(t, pid);
	r = !p ? -ESRCH : sid ? p->sid : p->pgid;
	pthread_mutex_unlock(&t->sb->lock);
	return r;
}

long sys_getpgrp(struct task *t, const uint64_t a[6])
{
	return get_id(t, 0, false);
}

long sys_getpgid(struct task *t, const uint64_t a[6])
{
	return get_id(t, (pid_t)a[0], false);
}

long sys_getsid(struct task *t, const uint64_t a[6])
{
	return get_id(t, (pid_t)a[0], true);
}

long sys_setpgid(struct task *t, const uint64_t a[6])
{
	pid_t pid = (pid_t)a[0], pgid = (pid_t)a[1];
	struct sandbox *sb = t->sb;
	long r = 0;
	if (pgid < 0)
		return -EINVAL;
	pthread_mutex_lock(&sb->lock);
	struct process *self = t->proc;
	struct process *p = pid == 0 ? self : process_find(sb, pid);
	if (!p || p->state != PROC_ALIVE || (p != self && p->parent != self)) {
		r = -ESRCH;
		goto out;
	}
	if (p != self && p->execed) {
		r = -EACCES;
		goto out;
	}
	if (p->sid == p->pid || p->sid != self->sid) {
		r = -EPERM; /* a session leader, or a child in another session */
		goto out;
	}
	if (pgid == 0)
		pgid = p->pid;
	if (pgid != p->pid) {
		/* Joining a group: it must exist in the same session. */
		bool found = false;
		for (struct process *q = sb->procs; q; q = q->next_all)
			if (q->pgid == pgid && q->sid == self->sid && q->state == PROC_ALIVE)
				found = true;
		if (!found) {
			r = -EPERM;
			goto out;
		}
	}
	p->pgid = pgid;
out:
	pthread_mutex_unlock(&sb->lock);
	return r;
}

long sys_setsid(struct task *t, const uint64_t a[6])
{
	struct sandbox *sb = t->sb;
	long r;
	pthread_mutex_lock(&sb->lock);
	struct process *p = t->proc;
	bool leader_in_use = false;
	for (struct process *q = sb->procs; q; q = q->next_all)
		if (q->pgid == p->pid && q->state == PROC_ALIVE)
			leader_in_use = true;
	if (leader_in_use) {
		r = -EPERM; /* already a process group leader */
	} else {
		p->sid = p->pgid = p->pid;
		tty_ctty_drop(p); /* a new session starts without a controlling terminal */
		r = p->pid;
	}
	pthread_mutex_unlock(&sb->lock);
	return r;
}
