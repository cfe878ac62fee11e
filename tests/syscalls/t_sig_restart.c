/* Interrupted system calls: a handled signal makes a blocked read or wait4 fail with EINTR
 * unless the handler has SA_RESTART, in which case the call goes on; nanosleep and
 * clock_nanosleep are interrupted either way and report the time left. Children print their
 * own lines while the parent waits for them. */
#define _GNU_SOURCE
#include "check.h"

#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

static volatile sig_atomic_t handled;

static void handler(int sig)
{
	handled++;
}

static void set(int sig, int flags)
{
	struct sigaction sa = {.sa_handler = handler, .sa_flags = flags};
	sigemptyset(&sa.sa_mask);
	OK(sigaction(sig, &sa, NULL));
	handled = 0;
}

static void timer_ms(int ms)
{
	struct itimerval it = {{0, 0}, {0, ms * 1000}};
	OK(setitimer(ITIMER_REAL, &it, NULL));
}

static void sleep_ms(int ms)
{
	struct timespec t = {0, ms * 1000000L};
	while (nanosleep(&t, &t) == -1 && errno == EINTR)
		;
}

/* A child that blocks in read on a pipe and reports what read returned; the parent sends
 * SIGUSR1 once the child is blocked, then (if data) writes "data". */
static void read_case(const char *label, int flags, int data)
{
	int p[2], ready[2], st;
	char buf[16], c;
	OK(pipe(p));
	OK(pipe(ready));
	fflush(stdout);
	pid_t pid = OK(fork());
	if (pid == 0) {
		set(SIGUSR1, flags);
		close(p[1]);
		write(ready[1], "r", 1);
		errno = 0;
		ssize_t r = read(p[0], buf, sizeof(buf));
		if (r < 0)
			printf("%s: read -1 %s", label, errname(errno));
		else
			printf("%s: read %zd '%.*s'", label, r, (int)r, buf);
		printf(", handler ran %d\n", (int)handled);
		fflush(stdout);
		_exit(0);
	}
	OK(close(p[0]));
	CHECK_EQ(read(ready[0], &c, 1), 1);
	sleep_ms(50); /* the child is now blocked in read */
	OK(kill(pid, SIGUSR1));
	if (data) {
		sleep_ms(50);
		OK(write(p[1], "data", 4));
	}
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	OK(close(p[1]));
	OK(close(ready[0]));
	OK(close(ready[1]));
}

int main(void)
{
	int st, p[2];
	sigset_t none;
	sigemptyset(&none);
	OK(sigprocmask(SIG_SETMASK, &none, NULL));

	read_case("read_without_sa_restart", 0, 0);
	read_case("read_with_sa_restart", SA_RESTART, 1);

	/* nanosleep: EINTR with the remaining time, with or without SA_RESTART. */
	struct timespec req = {1, 0}, rem = {0, 0};
	set(SIGALRM, 0);
	timer_ms(50);
	EXPECT_ERR("nanosleep_interrupted", nanosleep(&req, &rem), EINTR);
	EXPECT_TRUE("nanosleep_rem_left", rem.tv_sec == 0 && rem.tv_nsec > 0 && handled == 1);
	set(SIGALRM, SA_RESTART);
	timer_ms(30);
	EXPECT_ERR("nanosleep_sa_restart_still_eintr", nanosleep(&req, &rem), EINTR);
	timer_ms(30);
	int rc = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &rem); /* returns the error */
	printf("clock_nanosleep_interrupted: %s\n", errname(rc));
	CHECK_EQ(rc, EINTR);
	EXPECT_TRUE("clock_nanosleep_rem_left", rem.tv_sec == 0 && rem.tv_nsec > 0 && handled == 2);
	timer_ms(30);
	struct timespec until;
	OK(clock_gettime(CLOCK_MONOTONIC, &until));
	until.tv_sec += 1;
	rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
	printf("clock_nanosleep_abstime_interrupted: %s\n", errname(rc));
	CHECK_EQ(rc, EINTR);

	/* wait4 without SA_RESTART: EINTR while the child still runs. */
	OK(pipe(p));
	fflush(stdout);
	pid_t pid = OK(fork());
	if (pid == 0) {
		char c;
		close(p[1]);
		read(p[0], &c, 1);
		_exit(5);
	}
	OK(close(p[0]));
	set(SIGALRM, 0);
	timer_ms(30);
	EXPECT_ERR("wait4_interrupted", wait4(pid, &st, 0, NULL), EINTR);
	EXPECT_VAL("wait4_handler_ran", handled, 1);
	OK(close(p[1]));
	CHECK_EQ(wait4(pid, &st, 0, NULL), pid);
	EXPECT_VAL("wait4_then_status", WEXITSTATUS(st), 5);

	/* wait4 with SA_RESTART: the alarm comes and goes, wait4 returns when the child exits. */
	fflush(stdout);
	pid = OK(fork());
	if (pid == 0) {
		sleep_ms(150);
		_exit(6);
	}
	set(SIGALRM, SA_RESTART);
	timer_ms(30);
	EXPECT_TRUE("wait4_restarted", wait4(pid, &st, 0, NULL) == pid && WEXITSTATUS(st) == 6);
	EXPECT_VAL("wait4_restart_handler_ran", handled, 1);

	/* read in this process, interrupted by its own timer. */
	OK(pipe(p));
	set(SIGALRM, 0);
	timer_ms(30);
	char c;
	EXPECT_ERR("own_read_interrupted", read(p[0], &c, 1), EINTR);
	OK(close(p[0]));
	OK(close(p[1]));
	return done();
}
