/* Process groups and sessions across fork: setpgid from the child and from the parent,
 * setsid, their errors (EPERM, ESRCH, EACCES after exec, EINVAL), and signals sent to a
 * process group with kill(0, ...) and kill(-pgid, ...). Children print their own lines while
 * the parent waits for them. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

static int reap(pid_t pid)
{
	int st = 0;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	return st;
}

static void child_done(void)
{
	fflush(stdout);
	_exit(0);
}

/* Waits (at most about 2 s) for EOF on fd: every writer is gone. */
static int eof_within_2s(int fd)
{
	char c;
	struct timespec ms = {0, 1000000};
	OK(fcntl(fd, F_SETFL, O_NONBLOCK));
	for (int i = 0; i < 2000; i++) {
		ssize_t r = read(fd, &c, 1);
		if (r == 0)
			return 1;
		int e = errno; /* (CHECK clears errno before testing) */
		CHECK(r == -1 && e == EAGAIN);
		nanosleep(&ms, NULL);
	}
	return 0;
}

int main(void)
{
	int ready[2], hold[2];
	char c;
	/* Lead our own group first: the group we were started in may be led from outside our pid
	 * namespace (getpgrp() is then 0, and setpgid(pid, 0) would mean something else). */
	if (getpgrp() != getpid())
		OK(setpgid(0, 0));
	pid_t pid, mygrp = getpgrp(), mysid = getsid(0);
	signal(SIGUSR1, SIG_DFL);

	/* setpgid(0, 0) in the child makes it the leader of a new group in our session. */
	OK(pipe(ready));
	OK(pipe(hold));
	if ((pid = xfork()) == 0) {
		close(hold[1]);
		setpgid(0, 0);
		write(ready[1], "r", 1);
		read(hold[0], &c, 1);
		_exit(getpgrp() == getpid() ? 0 : 1);
	}
	OK(close(hold[0]));
	CHECK_EQ(read(ready[0], &c, 1), 1);
	EXPECT_TRUE("child_pgid_is_its_pid", getpgid(pid) == pid && pid != mygrp);
	EXPECT_TRUE("child_same_session", getsid(pid) == mysid);
	EXPECT_TRUE("our_group_unchanged", getpgrp() == mygrp);
	/* The parent may move its child between groups of the same session. */
	EXPECT_VAL("parent_moves_child_back", setpgid(pid, mygrp), 0);
	EXPECT_TRUE("child_back_in_our_group", getpgid(pid) == mygrp);
	EXPECT_VAL("parent_makes_child_leader", setpgid(pid, 0), 0);
	EXPECT_TRUE("child_leader_again", getpgid(pid) == pid);
	EXPECT_ERR("setpgid_no_such_group", setpgid(pid, 999999), EPERM);
	EXPECT_ERR("setpgid_negative_pgid", setpgid(pid, -1), EINVAL);
	OK(close(hold[1]));
	print_wait_status("group_leader_child", reap(pid));
	EXPECT_ERR("setpgid_reaped_child", setpgid(pid, 0), ESRCH);
	EXPECT_ERR("setpgid_no_such_pid", setpgid(999999, 0), ESRCH);

	/* setsid: a new session and group led by the child; not allowed for a group leader. */
	OK(pipe(hold));
	if ((pid = xfork()) == 0) {
		close(hold[1]);
		EXPECT_TRUE("setsid_returns_pid", setsid() == getpid());
		EXPECT_TRUE("getsid_is_pid", getsid(0) == getpid() && getpgrp() == getpid());
		EXPECT_TRUE("parent_session_unchanged", getsid(getppid()) == mysid);
		EXPECT_ERR("setsid_again", setsid(), EPERM);
		EXPECT_ERR("session_leader_setpgid", setpgid(0, 0), EPERM);
		fflush(stdout);
		write(ready[1], "r", 1);
		read(hold[0], &c, 1);
		_exit(0);
	}
	OK(close(hold[0]));
	CHECK_EQ(read(ready[0], &c, 1), 1);
	EXPECT_TRUE("child_session_seen_by_parent", getsid(pid) == pid && getpgid(pid) == pid);
	EXPECT_ERR("setpgid_of_session_leader", setpgid(pid, mygrp), EPERM);
	OK(close(hold[1]));
	print_wait_status("setsid_child", reap(pid));
	if ((pid = xfork()) == 0) {
		OK(setpgid(0, 0));
		EXPECT_ERR("setsid_group_leader", setsid(), EPERM);
		child_done();
	}
	print_wait_status("group_leader_setsid_child", reap(pid));

	/* A grandchild is not ours to move. */
	OK(pipe(hold));
	if ((pid = xfork()) == 0) {
		pid_t g = fork();
		if (g == 0) {
			close(hold[1]);
			read(hold[0], &c, 1);
			_exit(0);
		}
		close(hold[1]);
		write(ready[1], &g, sizeof(g));
		waitpid(g, NULL, 0);
		_exit(0);
	}
	OK(close(hold[0]));
	pid_t g = 0;
	CHECK_EQ(read(ready[0], &g, sizeof(g)), sizeof(g));
	EXPECT_ERR("setpgid_grandchild", setpgid(g, 0), ESRCH);
	OK(close(hold[1]));
	reap(pid);

	/* Once the child has called execve, the parent may no longer change its group. */
	int exec_seen[2];
	OK(pipe2(exec_seen, O_CLOEXEC));
	OK(pipe(hold));
	if ((pid = xfork()) == 0) {
		char *argv[] = {"cat", NULL};
		dup2(hold[0], 0);
		close(hold[1]);
		close(exec_seen[0]);
		execve("/bin/cat", argv, (char *[]){NULL});
		_exit(127);
	}
	OK(close(exec_seen[1]));
	OK(close(hold[0]));
	CHECK_EQ(read(exec_seen[0], &c, 1), 0); /* EOF: the exec closed it */
	EXPECT_ERR("setpgid_after_exec", setpgid(pid, 0), EACCES);
	OK(close(hold[1]));
	print_wait_status("cat_child", reap(pid));
	OK(close(exec_seen[0]));

	/* kill(0, sig) signals the caller's whole group (here a child's own new group). */
	if ((pid = xfork()) == 0) {
		OK(setpgid(0, 0));
		OK(pipe(hold));
		pid_t gc = fork();
		if (gc == 0) {
			close(hold[1]);
			read(hold[0], &c, 1);
			_exit(0);
		}
		signal(SIGUSR1, SIG_IGN);
		EXPECT_VAL("kill_0_usr1", kill(0, SIGUSR1), 0);
		close(hold[1]); /* were it not killed, it would now read EOF and exit 0 */
		print_wait_status("group_member_after_kill_0", reap(gc));
		EXPECT_ERR("kill_empty_group", kill(-999999, 0), ESRCH);
		child_done();
	}
	print_wait_status("kill_0_sender", reap(pid));

	/* kill(-pgid, SIGKILL) kills every member of that group. */
	OK(pipe(hold));
	if ((pid = xfork()) == 0) {
		setpgid(0, 0);
		if (fork() == 0)
			write(ready[1], "g", 1);
		close(ready[1]);
		for (;;)
			read(hold[0], &c, 1); /* blocks: we both hold the write end */
	}
	setpgid(pid, pid); /* both sides, so no race */
	OK(close(hold[1]));
	CHECK_EQ(read(ready[0], &c, 1), 1); /* the grandchild exists */
	EXPECT_VAL("kill_minus_pgid", kill(-pid, SIGKILL), 0);
	print_wait_status("group_leader_after_kill", reap(pid));
	EXPECT_TRUE("grandchild_killed_too", eof_within_2s(hold[0]));
	return done();
}
