/*
 * timerfd, as Linux's fs/timerfd.c: a timer on CLOCK_REALTIME, CLOCK_MONOTONIC or
 * CLOCK_BOOTTIME (or their _ALARM forms, which here never wake a suspended machine) whose
 * expirations are read as a 64-bit count.
 *
 * Expirations are computed, not counted: a timer keeps the time of its first unread
 * expiration and its interval, and a read (or poll) at time now finds
 * 1 + (now - next) / interval expirations, as Linux's hrtimer_forward does. That is exact
 * whatever the timer's period, and costs nothing while nobody looks.
 *
 * Readiness still has to be announced when it appears: one Sentry thread (started by the
 * first settime) sleeps until the earliest expiration a timer has to announce, then bumps
 * that timer's event source and calls vfs_io_event(), so poll, select and epoll
 * (edge-triggered too) wake up. As Linux's hrtimer callback, which does not restart itself,
 * a timer announces one expiration and then nothing until a read (or timerfd_gettime)
 * forwards it past now: an interval timer nobody reads is one edge, not one per period.
 * Blocked readers wait on the timer's condition with the expiration as their deadline.
 *
 * Times are kept as int64 nanoseconds, saturating as Linux's ktime_t. CLOCK_REALTIME
 * timers are rechecked at least every second, so a change of the host's clock is noticed
 * (TFD_TIMER_CANCEL_ON_SET is accepted but never cancels: the guest cannot set the clock).
 *
 * Locking: tfd_lock covers every timer and the thread's list; it is a leaf but for
 * vfs_io_event(), called after it is dropped.
 */
#define _GNU_SOURCE
#include "fs/eventfd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fs/anon_inode.h"
#include "fs/vfs.h"
#include "sentry/signal.h"
#include "sentry/task.h"

#define NSEC_PER_SEC	    1000000000LL
#define KTIME_SEC_MAX	    (INT64_MAX / NSEC_PER_SEC)
#define REALTIME_RECHECK_NS NSEC_PER_SEC /* a host clock change is seen within a second */

struct timerfd {
	clockid_t clock;       /* as created (the _ALARM forms included) */
	clockid_t base;	       /* the clock it reads */
	bool armed;	       /* has an expiration to come or unread */
	int64_t next;	       /* the first unread expiration, on base */
	int64_t interval;      /* 0: one-shot */
	bool announce;	       /* in the thread's list: an expiration is still to be announced */
	int64_t announce_at;   /* ... at this time, on base */
	struct timerfd *anext; /* the thread's list */
	pthread_cond_t cv;     /* settime or an expiry: blocked readers look again */
	struct vfs_io_source src;
};

static pthread_mutex_t tfd_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t thread_cv; /* the list changed: the thread recomputes its sleep */
static pthread_once_t thread_cv_once = PTHREAD_ONCE_INIT;
static struct timerfd *announce_list;
static bool thread_started;

static void thread_cv_init(void)
{
	cond_init_monotonic(&thread_cv);
}

static bool nonblocking(const struct file *f)
{
	return __atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK;
}

/* --- time -------------------------------------------------------------------------------- */

/* Linux's timespec64_to_ktime: saturates at KTIME_MAX. */
static int64_t ts_to_ns(const struct timespec *ts)
{
	if (ts->tv_sec >= KTIME_SEC_MAX)
		return INT64_MAX;
	return ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

static struct timespec ns_to_ts(int64_t ns)
{
	struct timespec ts = {ns / NSEC_PER_SEC, ns % NSEC_PER_SEC};
	return ts;
}

static int64_t sat_add(int64_t a, int64_t b)
{
	int64_t r;
	return __builtin_add_overflow(a, b, &r) ? INT64_MAX : r;
}

static int64_t sat_mul(int64_t a, uint64_t n)
{
	int64_t r;
	return n > INT64_MAX || __builtin_mul_overflow(a, (int64_t)n, &r) ? INT64_MAX : r;
}

static int64_t now_on(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return ts_to_ns(&ts);
}

/* A CLOCK_MONOTONIC deadline delay ns from now (for waits; the caller rechecks its clock). */
static struct timespec mono_deadline(int64_t delay)
{
	return ns_to_ts(sat_add(now_on(CLOCK_MONOTONIC), delay));
}

/* --- the timer ------------------------------------------------------------------------- */

/* Expirations not yet read at time now (tfd_lock held). */
static uint64_t expirations(const struct timerfd *tf, int64_t now)
{
	if (!tf->armed || now < tf->next)
		return 0;
	if (!tf->interval)
		return 1;
	return 1 + (uint64_t)(now - tf->next) / (uint64_t)tf->interval;
}

/* What timerfd_gettime says at time now: the time to the next expiration still to come
 * (0 for a one-shot timer that has expired, or a disarmed one) and the interval. */
static void current_setting(const struct timerfd *tf, int64_t now, struct itimerspec *cur)
{
	int64_t left = 0;
	if (tf->armed) {
		int64_t at = tf->next;
		if (now >= at && tf->interval)
			at = sat_add(at, sat_mul(tf->interval, expirations(tf, now)));
		left = at > now ? at - now : 0;
	}
	cur->it_value = ns_to_ts(left);
	cur->it_interval = ns_to_ts(tf->interval);
}

/* Puts tf in the thread's list for an announcement at time at (tfd_lock held). */
static void announce_list_add(struct timerfd *tf, int64_t at)
{
	tf->announce_at = at;
	if (!tf->announce) {
		tf->announce = true;
		tf->anext = announce_list;
		announce_list = tf;
	}
	pthread_cond_broadcast(&thread_cv);
}

/* An interval timer that has expired is forwarded past now by a read, or by a gettime once
 * the expiration was announced (Linux's hrtimer_forward_now + hrtimer_restart, which the
 * callback's expiry flag gates): its next expiration is announced in turn. The count itself
 * needs nothing: it is computed. */
static void forward(struct timerfd *tf, int64_t now)
{
	if (!tf->armed || !tf->interval || now < tf->next)
		return;
	int64_t at = sat_add(tf->next, sat_mul(tf->interval, expirations(tf, now)));
	announce_list_add(tf, at);
}

static void announce_unlist(struct timerfd *tf)
{
	if (!tf->announce)
		return;
	struct timerfd **pp = &announce_list;
	while (*pp != tf)
		pp = &(*pp)->anext;
	*pp = tf->anext;
	tf->announce = false;
}

/* The thread: announces each expiration when its time comes (see the top of the file). */
static void *announcer(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&tfd_lock);
	for (;;) {
		bool fired = false;
		int64_t sleep = INT64_MAX;
		for (struct timerfd **pp = &announce_list; *pp;) {
			struct timerfd *tf = *pp;
			int64_t now = now_on(tf->base);
			if (now >= tf->announce_at) {
				vfs_io_source_bump(&tf->src, POLLIN);
				pthread_cond_broadcast(&tf->cv);
				fired = true;
				*pp = tf->anext; /* until a read or gettime forwards it */
				tf->announce = false;
				continue;
			}
			int64_t d = tf->announce_at - now;
			if (tf->base == CLOCK_REALTIME && d > REALTIME_RECHECK_NS)
				d = REALTIME_RECHECK_NS;
			if (d < sleep)
				sleep = d;
			pp = &tf->anext;
		}
		if (fired) {
			pthread_mutex_unlock(&tfd_lock);
			vfs_io_event();
			pthread_mutex_lock(&tfd_lock);
			continue;
		}
		if (sleep == INT64_MAX) {
			pthread_cond_wait(&thread_cv, &tfd_lock);
		} else {
			struct timespec dl = mono_deadline(sleep);
			pthread_cond_clockwait(&thread_cv, &tfd_lock, CLOCK_MONOTONIC, &dl);
		}
	}
	return NULL;
}

static int start_announcer(void)
{
	pthread_t th;
	pthread_attr_t attr;
	if (thread_started)
		return 0;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	int e = pthread_create(&th, &attr, announcer, NULL);
	pthread_attr_destroy(&attr);
	if (e)
		return -EAGAIN;
	thread_started = true;
	return 0;
}

/* --- the file ------------------------------------------------------------------------------ */

static long tfd_read(struct file *f, void *buf, size_t len, int64_t *off)
{
	struct timerfd *tf = f->priv;
	struct task *t = task_current();
	uint64_t n;
	long r = sizeof(n);
	if (len < sizeof(n))
		return -EINVAL;
	pthread_mutex_lock(&tfd_lock);
	for (;;) {
		int64_t now = now_on(tf->base);
		n = expirations(tf, now);
		if (n) {
			/* What is read needs no announcement any more, if it had none yet. */
			if (tf->interval) {
				forward(tf, now);
				tf->next = sat_add(tf->next, sat_mul(tf->interval, n));
			} else {
				announce_unlist(tf);
				tf->armed = false;
			}
			break;
		}
		if (!t || nonblocking(f)) {
			r = -EAGAIN;
			break;
		}
		struct timespec dl;
		if (tf->armed) {
			int64_t d = tf->next - now;
			if (tf->base == CLOCK_REALTIME && d > REALTIME_RECHECK_NS)
				d = REALTIME_RECHECK_NS;
			dl = mono_deadline(d);
		}
		if (task_wait(t, &tfd_lock, &tf->cv, tf->armed ? &dl : NULL) == -EINTR) {
			r = -EINTR;
			break;
		}
	}
	pthread_mutex_unlock(&tfd_lock);
	if (r > 0)
		memcpy(buf, &n, sizeof(n));
	return r;
}

/* Linux's timerfd_poll: POLLIN alone while expirations are unread. */
static unsigned tfd_poll(struct file *f, int *host_fd)
{
	struct timerfd *tf = f->priv;
	pthread_mutex_lock(&tfd_lock);
	unsigned mask = expirations(tf, now_on(tf->base)) ? POLLIN : 0;
	pthread_mutex_unlock(&tfd_lock);
	return mask;
}

static uint64_t tfd_io_gen(struct file *f, unsigned events)
{
	struct timerfd *tf = f->priv;
	return vfs_io_source_gen(&tf->src, events);
}

static int tfd_fstat(struct file *f, struct stat *st)
{
	return anon_inode_fstat(st);
}

/* noop_llseek: the position stays 0. */
static int64_t tfd_llseek(struct file *f, int64_t off, int whence)
{
	return 0;
}

static void tfd_free(struct timerfd *tf)
{
	pthread_cond_destroy(&tf->cv);
	free(tf);
}

static void tfd_release(struct file *f)
{
	struct timerfd *tf = f->priv;
	pthread_mutex_lock(&tfd_lock);
	announce_unlist(tf);
	pthread_mutex_unlock(&tfd_lock);
	tfd_free(tf);
}

static const struct file_ops timerfd_ops = {
    .read = tfd_read,
    .llseek = tfd_llseek,
    .fstat = tfd_fstat,
    .poll = tfd_poll,
    .io_gen = tfd_io_gen,
    .release = tfd_release,
};

bool file_is_timerfd(const struct file *f)
{
	return f && f->ops == &timerfd_ops;
}

clockid_t timerfd_clock(const struct file *f)
{
	return ((const struct timerfd *)f->priv)->clock;
}

int timerfd_create_file(clockid_t clock, int flags, struct file **out)
{
	struct timerfd *tf = calloc(1, sizeof(*tf));
	if (!tf)
		return -ENOMEM;
	pthread_once(&thread_cv_once, thread_cv_init);
	tf->clock = clock;
	tf->base = clock == CLOCK_REALTIME_ALARM   ? CLOCK_REALTIME
		   : clock == CLOCK_BOOTTIME_ALARM ? CLOCK_BOOTTIME
						   : clock;
	cond_init_monotonic(&tf->cv);
	struct file *f = file_new(&timerfd_ops, O_RDWR | (flags & O_NONBLOCK), tf);
	if (!f) {
		tfd_free(tf);
		return -ENOMEM;
	}
	f->stream = true;
	*out = f;
	return 0;
}

void timerfd_get(struct file *f, struct itimerspec *cur)
{
	struct timerfd *tf = f->priv;
	pthread_mutex_lock(&tfd_lock);
	int64_t now = now_on(tf->base);
	if (!tf->announce)
		forward(tf, now);
	current_setting(tf, now, cur);
	pthread_mutex_unlock(&tfd_lock);
}

int timerfd_set(struct file *f, bool abstime, const struct itimerspec *nv, struct itimerspec *old)
{
	struct timerfd *tf = f->priv;
	int err = 0;
	pthread_mutex_lock(&tfd_lock);
	int64_t now = now_on(tf->base);
	if (old)
		current_setting(tf, now, old); /* no forward: the timer is replaced anyway */
	/* Unread expirations of the old setting are gone, as Linux's timerfd_setup. */
	announce_unlist(tf);
	tf->interval = ts_to_ns(&nv->it_interval);
	tf->armed = nv->it_value.tv_sec || nv->it_value.tv_nsec;
	if (tf->armed) {
		int64_t v = ts_to_ns(&nv->it_value);
		tf->next = abstime ? v : sat_add(now, v);
		err = start_announcer();
		if (err == 0)
			announce_list_add(tf, tf->next);
		else
			tf->armed = false;
	}
	pthread_cond_broadcast(&tf->cv); /* blocked readers recompute their deadline */
	pthread_mutex_unlock(&tfd_lock);
	return err;
}
