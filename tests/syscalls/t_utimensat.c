/* utimensat, futimens (utimensat with a NULL path), utime, utimes, futimesat: times set
 * exactly, UTIME_NOW and UTIME_OMIT, ctime always moving to now, symlinks followed or not,
 * argument checks, and who may set times (the owner; anyone who may write, for "now"). */
#define _GNU_SOURCE
#include "scratch.h"

#include <stdbool.h>
#include <sys/time.h>
#include <utime.h>

#define T(s, ns) ((struct timespec){(s), (ns)})

static struct timespec now_coarse(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	return ts;
}

static struct timespec now_fine(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts;
}

static bool ts_eq(struct timespec a, struct timespec b)
{
	return ts_cmp(a, b) == 0;
}

/* Whether t lies in [lo, hi]. */
static bool between(struct timespec t, struct timespec lo, struct timespec hi)
{
	return ts_cmp(t, lo) >= 0 && ts_cmp(t, hi) <= 0;
}

static long utimensat_raw(int dirfd, const char *path, const struct timespec *ts, int flags)
{
	return syscall(SYS_utimensat, dirfd, path, ts, flags);
}

static void nobody_checks(void)
{
	struct timespec both_now[2] = {T(0, UTIME_NOW), T(0, UTIME_NOW)};
	struct timespec one_now[2] = {T(0, UTIME_NOW), T(0, UTIME_OMIT)};
	struct timespec exact[2] = {T(1000, 0), T(2000, 0)};
	/* "writable": root's file, mode 0666; "readonly": root's file, mode 0644. */
	EXPECT_OK("nobody_null_writable", utimensat_raw(AT_FDCWD, "writable", NULL, 0));
	EXPECT_OK("nobody_both_now_writable", utimensat_raw(AT_FDCWD, "writable", both_now, 0));
	EXPECT_ERR("nobody_now_and_omit_writable", utimensat_raw(AT_FDCWD, "writable", one_now, 0),
		   EPERM);
	EXPECT_ERR("nobody_exact_writable", utimensat_raw(AT_FDCWD, "writable", exact, 0), EPERM);
	EXPECT_ERR("nobody_null_readonly", utimensat_raw(AT_FDCWD, "readonly", NULL, 0), EACCES);
	EXPECT_ERR("nobody_both_now_readonly", utimensat_raw(AT_FDCWD, "readonly", both_now, 0),
		   EACCES);
	EXPECT_ERR("nobody_exact_readonly", utimensat_raw(AT_FDCWD, "readonly", exact, 0), EPERM);
	EXPECT_OK("nobody_exact_own", utimensat_raw(AT_FDCWD, "mine", exact, 0));
	EXPECT_ERR("nobody_utime_readonly", utime("readonly", NULL), EACCES);
	EXPECT_OK("nobody_utimes_writable", utimes("writable", NULL));
	int fd = OK(open("writable", O_WRONLY));
	EXPECT_OK("nobody_futimens_writable", futimens(fd, NULL));
	EXPECT_ERR("nobody_futimens_exact", futimens(fd, exact), EPERM);
	OK(close(fd));
}

int main(void)
{
	struct stat st;
	scratch_enter("utimensat");
	touch("f", 0644);

	/* Exact times, to the nanosecond; ctime goes to now regardless. */
	struct timespec exact[2] = {T(1000000000, 123456789), T(1100000000, 987654321)};
	struct timespec before = now_coarse();
	EXPECT_OK("exact", utimensat_raw(AT_FDCWD, "f", exact, 0));
	struct timespec after = now_fine();
	st = lst("f");
	EXPECT_TRUE("atime_exact", ts_eq(st.st_atim, exact[0]));
	EXPECT_TRUE("mtime_exact", ts_eq(st.st_mtim, exact[1]));
	EXPECT_TRUE("ctime_now", between(st.st_ctim, before, after));

	/* UTIME_OMIT keeps one; UTIME_NOW sets it to now. */
	struct timespec omit_now[2] = {T(0, UTIME_OMIT), T(12345, UTIME_NOW)};
	before = now_coarse();
	EXPECT_OK("omit_atime_now_mtime", utimensat_raw(AT_FDCWD, "f", omit_now, 0));
	after = now_fine();
	st = lst("f");
	EXPECT_TRUE("atime_omitted", ts_eq(st.st_atim, exact[0]));
	EXPECT_TRUE("mtime_now", between(st.st_mtim, before, after));
	struct timespec set_omit[2] = {T(5, 5), T(7, UTIME_OMIT)};
	EXPECT_OK("set_atime_omit_mtime", utimensat_raw(AT_FDCWD, "f", set_omit, 0));
	struct stat st2 = lst("f");
	EXPECT_TRUE("atime_set", ts_eq(st2.st_atim, T(5, 5)));
	EXPECT_TRUE("mtime_omitted", ts_eq(st2.st_mtim, st.st_mtim));
	/* Both omitted: nothing changes, not even ctime, and the path is not even looked at. */
	wait_past(st2.st_ctim);
	struct timespec omit2[2] = {T(0, UTIME_OMIT), T(0, UTIME_OMIT)};
	EXPECT_OK("both_omitted", utimensat_raw(AT_FDCWD, "f", omit2, 0));
	EXPECT_TRUE("both_omitted_ctime_kept", ts_eq(lst("f").st_ctim, st2.st_ctim));
	EXPECT_OK("both_omitted_missing_path", utimensat_raw(AT_FDCWD, "nope", omit2, 0));
	/* NULL: both now. */
	before = now_coarse();
	EXPECT_OK("null_times", utimensat_raw(AT_FDCWD, "f", NULL, 0));
	after = now_fine();
	st = lst("f");
	EXPECT_TRUE("null_atime_now", between(st.st_atim, before, after));
	EXPECT_TRUE("null_mtime_now", between(st.st_mtim, before, after));
	EXPECT_TRUE("null_ctime_now", between(st.st_ctim, before, after));

	/* Symlinks: followed unless AT_SYMLINK_NOFOLLOW. */
	OK(symlink("f", "sl"));
	struct timespec t1[2] = {T(1, 1), T(2, 2)};
	struct timespec t2[2] = {T(3, 3), T(4, 4)};
	EXPECT_OK("through_symlink", utimensat_raw(AT_FDCWD, "sl", t1, 0));
	EXPECT_TRUE("target_times", ts_eq(lst("f").st_mtim, T(2, 2)));
	EXPECT_TRUE("link_times_kept", !ts_eq(lst("sl").st_mtim, T(2, 2)));
	EXPECT_OK("nofollow", utimensat_raw(AT_FDCWD, "sl", t2, AT_SYMLINK_NOFOLLOW));
	EXPECT_TRUE("link_times",
		    ts_eq(lst("sl").st_mtim, T(4, 4)) && ts_eq(lst("sl").st_atim, T(3, 3)));
	EXPECT_TRUE("target_kept", ts_eq(lst("f").st_mtim, T(2, 2)));
	OK(symlink("nowhere", "dl"));
	EXPECT_ERR("dangling", utimensat_raw(AT_FDCWD, "dl", t1, 0), ENOENT);
	EXPECT_OK("dangling_nofollow", utimensat_raw(AT_FDCWD, "dl", t1, AT_SYMLINK_NOFOLLOW));

	/* Descriptors: a NULL path means dirfd itself (futimens). */
	int fd = OK(open("f", O_RDONLY));
	EXPECT_OK("futimens", utimensat_raw(fd, NULL, t2, 0));
	EXPECT_TRUE("futimens_times", ts_eq(lst("f").st_mtim, T(4, 4)));
	EXPECT_ERR("null_path_with_flags", utimensat_raw(fd, NULL, t2, AT_SYMLINK_NOFOLLOW),
		   EINVAL);
	EXPECT_ERR("null_path_cwd", utimensat_raw(AT_FDCWD, NULL, t2, 0), EFAULT);
	EXPECT_OK("empty_path", utimensat_raw(fd, "", t1, AT_EMPTY_PATH));
	EXPECT_TRUE("empty_path_times", ts_eq(lst("f").st_mtim, T(2, 2)));
	EXPECT_ERR("empty_path_without_flag", utimensat_raw(fd, "", t1, 0), ENOENT);
	EXPECT_ERR("relative_with_file_dirfd", utimensat_raw(fd, "x", t1, 0), ENOTDIR);
	OK(close(fd));
	int pfd = OK(open("f", O_PATH));
	EXPECT_ERR("null_path_o_path_fd", utimensat_raw(pfd, NULL, t2, 0), EBADF);
	EXPECT_OK("empty_path_o_path_fd", utimensat_raw(pfd, "", t2, AT_EMPTY_PATH));
	OK(close(pfd));
	EXPECT_ERR("null_path_bad_fd", utimensat_raw(9999, NULL, t2, 0), EBADF);
	OK(mkdir("d", 0755));
	int dfd = OK(open("d", O_RDONLY | O_DIRECTORY));
	EXPECT_OK("futimens_dir", utimensat_raw(dfd, NULL, t1, 0));
	EXPECT_TRUE("dir_times", ts_eq(lst("d").st_mtim, T(2, 2)));
	touch("d/g", 0644);
	EXPECT_OK("dirfd_relative", utimensat_raw(dfd, "g", t2, 0));
	EXPECT_TRUE("dirfd_relative_times", ts_eq(lst("d/g").st_mtim, T(4, 4)));
	OK(close(dfd));

	/* Argument checks. */
	struct timespec bad1[2] = {T(0, 1000000000), T(0, 0)};
	struct timespec bad2[2] = {T(0, 0), T(0, -1)};
	EXPECT_ERR("nsec_too_big", utimensat_raw(AT_FDCWD, "f", bad1, 0), EINVAL);
	EXPECT_ERR("nsec_negative", utimensat_raw(AT_FDCWD, "f", bad2, 0), EINVAL);
	EXPECT_ERR("bad_flag", utimensat_raw(AT_FDCWD, "f", t1, 0x1), EINVAL);
	EXPECT_ERR("bad_times_pointer", utimensat_raw(AT_FDCWD, "f", BADPTR, 0), EFAULT);
	EXPECT_ERR("bad_path_pointer", utimensat_raw(AT_FDCWD, BADPTR, t1, 0), EFAULT);
	EXPECT_ERR("missing", utimensat_raw(AT_FDCWD, "nope", t1, 0), ENOENT);
	EXPECT_ERR("parent_is_file", utimensat_raw(AT_FDCWD, "f/x", t1, 0), ENOTDIR);

	/* The older calls. */
	struct utimbuf ub = {.actime = 111, .modtime = 222};
	EXPECT_OK("utime", utime("f", &ub));
	st = lst("f");
	EXPECT_TRUE("utime_times", ts_eq(st.st_atim, T(111, 0)) && ts_eq(st.st_mtim, T(222, 0)));
	before = now_coarse();
	EXPECT_OK("utime_null", utime("f", NULL));
	EXPECT_TRUE("utime_null_now", between(lst("f").st_mtim, before, now_fine()));
	struct timeval tv[2] = {{333, 444}, {555, 666}};
	EXPECT_OK("utimes", utimes("f", tv));
	st = lst("f");
	EXPECT_TRUE("utimes_times",
		    ts_eq(st.st_atim, T(333, 444000)) && ts_eq(st.st_mtim, T(555, 666000)));
	struct timeval badtv[2] = {{1, 1000000}, {1, 0}};
	EXPECT_ERR("utimes_bad_usec", utimes("f", badtv), EINVAL);
	dfd = OK(open("d", O_RDONLY | O_DIRECTORY));
	EXPECT_OK("futimesat", syscall(SYS_futimesat, dfd, "g", tv));
	EXPECT_TRUE("futimesat_times", ts_eq(lst("d/g").st_mtim, T(555, 666000)));
	OK(close(dfd));
	EXPECT_ERR("utime_missing", utime("nope", &ub), ENOENT);
	EXPECT_ERR("utime_bad_pointer", syscall(SYS_utime, "f", BADPTR), EFAULT);

	/* As nobody. */
	touch("writable", 0666);
	OK(chmod("writable", 0666));
	touch("readonly", 0644);
	touch("mine", 0600);
	OK(chown("mine", NOBODY, NOBODY));
	run_as_nobody("nobody", nobody_checks);
	EXPECT_TRUE("mine_exact", ts_eq(lst("mine").st_mtim, T(2000, 0)));

	scratch_leave();
	return done();
}
