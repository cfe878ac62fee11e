/* timerfd_create, timerfd_settime, timerfd_gettime and reads of the expiration count: argument
 * checks, one-shot and interval timers, TFD_TIMER_ABSTIME (a time in the past expires at
 * once, counting every interval since), the old setting, disarming, blocking and
 * non-blocking reads, poll and epoll readiness (an unread interval timer is one edge, until
 * a read or gettime forwards it). Only coarse facts about time are printed. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>

#define MS 1000000L

static struct itimerspec spec(long value_ns, long interval_ns)
{
	struct itimerspec s = {
	    .it_interval = {interval_ns / 1000000000L, interval_ns % 1000000000L},
	    .it_value = {value_ns / 1000000000L, value_ns % 1000000000L},
	};
	return s;
}

static long long ts_ns(const struct timespec *ts)
{
	return ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

/* Reads the expiration count: the value, or -1 (errno set). */
static long long expirations(int fd)
{
	uint64_t v;
	long n = read(fd, &v, sizeof(v));
	if (n < 0)
		return -1;
	CHECK_EQ(n, 8);
	return (long long)v;
}

static short poll_bits(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT | POLLRDNORM};
	CHECK(poll(&p, 1, 0) >= 0);
	return p.revents;
}

int main(void)
{
	struct itimerspec s, old, cur;
	alarm(20);
	EXPECT_ERR("bad_clock", timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0), EINVAL);
	EXPECT_ERR("bad_clock_raw", timerfd_create(CLOCK_MONOTONIC_RAW, 0), EINVAL);
	EXPECT_ERR("bad_flags", timerfd_create(CLOCK_MONOTONIC, 1), EINVAL);
	int fd = EXPECT_OK("create", timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
	EXPECT_VAL("cloexec", fcntl(fd, F_GETFD), FD_CLOEXEC);
	EXPECT_VAL("flags", fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR | O_NONBLOCK);
	struct stat st;
	OK(fstat(fd, &st));
	printf("fstat_mode: %o\n", st.st_mode);
	/* The tests run as root: CAP_WAKE_ALARM. */
	int alarm_fd = EXPECT_OK("realtime_alarm", timerfd_create(CLOCK_REALTIME_ALARM, 0));
	close(alarm_fd);
	alarm_fd = EXPECT_OK("boottime_alarm", timerfd_create(CLOCK_BOOTTIME_ALARM, 0));
	s = spec(1 * MS, 0);
	EXPECT_OK("alarm_settime", timerfd_settime(alarm_fd, 0, &s, NULL));
	EXPECT_VAL("alarm_expires", expirations(alarm_fd), 1);
	close(alarm_fd);

	/* settime's checks: the copy, then flags and values, then the fd. */
	int p[2];
	OK(pipe(p));
	EXPECT_ERR("set_fault", timerfd_settime(fd, 0, BADPTR, NULL), EFAULT);
	s = spec(0, 0);
	EXPECT_ERR("set_bad_flags", timerfd_settime(fd, 4, &s, NULL), EINVAL);
	s.it_value.tv_nsec = 1000000000L;
	EXPECT_ERR("set_bad_nsec", timerfd_settime(fd, 0, &s, NULL), EINVAL);
	EXPECT_ERR("set_bad_nsec_bad_fd", timerfd_settime(-1, 0, &s, NULL), EINVAL);
	s = spec(0, 0);
	s.it_interval.tv_sec = -1;
	EXPECT_ERR("set_negative_interval", timerfd_settime(fd, 0, &s, NULL), EINVAL);
	s = spec(0, 0);
	EXPECT_ERR("set_bad_fd", timerfd_settime(-1, 0, &s, NULL), EBADF);
	EXPECT_ERR("set_not_timerfd", timerfd_settime(p[0], 0, &s, NULL), EINVAL);
	EXPECT_ERR("get_not_timerfd", timerfd_gettime(p[0], &cur), EINVAL);
	EXPECT_ERR("get_bad_fd", timerfd_gettime(-1, &cur), EBADF);
	EXPECT_ERR("get_fault", timerfd_gettime(fd, BADPTR), EFAULT);
	EXPECT_OK("cancel_on_set_accepted", timerfd_settime(fd, TFD_TIMER_CANCEL_ON_SET, &s, NULL));

	/* Unarmed. */
	OK(timerfd_gettime(fd, &cur));
	EXPECT_TRUE("unarmed_zero", ts_ns(&cur.it_value) == 0 && ts_ns(&cur.it_interval) == 0);
	EXPECT_ERR("read_unarmed", expirations(fd), EAGAIN);
	uint32_t small;
	EXPECT_ERR("read_short", read(fd, &small, sizeof(small)), EINVAL);
	EXPECT_VAL("poll_unarmed", poll_bits(fd), 0);

	/* One-shot (long enough for a loaded machine to look before it expires). */
	s = spec(500 * MS, 0);
	OK(timerfd_settime(fd, 0, &s, NULL));
	OK(timerfd_gettime(fd, &cur));
	EXPECT_TRUE("oneshot_remaining",
		    ts_ns(&cur.it_value) > 0 && ts_ns(&cur.it_value) <= 500 * MS);
	EXPECT_ERR("read_before", expirations(fd), EAGAIN);
	EXPECT_VAL("poll_before", poll_bits(fd), 0);
	struct pollfd wait_it = {.fd = fd, .events = POLLIN};
	EXPECT_VAL("poll_until_expired", poll(&wait_it, 1, 5000), 1);
	EXPECT_VAL("poll_after", poll_bits(fd), POLLIN);
	OK(timerfd_gettime(fd, &cur));
	EXPECT_TRUE("oneshot_expired_zero", ts_ns(&cur.it_value) == 0);
	EXPECT_VAL("read_oneshot", expirations(fd), 1);
	EXPECT_ERR("read_oneshot_again", expirations(fd), EAGAIN);
	EXPECT_VAL("poll_read", poll_bits(fd), 0);

	/* Interval: expirations accumulate until read. */
	s = spec(10 * MS, 10 * MS);
	OK(timerfd_settime(fd, 0, &s, NULL));
	usleep(80000);
	long long n = expirations(fd);
	EXPECT_TRUE("interval_count_at_least_2", n >= 2);
	OK(timerfd_gettime(fd, &cur));
	EXPECT_TRUE("interval_remaining",
		    ts_ns(&cur.it_value) > 0 && ts_ns(&cur.it_value) <= 10 * MS);
	EXPECT_TRUE("interval_kept", ts_ns(&cur.it_interval) == 10 * MS);
	/* The old setting comes back from settime; new settings drop unread expirations. */
	usleep(30000);
	s = spec(10000 * MS, 0);
	OK(timerfd_settime(fd, 0, &s, &old));
	EXPECT_TRUE("old_interval", ts_ns(&old.it_interval) == 10 * MS);
	EXPECT_TRUE("old_value", ts_ns(&old.it_value) > 0 && ts_ns(&old.it_value) <= 10 * MS);
	EXPECT_ERR("unread_dropped", expirations(fd), EAGAIN);
	/* Disarm: a zero value; the interval is kept for gettime, as Linux. */
	s = spec(0, 5 * MS);
	OK(timerfd_settime(fd, 0, &s, &old));
	EXPECT_TRUE("old_far_value", ts_ns(&old.it_value) > 9000 * MS);
	OK(timerfd_gettime(fd, &cur));
	EXPECT_TRUE("disarmed", ts_ns(&cur.it_value) == 0 && ts_ns(&cur.it_interval) == 5 * MS);

	/* Absolute times in the past: expired at once, with every interval since. */
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	s.it_value.tv_sec = now.tv_sec - 1;
	s.it_value.tv_nsec = now.tv_nsec;
	s.it_interval.tv_sec = 0;
	s.it_interval.tv_nsec = 1 * MS;
	OK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &s, NULL));
	EXPECT_TRUE("abs_past_count", expirations(fd) >= 1000);
	/* CLOCK_REALTIME, absolute, a little ahead: a blocking read waits for it. */
	int rt = OK(timerfd_create(CLOCK_REALTIME, 0));
	clock_gettime(CLOCK_REALTIME, &now);
	s = spec(0, 0);
	s.it_value.tv_sec = now.tv_sec + (now.tv_nsec + 40 * MS) / 1000000000L;
	s.it_value.tv_nsec = (now.tv_nsec + 40 * MS) % 1000000000L;
	EXPECT_OK("realtime_abs_cancel_on_set",
		  timerfd_settime(rt, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &s, NULL));
	EXPECT_VAL("blocking_read", expirations(rt), 1);
	struct timespec after;
	clock_gettime(CLOCK_REALTIME, &after);
	EXPECT_TRUE("not_early", ts_ns(&after) >= ts_ns(&s.it_value));
	close(rt);

	/* Readiness wakes poll and epoll, edge-triggered once per expiration. */
	int bt = OK(timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK));
	s = spec(30 * MS, 0);
	OK(timerfd_settime(bt, 0, &s, NULL));
	struct pollfd pf = {.fd = bt, .events = POLLIN};
	EXPECT_VAL("poll_waits", poll(&pf, 1, 5000), 1);
	EXPECT_VAL("poll_waits_bits", pf.revents, POLLIN);
	EXPECT_VAL("read_after_poll", expirations(bt), 1);
	int ep = OK(epoll_create1(0));
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u64 = 3}, out[2];
	OK(epoll_ctl(ep, EPOLL_CTL_ADD, bt, &ev));
	EXPECT_VAL("epoll_idle", epoll_wait(ep, out, 2, 0), 0);
	s = spec(20 * MS, 20 * MS);
	OK(timerfd_settime(bt, 0, &s, NULL));
	EXPECT_VAL("epoll_waits", epoll_wait(ep, out, 2, 5000), 1);
	EXPECT_VAL("epoll_bits", out[0].events, EPOLLIN);
	EXPECT_VAL("epoll_data", out[0].data.u64, 3);
	/* Unread, an interval timer is not re-armed (Linux's timer callback does not restart
	 * itself): no more edges, though expirations still count. */
	EXPECT_VAL("epoll_no_edge_while_unread", epoll_wait(ep, out, 2, 70), 0);
	EXPECT_TRUE("count_unread", expirations(bt) >= 3);
	/* A read forwards it: the next expiration is an edge again; so does gettime. */
	EXPECT_VAL("epoll_edge_after_read", epoll_wait(ep, out, 2, 5000), 1);
	EXPECT_VAL("epoll_no_edge_again", epoll_wait(ep, out, 2, 50), 0);
	OK(timerfd_gettime(bt, &cur));
	EXPECT_VAL("epoll_edge_after_gettime", epoll_wait(ep, out, 2, 5000), 1);
	EXPECT_TRUE("count_kept_by_gettime", expirations(bt) >= 3);
	s = spec(0, 0);
	OK(timerfd_settime(bt, 0, &s, NULL));
	close(ep);
	close(bt);
	close(fd);
	close(p[0]);
	close(p[1]);
	return done();
}
