/*
 * poll, ppoll, select, pselect6: waiting for readiness on many files at once.
 *
 * One core serves all four: a Sentry array of struct pollfd (the guest's layout, copied in
 * once) is scanned, each file answering through its poll op, and the scan is repeated after
 * every wake until something is ready, the deadline passes or a signal comes, in the order
 * Linux's do_poll uses (ready beats a signal, a signal beats the timeout).
 *
 * Waking: files kept in the Sentry (pipes) announce every readiness change with
 * vfs_io_event(), so with only those the waiter sleeps in vfs_io_wait(). Files backed by a
 * host fd say so through their poll op; the waiter then ppoll()s the host for them, with the
 * Sentry wake signal unblocked so a signal for the task ends the wait, and at most 10 ms at a
 * time so that Sentry-side events (one sandbox-wide sequence that ppoll cannot watch) are
 * still noticed within 10 ms.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "fs/vfs.h"
#include "sentry/signal.h"
#include "sentry/syscalls/sigmask_arg.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

#define NSEC_PER_SEC  1000000000L
#define HOST_SLICE_NS 10000000L /* the longest host wait: bounds the delay for pipe events */

/* Linux's DEFAULT_POLLMASK (files without a poll op) and select's event classes. */
#define DEFAULT_POLLMASK (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)
#define POLLIN_SET	 (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define POLLOUT_SET	 (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define POLLEX_SET	 (POLLPRI)

/* --- time ------------------------------------------------------------------------------- */

static bool ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static bool ts_zero(const struct timespec *a)
{
	return !a->tv_sec && !a->tv_nsec;
}

static struct timespec ts_sub(struct timespec a, struct timespec b)
{
	struct timespec r = {a.tv_sec - b.tv_sec, a.tv_nsec - b.tv_nsec};
	if (r.tv_nsec < 0) {
		r.tv_sec--;
		r.tv_nsec += NSEC_PER_SEC;
	}
	return r;
}

/* Linux's poll_select_set_timeout: *end becomes now + (sec, nsec) on CLOCK_MONOTONIC,
 * saturating; a zero timeout stays {0, 0}, which the core reads as "scan once". */
static int set_timeout(struct timespec *end, int64_t sec, int64_t nsec)
{
	if (sec < 0 || nsec < 0 || nsec >= NSEC_PER_SEC)
		return -EINVAL;
	if (!sec && !nsec) {
		end->tv_sec = end->tv_nsec = 0;
		return 0;
	}
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	end->tv_nsec = now.tv_nsec + (long)nsec;
	int64_t carry = end->tv_nsec >= NSEC_PER_SEC;
	if (carry)
		end->tv_nsec -= NSEC_PER_SEC;
	int64_t s;
	if (__builtin_add_overflow((int64_t)now.tv_sec, sec, &s) ||
	    __builtin_add_overflow(s, carry, &s)) {
		s = INT64_MAX;
		end->tv_nsec = 0;
	}
	end->tv_sec = s;
	return 0;
}

/* What is left of a timeout that ends at end (never negative). */
static struct timespec time_left(const struct timespec *end)
{
	struct timespec now, zero = {0, 0};
	clock_gettime(CLOCK_MONOTONIC, &now);
	return ts_before(&now, end) ? ts_sub(*end, now) : zero;
}

/* --- the core ----------------------------------------------------------------------------- */

struct waitset {
	struct pollfd *ent; /* fd, events (what counts as ready), revents (the answer) */
	unsigned n;
	short always; /* reported even when not asked for: poll's POLLERR|POLLHUP|POLLNVAL */
	/* Files that answer through a host fd in the last scan, each referenced so that its
	 * host fd stays open while the host is asked about it. */
	struct pollfd *host;
	unsigned *host_idx; /* the entry each host fd belongs to */
	struct file **host_file;
	unsigned nhost, host_cap;
};

static void host_release(struct waitset *w)
{
	for (unsigned i = 0; i < w->nhost; i++)
		file_put(w->host_file[i]);
	w->nhost = 0;
}

static void waitset_free(struct waitset *w)
{
	host_release(w);
	free(w->host);
	free(w->host_idx);
	free(w->host_file);
}

/* Remembers that entry i is answered by the host fd hfd of f (taking over f's reference). */
static int host_add(struct waitset *w, unsigned i, struct file *f, int hfd)
{
	if (w->nhost == w->host_cap) {
		unsigned cap = w->host_cap ? w->host_cap * 2 : 8;
		struct pollfd *h = realloc(w->host, cap * sizeof(*h));
		if (h)
			w->host = h;
		unsigned *idx = realloc(w->host_idx, cap * sizeof(*idx));
		if (idx)
			w->host_idx = idx;
		struct file **hf = realloc(w->host_file, cap * sizeof(*hf));
		if (hf)
			w->host_file = hf;
		if (!h || !idx || !hf)
			return -ENOMEM;
		w->host_cap = cap;
	}
	w->host[w->nhost] = (struct pollfd){.fd = hfd, .events = w->ent[i].events};
	w->host_idx[w->nhost] = i;
	w->host_file[w->nhost] = f;
	w->nhost++;
	return 0;
}

/* One pass over every entry: sets each revents; returns how many entries have one, or
 * -errno. fd < 0 is skipped; a closed fd (or an O_PATH one, which Linux's fdget refuses)
 * is POLLNVAL. */
static int scan(struct task *t, struct waitset *w)
{
	int count = 0;
	host_release(w);
	for (unsigned i = 0; i < w->n; i++) {
		struct pollfd *e = &w->ent[i];
		unsigned mask;
		e->revents = 0;
		if (e->fd < 0)
			continue;
		struct file *f = fd_get(t->fdt, e->fd);
		if (!f || (f->flags & O_PATH)) {
			mask = POLLNVAL;
		} else if (!f->ops || !f->ops->poll) {
			mask = DEFAULT_POLLMASK;
		} else {
			int hfd = -1;
			mask = f->ops->poll(f, &hfd);
			if (hfd >= 0) {
				int err = host_add(w, i, f, hfd);
				if (err < 0) {
					file_put(f);
					return err;
				}
				continue; /* the host answers below; f stays referenced */
			}
		}
		file_put(f);
		e->revents =
		    (short)(mask & ((unsigned short)e->events | (unsigned short)w->always));
		if (e->revents)
			count++;
	}
	if (w->nhost) {
		/* Asking only: a zero timeout, so the wake signal can stay blocked. */
		if (poll(w->host, w->nhost, 0) < 0)
			return -errno;
		for (unsigned j = 0; j < w->nhost; j++) {
			struct pollfd *e = &w->ent[w->host_idx[j]];
			unsigned short want = (unsigned short)e->events | (unsigned short)w->always;
			e->revents = (short)((unsigned short)w->host[j].revents & want);
			if (e->revents)
				count++;
		}
	}
	return count;
}

/* ppoll over the host fds of the last scan with the Sentry wake signal unblocked for just that
 * call, as task_host_poll does for one fd: a task_kick() sent before the call is pending and
 * ends it at once, so none is lost. The caller scans again whatever happens. */
static int host_wait(struct task *t, struct waitset *w, const struct timespec *timeout)
{
	sigset_t mask;
	pthread_sigmask(SIG_SETMASK, NULL, &mask);
	sigdelset(&mask, SENTRY_WAKE_SIGNAL);
	if (task_signal_pending(t))
		return 0;
	if (ppoll(w->host, w->nhost, timeout, &mask) < 0 && errno != EINTR)
		return -errno;
	return 0;
}

/* Sleeps until something may have changed since seq was read: a Sentry event, a host fd,
 * a signal, or (at the latest) the deadline. 0 or -errno; the caller decides what woke it. */
static int wait_once(struct task *t, struct waitset *w, uint64_t seq, const struct timespec *end)
{
	struct timespec left = {0, HOST_SLICE_NS}, now = {0, 0};
	if (end) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!ts_before(&now, end))
			return 0;
	}
	if (!w->nhost) {
		/* A far deadline is cut to a day: it is only a bound on this one sleep. */
		struct timespec cap = {0, 0};
		if (end) {
			cap = now;
			cap.tv_sec += 86400;
			if (ts_before(end, &cap))
				cap = *end;
		}
		int r = vfs_io_wait(t, seq, end ? &cap : NULL);
		return r == -ETIMEDOUT || r == -EINTR ? 0 : r;
	}
	if (end) {
		struct timespec d = ts_sub(*end, now);
		if (ts_before(&d, &left))
			left = d;
	}
	if (vfs_io_seq() != seq)
		return 0; /* a Sentry file changed since the scan: look again now */
	return host_wait(t, w, &left);
}

/* Linux's do_poll loop. end: NULL for no timeout, {0, 0} for a single scan, else the
 * CLOCK_MONOTONIC deadline. Returns the number of ready entries, 0 on timeout, -EINTR when a
 * signal for the task is pending and nothing is ready, or -errno. */
static int poll_core(struct task *t, struct waitset *w, const struct timespec *end)
{
	bool timed_out = end && ts_zero(end);
	for (;;) {
		/* Read before the scan: an event after it changes the sequence. */
		uint64_t seq = vfs_io_seq();
		int count = scan(t, w);
		if (count)
			return count;
		if (task_signal_pending(t))
			return -EINTR;
		if (timed_out)
			return 0;
		int r = wait_once(t, w, seq, end);
		if (r < 0)
			return r;
		if (end) {
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			/* One more scan after the deadline, as Linux does. */
			timed_out = !ts_before(&now, end);
		}
	}
}

/* --- signal masks and timeout write-back (ppoll, pselect6, select) ----------------------- */

enum tmo_kind { TMO_NONE, TMO_TIMEVAL, TMO_TIMESPEC };

/* Linux's poll_select_finish: puts the old signal mask back unless a handler is about to
 * run, and writes the time left to the guest's timeout (not for a zero one). A fault there is
 * ignored: the call itself has succeeded. */
static long finish(struct task *t, bool mask_set, const struct timespec *end, uint64_t utmo,
		   enum tmo_kind kind, long ret)
{
	restore_user_sigmask(t, mask_set, ret);
	if (kind == TMO_NONE || !utmo || ts_zero(end))
		return ret;
	struct timespec rts = time_left(end);
	if (kind == TMO_TIMEVAL) {
		int64_t tv[2] = {rts.tv_sec, rts.tv_nsec / 1000};
		(void)copy_to_guest(t, utmo, tv, sizeof(tv));
	} else {
		int64_t ts[2] = {rts.tv_sec, rts.tv_nsec};
		(void)copy_to_guest(t, utmo, ts, sizeof(ts));
	}
	return ret;
}

/* A guest struct __kernel_timespec as a deadline: -EFAULT or -EINVAL (Linux's order). */
static int get_timespec_deadline(struct task *t, uint64_t uts, struct timespec *end)
{
	int64_t ts[2];
	if (copy_from_guest(t, ts, uts, sizeof(ts)) < 0)
		return -EFAULT;
	return set_timeout(end, ts[0], ts[1]);
}

/* --- poll, ppoll ------------------------------------------------------------------------ */

static long do_sys_poll(struct task *t, uint64_t ufds, uint64_t nfds64, const struct timespec *end)
{
	struct waitset w = {.always = POLLERR | POLLHUP | POLLNVAL};
	unsigned nfds = (unsigned)nfds64;
	long r;
	if (nfds > t->rlim[RLIMIT_NOFILE].rlim_cur)
		return -EINVAL;
	w.n = nfds;
	w.ent = malloc((nfds ? nfds : 1) * sizeof(*w.ent));
	if (!w.ent)
		return -ENOMEM;
	r = copy_from_guest(t, w.ent, ufds, nfds * sizeof(*w.ent));
	if (r < 0)
		goto out;
	r = poll_core(t, &w, end);
	/* The whole array goes back in one copy: fd and events as they were read, revents new
	 * (Linux stores only revents; what differs is only a guest racing its own poll). */
	if ((r >= 0 || r == -EINTR) && copy_to_guest(t, ufds, w.ent, nfds * sizeof(*w.ent)) < 0)
		r = -EFAULT;
out:
	waitset_free(&w);
	free(w.ent);
	return r;
}

long sys_poll(struct task *t, const uint64_t a[6])
{
	int ms = (int)a[2];
	struct timespec end = {0, 0};
	if (ms >= 0)
		set_timeout(&end, ms / 1000, (int64_t)(ms % 1000) * 1000000);
	return do_sys_poll(t, a[0], a[1], ms >= 0 ? &end : NULL);
}

long sys_ppoll(struct task *t, const uint64_t a[6])
{
	struct timespec end = {0, 0};
	bool mask_set = false;
	long r;
	if (a[2]) {
		r = get_timespec_deadline(t, a[2], &end);
		if (r < 0)
			return r;
	}
	r = set_user_sigmask(t, a[3], a[4], &mask_set);
	if (r < 0)
		return r;
	r = do_sys_poll(t, a[0], a[1], a[2] ? &end : NULL);
	return finish(t, mask_set, &end, a[2], TMO_TIMESPEC, r);
}

/* --- select, pselect6 ------------------------------------------------------------------- */

static bool bit_test(const uint64_t *set, int fd)
{
	return set[fd / 64] >> (fd % 64) & 1;
}

/* Linux's core_sys_select: nfds is cut to the fd table's size; every fd in a set must be
 * open (EBADF); the sets are written back only on success, holding what is ready. */
static long do_select(struct task *t, int nfds, uint64_t inp, uint64_t outp, uint64_t exp,
		      const struct timespec *end)
{
	struct waitset w = {.always = 0};
	const uint64_t uset[3] = {inp, outp, exp};
	static const short cls[3] = {POLLIN_SET, POLLOUT_SET, POLLEX_SET};
	uint64_t *sets[3] = {NULL, NULL, NULL}, *res[3] = {NULL, NULL, NULL};
	long r;
	if (nfds < 0)
		return -EINVAL;
	pthread_mutex_lock(&t->fdt->lock);
	if (nfds > t->fdt->cap)
		nfds = t->fdt->cap;
	pthread_mutex_unlock(&t->fdt->lock);
	size_t words = ((size_t)nfds + 63) / 64, bytes = words * sizeof(uint64_t);
	w.ent = malloc((nfds ? (size_t)nfds : 1) * sizeof(*w.ent));
	r = -ENOMEM;
	if (!w.ent)
		goto out;
	for (int k = 0; k < 3; k++) {
		sets[k] = calloc(words ? words : 1, sizeof(uint64_t));
		res[k] = calloc(words ? words : 1, sizeof(uint64_t));
		if (!sets[k] || !res[k])
			goto out;
		r = copy_from_guest(t, sets[k], uset[k], uset[k] ? bytes : 0);
		if (r < 0)
			goto out;
		if (nfds % 64) /* bits at or above nfds are not looked at */
			sets[k][words - 1] &= (1ULL << (nfds % 64)) - 1;
	}
	for (int fd = 0; fd < nfds; fd++) {
		short events = 0;
		for (int k = 0; k < 3; k++)
			if (bit_test(sets[k], fd))
				events |= cls[k];
		if (!events)
			continue;
		struct file *f = fd_get(t->fdt, fd);
		if (!f) {
			r = -EBADF;
			goto out;
		}
		file_put(f);
		w.ent[w.n++] = (struct pollfd){.fd = fd, .events = events};
	}
	r = poll_core(t, &w, end);
	if (r < 0)
		goto out;
	r = 0;
	for (unsigned i = 0; i < w.n; i++) {
		int fd = w.ent[i].fd;
		for (int k = 0; k < 3; k++) {
			if ((w.ent[i].revents & cls[k]) && bit_test(sets[k], fd)) {
				res[k][fd / 64] |= 1ULL << (fd % 64);
				r++;
			}
		}
	}
	for (int k = 0; k < 3; k++)
		if (uset[k] && copy_to_guest(t, uset[k], res[k], bytes) < 0)
			r = -EFAULT;
out:
	waitset_free(&w);
	free(w.ent);
	for (int k = 0; k < 3; k++) {
		free(sets[k]);
		free(res[k]);
	}
	return r;
}

long sys_select(struct task *t, const uint64_t a[6])
{
	struct timespec end = {0, 0};
	if (a[4]) {
		int64_t tv[2];
		if (copy_from_guest(t, tv, a[4], sizeof(tv)) < 0)
			return -EFAULT;
		/* Linux folds whole seconds of tv_usec into tv_sec (wrapping, as its arithmetic
		 * does); a negative part is EINVAL. */
		int64_t sec = (int64_t)((uint64_t)tv[0] + (uint64_t)(tv[1] / 1000000));
		if (set_timeout(&end, sec, tv[1] % 1000000 * 1000) < 0)
			return -EINVAL;
	}
	long r = do_select(t, (int)a[0], a[1], a[2], a[3], a[4] ? &end : NULL);
	return finish(t, false, &end, a[4], TMO_TIMEVAL, r);
}

long sys_pselect6(struct task *t, const uint64_t a[6])
{
	struct timespec end = {0, 0};
	uint64_t pack[2] = {0, 0}; /* { const sigset_t *ss; size_t ss_len; } */
	bool mask_set = false;
	long r;
	if (a[5] && copy_from_guest(t, pack, a[5], sizeof(pack)) < 0)
		return -EFAULT;
	if (a[4]) {
		r = get_timespec_deadline(t, a[4], &end);
		if (r < 0)
			return r;
	}
	r = set_user_sigmask(t, pack[0], pack[1], &mask_set);
	if (r < 0)
		return r;
	r = do_select(t, (int)a[0], a[1], a[2], a[3], a[4] ? &end : NULL);
	return finish(t, mask_set, &end, a[4], TMO_TIMESPEC, r);
}
