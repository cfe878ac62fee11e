/* pipe2 flags, filling a pipe, PIPE_BUF atomicity, O_DIRECT packets, F_GETPIPE_SZ and
 * F_SETPIPE_SZ. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/ioctl.h>

static char big[70000];

/* Writes chunk-sized pieces until EAGAIN; returns the total written. */
static long fill(int fd, size_t chunk)
{
	long total = 0, n;
	while ((n = write(fd, big, chunk)) > 0)
		total += n;
	int e = errno;
	CHECK(n == -1 && e == EAGAIN);
	return total;
}

static long drain(int fd)
{
	char buf[8192];
	long total = 0, n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	int e = errno;
	CHECK(n == -1 && e == EAGAIN);
	return total;
}

int main(void)
{
	int p[2];
	char buf[64];
	memset(big, 'x', sizeof(big));

	/* Flags land where Linux keeps them: O_CLOEXEC on the descriptors, O_NONBLOCK and
	 * O_DIRECT in the open file descriptions. */
	EXPECT_VAL("pipe2_0", pipe2(p, 0), 0);
	EXPECT_VAL("pipe2_0_getfd", fcntl(p[0], F_GETFD) | fcntl(p[1], F_GETFD), 0);
	OK(close(p[0]));
	OK(close(p[1]));
	EXPECT_VAL("pipe2_cloexec", pipe2(p, O_CLOEXEC), 0);
	EXPECT_VAL("cloexec_read_end", fcntl(p[0], F_GETFD), FD_CLOEXEC);
	EXPECT_VAL("cloexec_write_end", fcntl(p[1], F_GETFD), FD_CLOEXEC);
	EXPECT_VAL("cloexec_not_in_getfl", fcntl(p[0], F_GETFL), O_RDONLY);
	OK(close(p[0]));
	OK(close(p[1]));
	EXPECT_VAL("pipe2_nonblock", pipe2(p, O_NONBLOCK), 0);
	EXPECT_VAL("nonblock_read_end", fcntl(p[0], F_GETFL), O_RDONLY | O_NONBLOCK);
	EXPECT_VAL("nonblock_write_end", fcntl(p[1], F_GETFL), O_WRONLY | O_NONBLOCK);
	EXPECT_VAL("nonblock_getfd", fcntl(p[0], F_GETFD), 0);
	EXPECT_ERR("nonblock_read_empty", read(p[0], buf, 1), EAGAIN);

	/* Filling: the default capacity is 64 KiB in 16 pages. */
	EXPECT_VAL("getpipe_sz", fcntl(p[0], F_GETPIPE_SZ), 65536);
	EXPECT_VAL("getpipe_sz_write_end", fcntl(p[1], F_GETPIPE_SZ), 65536);
	EXPECT_VAL("fill_4096", fill(p[1], 4096), 65536);
	int avail = -1;
	OK(ioctl(p[0], FIONREAD, &avail));
	EXPECT_VAL("fionread_full", avail, 65536);
	EXPECT_ERR("full_write_1", write(p[1], "x", 1), EAGAIN);
	/* Making room for 100 bytes does not free a page: still no room for a new write. */
	EXPECT_VAL("read_100", read(p[0], buf, 50) + read(p[0], buf, 50), 100);
	EXPECT_ERR("partly_read_page_still_full", write(p[1], "x", 1), EAGAIN);
	EXPECT_VAL("drain", drain(p[0]), 65436);
	/* Small writes are merged into pages, a write never straddles into a page it does not
	 * fit: 4 writes of 1000 bytes per page. */
	EXPECT_VAL("fill_1000", fill(p[1], 1000), 64000);
	EXPECT_VAL("drain_1000", drain(p[0]), 64000);
	/* A large non-blocking write is partial. */
	EXPECT_VAL("write_70000", write(p[1], big, 70000), 65536);
	EXPECT_VAL("drain_70000", drain(p[0]), 65536);
	/* PIPE_BUF bytes are written whole or not at all. */
	OK(write(p[1], big, 65536 - 100));
	EXPECT_ERR("pipe_buf_atomic", write(p[1], big, PIPE_BUF), EAGAIN);
	EXPECT_VAL("small_still_fits", write(p[1], big, 100), 100);
	EXPECT_VAL("drain_atomic", drain(p[0]), 65536);
	OK(close(p[0]));
	OK(close(p[1]));

	/* O_DIRECT: each write is a packet; a read returns at most one packet and drops what of
	 * it does not fit. */
	EXPECT_VAL("pipe2_direct", pipe2(p, O_DIRECT | O_NONBLOCK), 0);
	EXPECT_VAL("direct_getfl", fcntl(p[1], F_GETFL), O_WRONLY | O_DIRECT | O_NONBLOCK);
	OK(write(p[1], "hello", 5));
	OK(write(p[1], "world!", 6));
	OK(write(p[1], "again", 5));
	EXPECT_VAL("packet_read_whole", read(p[0], buf, sizeof(buf)), 5);
	CHECK(memcmp(buf, "hello", 5) == 0);
	EXPECT_VAL("packet_read_truncated", read(p[0], buf, 3), 3);
	CHECK(memcmp(buf, "wor", 3) == 0);
	EXPECT_VAL("packet_rest_dropped", read(p[0], buf, sizeof(buf)), 5);
	CHECK(memcmp(buf, "again", 5) == 0);
	/* A packet takes a page: 16 one-byte packets fill the pipe. */
	EXPECT_VAL("packets_fill", fill(p[1], 1), 16);
	EXPECT_VAL("packets_drain", drain(p[0]), 16);
	/* Packets larger than a page are split into pages. */
	EXPECT_VAL("packet_5000", write(p[1], big, 5000), 5000);
	EXPECT_VAL("packet_5000_first", read(p[0], big, sizeof(big)), 4096);
	EXPECT_VAL("packet_5000_second", read(p[0], big, sizeof(big)), 904);
	/* Packet mode follows the write end's flag at the time of the write. */
	OK(fcntl(p[1], F_SETFL, O_NONBLOCK));
	OK(write(p[1], "ab", 2));
	OK(write(p[1], "cd", 2));
	EXPECT_VAL("stream_again", read(p[0], buf, sizeof(buf)), 4);
	OK(close(p[0]));
	OK(close(p[1]));

	/* Bad flags. */
	EXPECT_ERR("pipe2_append", pipe2(p, O_APPEND), EINVAL);
	EXPECT_ERR("pipe2_wronly", pipe2(p, O_WRONLY), EINVAL);
	EXPECT_ERR("pipe2_high_bit", syscall(SYS_pipe2, p, 0x40000000), EINVAL);
	EXPECT_ERR("pipe2_badptr", syscall(SYS_pipe2, BADPTR, O_CLOEXEC), EFAULT);
	EXPECT_ERR("pipe2_bad_flags_before_efault", syscall(SYS_pipe2, BADPTR, O_APPEND), EINVAL);

	/* F_SETPIPE_SZ: rounded up to a power-of-two number of pages, at least one. */
	OK(pipe2(p, O_NONBLOCK));
	EXPECT_VAL("setpipe_sz_8192", fcntl(p[0], F_SETPIPE_SZ, 8192), 8192);
	EXPECT_VAL("getpipe_sz_8192", fcntl(p[1], F_GETPIPE_SZ), 8192);
	EXPECT_VAL("fill_8192", fill(p[1], 4096), 8192);
	EXPECT_VAL("drain_8192", drain(p[0]), 8192);
	EXPECT_VAL("setpipe_sz_65536", fcntl(p[1], F_SETPIPE_SZ, 65536), 65536);
	EXPECT_VAL("getpipe_sz_65536", fcntl(p[0], F_GETPIPE_SZ), 65536);
	EXPECT_VAL("setpipe_sz_5000", fcntl(p[0], F_SETPIPE_SZ, 5000), 8192);
	EXPECT_VAL("setpipe_sz_0", fcntl(p[0], F_SETPIPE_SZ, 0), 4096);
	EXPECT_VAL("setpipe_sz_1", fcntl(p[0], F_SETPIPE_SZ, 1), 4096);
	EXPECT_VAL("setpipe_sz_1mib", fcntl(p[0], F_SETPIPE_SZ, 1 << 20), 1 << 20);
	EXPECT_ERR("setpipe_sz_huge", syscall(SYS_fcntl, p[0], F_SETPIPE_SZ, 0x80000001UL), EINVAL);
	/* The argument is an unsigned int: the upper half of the register is ignored. */
	EXPECT_VAL("setpipe_sz_truncated", syscall(SYS_fcntl, p[0], F_SETPIPE_SZ, 0x100002000UL),
		   8192);
	/* Data survives a resize; shrinking below what is buffered is EBUSY. */
	OK(fcntl(p[0], F_SETPIPE_SZ, 65536));
	OK(write(p[1], big, 20000));
	EXPECT_ERR("setpipe_sz_busy", fcntl(p[0], F_SETPIPE_SZ, 8192), EBUSY);
	EXPECT_VAL("setpipe_sz_shrink_fits", fcntl(p[0], F_SETPIPE_SZ, 32768), 32768);
	OK(ioctl(p[0], FIONREAD, &avail));
	EXPECT_VAL("fionread_after_resize", avail, 20000);
	EXPECT_VAL("drain_after_resize", drain(p[0]), 20000);

	/* Not a pipe: EBADF. */
	int fd = OK(open("/etc/os-release", O_RDONLY));
	EXPECT_ERR("getpipe_sz_not_pipe", fcntl(fd, F_GETPIPE_SZ), EBADF);
	EXPECT_ERR("setpipe_sz_not_pipe", fcntl(fd, F_SETPIPE_SZ, 4096), EBADF);
	OK(close(fd));
	OK(close(p[0]));
	OK(close(p[1]));
	return done();
}
