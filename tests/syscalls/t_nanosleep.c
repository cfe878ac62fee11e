/* nanosleep and clock_nanosleep (relative and TIMER_ABSTIME) sleep at least as long as asked,
 * and reject bad arguments. Raw syscalls: glibc's nanosleep is clock_nanosleep. */
#define _GNU_SOURCE
#include "check.h"

#include <time.h>

static long long now(clockid_t c)
{
	struct timespec t;
	OK(syscall(SYS_clock_gettime, c, &t));
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(void)
{
	struct timespec req = {0, 10 * 1000 * 1000}, rem = {99, 99};
	long long t0 = now(CLOCK_MONOTONIC);
	EXPECT_VAL("nanosleep_10ms", syscall(SYS_nanosleep, &req, &rem), 0);
	long long t1 = now(CLOCK_MONOTONIC);
	EXPECT_TRUE("slept_at_least_10ms", t1 - t0 >= 10 * 1000 * 1000);
	EXPECT_TRUE("slept_less_than_5s", t1 - t0 < 5000LL * 1000 * 1000);
	EXPECT_VAL("nanosleep_zero", syscall(SYS_nanosleep, &(struct timespec){0, 0}, NULL), 0);
	EXPECT_VAL("nanosleep_null_rem", syscall(SYS_nanosleep, &(struct timespec){0, 1000}, NULL),
		   0);

	/* clock_nanosleep, relative. */
	t0 = now(CLOCK_MONOTONIC);
	EXPECT_VAL("clock_nanosleep_rel",
		   syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &req, NULL), 0);
	t1 = now(CLOCK_MONOTONIC);
	EXPECT_TRUE("rel_slept_at_least_10ms", t1 - t0 >= 10 * 1000 * 1000);
	EXPECT_VAL(
	    "clock_nanosleep_realtime_rel",
	    syscall(SYS_clock_nanosleep, CLOCK_REALTIME, 0, &(struct timespec){0, 1000000}, NULL),
	    0);

	/* clock_nanosleep, absolute: wakes no earlier than the deadline. */
	long long deadline = now(CLOCK_MONOTONIC) + 20 * 1000 * 1000;
	struct timespec abs = {deadline / 1000000000LL, deadline % 1000000000LL};
	EXPECT_VAL("clock_nanosleep_abs",
		   syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL), 0);
	EXPECT_TRUE("abs_woke_after_deadline", now(CLOCK_MONOTONIC) >= deadline);
	long long rdeadline = now(CLOCK_REALTIME) + 10 * 1000 * 1000;
	struct timespec rabs = {rdeadline / 1000000000LL, rdeadline % 1000000000LL};
	EXPECT_VAL("clock_nanosleep_abs_realtime",
		   syscall(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, &rabs, NULL), 0);
	EXPECT_TRUE("abs_realtime_woke_after_deadline", now(CLOCK_REALTIME) >= rdeadline);
	/* A deadline in the past returns at once. */
	t0 = now(CLOCK_MONOTONIC);
	EXPECT_VAL("abs_in_past",
		   syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME,
			   &(struct timespec){0, 0}, NULL),
		   0);
	EXPECT_TRUE("abs_in_past_is_quick", now(CLOCK_MONOTONIC) - t0 < 1000LL * 1000 * 1000);
	EXPECT_VAL(
	    "boottime_rel",
	    syscall(SYS_clock_nanosleep, CLOCK_BOOTTIME, 0, &(struct timespec){0, 1000}, NULL), 0);

	/* Bad timespecs. */
	EXPECT_ERR("nsec_2e9", syscall(SYS_nanosleep, &(struct timespec){0, 2000000000L}, NULL),
		   EINVAL);
	EXPECT_ERR("nsec_1e9", syscall(SYS_nanosleep, &(struct timespec){0, 1000000000L}, NULL),
		   EINVAL);
	EXPECT_ERR("nsec_negative", syscall(SYS_nanosleep, &(struct timespec){0, -1}, NULL),
		   EINVAL);
	EXPECT_ERR("sec_negative", syscall(SYS_nanosleep, &(struct timespec){-1, 0}, NULL), EINVAL);
	EXPECT_ERR("req_bad_ptr", syscall(SYS_nanosleep, BADPTR, NULL), EFAULT);
	EXPECT_ERR("req_null", syscall(SYS_nanosleep, NULL, NULL), EFAULT);
	EXPECT_ERR("cn_nsec_2e9",
		   syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0,
			   &(struct timespec){0, 2000000000L}, NULL),
		   EINVAL);
	EXPECT_ERR("cn_abs_nsec_2e9",
		   syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME,
			   &(struct timespec){0, 2000000000L}, NULL),
		   EINVAL);
	EXPECT_ERR("cn_bad_ptr", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, BADPTR, NULL),
		   EFAULT);
	/* Clocks that cannot be slept on. */
	EXPECT_ERR("cn_bad_clock", syscall(SYS_clock_nanosleep, 100, 0, &req, NULL), EINVAL);
	/* The man page says EINVAL; the kernel says EOPNOTSUPP (the clock has no nsleep). */
	EXPECT_ERR("cn_thread_cputime",
		   syscall(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL),
		   EOPNOTSUPP);
	EXPECT_ERR("cn_monotonic_raw",
		   syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC_RAW, 0, &req, NULL), EOPNOTSUPP);
	EXPECT_ERR("cn_monotonic_coarse",
		   syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC_COARSE, 0, &req, NULL), EOPNOTSUPP);
	return done();
}
