/* eventfd and eventfd2: flags, 8-byte reads and writes (EINVAL below), counter and
 * semaphore modes, EAGAIN and blocking on both sides, the ceiling at 0xfffffffffffffffe,
 * poll bits, edge-triggered epoll (a write of 0 is an event too), the anonymous inode. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>

static short poll_bits(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM};
	CHECK(poll(&p, 1, 0) >= 0);
	return p.revents;
}

static long put(int fd, uint64_t v)
{
	return write(fd, &v, sizeof(v));
}

/* Reads the counter: the value, or -1 (errno set). */
static long long take(int fd)
{
	uint64_t v;
	long n = read(fd, &v, sizeof(v));
	if (n < 0)
		return -1;
	CHECK_EQ(n, 8);
	return (long long)v;
}

int main(void)
{
	uint64_t v;
	EXPECT_ERR("bad_flags", syscall(SYS_eventfd2, 0, 0x10), EINVAL);
	int fd = EXPECT_OK("eventfd2", syscall(SYS_eventfd2, 5, EFD_NONBLOCK | EFD_CLOEXEC));
	EXPECT_VAL("cloexec", fcntl(fd, F_GETFD), FD_CLOEXEC);
	EXPECT_VAL("flags", fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR | O_NONBLOCK);
	struct stat st;
	OK(fstat(fd, &st));
	printf("fstat_mode: %o\n", st.st_mode);
	EXPECT_VAL("lseek_noop", lseek(fd, 5, SEEK_SET), 0);

	EXPECT_ERR("read_short", read(fd, &v, 7), EINVAL);
	EXPECT_ERR("write_short", write(fd, &v, 4), EINVAL);
	EXPECT_VAL("poll_nonzero", poll_bits(fd), POLLIN | POLLOUT);
	EXPECT_VAL("read_initval", take(fd), 5);
	EXPECT_VAL("poll_zero", poll_bits(fd), POLLOUT);
	EXPECT_ERR("read_empty", take(fd), EAGAIN);
	EXPECT_VAL("write_3", put(fd, 3), 8);
	EXPECT_VAL("write_4", put(fd, 4), 8);
	char big[16] = {1};
	EXPECT_ERR("write_long_buffer", write(fd, big, sizeof(big)), EINVAL);
	EXPECT_VAL("read_sum", take(fd), 7);
	uint64_t two[2];
	OK(put(fd, 9));
	EXPECT_VAL("read_long_buffer", read(fd, two, sizeof(two)), 8);
	EXPECT_VAL("read_long_value", two[0], 9);
	/* A read whose copy-out faults has taken the count all the same. */
	OK(put(fd, 2));
	EXPECT_ERR("read_fault", syscall(SYS_read, fd, BADPTR, 8), EFAULT);
	EXPECT_ERR("read_fault_consumed", take(fd), EAGAIN);

	/* The ceiling. */
	EXPECT_ERR("write_max", put(fd, UINT64_MAX), EINVAL);
	EXPECT_VAL("write_max_minus_1", put(fd, UINT64_MAX - 1), 8);
	EXPECT_VAL("poll_full", poll_bits(fd), POLLIN);
	EXPECT_ERR("write_past_ceiling", put(fd, 1), EAGAIN);
	EXPECT_VAL("write_zero_at_ceiling", put(fd, 0), 8);
	EXPECT_TRUE("read_ceiling", (uint64_t)take(fd) == UINT64_MAX - 1);
	OK(put(fd, 10));
	EXPECT_ERR("write_overflow", put(fd, UINT64_MAX - 10), EAGAIN);
	EXPECT_VAL("write_fits", put(fd, UINT64_MAX - 11), 8);
	EXPECT_TRUE("read_fits", (uint64_t)take(fd) == UINT64_MAX - 1);
	close(fd);

	/* Semaphore mode: one at a time. */
	fd = OK(syscall(SYS_eventfd2, 3, EFD_SEMAPHORE | EFD_NONBLOCK));
	EXPECT_VAL("sem_1", take(fd), 1);
	EXPECT_VAL("sem_2", take(fd), 1);
	EXPECT_VAL("sem_3", take(fd), 1);
	EXPECT_ERR("sem_empty", take(fd), EAGAIN);
	close(fd);

	/* The old call: no flags, blocking. */
	fd = EXPECT_OK("eventfd", syscall(SYS_eventfd, 0));
	EXPECT_VAL("old_no_cloexec", fcntl(fd, F_GETFD), 0);
	EXPECT_VAL("old_blocking", fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	/* A blocked reader is woken by another process's write. */
	alarm(10);
	pid_t pid = xfork();
	if (pid == 0) {
		usleep(50000);
		_exit(put(fd, 42) == 8 ? 0 : 1);
	}
	EXPECT_VAL("blocking_read", take(fd), 42);
	wait_and_print("writer", pid);
	/* A blocked writer is woken by another process's read. */
	OK(put(fd, UINT64_MAX - 1));
	pid = xfork();
	if (pid == 0) {
		usleep(50000);
		_exit(take(fd) == (long long)(UINT64_MAX - 1) ? 0 : 1);
	}
	EXPECT_VAL("blocking_write", put(fd, 7), 8);
	wait_and_print("reader", pid);
	EXPECT_VAL("after_blocking_write", take(fd), 7);
	alarm(0);

	/* Edge-triggered epoll: every write is an event, even of 0; reads are events only
	 * for the writers' side. */
	int ep = OK(epoll_create1(0));
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u64 = 1}, out[2];
	OK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	EXPECT_VAL("et_idle", epoll_wait(ep, out, 2, 0), 0);
	OK(put(fd, 1));
	EXPECT_VAL("et_write", epoll_wait(ep, out, 2, 0), 1);
	EXPECT_VAL("et_write_bits", out[0].events, EPOLLIN);
	EXPECT_VAL("et_once", epoll_wait(ep, out, 2, 0), 0);
	OK(put(fd, 0));
	EXPECT_VAL("et_write_zero", epoll_wait(ep, out, 2, 0), 1);
	EXPECT_VAL("et_read_no_event", (take(fd), epoll_wait(ep, out, 2, 0)), 0);
	ev.events = EPOLLOUT | EPOLLET;
	OK(epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev));
	EXPECT_VAL("et_out_mod", epoll_wait(ep, out, 2, 0), 1);
	OK(put(fd, 1));
	EXPECT_VAL("et_out_write_no_event", epoll_wait(ep, out, 2, 0), 0);
	OK(take(fd));
	EXPECT_VAL("et_out_after_read", epoll_wait(ep, out, 2, 0), 1);
	close(ep);
	close(fd);
	return done();
}
