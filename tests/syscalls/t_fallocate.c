/* fallocate: mode 0 extends with zeros, FALLOC_FL_KEEP_SIZE does not change the size,
 * PUNCH_HOLE|KEEP_SIZE zeroes a range; the argument checks and the descriptors refused.
 * (Only the modes both ext4 and tmpfs have are used.) */
#define _GNU_SOURCE
#include "scratch.h"

#include <linux/falloc.h>
#include <stdbool.h>
#include <stdint.h>

static bool all_zero(const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (buf[i])
			return false;
	return true;
}

static long falloc(int fd, int mode, off_t off, off_t len)
{
	return syscall(SYS_fallocate, fd, mode, off, len);
}

int main(void)
{
	char buf[65536];
	scratch_enter("fallocate");

	int fd = OK(open("f", O_RDWR | O_CREAT, 0644));
	CHECK_EQ(write(fd, "abcdef", 6), 6);
	struct stat f0 = lst("f");
	wait_past(f0.st_mtim);
	EXPECT_OK("extend", falloc(fd, 0, 0, 10000));
	struct stat f1 = lst("f");
	EXPECT_VAL("extended_size", f1.st_size, 10000);
	EXPECT_TRUE("extend_mtime_moved", ts_cmp(f1.st_mtim, f0.st_mtim) > 0);
	EXPECT_TRUE("extend_ctime_moved", ts_cmp(f1.st_ctim, f0.st_ctim) > 0);
	EXPECT_VAL("read_extended", pread(fd, buf, sizeof(buf), 0), 10000);
	EXPECT_TRUE("data_kept", memcmp(buf, "abcdef", 6) == 0);
	EXPECT_TRUE("zeros_after", all_zero(buf + 6, 10000 - 6));
	EXPECT_TRUE("blocks_allocated", f1.st_blocks * 512 >= 10000);
	EXPECT_VAL("offset_unchanged", lseek(fd, 0, SEEK_CUR), 6);
	/* Inside the file: nothing changes size or content. */
	EXPECT_OK("inside", falloc(fd, 0, 2, 3));
	EXPECT_VAL("inside_size", lst("f").st_size, 10000);
	EXPECT_VAL("read_inside", pread(fd, buf, 6, 0), 6);
	EXPECT_TRUE("inside_data_kept", memcmp(buf, "abcdef", 6) == 0);

	/* KEEP_SIZE beyond the end: the size stays, the end still reads as the end. */
	EXPECT_OK("keep_size", falloc(fd, FALLOC_FL_KEEP_SIZE, 9000, 50000));
	EXPECT_VAL("keep_size_size", lst("f").st_size, 10000);
	EXPECT_VAL("read_at_end", pread(fd, buf, 10, 10000), 0);
	EXPECT_VAL("lseek_end", lseek(fd, 0, SEEK_END), 10000);

	/* Punching a hole: zeros in the range, the size kept. */
	memset(buf, 'x', 8192);
	CHECK_EQ(pwrite(fd, buf, 8192, 0), 8192);
	EXPECT_OK("punch_hole", falloc(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 100, 5000));
	EXPECT_VAL("punch_size", lst("f").st_size, 10000);
	EXPECT_VAL("read_punched", pread(fd, buf, 8192, 0), 8192);
	EXPECT_TRUE("before_hole", buf[99] == 'x');
	EXPECT_TRUE("hole_zeros", all_zero(buf + 100, 5000));
	EXPECT_TRUE("after_hole", buf[5100] == 'x' && buf[8191] == 'x');
	EXPECT_OK("punch_past_end",
		  falloc(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 9000, 100000));
	EXPECT_VAL("punch_past_end_size", lst("f").st_size, 10000);

	/* Argument checks. */
	EXPECT_ERR("punch_without_keep_size", falloc(fd, FALLOC_FL_PUNCH_HOLE, 0, 10), EOPNOTSUPP);
	EXPECT_ERR("len_0", falloc(fd, 0, 0, 0), EINVAL);
	EXPECT_ERR("len_negative", falloc(fd, 0, 0, -1), EINVAL);
	EXPECT_ERR("offset_negative", falloc(fd, 0, -1, 10), EINVAL);
	EXPECT_ERR("unknown_mode", falloc(fd, 0x4000, 0, 10), EOPNOTSUPP);
	EXPECT_ERR("too_big", falloc(fd, 0, INT64_MAX - 10, 100), EFBIG);
	EXPECT_VAL("size_after_refusals", lst("f").st_size, 10000);
	OK(close(fd));

	/* Descriptors. */
	fd = OK(open("f", O_RDONLY));
	EXPECT_ERR("read_only_fd", falloc(fd, 0, 0, 10), EBADF);
	OK(close(fd));
	fd = OK(open("f", O_PATH));
	EXPECT_ERR("o_path_fd", falloc(fd, 0, 0, 10), EBADF);
	OK(close(fd));
	fd = OK(open("f", O_WRONLY | O_APPEND));
	EXPECT_OK("append_fd_extend", falloc(fd, 0, 0, 20000));
	EXPECT_VAL("append_fd_size", lst("f").st_size, 20000);
	EXPECT_OK("append_fd_punch", falloc(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 10));
	OK(close(fd));
	OK(mkdir("d", 0755));
	fd = OK(open("d", O_RDONLY | O_DIRECTORY));
	EXPECT_ERR("dir_fd", falloc(fd, 0, 0, 10), EBADF);
	OK(close(fd));
	int p[2];
	OK(pipe(p));
	EXPECT_ERR("pipe", falloc(p[1], 0, 0, 10), ESPIPE);
	EXPECT_ERR("pipe_read_end", falloc(p[0], 0, 0, 10), EBADF);
	OK(close(p[0]));
	OK(close(p[1]));
	OK(mkfifo("fifo", 0644));
	fd = OK(open("fifo", O_RDWR));
	EXPECT_ERR("fifo", falloc(fd, 0, 0, 10), ESPIPE);
	OK(close(fd));
	fd = OK(open("/dev/null", O_WRONLY));
	EXPECT_ERR("dev_null", falloc(fd, 0, 0, 10), ENODEV);
	OK(close(fd));
	EXPECT_ERR("bad_fd", falloc(9999, 0, 0, 10), EBADF);

	scratch_leave();
	return done();
}
