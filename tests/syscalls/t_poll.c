/* poll and ppoll in one process: pipe readiness (POLLIN, POLLOUT, POLLHUP, POLLERR), POLLNVAL
 * for closed and O_PATH fds, negative fds ignored, regular files and directories always
 * ready, timeouts, the RLIMIT_NOFILE bound on nfds, EFAULT, ppoll's timeout and mask checks. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <time.h>

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* poll on one fd; returns revents (checking that the count agrees). */
static int poll1(int fd, short events, int timeout)
{
	struct pollfd p = {.fd = fd, .events = events, .revents = 0x7fff};
	int n = poll(&p, 1, timeout);
	CHECK(n >= 0);
	CHECK_EQ(n, p.revents != 0);
	CHECK_EQ(p.fd, fd);
	CHECK_EQ(p.events, events);
	return p.revents;
}

int main(void)
{
	int p[2], q[2];
	char c;
	sigset_t none;
	sigemptyset(&none);
	OK(sigprocmask(SIG_SETMASK, &none, NULL));

	EXPECT_VAL("pipe", pipe(p), 0);
	EXPECT_VAL("empty_reader_timeout0", poll1(p[0], POLLIN, 0), 0);
	EXPECT_VAL("empty_reader_rdnorm", poll1(p[0], POLLIN | POLLRDNORM | POLLPRI, 0), 0);
	EXPECT_VAL("writer_pollout", poll1(p[1], POLLOUT, 0), POLLOUT);
	EXPECT_VAL("writer_wrnorm", poll1(p[1], POLLOUT | POLLWRNORM | POLLIN, 0),
		   POLLOUT | POLLWRNORM);
	EXPECT_VAL("writer_nothing_asked", poll1(p[1], 0, 0), 0);

	EXPECT_VAL("write_byte", write(p[1], "x", 1), 1);
	EXPECT_VAL("reader_pollin", poll1(p[0], POLLIN, 0), POLLIN);
	EXPECT_VAL("reader_pollin_rdnorm", poll1(p[0], POLLIN | POLLRDNORM | POLLOUT, 0),
		   POLLIN | POLLRDNORM);
	EXPECT_VAL("reader_pollin_infinite", poll1(p[0], POLLIN, -1), POLLIN);

	/* Several entries: the count is of entries with revents, -1 is skipped. */
	struct pollfd set[4] = {
	    {.fd = p[0], .events = POLLIN},
	    {.fd = -1, .events = POLLIN, .revents = 0x55},
	    {.fd = p[1], .events = POLLOUT},
	    {.fd = p[1], .events = POLLIN},
	};
	EXPECT_VAL("poll_set", poll(set, 4, 0), 2);
	EXPECT_VAL("set_reader", set[0].revents, POLLIN);
	EXPECT_VAL("set_negative_ignored", set[1].revents, 0);
	EXPECT_VAL("set_writer", set[2].revents, POLLOUT);
	EXPECT_VAL("set_writer_pollin", set[3].revents, 0);
	EXPECT_VAL("negative_fd_only", poll(&set[1], 1, 0), 0);

	/* A full pipe is not writable. */
	OK(pipe(q));
	OK(fcntl(q[1], F_SETFL, O_NONBLOCK));
	static char big[65536];
	while (write(q[1], big, sizeof(big)) > 0)
		;
	EXPECT_VAL("full_pipe_not_writable", poll1(q[1], POLLOUT, 0), 0);
	EXPECT_VAL("read_some", read(q[0], big, 4096), 4096);
	EXPECT_VAL("pipe_writable_after_read", poll1(q[1], POLLOUT, 0), POLLOUT);
	OK(close(q[0]));
	OK(close(q[1]));

	/* The last writer gone: POLLHUP, asked for or not; POLLIN only while data is left. */
	EXPECT_VAL("close_writer", close(p[1]), 0);
	EXPECT_VAL("reader_data_and_hup", poll1(p[0], POLLIN, 0), POLLIN | POLLHUP);
	EXPECT_VAL("read_byte", read(p[0], &c, 1), 1);
	EXPECT_VAL("reader_hup", poll1(p[0], POLLIN, 0), POLLHUP);
	EXPECT_VAL("reader_hup_unasked", poll1(p[0], 0, -1), POLLHUP);
	OK(close(p[0]));

	/* The last reader gone: POLLERR for the writer, asked for or not. */
	OK(pipe(p));
	EXPECT_VAL("close_reader", close(p[0]), 0);
	EXPECT_VAL("writer_err", poll1(p[1], POLLOUT, 0), POLLOUT | POLLERR);
	EXPECT_VAL("writer_err_unasked", poll1(p[1], 0, 0), POLLERR);

	/* A closed fd: POLLNVAL, asked for or not. */
	int closed = p[1];
	OK(close(p[1]));
	EXPECT_VAL("closed_fd_nval", poll1(closed, POLLIN, 0), POLLNVAL);
	EXPECT_VAL("closed_fd_nval_unasked", poll1(closed, 0, -1), POLLNVAL);
	EXPECT_VAL("huge_fd_nval", poll1(1 << 29, POLLIN, 0), POLLNVAL);

	/* Files without readiness of their own are always ready both ways. */
	int f = OK(open("/etc/os-release", O_RDONLY));
	EXPECT_VAL("file_in", poll1(f, POLLIN, 0), POLLIN);
	EXPECT_VAL("file_all", poll1(f, POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM | POLLPRI, -1),
		   POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM);
	OK(close(f));
	int d = OK(open("/", O_RDONLY | O_DIRECTORY));
	EXPECT_VAL("dir_in", poll1(d, POLLIN | POLLOUT, 0), POLLIN | POLLOUT);
	OK(close(d));
	/* An O_PATH fd is not a file to poll (Linux's fdget refuses it). */
	int op = OK(open("/etc/os-release", O_PATH));
	EXPECT_VAL("opath_nval", poll1(op, POLLIN, 0), POLLNVAL);
	OK(close(op));

	/* Nothing ready: the timeout runs out. */
	OK(pipe(p));
	long long t0 = now_ns();
	struct pollfd rd = {.fd = p[0], .events = POLLIN};
	EXPECT_VAL("timeout_20ms", poll(&rd, 1, 20), 0);
	EXPECT_TRUE("waited_20ms", now_ns() - t0 >= 20000000LL);
	EXPECT_VAL("timeout_revents", rd.revents, 0);
	t0 = now_ns();
	EXPECT_VAL("nfds0_timeout", poll(NULL, 0, 10), 0);
	EXPECT_TRUE("nfds0_waited", now_ns() - t0 >= 10000000LL);

	/* nfds is bounded by the RLIMIT_NOFILE soft limit, before the array is read. */
	struct rlimit rl;
	OK(getrlimit(RLIMIT_NOFILE, &rl));
	EXPECT_ERR("nfds_over_rlimit", syscall(SYS_poll, &rd, (unsigned long)rl.rlim_cur + 1, 0),
		   EINVAL);
	EXPECT_ERR("nfds_over_rlimit_badptr",
		   syscall(SYS_poll, BADPTR, (unsigned long)rl.rlim_cur + 1, 0), EINVAL);
	EXPECT_ERR("poll_efault", syscall(SYS_poll, BADPTR, 1, 0), EFAULT);
	EXPECT_VAL("poll_nfds0_badptr", syscall(SYS_poll, BADPTR, 0, 0), 0);

	/* ppoll: a timespec timeout, validated; the raw call writes back what is left. */
	struct timespec ts = {0, 0};
	EXPECT_VAL("ppoll_zero", syscall(SYS_ppoll, &rd, 1, &ts, NULL, 8), 0);
	ts = (struct timespec){0, 20000000};
	EXPECT_VAL("ppoll_20ms", syscall(SYS_ppoll, &rd, 1, &ts, NULL, 8), 0);
	EXPECT_TRUE("ppoll_time_left_zero", ts.tv_sec == 0 && ts.tv_nsec == 0);
	OK(write(p[1], "y", 1));
	ts = (struct timespec){5, 0};
	EXPECT_VAL("ppoll_ready", syscall(SYS_ppoll, &rd, 1, &ts, NULL, 8), 1);
	EXPECT_TRUE("ppoll_time_left_updated",
		    ts.tv_sec == 4 || (ts.tv_sec == 5 && ts.tv_nsec == 0));
	ts = (struct timespec){-1, 0};
	EXPECT_ERR("ppoll_negative", syscall(SYS_ppoll, &rd, 1, &ts, NULL, 8), EINVAL);
	ts = (struct timespec){0, 1000000000};
	EXPECT_ERR("ppoll_nsec_too_big", syscall(SYS_ppoll, &rd, 1, &ts, NULL, 8), EINVAL);
	EXPECT_ERR("ppoll_ts_efault", syscall(SYS_ppoll, &rd, 1, BADPTR, NULL, 8), EFAULT);
	uint64_t mask = 0;
	EXPECT_ERR("ppoll_sigsetsize", syscall(SYS_ppoll, &rd, 1, NULL, &mask, 4), EINVAL);
	EXPECT_ERR("ppoll_sigmask_efault", syscall(SYS_ppoll, &rd, 1, NULL, BADPTR, 8), EFAULT);
	EXPECT_VAL("ppoll_sigsetsize_unused", syscall(SYS_ppoll, &rd, 1, NULL, NULL, 4), 1);
	EXPECT_VAL("ppoll_with_mask", syscall(SYS_ppoll, &rd, 1, NULL, &mask, 8), 1);
	/* The mask is the call's only: the old one is back afterwards. */
	sigset_t cur;
	OK(sigprocmask(SIG_SETMASK, NULL, &cur));
	EXPECT_TRUE("mask_restored", !sigismember(&cur, SIGUSR1));
	mask = 1ULL << (SIGUSR1 - 1);
	EXPECT_VAL("ppoll_blocking_mask", syscall(SYS_ppoll, &rd, 1, NULL, &mask, 8), 1);
	OK(sigprocmask(SIG_SETMASK, NULL, &cur));
	EXPECT_TRUE("mask_restored_again", !sigismember(&cur, SIGUSR1));
	OK(close(p[0]));
	OK(close(p[1]));
	return done();
}
