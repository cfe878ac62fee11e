/* readlink and readlinkat: full reads, truncation without NUL, and errors. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>

int main(void)
{
	char buf[64];

	memset(buf, 'X', sizeof(buf));
	EXPECT_VAL("readlink_bin", readlink("/bin", buf, sizeof(buf)), 7);
	printf("bin_target: %.7s\n", buf);
	EXPECT_TRUE("no_nul_appended", buf[7] == 'X');

	/* Truncation returns the truncated length and writes nothing past it. */
	memset(buf, 'X', sizeof(buf));
	EXPECT_VAL("readlink_truncated_3", readlink("/bin", buf, 3), 3);
	printf("truncated: %.4s\n", buf);
	EXPECT_VAL("readlink_truncated_1", readlink("/bin", buf, 1), 1);
	EXPECT_VAL("readlink_exact_7", readlink("/bin", buf, 7), 7);

	/* Relative link targets are returned verbatim. */
	memset(buf, 0, sizeof(buf));
	EXPECT_VAL("readlink_gpl", readlink("/usr/share/common-licenses/GPL", buf, sizeof(buf)), 5);
	printf("gpl_target: %s\n", buf);

	/* readlinkat relative to a dirfd and to AT_FDCWD. */
	int dfd = OK(open("/usr/share/common-licenses", O_RDONLY | O_DIRECTORY));
	memset(buf, 0, sizeof(buf));
	EXPECT_VAL("readlinkat_dirfd", readlinkat(dfd, "LGPL", buf, sizeof(buf)), 6);
	printf("lgpl_target: %s\n", buf);
	OK(chdir("/usr/share"));
	memset(buf, 0, sizeof(buf));
	EXPECT_VAL("readlinkat_cwd", readlinkat(AT_FDCWD, "common-licenses/GFDL", buf, sizeof(buf)),
		   8);
	printf("gfdl_target: %s\n", buf);
	EXPECT_VAL("readlink_relative", readlink("common-licenses/GPL", buf, sizeof(buf)), 5);
	OK(chdir("/"));

	/* Errors. */
	EXPECT_ERR("regular_file", readlink("/usr/share/common-licenses/GPL-3", buf, sizeof(buf)),
		   EINVAL);
	EXPECT_ERR("directory", readlink("/usr", buf, sizeof(buf)), EINVAL);
	EXPECT_ERR("trailing_slash_follows", readlink("/bin/", buf, sizeof(buf)), EINVAL);
	EXPECT_ERR("missing", readlink("/no/such/link", buf, sizeof(buf)), ENOENT);
	EXPECT_ERR("enotdir", readlink("/etc/os-release/x", buf, sizeof(buf)), ENOTDIR);
	EXPECT_ERR("empty_path", readlink("", buf, sizeof(buf)), ENOENT);
	EXPECT_ERR("bufsiz_0", syscall(SYS_readlink, "/bin", buf, 0), EINVAL);
	EXPECT_ERR("bufsiz_negative", syscall(SYS_readlink, "/bin", buf, -1), EINVAL);
	EXPECT_ERR("bad_buffer", syscall(SYS_readlink, "/bin", BADPTR, 64), EFAULT);
	EXPECT_ERR("bad_path", syscall(SYS_readlink, BADPTR, buf, 64), EFAULT);
	EXPECT_ERR("readlinkat_bad_dirfd", readlinkat(9999, "GPL", buf, sizeof(buf)), EBADF);
	int fd = OK(open("/etc/os-release", O_RDONLY));
	EXPECT_ERR("readlinkat_file_dirfd", readlinkat(fd, "x", buf, sizeof(buf)), ENOTDIR);
	/* An empty path names the dirfd itself, which is not a link here. */
	EXPECT_ERR("readlinkat_empty_on_file", readlinkat(fd, "", buf, sizeof(buf)), ENOENT);
	EXPECT_ERR("readlinkat_empty_on_dir", readlinkat(dfd, "", buf, sizeof(buf)), ENOENT);
	EXPECT_ERR("readlinkat_file_not_link", readlinkat(dfd, "GPL-3", buf, sizeof(buf)), EINVAL);
	OK(close(fd));
	OK(close(dfd));
	return done();
}
