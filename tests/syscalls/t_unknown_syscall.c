/* System call numbers that do not exist get ENOSYS (and nothing else happens), including
 * x32-ABI numbers on a kernel where x32 is disabled or absent.
 *
 * Note: numbers inside the x86_64 table's gaps are not all safe to probe: on some kernels
 * (e.g. a VM kernel carrying out-of-tree syscalls) 335 and 336 are in use. Numbers 1000
 * and above, -1, and the ones used below are unassigned upstream. */
#define _GNU_SOURCE
#include "check.h"

#define X32_BIT 0x40000000L

int main(void)
{
	EXPECT_ERR("nr_1000", syscall(1000), ENOSYS);
	EXPECT_ERR("nr_1000_with_args", syscall(1000, 1, 2, 3, 4, 5, 6), ENOSYS);
	EXPECT_ERR("nr_512", syscall(512), ENOSYS);
	EXPECT_ERR("nr_4096", syscall(4096), ENOSYS);
	EXPECT_ERR("nr_100000", syscall(100000), ENOSYS);
	EXPECT_ERR("nr_minus_1", syscall(-1), ENOSYS);
	EXPECT_ERR("nr_minus_1000", syscall(-1000), ENOSYS);
	EXPECT_ERR("nr_int_max", syscall(0x7fffffffL), ENOSYS);
	/* The x32 ABI: __X32_SYSCALL_BIT | 39 would be x32 getpid. Debian's kernels build x32
	 * but leave it off by default (syscall.x32=y turns it on); then the answer is ENOSYS. */
	EXPECT_ERR("x32_getpid", syscall(X32_BIT | 39), ENOSYS);
	EXPECT_ERR("x32_1000", syscall(X32_BIT | 1000), ENOSYS);
	/* The kernel takes the number as a 32-bit int (do_syscall_64): the high half of rax
	 * is ignored, so (1 << 32) | 39 is getpid. */
	EXPECT_TRUE("high_half_of_rax_ignored", syscall(0x100000000L | 39) == getpid());
	EXPECT_ERR("high_half_then_1000", syscall(0x500000000L | 1000), ENOSYS);
	/* After all that, ordinary calls still work. */
	EXPECT_TRUE("getpid_still_works", syscall(SYS_getpid) == getpid());
	return done();
}
