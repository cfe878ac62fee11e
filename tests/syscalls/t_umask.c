/* umask: returns the previous mask; only the 0777 bits are kept. The inherited mask is not
 * printed (it comes from the harness). */
#define _GNU_SOURCE
#include "check.h"

#include <sys/stat.h>

int main(void)
{
	long initial = syscall(SYS_umask, 022);
	EXPECT_TRUE("initial_within_0777", initial >= 0 && initial <= 0777);
	EXPECT_VAL("after_022", syscall(SYS_umask, 077), 022);
	EXPECT_VAL("after_077", syscall(SYS_umask, 0), 077);
	EXPECT_VAL("after_0", syscall(SYS_umask, 0777), 0);
	EXPECT_VAL("after_0777", syscall(SYS_umask, 01777), 0777);
	/* The sticky and higher bits are dropped. */
	EXPECT_VAL("after_01777_masked", syscall(SYS_umask, 07777), 0777);
	EXPECT_VAL("after_07777_masked", syscall(SYS_umask, 0xffffffff), 0777);
	EXPECT_VAL("after_all_bits_masked", syscall(SYS_umask, 0123), 0777);
	EXPECT_VAL("after_0123", syscall(SYS_umask, 0), 0123);
	/* glibc's wrapper agrees. */
	EXPECT_VAL("libc_umask", umask(002), 0);
	EXPECT_VAL("libc_umask_again", umask((mode_t)initial), 002);
	EXPECT_VAL("restored", syscall(SYS_umask, initial) == initial, 1);
	return done();
}
