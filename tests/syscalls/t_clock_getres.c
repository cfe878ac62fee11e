/* clock_getres: high-resolution clocks report 1ns; coarse clocks a positive tick; bad ids. */
#define _GNU_SOURCE
#include "check.h"

#include <time.h>

int main(void)
{
	struct timespec r;
	static const struct {
		clockid_t id;
		const char *name;
	} hres[] = {
	    {CLOCK_REALTIME, "REALTIME"},
	    {CLOCK_MONOTONIC, "MONOTONIC"},
	    {CLOCK_MONOTONIC_RAW, "MONOTONIC_RAW"},
	    {CLOCK_BOOTTIME, "BOOTTIME"},
	    {CLOCK_PROCESS_CPUTIME_ID, "PROCESS_CPUTIME_ID"},
	    {CLOCK_THREAD_CPUTIME_ID, "THREAD_CPUTIME_ID"},
	};
	for (unsigned i = 0; i < sizeof(hres) / sizeof(hres[0]); i++) {
		memset(&r, 0xff, sizeof(r));
		OK(syscall(SYS_clock_getres, hres[i].id, &r));
		printf("res %s: %lld.%09ld\n", hres[i].name, (long long)r.tv_sec, r.tv_nsec);
		CHECK(r.tv_sec == 0 && r.tv_nsec == 1);
		OK(clock_getres(hres[i].id, &r));
		CHECK(r.tv_sec == 0 && r.tv_nsec == 1);
	}
	/* The coarse clocks tick once a jiffy: the value depends on the kernel's HZ. */
	static const clockid_t coarse[] = {CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE};
	for (unsigned i = 0; i < 2; i++) {
		OK(syscall(SYS_clock_getres, coarse[i], &r));
		CHECK(r.tv_sec == 0 && r.tv_nsec >= 1000000 && r.tv_nsec <= 10000000);
	}
	EXPECT_TRUE("coarse_res_is_a_jiffy", 1);

	EXPECT_VAL("null_res_ok", syscall(SYS_clock_getres, CLOCK_MONOTONIC, NULL), 0);
	EXPECT_ERR("bad_clock_100", syscall(SYS_clock_getres, 100, &r), EINVAL);
	EXPECT_ERR("bad_clock_minus_1", syscall(SYS_clock_getres, -1, &r), EINVAL);
	EXPECT_ERR("bad_clock_null_res", syscall(SYS_clock_getres, 100, NULL), EINVAL);
	EXPECT_ERR("bad_pointer", syscall(SYS_clock_getres, CLOCK_MONOTONIC, BADPTR), EFAULT);
	return done();
}
