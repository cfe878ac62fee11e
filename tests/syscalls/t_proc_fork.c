/* fork and wait4/waitpid/waitid: exit statuses, getppid, copied and shared memory, shared
 * open file descriptions, WNOHANG, ECHILD, wait4(-1), waiting for one pid, deaths by signal. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

static volatile int global = 1;

static int reap(pid_t pid)
{
	int st = 0;
	CHECK_EQ(wait4(pid, &st, 0, NULL), pid);
	return st;
}

/* A child that blocks reading p[0] until it gets a byte or EOF, then exits with code. */
static pid_t blocked_child(int p[2], int code)
{
	OK(pipe(p));
	pid_t pid = xfork();
	if (pid == 0) {
		char c;
		close(p[1]);
		_exit(read(p[0], &c, 1) >= 0 ? code : 99);
	}
	OK(close(p[0]));
	return pid;
}

int main(void)
{
	int st = 0, p[2];
	pid_t pid, a, b, parent = getpid();
	sigset_t none;
	sigemptyset(&none);
	OK(sigprocmask(SIG_SETMASK, &none, NULL));
	signal(SIGCHLD, SIG_DFL);
	signal(SIGTERM, SIG_DFL);

	EXPECT_ERR("wait4_no_children", wait4(-1, &st, 0, NULL), ECHILD);
	EXPECT_ERR("wait4_wnohang_no_children", wait4(-1, &st, WNOHANG, NULL), ECHILD);
	EXPECT_ERR("wait4_self", wait4(parent, &st, 0, NULL), ECHILD);

	/* Exit status and the child's view of its ids. */
	OK(pipe(p));
	pid = xfork();
	if (pid == 0) {
		pid_t me = getpid();
		write(p[1], &me, sizeof(me));
		_exit(getppid() == parent ? 7 : 1);
	}
	EXPECT_TRUE("child_pid_positive", pid > 0 && pid != parent);
	pid_t seen = 0;
	CHECK_EQ(read(p[0], &seen, sizeof(seen)), sizeof(seen));
	EXPECT_TRUE("child_getpid_is_fork_result", seen == pid);
	st = reap(pid);
	EXPECT_TRUE("wifexited", WIFEXITED(st) && !WIFSIGNALED(st));
	EXPECT_VAL("wexitstatus", WEXITSTATUS(st), 7);
	printf("child_getppid_is_parent: yes\n"); /* else the status would have been 1 */
	OK(close(p[0]));
	OK(close(p[1]));
	if ((pid = xfork()) == 0)
		_exit(256 + 5);
	print_wait_status("exit_code_256_plus_5", reap(pid));

	/* Private memory is copied: neither side sees the other's writes after fork. */
	int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(shared != MAP_FAILED);
	char *heap = malloc(64);
	strcpy(heap, "parent");
	OK(pipe(p));
	if ((pid = xfork()) == 0) {
		char c;
		close(p[1]);
		read(p[0], &c, 1);
		_exit(global);
	}
	OK(close(p[0]));
	global = 3; /* after the fork: the child must still see 1 */
	OK(close(p[1]));
	print_wait_status("parent_write_not_seen_by_child", reap(pid));
	if ((pid = xfork()) == 0) {
		int ok = global == 3 && strcmp(heap, "parent") == 0;
		global = 2;
		strcpy(heap, "child");
		*shared = 42;
		_exit(ok ? 0 : 1);
	}
	print_wait_status("child_sees_parent_state_at_fork", reap(pid));
	EXPECT_TRUE("child_global_write_not_seen", global == 3);
	EXPECT_TRUE("child_heap_write_not_seen", strcmp(heap, "parent") == 0);
	EXPECT_VAL("shared_anon_write_seen", *shared, 42);
	free(heap);

	/* Descriptors share open file descriptions: offset and status flags. */
	int fd = OK(open("/etc/os-release", O_RDONLY));
	OK(pipe(p));
	if ((pid = xfork()) == 0) {
		char buf[5];
		lseek(fd, 10, SEEK_SET);
		read(fd, buf, 5);
		fcntl(p[0], F_SETFL, O_NONBLOCK);
		close(fd);
		_exit(0);
	}
	reap(pid);
	EXPECT_VAL("offset_moved_by_child", lseek(fd, 0, SEEK_CUR), 15);
	EXPECT_TRUE("child_close_leaves_ours_open", fcntl(fd, F_GETFD) != -1);
	EXPECT_TRUE("status_flags_shared", fcntl(p[0], F_GETFL) & O_NONBLOCK);
	OK(close(fd));
	OK(close(p[0]));
	OK(close(p[1]));

	/* WNOHANG while the child is still running. */
	pid = blocked_child(p, 3);
	EXPECT_VAL("wnohang_running", wait4(pid, &st, WNOHANG, NULL), 0);
	siginfo_t si;
	memset(&si, 0xff, sizeof(si));
	EXPECT_VAL("waitid_wnohang_running", waitid(P_PID, pid, &si, WEXITED | WNOHANG), 0);
	EXPECT_VAL("waitid_wnohang_si_pid", si.si_pid, 0);
	OK(write(p[1], "x", 1));
	memset(&si, 0, sizeof(si));
	EXPECT_VAL("waitid", waitid(P_PID, pid, &si, WEXITED), 0);
	EXPECT_TRUE("waitid_si_pid", si.si_pid == pid);
	EXPECT_TRUE("waitid_si_code_cld_exited",
		    si.si_code == CLD_EXITED && si.si_signo == SIGCHLD);
	EXPECT_VAL("waitid_si_status", si.si_status, 3);
	EXPECT_ERR("waitid_after_reap", waitid(P_PID, pid, &si, WEXITED), ECHILD);
	OK(close(p[1]));

	/* wait4(-1) takes any child; waitpid(pid) waits for that one only. */
	if ((a = xfork()) == 0)
		_exit(11);
	if ((b = xfork()) == 0)
		_exit(12);
	pid_t r1 = wait4(-1, &st, 0, NULL);
	int st1 = st;
	pid_t r2 = wait4(-1, &st, 0, NULL);
	EXPECT_TRUE("wait_any_got_both", (r1 == a && r2 == b) || (r1 == b && r2 == a));
	EXPECT_TRUE("wait_any_statuses",
		    WEXITSTATUS(r1 == a ? st1 : st) == 11 && WEXITSTATUS(r1 == a ? st : st1) == 12);
	EXPECT_ERR("wait_any_none_left", wait4(-1, &st, 0, NULL), ECHILD);
	if ((a = xfork()) == 0)
		_exit(21);
	if ((b = xfork()) == 0)
		_exit(22);
	CHECK_EQ(waitpid(b, &st, 0), b);
	print_wait_status("waitpid_second_child", st);
	CHECK_EQ(waitpid(a, &st, 0), a);
	print_wait_status("waitpid_first_child", st);

	/* Deaths by signal. */
	pid = blocked_child(p, 0);
	OK(kill(pid, SIGKILL));
	st = reap(pid);
	EXPECT_TRUE("sigkill_wifsignaled", WIFSIGNALED(st) && !WIFEXITED(st));
	EXPECT_VAL("sigkill_wtermsig", WTERMSIG(st), 9);
	OK(close(p[1]));
	pid = blocked_child(p, 0);
	OK(kill(pid, SIGTERM));
	print_wait_status("sigterm", reap(pid));
	OK(close(p[1]));
	if ((pid = xfork()) == 0) {
		struct rlimit nocore = {0, 0};
		setrlimit(RLIMIT_CORE, &nocore); /* no core file, natively */
		signal(SIGABRT, SIG_DFL);
		abort();
	}
	print_wait_status("abort", reap(pid)); /* WCOREDUMP depends on rlimits: not printed */
	if ((pid = xfork()) == 0) {
		raise(SIGTERM);
		_exit(0);
	}
	print_wait_status("raise_sigterm", reap(pid));
	EXPECT_ERR("all_reaped", wait4(-1, &st, WNOHANG, NULL), ECHILD);
	return done();
}
