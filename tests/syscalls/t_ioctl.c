/* ioctl on things that are not terminals: regular files and directories get ENOTTY, bad
 * descriptors EBADF. fds 0-2 are left alone (they may or may not be terminals). */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>

int main(void)
{
	struct termios t;
	struct winsize ws;
	int fd = OK(open("/usr/share/common-licenses/GPL-3", O_RDONLY));
	EXPECT_ERR("tcgets_regular_file", syscall(SYS_ioctl, fd, TCGETS, &t), ENOTTY);
	EXPECT_ERR("tiocgwinsz_regular_file", syscall(SYS_ioctl, fd, TIOCGWINSZ, &ws), ENOTTY);
	EXPECT_ERR("unknown_request_regular_file", syscall(SYS_ioctl, fd, 0x12345678, 0), ENOTTY);
	EXPECT_ERR("tcgets_bad_pointer_regular_file", syscall(SYS_ioctl, fd, TCGETS, BADPTR),
		   ENOTTY);
	/* glibc's isatty is TCGETS underneath. */
	EXPECT_VAL("isatty_regular_file", isatty(fd), 0);
	EXPECT_TRUE("isatty_sets_enotty", (isatty(fd), errno == ENOTTY));

	int dfd = OK(open("/usr/share", O_RDONLY | O_DIRECTORY));
	EXPECT_ERR("tcgets_directory", syscall(SYS_ioctl, dfd, TCGETS, &t), ENOTTY);
	EXPECT_ERR("tiocgwinsz_directory", syscall(SYS_ioctl, dfd, TIOCGWINSZ, &ws), ENOTTY);

	EXPECT_ERR("tcgets_fd_minus1", syscall(SYS_ioctl, -1, TCGETS, &t), EBADF);
	EXPECT_ERR("tcgets_fd_9999", syscall(SYS_ioctl, 9999, TCGETS, &t), EBADF);
	EXPECT_ERR("unknown_request_bad_fd", syscall(SYS_ioctl, -1, 0x12345678, 0), EBADF);
	int pfd = OK(open("/usr/share", O_PATH));
	EXPECT_ERR("o_path_fd", syscall(SYS_ioctl, pfd, TCGETS, &t), EBADF);
	OK(close(pfd));
	OK(close(dfd));
	OK(close(fd));
	EXPECT_ERR("closed_fd", syscall(SYS_ioctl, fd, TCGETS, &t), EBADF);
	return done();
}
