/* dup, dup2, dup3: shared offsets, close-on-exec, and the error cases. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>

int main(void)
{
	char c;
	int fd = OK(open("/etc/os-release", O_RDONLY | O_CLOEXEC));
	int spare = OK(open("/etc/os-release", O_RDONLY));
	OK(close(spare)); /* spare is now the lowest free descriptor */

	int d = EXPECT_OK("dup", dup(fd));
	EXPECT_TRUE("dup_takes_lowest_free", d == spare);
	EXPECT_VAL("dup_clears_cloexec", fcntl(d, F_GETFD), 0);
	/* Duplicates share the file offset. */
	OK(lseek(fd, 10, SEEK_SET));
	EXPECT_VAL("shared_offset", lseek(d, 0, SEEK_CUR), 10);
	OK(read(d, &c, 1));
	EXPECT_VAL("shared_offset_after_read", lseek(fd, 0, SEEK_CUR), 11);
	EXPECT_ERR("dup_bad_fd", dup(-1), EBADF);
	EXPECT_ERR("dup_9999", dup(9999), EBADF);

	/* dup2 onto a chosen number, closing what was there. */
	int target = OK(open("/usr", O_RDONLY | O_DIRECTORY));
	EXPECT_TRUE("dup2_returns_newfd", dup2(fd, target) == target);
	EXPECT_VAL("dup2_target_now_file_offset", lseek(target, 0, SEEK_CUR), 11);
	EXPECT_VAL("dup2_clears_cloexec", fcntl(target, F_GETFD), 0);
	EXPECT_TRUE("dup2_same_fd_returns_it", dup2(fd, fd) == fd);
	EXPECT_VAL("dup2_same_keeps_cloexec", fcntl(fd, F_GETFD), FD_CLOEXEC);
	EXPECT_ERR("dup2_same_bad_fd", dup2(9999, 9999), EBADF);
	EXPECT_ERR("dup2_bad_oldfd", dup2(9999, target), EBADF);
	EXPECT_VAL("target_survives_failed_dup2", fcntl(target, F_GETFD), 0);
	EXPECT_ERR("dup2_negative_newfd", syscall(SYS_dup2, fd, -1), EBADF);
	EXPECT_ERR("dup2_huge_newfd", syscall(SYS_dup2, fd, 1 << 30), EBADF);
	/* A high number that is within the limit works. */
	EXPECT_VAL("dup2_to_200", dup2(fd, 200), 200);
	EXPECT_VAL("dup2_200_offset", lseek(200, 0, SEEK_CUR), 11);
	OK(close(200));

	/* dup3: flags may only be O_CLOEXEC, and oldfd == newfd is an error. */
	EXPECT_TRUE("dup3_cloexec", dup3(d, target, O_CLOEXEC) == target);
	EXPECT_VAL("dup3_cloexec_set", fcntl(target, F_GETFD), FD_CLOEXEC);
	EXPECT_TRUE("dup3_no_flags", dup3(d, target, 0) == target);
	EXPECT_VAL("dup3_cloexec_clear", fcntl(target, F_GETFD), 0);
	EXPECT_ERR("dup3_same_fd", dup3(fd, fd, 0), EINVAL);
	EXPECT_ERR("dup3_same_fd_cloexec", dup3(fd, fd, O_CLOEXEC), EINVAL);
	EXPECT_ERR("dup3_bad_flags", dup3(fd, target, O_NONBLOCK), EINVAL);
	EXPECT_ERR("dup3_bad_flags_high", syscall(SYS_dup3, fd, target, 0x40000000), EINVAL);
	EXPECT_ERR("dup3_bad_oldfd", dup3(9999, target, 0), EBADF);
	EXPECT_ERR("dup3_negative_newfd", syscall(SYS_dup3, fd, -1, 0), EBADF);

	/* Closing the original leaves the duplicates working. */
	OK(close(fd));
	EXPECT_VAL("dup_survives_close", read(d, &c, 1), 1);
	EXPECT_VAL("dup2_copy_survives_close", lseek(target, 0, SEEK_CUR), 12);
	OK(close(d));
	OK(close(target));
	return done();
}
