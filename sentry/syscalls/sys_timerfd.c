/*
 * timerfd_create, timerfd_settime, timerfd_gettime (the timers are fs/timerfd.c's). Checks
 * are made in Linux's order (fs/timerfd.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/timerfd.h>
#include <time.h>

#include "fs/eventfd.h"
#include "fs/vfs.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

#define CAP_WAKE_ALARM_K 35

static bool is_alarm(clockid_t c)
{
	return c == CLOCK_REALTIME_ALARM || c == CLOCK_BOOTTIME_ALARM;
}

long sys_timerfd_create(struct task *t, const uint64_t a[6])
{
	clockid_t clock = (clockid_t)a[0];
	int flags = (int)a[1];
	struct file *f;
	if ((flags & ~(TFD_CLOEXEC | TFD_NONBLOCK)) ||
	    (clock != CLOCK_MONOTONIC && clock != CLOCK_REALTIME && clock != CLOCK_BOOTTIME &&
	     !is_alarm(clock)))
		return -EINVAL;
	if (is_alarm(clock) && !task_capable(t, CAP_WAKE_ALARM_K))
		return -EPERM;
	long r = timerfd_create_file(clock, flags & TFD_NONBLOCK, &f);
	if (r < 0)
		return r;
	r = fd_install(t->fdt, f, 0, flags & TFD_CLOEXEC);
	file_put(f); /* the table holds its own reference */
	return r;
}

/* Linux's timerfd_fget: EBADF without a file (O_PATH ones included), EINVAL for another. */
static long get_timerfd(struct task *t, int fd, struct file **out)
{
	struct file *f = fd_get(t->fdt, fd);
	if (!f || (f->flags & O_PATH)) {
		file_put(f);
		return -EBADF;
	}
	if (!file_is_timerfd(f)) {
		file_put(f);
		return -EINVAL;
	}
	*out = f;
	return 0;
}

static bool ts_valid(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000L;
}

long sys_timerfd_settime(struct task *t, const uint64_t a[6])
{
	int flags = (int)a[1];
	struct itimerspec nv, old;
	struct file *f;
	if (copy_from_guest(t, &nv, a[2], sizeof(nv)) < 0)
		return -EFAULT;
	/* TFD_TIMER_CANCEL_ON_SET is accepted: the guest cannot set the clock, and a change
	 * of the host's does not cancel (see fs/timerfd.c). */
	if ((flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) || !ts_valid(&nv.it_value) ||
	    !ts_valid(&nv.it_interval))
		return -EINVAL;
	long r = get_timerfd(t, (int)a[0], &f);
	if (r < 0)
		return r;
	if (is_alarm(timerfd_clock(f)) && !task_capable(t, CAP_WAKE_ALARM_K))
		r = -EPERM;
	else
		r = timerfd_set(f, flags & TFD_TIMER_ABSTIME, &nv, a[3] ? &old : NULL);
	file_put(f);
	if (r == 0 && a[3] && copy_to_guest(t, a[3], &old, sizeof(old)) < 0)
		r = -EFAULT;
	return r;
}

long sys_timerfd_gettime(struct task *t, const uint64_t a[6])
{
	struct itimerspec cur;
	struct file *f;
	long r = get_timerfd(t, (int)a[0], &f);
	if (r < 0)
		return r;
	timerfd_get(f, &cur);
	file_put(f);
	return copy_to_guest(t, a[1], &cur, sizeof(cur)) < 0 ? -EFAULT : 0;
}
