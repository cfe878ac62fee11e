/* truncate, ftruncate, and open's O_TRUNC: shrinking, extending with zeros, mtime and ctime
 * stamped (even for the same size), and the errno of every refusal. */
#define _GNU_SOURCE
#include "scratch.h"

#include <stdbool.h>

static bool all_zero(const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (buf[i])
			return false;
	return true;
}

static void nobody_checks(void)
{
	EXPECT_ERR("nobody_truncate_readonly", truncate("readonly", 0), EACCES);
	EXPECT_OK("nobody_truncate_writable", truncate("writable", 1));
	EXPECT_ERR("nobody_open_trunc_readonly", open("readonly", O_RDONLY | O_TRUNC), EACCES);
	/* An fd open for writing needs no further permission. */
	int fd = OK(open("writable", O_WRONLY));
	EXPECT_OK("nobody_ftruncate_writable", ftruncate(fd, 2));
	OK(close(fd));
}

int main(void)
{
	char buf[8192];
	scratch_enter("truncate");

	put("f", "0123456789");
	struct stat f0 = lst("f");
	wait_past(f0.st_mtim);
	EXPECT_OK("shrink", truncate("f", 4));
	struct stat f1 = lst("f");
	EXPECT_VAL("shrunk_size", f1.st_size, 4);
	EXPECT_TRUE("shrink_mtime_moved", ts_cmp(f1.st_mtim, f0.st_mtim) > 0);
	EXPECT_TRUE("shrink_ctime_moved", ts_cmp(f1.st_ctim, f0.st_ctim) > 0);
	int fd = OK(open("f", O_RDONLY));
	EXPECT_VAL("read_shrunk", read(fd, buf, sizeof(buf)), 4);
	EXPECT_TRUE("shrunk_content", memcmp(buf, "0123", 4) == 0);

	/* Extending reads back zeros, also where data used to be. */
	EXPECT_OK("extend", truncate("f", 6000));
	EXPECT_VAL("extended_size", lst("f").st_size, 6000);
	EXPECT_VAL("read_extended", pread(fd, buf, sizeof(buf), 0), 6000);
	EXPECT_TRUE("old_data_kept", memcmp(buf, "0123", 4) == 0);
	EXPECT_TRUE("zeros_after", all_zero(buf + 4, 5996));
	OK(close(fd));

	/* The same size: still stamped. */
	struct stat f2 = lst("f");
	wait_past(f2.st_mtim);
	EXPECT_OK("same_size", truncate("f", 6000));
	EXPECT_TRUE("same_size_mtime_moved", ts_cmp(lst("f").st_mtim, f2.st_mtim) > 0);

	/* ftruncate. */
	fd = OK(open("f", O_RDWR));
	f2 = lst("f");
	wait_past(f2.st_mtim);
	EXPECT_OK("ftruncate_same_size", ftruncate(fd, 6000));
	EXPECT_TRUE("ftruncate_same_size_mtime_moved", ts_cmp(lst("f").st_mtim, f2.st_mtim) > 0);
	EXPECT_OK("ftruncate_zero", ftruncate(fd, 0));
	EXPECT_VAL("ftruncate_zero_size", lst("f").st_size, 0);
	/* The offset is not moved: a write past the end leaves a hole of zeros. */
	OK(lseek(fd, 3, SEEK_SET));
	CHECK_EQ(write(fd, "x", 1), 1);
	EXPECT_VAL("hole_size", lst("f").st_size, 4);
	EXPECT_VAL("read_hole", pread(fd, buf, sizeof(buf), 0), 4);
	EXPECT_TRUE("hole_is_zeros", all_zero(buf, 3) && buf[3] == 'x');
	EXPECT_OK("ftruncate_extend", ftruncate(fd, 100000));
	EXPECT_VAL("ftruncate_extend_size", lst("f").st_size, 100000);
	EXPECT_VAL("read_far", pread(fd, buf, 100, 99950), 50);
	EXPECT_TRUE("far_zeros", all_zero(buf, 50));
	EXPECT_VAL("lseek_end", lseek(fd, 0, SEEK_END), 100000);
	OK(close(fd));
	fd = OK(open("f", O_WRONLY | O_APPEND));
	EXPECT_OK("ftruncate_append_fd", ftruncate(fd, 10));
	EXPECT_VAL("append_fd_size", lst("f").st_size, 10);
	OK(close(fd));

	/* O_TRUNC: on open, even read-only. */
	put("g", "content");
	fd = EXPECT_OK("open_trunc", open("g", O_WRONLY | O_TRUNC));
	EXPECT_VAL("trunc_size", lst("g").st_size, 0);
	OK(close(fd));
	put("g", "content");
	fd = EXPECT_OK("open_rdonly_trunc", open("g", O_RDONLY | O_TRUNC));
	EXPECT_VAL("rdonly_trunc_size", lst("g").st_size, 0);
	EXPECT_VAL("rdonly_trunc_read", read(fd, buf, 10), 0);
	OK(close(fd));
	OK(mkdir("d", 0755));
	EXPECT_ERR("open_trunc_dir", open("d", O_RDONLY | O_TRUNC), EISDIR);
	/* Through a symlink: the target is truncated. */
	put("g", "content");
	OK(symlink("g", "sl"));
	EXPECT_OK("truncate_through_symlink", truncate("sl", 2));
	EXPECT_VAL("target_truncated", lst("g").st_size, 2);
	EXPECT_TRUE("link_untouched", S_ISLNK(lst("sl").st_mode));

	/* Refusals. */
	EXPECT_ERR("truncate_dir", truncate("d", 0), EISDIR);
	EXPECT_ERR("truncate_negative", truncate("g", -1), EINVAL);
	EXPECT_ERR("truncate_missing", truncate("nope", 0), ENOENT);
	EXPECT_ERR("truncate_parent_is_file", truncate("g/x", 0), ENOTDIR);
	EXPECT_ERR("truncate_empty", truncate("", 0), ENOENT);
	EXPECT_ERR("truncate_bad_pointer", syscall(SYS_truncate, BADPTR, 0), EFAULT);
	OK(mkfifo("fifo", 0644));
	EXPECT_ERR("truncate_fifo", truncate("fifo", 0), EINVAL);
	fd = OK(open("g", O_RDONLY));
	EXPECT_ERR("ftruncate_rdonly", ftruncate(fd, 0), EINVAL);
	EXPECT_ERR("ftruncate_negative", ftruncate(fd, -1), EINVAL);
	OK(close(fd));
	fd = OK(open("g", O_PATH));
	EXPECT_ERR("ftruncate_o_path", ftruncate(fd, 0), EBADF);
	OK(close(fd));
	fd = OK(open("d", O_RDONLY | O_DIRECTORY));
	EXPECT_ERR("ftruncate_dir", ftruncate(fd, 0), EINVAL);
	OK(close(fd));
	int p[2];
	OK(pipe(p));
	EXPECT_ERR("ftruncate_pipe", ftruncate(p[1], 0), EINVAL);
	OK(close(p[0]));
	OK(close(p[1]));
	EXPECT_ERR("ftruncate_bad_fd", ftruncate(9999, 0), EBADF);
	EXPECT_VAL("g_unchanged", lst("g").st_size, 2);

	/* As nobody. */
	touch("readonly", 0644);
	touch("writable", 0666);
	OK(chmod("writable", 0666));
	touch("mine", 0600);
	OK(chown("mine", NOBODY, NOBODY));
	run_as_nobody("nobody", nobody_checks);
	EXPECT_VAL("writable_size", lst("writable").st_size, 2);

	scratch_leave();
	return done();
}
