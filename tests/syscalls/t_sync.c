/* fsync, fdatasync, sync, syncfs, sync_file_range: they succeed on files and directories and
 * refuse what Linux refuses (bad and O_PATH descriptors, pipes, bad flags and ranges). */
#define _GNU_SOURCE
#include "scratch.h"

#include <stdint.h>

static long sfr(int fd, off_t off, off_t n, unsigned flags)
{
	return syscall(SYS_sync_file_range, fd, off, n, flags);
}

int main(void)
{
	scratch_enter("sync");
	const unsigned all =
	    SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;

	int fd = OK(open("f", O_RDWR | O_CREAT, 0644));
	CHECK_EQ(write(fd, "data", 4), 4);
	EXPECT_OK("fsync_file", fsync(fd));
	EXPECT_OK("fdatasync_file", fdatasync(fd));
	EXPECT_OK("syncfs_file", syscall(SYS_syncfs, fd));
	EXPECT_OK("sync_file_range_all", sfr(fd, 0, 0, all));
	EXPECT_OK("sync_file_range_write", sfr(fd, 0, 4, SYNC_FILE_RANGE_WRITE));
	EXPECT_OK("sync_file_range_no_flags", sfr(fd, 0, 4, 0));
	EXPECT_OK("sync_file_range_past_end", sfr(fd, 1000000, 10, all));
	EXPECT_ERR("sync_file_range_bad_flag", sfr(fd, 0, 4, 0x8), EINVAL);
	EXPECT_ERR("sync_file_range_negative_offset", sfr(fd, -1, 4, all), EINVAL);
	EXPECT_ERR("sync_file_range_negative_len", sfr(fd, 0, -1, all), EINVAL);
	EXPECT_ERR("sync_file_range_overflow", sfr(fd, INT64_MAX, 10, all), EINVAL);
	OK(close(fd));

	/* Read-only descriptors may be synced too. */
	fd = OK(open("f", O_RDONLY));
	EXPECT_OK("fsync_read_only", fsync(fd));
	EXPECT_OK("fdatasync_read_only", fdatasync(fd));
	EXPECT_OK("sync_file_range_read_only", sfr(fd, 0, 0, all));
	OK(close(fd));

	OK(mkdir("d", 0755));
	fd = OK(open("d", O_RDONLY | O_DIRECTORY));
	EXPECT_OK("fsync_dir", fsync(fd));
	EXPECT_OK("fdatasync_dir", fdatasync(fd));
	EXPECT_OK("syncfs_dir", syscall(SYS_syncfs, fd));
	EXPECT_OK("sync_file_range_dir", sfr(fd, 0, 0, all));
	OK(close(fd));

	/* O_PATH descriptors are refused by all of them. */
	fd = OK(open("f", O_PATH));
	EXPECT_ERR("fsync_o_path", fsync(fd), EBADF);
	EXPECT_ERR("fdatasync_o_path", fdatasync(fd), EBADF);
	EXPECT_ERR("syncfs_o_path", syscall(SYS_syncfs, fd), EBADF);
	EXPECT_ERR("sync_file_range_o_path", sfr(fd, 0, 0, all), EBADF);
	OK(close(fd));

	/* Pipes and FIFOs. */
	int p[2];
	OK(pipe(p));
	EXPECT_ERR("fsync_pipe", fsync(p[1]), EINVAL);
	EXPECT_ERR("fdatasync_pipe", fdatasync(p[0]), EINVAL);
	EXPECT_OK("syncfs_pipe", syscall(SYS_syncfs, p[0]));
	EXPECT_ERR("sync_file_range_pipe", sfr(p[1], 0, 0, all), ESPIPE);
	OK(close(p[0]));
	OK(close(p[1]));
	OK(mkfifo("fifo", 0644));
	fd = OK(open("fifo", O_RDWR));
	EXPECT_ERR("fsync_fifo", fsync(fd), EINVAL);
	EXPECT_ERR("sync_file_range_fifo", sfr(fd, 0, 0, all), ESPIPE);
	OK(close(fd));

	/* A character device without an fsync of its own. */
	fd = OK(open("/dev/null", O_WRONLY));
	EXPECT_ERR("fsync_dev_null", fsync(fd), EINVAL);
	EXPECT_ERR("fdatasync_dev_null", fdatasync(fd), EINVAL);
	EXPECT_ERR("sync_file_range_dev_null", sfr(fd, 0, 0, all), ESPIPE);
	OK(close(fd));

	/* Bad descriptors: EBADF comes before the flags are looked at. */
	EXPECT_ERR("fsync_bad_fd", fsync(9999), EBADF);
	EXPECT_ERR("fdatasync_bad_fd", fdatasync(-1), EBADF);
	EXPECT_ERR("syncfs_bad_fd", syscall(SYS_syncfs, 9999), EBADF);
	EXPECT_ERR("sync_file_range_bad_fd", sfr(9999, 0, 0, all), EBADF);
	EXPECT_ERR("sync_file_range_bad_fd_bad_flags", sfr(9999, 0, 0, 0x8), EBADF);

	/* sync() has no result to speak of: it returns 0 as a raw syscall. */
	sync();
	EXPECT_VAL("sync_raw", syscall(SYS_sync), 0);

	/* The data is still there. */
	char buf[8];
	fd = OK(open("f", O_RDONLY));
	EXPECT_VAL("read_back", read(fd, buf, sizeof(buf)), 4);
	OK(close(fd));

	scratch_leave();
	return done();
}
