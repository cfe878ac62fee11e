/* execve: exit statuses through exec, errors (ENOENT, EACCES, ENOTDIR, E2BIG), argv and envp,
 * the pid is kept, close-on-exec, signal dispositions and mask across exec, #! scripts. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

enum { PLAIN, CLOEXEC_FD7, INHERIT_FD7, IGNORE_USR1, HANDLE_USR1, BLOCK_USR1 };

static void handler(int sig)
{
}

/* Runs path with stdout into a pipe; returns the wait status, and the output in out. */
static int run(int mode, const char *path, char *const argv[], char *const envp[], char *out,
	       size_t size)
{
	int p[2], st = 0;
	OK(pipe2(p, O_CLOEXEC));
	fflush(stdout);
	pid_t pid = OK(fork());
	if (pid == 0) {
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		signal(SIGUSR1, SIG_DFL);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		if (mode == CLOEXEC_FD7) {
			close(2); /* quiet: sh complains about the bad descriptor */
			dup3(p[1], 7, O_CLOEXEC);
		} else if (mode == INHERIT_FD7) {
			dup2(p[1], 7);
		} else if (mode == IGNORE_USR1) {
			signal(SIGUSR1, SIG_IGN);
		} else if (mode == HANDLE_USR1) {
			signal(SIGUSR1, handler);
		} else if (mode == BLOCK_USR1) {
			sigprocmask(SIG_BLOCK, &set, NULL);
		}
		if (mode != CLOEXEC_FD7 && mode != INHERIT_FD7)
			dup2(p[1], 1);
		execve(path, argv, envp);
		_exit(127);
	}
	OK(close(p[1]));
	size_t n = 0;
	ssize_t r;
	while (n < size - 1 && (r = read(p[0], out + n, size - 1 - n)) > 0)
		n += r;
	out[n] = 0;
	OK(close(p[0]));
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	return st;
}

int main(void)
{
	char out[256];
	char *env0[] = {NULL};
	char *envp[] = {"PATH=/usr/bin:/bin", NULL};

	char *sh_exit4[] = {"sh", "-c", "exit 4", NULL};
	print_wait_status("sh_exit_4", run(PLAIN, "/bin/sh", sh_exit4, envp, out, sizeof(out)));

	/* Errors come back to the caller, which goes on running. */
	char *true_argv[] = {"true", NULL};
	EXPECT_ERR("execve_missing", execve("/no/such/file", true_argv, envp), ENOENT);
	EXPECT_ERR("execve_empty_path", execve("", true_argv, envp), ENOENT);
	EXPECT_ERR("execve_directory", execve("/usr", true_argv, envp), EACCES);
	EXPECT_ERR("execve_not_executable", execve("/etc/os-release", true_argv, envp), EACCES);
	EXPECT_ERR("execve_through_file", execve("/etc/os-release/x", true_argv, envp), ENOTDIR);
	EXPECT_ERR("execve_bad_path_ptr", syscall(SYS_execve, BADPTR, true_argv, envp), EFAULT);
	size_t big = 200 * 1024; /* longer than MAX_ARG_STRLEN (32 pages) */
	char *huge = malloc(big + 1);
	memset(huge, 'a', big);
	huge[big] = 0;
	char *huge_argv[] = {"true", huge, NULL};
	EXPECT_ERR("execve_arg_too_long", execve("/bin/true", huge_argv, envp), E2BIG);
	free(huge);

	/* argv and envp arrive as given. */
	char *env_argv[] = {"env", NULL};
	char *small_env[] = {"A=1", "B=two words", "EMPTY=", NULL};
	print_wait_status("env_status",
			  run(PLAIN, "/usr/bin/env", env_argv, small_env, out, sizeof(out)));
	printf("env_output: [%s]\n", out);
	print_wait_status("env_empty_status",
			  run(PLAIN, "/usr/bin/env", env_argv, env0, out, sizeof(out)));
	printf("env_empty_output: [%s]\n", out);
	char *sh_args[] = {"sh", "-c", "echo \"$0|$1|$2|$#|$FOO\"", "zero", "one", "t w o", NULL};
	char *foo_env[] = {"FOO=bar", NULL};
	print_wait_status("sh_args_status",
			  run(PLAIN, "/bin/sh", sh_args, foo_env, out, sizeof(out)));
	printf("sh_args_output: %s", out);

	/* The pid stays the same through execve. */
	char *sh_pid[] = {"sh", "-c", "echo $$", NULL};
	fflush(stdout);
	int p[2], st;
	OK(pipe(p));
	pid_t pid = OK(fork());
	if (pid == 0) {
		dup2(p[1], 1);
		execve("/bin/sh", sh_pid, envp);
		_exit(127);
	}
	OK(close(p[1]));
	ssize_t n = OK(read(p[0], out, sizeof(out) - 1));
	out[n > 0 ? n : 0] = 0;
	OK(close(p[0]));
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	EXPECT_TRUE("exec_keeps_pid", atol(out) == pid);

	/* Close-on-exec: fd 7 is gone in the new program unless it was inherited. */
	char *sh_fd7[] = {"sh", "-c", "echo x >&7", NULL};
	st = run(CLOEXEC_FD7, "/bin/sh", sh_fd7, envp, out, sizeof(out));
	EXPECT_TRUE("cloexec_fd_closed_sh_fails", WIFEXITED(st) && WEXITSTATUS(st) != 0);
	printf("cloexec_fd_output: [%s]\n", out);
	st = run(INHERIT_FD7, "/bin/sh", sh_fd7, envp, out, sizeof(out));
	print_wait_status("inherited_fd_status", st);
	printf("inherited_fd_output: [%s]\n", out);

	/* Handled signals become default, ignored ones stay ignored, the mask is kept. */
	char *sh_kill[] = {"sh", "-c", "kill -USR1 $$; echo survived", NULL};
	print_wait_status("handled_becomes_default",
			  run(HANDLE_USR1, "/bin/sh", sh_kill, envp, out, sizeof(out)));
	printf("handled_output: [%s]\n", out);
	print_wait_status("ignored_stays_ignored",
			  run(IGNORE_USR1, "/bin/sh", sh_kill, envp, out, sizeof(out)));
	printf("ignored_output: [%s]\n", out);
	print_wait_status("blocked_stays_blocked",
			  run(BLOCK_USR1, "/bin/sh", sh_kill, envp, out, sizeof(out)));
	printf("blocked_output: [%s]\n", out);

	/* A #! script (debianutils' which is "#! /bin/sh"), reached through two symlinks. */
	char *which_ok[] = {"which", "/bin/sh", NULL};
	print_wait_status("script_which_status",
			  run(PLAIN, "/usr/bin/which", which_ok, envp, out, sizeof(out)));
	printf("script_which_output: %s", out);
	char *which_missing[] = {"which", "/no/such/program", NULL};
	print_wait_status("script_which_missing_status",
			  run(PLAIN, "/usr/bin/which", which_missing, envp, out, sizeof(out)));
	printf("script_which_missing_output: [%s]\n", out);
	return done();
}
