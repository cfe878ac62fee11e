/* select and pselect6 (raw, so that the kernel's own timeout handling shows): pipe and file
 * readiness, counts per set, EBADF for a closed fd in a set, bits at or above nfds ignored,
 * timeouts (written back with what is left), EINVAL for negative ones and for nfds < 0,
 * EFAULT, pselect6's signal mask argument. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/select.h>
#include <sys/time.h>
#include <time.h>

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long raw_select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
	return syscall(SYS_select, n, r, w, e, tv);
}

static long raw_pselect(int n, fd_set *r, fd_set *w, fd_set *e, struct timespec *ts,
			const uint64_t *mask, uint64_t masksize)
{
	struct {
		const uint64_t *ss;
		uint64_t len;
	} pack = {mask, masksize};
	return syscall(SYS_pselect6, n, r, w, e, ts, mask || masksize ? &pack : NULL);
}

static int maxfd(int a, int b)
{
	return a > b ? a : b;
}

int main(void)
{
	int p[2];
	fd_set r, w, e;
	struct timeval tv;
	struct timespec ts;
	sigset_t none;
	sigemptyset(&none);
	OK(sigprocmask(SIG_SETMASK, &none, NULL));

	OK(pipe(p));
	int n = maxfd(p[0], p[1]) + 1;

	/* Empty pipe: only the write end is ready. */
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	FD_SET(p[0], &e);
	tv = (struct timeval){0, 0};
	EXPECT_VAL("select_writer_only", raw_select(n, &r, &w, &e, &tv), 1);
	EXPECT_TRUE("reader_not_set", !FD_ISSET(p[0], &r));
	EXPECT_TRUE("writer_set", FD_ISSET(p[1], &w));
	EXPECT_TRUE("except_not_set", !FD_ISSET(p[0], &e));

	/* Data: readable too. The count is per set, not per fd. */
	OK(write(p[1], "x", 1));
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	FD_SET(p[1], &r); /* the write end is never readable */
	EXPECT_VAL("select_both", raw_select(n, &r, &w, NULL, &tv), 2);
	EXPECT_TRUE("reader_set", FD_ISSET(p[0], &r) && !FD_ISSET(p[1], &r));
	EXPECT_TRUE("writer_set_again", FD_ISSET(p[1], &w));
	int f = OK(open("/etc/os-release", O_RDONLY));
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	FD_SET(f, &r);
	FD_SET(f, &w);
	FD_SET(f, &e);
	EXPECT_VAL("file_read_and_write", raw_select(f + 1, &r, &w, &e, NULL), 2);
	EXPECT_TRUE("file_sets", FD_ISSET(f, &r) && FD_ISSET(f, &w) && !FD_ISSET(f, &e));

	/* The glibc wrapper (pselect6 underneath) and raw pselect6. */
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	tv = (struct timeval){0, 0};
	EXPECT_VAL("libc_select", select(n, &r, NULL, NULL, &tv), 1);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	ts = (struct timespec){0, 0};
	EXPECT_VAL("pselect6", raw_pselect(n, &r, NULL, NULL, &ts, NULL, 0), 1);
	EXPECT_TRUE("pselect6_reader_set", FD_ISSET(p[0], &r));

	/* A closed fd in any set: EBADF, whatever else is ready. */
	int closed = OK(dup(p[0]));
	OK(close(closed));
	int cn = maxfd(n, closed + 1);
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(closed, &w);
	EXPECT_ERR("select_closed_fd", raw_select(cn, &r, &w, NULL, &tv), EBADF);
	FD_ZERO(&e);
	FD_SET(closed, &e);
	EXPECT_ERR("select_closed_fd_except", raw_select(cn, NULL, NULL, &e, NULL), EBADF);
	FD_ZERO(&r);
	FD_SET(closed, &r);
	EXPECT_ERR("pselect6_closed_fd", raw_pselect(cn, &r, NULL, NULL, NULL, NULL, 0), EBADF);
	/* Bits at or above nfds are not looked at. */
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	FD_SET(closed, &r);
	CHECK(closed > p[0]); /* dup takes the lowest free fd, and p[0] was that before */
	EXPECT_VAL("bits_above_nfds_ignored", raw_select(p[0] + 1, &r, NULL, NULL, &tv), 1);
	EXPECT_TRUE("bit_above_nfds_cleared", FD_ISSET(p[0], &r) && !FD_ISSET(closed, &r));

	/* Timeouts: nothing ready, the time runs out and what is left (nothing) is written back. */
	char c;
	OK(read(p[0], &c, 1));
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	tv = (struct timeval){0, 20000};
	long long t0 = now_ns();
	EXPECT_VAL("select_timeout", raw_select(n, &r, NULL, NULL, &tv), 0);
	EXPECT_TRUE("select_waited_20ms", now_ns() - t0 >= 20000000LL);
	EXPECT_TRUE("select_sets_cleared", !FD_ISSET(p[0], &r));
	EXPECT_TRUE("select_time_left_zero", tv.tv_sec == 0 && tv.tv_usec == 0);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	ts = (struct timespec){0, 20000000};
	t0 = now_ns();
	EXPECT_VAL("pselect6_timeout", raw_pselect(n, &r, NULL, NULL, &ts, NULL, 0), 0);
	EXPECT_TRUE("pselect6_waited_20ms", now_ns() - t0 >= 20000000LL);
	EXPECT_TRUE("pselect6_time_left_zero", ts.tv_sec == 0 && ts.tv_nsec == 0);
	tv = (struct timeval){0, 10000};
	t0 = now_ns();
	EXPECT_VAL("select_nfds0_sleeps", raw_select(0, NULL, NULL, NULL, &tv), 0);
	EXPECT_TRUE("select_nfds0_waited", now_ns() - t0 >= 10000000LL);

	/* Something ready at once: the time left is less than given, by little. */
	FD_ZERO(&w);
	FD_SET(p[1], &w);
	tv = (struct timeval){5, 0};
	EXPECT_VAL("select_ready_5s", raw_select(n, NULL, &w, NULL, &tv), 1);
	EXPECT_TRUE("updated", tv.tv_sec == 4 || (tv.tv_sec == 5 && tv.tv_usec == 0));
	FD_ZERO(&w);
	FD_SET(p[1], &w);
	ts = (struct timespec){5, 0};
	EXPECT_VAL("pselect6_ready_5s", raw_pselect(n, NULL, &w, NULL, &ts, NULL, 0), 1);
	EXPECT_TRUE("pselect6_updated", ts.tv_sec == 4 || (ts.tv_sec == 5 && ts.tv_nsec == 0));
	/* tv_usec of a second or more is folded into tv_sec. */
	FD_ZERO(&w);
	FD_SET(p[1], &w);
	tv = (struct timeval){0, 1500000};
	EXPECT_VAL("select_usec_over_1s", raw_select(n, NULL, &w, NULL, &tv), 1);
	EXPECT_TRUE("usec_folded", tv.tv_sec == 1 && tv.tv_usec < 1000000);

	/* Invalid arguments. */
	tv = (struct timeval){-1, 0};
	EXPECT_ERR("select_negative_sec", raw_select(n, NULL, &w, NULL, &tv), EINVAL);
	tv = (struct timeval){0, -1};
	EXPECT_ERR("select_negative_usec", raw_select(n, NULL, &w, NULL, &tv), EINVAL);
	ts = (struct timespec){-1, 0};
	EXPECT_ERR("pselect6_negative", raw_pselect(n, NULL, &w, NULL, &ts, NULL, 0), EINVAL);
	ts = (struct timespec){0, 1000000000};
	EXPECT_ERR("pselect6_nsec_too_big", raw_pselect(n, NULL, &w, NULL, &ts, NULL, 0), EINVAL);
	EXPECT_ERR("select_nfds_negative", raw_select(-1, NULL, NULL, NULL, NULL), EINVAL);
	EXPECT_ERR("select_tv_efault", raw_select(n, NULL, &w, NULL, BADPTR), EFAULT);
	EXPECT_ERR("select_set_efault", raw_select(n, BADPTR, NULL, NULL, NULL), EFAULT);
	EXPECT_ERR("pselect6_ts_efault", raw_pselect(n, NULL, &w, NULL, BADPTR, NULL, 0), EFAULT);
	EXPECT_ERR("pselect6_pack_efault", syscall(SYS_pselect6, n, NULL, &w, NULL, NULL, BADPTR),
		   EFAULT);
	uint64_t mask = 0;
	EXPECT_ERR("pselect6_sigsetsize", raw_pselect(n, NULL, &w, NULL, NULL, &mask, 4), EINVAL);
	EXPECT_ERR("pselect6_sigmask_efault",
		   raw_pselect(n, NULL, &w, NULL, NULL, (const uint64_t *)BADPTR, 8), EFAULT);
	EXPECT_VAL("pselect6_size_unused", raw_pselect(n, NULL, &w, NULL, NULL, NULL, 4), 1);
	mask = 1ULL << (SIGUSR1 - 1);
	EXPECT_VAL("pselect6_with_mask", raw_pselect(n, NULL, &w, NULL, NULL, &mask, 8), 1);
	sigset_t cur;
	OK(sigprocmask(SIG_SETMASK, NULL, &cur));
	EXPECT_TRUE("mask_restored", !sigismember(&cur, SIGUSR1));

	/* A closed reader: the writer is "ready" (the write would fail at once), as is a reader
	 * without writers (EOF). */
	int q[2];
	OK(pipe(q));
	OK(close(q[0]));
	FD_ZERO(&w);
	FD_SET(q[1], &w);
	EXPECT_VAL("writer_without_reader", raw_select(q[1] + 1, NULL, &w, NULL, NULL), 1);
	OK(close(q[1]));
	OK(pipe(q));
	OK(close(q[1]));
	FD_ZERO(&r);
	FD_SET(q[0], &r);
	EXPECT_VAL("reader_without_writer", raw_select(q[0] + 1, &r, NULL, NULL, NULL), 1);
	OK(close(q[0]));

	OK(close(f));
	OK(close(p[0]));
	OK(close(p[1]));
	return done();
}
