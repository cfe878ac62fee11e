/* The signal-mask argument of ppoll, pselect6, epoll_pwait(2), signalfd and rt_sigtimedwait:
 * Linux's set_user_sigmask and its restore, shared by those syscalls. */
#ifndef CVISOR_SIGMASK_ARG_H
#define CVISOR_SIGMASK_ARG_H

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "sentry/task.h"

/* SIGKILL and SIGSTOP: never blocked, whatever a mask says. */
#define SIG_UNBLOCKABLE ((1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1)))

/* The guest's mask (umask, size bytes; none when umask is 0) for the duration of the call; the
 * old one is kept for sigreturn (restore_sigmask) to put back. *set says whether it was. */
static inline int set_user_sigmask(struct task *t, uint64_t umask, uint64_t size, bool *set)
{
	uint64_t mask;
	if (!umask)
		return 0;
	if (size != sizeof(mask))
		return -EINVAL;
	if (copy_from_guest(t, &mask, umask, sizeof(mask)) < 0)
		return -EFAULT;
	pthread_mutex_lock(&t->sig_lock);
	t->saved_sigmask = t->sigmask;
	t->restore_sigmask = true;
	t->sigmask = mask & ~SIG_UNBLOCKABLE;
	pthread_mutex_unlock(&t->sig_lock);
	*set = true;
	return 0;
}

/* Linux's restore_saved_sigmask_unless(ret == -EINTR): after an interruption the handler's
 * frame carries the old mask and sigreturn restores it; otherwise it comes back now. */
static inline long restore_user_sigmask(struct task *t, bool set, long ret)
{
	if (set && ret != -EINTR) {
		pthread_mutex_lock(&t->sig_lock);
		t->sigmask = t->saved_sigmask;
		t->restore_sigmask = false;
		pthread_mutex_unlock(&t->sig_lock);
	}
	return ret;
}

#endif
