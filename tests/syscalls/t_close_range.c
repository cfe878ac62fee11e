/* close_range: closing a range (holes and the part beyond the table are fine), the
 * CLOSE_RANGE_CLOEXEC flag seen through F_GETFD, CLOSE_RANGE_UNSHARE accepted, EINVAL for
 * unknown flags and for first > last. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static long raw_close_range(unsigned first, unsigned last, unsigned flags)
{
	return syscall(SYS_close_range, first, last, flags);
}

int main(void)
{
	/* Five descriptors of our own at base..base+4, well away from what a harness may pass. */
	int base = OK(fcntl(1, F_DUPFD, 600));
	for (int i = 1; i < 5; i++) {
		CHECK(fcntl(base + i, F_GETFD) == -1 && errno == EBADF);
		CHECK_EQ(dup2(base, base + i), base + i);
	}

	EXPECT_VAL("close_middle", raw_close_range(base + 1, base + 3, 0), 0);
	for (int i = 1; i < 4; i++)
		CHECK(fcntl(base + i, F_GETFD) == -1 && errno == EBADF);
	printf("middle_closed: yes\n");
	EXPECT_VAL("ends_open", fcntl(base, F_GETFD) | fcntl(base + 4, F_GETFD), 0);

	/* CLOEXEC marks the open ones and opens nothing. */
	EXPECT_VAL("cloexec_range", raw_close_range(base, base + 4, CLOSE_RANGE_CLOEXEC), 0);
	EXPECT_VAL("cloexec_first", fcntl(base, F_GETFD), FD_CLOEXEC);
	EXPECT_VAL("cloexec_last", fcntl(base + 4, F_GETFD), FD_CLOEXEC);
	EXPECT_ERR("cloexec_hole_still_closed", fcntl(base + 2, F_GETFD), EBADF);
	EXPECT_VAL("cloexec_single", raw_close_range(base + 4, base + 4, CLOSE_RANGE_CLOEXEC), 0);
	EXPECT_VAL("cloexec_unshare",
		   raw_close_range(base, base, CLOSE_RANGE_CLOEXEC | CLOSE_RANGE_UNSHARE), 0);
	EXPECT_VAL("still_open", fcntl(base, F_GETFD), FD_CLOEXEC);

	/* A range with nothing open, and ranges far beyond the table. */
	EXPECT_VAL("close_holes_only", raw_close_range(base + 1, base + 3, 0), 0);
	EXPECT_VAL("close_far_beyond", raw_close_range(1U << 30, ~0U, 0), 0);
	EXPECT_VAL("cloexec_far_beyond", raw_close_range(1U << 30, ~0U, CLOSE_RANGE_CLOEXEC), 0);

	/* Bad arguments. */
	EXPECT_ERR("bad_flag_1", raw_close_range(base, base, 1), EINVAL);
	EXPECT_ERR("bad_flag_8", raw_close_range(base, base, 8), EINVAL);
	EXPECT_ERR("bad_flag_high", raw_close_range(base, base, 1U << 31), EINVAL);
	EXPECT_ERR("first_after_last", raw_close_range(base + 1, base, 0), EINVAL);
	EXPECT_ERR("first_after_last_cloexec", raw_close_range(base + 1, base, CLOSE_RANGE_CLOEXEC),
		   EINVAL);
	EXPECT_VAL("bad_args_closed_nothing", fcntl(base, F_GETFD), FD_CLOEXEC);

	/* Up to ~0U: everything from base on. */
	EXPECT_VAL("close_to_end", raw_close_range(base, ~0U, CLOSE_RANGE_UNSHARE), 0);
	EXPECT_ERR("first_closed", fcntl(base, F_GETFD), EBADF);
	EXPECT_ERR("last_closed", fcntl(base + 4, F_GETFD), EBADF);
	/* The lowest fd is free again. */
	EXPECT_TRUE("reuse_lowest", fcntl(1, F_DUPFD, 600) == base);
	OK(close(base));
	return done();
}
