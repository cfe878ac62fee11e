/* Waiting for signals: sigpending, sigsuspend, sigtimedwait/sigwaitinfo (info, queued
 * real-time signals, coalesced standard ones, SIGCHLD, timeout, interruption), pause, alarm,
 * setitimer/getitimer (one-shot and periodic). No wait here is longer than about 50 ms. */
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

static void set(int sig)
{
	struct sigaction sa = {.sa_handler = handler};
	sigemptyset(&sa.sa_mask);
	OK(sigaction(sig, &sa, NULL));
	handled = 0;
}

static void timer_ms(int ms, int interval_ms)
{
	struct itimerval it = {{0, interval_ms * 1000}, {0, ms * 1000}};
	OK(setitimer(ITIMER_REAL, &it, NULL));
}

static const char *code_name(int c)
{
	return c == SI_USER	 ? "SI_USER"
	       : c == SI_TKILL	 ? "SI_TKILL"
	       : c == CLD_EXITED ? "CLD_EXITED"
				 : "other";
}

int main(void)
{
	sigset_t none, usr1, usr2, both, set_, old;
	siginfo_t si;
	struct timespec zero = {0, 0}, ten_ms = {0, 10000000}, one_s = {1, 0}, two_s = {2, 0};
	sigemptyset(&none);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigemptyset(&both);
	sigaddset(&both, SIGUSR1);
	sigaddset(&both, SIGUSR2);
	OK(sigprocmask(SIG_SETMASK, &none, NULL));
	alarm(0);

	/* sigpending shows a blocked signal; sigsuspend lets it in and restores the mask. */
	set(SIGUSR1);
	OK(sigprocmask(SIG_BLOCK, &usr1, NULL));
	OK(kill(getpid(), SIGUSR1));
	OK(sigpending(&set_));
	EXPECT_TRUE("pending_usr1_only",
		    sigismember(&set_, SIGUSR1) && !sigismember(&set_, SIGUSR2));
	EXPECT_VAL("handler_not_yet_run", handled, 0);
	EXPECT_ERR("sigsuspend_pending", sigsuspend(&none), EINTR);
	EXPECT_VAL("handler_ran_in_sigsuspend", handled, 1);
	OK(sigprocmask(SIG_BLOCK, NULL, &old));
	OK(sigpending(&set_));
	EXPECT_TRUE("mask_restored_nothing_pending",
		    sigismember(&old, SIGUSR1) && !sigismember(&set_, SIGUSR1));
	/* A real wait: a child sends the signal 20 ms later (blocked until sigsuspend: no race). */
	fflush(stdout);
	pid_t pid = OK(fork());
	if (pid == 0) {
		struct timespec t = {0, 20000000};
		nanosleep(&t, NULL);
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	EXPECT_ERR("sigsuspend_waits", sigsuspend(&none), EINTR);
	EXPECT_VAL("sigsuspend_waits_handler", handled, 2);
	CHECK_EQ(waitpid(pid, NULL, 0), pid);

	/* sigtimedwait takes a pending blocked signal, with its info. */
	OK(sigprocmask(SIG_BLOCK, &both, NULL));
	OK(kill(getpid(), SIGUSR2));
	memset(&si, 0, sizeof(si));
	EXPECT_VAL("sigtimedwait_pending", sigtimedwait(&usr2, &si, &zero), SIGUSR2);
	printf("si_signo: %s si_code: %s\n", sigabbrev_np(si.si_signo), code_name(si.si_code));
	EXPECT_TRUE("si_pid_is_self", si.si_pid == getpid());
	EXPECT_ERR("sigtimedwait_nothing_10ms", sigtimedwait(&usr2, &si, &ten_ms), EAGAIN);
	EXPECT_ERR("sigtimedwait_nothing_zero", sigtimedwait(&usr2, &si, &zero), EAGAIN);
	EXPECT_ERR("sigtimedwait_bad_setsize", syscall(SYS_rt_sigtimedwait, &usr2, &si, &zero, 4),
		   EINVAL);
	/* Standard signals coalesce, real-time ones queue; the lowest number comes first. */
	for (int i = 0; i < 3; i++) {
		OK(kill(getpid(), SIGUSR2));
		OK(kill(getpid(), SIGUSR1));
	}
	EXPECT_VAL("lowest_first", sigtimedwait(&both, &si, &zero), SIGUSR1);
	EXPECT_VAL("then_usr2", sigtimedwait(&both, &si, &zero), SIGUSR2);
	EXPECT_ERR("standard_coalesced", sigtimedwait(&both, &si, &zero), EAGAIN);
	sigset_t rt;
	sigemptyset(&rt);
	sigaddset(&rt, SIGRTMIN + 1);
	OK(sigprocmask(SIG_BLOCK, &rt, NULL));
	for (int i = 0; i < 3; i++)
		OK(kill(getpid(), SIGRTMIN + 1));
	int n = 0;
	while (sigtimedwait(&rt, &si, &zero) == SIGRTMIN + 1)
		n++;
	EXPECT_VAL("realtime_queued", n, 3);

	/* sigwaitinfo (no timeout) takes a pending signal. */
	OK(kill(getpid(), SIGUSR2));
	EXPECT_VAL("sigwaitinfo_pending", sigwaitinfo(&usr2, &si), SIGUSR2);

	/* A signal from a child, and SIGCHLD when it exits (2 s timeouts: fail rather than hang).
	 */
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	OK(sigprocmask(SIG_BLOCK, &chld, NULL));
	fflush(stdout);
	if ((pid = OK(fork())) == 0) {
		kill(getppid(), SIGUSR2);
		_exit(3);
	}
	EXPECT_VAL("sigtimedwait_from_child", sigtimedwait(&usr2, &si, &two_s), SIGUSR2);
	EXPECT_TRUE("from_child_si_pid_is_child", si.si_pid == pid && si.si_code == SI_USER);
	EXPECT_VAL("sigtimedwait_sigchld", sigtimedwait(&chld, &si, &two_s), SIGCHLD);
	printf("sigchld_si_code: %s si_status: %d\n", code_name(si.si_code), si.si_status);
	EXPECT_TRUE("sigchld_si_pid_is_child", si.si_pid == pid);
	CHECK_EQ(waitpid(pid, NULL, 0), pid);

	/* A handled signal outside the set interrupts sigtimedwait. */
	set(SIGALRM);
	timer_ms(20, 0);
	EXPECT_ERR("sigtimedwait_interrupted", sigtimedwait(&usr2, &si, &one_s), EINTR);
	EXPECT_VAL("sigtimedwait_interrupted_handler", handled, 1);

	/* pause returns after a handler has run. */
	set(SIGALRM);
	timer_ms(20, 0);
	EXPECT_ERR("pause", pause(), EINTR);
	EXPECT_VAL("pause_handler", handled, 1);

	/* A periodic timer, 10 ms apart: three expirations, then disarmed. */
	set(SIGALRM);
	sigset_t alrm;
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	OK(sigprocmask(SIG_BLOCK, &alrm, NULL));
	timer_ms(10, 10);
	for (int i = 0; i < 10 && handled < 3; i++) /* bounded: a broken timer fails, not hangs */
		if (sigsuspend(&none) != -1 || errno != EINTR)
			break;
	timer_ms(0, 0);
	OK(sigprocmask(SIG_UNBLOCK, &alrm, NULL));
	EXPECT_VAL("periodic_timer_expirations", handled, 3);

	/* alarm and ITIMER_REAL are one timer. */
	EXPECT_VAL("alarm_first", alarm(5), 0);
	struct itimerval cur;
	OK(getitimer(ITIMER_REAL, &cur));
	EXPECT_TRUE("getitimer_sees_alarm", cur.it_value.tv_sec >= 4 && cur.it_value.tv_sec <= 5 &&
						cur.it_interval.tv_sec == 0);
	EXPECT_VAL("alarm_0_returns_remaining", alarm(0), 5);
	EXPECT_VAL("alarm_0_again", alarm(0), 0);
	OK(getitimer(ITIMER_REAL, &cur));
	EXPECT_TRUE("disarmed", cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);
	struct itimerval bad = {{0, 0}, {0, 1000000}};
	EXPECT_ERR("setitimer_bad_usec", setitimer(ITIMER_REAL, &bad, NULL), EINVAL);
	EXPECT_ERR("getitimer_bad_which", syscall(SYS_getitimer, 99, &cur), EINVAL);
	return done();
}
