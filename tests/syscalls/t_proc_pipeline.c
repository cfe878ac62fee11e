/* Shell-style pipelines built with fork, pipe2(O_CLOEXEC), dup2 and execve: `echo | wc -c`,
 * three stages, a big file through the pipes, a reader that stops early (`yes | head -n 1`,
 * the writer dies of SIGPIPE), and EOF only once every write end is closed. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* Runs argv[0] with stdin from in and stdout to out (-1: inherit). Every pipe is
 * close-on-exec, so only the dup2'ed copies reach the program. */
static pid_t stage(char *const argv[], int in, int out)
{
	static char *envp[] = {"PATH=/usr/bin:/bin", "LC_ALL=C", NULL};
	pid_t pid = xfork();
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		if (in >= 0)
			dup2(in, 0);
		if (out >= 0)
			dup2(out, 1);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	return pid;
}

/* Reads fd to EOF, closes it; returns the byte count, keeping the first size-1 bytes. */
static long slurp(int fd, char *buf, size_t size)
{
	char tmp[4096];
	long total = 0;
	ssize_t r;
	while ((r = read(fd, tmp, sizeof(tmp))) > 0) {
		if ((size_t)total < size - 1)
			memcpy(buf + total, tmp,
			       (size_t)r < size - 1 - total ? (size_t)r : size - 1 - total);
		total += r;
	}
	CHECK(r == 0);
	buf[(size_t)total < size - 1 ? (size_t)total : size - 1] = 0;
	OK(close(fd));
	return total;
}

int main(void)
{
	int p[2], q[2], r[2];
	char out[256];

	/* echo hello world | wc -c */
	OK(pipe2(p, O_CLOEXEC));
	OK(pipe2(q, O_CLOEXEC));
	pid_t echo = stage((char *[]){"/bin/echo", "hello world", NULL}, -1, p[1]);
	pid_t wc = stage((char *[]){"/usr/bin/wc", "-c", NULL}, p[0], q[1]);
	OK(close(p[0]));
	OK(close(p[1])); /* or wc would never see EOF */
	OK(close(q[1]));
	slurp(q[0], out, sizeof(out));
	printf("echo_wc_output: %s", out);
	wait_and_print("echo", echo);
	wait_and_print("wc", wc);

	/* printf | sort | head -n 2 */
	OK(pipe2(p, O_CLOEXEC));
	OK(pipe2(q, O_CLOEXEC));
	OK(pipe2(r, O_CLOEXEC));
	pid_t a =
	    stage((char *[]){"/usr/bin/printf", "pear\\napple\\nfig\\nbanana\\n", NULL}, -1, p[1]);
	pid_t b = stage((char *[]){"/usr/bin/sort", NULL}, p[0], q[1]);
	pid_t c = stage((char *[]){"/usr/bin/head", "-n", "2", NULL}, q[0], r[1]);
	OK(close(p[0]));
	OK(close(p[1]));
	OK(close(q[0]));
	OK(close(q[1]));
	OK(close(r[1]));
	slurp(r[0], out, sizeof(out));
	printf("three_stage_output: [%s]\n", out);
	wait_and_print("printf", a);
	wait_and_print("sort", b);
	wait_and_print("head", c);

	/* A file much larger than a pipe's buffer, through cat and wc -c, and read directly. */
	const char *big = "/usr/lib/x86_64-linux-gnu/libc.so.6";
	struct stat sb;
	OK(stat(big, &sb));
	OK(pipe2(p, O_CLOEXEC));
	OK(pipe2(q, O_CLOEXEC));
	a = stage((char *[]){"/bin/cat", (char *)big, NULL}, -1, p[1]);
	b = stage((char *[]){"/usr/bin/wc", "-c", NULL}, p[0], q[1]);
	OK(close(p[0]));
	OK(close(p[1]));
	OK(close(q[1]));
	slurp(q[0], out, sizeof(out));
	EXPECT_TRUE("cat_wc_counts_file_size", atol(out) == sb.st_size && sb.st_size > 1000000);
	wait_and_print("cat", a);
	wait_and_print("wc_big", b);
	OK(pipe2(p, O_CLOEXEC));
	a = stage((char *[]){"/bin/cat", (char *)big, NULL}, -1, p[1]);
	OK(close(p[1]));
	EXPECT_TRUE("parent_reads_whole_file", slurp(p[0], out, sizeof(out)) == sb.st_size);
	wait_and_print("cat_to_parent", a);

	/* yes | head -n 1: head exits, and yes's next write kills it with SIGPIPE. */
	OK(pipe2(p, O_CLOEXEC));
	OK(pipe2(q, O_CLOEXEC));
	a = stage((char *[]){"/usr/bin/yes", NULL}, -1, p[1]);
	b = stage((char *[]){"/usr/bin/head", "-n", "1", NULL}, p[0], q[1]);
	OK(close(p[0]));
	OK(close(p[1]));
	OK(close(q[1]));
	slurp(q[0], out, sizeof(out));
	printf("yes_head_output: %s", out);
	wait_and_print("yes", a);
	wait_and_print("head_1", b);

	/* While any write end is open (here: ours), the reader waits for more input. */
	OK(pipe2(p, O_CLOEXEC));
	OK(pipe2(q, O_CLOEXEC));
	a = stage((char *[]){"/bin/echo", "abc", NULL}, -1, p[1]);
	b = stage((char *[]){"/usr/bin/wc", "-c", NULL}, p[0], q[1]);
	OK(close(p[0]));
	OK(close(q[1]));
	wait_and_print("echo_writer", a);
	int st;
	EXPECT_VAL("wc_still_waiting", waitpid(b, &st, WNOHANG), 0);
	OK(write(p[1], "de", 2));
	OK(close(p[1]));
	slurp(q[0], out, sizeof(out));
	printf("wc_after_our_close: %s", out);
	wait_and_print("wc_late", b);
	EXPECT_ERR("no_children_left", waitpid(-1, &st, WNOHANG), ECHILD);
	return done();
}
