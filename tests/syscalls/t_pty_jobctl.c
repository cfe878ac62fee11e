/* Job control on a pty. A child L starts a session with the slave as its terminal and a
 * child G in a group of its own, and moves the foreground (TIOCSPGRP, its errors). Typed at
 * the master, ^C and ^\ reach the foreground group (SIGINT, SIGQUIT, echoed), as do TIOCSIG
 * (SIGTSTP) and SIGWINCH for a real window change. In the background, G's reads get SIGTTIN
 * (EIO when it is ignored or blocked), its writes with TOSTOP, settings changes and
 * TIOCSPGRP get SIGTTOU (allowed when it is ignored); L's group, orphaned, gets EIO; a read
 * with SIGTTIN's default action stops the reader. When L, the session leader, exits, the
 * foreground group gets SIGHUP. */
#define _GNU_SOURCE
#include "check.h"

#include "pty_helpers.h"

static int m, s;
static int gl[2], lg[2], lm[2], ml[2], gm[2]; /* G->L, L->G, L->main, main->L, G->main */
static volatile sig_atomic_t got[65];

static void count(int sig)
{
	got[sig]++;
}

static void handle(int sig, bool restart)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = count;
	sa.sa_flags = restart ? SA_RESTART : 0;
	OK(sigaction(sig, &sa, NULL));
}

static void send_c(int fd, char c)
{
	CHECK_EQ(write(fd, &c, 1), 1);
}

static void wait_c(int fd, char want)
{
	char c = 0;
	ssize_t r;
	do
		r = read(fd, &c, 1);
	while (r < 0 && errno == EINTR);
	CHECK_EQ(r, 1);
	CHECK_EQ(c, want);
}

/* Waits (at most 2 s) until got[sig] reaches n for each pair of (sig, n) given. */
static void await_signals(const int *want, int npairs)
{
	for (int i = 0; i < 2000; i++) {
		bool all = true;
		for (int k = 0; k < npairs; k++)
			if (got[want[2 * k]] < want[2 * k + 1])
				all = false;
		if (all)
			return;
		usleep(1000);
	}
}

static void background_g(void)
{
	char buf[8];
	handle(SIGTTIN, false);
	EXPECT_ERR("bg_read", read(s, buf, 1), EINTR);
	EXPECT_VAL("bg_read_sigttin", got[SIGTTIN], 1);
	signal(SIGTTIN, SIG_IGN);
	EXPECT_ERR("bg_read_ignored", read(s, buf, 1), EIO);
	signal(SIGTTIN, SIG_DFL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTTIN);
	OK(sigprocmask(SIG_BLOCK, &set, NULL));
	EXPECT_ERR("bg_read_blocked", read(s, buf, 1), EIO);
	OK(sigprocmask(SIG_UNBLOCK, &set, NULL));

	handle(SIGTTOU, false);
	EXPECT_ERR("bg_write_tostop", write(s, "w", 1), EINTR);
	struct termios t;
	EXPECT_VAL("bg_tcgetattr", tcgetattr(s, &t), 0);
	EXPECT_ERR("bg_tcsetattr", tcsetattr(s, TCSANOW, &t), EINTR);
	pid_t me = getpgrp(), v;
	EXPECT_ERR("bg_tiocspgrp", ioctl(s, TIOCSPGRP, &me), EINTR);
	EXPECT_VAL("bg_sigttou_count", got[SIGTTOU], 3);
	EXPECT_TRUE("bg_tiocgpgrp_allowed", ioctl(s, TIOCGPGRP, &v) == 0 && v != me);
	signal(SIGTTOU, SIG_IGN);
	EXPECT_VAL("bg_write_ttou_ignored", write(s, "w\n", 2), 2);
	EXPECT_VAL("bg_tcsetattr_ttou_ignored", tcsetattr(s, TCSANOW, &t), 0);
	signal(SIGTTOU, SIG_DFL);
}

static void child_g(void)
{
	alarm(10);
	OK(setpgid(0, 0));
	close(gl[0]);
	close(lg[1]);
	int sigs[] = {SIGINT, SIGQUIT, SIGTSTP, SIGWINCH, SIGHUP};
	for (int i = 0; i < 5; i++)
		handle(sigs[i], true);
	send_c(gl[1], 'r');
	wait_c(lg[0], 'f'); /* we are the foreground: main types */
	wait_c(lg[0], 'p'); /* main is done printing */
	int want[] = {SIGINT, 1, SIGQUIT, 1, SIGTSTP, 1, SIGWINCH, 1};
	await_signals(want, 4);
	printf("G foreground: INT %d QUIT %d TSTP %d WINCH %d\n", (int)got[SIGINT],
	       (int)got[SIGQUIT], (int)got[SIGTSTP], (int)got[SIGWINCH]);
	fflush(stdout);
	send_c(gl[1], '1');
	wait_c(lg[0], 'b'); /* L took the foreground back, with TOSTOP */
	background_g();
	fflush(stdout);
	send_c(gl[1], '2');
	wait_c(lg[0], 'h'); /* foreground again; L is about to exit */
	int hup[] = {SIGHUP, 1};
	await_signals(hup, 1);
	printf("G after the leader's exit: HUP %d\n", (int)got[SIGHUP]);
	EXPECT_ERR("G_ctty_gone", open("/dev/tty", O_RDONLY), ENXIO);
	fflush(stdout);
	_exit(0);
}

static void stopped_reader(void)
{
	pid_t r = xfork();
	if (r == 0) {
		alarm(10);
		setpgid(0, 0);
		char c;
		read(s, &c, 1); /* SIGTTIN, default action: stopped here */
		_exit(1);
	}
	setpgid(r, r);
	int st = 0;
	CHECK_EQ(waitpid(r, &st, WUNTRACED), r);
	EXPECT_TRUE("bg_reader_stopped_by_sigttin", WIFSTOPPED(st) && WSTOPSIG(st) == SIGTTIN);
	OK(kill(r, SIGKILL));
	wait_and_print("stopped_reader", r);
}

static void child_l(void)
{
	alarm(20);
	close(m);
	close(gm[0]);
	OK(setsid());
	EXPECT_VAL("tiocsctty", ioctl(s, TIOCSCTTY, 0), 0);
	int sigs[] = {SIGINT, SIGQUIT, SIGTSTP, SIGWINCH};
	for (int i = 0; i < 4; i++)
		handle(sigs[i], true);
	OK(pipe(gl));
	OK(pipe(lg));
	pid_t g = xfork();
	if (g == 0)
		child_g();
	close(gm[1]);
	close(gl[1]);
	close(lg[0]);
	setpgid(g, g);
	wait_c(gl[0], 'r');

	pid_t v = -1;
	EXPECT_VAL("tiocgpgrp_self", (ioctl(s, TIOCGPGRP, &v), v == getpgrp()), 1);
	EXPECT_VAL("tiocspgrp_g", ioctl(s, TIOCSPGRP, &g), 0);
	EXPECT_VAL("tiocgpgrp_is_g", (ioctl(s, TIOCGPGRP, &v), v == g), 1);
	/* Now in the background: our group is orphaned (our parent is in another session), so
	 * reads and TIOCSPGRP fail instead of stopping us. */
	char c;
	EXPECT_ERR("orphaned_bg_read", read(s, &c, 1), EIO);
	pid_t bad = 0x3ffffff0;
	EXPECT_ERR("tiocspgrp_orphaned_bg", ioctl(s, TIOCSPGRP, &bad), ENOTTY);
	signal(SIGTTOU, SIG_IGN); /* as a shell: change the foreground from the background */
	EXPECT_ERR("tiocspgrp_no_such_group", ioctl(s, TIOCSPGRP, &bad), ESRCH);
	bad = -1;
	EXPECT_ERR("tiocspgrp_negative", ioctl(s, TIOCSPGRP, &bad), EINVAL);
	/* A group of another session that is surely visible: a child of ours that made its
	 * own session (our parent's group may lie outside our pid namespace, where it reads 0). */
	int sync_pipe[2];
	OK(pipe(sync_pipe));
	pid_t other = fork();
	if (other == 0) {
		setsid();
		close(sync_pipe[0]);
		(void)!write(sync_pipe[1], "r", 1);
		pause();
		_exit(0);
	}
	close(sync_pipe[1]);
	CHECK_EQ(read(sync_pipe[0], &c, 1), 1);
	close(sync_pipe[0]);
	bad = other;
	EXPECT_ERR("tiocspgrp_other_session", ioctl(s, TIOCSPGRP, &bad), EPERM);
	kill(other, SIGKILL);
	waitpid(other, NULL, 0);
	EXPECT_ERR("tiocspgrp_badptr", ioctl(s, TIOCSPGRP, BADPTR), EFAULT);
	int m2, s2;
	char name2[64];
	open_pair(&m2, &s2, name2);
	EXPECT_ERR("tiocspgrp_not_ctty", ioctl(s2, TIOCSPGRP, &g), ENOTTY);
	EXPECT_ERR("tiocspgrp_not_ctty_master", ioctl(m2, TIOCSPGRP, &g), ENOTTY);
	close(m2);
	close(s2);
	fflush(stdout);
	send_c(lg[1], 'f');
	send_c(lm[1], 'r');
	wait_c(ml[0], 'g'); /* main typed */
	send_c(lg[1], 'p');
	wait_c(gl[0], '1');
	printf("L background: INT %d QUIT %d TSTP %d WINCH %d\n", (int)got[SIGINT],
	       (int)got[SIGQUIT], (int)got[SIGTSTP], (int)got[SIGWINCH]);

	pid_t mine = getpgrp();
	EXPECT_VAL("tiocspgrp_back", ioctl(s, TIOCSPGRP, &mine), 0);
	struct termios t;
	OK(tcgetattr(s, &t));
	t.c_lflag |= TOSTOP;
	EXPECT_VAL("set_tostop", tcsetattr(s, TCSANOW, &t), 0);
	fflush(stdout);
	send_c(lg[1], 'b');
	wait_c(gl[0], '2');
	stopped_reader();
	EXPECT_VAL("tiocspgrp_g_again", ioctl(s, TIOCSPGRP, &g), 0);
	fflush(stdout);
	send_c(lg[1], 'h');
	_exit(0); /* the session leader exits: the foreground group hears SIGHUP */
}

int main(void)
{
	char name[64];
	alarm(30);
	open_pair(&m, &s, name);
	OK(pipe(lm));
	OK(pipe(ml));
	OK(pipe(gm));
	pid_t l = xfork();
	if (l == 0)
		child_l();
	close(gm[1]);
	wait_c(lm[0], 'r');
	/* Each signal character drops the echoes still queued from the same input: only the
	 * last one's shows. */
	EXPECT_VAL("type_intr_quit", write(m, "\x03\x1c", 2), 2);
	expect_read("echo_of_signal_chars", m, 2);
	struct winsize w = {30, 100, 0, 0};
	EXPECT_VAL("tiocswinsz", ioctl(m, TIOCSWINSZ, &w), 0);
	EXPECT_VAL("tiocswinsz_same", ioctl(m, TIOCSWINSZ, &w), 0);
	/* (Each signal once: a second SIGINT could merge with a first still pending.) */
	EXPECT_VAL("tiocsig_sigtstp", ioctl(m, TIOCSIG, SIGTSTP), 0);
	EXPECT_ERR("tiocsig_sigkill", ioctl(m, TIOCSIG, SIGKILL), EINVAL);
	pid_t v = 0;
	EXPECT_VAL("master_tiocgpgrp", ioctl(m, TIOCGPGRP, &v), 0);
	EXPECT_TRUE("foreground_not_leader", v != l && v > 0);
	fflush(stdout);
	send_c(ml[1], 'g');
	char c;
	CHECK_EQ(read(gm[0], &c, 1), 0); /* G, orphaned after L's exit, has exited too */
	wait_and_print("leader", l);
	expect_read("bg_write_reached_master", m, 3);
	EXPECT_TRUE("nothing_else_written", !ready_within(m, 100));
	OK(close(s));
	OK(close(m));
	return done();
}
