/* epoll_pwait and epoll_pwait2: the signal mask for the duration of the call (a signal it
 * unblocks interrupts the wait with EINTR, and the old mask is back afterwards), their
 * argument checks in Linux's order, epoll_pwait2's timespec timeout; and epoll_wait is never
 * restarted after a handler, even with SA_RESTART. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/time.h>
#include <time.h>

static volatile sig_atomic_t handled;

static void on_signal(int sig)
{
	handled = sig;
}

static long pwait(int ep, struct epoll_event *ev, int max, int timeout, const void *mask,
		  size_t size)
{
	return syscall(SYS_epoll_pwait, ep, ev, max, timeout, mask, size);
}

static long pwait2(int ep, struct epoll_event *ev, int max, const void *ts, const void *mask,
		   size_t size)
{
	return syscall(SYS_epoll_pwait2, ep, ev, max, ts, mask, size);
}

static bool blocked(int sig)
{
	sigset_t cur;
	OK(sigprocmask(SIG_BLOCK, NULL, &cur));
	return sigismember(&cur, sig);
}

int main(void)
{
	int p[2], ep = OK(epoll_create1(0));
	struct epoll_event out[2], ev = {.events = EPOLLIN, .data.u64 = 7};
	uint64_t none = 0, usr1 = 1ULL << (SIGUSR1 - 1);
	OK(pipe(p));
	OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));

	/* Checks: the mask before the wait's own, the timeout before everything. */
	EXPECT_ERR("pwait_bad_size", pwait(ep, out, 1, 0, &none, 4), EINVAL);
	EXPECT_ERR("pwait_bad_size_bad_fd", pwait(-1, out, 1, 0, &none, 4), EINVAL);
	EXPECT_ERR("pwait_bad_mask", pwait(ep, out, 1, 0, BADPTR, 8), EFAULT);
	EXPECT_ERR("pwait_bad_mask_max0", pwait(ep, out, 0, 0, BADPTR, 8), EFAULT);
	EXPECT_VAL("pwait_null_mask_any_size", pwait(ep, out, 1, 0, NULL, 4), 0);
	EXPECT_ERR("pwait_max0", pwait(ep, out, 0, 0, &none, 8), EINVAL);
	EXPECT_ERR("pwait_bad_fd", pwait(-1, out, 1, 0, &none, 8), EBADF);
	struct timespec bad_ns = {0, 1000000000}, neg = {-1, 0}, zero = {0, 0},
			short_ts = {0, 20000000};
	EXPECT_ERR("pwait2_bad_nsec", pwait2(ep, out, 1, &bad_ns, NULL, 8), EINVAL);
	EXPECT_ERR("pwait2_negative", pwait2(ep, out, 1, &neg, NULL, 8), EINVAL);
	EXPECT_ERR("pwait2_bad_ts_bad_fd", pwait2(-1, out, 1, &bad_ns, NULL, 8), EINVAL);
	EXPECT_ERR("pwait2_fault_ts", pwait2(-1, out, 1, BADPTR, NULL, 8), EFAULT);
	EXPECT_ERR("pwait2_bad_size", pwait2(ep, out, 1, &zero, &none, 4), EINVAL);
	EXPECT_VAL("pwait2_zero", pwait2(ep, out, 1, &zero, NULL, 8), 0);
	EXPECT_VAL("pwait2_20ms", pwait2(ep, out, 1, &short_ts, &none, 8), 0);
	OK(write(p[1], "x", 1));
	EXPECT_VAL("pwait2_no_timeout_ready", pwait2(ep, out, 2, NULL, &none, 8), 1);
	EXPECT_VAL("pwait2_data", out[0].data.u64, 7);
	EXPECT_VAL("pwait_ready", pwait(ep, out, 2, -1, &usr1, 8), 1);
	char c;
	OK(read(p[0], &c, 1));

	/* A blocked pending signal that the call's mask unblocks: EINTR, the handler runs, and
	 * the old mask (SIGUSR1 blocked) is back. */
	struct sigaction sa = {.sa_handler = on_signal};
	OK(sigaction(SIGUSR1, &sa, NULL));
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	OK(sigprocmask(SIG_BLOCK, &set, NULL));
	OK(kill(getpid(), SIGUSR1));
	EXPECT_VAL("still_pending", handled, 0);
	EXPECT_ERR("pwait_unblocks", pwait(ep, out, 2, 5000, &none, 8), EINTR);
	EXPECT_VAL("handled", handled, SIGUSR1);
	EXPECT_TRUE("mask_restored", blocked(SIGUSR1));
	handled = 0;
	OK(kill(getpid(), SIGUSR1));
	EXPECT_ERR("pwait2_unblocks", pwait2(ep, out, 2, NULL, &none, 8), EINTR);
	EXPECT_VAL("handled2", handled, SIGUSR1);
	EXPECT_TRUE("mask_restored2", blocked(SIGUSR1));
	/* A mask that keeps it blocked: the wait just times out. */
	handled = 0;
	OK(kill(getpid(), SIGUSR1));
	EXPECT_VAL("pwait_keeps_blocked", pwait(ep, out, 2, 20, &usr1, 8), 0);
	EXPECT_VAL("not_handled", handled, 0);
	/* A ready item wins over the pending signal; the mask is then restored at once. */
	OK(write(p[1], "y", 1));
	EXPECT_VAL("ready_beats_signal", pwait(ep, out, 2, -1, &none, 8), 1);
	EXPECT_TRUE("mask_restored3", blocked(SIGUSR1));
	OK(read(p[0], &c, 1));
	/* The pending one is delivered when we unblock it. */
	OK(sigprocmask(SIG_UNBLOCK, &set, NULL));
	EXPECT_VAL("delivered_on_unblock", handled, SIGUSR1);

	/* epoll_wait interrupted by a handler with SA_RESTART: EINTR all the same. The timer
	 * repeats, so a loaded machine that reaches the wait late still gets interrupted. */
	handled = 0;
	struct sigaction alrm = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
	OK(sigaction(SIGALRM, &alrm, NULL));
	struct itimerval it = {.it_interval = {0, 50000}, .it_value = {0, 50000}}, off = {0};
	OK(setitimer(ITIMER_REAL, &it, NULL));
	EXPECT_ERR("wait_not_restarted", epoll_wait(ep, out, 2, -1), EINTR);
	EXPECT_VAL("alarm_handled", handled, SIGALRM);
	handled = 0;
	EXPECT_ERR("pwait_not_restarted", pwait(ep, out, 2, 10000, NULL, 8), EINTR);
	EXPECT_VAL("alarm_handled2", handled, SIGALRM);
	OK(setitimer(ITIMER_REAL, &off, NULL));
	close(p[0]);
	close(p[1]);
	close(ep);
	return done();
}
