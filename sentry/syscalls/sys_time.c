/*
 * Clocks and sleeps. The guest's clocks are the host's (its vDSO reads them directly too, so
 * the syscall path must agree with it); sleeps block the Sentry thread serving the task.
 *
 * Layouts: struct __kernel_timespec and __kernel_old_timeval are two 64-bit fields on x86_64,
 * the same as the host's struct timespec and struct timeval, which are used directly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <sys/time.h>
#include <time.h>

#include "sentry/syscalls/table.h"
#include "sentry/signal.h"
#include "sentry/task.h"

_Static_assert(sizeof(struct timespec) == 16, "guest and host timespec differ");
_Static_assert(sizeof(struct timeval) == 16, "guest and host timeval differ");

#define NSEC_PER_SEC 1000000000L

/* The kernel's timespec64_valid. */
static int timespec_valid(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && (uint64_t)ts->tv_nsec < (uint64_t)NSEC_PER_SEC;
}

/* The guest's CPU-time clocks. The guest's code runs in the platform's host stub process, so
 * that process's host CPU clock is the guest's CPU time. The guest is single-threaded for now,
 * so its thread clock is its process clock. When the platform cannot name the host process,
 * the Sentry thread's own CPU clock stands in: it is only the time spent servicing syscalls,
 * but it is monotonic, which is what callers rely on. */
static clockid_t guest_cpu_clock(struct task *t)
{
	clockid_t clk;
	pid_t pid = t->pl->host_tid && t->th ? t->pl->host_tid(t->th) : -1;
	if (pid > 0 && clock_getcpuclockid(pid, &clk) == 0)
		return clk;
	return CLOCK_THREAD_CPUTIME_ID;
}

/* The host clock that answers for a guest clock id, or -EINVAL when Linux rejects the id.
 * Linux accepts 0..11 except 10 (the removed CLOCK_SGI_CYCLE). Negative ids encode another
 * process's or thread's CPU clock, or a dynamic clock fd: not supported yet, EINVAL. The
 * alarm clocks read as their base clocks (the guest has a working RTC as far as it knows). */
static int host_clock(struct task *t, int id, clockid_t *out)
{
	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
	case CLOCK_TAI:
		*out = id;
		return 0;
	case CLOCK_REALTIME_ALARM:
		*out = CLOCK_REALTIME;
		return 0;
	case CLOCK_BOOTTIME_ALARM:
		*out = CLOCK_BOOTTIME;
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		*out = guest_cpu_clock(t);
		return 0;
	default:
		return -EINVAL;
	}
}

long sys_time(struct task *t, const uint64_t a[6])
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t secs = ts.tv_sec;
	if (a[0] && copy_to_guest(t, a[0], &secs, sizeof(secs)))
		return -EFAULT;
	return secs;
}

long sys_gettimeofday(struct task *t, const uint64_t a[6])
{
	if (a[0]) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		struct timeval tv = {.tv_sec = ts.tv_sec, .tv_usec = ts.tv_nsec / 1000};
		if (copy_to_guest(t, a[0], &tv, sizeof(tv)))
			return -EFAULT;
	}
	if (a[1]) {
		/* The kernel's sys_tz: the guest's kernel was never told a timezone. */
		struct timezone tz = {0, 0};
		if (copy_to_guest(t, a[1], &tz, sizeof(tz)))
			return -EFAULT;
	}
	return 0;
}

long sys_clock_gettime(struct task *t, const uint64_t a[6])
{
	clockid_t clk;
	struct timespec ts;
	int err = host_clock(t, (int)a[0], &clk);
	if (err)
		return err;
	if (clock_gettime(clk, &ts))
		return -errno;
	return copy_to_guest(t, a[1], &ts, sizeof(ts));
}

/* Unlike clock_gettime, a NULL result pointer is allowed: the call then only checks the id. */
long sys_clock_getres(struct task *t, const uint64_t a[6])
{
	clockid_t clk;
	struct timespec ts;
	int err = host_clock(t, (int)a[0], &clk);
	if (err)
		return err;
	if (clock_getres(clk, &ts))
		return -errno;
	if (a[1] && copy_to_guest(t, a[1], &ts, sizeof(ts)))
		return -EFAULT;
	return 0;
}

/* Sleeps on the host. On interruption of a relative sleep the remaining time goes to rmtp
 * (when given) and the guest sees EINTR, as from the kernel when a handler runs. */
static long host_sleep(struct task *t, clockid_t clk, int flags, const struct timespec *req,
		       uint64_t rmtp)
{
	struct timespec rem = {0, 0};
	/* A sleep a guest signal can end (task_host_sleep waits in ppoll). */
	int err = -task_host_sleep(t, clk, flags, req, &rem);
	if (err == 0)
		return 0;
	if (err != EINTR)
		return -err;
	if (rmtp && !(flags & TIMER_ABSTIME) && copy_to_guest(t, rmtp, &rem, sizeof(rem)))
		return -EFAULT;
	return -EINTR;
}

long sys_nanosleep(struct task *t, const uint64_t a[6])
{
	struct timespec req;
	if (copy_from_guest(t, &req, a[0], sizeof(req)))
		return -EFAULT;
	if (!timespec_valid(&req))
		return -EINVAL;
	return host_sleep(t, CLOCK_MONOTONIC, 0, &req, a[1]);
}

/*
 * The kernel checks, in order: the clock id (EINVAL), whether the clock can be slept on
 * (EOPNOTSUPP: MONOTONIC_RAW, the COARSE clocks, THREAD_CPUTIME), the timespec (EFAULT,
 * EINVAL), then the clock's own rules. Flags other than TIMER_ABSTIME are ignored, as the
 * kernel ignores them, except by the alarm clocks, which reject them.
 */
long sys_clock_nanosleep(struct task *t, const uint64_t a[6])
{
	int id = (int)a[0];
	int flags = (int)a[1];
	struct timespec req;
	clockid_t clk;
	int err = host_clock(t, id, &clk);
	if (err)
		return err;
	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_MONOTONIC:
	case CLOCK_BOOTTIME:
	case CLOCK_TAI:
	case CLOCK_REALTIME_ALARM:
	case CLOCK_BOOTTIME_ALARM:
		break;
	case CLOCK_PROCESS_CPUTIME_ID:
		/* Linux can sleep on the process CPU clock; cvisor cannot yet, and says so
		 * with the errno the man page gives for a clock that cannot be slept on. */
	default:
		return -EOPNOTSUPP;
	}
	if (copy_from_guest(t, &req, a[2], sizeof(req)))
		return -EFAULT;
	if (!timespec_valid(&req))
		return -EINVAL;
	if (id == CLOCK_REALTIME_ALARM || id == CLOCK_BOOTTIME_ALARM) {
		if (flags & ~TIMER_ABSTIME)
			return -EINVAL;
		/* CAP_WAKE_ALARM: the guest holds every capability exactly when it is root. */
		if (t->cred.euid != 0)
			return -EPERM;
	}
	return host_sleep(t, clk, flags & TIMER_ABSTIME, &req, a[3]);
}
