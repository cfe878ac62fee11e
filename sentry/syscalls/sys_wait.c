/* wait4, waitid: collecting children: exits, and with WUNTRACED/WSTOPPED and WCONTINUED
 * the stops and continues of job control, each reported once. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "sentry/process.h"
#include "sentry/signal.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

struct wait_req {
	int idtype; /* P_ALL, P_PID, P_PGID */
	pid_t id;
	int options;
};

struct wait_result {
	pid_t pid;
	int status; /* a wait status: exit, (sig << 8 | 0x7f) stopped, 0xffff continued */
	int code;   /* CLD_EXITED, CLD_KILLED, CLD_DUMPED, CLD_STOPPED, CLD_CONTINUED */
	uid_t uid;
};

static bool matches(const struct task *t, const struct process *c, const struct wait_req *w)
{
	switch (w->idtype) {
	case P_PID:
		if (c->pid != w->id)
			return false;
		break;
	case P_PGID:
		if (c->pgid != (w->id ? w->id : t->proc->pgid))
			return false;
		break;
	default:
		break;
	}
	/* __WCLONE picks the children that report with something other than SIGCHLD. */
	if (w->options & __WALL)
		return true;
	bool clone_child = c->exit_signal != SIGCHLD;
	return !!(w->options & __WCLONE) == clone_child;
}

/* 1 and *res when a zombie was collected, 0 with WNOHANG and none ready, or -errno. */
static int do_wait(struct task *t, const struct wait_req *w, struct wait_result *res)
{
	struct sandbox *sb = t->sb;
	int r;
	pthread_mutex_lock(&sb->lock);
	for (;;) {
		bool any = false;
		for (struct process *c = t->proc->children; c; c = c->next_sibling) {
			if (!matches(t, c, w))
				continue;
			any = true;
			res->pid = c->pid;
			res->uid = t->cred.ruid;
			if (c->state == PROC_ZOMBIE && (w->options & WEXITED)) {
				res->status = c->wait_status;
				res->code = WIFEXITED(c->wait_status)	? CLD_EXITED
					    : WCOREDUMP(c->wait_status) ? CLD_DUMPED
									: CLD_KILLED;
				if (!(w->options & WNOWAIT))
					process_reap(sb, c);
				r = 1;
				goto out;
			}
			if (c->state == PROC_ALIVE && c->report_stopped &&
			    (w->options & WUNTRACED)) {
				res->status = (c->stop_sig << 8) | 0x7f;
				res->code = CLD_STOPPED;
				if (!(w->options & WNOWAIT))
					c->report_stopped = false;
				r = 1;
				goto out;
			}
			if (c->state == PROC_ALIVE && c->report_continued &&
			    (w->options & WCONTINUED)) {
				res->status = 0xffff;
				res->code = CLD_CONTINUED;
				if (!(w->options & WNOWAIT))
					c->report_continued = false;
				r = 1;
				goto out;
			}
		}
		if (!any) {
			r = -ECHILD;
			goto out;
		}
		if (w->options & WNOHANG) {
			r = 0;
			goto out;
		}
		r = task_wait(t, &sb->lock, &sb->child_cv, NULL);
		if (r == -EINTR)
			goto out;
	}
out:
	pthread_mutex_unlock(&sb->lock);
	return r;
}

static int put_rusage(struct task *t, uint64_t uru)
{
	struct rusage ru;
	if (!uru)
		return 0;
	memset(&ru, 0, sizeof(ru)); /* resource usage of children is not accounted yet */
	return copy_to_guest(t, uru, &ru, sizeof(ru));
}

long sys_wait4(struct task *t, const uint64_t a[6])
{
	pid_t pid = (pid_t)a[0];
	int options = (int)a[2];
	struct wait_req w = {.options = options | WEXITED};
	struct wait_result res;
	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL))
		return -EINVAL;
	/* WEXITED (4) is implied; WUNTRACED has WSTOPPED's value. */
	if (pid == INT32_MIN)
		return -ESRCH;
	if (pid > 0) {
		w.idtype = P_PID;
		w.id = pid;
	} else if (pid == 0) {
		w.idtype = P_PGID;
	} else if (pid < -1) {
		w.idtype = P_PGID;
		w.id = -pid;
	} else {
		w.idtype = P_ALL;
	}
	int r = do_wait(t, &w, &res);
	if (r <= 0)
		return r;
	if (a[1] && copy_to_guest(t, a[1], &res.status, sizeof(int)) < 0)
		return -EFAULT;
	if (put_rusage(t, a[3]) < 0)
		return -EFAULT;
	return res.pid;
}

long sys_waitid(struct task *t, const uint64_t a[6])
{
	int idtype = (int)a[0];
	pid_t id = (pid_t)a[1];
	int options = (int)a[3];
	struct wait_req w = {.idtype = idtype, .id = id, .options = options};
	struct wait_result res;
	if (options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WNOTHREAD |
			__WCLONE | __WALL))
		return -EINVAL;
	if (!(options & (WEXITED | WSTOPPED | WCONTINUED)))
		return -EINVAL;
	if (idtype == P_PIDFD)
		return -EINVAL; /* pidfds are not offered */
	if (idtype != P_ALL && idtype != P_PID && idtype != P_PGID)
		return -EINVAL;
	if (idtype == P_PID && id <= 0)
		return -EINVAL;
	if (idtype == P_PGID && id < 0)
		return -EINVAL;
	int r = do_wait(t, &w, &res);
	if (r < 0)
		return r;
	if (a[2]) {
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		if (r == 1) {
			si.si_signo = SIGCHLD;
			si.si_pid = res.pid;
			si.si_uid = res.uid;
			si.si_code = res.code;
			switch (res.code) {
			case CLD_EXITED:
				si.si_status = WEXITSTATUS(res.status);
				break;
			case CLD_STOPPED:
				si.si_status = WSTOPSIG(res.status);
				break;
			case CLD_CONTINUED:
				si.si_status = SIGCONT;
				break;
			default:
				si.si_status = WTERMSIG(res.status);
			}
		}
		if (copy_to_guest(t, a[2], &si, sizeof(si)) < 0)
			return -EFAULT;
	}
	if (put_rusage(t, a[4]) < 0)
		return -EFAULT;
	return 0;
}
