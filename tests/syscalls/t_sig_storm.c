/* A signal storm between processes. Four children each send their parent 2000 SIGUSR1 with
 * kill and 200 SIGRTMIN with sigqueue, retrying on EAGAIN when RLIMIT_SIGPENDING (lowered here
 * to 32 entries) fills the queue, while the parent keeps making syscalls (pread of
 * /etc/os-release, nanosleep, a non-blocking pipe read) under SA_RESTART handlers. The parent
 * checks that pread never fails, its data never changes, nanosleep fails only with EINTR, every
 * queued real-time signal arrives exactly once, in order, with its value and sender, and that
 * standard signals coalesce to between 1 and 8000 deliveries. Then the reverse storm: the parent
 * sends 1000 SIGUSR2 to each child while the child loops on getppid() and a pipe write/read;
 * each child reports through its exit status that its syscalls never failed and that its
 * handler ran at least once. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#define NCHILD 4
#define NUSR1 2000
#define NRT 200
#define NUSR2 1000
#define SIGPENDING_LIMIT 32

static int rtmin;
static pid_t kids[NCHILD];

/* Parent-side counters, each written only by its own (non-reentrant) handler. */
static volatile sig_atomic_t usr1_count, usr1_bad;
static volatile sig_atomic_t rt_count, rt_bad, rt_unordered;
static volatile sig_atomic_t rt_per_child[NCHILD], rt_next[NCHILD];
static volatile long rt_value_sum;
/* Child-side counter. */
static volatile sig_atomic_t usr2_count;

static void on_alarm(int sig)
{
	static const char msg[] = "FAIL t_sig_storm: timed out (10 s alarm)\n";
	ssize_t r = write(1, msg, sizeof(msg) - 1);
	r = write(2, msg, sizeof(msg) - 1);
	(void)r;
	_exit(1);
}

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	usr1_count++;
	if (si->si_signo != SIGUSR1 || si->si_code != SI_USER)
		usr1_bad++;
}

static void on_rt(int sig, siginfo_t *si, void *uc)
{
	rt_count++;
	int v = si->si_value.sival_int, c = v / 1000, i = v % 1000;
	if (si->si_signo != rtmin || si->si_code != SI_QUEUE || v < 0 || c >= NCHILD ||
	    si->si_pid != kids[c]) {
		rt_bad++;
		return;
	}
	if (i != rt_next[c])
		rt_unordered++;
	rt_next[c] = i + 1;
	rt_per_child[c]++;
	rt_value_sum += v;
}

static void on_usr2(int sig, siginfo_t *si, void *uc)
{
	usr2_count++;
}

static void handle(int sig, void (*h)(int, siginfo_t *, void *))
{
	struct sigaction sa = {.sa_sigaction = h, .sa_flags = SA_SIGINFO | SA_RESTART};
	sigemptyset(&sa.sa_mask);
	OK(sigaction(sig, &sa, NULL));
}

static unsigned long checksum(const char *p, size_t n)
{
	unsigned long h = 5381;
	for (size_t i = 0; i < n; i++)
		h = h * 33 + (unsigned char)p[i];
	return h;
}

/* The child: storm the parent, report, then survive the reverse storm. Its exit status says
 * what went wrong: 0 all fine, 2 no SIGUSR2 handled, 3 getppid changed, 4 pipe write/read
 * failed, 5 kill failed, 6 sigqueue failed other than with EAGAIN, 7 setup failed. */
static int child(int c, pid_t parent, int done_w, int stop_r)
{
	handle(SIGUSR1, on_usr1);
	handle(rtmin, on_rt);
	handle(SIGUSR2, on_usr2);
	sigset_t none;
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) != 0)
		return 7;
	alarm(10);

	for (int i = 0; i < NRT; i++) {
		for (int k = 0; k < NUSR1 / NRT; k++)
			if (kill(parent, SIGUSR1) != 0)
				return 5;
		union sigval v = {.sival_int = c * 1000 + i};
		while (sigqueue(parent, rtmin, v) != 0) {
			if (errno != EAGAIN)
				return 6;
			sched_yield();
		}
	}
	if (write(done_w, "d", 1) != 1)
		return 4;

	int p[2];
	if (pipe(p) != 0)
		return 7;
	for (;;) {
		char b;
		if (getppid() != parent)
			return 3;
		if (write(p[1], "x", 1) != 1 || read(p[0], &b, 1) != 1 || b != 'x')
			return 4;
		ssize_t r = read(stop_r, &b, 1);
		if (r == 1)
			break;
		if (r != -1 || errno != EAGAIN)
			return 4;
	}
	return usr2_count >= 1 ? 0 : 2;
}

int main(void)
{
	rtmin = SIGRTMIN;
	struct sigaction sa = {.sa_handler = on_alarm};
	sigemptyset(&sa.sa_mask);
	OK(sigaction(SIGALRM, &sa, NULL));
	alarm(10);

	handle(SIGUSR1, on_usr1);
	handle(rtmin, on_rt);
	handle(SIGUSR2, on_usr2);

	int fd = OK(open("/etc/os-release", O_RDONLY | O_CLOEXEC));
	static char ref[8192], buf[8192];
	ssize_t n = OK(pread(fd, ref, sizeof(ref), 0));
	CHECK(n > 0 && n < (ssize_t)sizeof(ref));
	unsigned long sum = checksum(ref, n);

	int donep[2], stop[NCHILD][2];
	OK(pipe2(donep, O_NONBLOCK | O_CLOEXEC));
	for (int c = 0; c < NCHILD; c++)
		OK(pipe2(stop[c], O_NONBLOCK | O_CLOEXEC));

	/* A small RLIMIT_SIGPENDING (the receiver's limit counts) makes the queue fill up, so
	 * sigqueue's EAGAIN and the children's retries are exercised on every run. */
	struct rlimit rl;
	OK(getrlimit(RLIMIT_SIGPENDING, &rl));
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > SIGPENDING_LIMIT)
		rl.rlim_cur = SIGPENDING_LIMIT;
	OK(setrlimit(RLIMIT_SIGPENDING, &rl));

	/* Block the storm signals until every child's pid is recorded for the handlers. */
	sigset_t storm, none;
	sigemptyset(&storm);
	sigaddset(&storm, SIGUSR1);
	sigaddset(&storm, rtmin);
	sigemptyset(&none);
	OK(sigprocmask(SIG_BLOCK, &storm, NULL));
	pid_t me = getpid();
	fflush(stdout);
	for (int c = 0; c < NCHILD; c++) {
		pid_t pid = OK(fork());
		if (pid == 0)
			_exit(child(c, me, donep[1], stop[c][0]));
		kids[c] = pid;
	}
	OK(sigprocmask(SIG_SETMASK, &none, NULL));
	printf("children_forked: %d\n", NCHILD);

	/* Work while the storm rages, until every child says it has sent everything. */
	int got = 0, pread_fail = 0, pread_short = 0, data_changed = 0, sleep_bad = 0;
	int pipe_bad = 0, iters = 0;
	while (got < NCHILD) {
		iters++;
		errno = 0;
		ssize_t r = pread(fd, buf, sizeof(buf), 0);
		if (r == -1)
			pread_fail++;
		else if (r != n)
			pread_short++;
		else if (checksum(buf, r) != sum || memcmp(buf, ref, n) != 0)
			data_changed++;
		struct timespec ts = {0, 20000};
		if (nanosleep(&ts, NULL) != 0 && errno != EINTR)
			sleep_bad++;
		char b[NCHILD];
		ssize_t k = read(donep[0], b, sizeof(b));
		if (k > 0)
			got += k;
		else if (k == 0 || errno != EAGAIN)
			pipe_bad++;
	}
	/* Every signal was sent before its child's byte, so it was pending when that read
	 * returned; one more syscall makes sure nothing is left. */
	sigset_t pend;
	OK(sigpending(&pend));
	EXPECT_TRUE("storm_nothing_left_pending",
		    !sigismember(&pend, SIGUSR1) && !sigismember(&pend, rtmin));
	EXPECT_TRUE("worked_during_storm", iters >= 1);
	EXPECT_VAL("pread_failures", pread_fail, 0);
	EXPECT_VAL("pread_short_reads", pread_short, 0);
	EXPECT_VAL("data_changed", data_changed, 0);
	EXPECT_VAL("nanosleep_errors_other_than_eintr", sleep_bad, 0);
	EXPECT_VAL("done_pipe_errors", pipe_bad, 0);

	/* The reverse storm. */
	int kill_fail = 0;
	for (int c = 0; c < NCHILD; c++) {
		for (int i = 0; i < NUSR2; i++)
			if (kill(kids[c], SIGUSR2) != 0)
				kill_fail++;
		if (write(stop[c][1], "s", 1) != 1)
			kill_fail++;
	}
	EXPECT_VAL("reverse_storm_send_failures", kill_fail, 0);

	for (int c = 0; c < NCHILD; c++) {
		int st;
		CHECK_EQ(OK(waitpid(kids[c], &st, 0)), kids[c]);
		if (WIFEXITED(st))
			printf("child%d_status: exit %d\n", c, WEXITSTATUS(st));
		else
			printf("child%d_status: signal %s\n", c,
			       WIFSIGNALED(st) ? sigabbrev_np(WTERMSIG(st)) : "?");
	}

	/* Freeze the counters. */
	sigset_t all;
	sigfillset(&all);
	OK(sigprocmask(SIG_BLOCK, &all, NULL));
	EXPECT_VAL("rtmin_delivered", rt_count, NCHILD * NRT);
	printf("rtmin_per_child: %d %d %d %d\n", (int)rt_per_child[0], (int)rt_per_child[1],
	       (int)rt_per_child[2], (int)rt_per_child[3]);
	EXPECT_VAL("rtmin_bad_siginfo", rt_bad, 0);
	EXPECT_VAL("rtmin_out_of_order", rt_unordered, 0);
	EXPECT_VAL("rtmin_value_sum", rt_value_sum,
		   (long)NRT * 1000 * (NCHILD * (NCHILD - 1) / 2) +
			   (long)NCHILD * (NRT * (NRT - 1) / 2));
	EXPECT_TRUE("usr1_delivered_in_range", usr1_count >= 1 && usr1_count <= NCHILD * NUSR1);
	EXPECT_VAL("usr1_bad_siginfo", usr1_bad, 0);
	EXPECT_VAL("parent_usr2_handled", usr2_count, 0);
	alarm(0);
	return done();
}
