/* kill, tkill, tgkill: signals between guest processes. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "sentry/process.h"
#include "sentry/signal.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

/* Init only gets the signals it has a handler for, as in a pid namespace: from inside,
 * not even SIGKILL takes it down. */
static bool init_protected(struct sandbox *sb, struct process *p, int sig)
{
	if (p != sb->init || !p->task)
		return false;
	struct task *it = p->task;
	pthread_mutex_lock(&it->sig_lock);
	bool dfl = it->sigactions[sig - 1].handler == (uint64_t)(uintptr_t)SIG_DFL;
	bool blocked = it->sigmask & (1ULL << (sig - 1));
	pthread_mutex_unlock(&it->sig_lock);
	if (blocked && sig != SIGKILL && sig != SIGSTOP)
		return false; /* queued: sigtimedwait may take it */
	return dfl || sig == SIGKILL || sig == SIGSTOP;
}

static int send_to(struct task *t, struct process *p, int sig, int code)
{
	/* A zombie still exists: signals to it succeed and go nowhere, as in Linux. */
	if (sig == 0 || p->state != PROC_ALIVE || !p->task)
		return 0;
	if (init_protected(t->sb, p, sig))
		return 0;
	siginfo_t si;
	siginfo_from_sender(&si, sig, code, t);
	return signal_send(process_signal_target(p, sig), sig, &si);
}

static int send_to_thread(struct task *t, struct task *target, int sig)
{
	if (sig == 0)
		return 0;
	if (init_protected(t->sb, target->proc, sig))
		return 0;
	siginfo_t si;
	siginfo_from_sender(&si, sig, SI_TKILL, t);
	return signal_send(target, sig, &si);
}

long sys_kill(struct task *t, const uint64_t a[6])
{
	pid_t pid = (pid_t)a[0];
	int sig = (int)a[1];
	struct sandbox *sb = t->sb;
	long r = -ESRCH;
	if (pid == INT32_MIN)
		return -ESRCH;
	pthread_mutex_lock(&sb->lock);
	if (pid > 0) {
		/* Linux looks the process up before it checks the signal number. */
		struct process *p = process_find(sb, pid);
		r = !p ? -ESRCH : (sig < 0 || sig > 64) ? -EINVAL : send_to(t, p, sig, SI_USER);
	} else if (sig < 0 || sig > 64) {
		r = -EINVAL;
	} else {
		/* 0: the caller's group; -1: everyone but init and the caller; < -1: a group. */
		pid_t pgid = pid == 0 ? t->proc->pgid : -pid;
		bool any = false;
		for (struct process *p = sb->procs; p; p = p->next_all) {
			if (p->state != PROC_ALIVE)
				continue;
			if (pid == -1 ? (p == sb->init || p == t->proc) : p->pgid != pgid)
				continue;
			any = true;
			send_to(t, p, sig, SI_USER);
		}
		r = any ? 0 : -ESRCH;
	}
	pthread_mutex_unlock(&sb->lock);
	return r;
}

static long thread_kill(struct task *t, pid_t tgid, pid_t tid, int sig)
{
	struct sandbox *sb = t->sb;
	long r;
	if (tid <= 0 || sig < 0 || sig > 64)
		return -EINVAL;
	pthread_mutex_lock(&sb->lock);
	struct task *target = process_find_thread(sb, tid);
	if (!target || (tgid > 0 && target->tgid != tgid))
		r = -ESRCH;
	else
		r = send_to_thread(t, target, sig);
	pthread_mutex_unlock(&sb->lock);
	return r;
}

long sys_tkill(struct task *t, const uint64_t a[6])
{
	return thread_kill(t, 0, (pid_t)a[0], (int)a[1]);
}

long sys_tgkill(struct task *t, const uint64_t a[6])
{
	if ((pid_t)a[0] <= 0)
		return -EINVAL;
	return thread_kill(t, (pid_t)a[0], (pid_t)a[1], (int)a[2]);
}
