/* flock(2): shared and exclusive locks of an open file description, conversions, LOCK_NB,
 * sharing through dup and fork, release at the last close, blocking, EINTR and restart. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#ifndef LOCK_MAND
#define LOCK_MAND 32
#endif

static char dir[64], path[96];

static void on_alarm(int sig)
{
	(void)sig;
}

static int ready_fd = -1; /* the restart test's handler says "the signal came" here */
static void on_alarm_notify(int sig)
{
	(void)sig;
	if (write(ready_fd, "a", 1) != 1)
		_exit(3);
}

static void set_alarm_handler(void (*fn)(int), int flags)
{
	struct sigaction sa = {.sa_handler = fn, .sa_flags = flags};
	sigemptyset(&sa.sa_mask);
	OK(sigaction(SIGALRM, &sa, NULL));
}

/* Reads one byte from fd (the other process's "go on"). */
static char get1(int fd)
{
	char c = 0;
	CHECK_EQ(read(fd, &c, 1), 1);
	return c;
}

static void put1(int fd, char c)
{
	CHECK_EQ(write(fd, &c, 1), 1);
}

int main(void)
{
	strcpy(dir, "/tmp/t_flock.XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/f", dir);
	int fd1 = OK(open(path, O_RDWR | O_CREAT, 0644));
	int fd2 = OK(open(path, O_RDWR));

	/* Argument checks come first, then the descriptor. */
	EXPECT_ERR("op_zero", flock(fd1, 0), EINVAL);
	EXPECT_ERR("op_sh_ex", flock(fd1, LOCK_SH | LOCK_EX), EINVAL);
	EXPECT_ERR("op_nb_only", flock(fd1, LOCK_NB), EINVAL);
	EXPECT_ERR("op_bad_before_ebadf", flock(-1, 0), EINVAL);
	EXPECT_ERR("bad_fd", flock(-1, LOCK_SH), EBADF);
	EXPECT_VAL("lock_mand_ignored", flock(-1, LOCK_MAND | LOCK_SH), 0);
	int pfd = OK(open(path, O_PATH));
	EXPECT_ERR("o_path", flock(pfd, LOCK_SH), EBADF);
	OK(close(pfd));

	/* Shared locks coexist; an exclusive one does not. */
	EXPECT_VAL("sh_1", flock(fd1, LOCK_SH), 0);
	EXPECT_VAL("sh_2", flock(fd2, LOCK_SH | LOCK_NB), 0);
	EXPECT_VAL("sh_again_same_type", flock(fd1, LOCK_SH | LOCK_NB), 0);
	/* A failed LOCK_NB conversion drops the lock it had: fd1 can then convert. */
	EXPECT_ERR("convert_2_conflict", flock(fd2, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	EXPECT_VAL("convert_1_after_2_lost", flock(fd1, LOCK_EX | LOCK_NB), 0);
	EXPECT_ERR("sh_2_vs_ex", flock(fd2, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	EXPECT_ERR("ex_2_vs_ex", flock(fd2, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	/* Downgrade to shared lets fd2 share. */
	EXPECT_VAL("downgrade_1", flock(fd1, LOCK_SH | LOCK_NB), 0);
	EXPECT_VAL("sh_2_after_downgrade", flock(fd2, LOCK_SH | LOCK_NB), 0);
	EXPECT_VAL("unlock_2", flock(fd2, LOCK_UN), 0);
	EXPECT_VAL("unlock_2_again", flock(fd2, LOCK_UN), 0);

	/* A dup shares the description, so its lock: unlocking through it unlocks fd1. */
	EXPECT_VAL("ex_1", flock(fd1, LOCK_EX | LOCK_NB), 0);
	int fd3 = OK(dup(fd1));
	EXPECT_VAL("ex_dup_same_owner", flock(fd3, LOCK_EX | LOCK_NB), 0);
	EXPECT_VAL("unlock_via_dup", flock(fd3, LOCK_UN), 0);
	EXPECT_VAL("ex_2_after_dup_unlock", flock(fd2, LOCK_EX | LOCK_NB), 0);
	EXPECT_VAL("unlock_2b", flock(fd2, LOCK_UN), 0);

	/* Closing one of two fds of the description keeps the lock; the last close frees it. */
	EXPECT_VAL("ex_1b", flock(fd1, LOCK_EX | LOCK_NB), 0);
	OK(close(fd3));
	EXPECT_ERR("kept_after_dup_close", flock(fd2, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	OK(close(fd1));
	EXPECT_VAL("freed_at_last_close", flock(fd2, LOCK_EX | LOCK_NB), 0);
	OK(flock(fd2, LOCK_UN));

	/* Any access mode will do, even read-only for an exclusive lock. */
	int rfd = OK(open(path, O_RDONLY));
	EXPECT_VAL("ex_on_rdonly", flock(rfd, LOCK_EX | LOCK_NB), 0);
	EXPECT_ERR("ex_2_vs_rdonly_holder", flock(fd2, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	OK(close(rfd));

	/* fork: the child shares the description, so the parent's lock is its lock too. */
	fd1 = OK(open(path, O_RDWR));
	OK(flock(fd1, LOCK_EX));
	pid_t pid = xfork();
	if (pid == 0) {
		int ok = flock(fd1, LOCK_EX | LOCK_NB) == 0; /* same owner */
		int other = open(path, O_RDWR);
		int blocked = flock(other, LOCK_SH | LOCK_NB) == -1 && errno == EWOULDBLOCK;
		int unlocked = flock(fd1, LOCK_UN) == 0; /* unlocks the parent's lock */
		_exit(ok && blocked && unlocked ? 0 : 1);
	}
	wait_and_print("child_shares_lock", pid);
	EXPECT_VAL("parent_lock_gone_with_child_unlock", flock(fd2, LOCK_EX | LOCK_NB), 0);
	OK(flock(fd2, LOCK_UN));
	/* A child that merely exits closes its fds, but the description lives on in us. */
	OK(flock(fd1, LOCK_EX));
	pid = xfork();
	if (pid == 0)
		_exit(0);
	wait_and_print("child_exits", pid);
	EXPECT_ERR("lock_survives_child_exit", flock(fd2, LOCK_EX | LOCK_NB), EWOULDBLOCK);

	/* Blocking: the child waits for our exclusive lock until we release it. */
	int to_parent[2], to_child[2];
	OK(pipe(to_parent));
	OK(pipe(to_child));
	pid = xfork();
	if (pid == 0) {
		alarm(10); /* a bug must not hang the test */
		int c = open(path, O_RDWR);
		put1(to_parent[1], 'r');
		int r = flock(c, LOCK_EX);
		put1(to_parent[1], r == 0 ? 'g' : 'e');
		_exit(0);
	}
	CHECK_EQ(get1(to_parent[0]), 'r');
	int fl = fcntl(to_parent[0], F_GETFL);
	OK(fcntl(to_parent[0], F_SETFL, fl | O_NONBLOCK));
	char c;
	EXPECT_ERR("child_still_waiting", read(to_parent[0], &c, 1), EAGAIN);
	OK(fcntl(to_parent[0], F_SETFL, fl));
	OK(flock(fd1, LOCK_UN));
	EXPECT_VAL("child_got_lock_after_unlock", get1(to_parent[0]), 'g');
	wait_and_print("blocking_child", pid);
	/* Its lock went with its last reference (the child's exit). */
	EXPECT_VAL("child_lock_freed_at_exit", flock(fd2, LOCK_EX | LOCK_NB), 0);

	/* A signal with a handler without SA_RESTART ends the wait with EINTR. */
	pid = xfork();
	if (pid == 0) {
		int c2 = open(path, O_RDWR);
		set_alarm_handler(on_alarm, 0);
		alarm(1);
		int r = flock(c2, LOCK_EX);
		_exit(r == -1 && errno == EINTR ? 0 : 1);
	}
	wait_and_print("eintr_without_sa_restart", pid);

	/* With SA_RESTART the wait goes on after the handler, until we unlock. */
	pid = xfork();
	if (pid == 0) {
		int c2 = open(path, O_RDWR);
		ready_fd = to_parent[1];
		set_alarm_handler(on_alarm_notify, SA_RESTART);
		alarm(1);
		int r = flock(c2, LOCK_EX);
		put1(to_parent[1], r == 0 ? 'g' : 'e');
		_exit(0);
	}
	EXPECT_VAL("handler_ran", get1(to_parent[0]), 'a');
	OK(flock(fd2, LOCK_UN));
	EXPECT_VAL("restarted_and_got_lock", get1(to_parent[0]), 'g');
	wait_and_print("sa_restart_child", pid);

	OK(close(fd1));
	OK(close(fd2));
	OK(unlink(path));
	OK(rmdir(dir));
	return done();
}
