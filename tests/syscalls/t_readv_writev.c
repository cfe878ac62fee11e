/* readv and writev: scatter/gather on a regular file and on stdout, and their limits. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/uio.h>

#define FILE_PATH "/usr/share/common-licenses/GPL-3"

int main(void)
{
	static char whole[8192], parts[8192];
	int fd = OK(open(FILE_PATH, O_RDONLY));
	CHECK_EQ(pread(fd, whole, sizeof(whole), 0), sizeof(whole));

	/* Scatter into uneven pieces, including empty ones. */
	struct iovec iov[5] = {
	    {parts, 1}, {parts + 1, 0}, {parts + 1, 100}, {parts + 101, 3000}, {parts + 3101, 50},
	};
	EXPECT_VAL("readv", readv(fd, iov, 5), 3151);
	CHECK(memcmp(parts, whole, 3151) == 0);
	printf("readv_content_matches: yes\n");
	EXPECT_VAL("offset_after_readv", lseek(fd, 0, SEEK_CUR), 3151);
	EXPECT_VAL("readv_continues", readv(fd, iov, 5), 3151);
	CHECK(memcmp(parts, whole + 3151, 3151) == 0);
	EXPECT_VAL("offset_after_second_readv", lseek(fd, 0, SEEK_CUR), 6302);
	EXPECT_VAL("readv_iovcnt_0", readv(fd, iov, 0), 0);

	/* IOV_MAX iovecs of one byte each are fine; IOV_MAX + 1 is EINVAL. */
	static struct iovec many[IOV_MAX + 1];
	printf("IOV_MAX: %d\n", IOV_MAX);
	for (int i = 0; i <= IOV_MAX; i++)
		many[i] = (struct iovec){parts + i, 1};
	OK(lseek(fd, 0, SEEK_SET));
	EXPECT_VAL("readv_iov_max", readv(fd, many, IOV_MAX), IOV_MAX);
	CHECK(memcmp(parts, whole, IOV_MAX) == 0);
	EXPECT_ERR("readv_iov_max_plus_1", syscall(SYS_readv, fd, many, IOV_MAX + 1), EINVAL);
	EXPECT_ERR("readv_iovcnt_negative", syscall(SYS_readv, fd, many, -1), EINVAL);
	EXPECT_ERR("readv_bad_iov", syscall(SYS_readv, fd, BADPTR, 1), EFAULT);
	struct iovec bad_base = {BADPTR, 10};
	OK(lseek(fd, 0, SEEK_SET));
	EXPECT_ERR("readv_bad_base", syscall(SYS_readv, fd, &bad_base, 1), EFAULT);
	struct iovec huge[2] = {{parts, 10}, {parts, (size_t)-1}};
	EXPECT_ERR("readv_negative_len", syscall(SYS_readv, fd, huge, 2), EINVAL);
	EXPECT_ERR("readv_bad_fd", syscall(SYS_readv, -1, iov, 1), EBADF);
	EXPECT_ERR("writev_readonly_fd", syscall(SYS_writev, fd, iov, 1), EBADF);

	/* writev to stdout: many small pieces come out in order. */
	fflush(stdout);
	static char text[] = "abcdefghijklmnopqrstuvwxyz";
	struct iovec w[52];
	for (int i = 0; i < 26; i++) {
		w[2 * i] = (struct iovec){text + i, 1};
		w[2 * i + 1] = (struct iovec){text, 0}; /* empty pieces in between */
	}
	w[51] = (struct iovec){"\n", 1};
	EXPECT_VAL("writev_stdout", writev(1, w, 52), 27);
	fflush(stdout);
	/* IOV_MAX one-byte writes: 1023 dashes and a newline. */
	for (int i = 0; i < IOV_MAX - 1; i++)
		many[i] = (struct iovec){"-", 1};
	many[IOV_MAX - 1] = (struct iovec){"\n", 1};
	EXPECT_VAL("writev_iov_max", writev(1, many, IOV_MAX), IOV_MAX);
	EXPECT_ERR("writev_iov_max_plus_1", syscall(SYS_writev, 1, many, IOV_MAX + 1), EINVAL);
	EXPECT_ERR("writev_bad_fd", syscall(SYS_writev, 9999, w, 1), EBADF);
	EXPECT_VAL("writev_iovcnt_0", writev(1, w, 0), 0);
	OK(close(fd));
	return done();
}
