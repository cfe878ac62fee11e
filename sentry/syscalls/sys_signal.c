/*
 * Signal state: handlers, the blocked mask, the alternate stack. These are recorded now, with
 * the kernel's validation and normalisation, and delivered once the process table exists.
 *
 * Each call follows the kernel's order: the new value is copied in first (EFAULT), then
 * checked, the old value captured, the new one applied, and the old one copied out last, so
 * a fault on the old pointer still leaves the new value in place, as in Linux.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "sentry/syscalls/table.h"
#include "sentry/process.h"
#include "sentry/signal.h"
#include "sentry/task.h"

#define GUEST_NSIG	 64
#define GUEST_SIGSETSIZE 8 /* the kernel's sigset_t on x86_64 */

/* A signal's bit in a 64-bit kernel sigset. */
#define SIGBIT(sig) (1ULL << ((sig)-1))

/* Signals no mask or handler can touch. */
#define UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))

/* The kernel's UAPI_SA_FLAGS on x86_64: it clears every other bit of sa_flags, both in what
 * it stores and in what it reports, so that programs can detect unsupported flags (e.g. by
 * setting SA_UNSUPPORTED, 0x400, and seeing it gone). */
#define GUEST_SA_NOCLDSTOP     0x00000001ULL
#define GUEST_SA_NOCLDWAIT     0x00000002ULL
#define GUEST_SA_SIGINFO       0x00000004ULL
#define GUEST_SA_EXPOSE_TAGBIT 0x00000800ULL
#define GUEST_SA_RESTORER      0x04000000ULL
#define GUEST_SA_ONSTACK       0x08000000ULL
#define GUEST_SA_RESTART       0x10000000ULL
#define GUEST_SA_NODEFER       0x40000000ULL
#define GUEST_SA_RESETHAND     0x80000000ULL
#define GUEST_UAPI_SA_FLAGS                                                                        \
	(GUEST_SA_NOCLDSTOP | GUEST_SA_NOCLDWAIT | GUEST_SA_SIGINFO | GUEST_SA_EXPOSE_TAGBIT |     \
	 GUEST_SA_RESTORER | GUEST_SA_ONSTACK | GUEST_SA_RESTART | GUEST_SA_NODEFER |              \
	 GUEST_SA_RESETHAND)

_Static_assert(sizeof(struct guest_sigaction) == 32, "kernel struct sigaction is 32 bytes");

long sys_rt_sigaction(struct task *t, const uint64_t a[6])
{
	int sig = (int)a[0];
	struct guest_sigaction new, old;

	if (a[3] != GUEST_SIGSETSIZE)
		return -EINVAL;
	if (a[1] && copy_from_guest(t, &new, a[1], sizeof(new)))
		return -EFAULT;
	if (sig < 1 || sig > GUEST_NSIG)
		return -EINVAL;
	/* SIGKILL and SIGSTOP can be queried but never changed. */
	if (a[1] && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;

	pthread_mutex_lock(&t->sig_lock);
	struct guest_sigaction *k = &t->sigactions[sig - 1];
	old = *k;
	old.flags &= GUEST_UAPI_SA_FLAGS;
	if (a[1]) {
		new.flags &= GUEST_UAPI_SA_FLAGS;
		new.mask &= ~UNBLOCKABLE;
		*k = new;
		/* Setting SIG_IGN (or SIG_DFL for an ignored-by-default signal) discards the
		 * pending instances, as Linux does. */
		signal_flush_if_ignored(t, sig);
	}
	pthread_mutex_unlock(&t->sig_lock);
	if (a[1] && t->proc)
		process_share_sigaction(t, sig);
	if (a[2] && copy_to_guest(t, a[2], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

/* The how argument is looked at only when there is a new set, as in the kernel. */
long sys_rt_sigprocmask(struct task *t, const uint64_t a[6])
{
	int how = (int)a[0];
	uint64_t set, old = t->sigmask;

	if (a[3] != GUEST_SIGSETSIZE)
		return -EINVAL;
	if (a[1]) {
		if (copy_from_guest(t, &set, a[1], sizeof(set)))
			return -EFAULT;
		set &= ~UNBLOCKABLE;
		switch (how) {
		case SIG_BLOCK:
			t->sigmask |= set;
			break;
		case SIG_UNBLOCK:
			t->sigmask &= ~set;
			break;
		case SIG_SETMASK:
			t->sigmask = set;
			break;
		default:
			return -EINVAL;
		}
		/* Unblocking makes pending signals deliverable: that starts with delivery. */
	}
	if (a[2] && copy_to_guest(t, a[2], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

/* The kernel's stack_t on x86_64, padding explicit so none of it leaks. */
struct guest_stack {
	uint64_t sp;
	int32_t flags;
	int32_t pad;
	uint64_t size;
};
_Static_assert(sizeof(struct guest_stack) == 24, "kernel stack_t is 24 bytes");

#define GUEST_SS_ONSTACK    1
#define GUEST_SS_DISABLE    2
#define GUEST_SS_AUTODISARM (1U << 31)
#define GUEST_SS_FLAG_BITS  GUEST_SS_AUTODISARM
#define GUEST_MINSIGSTKSZ   2048

/* The kernel's on_sig_stack for the guest's stack pointer at the syscall. With
 * SS_AUTODISARM the stack is disarmed on delivery, so the task never counts as on it. */
static int on_sig_stack(const struct task *t)
{
	uint64_t sp = t->regs.rsp;
	uint64_t base = (uint64_t)(uintptr_t)t->altstack.ss_sp;
	if ((unsigned)t->altstack.ss_flags & GUEST_SS_AUTODISARM)
		return 0;
	return sp > base && sp - base <= t->altstack.ss_size;
}

long sys_sigaltstack(struct task *t, const uint64_t a[6])
{
	struct guest_stack new, old;

	if (a[0] && copy_from_guest(t, &new, a[0], sizeof(new)))
		return -EFAULT;

	memset(&old, 0, sizeof(old));
	old.sp = (uint64_t)(uintptr_t)t->altstack.ss_sp;
	old.size = t->altstack.ss_size;
	if (t->altstack.ss_size == 0)
		old.flags = GUEST_SS_DISABLE;
	else
		old.flags = on_sig_stack(t) ? GUEST_SS_ONSTACK : 0;
	old.flags |= (int32_t)((unsigned)t->altstack.ss_flags & GUEST_SS_FLAG_BITS);

	if (a[0]) {
		unsigned flags = (unsigned)new.flags;
		unsigned mode = flags & ~GUEST_SS_FLAG_BITS;
		if (on_sig_stack(t))
			return -EPERM;
		/* SS_ONSTACK as a mode is accepted and means "enable", for old programs. */
		if (mode != GUEST_SS_DISABLE && mode != GUEST_SS_ONSTACK && mode != 0)
			return -EINVAL;
		if (mode == GUEST_SS_DISABLE) {
			new.sp = 0;
			new.size = 0;
		} else if (new.size < GUEST_MINSIGSTKSZ) {
			return -ENOMEM;
		}
		t->altstack.ss_sp = (void *)(uintptr_t) new.sp;
		t->altstack.ss_size = new.size;
		t->altstack.ss_flags = (int)flags;
	}
	if (a[1] && copy_to_guest(t, a[1], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}
