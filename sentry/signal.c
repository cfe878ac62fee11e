#define _GNU_SOURCE
#include "sentry/signal.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "fs/eventfd.h"
#include "sentry/process.h"
#include "sentry/task.h"

static void wake_handler(int sig)
{
	(void)sig; /* its only job is to end a ppoll() with EINTR */
}

int signal_sentry_init(void)
{
	struct sigaction sa;
	sigset_t set;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = wake_handler;
	if (sigaction(SENTRY_WAKE_SIGNAL, &sa, NULL) < 0)
		return -errno;
	/* Blocked everywhere but inside task_host_poll's ppoll (threads inherit this mask). */
	sigemptyset(&set);
	sigaddset(&set, SENTRY_WAKE_SIGNAL);
	return -pthread_sigmask(SIG_BLOCK, &set, NULL);
}

enum sig_default signal_default_action(int sig)
{
	switch (sig) {
	case SIGCHLD:
	case SIGURG:
	case SIGWINCH:
		return SIG_DFL_IGNORE;
	case SIGCONT:
		return SIG_DFL_CONT;
	case SIGSTOP:
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU:
		return SIG_DFL_STOP;
	case SIGQUIT:
	case SIGILL:
	case SIGTRAP:
	case SIGABRT:
	case SIGBUS:
	case SIGFPE:
	case SIGSEGV:
	case SIGSYS:
	case SIGXCPU:
	case SIGXFSZ:
		return SIG_DFL_CORE;
	default:
		return SIG_DFL_TERM;
	}
}

static uint64_t sigbit(int sig)
{
	return 1ULL << (sig - 1);
}

struct sigqueue {
	siginfo_t info;
	struct sigqueue *next;
};

#define SIGRTMIN_K 32

/* Queues an instance of sig; caller holds t->sig_lock. Standard signals coalesce; real-time
 * ones queue up to RLIMIT_SIGPENDING. Returns 1 when queued, 0 when coalesced, -EAGAIN when
 * the real-time queue is full: then, as in Linux, a kill() (SI_USER) still leaves the signal
 * pending without its info, and a sigqueue() is refused. */
static int enqueue(struct task *t, int sig, const siginfo_t *info)
{
	if (sig < SIGRTMIN_K) {
		if (t->pending & sigbit(sig))
			return 0;
		t->pending |= sigbit(sig);
		t->pending_info[sig - 1] = *info;
		return 1;
	}
	struct sigqueue *q = NULL;
	if ((rlim_t)t->rtq_len < t->rlim[RLIMIT_SIGPENDING].rlim_cur)
		q = malloc(sizeof(*q));
	if (!q) {
		if (info->si_code != SI_USER)
			return -EAGAIN;
		t->pending |= sigbit(sig);
		return 1;
	}
	q->info = *info;
	q->next = NULL;
	struct sigqueue **pp = &t->rtq;
	while (*pp)
		pp = &(*pp)->next;
	*pp = q;
	t->rtq_len++;
	t->pending |= sigbit(sig);
	return 1;
}

int signal_dequeue(struct task *t, uint64_t set, siginfo_t *info)
{
	uint64_t hit = t->pending & set;
	if (!hit)
		return 0;
	int sig = __builtin_ctzll(hit) + 1;
	if (sig < SIGRTMIN_K) {
		t->pending &= ~sigbit(sig);
		*info = t->pending_info[sig - 1];
		return sig;
	}
	bool more = false;
	struct sigqueue **pp = &t->rtq, *found = NULL;
	while (*pp) {
		if ((*pp)->info.si_signo == sig && !found) {
			found = *pp;
			*pp = found->next;
			continue;
		}
		if ((*pp)->info.si_signo == sig)
			more = true;
		pp = &(*pp)->next;
	}
	if (found) {
		*info = found->info;
		free(found);
		t->rtq_len--;
	} else {
		memset(info, 0, sizeof(*info));
		info->si_signo = sig;
	}
	if (!more)
		t->pending &= ~sigbit(sig);
	return sig;
}

static bool is_ignored(const struct task *t, int sig)
{
	uint64_t h = t->sigactions[sig - 1].handler;
	enum sig_default d = signal_default_action(sig);
	return h == (uint64_t)(uintptr_t)SIG_IGN ||
	       (h == (uint64_t)(uintptr_t)SIG_DFL && (d == SIG_DFL_IGNORE || d == SIG_DFL_CONT));
}

void signal_flush_if_ignored(struct task *t, int sig)
{
	if (!is_ignored(t, sig) || !(t->pending & sigbit(sig)))
		return;
	siginfo_t info;
	while (signal_dequeue(t, sigbit(sig), &info))
		;
}

void signal_queue_free(struct task *t)
{
	while (t->rtq) {
		struct sigqueue *q = t->rtq;
		t->rtq = q->next;
		free(q);
	}
	t->rtq_len = 0;
}

bool task_signal_pending(struct task *t)
{
	pthread_mutex_lock(&t->sig_lock);
	bool r = t->fatal_signal || (t->pending & (~t->sigmask | t->sigwait_set));
	pthread_mutex_unlock(&t->sig_lock);
	return r;
}

void cond_init_monotonic(pthread_cond_t *cv)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(cv, &ca);
	pthread_condattr_destroy(&ca);
}

static bool interrupting(const struct task *t, bool killable_only)
{
	if (t->fatal_signal)
		return true;
	return !killable_only && (t->pending & (~t->sigmask | t->sigwait_set));
}

static int wait_common(struct task *t, pthread_mutex_t *m, pthread_cond_t *cv,
		       const struct timespec *deadline, bool killable_only);

int task_wait(struct task *t, pthread_mutex_t *m, pthread_cond_t *cv,
	      const struct timespec *deadline)
{
	return wait_common(t, m, cv, deadline, false);
}

int task_wait_killable(struct task *t, pthread_mutex_t *m, pthread_cond_t *cv)
{
	return wait_common(t, m, cv, NULL, true);
}

static int wait_common(struct task *t, pthread_mutex_t *m, pthread_cond_t *cv,
		       const struct timespec *deadline, bool killable_only)
{
	int r = 0;
	pthread_mutex_lock(&t->sig_lock);
	if (interrupting(t, killable_only)) {
		pthread_mutex_unlock(&t->sig_lock);
		return -EINTR;
	}
	t->wait_m = m;
	t->wait_cv = cv;
	pthread_mutex_unlock(&t->sig_lock);
	if (deadline)
		r = pthread_cond_clockwait(cv, m, CLOCK_MONOTONIC, deadline);
	else
		pthread_cond_wait(cv, m);
	pthread_mutex_lock(&t->sig_lock);
	t->wait_m = NULL;
	t->wait_cv = NULL;
	bool intr = interrupting(t, killable_only);
	int kicks = t->kicks;
	pthread_mutex_unlock(&t->sig_lock);
	if (kicks) {
		/* A kicker read wait_m and will lock it: let it finish before the caller may
		 * free the object m belongs to. */
		pthread_mutex_unlock(m);
		for (;;) {
			pthread_mutex_lock(&t->sig_lock);
			kicks = t->kicks;
			pthread_mutex_unlock(&t->sig_lock);
			if (!kicks)
				break;
			sched_yield();
		}
		pthread_mutex_lock(m);
	}
	if (intr)
		return -EINTR;
	return r == ETIMEDOUT ? -ETIMEDOUT : 0;
}

int task_host_poll(struct task *t, int fd, short events, const struct timespec *timeout)
{
	struct pollfd p = {.fd = fd, .events = events};
	sigset_t mask;
	pthread_sigmask(SIG_SETMASK, NULL, &mask);
	sigdelset(&mask, SENTRY_WAKE_SIGNAL);
	for (;;) {
		if (t && task_signal_pending(t))
			return -EINTR;
		int r = ppoll(fd >= 0 ? &p : NULL, fd >= 0 ? 1 : 0, timeout, &mask);
		if (r > 0)
			return p.revents;
		if (r == 0)
			return 0;
		if (errno != EINTR)
			return -errno;
		/* A wake for a signal already handled, or for one that is blocked: if nothing
		 * is pending for the task, this was stale; wait again (the timeout restarts,
		 * acceptable for the rare stale wake). */
	}
}

static struct timespec ts_sub(struct timespec a, struct timespec b)
{
	struct timespec r = {a.tv_sec - b.tv_sec, a.tv_nsec - b.tv_nsec};
	if (r.tv_nsec < 0) {
		r.tv_sec--;
		r.tv_nsec += 1000000000L;
	}
	return r;
}

static bool ts_before(struct timespec a, struct timespec b)
{
	return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}

int task_host_sleep(struct task *t, clockid_t clk, int flags, const struct timespec *req,
		    struct timespec *rem)
{
	struct timespec end, now;
	clockid_t c = (flags & TIMER_ABSTIME) ? clk : CLOCK_MONOTONIC;
	if (flags & TIMER_ABSTIME) {
		end = *req;
	} else {
		clock_gettime(c, &now);
		end.tv_sec = now.tv_sec + req->tv_sec;
		end.tv_nsec = now.tv_nsec + req->tv_nsec;
		if (end.tv_nsec >= 1000000000L) {
			end.tv_sec++;
			end.tv_nsec -= 1000000000L;
		}
	}
	for (;;) {
		clock_gettime(c, &now);
		if (!ts_before(now, end))
			return 0;
		struct timespec left = ts_sub(end, now);
		int r = task_host_poll(t, -1, 0, &left);
		if (r == -EINTR) {
			clock_gettime(c, &now);
			if (rem) {
				struct timespec z = {0, 0};
				*rem = ts_before(now, end) ? ts_sub(end, now) : z;
			}
			return -EINTR;
		}
		if (r < 0)
			return r;
	}
}

void task_kick(struct task *t)
{
	pthread_mutex_lock(&t->sig_lock);
	pthread_mutex_t *m = t->wait_m;
	pthread_cond_t *cv = t->wait_cv;
	if (m)
		t->kicks++;
	if (!m && t->th)
		t->pl->interrupt(t->th); /* in guest code, or about to be: a stop comes back */
	if (t->th) /* the task's Sentry thread is alive: end a host wait it may be in */
		pthread_kill(t->host_thread, SENTRY_WAKE_SIGNAL);
	pthread_mutex_unlock(&t->sig_lock);
	if (m) {
		/* Locking m orders the wake after the waiter's own check. The sandbox lock is
		 * an error-checking mutex: when the caller already holds it (kill, an exit
		 * notifying the parent), EDEADLK says so and the broadcast goes out as is. */
		int e = pthread_mutex_lock(m);
		pthread_cond_broadcast(cv);
		if (e == 0)
			pthread_mutex_unlock(m);
		pthread_mutex_lock(&t->sig_lock);
		t->kicks--;
		pthread_mutex_unlock(&t->sig_lock);
	}
}

void siginfo_from_sender(siginfo_t *si, int sig, int code, const struct task *sender)
{
	memset(si, 0, sizeof(*si));
	si->si_signo = sig;
	si->si_code = code;
	si->si_pid = sender->tgid;
	si->si_uid = sender->cred.ruid;
}

void signal_force_info(struct task *t, int sig, const siginfo_t *info)
{
	uint64_t bit = 1ULL << (sig - 1);
	pthread_mutex_lock(&t->sig_lock);
	struct guest_sigaction *sa = &t->sigactions[sig - 1];
	bool blocked = t->sigmask & bit;
	if (blocked || sa->handler == (uint64_t)(uintptr_t)SIG_IGN) {
		sa->handler = (uint64_t)(uintptr_t)SIG_DFL;
		t->sigmask &= ~bit;
	}
	if (enqueue(t, sig, info) < 0)
		t->pending |= bit; /* a fault is never lost: pending without its info */
	pthread_mutex_unlock(&t->sig_lock);
}

void signal_force(struct task *t, int sig)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = SI_KERNEL;
	signal_force_info(t, sig, &si);
}

int signal_send(struct task *t, int sig, const siginfo_t *info)
{
	siginfo_t si;
	if (sig <= 0 || sig > 64)
		return -EINVAL;
	if (!info) {
		memset(&si, 0, sizeof(si));
		si.si_signo = sig;
		si.si_code = SI_USER;
		info = &si;
	}
	if (sig == SIGCONT)
		process_continue(t); /* continues even when SIGCONT is ignored or blocked */
	pthread_mutex_lock(&t->sig_lock);
	uint64_t handler = t->sigactions[sig - 1].handler;
	enum sig_default dfl = signal_default_action(sig);
	bool wake = false, queued = false;
	int err = 0;
	const uint64_t stops =
	    sigbit(SIGSTOP) | sigbit(SIGTSTP) | sigbit(SIGTTIN) | sigbit(SIGTTOU);
	if (sig == SIGCONT)
		t->pending &= ~stops; /* a continue cancels pending stops ... */
	else if (stops & sigbit(sig))
		t->pending &= ~sigbit(SIGCONT); /* ... and a stop a pending continue */
	if (sig == SIGKILL) {
		t->fatal_signal = SIGKILL;
		wake = true;
	} else if ((handler == (uint64_t)(uintptr_t)SIG_IGN ||
		    (handler == (uint64_t)(uintptr_t)SIG_DFL &&
		     (dfl == SIG_DFL_IGNORE || dfl == SIG_DFL_CONT))) &&
		   !((t->sigmask | t->sigwait_set) & sigbit(sig))) {
		/* discarded, as Linux discards ignored signals at send time; a blocked signal
		 * is never ignored (it may be waited for, or unblocked after a change) */
	} else {
		int q = enqueue(t, sig, info);
		queued = q > 0;
		if (q < 0)
			err = q;
		else if (q > 0)
			wake = !(t->sigmask & sigbit(sig)) || (t->sigwait_set & sigbit(sig));
	}
	pthread_mutex_unlock(&t->sig_lock);
	if (wake)
		task_kick(t);
	if (queued)
		signalfd_notify(); /* a signalfd of t's may be readable now */
	return err;
}

int signal_take_for_wait(struct task *t, uint64_t set, siginfo_t *info)
{
	pthread_mutex_lock(&t->sig_lock);
	int sig = signal_dequeue(t, set, info);
	pthread_mutex_unlock(&t->sig_lock);
	if (sig || !t->proc)
		return sig;
	struct sandbox *sb = t->sb;
	pthread_mutex_lock(&sb->lock);
	for (struct task *o = t->proc->threads; o && !sig; o = o->next_thread) {
		if (o == t)
			continue;
		pthread_mutex_lock(&o->sig_lock);
		sig = signal_dequeue(o, set & o->sigmask, info);
		pthread_mutex_unlock(&o->sig_lock);
	}
	pthread_mutex_unlock(&sb->lock);
	return sig;
}
