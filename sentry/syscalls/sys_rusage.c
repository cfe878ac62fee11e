/*
 * Resource usage: getrusage and times.
 *
 * The guest's code runs in the platform's host stub process, so that process's host CPU
 * clock is the guest process's CPU time. The host keeps no user/system split the Sentry can
 * read for another process through a clock, and the guest's system time is really spent in
 * the Sentry anyway, so all of it is reported as user time and the system time is zero. A
 * thread's own clock cannot be read from outside its host process: RUSAGE_THREAD reports the
 * process's time too. Children's usage is not accounted yet: zero. Other rusage fields are
 * zero.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <time.h>

#include "sentry/process.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

#define USER_HZ		100 /* clock_t ticks, as the kernel's USER_HZ on x86_64 */
#define NSEC_PER_SEC	1000000000LL
#define RUSAGE_THREAD_K 1

/* The guest layouts are the host's: x86_64 both sides. */
_Static_assert(sizeof(struct rusage) == 144, "struct rusage layout");
_Static_assert(sizeof(struct tms) == 32, "struct tms layout");

static pid_t host_pid_of(struct task *p)
{
	return p && p->pl->host_tid && p->th ? p->pl->host_tid(p->th) : -1;
}

/* The guest process's CPU time in ns; 0 when the host will not say. A process clock can be
 * named only through the host's thread-group leader, so a non-leader thread asks through
 * its process's leading task. */
static int64_t process_cpu_ns(struct task *t)
{
	clockid_t clk;
	struct timespec ts;
	pid_t hp = host_pid_of(t);

	if (hp <= 0 || clock_getcpuclockid(hp, &clk) != 0) {
		pthread_mutex_lock(&t->sb->lock);
		hp = t->proc ? host_pid_of(t->proc->task) : -1;
		pthread_mutex_unlock(&t->sb->lock);
		if (hp <= 0 || clock_getcpuclockid(hp, &clk) != 0)
			return 0;
	}
	if (clock_gettime(clk, &ts))
		return 0;
	return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

long sys_getrusage(struct task *t, const uint64_t a[6])
{
	int who = (int)a[0];
	struct rusage ru;

	if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD_K)
		return -EINVAL;
	memset(&ru, 0, sizeof(ru)); /* the whole struct reaches the guest */
	if (who != RUSAGE_CHILDREN) {
		int64_t ns = process_cpu_ns(t);
		ru.ru_utime.tv_sec = ns / NSEC_PER_SEC;
		ru.ru_utime.tv_usec = (ns % NSEC_PER_SEC) / 1000;
	}
	return copy_to_guest(t, a[1], &ru, sizeof(ru));
}

/* times: the usage in USER_HZ ticks, and the ticks since the sandbox started (the clock
 * times() measures from is unspecified; the kernel's starts before boot). A NULL buffer only
 * asks for the time. */
long sys_times(struct task *t, const uint64_t a[6])
{
	struct timespec now;
	if (a[0]) {
		struct tms tms;
		memset(&tms, 0, sizeof(tms));
		tms.tms_utime = (clock_t)(process_cpu_ns(t) / (NSEC_PER_SEC / USER_HZ));
		if (copy_to_guest(t, a[0], &tms, sizeof(tms)))
			return -EFAULT;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t ns = (int64_t)(now.tv_sec - t->sb->boot_time.tv_sec) * NSEC_PER_SEC +
		     (now.tv_nsec - t->sb->boot_time.tv_nsec);
	return (long)(ns / (NSEC_PER_SEC / USER_HZ));
}
