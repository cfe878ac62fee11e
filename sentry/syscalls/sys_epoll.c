/*
 * epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait, epoll_pwait2 (the
 * instances are fs/epoll.c's). Checks are made in Linux's order (fs/eventpoll.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <time.h>

#include "fs/epoll.h"
#include "fs/vfs.h"
#include "sentry/syscalls/sigmask_arg.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

#define NSEC_PER_SEC 1000000000L
/* What EPOLLEXCLUSIVE may be combined with (Linux's EPOLLEXCLUSIVE_OK_BITS). */
#define EXCLUSIVE_OK_BITS                                                                          \
	(EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE)
#define CAP_BLOCK_SUSPEND_K 36

/* fdget(): O_PATH descriptors count as no descriptor. */
static struct file *get_fd(struct task *t, int fd)
{
	struct file *f = fd_get(t->fdt, fd);
	if (f && (f->flags & O_PATH)) {
		file_put(f);
		f = NULL;
	}
	return f;
}

static long do_create(struct task *t, int flags)
{
	struct file *f;
	if (flags & ~EPOLL_CLOEXEC)
		return -EINVAL;
	long r = epoll_create_file(&f);
	if (r < 0)
		return r;
	r = fd_install(t->fdt, f, 0, flags & EPOLL_CLOEXEC);
	file_put(f); /* the table holds its own reference */
	return r;
}

long sys_epoll_create(struct task *t, const uint64_t a[6])
{
	if ((int)a[0] <= 0)
		return -EINVAL;
	return do_create(t, 0);
}

long sys_epoll_create1(struct task *t, const uint64_t a[6])
{
	return do_create(t, (int)a[0]);
}

long sys_epoll_ctl(struct task *t, const uint64_t a[6])
{
	int epfd = (int)a[0], op = (int)a[1], fd = (int)a[2];
	bool has_event = op != EPOLL_CTL_DEL; /* Linux's ep_op_has_event: unknown ops too */
	struct guest_epoll_event ev = {0};
	struct file *f, *tf = NULL;
	long r;
	if (has_event && copy_from_guest(t, &ev, a[3], sizeof(ev)) < 0)
		return -EFAULT;
	f = get_fd(t, epfd);
	if (!f)
		return -EBADF;
	r = -EBADF;
	tf = get_fd(t, fd);
	if (!tf)
		goto out;
	r = -EPERM;
	if (!file_can_poll(tf))
		goto out;
	/* EPOLLWAKEUP needs CAP_BLOCK_SUSPEND, else it is dropped; it has no effect here. */
	if (has_event && (ev.events & EPOLLWAKEUP) && !task_capable(t, CAP_BLOCK_SUSPEND_K))
		ev.events &= ~(uint32_t)EPOLLWAKEUP;
	r = -EINVAL;
	if (f == tf || !file_is_epoll(f))
		goto out;
	/* Exclusive wake-ups are set up at ADD only, and not for nested instances. */
	if (has_event && (ev.events & EPOLLEXCLUSIVE)) {
		if (op == EPOLL_CTL_MOD)
			goto out;
		if (op == EPOLL_CTL_ADD &&
		    (file_is_epoll(tf) || (ev.events & ~(uint32_t)EXCLUSIVE_OK_BITS)))
			goto out;
	}
	r = epoll_ctl_file(f, op, fd, tf, has_event ? &ev : NULL);
out:
	file_put(tf);
	file_put(f);
	return r;
}

/* --- waiting ------------------------------------------------------------------------------ */

/* now + (sec, nsec) on CLOCK_MONOTONIC, saturating (Linux's timespec64_add_safe); a zero
 * timeout stays {0, 0}: one scan. */
static int set_deadline(struct timespec *end, int64_t sec, int64_t nsec)
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
	int64_t carry = end->tv_nsec >= NSEC_PER_SEC, s;
	if (carry)
		end->tv_nsec -= NSEC_PER_SEC;
	if (__builtin_add_overflow((int64_t)now.tv_sec, sec, &s) ||
	    __builtin_add_overflow(s, carry, &s)) {
		s = INT64_MAX;
		end->tv_nsec = 0;
	}
	end->tv_sec = s;
	return 0;
}

/* Linux's do_epoll_wait (6.x takes the descriptor first). */
static long do_wait(struct task *t, int epfd, uint64_t uevents, int maxevents,
		    const struct timespec *deadline)
{
	struct file *f = get_fd(t, epfd);
	long r;
	if (!f)
		return -EBADF;
	if (maxevents <= 0 || maxevents > EP_MAX_EVENTS)
		r = -EINVAL;
	else if (!guest_range_ok(uevents, (uint64_t)maxevents * sizeof(struct guest_epoll_event)))
		r = -EFAULT;
	else if (!file_is_epoll(f))
		r = -EINVAL;
	else
		r = epoll_wait_file(t, f, uevents, maxevents, deadline);
	file_put(f);
	return r;
}

static long do_pwait(struct task *t, const uint64_t a[6], const struct timespec *deadline)
{
	bool set = false;
	long r = set_user_sigmask(t, a[4], a[5], &set);
	if (r < 0)
		return r;
	r = do_wait(t, (int)a[0], a[1], (int)a[2], deadline);
	return restore_user_sigmask(t, set, r);
}

/* Linux's ep_timeout_to_timespec: a negative timeout waits for ever. */
static const struct timespec *ms_deadline(int ms, struct timespec *end)
{
	if (ms < 0)
		return NULL;
	set_deadline(end, ms / 1000, (int64_t)(ms % 1000) * 1000000);
	return end;
}

long sys_epoll_wait(struct task *t, const uint64_t a[6])
{
	struct timespec end;
	return do_wait(t, (int)a[0], a[1], (int)a[2], ms_deadline((int)a[3], &end));
}

long sys_epoll_pwait(struct task *t, const uint64_t a[6])
{
	struct timespec end;
	return do_pwait(t, a, ms_deadline((int)a[3], &end));
}

long sys_epoll_pwait2(struct task *t, const uint64_t a[6])
{
	struct timespec end;
	const struct timespec *deadline = NULL;
	if (a[3]) {
		int64_t ts[2];
		if (copy_from_guest(t, ts, a[3], sizeof(ts)) < 0)
			return -EFAULT;
		if (set_deadline(&end, ts[0], ts[1]) < 0)
			return -EINVAL;
		deadline = &end;
	}
	return do_pwait(t, a, deadline);
}
