/* Path resolution through symlinks: /bin -> usr/bin (Debian merged /usr) and
 * /usr/share/common-licenses/GPL -> GPL-3 (a relative link). */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <sys/stat.h>

static int same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

int main(void)
{
	struct stat a, b;
	char x[256], y[256];

	/* A symlink in the middle of a path is always followed. */
	OK(stat("/bin/true", &a));
	OK(stat("/usr/bin/true", &b));
	EXPECT_TRUE("bin_true_is_usr_bin_true", same_inode(&a, &b));
	OK(lstat("/bin/true", &a));
	EXPECT_TRUE("lstat_through_dir_link_is_regular", S_ISREG(a.st_mode));

	/* ".." after a symlink is taken in the target's parent: /bin/.. is /usr. */
	OK(stat("/bin/..", &a));
	OK(stat("/usr", &b));
	EXPECT_TRUE("bin_dotdot_is_usr", same_inode(&a, &b));

	/* A relative link resolves against the directory holding it. */
	int l = EXPECT_OK("open_relative_link", open("/usr/share/common-licenses/GPL", O_RDONLY));
	int t = OK(open("/usr/share/common-licenses/GPL-3", O_RDONLY));
	CHECK_EQ(read(l, x, sizeof(x)), sizeof(x));
	CHECK_EQ(read(t, y, sizeof(y)), sizeof(y));
	EXPECT_TRUE("link_content_is_target", memcmp(x, y, sizeof(x)) == 0);
	OK(fstat(l, &a));
	OK(fstat(t, &b));
	EXPECT_TRUE("link_fd_is_target_inode", same_inode(&a, &b));
	OK(close(l));
	OK(close(t));
	int dfd = OK(open("/usr/share/common-licenses", O_RDONLY | O_DIRECTORY));
	l = EXPECT_OK("openat_relative_link", openat(dfd, "GPL", O_RDONLY));
	OK(close(l));
	OK(fstatat(dfd, "GPL", &a, AT_SYMLINK_NOFOLLOW));
	EXPECT_TRUE("fstatat_nofollow_is_link", S_ISLNK(a.st_mode));
	printf("GPL_link_size: %lld\n", (long long)a.st_size);
	EXPECT_ERR("openat_nofollow_link", openat(dfd, "GPL", O_RDONLY | O_NOFOLLOW), ELOOP);
	OK(close(dfd));

	/* O_PATH | O_NOFOLLOW opens the link itself. */
	int p = EXPECT_OK("o_path_nofollow", open("/bin", O_PATH | O_NOFOLLOW));
	OK(fstat(p, &a));
	EXPECT_TRUE("o_path_fd_is_link", S_ISLNK(a.st_mode));
	EXPECT_ERR("read_o_path", read(p, x, 1), EBADF);
	EXPECT_VAL("readlinkat_o_path_empty", readlinkat(p, "", x, sizeof(x)), 7);
	printf("target: %.7s\n", x);
	EXPECT_ERR("o_path_link_as_dirfd", openat(p, "true", O_RDONLY), ENOTDIR);
	OK(close(p));

	/* Trailing slash and "." force the last component to be followed. */
	OK(lstat("/bin/", &a));
	EXPECT_TRUE("lstat_trailing_slash_is_dir", S_ISDIR(a.st_mode));
	OK(lstat("/bin/.", &a));
	EXPECT_TRUE("lstat_dot_is_dir", S_ISDIR(a.st_mode));
	EXPECT_ERR("trailing_slash_on_file_link", open("/usr/share/common-licenses/GPL/", O_RDONLY),
		   ENOTDIR);
	return done();
}
