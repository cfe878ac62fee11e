/* pause, rt_sigsuspend, rt_sigpending, rt_sigtimedwait, rt_sigqueueinfo: waiting for and
 * queueing signals. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "sentry/process.h"
#include "sentry/signal.h"
#include "sentry/syscalls/sigmask_arg.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

long sys_pause(struct task *t, const uint64_t a[6])
{
	int r;
	while ((r = task_host_poll(t, -1, 0, NULL)) != -EINTR)
		if (r < 0)
			return r;
	return -EINTR; /* pause returns only for a handler, and then EINTR */
}

long sys_rt_sigsuspend(struct task *t, const uint64_t a[6])
{
	uint64_t mask;
	if (a[1] != 8)
		return -EINVAL;
	if (copy_from_guest(t, &mask, a[0], sizeof(mask)) < 0)
		return -EFAULT;
	pthread_mutex_lock(&t->sig_lock);
	t->saved_sigmask = t->sigmask;
	t->restore_sigmask = true; /* the handler's frame restores the old mask */
	t->sigmask = mask & ~SIG_UNBLOCKABLE;
	pthread_mutex_unlock(&t->sig_lock);
	while (task_host_poll(t, -1, 0, NULL) != -EINTR)
		;
	return -EINTR;
}

long sys_rt_sigpending(struct task *t, const uint64_t a[6])
{
	if (a[1] > 8)
		return -EINVAL;
	pthread_mutex_lock(&t->sig_lock);
	uint64_t set = t->pending & t->sigmask;
	pthread_mutex_unlock(&t->sig_lock);
	return copy_to_guest(t, a[0], &set, a[1]);
}

long sys_rt_sigtimedwait(struct task *t, const uint64_t a[6])
{
	uint64_t set;
	struct timespec ts, *timeout = NULL;
	siginfo_t info;
	if (a[3] != 8)
		return -EINVAL;
	if (copy_from_guest(t, &set, a[0], sizeof(set)) < 0)
		return -EFAULT;
	set &= ~SIG_UNBLOCKABLE;
	if (a[2]) {
		if (copy_from_guest(t, &ts, a[2], sizeof(ts)) < 0)
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L)
			return -EINVAL;
		timeout = &ts;
	}
	int sig = signal_take_for_wait(t, set, &info);
	if (!sig) {
		/* While waiting, the signals of set wake the task even when it blocks them (they
		 * stay blocked: they are taken here, not delivered). */
		pthread_mutex_lock(&t->sig_lock);
		t->sigwait_set = set;
		pthread_mutex_unlock(&t->sig_lock);
		int r = task_host_poll(t, -1, 0, timeout);
		pthread_mutex_lock(&t->sig_lock);
		t->sigwait_set = 0;
		pthread_mutex_unlock(&t->sig_lock);
		sig = signal_take_for_wait(t, set, &info);
		if (!sig)
			return r == -EINTR ? -EINTR : -EAGAIN;
	}
	if (a[1] && copy_to_guest(t, a[1], &info, sizeof(info)) < 0)
		return -EFAULT;
	return sig;
}

long sys_rt_sigqueueinfo(struct task *t, const uint64_t a[6])
{
	pid_t pid = (pid_t)a[0];
	int sig = (int)a[1];
	siginfo_t info;
	if (sig <= 0 || sig > 64)
		return -EINVAL;
	if (copy_from_guest(t, &info, a[2], sizeof(info)) < 0)
		return -EFAULT;
	/* Only the kernel may claim SI_USER or a positive code for another process. */
	if ((info.si_code >= 0 || info.si_code == SI_TKILL) && pid != t->tgid)
		return -EPERM;
	info.si_signo = sig;
	struct sandbox *sb = t->sb;
	long r = -ESRCH;
	pthread_mutex_lock(&sb->lock);
	struct process *p = process_find(sb, pid);
	if (p && p->state == PROC_ALIVE && p->task)
		r = signal_send(process_signal_target(p, sig), sig, &info);
	pthread_mutex_unlock(&sb->lock);
	return r;
}
