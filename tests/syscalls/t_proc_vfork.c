/* vfork (the parent waits until the child exits or execs, and they share memory meanwhile),
 * vfork + execve, and posix_spawn (glibc: clone(CLONE_VM | CLONE_VFORK)) with and without file
 * actions, and with a missing program. */
#define _GNU_SOURCE
#include "check.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

extern char **environ;

static volatile int shared_var;

int main(void)
{
	int st = 0, p[2];
	pid_t pid, parent = getpid();
	char buf[64];

	/* vfork + _exit: the parent resumes only after the child is gone, and sees its writes
	 * to memory (the address space is shared until then). */
	fflush(stdout);
	shared_var = 0;
	pid = vfork();
	if (pid == 0) {
		for (int i = 0; i < 1000; i++) /* give the parent a chance to run, were it able */
			syscall(SYS_sched_yield);
		shared_var = (getppid() == parent) ? 1 : 2;
		_exit(3);
	}
	CHECK(pid > 0);
	EXPECT_VAL("vfork_child_wrote_shared_memory", shared_var, 1);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	print_wait_status("vfork_exit", st);

	/* vfork + execve: the parent resumes once the exec succeeds. */
	fflush(stdout);
	char *true_argv[] = {"true", NULL};
	pid = vfork();
	if (pid == 0) {
		execve("/bin/true", true_argv, environ);
		_exit(127);
	}
	CHECK(pid > 0);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	print_wait_status("vfork_execve_true", st);
	char *false_argv[] = {"false", NULL};
	fflush(stdout);
	if ((pid = vfork()) == 0) {
		execve("/bin/false", false_argv, environ);
		_exit(127);
	}
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	print_wait_status("vfork_execve_false", st);
	fflush(stdout);
	if ((pid = vfork()) == 0) {
		execve("/no/such/program", true_argv, environ);
		_exit(errno == ENOENT ? 100 : 101);
	}
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	print_wait_status("vfork_execve_missing", st);

	/* posix_spawn: the program's output goes to our stdout, in order. */
	char *echo_argv[] = {"echo", "spawned", "echo", NULL};
	fflush(stdout);
	int rc = posix_spawn(&pid, "/bin/echo", NULL, NULL, echo_argv, environ);
	CHECK_EQ(waitpid(pid, &st, 0), pid); /* before we print: echo's line comes first */
	EXPECT_VAL("posix_spawn_echo", rc, 0);
	print_wait_status("posix_spawn_echo_status", st);

	/* posix_spawn with a file action: stdout into a pipe. */
	OK(pipe(p));
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	char *echo2_argv[] = {"echo", "through", "a pipe", NULL};
	EXPECT_VAL("posix_spawn_dup2",
		   posix_spawn(&pid, "/bin/echo", &fa, NULL, echo2_argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	OK(close(p[1]));
	size_t n = 0;
	ssize_t r;
	while ((r = read(p[0], buf + n, sizeof(buf) - 1 - n)) > 0)
		n += r;
	CHECK(r == 0);
	buf[n] = 0;
	printf("pipe_got: %s", buf);
	OK(close(p[0]));
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	print_wait_status("posix_spawn_dup2_status", st);

	/* posix_spawnp searches PATH; attributes reset a signal to default. */
	posix_spawnattr_t at;
	sigset_t def;
	posix_spawnattr_init(&at);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF);
	char *sh_argv[] = {"sh", "-c", "exit 9", NULL};
	char *env[] = {"PATH=/usr/bin:/bin", NULL};
	EXPECT_VAL("posix_spawnp_sh", posix_spawnp(&pid, "sh", NULL, &at, sh_argv, env), 0);
	posix_spawnattr_destroy(&at);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	print_wait_status("posix_spawnp_sh_status", st);

	/* A missing program: glibc reports the child's execve error, and reaps the child. */
	rc = posix_spawn(&pid, "/no/such/program", NULL, NULL, true_argv, environ);
	printf("posix_spawn_missing: %s\n", errname(rc));
	CHECK_EQ(rc, ENOENT);
	rc = posix_spawn(&pid, "/usr", NULL, NULL, true_argv, environ);
	printf("posix_spawn_directory: %s\n", errname(rc));
	CHECK_EQ(rc, EACCES);
	EXPECT_ERR("no_children_left", waitpid(-1, &st, WNOHANG), ECHILD);
	return done();
}
