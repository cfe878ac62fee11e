/* time, gettimeofday, clock_gettime: raw syscalls (not the vDSO) and libc, consistency and
 * monotonicity, and the error cases. No absolute time is printed. */
#define _GNU_SOURCE
#include "check.h"

#include <sys/time.h>
#include <time.h>

static long long ns(const struct timespec *t)
{
	return t->tv_sec * 1000000000LL + t->tv_nsec;
}

int main(void)
{
	struct timespec a, b;
	struct timeval tv;

	/* The clocks agree with each other to within a couple of seconds. */
	long t0 = OK(syscall(SYS_time, NULL));
	OK(syscall(SYS_gettimeofday, &tv, NULL));
	OK(syscall(SYS_clock_gettime, CLOCK_REALTIME, &a));
	long t1 = OK(syscall(SYS_time, NULL));
	EXPECT_TRUE("time_after_2020", t0 > 1577836800);
	EXPECT_TRUE("time_nondecreasing", t1 >= t0);
	EXPECT_TRUE("gettimeofday_near_time", tv.tv_sec >= t0 - 1 && tv.tv_sec <= t1 + 1);
	EXPECT_TRUE("usec_in_range", tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	EXPECT_TRUE("realtime_near_time", a.tv_sec >= t0 - 1 && a.tv_sec <= t1 + 1);
	long t2 = 0;
	EXPECT_TRUE("time_stores_result", syscall(SYS_time, &t2) >= t1 && t2 >= t1);
	EXPECT_TRUE("libc_time_near", time(NULL) >= t1 && time(NULL) <= t1 + 2);
	EXPECT_VAL("gettimeofday_null_both", syscall(SYS_gettimeofday, NULL, NULL), 0);

	/* Every standard clock answers, with nanoseconds in range. */
	static const struct {
		clockid_t id;
		const char *name;
	} clocks[] = {
	    {CLOCK_REALTIME, "REALTIME"},
	    {CLOCK_MONOTONIC, "MONOTONIC"},
	    {CLOCK_PROCESS_CPUTIME_ID, "PROCESS_CPUTIME_ID"},
	    {CLOCK_THREAD_CPUTIME_ID, "THREAD_CPUTIME_ID"},
	    {CLOCK_MONOTONIC_RAW, "MONOTONIC_RAW"},
	    {CLOCK_REALTIME_COARSE, "REALTIME_COARSE"},
	    {CLOCK_MONOTONIC_COARSE, "MONOTONIC_COARSE"},
	    {CLOCK_BOOTTIME, "BOOTTIME"},
	};
	for (unsigned i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		OK(syscall(SYS_clock_gettime, clocks[i].id, &a));
		CHECK(a.tv_sec >= 0 && a.tv_nsec >= 0 && a.tv_nsec < 1000000000);
		OK(clock_gettime(clocks[i].id, &b));
		CHECK(b.tv_sec >= 0 && b.tv_nsec >= 0 && b.tv_nsec < 1000000000);
		printf("clock %s: ok\n", clocks[i].name);
	}

	/* Monotonic clocks never go backwards, raw syscall and vDSO interleaved. */
	static const clockid_t mono[] = {CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME,
					 CLOCK_PROCESS_CPUTIME_ID};
	for (unsigned c = 0; c < sizeof(mono) / sizeof(mono[0]); c++) {
		OK(syscall(SYS_clock_gettime, mono[c], &a));
		for (int i = 0; i < 2000; i++) {
			if (i % 2)
				OK(syscall(SYS_clock_gettime, mono[c], &b));
			else
				OK(clock_gettime(mono[c], &b));
			CHECK(ns(&b) >= ns(&a));
			a = b;
		}
	}
	EXPECT_TRUE("monotonic_nondecreasing", 1);
	/* Boot time includes suspend time, so it is never behind the monotonic clock. */
	OK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &a));
	OK(syscall(SYS_clock_gettime, CLOCK_BOOTTIME, &b));
	EXPECT_TRUE("boottime_ge_monotonic", ns(&b) >= ns(&a));

	/* CPU time moves when we burn CPU. */
	OK(syscall(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, &a));
	volatile unsigned long sink = 0;
	do {
		for (int i = 0; i < 1000000; i++)
			sink += i;
		OK(syscall(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, &b));
	} while (ns(&b) - ns(&a) < 1000000);
	CHECK(sink != 1); /* uses sink */
	EXPECT_TRUE("cputime_advances", ns(&b) > ns(&a));

	/* Errors. */
	EXPECT_ERR("bad_clock_100", syscall(SYS_clock_gettime, 100, &a), EINVAL);
	EXPECT_ERR("bad_clock_16", syscall(SYS_clock_gettime, 16, &a), EINVAL);
	EXPECT_ERR("bad_clock_minus_1", syscall(SYS_clock_gettime, -1, &a), EINVAL);
	EXPECT_ERR("clock_gettime_bad_ptr", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, BADPTR),
		   EFAULT);
	EXPECT_ERR("clock_gettime_null", syscall(SYS_clock_gettime, CLOCK_REALTIME, NULL), EFAULT);
	EXPECT_ERR("gettimeofday_bad_ptr", syscall(SYS_gettimeofday, BADPTR, NULL), EFAULT);
	EXPECT_ERR("time_bad_ptr", syscall(SYS_time, BADPTR), EFAULT);
	return done();
}
