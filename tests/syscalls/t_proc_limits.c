/* Many processes: 200 sequential fork + wait with the right status each time (exits and
 * deaths by signal), 32 children alive at once reaped by wait(-1), and a chain of nested forks.
 * (Forking until EAGAIN and RLIMIT_NPROC are not tested: unsafe natively, and root is exempt.) */
#define _GNU_SOURCE
#include "check.h"

#include <signal.h>
#include <sys/wait.h>

/* Forks depth more levels below us; each level exits with its child's status plus one. */
static int chain(int depth)
{
	if (depth == 0)
		return 0;
	pid_t pid = fork();
	if (pid == -1)
		return 200;
	if (pid == 0)
		_exit(chain(depth - 1));
	int st = 0;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return 201;
	return WEXITSTATUS(st) + 1;
}

int main(void)
{
	int st;
	signal(SIGCHLD, SIG_DFL);
	signal(SIGTERM, SIG_DFL);

	/* 200 one after another: every fourth is killed by SIGTERM, the rest exit with i % 200. */
	int good = 0, distinct_pids = 1;
	pid_t prev = 0;
	for (int i = 0; i < 200; i++) {
		pid_t pid = xfork();
		if (pid == 0) {
			if (i % 4 == 3)
				raise(SIGTERM);
			_exit(i % 200);
		}
		if (pid == prev)
			distinct_pids = 0;
		prev = pid;
		CHECK_EQ(waitpid(pid, &st, 0), pid);
		if (i % 4 == 3)
			good += WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM;
		else
			good += WIFEXITED(st) && WEXITSTATUS(st) == i % 200;
	}
	EXPECT_VAL("sequential_forks_with_right_status", good, 200);
	EXPECT_TRUE("consecutive_pids_differ", distinct_pids);
	EXPECT_ERR("none_left", waitpid(-1, &st, WNOHANG), ECHILD);

	/* 32 at once, each blocked until we close the pipe, then all reaped by wait(-1). */
	int p[2];
	OK(pipe(p));
	pid_t kids[32];
	for (int i = 0; i < 32; i++) {
		if ((kids[i] = xfork()) == 0) {
			char c;
			close(p[1]);
			read(p[0], &c, 1);
			_exit(i);
		}
	}
	OK(close(p[0]));
	EXPECT_VAL("all_alive_nothing_to_reap", waitpid(-1, &st, WNOHANG), 0);
	OK(close(p[1]));
	unsigned long long seen = 0;
	for (int i = 0; i < 32; i++) {
		pid_t r = OK(wait(&st));
		CHECK(WIFEXITED(st));
		int code = WEXITSTATUS(st);
		CHECK(code >= 0 && code < 32 && kids[code] == r);
		seen |= 1ULL << code;
	}
	EXPECT_VAL("concurrent_children_reaped", __builtin_popcountll(seen), 32);
	EXPECT_ERR("none_left_again", wait(&st), ECHILD);

	/* A chain: child of child of child ... 20 levels deep. */
	EXPECT_VAL("chain_depth_20", chain(20), 20);
	return done();
}
