/* kill/tkill/tgkill between processes: existence probes (signal 0) of live, zombie and reaped
 * children, errors, default actions (terminate, ignore, stop/continue), blocked and discarded
 * signals, SIGPIPE, and SIGCHLD set to SIG_IGN (children are reaped automatically). */
#define _GNU_SOURCE
#include "check.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>

/* waitpid(pid, options), polled for at most 2 s so that a missing event fails, not hangs. */
static int wait_bounded(pid_t pid, int options)
{
	int st = 0;
	struct timespec ms = {0, 1000000};
	for (int i = 0; i < 2000; i++) {
		pid_t r = waitpid(pid, &st, options | WNOHANG);
		CHECK(r != -1);
		if (r == pid)
			return st;
		nanosleep(&ms, NULL);
	}
	check_fail(__FILE__, __LINE__, "no wait event for the child within 2 s");
}

/* print_wait_status, plus the stopped and continued statuses of WUNTRACED and WCONTINUED. */
static void print_status(const char *label, int st)
{
	if (WIFSTOPPED(st))
		printf("%s: stopped by SIG%s\n", label, sigabbrev_np(WSTOPSIG(st)));
	else if (WIFCONTINUED(st))
		printf("%s: continued\n", label);
	else
		print_wait_status(label, st);
}

/* A child that says it is ready, then blocks in read(p[0]); exits 0 on a byte or EOF, 2 if
 * the read failed (EINTR). Returns after the child is (almost certainly) blocked. */
static pid_t reader_child(int p[2])
{
	int ready[2];
	char c;
	struct timespec t = {0, 50000000};
	OK(pipe(p));
	OK(pipe(ready));
	pid_t pid = xfork();
	if (pid == 0) {
		close(p[1]);
		write(ready[1], "r", 1);
		_exit(read(p[0], &c, 1) >= 0 ? 0 : 2);
	}
	OK(close(p[0]));
	CHECK_EQ(read(ready[0], &c, 1), 1);
	OK(close(ready[0]));
	OK(close(ready[1]));
	nanosleep(&t, NULL);
	return pid;
}

int main(void)
{
	int p[2], st;
	pid_t pid, me = getpid();
	sigset_t none, term;
	sigemptyset(&none);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	OK(sigprocmask(SIG_SETMASK, &none, NULL));
	int sigs[] = {SIGTERM, SIGPIPE, SIGCHLD, SIGURG, SIGWINCH, SIGCONT, SIGUSR1};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);

	/* Signal 0 probes: alive, zombie, reaped. */
	pid = reader_child(p);
	EXPECT_VAL("kill_0_alive", kill(pid, 0), 0);
	OK(close(p[1]));
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	OK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT)); /* it is a zombie now */
	EXPECT_VAL("kill_0_zombie", kill(pid, 0), 0);
	EXPECT_VAL("sigkill_zombie", kill(pid, SIGKILL), 0);
	print_status("zombie_status_unchanged", wait_bounded(pid, 0));
	EXPECT_ERR("kill_0_reaped", kill(pid, 0), ESRCH);

	/* Errors. */
	EXPECT_ERR("kill_sig_65", kill(me, 65), EINVAL);
	EXPECT_ERR("kill_sig_negative", kill(me, -1), EINVAL);
	EXPECT_ERR("kill_no_such_pid", kill(999999, 0), ESRCH);
	EXPECT_ERR("kill_no_such_pid_bad_sig", kill(999999, 65), ESRCH); /* pid first */
	EXPECT_VAL("tgkill_self_0", syscall(SYS_tgkill, me, me, 0), 0);
	EXPECT_ERR("tgkill_wrong_tgid", syscall(SYS_tgkill, 999999, me, 0), ESRCH);
	EXPECT_ERR("tgkill_tgid_0", syscall(SYS_tgkill, 0, me, 0), EINVAL);
	EXPECT_ERR("tkill_negative", syscall(SYS_tkill, -1, 0), EINVAL);
	EXPECT_VAL("tkill_self_0", syscall(SYS_tkill, me, 0), 0);

	/* Default actions: terminate a blocked reader; ignore SIGCHLD, SIGURG, SIGWINCH, SIGCONT
	 * without even interrupting its read. */
	pid = reader_child(p);
	OK(kill(pid, SIGTERM));
	print_status("sigterm_blocked_reader", wait_bounded(pid, 0));
	OK(close(p[1]));
	pid = reader_child(p);
	OK(kill(pid, SIGUSR1));
	print_status("sigusr1_default", wait_bounded(pid, 0));
	OK(close(p[1]));
	pid = reader_child(p);
	for (int i = 2; i < 6; i++)
		OK(kill(pid, sigs[i]));
	EXPECT_VAL("ignored_by_default_not_waitable", waitpid(pid, &st, WNOHANG), 0);
	OK(write(p[1], "x", 1));
	print_status("ignored_by_default", wait_bounded(pid, 0));
	OK(close(p[1]));

	/* SIGSTOP and SIGCONT, as seen by waitpid. */
	pid = reader_child(p);
	OK(kill(pid, SIGSTOP));
	print_status("sigstop", wait_bounded(pid, WUNTRACED));
	OK(kill(pid, SIGCONT));
	print_status("sigcont", wait_bounded(pid, WCONTINUED));
	OK(kill(pid, SIGKILL));
	print_status("sigkill_after_cont", wait_bounded(pid, 0));
	OK(close(p[1]));
	pid = reader_child(p);
	OK(kill(pid, SIGSTOP));
	print_status("sigstop_again", wait_bounded(pid, WUNTRACED));
	OK(kill(pid, SIGKILL));
	print_status("sigkill_stopped", wait_bounded(pid, 0));
	OK(close(p[1]));

	/* A blocked signal waits; unblocking delivers it. SIGKILL cannot be blocked. */
	if ((pid = xfork()) == 0) {
		sigprocmask(SIG_BLOCK, &term, NULL);
		kill(getpid(), SIGTERM);
		sigprocmask(SIG_UNBLOCK, &term, NULL);
		_exit(3);
	}
	print_status("blocked_then_unblocked", wait_bounded(pid, 0));
	if ((pid = xfork()) == 0) {
		sigset_t all;
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, NULL);
		kill(getpid(), SIGKILL);
		_exit(3);
	}
	print_status("sigkill_all_blocked", wait_bounded(pid, 0));
	/* Setting SIG_IGN discards a pending signal. */
	if ((pid = xfork()) == 0) {
		sigprocmask(SIG_BLOCK, &term, NULL);
		kill(getpid(), SIGTERM);
		signal(SIGTERM, SIG_IGN);
		signal(SIGTERM, SIG_DFL);
		sigprocmask(SIG_UNBLOCK, &term, NULL);
		_exit(4);
	}
	print_status("pending_discarded_by_sig_ign", wait_bounded(pid, 0));

	/* A writer to a pipe without readers dies of SIGPIPE. */
	if ((pid = xfork()) == 0) {
		int q[2];
		pipe(q);
		close(q[0]);
		write(q[1], "x", 1);
		_exit(5);
	}
	print_status("sigpipe_writer", wait_bounded(pid, 0));

	/* SIGCHLD ignored: children are reaped on exit, and wait reports ECHILD. */
	signal(SIGCHLD, SIG_IGN);
	if ((pid = xfork()) == 0)
		_exit(0);
	EXPECT_ERR("sigchld_ign_wait_echild", waitpid(-1, &st, 0), ECHILD);
	signal(SIGCHLD, SIG_DFL);
	return done();
}
