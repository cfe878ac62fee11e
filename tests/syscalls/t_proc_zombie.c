/* Zombies and orphans: an exited child stays waitable (waitid WNOWAIT leaves it so) until it is
 * reaped; several zombies are all reaped by wait(-1); an orphaned grandchild is reparented (its
 * getppid changes once its parent has exited) and its status is not ours to collect. */
#define _GNU_SOURCE
#include "check.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int main(void)
{
	int st = 0, info[2], go[2], checked[2], hold[2];
	pid_t pid;
	siginfo_t si;
	char c;
	signal(SIGCHLD, SIG_DFL);

	/* A zombie: exited, not reaped. WNOWAIT peeks without reaping, any number of times. */
	if ((pid = xfork()) == 0)
		_exit(6);
	for (int i = 0; i < 2; i++) {
		memset(&si, 0, sizeof(si));
		OK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT));
		EXPECT_TRUE(i ? "wnowait_again" : "wnowait_peek",
			    si.si_pid == pid && si.si_code == CLD_EXITED && si.si_status == 6);
	}
	EXPECT_VAL("zombie_exists_for_kill", kill(pid, 0), 0);
	memset(&si, 0, sizeof(si));
	OK(waitid(P_ALL, 0, &si, WEXITED | WNOWAIT));
	EXPECT_TRUE("wnowait_p_all", si.si_pid == pid);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	EXPECT_TRUE("reaped_status", WIFEXITED(st) && WEXITSTATUS(st) == 6);
	EXPECT_ERR("gone_after_reap", waitpid(pid, &st, WNOHANG), ECHILD);

	/* Five zombies at once, reaped in whatever order wait(-1) gives them. */
	pid_t kids[5];
	for (int i = 0; i < 5; i++)
		if ((kids[i] = xfork()) == 0)
			_exit(20 + i);
	for (int i = 0; i < 5; i++) /* every one has exited before any is reaped */
		OK(waitid(P_PID, kids[i], &si, WEXITED | WNOWAIT));
	int codes[5];
	for (int i = 0; i < 5; i++) {
		pid_t r = wait(&st);
		int known = 0;
		for (int j = 0; j < 5; j++)
			known |= r == kids[j];
		CHECK(known && WIFEXITED(st));
		codes[i] = WEXITSTATUS(st);
	}
	qsort(codes, 5, sizeof(int), cmp_int);
	printf("five_zombies_statuses: %d %d %d %d %d\n", codes[0], codes[1], codes[2], codes[3],
	       codes[4]);
	EXPECT_ERR("no_more_children", wait(&st), ECHILD);

	/* An orphan: the child forks a grandchild and exits; the grandchild's parent changes. */
	OK(pipe(info));
	OK(pipe(go));
	OK(pipe(checked));
	OK(pipe(hold));
	if ((pid = xfork()) == 0) {
		pid_t me = getpid();
		pid_t g = fork();
		if (g == 0) {
			close(go[1]);
			close(hold[1]);
			char r1 = getppid() == me ? 'y' : 'n';
			write(info[1], &r1, 1);
			write(checked[1], "c", 1);
			read(go[0], &c, 1); /* until our parent has been reaped */
			pid_t np = getppid();
			char r23[2] = {np != me ? 'y' : 'n', np != 0 ? 'y' : 'n'};
			write(info[1], r23, 2);
			_exit(0);
		}
		read(checked[0], &c, 1); /* the grandchild has looked at getppid */
		write(info[1], &g, sizeof(g));
		close(hold[1]);
		read(hold[0], &c, 1); /* until the parent lets us go */
		_exit(0);
	}
	OK(close(info[1]));
	OK(close(go[0]));
	OK(close(checked[0]));
	OK(close(checked[1]));
	pid_t g = 0;
	char r[3] = {0};
	CHECK_EQ(read(info[0], &r[0], 1), 1);
	CHECK_EQ(read(info[0], &g, sizeof(g)), sizeof(g));
	CHECK(g > 0);
	EXPECT_TRUE("grandchild_parent_is_child", r[0] == 'y');
	EXPECT_ERR("grandchild_not_our_child", waitpid(g, &st, WNOHANG), ECHILD);
	OK(close(hold[0]));
	OK(close(hold[1]));		     /* the child exits */
	CHECK_EQ(waitpid(pid, &st, 0), pid); /* reparenting is done when the child is waitable */
	EXPECT_TRUE("child_exited", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	OK(close(go[1])); /* EOF: the grandchild goes on */
	CHECK_EQ(read(info[0], &r[1], 2), 2);
	EXPECT_TRUE("reparented", r[1] == 'y');
	EXPECT_TRUE("new_parent_pid_nonzero", r[2] == 'y');
	CHECK_EQ(read(info[0], &c, 1), 0); /* EOF: the grandchild has exited */
	OK(close(info[0]));
	return done();
}
