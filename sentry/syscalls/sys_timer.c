/* alarm, getitimer, setitimer. ITIMER_REAL only: the virtual and profiling timers need the
 * guest's CPU time as the host counts it, which the Sentry does not sample yet (EINVAL). */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/time.h>

#include "sentry/log.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"
#include "sentry/timer.h"

static bool valid_tv(const struct timeval *tv)
{
	return tv->tv_sec >= 0 && tv->tv_usec >= 0 && tv->tv_usec < 1000000;
}

long sys_alarm(struct task *t, const uint64_t a[6])
{
	struct itimerval nv, old;
	memset(&nv, 0, sizeof(nv));
	nv.it_value.tv_sec = (unsigned)a[0];
	int err = itimer_real_set(t, &nv, &old);
	if (err < 0)
		return err;
	/* Seconds left, rounded to nearest, at least 1 for an armed timer (as Linux). */
	long left = old.it_value.tv_sec + (old.it_value.tv_usec >= 500000);
	if (!left && old.it_value.tv_usec)
		left = 1;
	return left;
}

long sys_getitimer(struct task *t, const uint64_t a[6])
{
	struct itimerval cur;
	int which = (int)a[0];
	if (which != ITIMER_REAL) {
		if (which == ITIMER_VIRTUAL || which == ITIMER_PROF)
			log_warn("getitimer: ITIMER_VIRTUAL/ITIMER_PROF not supported");
		return -EINVAL;
	}
	itimer_real_get(t, &cur);
	return copy_to_guest(t, a[1], &cur, sizeof(cur));
}

long sys_setitimer(struct task *t, const uint64_t a[6])
{
	struct itimerval nv, old;
	int which = (int)a[0];
	if (which != ITIMER_REAL) {
		if (which == ITIMER_VIRTUAL || which == ITIMER_PROF)
			log_warn("setitimer: ITIMER_VIRTUAL/ITIMER_PROF not supported");
		return -EINVAL;
	}
	memset(&nv, 0, sizeof(nv));
	if (a[1] && copy_from_guest(t, &nv, a[1], sizeof(nv)) < 0)
		return -EFAULT;
	if (!valid_tv(&nv.it_value) || !valid_tv(&nv.it_interval))
		return -EINVAL;
	int err = itimer_real_set(t, &nv, &old);
	if (err < 0)
		return err;
	if (a[2] && copy_to_guest(t, a[2], &old, sizeof(old)) < 0)
		return -EFAULT;
	return 0;
}
