/* stat, lstat, fstat, newfstatat agree with each other; symlinks; error cases. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <sys/stat.h>

#define FILE_PATH "/usr/share/common-licenses/GPL-3"

static void same(const char *label, const struct stat *a, const struct stat *b)
{
	CHECK_EQ(a->st_dev, b->st_dev);
	CHECK_EQ(a->st_ino, b->st_ino);
	CHECK_EQ(a->st_mode, b->st_mode);
	CHECK_EQ(a->st_nlink, b->st_nlink);
	CHECK_EQ(a->st_uid, b->st_uid);
	CHECK_EQ(a->st_gid, b->st_gid);
	CHECK_EQ(a->st_size, b->st_size);
	CHECK_EQ(a->st_blocks, b->st_blocks);
	CHECK_EQ(a->st_mtim.tv_sec, b->st_mtim.tv_sec);
	CHECK_EQ(a->st_mtim.tv_nsec, b->st_mtim.tv_nsec);
	printf("%s: agree\n", label);
}

int main(void)
{
	struct stat s1, s2, s3, s4, s5, s6;
	EXPECT_VAL("stat", syscall(SYS_stat, FILE_PATH, &s1), 0);
	printf("file: mode %o nlink %lu size %lld\n", s1.st_mode, (unsigned long)s1.st_nlink,
	       (long long)s1.st_size);
	EXPECT_TRUE("is_regular", S_ISREG(s1.st_mode));
	EXPECT_TRUE("blocks_cover_size", s1.st_blocks * 512 >= s1.st_size);
	EXPECT_TRUE("blksize_positive", s1.st_blksize > 0);

	EXPECT_VAL("lstat", syscall(SYS_lstat, FILE_PATH, &s2), 0);
	same("stat_vs_lstat", &s1, &s2);
	int fd = OK(open(FILE_PATH, O_RDONLY));
	EXPECT_VAL("fstat", syscall(SYS_fstat, fd, &s3), 0);
	same("stat_vs_fstat", &s1, &s3);
	EXPECT_VAL("newfstatat", syscall(SYS_newfstatat, AT_FDCWD, FILE_PATH, &s4, 0), 0);
	same("stat_vs_newfstatat", &s1, &s4);
	EXPECT_VAL("newfstatat_empty_path", syscall(SYS_newfstatat, fd, "", &s5, AT_EMPTY_PATH), 0);
	same("stat_vs_empty_path", &s1, &s5);
	int dfd = OK(open("/usr/share", O_RDONLY | O_DIRECTORY));
	EXPECT_VAL("newfstatat_relative",
		   syscall(SYS_newfstatat, dfd, "common-licenses/GPL-3", &s6, 0), 0);
	same("stat_vs_relative", &s1, &s6);

	/* Directories. */
	EXPECT_VAL("stat_dir", syscall(SYS_stat, "/usr/share/common-licenses", &s2), 0);
	EXPECT_TRUE("dir_is_dir", S_ISDIR(s2.st_mode));
	EXPECT_TRUE("dir_nlink_at_least_2", s2.st_nlink >= 2);
	printf("dir: mode %o\n", s2.st_mode);
	EXPECT_VAL("fstat_dirfd_empty_path", syscall(SYS_newfstatat, dfd, "", &s3, AT_EMPTY_PATH),
		   0);
	EXPECT_VAL("stat_usr_share", syscall(SYS_stat, "/usr/share", &s4), 0);
	same("dirfd_vs_stat", &s3, &s4);

	/* /bin is a symlink to usr/bin: lstat sees the link, stat the directory. */
	EXPECT_VAL("lstat_bin", syscall(SYS_lstat, "/bin", &s1), 0);
	EXPECT_TRUE("bin_is_symlink", S_ISLNK(s1.st_mode));
	printf("bin_link: mode %o size %lld\n", s1.st_mode, (long long)s1.st_size);
	EXPECT_VAL("stat_bin", syscall(SYS_stat, "/bin", &s2), 0);
	EXPECT_TRUE("bin_target_is_dir", S_ISDIR(s2.st_mode));
	EXPECT_VAL("stat_usr_bin", syscall(SYS_stat, "/usr/bin", &s3), 0);
	same("bin_vs_usr_bin", &s2, &s3);
	EXPECT_VAL("newfstatat_nofollow",
		   syscall(SYS_newfstatat, AT_FDCWD, "/bin", &s4, AT_SYMLINK_NOFOLLOW), 0);
	same("nofollow_vs_lstat", &s1, &s4);
	EXPECT_VAL("newfstatat_follow", syscall(SYS_newfstatat, AT_FDCWD, "/bin", &s5, 0), 0);
	same("follow_vs_stat", &s2, &s5);
	/* A trailing slash makes lstat follow the link. */
	EXPECT_VAL("lstat_trailing_slash", syscall(SYS_lstat, "/bin/", &s6), 0);
	same("trailing_slash_follows", &s2, &s6);

	/* Errors. */
	EXPECT_ERR("stat_missing", syscall(SYS_stat, "/no/such/file", &s1), ENOENT);
	EXPECT_ERR("stat_empty", syscall(SYS_stat, "", &s1), ENOENT);
	EXPECT_ERR("stat_enotdir", syscall(SYS_stat, "/etc/os-release/x", &s1), ENOTDIR);
	EXPECT_ERR("stat_bad_path", syscall(SYS_stat, BADPTR, &s1), EFAULT);
	EXPECT_ERR("stat_bad_buf", syscall(SYS_stat, FILE_PATH, BADPTR), EFAULT);
	EXPECT_ERR("lstat_bad_buf", syscall(SYS_lstat, FILE_PATH, BADPTR), EFAULT);
	EXPECT_ERR("fstat_bad_fd", syscall(SYS_fstat, -1, &s1), EBADF);
	EXPECT_ERR("fstat_fd_9999", syscall(SYS_fstat, 9999, &s1), EBADF);
	EXPECT_ERR("fstat_bad_buf", syscall(SYS_fstat, fd, BADPTR), EFAULT);
	EXPECT_ERR("newfstatat_empty_no_flag", syscall(SYS_newfstatat, fd, "", &s1, 0), ENOENT);
	EXPECT_ERR("newfstatat_bad_flags", syscall(SYS_newfstatat, AT_FDCWD, FILE_PATH, &s1, 0x1),
		   EINVAL);
	EXPECT_ERR("newfstatat_bad_dirfd", syscall(SYS_newfstatat, 9999, "x", &s1, 0), EBADF);
	EXPECT_ERR("newfstatat_file_dirfd", syscall(SYS_newfstatat, fd, "x", &s1, 0), ENOTDIR);
	EXPECT_ERR("newfstatat_empty_bad_fd", syscall(SYS_newfstatat, 9999, "", &s1, AT_EMPTY_PATH),
		   EBADF);
	static char longpath[5001];
	memset(longpath, 'a', 5000);
	longpath[0] = '/';
	EXPECT_ERR("stat_path_too_long", syscall(SYS_stat, longpath, &s1), ENAMETOOLONG);
	OK(close(dfd));
	OK(close(fd));
	return done();
}
