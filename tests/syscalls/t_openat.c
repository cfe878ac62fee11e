/* openat: paths relative to a directory fd, AT_FDCWD, and dirfd errors. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <sys/stat.h>

/* Whether fd refers to the same file as path. */
static int same_file(int fd, const char *path)
{
	struct stat a, b;
	OK(fstat(fd, &a));
	OK(stat(path, &b));
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int main(void)
{
	char buf[64], ref[64];
	int ref_fd = OK(open("/usr/share/common-licenses/GPL-3", O_RDONLY));
	CHECK_EQ(read(ref_fd, ref, sizeof(ref)), sizeof(ref));
	OK(close(ref_fd));

	int usr = EXPECT_OK("open_usr", open("/usr", O_RDONLY | O_DIRECTORY));
	int fd = EXPECT_OK("openat_relative", openat(usr, "share/common-licenses/GPL-3", O_RDONLY));
	CHECK_EQ(read(fd, buf, sizeof(buf)), sizeof(buf));
	EXPECT_TRUE("relative_content_matches", memcmp(buf, ref, sizeof(buf)) == 0);
	CHECK(memcmp(buf, ref, sizeof(buf)) == 0);
	OK(close(fd));

	fd = EXPECT_OK("openat_dot", openat(usr, ".", O_RDONLY));
	EXPECT_TRUE("dot_is_dirfd", same_file(fd, "/usr"));
	OK(close(fd));
	fd = EXPECT_OK("openat_dotdot", openat(usr, "..", O_RDONLY));
	EXPECT_TRUE("dotdot_is_root", same_file(fd, "/"));
	OK(close(fd));
	fd = EXPECT_OK("openat_dotdot_chain",
		       openat(usr, "share/../share/./common-licenses", O_RDONLY));
	EXPECT_TRUE("chain_is_licenses", same_file(fd, "/usr/share/common-licenses"));
	OK(close(fd));

	/* A dirfd obtained through a symlink (/bin -> usr/bin) and a nested dirfd. */
	int bin = EXPECT_OK("open_bin_symlink_dir", open("/bin", O_RDONLY | O_DIRECTORY));
	fd = EXPECT_OK("openat_bin_true", openat(bin, "true", O_RDONLY));
	EXPECT_TRUE("bin_true_is_usr_bin_true", same_file(fd, "/usr/bin/true"));
	OK(close(fd));
	int share = OK(openat(usr, "share", O_RDONLY | O_DIRECTORY));
	fd = EXPECT_OK("openat_nested", openat(share, "common-licenses/GPL-3", O_RDONLY));
	OK(close(fd));

	/* Absolute paths ignore dirfd, even a bad one. */
	fd = EXPECT_OK("absolute_with_other_dirfd", openat(bin, "/etc/os-release", O_RDONLY));
	OK(close(fd));
	fd = EXPECT_OK("absolute_with_bad_dirfd", openat(9999, "/etc/os-release", O_RDONLY));
	OK(close(fd));
	fd = EXPECT_OK("absolute_with_minus1_dirfd", openat(-1, "/etc/os-release", O_RDONLY));
	OK(close(fd));

	/* AT_FDCWD: relative to the working directory. */
	OK(chdir("/usr/share"));
	fd = EXPECT_OK("at_fdcwd_relative", openat(AT_FDCWD, "common-licenses/GPL-3", O_RDONLY));
	OK(close(fd));
	OK(chdir("/"));
	EXPECT_ERR("at_fdcwd_after_chdir", openat(AT_FDCWD, "common-licenses/GPL-3", O_RDONLY),
		   ENOENT);
	fd = EXPECT_OK("at_fdcwd_from_root", openat(AT_FDCWD, "etc/os-release", O_RDONLY));
	OK(close(fd));

	/* Relative paths with an unusable dirfd. */
	int file = OK(open("/etc/os-release", O_RDONLY));
	EXPECT_ERR("relative_bad_dirfd", openat(9999, "etc/os-release", O_RDONLY), EBADF);
	EXPECT_ERR("relative_minus1_dirfd", openat(-1, "etc/os-release", O_RDONLY), EBADF);
	EXPECT_ERR("relative_file_dirfd", openat(file, "x", O_RDONLY), ENOTDIR);
	EXPECT_ERR("relative_missing", openat(usr, "no-such-file", O_RDONLY), ENOENT);
	EXPECT_ERR("empty_path_with_dirfd", openat(usr, "", O_RDONLY), ENOENT);
	EXPECT_ERR("bad_path_pointer", syscall(SYS_openat, usr, BADPTR, O_RDONLY), EFAULT);
	EXPECT_ERR("relative_o_directory_file",
		   openat(usr, "share/common-licenses/GPL-3", O_RDONLY | O_DIRECTORY), ENOTDIR);

	/* An O_PATH directory fd works as a dirfd. */
	int opath = EXPECT_OK("open_o_path_dir", open("/usr/share", O_PATH | O_DIRECTORY));
	fd = EXPECT_OK("openat_o_path_dirfd", openat(opath, "common-licenses/GPL-3", O_RDONLY));
	OK(close(fd));
	OK(close(opath));

	OK(close(file));
	OK(close(share));
	OK(close(bin));
	OK(close(usr));
	EXPECT_ERR("closed_dirfd", openat(usr, "share", O_RDONLY), EBADF);
	return done();
}
