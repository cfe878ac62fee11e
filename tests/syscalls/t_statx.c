/* statx: the mask, agreement with stat, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, and errors. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#define FILE_PATH "/usr/share/common-licenses/GPL-3"

static long do_statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *stx)
{
	memset(stx, 0xa5, sizeof(*stx));
	return syscall(SYS_statx, dirfd, path, flags, mask, stx);
}

static void agree(const char *label, const struct statx *x, const struct stat *s)
{
	CHECK_EQ(x->stx_mode, s->st_mode);
	CHECK_EQ(x->stx_nlink, s->st_nlink);
	CHECK_EQ(x->stx_uid, s->st_uid);
	CHECK_EQ(x->stx_gid, s->st_gid);
	CHECK_EQ(x->stx_ino, s->st_ino);
	CHECK_EQ(x->stx_size, s->st_size);
	CHECK_EQ(x->stx_blocks, s->st_blocks);
	CHECK_EQ(x->stx_blksize, s->st_blksize);
	CHECK_EQ(makedev(x->stx_dev_major, x->stx_dev_minor), s->st_dev);
	CHECK_EQ(x->stx_mtime.tv_sec, s->st_mtim.tv_sec);
	CHECK_EQ(x->stx_mtime.tv_nsec, s->st_mtim.tv_nsec);
	printf("%s: agree\n", label);
}

int main(void)
{
	struct statx x;
	struct stat s;
	OK(stat(FILE_PATH, &s));

	EXPECT_VAL("statx_basic", do_statx(AT_FDCWD, FILE_PATH, 0, STATX_BASIC_STATS, &x), 0);
	EXPECT_TRUE("mask_has_basic_stats", (x.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS);
	EXPECT_TRUE("reserved_mask_bit_clear", !(x.stx_mask & STATX__RESERVED));
	agree("statx_vs_stat", &x, &s);
	printf("file: mode %o size %llu\n", x.stx_mode, (unsigned long long)x.stx_size);

	/* Asking for less still fills at least what was asked for. */
	EXPECT_VAL("statx_type_only", do_statx(AT_FDCWD, FILE_PATH, 0, STATX_TYPE | STATX_SIZE, &x),
		   0);
	EXPECT_TRUE("mask_has_type_size",
		    (x.stx_mask & (STATX_TYPE | STATX_SIZE)) == (STATX_TYPE | STATX_SIZE));
	EXPECT_TRUE("type_is_regular", S_ISREG(x.stx_mode));
	CHECK_EQ(x.stx_size, s.st_size);
	EXPECT_VAL("statx_mask_0", do_statx(AT_FDCWD, FILE_PATH, 0, 0, &x), 0);

	/* AT_EMPTY_PATH on an fd, and a path relative to a dirfd. */
	int fd = OK(open(FILE_PATH, O_RDONLY));
	EXPECT_VAL("statx_empty_path", do_statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &x), 0);
	agree("empty_path_vs_stat", &x, &s);
	int dfd = OK(open("/usr/share", O_RDONLY | O_DIRECTORY));
	EXPECT_VAL("statx_relative",
		   do_statx(dfd, "common-licenses/GPL-3", 0, STATX_BASIC_STATS, &x), 0);
	agree("relative_vs_stat", &x, &s);
	EXPECT_VAL("statx_sync_as_stat",
		   do_statx(AT_FDCWD, FILE_PATH, AT_STATX_SYNC_AS_STAT, STATX_BASIC_STATS, &x), 0);
	EXPECT_VAL("statx_dont_sync",
		   do_statx(AT_FDCWD, FILE_PATH, AT_STATX_DONT_SYNC, STATX_BASIC_STATS, &x), 0);
	EXPECT_VAL("statx_force_sync",
		   do_statx(AT_FDCWD, FILE_PATH, AT_STATX_FORCE_SYNC, STATX_BASIC_STATS, &x), 0);
	agree("force_sync_vs_stat", &x, &s);

	/* Symlinks. */
	struct stat ls;
	OK(lstat("/bin", &ls));
	EXPECT_VAL("statx_nofollow",
		   do_statx(AT_FDCWD, "/bin", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &x), 0);
	EXPECT_TRUE("nofollow_is_symlink", S_ISLNK(x.stx_mode));
	agree("nofollow_vs_lstat", &x, &ls);
	OK(stat("/bin", &s));
	EXPECT_VAL("statx_follow", do_statx(AT_FDCWD, "/bin", 0, STATX_BASIC_STATS, &x), 0);
	EXPECT_TRUE("follow_is_dir", S_ISDIR(x.stx_mode));
	agree("follow_vs_stat", &x, &s);

	/* Errors. */
	EXPECT_ERR("missing", do_statx(AT_FDCWD, "/no/such", 0, STATX_BASIC_STATS, &x), ENOENT);
	EXPECT_ERR("empty_without_flag", do_statx(fd, "", 0, STATX_BASIC_STATS, &x), ENOENT);
	EXPECT_ERR("enotdir", do_statx(AT_FDCWD, "/etc/os-release/x", 0, STATX_BASIC_STATS, &x),
		   ENOTDIR);
	EXPECT_ERR("bad_flags", do_statx(AT_FDCWD, FILE_PATH, 0x80000000, STATX_BASIC_STATS, &x),
		   EINVAL);
	EXPECT_ERR("both_sync_flags",
		   do_statx(AT_FDCWD, FILE_PATH, AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC,
			    STATX_BASIC_STATS, &x),
		   EINVAL);
	EXPECT_ERR("reserved_mask", do_statx(AT_FDCWD, FILE_PATH, 0, STATX__RESERVED, &x), EINVAL);
	EXPECT_ERR("bad_buffer",
		   syscall(SYS_statx, AT_FDCWD, FILE_PATH, 0, STATX_BASIC_STATS, BADPTR), EFAULT);
	EXPECT_ERR("bad_path", syscall(SYS_statx, AT_FDCWD, BADPTR, 0, STATX_BASIC_STATS, &x),
		   EFAULT);
	EXPECT_ERR("bad_dirfd", do_statx(9999, "x", 0, STATX_BASIC_STATS, &x), EBADF);
	EXPECT_ERR("file_dirfd", do_statx(fd, "x", 0, STATX_BASIC_STATS, &x), ENOTDIR);
	OK(close(dfd));
	OK(close(fd));
	return done();
}
