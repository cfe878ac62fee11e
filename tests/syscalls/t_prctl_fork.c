/* prctl, scheduling and credential state across fork: the parent-death signal is delivered
 * when the parent process exits and is cleared in a forked child; a child subreaper adopts
 * its orphaned descendants and the mark is not inherited; nice, policy, supplementary
 * groups, no_new_privs, dumpable, keepcaps and timer slack are inherited. */
#define _GNU_SOURCE
#include "check.h"

#include <grp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>

/* Runs fn in a forked child and prints how it ended (fn's prints come first). */
static void in_child(const char *label, void (*fn)(void))
{
	pid_t pid = xfork();
	if (pid == 0) {
		fn();
		fflush(stdout);
		_exit(0);
	}
	wait_and_print(label, pid);
}

/* P forks C, C asks for SIGKILL at its parent's death and says so, P exits: C must die.
 * The test learns of C's death by EOF on a pipe only C holds open (C is not its child). */
static void pdeathsig_delivered(void)
{
	int alive[2];
	char c;
	OK(pipe(alive));
	pid_t p = xfork();
	if (p == 0) {
		int ready[2];
		close(alive[0]);
		if (pipe(ready))
			_exit(1);
		pid_t pp = getpid();
		pid_t cp = fork();
		if (cp < 0)
			_exit(2);
		if (cp == 0) {
			if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) || getppid() != pp)
				_exit(3);
			if (write(ready[1], "r", 1) != 1)
				_exit(4);
			for (;;)
				pause(); /* holds alive[1] until killed */
		}
		close(alive[1]);
		close(ready[1]);
		/* P exits only once C has set its parent-death signal. */
		_exit(read(ready[0], &c, 1) == 1 ? 0 : 5);
	}
	close(alive[1]);
	wait_and_print("pdeathsig_parent", p);
	alarm(5); /* a C that lives on would hang the read below */
	CHECK_EQ(read(alive[0], &c, 1), 0);
	alarm(0);
	printf("pdeathsig_child_killed: yes\n");
	close(alive[0]);
}

/* S is a subreaper; S forks P, P forks C and exits: C's parent becomes S, which can then
 * wait for it. P reports whether it inherited the mark. */
static void subreaper(void)
{
	int pidp[2];
	OK(pipe(pidp));
	pid_t s = xfork();
	if (s == 0) {
		close(pidp[0]);
		if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0))
			_exit(10);
		pid_t sp = getpid();
		int fd[2];
		if (pipe(fd))
			_exit(11);
		pid_t p = fork();
		if (p < 0)
			_exit(12);
		if (p == 0) {
			int v = -1;
			if (prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0) || v != 0)
				_exit(20); /* the mark is not inherited */
			pid_t pp = getpid();
			pid_t c = fork();
			if (c < 0)
				_exit(21);
			if (c == 0) {
				/* Waits (bounded) until P is gone and this process adopted. */
				for (int i = 0; i < 500 && getppid() == pp; i++)
					usleep(10000);
				_exit(getppid() == sp ? 0 : 30);
			}
			if (write(fd[1], &c, sizeof(c)) != sizeof(c))
				_exit(22);
			_exit(0);
		}
		close(fd[1]);
		pid_t c = 0;
		int st = 0;
		if (read(fd[0], &c, sizeof(c)) != sizeof(c))
			_exit(13);
		if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st))
			_exit(14);
		/* Only a reparented C is S's to wait for. */
		alarm(5);
		if (waitpid(c, &st, 0) != c)
			_exit(15);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 16);
	}
	close(pidp[1]);
	close(pidp[0]);
	int st = 0;
	CHECK_EQ(waitpid(s, &st, 0), s);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		printf("reparented_to_subreaper: yes\n");
	else
		print_wait_status("reparented_to_subreaper", st);
}

static void grandchild_attrs(void)
{
	int v = -1;
	errno = 0;
	printf("gc_nice: %d\n", getpriority(PRIO_PROCESS, 0));
	printf("gc_policy: %d\n", sched_getscheduler(0));
	OK(prctl(PR_GET_PDEATHSIG, &v, 0, 0, 0));
	printf("gc_pdeathsig: %d\n", v);
	printf("gc_no_new_privs: %d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	printf("gc_dumpable: %d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
	printf("gc_keepcaps: %d\n", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
	printf("gc_timerslack: %d\n", prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0));
	/* 0 goes back to the default, which fork set to the parent's slack. */
	OK(prctl(PR_SET_TIMERSLACK, 0, 0, 0, 0));
	printf("gc_timerslack_reset: %d\n", prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0));
	gid_t g[8];
	int n = getgroups(8, g);
	printf("gc_groups:");
	for (int i = 0; i < n; i++)
		printf(" %u", (unsigned)g[i]);
	printf("\n");
}

/* A child changes its attributes and forks: the grandchild reports what it got. */
static void inheritance(void)
{
	int v = -1;
	struct sched_param sp = {.sched_priority = 0};
	OK(setpriority(PRIO_PROCESS, 0, 5));
	OK(sched_setscheduler(0, SCHED_BATCH | SCHED_RESET_ON_FORK, &sp));
	OK(prctl(PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0));
	OK(prctl(PR_GET_PDEATHSIG, &v, 0, 0, 0));
	printf("child_pdeathsig: %d\n", v);
	OK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	OK(prctl(PR_SET_DUMPABLE, 0, 0, 0, 0));
	OK(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
	OK(prctl(PR_SET_TIMERSLACK, 123456, 0, 0, 0));
	gid_t g[3] = {7, 3, 5};
	if (setgroups(3, g))
		printf("setgroups: -1 %s\n", errname(errno));
	printf("child_policy: %#x\n", (unsigned)sched_getscheduler(0));
	in_child("grandchild", grandchild_attrs);
}

int main(void)
{
	pdeathsig_delivered();
	subreaper();
	in_child("inheritance", inheritance);
	return 0;
}
