/* timer_create, timer_settime, timer_gettime, timer_getoverrun, timer_delete (sentry/timer.c
 * runs them). Clocks: REALTIME, MONOTONIC, BOOTTIME, TAI and the alarm clocks; the CPU-time
 * clocks are refused (EINVAL, logged) until the Sentry samples guest CPU time. Overruns are
 * not counted (timer_getoverrun: 0). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "sentry/log.h"
#include "sentry/process.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"
#include "sentry/timer.h"

#ifndef SIGEV_THREAD_ID
#define SIGEV_THREAD_ID 4
#endif

/* The kernel's struct sigevent (64 bytes). */
struct k_sigevent {
	union sigval value;
	int signo;
	int notify;
	union {
		int pad[12];
		int tid;
	} un;
};

static bool timer_clock_ok(int clk)
{
	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_MONOTONIC:
	case CLOCK_BOOTTIME:
	case CLOCK_REALTIME_ALARM:
	case CLOCK_BOOTTIME_ALARM:
	case CLOCK_TAI:
		return true;
	}
	return false;
}

long sys_timer_create(struct task *t, const uint64_t a[6])
{
	int clk = (int)a[0];
	struct k_sigevent ev;
	if (!timer_clock_ok(clk)) {
		if (clk == CLOCK_PROCESS_CPUTIME_ID || clk == CLOCK_THREAD_CPUTIME_ID || clk < 0)
			log_info("timer_create: CPU-time clocks are not supported yet");
		return -EINVAL;
	}
	memset(&ev, 0, sizeof(ev));
	if (a[1]) {
		if (copy_from_guest(t, &ev, a[1], sizeof(ev)) < 0)
			return -EFAULT;
	} else {
		ev.notify = SIGEV_SIGNAL;
		ev.signo = SIGALRM;
	}
	pid_t tid = 0;
	switch (ev.notify) {
	case SIGEV_NONE:
		break;
	case SIGEV_SIGNAL:
	case SIGEV_THREAD_ID:
		if (ev.signo <= 0 || ev.signo > 64)
			return -EINVAL;
		if (ev.notify == SIGEV_THREAD_ID) {
			tid = ev.un.tid;
			pthread_mutex_lock(&t->sb->lock);
			struct task *to = process_find_thread(t->sb, tid);
			bool ours = to && to->proc == t->proc;
			pthread_mutex_unlock(&t->sb->lock);
			if (!ours)
				return -EINVAL;
		}
		break;
	default:
		return -EINVAL;
	}
	int id = ptimer_create(t, clk, ev.notify, ev.signo, tid, ev.value);
	if (id < 0)
		return id;
	if (!a[1]) {
		/* The default sigevent carries the timer's own id as its value. */
		union sigval v = {.sival_int = id};
		ptimer_delete(t, id);
		id = ptimer_create(t, clk, SIGEV_SIGNAL, SIGALRM, 0, v);
		if (id < 0)
			return id;
	}
	if (copy_to_guest(t, a[2], &id, sizeof(id)) < 0) {
		ptimer_delete(t, id);
		return -EFAULT;
	}
	return 0;
}

static bool valid_ts(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000L;
}

long sys_timer_settime(struct task *t, const uint64_t a[6])
{
	int id = (int)a[0], flags = (int)a[1];
	struct itimerspec nv, old;
	flags &= TIMER_ABSTIME; /* Linux ignores the other bits */
	if (copy_from_guest(t, &nv, a[2], sizeof(nv)) < 0)
		return -EFAULT;
	if (!valid_ts(&nv.it_value) || !valid_ts(&nv.it_interval))
		return -EINVAL;
	int clk = ptimer_clock(t, id);
	if (clk < 0)
		return clk;
	struct timespec dl, *pdl = NULL;
	if (nv.it_value.tv_sec || nv.it_value.tv_nsec) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		dl = nv.it_value;
		if (flags & TIMER_ABSTIME) {
			/* An absolute time on the timer's clock, as an offset from now. */
			struct timespec cnow;
			clock_gettime(clk == CLOCK_REALTIME_ALARM ? CLOCK_REALTIME
				      : clk == CLOCK_BOOTTIME_ALARM ? CLOCK_BOOTTIME
								     : clk,
				      &cnow);
			dl.tv_sec -= cnow.tv_sec;
			dl.tv_nsec -= cnow.tv_nsec;
			if (dl.tv_nsec < 0) {
				dl.tv_sec--;
				dl.tv_nsec += 1000000000L;
			}
			if (dl.tv_sec < 0)
				dl.tv_sec = dl.tv_nsec = 0;
		}
		dl.tv_sec += now.tv_sec;
		dl.tv_nsec += now.tv_nsec;
		if (dl.tv_nsec >= 1000000000L) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000L;
		}
		pdl = &dl;
	}
	int err = ptimer_settime(t, id, pdl, &nv.it_interval, &old);
	if (err < 0)
		return err;
	if (a[3] && copy_to_guest(t, a[3], &old, sizeof(old)) < 0)
		return -EFAULT;
	return 0;
}

long sys_timer_gettime(struct task *t, const uint64_t a[6])
{
	struct itimerspec cur;
	int err = ptimer_gettime(t, (int)a[0], &cur);
	if (err < 0)
		return err;
	return copy_to_guest(t, a[1], &cur, sizeof(cur));
}

long sys_timer_getoverrun(struct task *t, const uint64_t a[6])
{
	struct itimerspec cur;
	return ptimer_gettime(t, (int)a[0], &cur); /* 0 for a known timer: overruns uncounted */
}

long sys_timer_delete(struct task *t, const uint64_t a[6])
{
	return ptimer_delete(t, (int)a[0]);
}
