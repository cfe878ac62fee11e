/* Controlling terminals, each case in a child that starts its own session: /dev/tty without
 * one (ENXIO); a session leader's open without O_NOCTTY makes a pty slave its terminal, one
 * with O_NOCTTY does not; TIOCSCTTY (on the slave or the master, its EPERM cases, stealing
 * with arg 1 as root); /dev/tty opens the terminal; children inherit it and setsid drops
 * it; TIOCNOTTY (a member, the leader: SIGHUP to the foreground group); TIOCGPGRP and
 * TIOCGSID; the master closing: the leader gets SIGHUP and SIGCONT, the session loses it. */
#define _GNU_SOURCE
#include "check.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "pty_helpers.h"

static int m, s;
static char name[64];
static volatile sig_atomic_t got_hup, got_cont;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup++;
	else
		got_cont++;
}

static void catch_hup_cont(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART; /* a wait on a pipe may be what they interrupt */
	OK(sigaction(SIGHUP, &sa, NULL));
	OK(sigaction(SIGCONT, &sa, NULL));
}

/* Runs fn in a child (which prints its own lines) and reports how it ended. */
static void run(const char *label, void (*fn)(void))
{
	pid_t pid = xfork();
	if (pid == 0) {
		alarm(10);
		fn();
		fflush(stdout);
		_exit(0);
	}
	wait_and_print(label, pid);
}

static void no_ctty(void)
{
	OK(setsid());
	EXPECT_ERR("dev_tty_without_ctty", open("/dev/tty", O_RDWR), ENXIO);
	pid_t v;
	EXPECT_ERR("tiocgpgrp_not_ours", ioctl(s, TIOCGPGRP, &v), ENOTTY);
	EXPECT_ERR("tiocgsid_not_ours", ioctl(s, TIOCGSID, &v), ENOTTY);
	EXPECT_VAL("tiocgpgrp_master_none", (ioctl(m, TIOCGPGRP, &v), v), 0);
	EXPECT_ERR("tiocgsid_master_none", ioctl(m, TIOCGSID, &v), ENOTTY);
	EXPECT_ERR("tiocnotty_not_ours", ioctl(s, TIOCNOTTY), ENOTTY);
	int fd = EXPECT_OK("open_with_noctty", open(name, O_RDWR | O_NOCTTY));
	EXPECT_ERR("still_no_ctty", open("/dev/tty", O_RDWR), ENXIO);
	OK(close(fd));
}

static void open_acquires(void)
{
	OK(setsid());
	int fd = EXPECT_OK("open_without_noctty", open(name, O_RDWR));
	pid_t v;
	EXPECT_TRUE("tiocgpgrp_is_ours", ioctl(fd, TIOCGPGRP, &v) == 0 && v == getpgrp());
	EXPECT_TRUE("tiocgsid_is_ours", ioctl(s, TIOCGSID, &v) == 0 && v == getpid());
	EXPECT_TRUE("master_tiocgpgrp", ioctl(m, TIOCGPGRP, &v) == 0 && v == getpgrp());
	EXPECT_TRUE("master_tiocgsid", ioctl(m, TIOCGSID, &v) == 0 && v == getsid(0));
	EXPECT_VAL("tiocsctty_again_is_fine", ioctl(fd, TIOCSCTTY, 0), 0);
	int tty = EXPECT_OK("dev_tty", open("/dev/tty", O_RDWR));
	struct stat st;
	OK(fstat(tty, &st));
	EXPECT_TRUE("dev_tty_is_5_0", S_ISCHR(st.st_mode) && st.st_rdev == makedev(5, 0));
	EXPECT_VAL("write_dev_tty", write(tty, "via tty\n", 8), 8);
	expect_read("master_reads_dev_tty", m, 9);
	EXPECT_VAL("dev_tty_isatty", isatty(tty), 1);
	EXPECT_TRUE("dev_tty_tiocgpgrp", ioctl(tty, TIOCGPGRP, &v) == 0 && v == getpgrp());

	/* A second terminal is refused; so is the first one to a member of the session. */
	int m2, s2;
	char name2[64];
	open_pair(&m2, &s2, name2);
	EXPECT_ERR("tiocsctty_second", ioctl(s2, TIOCSCTTY, 0), EPERM);
	int fd2 = EXPECT_OK("open_second_without_noctty", open(name2, O_RDWR));
	EXPECT_ERR("second_not_acquired", ioctl(fd2, TIOCGPGRP, &v), ENOTTY);
	EXPECT_ERR("tiocnotty_master", ioctl(m, TIOCNOTTY), ENOTTY);
	pid_t pid = xfork();
	if (pid == 0) {
		EXPECT_TRUE("child_inherits", ioctl(s, TIOCGPGRP, &v) == 0 && v == getpgrp());
		EXPECT_ERR("child_tiocsctty", ioctl(s2, TIOCSCTTY, 0), EPERM);
		int t2 = EXPECT_OK("child_dev_tty", open("/dev/tty", O_RDONLY));
		close(t2);
		EXPECT_VAL("child_tiocnotty", ioctl(s, TIOCNOTTY), 0);
		EXPECT_ERR("child_after_notty", open("/dev/tty", O_RDONLY), ENXIO);
		fflush(stdout);
		_exit(0);
	}
	wait_and_print("member_child", pid);
	EXPECT_TRUE("leader_keeps_it", ioctl(s, TIOCGPGRP, &v) == 0 && v == getpgrp());
	pid = xfork();
	if (pid == 0) {
		OK(setsid());
		EXPECT_ERR("setsid_drops_ctty", open("/dev/tty", O_RDONLY), ENXIO);
		EXPECT_ERR("setsid_tiocgpgrp", ioctl(s, TIOCGPGRP, &v), ENOTTY);
		fflush(stdout);
		_exit(0);
	}
	wait_and_print("setsid_child", pid);
	close(m2);
	close(s2);
	close(fd2);
}

static void noctty_then_tiocsctty(void)
{
	OK(setsid());
	pid_t v;
	EXPECT_ERR("not_acquired", ioctl(s, TIOCGPGRP, &v), ENOTTY);
	EXPECT_VAL("tiocsctty_master", ioctl(m, TIOCSCTTY, 0), 0);
	EXPECT_TRUE("slave_is_ctty", ioctl(s, TIOCGPGRP, &v) == 0 && v == getpgrp());
	/* The leader gives it up: its foreground group (itself) gets SIGHUP and SIGCONT. */
	catch_hup_cont();
	EXPECT_VAL("leader_tiocnotty", ioctl(s, TIOCNOTTY), 0);
	for (int i = 0; i < 2000 && !(got_hup && got_cont); i++)
		usleep(1000);
	printf("notty signals: hup %d cont %d\n", (int)got_hup, (int)got_cont);
	EXPECT_ERR("gone_after_notty", open("/dev/tty", O_RDONLY), ENXIO);
	EXPECT_ERR("master_tiocgsid_free", ioctl(m, TIOCGSID, &v), ENOTTY);
	EXPECT_VAL("tiocsctty_after_notty", ioctl(s, TIOCSCTTY, 0), 0);
}

static void steal(void)
{
	int go[2], done_[2];
	char c;
	OK(pipe(go));
	OK(pipe(done_));
	pid_t a = xfork();
	if (a == 0) {
		alarm(10);
		OK(setsid());
		OK(ioctl(s, TIOCSCTTY, 0));
		CHECK_EQ(write(go[1], "a", 1), 1);
		CHECK_EQ(read(done_[0], &c, 1), 1);
		pid_t v;
		EXPECT_ERR("owner_lost_it", ioctl(s, TIOCGPGRP, &v), ENOTTY);
		fflush(stdout);
		_exit(0);
	}
	CHECK_EQ(read(go[0], &c, 1), 1);
	pid_t b = xfork();
	if (b == 0) {
		alarm(10);
		OK(setsid());
		EXPECT_ERR("tiocsctty_taken", ioctl(s, TIOCSCTTY, 0), EPERM);
		EXPECT_VAL("tiocsctty_steal_as_root", ioctl(s, TIOCSCTTY, 1), 0);
		pid_t v;
		EXPECT_TRUE("thief_has_it", ioctl(s, TIOCGSID, &v) == 0 && v == getpid());
		fflush(stdout);
		_exit(0);
	}
	wait_and_print("thief", b);
	CHECK_EQ(write(done_[1], "d", 1), 1);
	wait_and_print("owner", a);
	close(go[0]);
	close(go[1]);
	close(done_[0]);
	close(done_[1]);
}

static void master_closes(void)
{
	int ready[2], closed[2];
	char c;
	OK(pipe(ready));
	OK(pipe(closed));
	pid_t pid = xfork();
	if (pid == 0) {
		alarm(10);
		close(m);
		OK(setsid());
		OK(ioctl(s, TIOCSCTTY, 0));
		catch_hup_cont();
		CHECK_EQ(write(ready[1], "r", 1), 1);
		CHECK_EQ(read(closed[0], &c, 1), 1);
		for (int i = 0; i < 2000 && !(got_hup && got_cont); i++)
			usleep(1000);
		printf("hangup signals: hup %d cont %d\n", (int)got_hup, (int)got_cont);
		char buf[8];
		EXPECT_VAL("hung_up_read", read(s, buf, sizeof(buf)), 0);
		EXPECT_ERR("hung_up_write", write(s, "x", 1), EIO);
		EXPECT_ERR("ctty_gone", open("/dev/tty", O_RDONLY), ENXIO);
		pid_t v;
		EXPECT_ERR("hung_up_tiocspgrp", ioctl(s, TIOCSPGRP, &v), ENOTTY);
		EXPECT_ERR("hung_up_tiocgpgrp", ioctl(s, TIOCGPGRP, &v), EIO);
		fflush(stdout);
		_exit(0);
	}
	CHECK_EQ(read(ready[0], &c, 1), 1);
	OK(close(m));
	CHECK_EQ(write(closed[1], "c", 1), 1);
	wait_and_print("leader_of_hung_up_tty", pid);
}

int main(void)
{
	alarm(30);
	open_pair(&m, &s, name);
	run("no_ctty", no_ctty);
	run("open_acquires", open_acquires);
	run("noctty_then_tiocsctty", noctty_then_tiocsctty);
	run("steal", steal);
	master_closes();
	OK(close(s));
	return done();
}
