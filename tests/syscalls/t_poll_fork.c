/* poll, ppoll and pselect6 woken from another process: data written by a child, the child's
 * end closed (POLLHUP), a signal with a handler (EINTR), and ppoll/pselect6 signal masks
 * (a signal the call's mask blocks does not interrupt it; one it unblocks does, even when it
 * was pending before the call). */
#define _GNU_SOURCE
#include "check.h"

#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>

static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
	handled++;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* A child that writes one byte to fd after ms milliseconds, then exits. */
static pid_t late_writer(int p[2], long ms)
{
	pid_t pid = xfork();
	if (pid == 0) {
		close(p[0]);
		sleep_ms(ms);
		_exit(write(p[1], "x", 1) == 1 ? 0 : 1);
	}
	return pid;
}

int main(void)
{
	int p[2];
	char c;
	pid_t parent = getpid(), pid;
	sigset_t none, usr1;
	sigemptyset(&none);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	OK(sigprocmask(SIG_SETMASK, &none, NULL));
	signal(SIGCHLD, SIG_DFL);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1; /* no SA_RESTART: poll would not restart anyway */
	OK(sigaction(SIGUSR1, &sa, NULL));

	/* Data from another process wakes an infinite poll. */
	OK(pipe(p));
	pid = late_writer(p, 50);
	struct pollfd rd = {.fd = p[0], .events = POLLIN};
	EXPECT_VAL("poll_infinite_wakes", poll(&rd, 1, -1), 1);
	EXPECT_VAL("poll_revents", rd.revents, POLLIN);
	EXPECT_VAL("read", read(p[0], &c, 1), 1);
	wait_and_print("writer", pid);

	/* The last writer leaving (the child's exit) wakes it with POLLHUP. */
	OK(close(p[1]));
	OK(close(p[0]));
	OK(pipe(p));
	pid = xfork();
	if (pid == 0) {
		close(p[0]);
		sleep_ms(50);
		_exit(0); /* closes p[1], the last writer */
	}
	OK(close(p[1]));
	rd = (struct pollfd){.fd = p[0], .events = POLLIN};
	EXPECT_VAL("poll_hup_wakes", poll(&rd, 1, -1), 1);
	EXPECT_VAL("poll_hup_revents", rd.revents, POLLHUP);
	OK(close(p[0]));
	wait_and_print("closer", pid);

	/* pselect6 with no timeout, woken by data. */
	OK(pipe(p));
	pid = late_writer(p, 50);
	fd_set r;
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	EXPECT_VAL("pselect6_infinite_wakes",
		   syscall(SYS_pselect6, p[0] + 1, &r, NULL, NULL, NULL, NULL), 1);
	EXPECT_TRUE("pselect6_readable", FD_ISSET(p[0], &r));
	OK(read(p[0], &c, 1));
	wait_and_print("writer2", pid);

	/* A signal with a handler ends poll with EINTR. The child signals every 20 ms until it is
	 * killed, so a signal that lands before poll starts only delays the result. */
	pid = xfork();
	if (pid == 0) {
		for (int i = 0; i < 500; i++) {
			sleep_ms(20);
			kill(parent, SIGUSR1);
		}
		_exit(1);
	}
	rd = (struct pollfd){.fd = p[0], .events = POLLIN};
	EXPECT_ERR("poll_eintr", poll(&rd, 1, -1), EINTR);
	EXPECT_TRUE("handler_ran", handled > 0);
	OK(kill(pid, SIGKILL));
	wait_and_print("signaller", pid);

	/* ppoll with a mask blocking SIGUSR1 is not interrupted: it returns for the data that
	 * comes after the signal. SIGUSR1 is blocked around the call too, so where the signal
	 * lands is deterministic; it stays pending until unblocked. */
	OK(sigprocmask(SIG_BLOCK, &usr1, NULL));
	handled = 0;
	pid = xfork();
	if (pid == 0) {
		close(p[0]);
		sleep_ms(30);
		kill(parent, SIGUSR1);
		sleep_ms(30);
		_exit(write(p[1], "x", 1) == 1 ? 0 : 1);
	}
	uint64_t block = 1ULL << (SIGUSR1 - 1), unblock = 0;
	rd = (struct pollfd){.fd = p[0], .events = POLLIN};
	EXPECT_VAL("ppoll_masked_not_interrupted", syscall(SYS_ppoll, &rd, 1, NULL, &block, 8), 1);
	EXPECT_VAL("ppoll_masked_revents", rd.revents, POLLIN);
	EXPECT_VAL("no_handler_yet", handled, 0);
	sigset_t pend;
	OK(sigpending(&pend));
	EXPECT_TRUE("sigusr1_pending", sigismember(&pend, SIGUSR1));
	OK(read(p[0], &c, 1));
	wait_and_print("writer3", pid);

	/* ppoll whose mask unblocks the pending SIGUSR1: EINTR at once, the handler runs, and the
	 * old mask (blocking SIGUSR1) is back afterwards. */
	EXPECT_ERR("ppoll_unmasked_eintr", syscall(SYS_ppoll, &rd, 1, NULL, &unblock, 8), EINTR);
	EXPECT_VAL("handler_ran_once", handled, 1);
	sigset_t cur;
	OK(sigprocmask(SIG_SETMASK, NULL, &cur));
	EXPECT_TRUE("old_mask_back", sigismember(&cur, SIGUSR1));

	/* The same with a signal that comes during the wait, through pselect6. */
	pid = xfork();
	if (pid == 0) {
		sleep_ms(50);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	struct {
		const uint64_t *ss;
		uint64_t len;
	} pack = {&unblock, 8};
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	EXPECT_ERR("pselect6_unmasked_eintr",
		   syscall(SYS_pselect6, p[0] + 1, &r, NULL, NULL, NULL, &pack), EINTR);
	EXPECT_VAL("handler_ran_twice", handled, 2);
	OK(sigprocmask(SIG_SETMASK, NULL, &cur));
	EXPECT_TRUE("old_mask_back_again", sigismember(&cur, SIGUSR1));
	wait_and_print("signaller2", pid);

	OK(sigprocmask(SIG_SETMASK, &none, NULL));
	OK(close(p[0]));
	OK(close(p[1]));
	return done();
}
