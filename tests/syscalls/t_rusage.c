/* getrusage and times: the CPU time grows with work, children's usage of a process that
 * never forked is zero, the clock times() returns advances, and the EINVAL/EFAULT cases. */
#define _GNU_SOURCE
#include "check.h"

#include <sys/resource.h>
#include <sys/times.h>
#include <time.h>

static volatile unsigned long sink;

/* Burns at least 50 ms of CPU time (the thread's own clock measures it). */
static void burn(void)
{
	struct timespec start, now;
	OK(clock_gettime(CLOCK_MONOTONIC, &start));
	do {
		for (int i = 0; i < 100000; i++)
			sink += (unsigned long)i * i;
		OK(clock_gettime(CLOCK_MONOTONIC, &now));
	} while ((now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) <
		 50000000L);
}

static long usec(const struct timeval *tv)
{
	return tv->tv_sec * 1000000L + tv->tv_usec;
}

int main(void)
{
	struct rusage r0, r1, rc, rt;
	struct tms t0, t1;

	EXPECT_VAL("getrusage_self", syscall(SYS_getrusage, RUSAGE_SELF, &r0), 0);
	long c0 = syscall(SYS_times, &t0);
	EXPECT_TRUE("times_ok", c0 != -1);
	burn();
	EXPECT_VAL("getrusage_self_again", syscall(SYS_getrusage, RUSAGE_SELF, &r1), 0);
	EXPECT_TRUE("cpu_time_grew", usec(&r1.ru_utime) + usec(&r1.ru_stime) >
					 usec(&r0.ru_utime) + usec(&r0.ru_stime));
	EXPECT_TRUE("usec_in_range", r1.ru_utime.tv_usec >= 0 && r1.ru_utime.tv_usec < 1000000 &&
					 r1.ru_stime.tv_usec >= 0 && r1.ru_stime.tv_usec < 1000000);
	EXPECT_VAL("getrusage_thread", syscall(SYS_getrusage, RUSAGE_THREAD, &rt), 0);
	EXPECT_TRUE("thread_time_positive", usec(&rt.ru_utime) + usec(&rt.ru_stime) > 0);
	EXPECT_VAL("getrusage_children", syscall(SYS_getrusage, RUSAGE_CHILDREN, &rc), 0);
	/* Natively the children's times carry over an exec from whatever ran before in this
	 * process, so only their sanity is checked. */
	EXPECT_TRUE("children_in_range", usec(&rc.ru_utime) >= 0 && usec(&rc.ru_stime) >= 0);
	EXPECT_ERR("getrusage_both", syscall(SYS_getrusage, -2 /* RUSAGE_BOTH */, &rc), EINVAL);
	EXPECT_ERR("getrusage_bad_who", syscall(SYS_getrusage, 5, &rc), EINVAL);
	EXPECT_ERR("getrusage_bad_ptr", syscall(SYS_getrusage, RUSAGE_SELF, BADPTR), EFAULT);

	long c1 = syscall(SYS_times, &t1);
	EXPECT_TRUE("times_clock_advanced", c1 - c0 >= 4); /* 50 ms at 100 Hz, less rounding */
	EXPECT_TRUE("times_cpu_grew", t1.tms_utime + t1.tms_stime > t0.tms_utime + t0.tms_stime);
	EXPECT_TRUE("times_children_in_range", t1.tms_cutime >= 0 && t1.tms_cstime >= 0);
	EXPECT_TRUE("times_null", syscall(SYS_times, NULL) >= c1);
	EXPECT_ERR("times_bad_ptr", syscall(SYS_times, BADPTR), EFAULT);
	return done();
}
