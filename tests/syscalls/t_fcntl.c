/* fcntl: F_GETFL/F_SETFL, F_GETFD/F_SETFD, F_DUPFD/F_DUPFD_CLOEXEC and bad commands. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <sys/resource.h>

int main(void)
{
	int fd = OK(open("/etc/os-release", O_RDONLY));

	/* The kernel's view of the flags: x86_64 forces O_LARGEFILE (0100000), which glibc's
	 * headers define as 0, so look at the raw value. */
	EXPECT_VAL("getfl_raw", fcntl(fd, F_GETFL), 0100000);
	EXPECT_VAL("getfl_accmode", fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);

	/* F_SETFL: O_NONBLOCK and O_APPEND change; the access mode and creation flags do not. */
	EXPECT_VAL("setfl_nonblock", fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	EXPECT_VAL("nonblock_set", !!(fcntl(fd, F_GETFL) & O_NONBLOCK), 1);
	EXPECT_VAL("setfl_append", fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK), 0);
	EXPECT_VAL("append_and_nonblock", fcntl(fd, F_GETFL) & (O_APPEND | O_NONBLOCK),
		   O_APPEND | O_NONBLOCK);
	EXPECT_VAL("setfl_rdwr_ignored", fcntl(fd, F_SETFL, O_RDWR | O_CREAT | O_TRUNC | O_EXCL),
		   0);
	EXPECT_VAL("getfl_after_rdwr", fcntl(fd, F_GETFL), 0100000);
	EXPECT_VAL("setfl_0", fcntl(fd, F_SETFL, 0), 0);
	EXPECT_VAL("nonblock_cleared", fcntl(fd, F_GETFL) & O_NONBLOCK, 0);

	/* F_GETFD/F_SETFD: only FD_CLOEXEC is stored. */
	EXPECT_VAL("getfd_initial", fcntl(fd, F_GETFD), 0);
	EXPECT_VAL("setfd_cloexec", fcntl(fd, F_SETFD, FD_CLOEXEC), 0);
	EXPECT_VAL("getfd_cloexec", fcntl(fd, F_GETFD), FD_CLOEXEC);
	EXPECT_VAL("setfd_other_bits", fcntl(fd, F_SETFD, 0xfe), 0);
	EXPECT_VAL("getfd_other_bits_dropped", fcntl(fd, F_GETFD), 0);
	EXPECT_VAL("setfd_all_bits", fcntl(fd, F_SETFD, 0xff), 0);
	EXPECT_VAL("getfd_all_bits", fcntl(fd, F_GETFD), FD_CLOEXEC);

	/* F_DUPFD: the lowest free descriptor >= arg; the flags are per-descriptor. */
	int d1 = EXPECT_OK("dupfd_100", fcntl(fd, F_DUPFD, 100));
	EXPECT_TRUE("dupfd_at_least_100", d1 >= 100);
	EXPECT_VAL("dupfd_no_cloexec", fcntl(d1, F_GETFD), 0);
	int d2 = EXPECT_OK("dupfd_cloexec_100", fcntl(fd, F_DUPFD_CLOEXEC, 100));
	EXPECT_TRUE("dupfd_cloexec_above_first", d2 > d1);
	EXPECT_VAL("dupfd_cloexec_set", fcntl(d2, F_GETFD), FD_CLOEXEC);
	OK(close(d1));
	int d3 = OK(fcntl(fd, F_DUPFD, 100));
	EXPECT_TRUE("dupfd_reuses_lowest", d3 == d1);
	/* Status flags are shared between duplicates. */
	OK(fcntl(fd, F_SETFL, O_NONBLOCK));
	EXPECT_VAL("dup_shares_status_flags", !!(fcntl(d3, F_GETFL) & O_NONBLOCK), 1);
	int d0 = EXPECT_OK("dupfd_0", fcntl(fd, F_DUPFD, 0));
	EXPECT_TRUE("dupfd_0_below_100", d0 < 100);
	OK(close(d0));
	OK(close(d2));
	OK(close(d3));

	struct rlimit rl;
	OK(getrlimit(RLIMIT_NOFILE, &rl));
	EXPECT_ERR("dupfd_negative", fcntl(fd, F_DUPFD, -1), EINVAL);
	EXPECT_ERR("dupfd_at_limit", fcntl(fd, F_DUPFD, (int)rl.rlim_cur), EINVAL);
	EXPECT_ERR("dupfd_cloexec_negative", fcntl(fd, F_DUPFD_CLOEXEC, -5), EINVAL);

	/* Bad descriptors and commands. */
	EXPECT_ERR("getfl_bad_fd", fcntl(-1, F_GETFL), EBADF);
	EXPECT_ERR("getfd_9999", fcntl(9999, F_GETFD), EBADF);
	EXPECT_ERR("dupfd_bad_fd", fcntl(9999, F_DUPFD, 0), EBADF);
	EXPECT_ERR("bad_cmd", syscall(SYS_fcntl, fd, 9999, 0), EINVAL);
	EXPECT_ERR("bad_cmd_negative", syscall(SYS_fcntl, fd, -1, 0), EINVAL);

	/* Directories report the same access mode; O_PATH descriptors report O_PATH only. */
	int dfd = OK(open("/usr", O_RDONLY | O_DIRECTORY));
	EXPECT_VAL("dir_getfl", fcntl(dfd, F_GETFL), 0100000 | O_DIRECTORY);
	OK(close(dfd));
	int pfd = OK(open("/usr", O_PATH));
	EXPECT_VAL("o_path_getfl", fcntl(pfd, F_GETFL), O_PATH);
	OK(close(pfd));
	OK(close(fd));
	EXPECT_ERR("getfl_closed", fcntl(fd, F_GETFL), EBADF);
	return done();
}
