/* sched_yield and sched_getaffinity. The CPU count is machine-specific and not printed. */
#define _GNU_SOURCE
#include "check.h"

#include <sched.h>

int main(void)
{
	for (int i = 0; i < 100; i++)
		CHECK_EQ(syscall(SYS_sched_yield), 0);
	EXPECT_VAL("sched_yield", syscall(SYS_sched_yield), 0);

	/* The raw syscall returns the number of bytes of mask it wrote: a multiple of 8. */
	cpu_set_t set;
	CPU_ZERO(&set);
	long n = OK(syscall(SYS_sched_getaffinity, 0, sizeof(set), &set));
	EXPECT_TRUE("bytes_positive_multiple_of_8", n > 0 && n % 8 == 0 && n <= (long)sizeof(set));
	int count = CPU_COUNT(&set);
	EXPECT_TRUE("count_positive", count > 0);
	EXPECT_TRUE("libc_agrees",
		    sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) == count);
	cpu_set_t self;
	OK(syscall(SYS_sched_getaffinity, getpid(), sizeof(self), &self));
	EXPECT_TRUE("self_pid_agrees", CPU_EQUAL(&self, &set));
	/* A bigger buffer gives the same answer. */
	static unsigned char big[1024];
	EXPECT_TRUE("big_buffer_same_size",
		    syscall(SYS_sched_getaffinity, 0, sizeof(big), big) == n);
	EXPECT_TRUE("big_buffer_same_mask", memcmp(big, &set, n) == 0);

	/* Errors: a length below the kernel's cpumask size or not a multiple of 8. */
	EXPECT_ERR("len_0", syscall(SYS_sched_getaffinity, 0, 0, &set), EINVAL);
	EXPECT_ERR("len_7", syscall(SYS_sched_getaffinity, 0, 7, &set), EINVAL);
	EXPECT_ERR("len_not_multiple_of_8", syscall(SYS_sched_getaffinity, 0, 12, &set), EINVAL);
	EXPECT_ERR("bad_pointer", syscall(SYS_sched_getaffinity, 0, sizeof(set), BADPTR), EFAULT);
	EXPECT_ERR("no_such_pid", syscall(SYS_sched_getaffinity, 0x7fffffff, sizeof(set), &set),
		   ESRCH);
	EXPECT_ERR("negative_pid", syscall(SYS_sched_getaffinity, -1, sizeof(set), &set), ESRCH);
	return done();
}
