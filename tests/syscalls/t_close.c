/* close: success once, EBADF afterwards and on descriptors that were never open. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>

int main(void)
{
	char c;
	int fd = OK(open("/etc/os-release", O_RDONLY));
	int d = OK(dup(fd));
	EXPECT_VAL("close", close(fd), 0);
	EXPECT_ERR("close_again", close(fd), EBADF);
	EXPECT_ERR("read_after_close", read(fd, &c, 1), EBADF);
	/* The duplicate keeps the open file alive. */
	EXPECT_VAL("dup_still_reads", read(d, &c, 1), 1);
	EXPECT_VAL("close_dup", close(d), 0);
	EXPECT_ERR("close_minus1", syscall(SYS_close, -1), EBADF);
	EXPECT_ERR("close_9999", syscall(SYS_close, 9999), EBADF);
	EXPECT_ERR("close_int_min", syscall(SYS_close, -2147483648L), EBADF);
	EXPECT_ERR("close_1_million", syscall(SYS_close, 1000000), EBADF);

	/* Close many descriptors opened in a row; each slot is free again afterwards. */
	int fds[64];
	for (int i = 0; i < 64; i++)
		fds[i] = OK(open("/usr/share/common-licenses", O_RDONLY | O_DIRECTORY));
	for (int i = 0; i < 64; i++)
		CHECK_EQ(close(fds[i]), 0);
	for (int i = 0; i < 64; i++)
		CHECK(fcntl(fds[i], F_GETFD) == -1 && errno == EBADF);
	EXPECT_TRUE("closed_64", 1);
	int again = OK(open("/etc/os-release", O_RDONLY));
	EXPECT_TRUE("lowest_slot_reused", again == fds[0]);
	OK(close(again));
	return done();
}
