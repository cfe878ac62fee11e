/* POSIX record locks: fcntl F_SETLK, F_SETLKW, F_GETLK. Ranges (whence, negative lengths,
 * to EOF), splitting and merging, conflicts between processes, EDEADLK, release when any
 * fd of the file is closed, and l_pid. Another process looks at our locks through F_GETLK
 * (a process never conflicts with itself). */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

static char dir[64], path[96];

static int lk(int fd, int cmd, int type, int whence, off_t start, off_t len)
{
	struct flock fl = {
	    .l_type = (short)type, .l_whence = (short)whence, .l_start = start, .l_len = len};
	return fcntl(fd, cmd, &fl);
}

static const char *type_name(int type)
{
	return type == F_RDLCK	 ? "F_RDLCK"
	       : type == F_WRLCK ? "F_WRLCK"
	       : type == F_UNLCK ? "F_UNLCK"
				 : "?";
}

/* In a new process with its own descriptor: what F_GETLK says about [start, start+len) for
 * a lock of type; the holder's pid is printed as a relation to owner. */
static void probe(const char *label, int type, off_t start, off_t len)
{
	pid_t owner = getpid();
	pid_t pid = xfork();
	if (pid == 0) {
		int fd = OK(open(path, O_RDWR));
		struct flock fl = {.l_type = (short)type,
				   .l_whence = SEEK_SET,
				   .l_start = start,
				   .l_len = len,
				   .l_pid = 12345};
		OK(fcntl(fd, F_GETLK, &fl));
		if (fl.l_type == F_UNLCK)
			printf("%s: F_UNLCK (start %lld len %lld kept)\n", label,
			       (long long)fl.l_start, (long long)fl.l_len);
		else
			printf("%s: %s %lld %lld whence %d pid_is_owner %s\n", label,
			       type_name(fl.l_type), (long long)fl.l_start, (long long)fl.l_len,
			       fl.l_whence, fl.l_pid == owner ? "yes" : "no");
		fflush(stdout);
		_exit(0);
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void on_alarm(int sig)
{
	(void)sig;
}

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
	char buf[100];
	memset(buf, 'x', sizeof(buf));
	strcpy(dir, "/tmp/t_fcntl_lock.XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/f", dir);
	int fd = OK(open(path, O_RDWR | O_CREAT, 0644));
	CHECK_EQ(write(fd, buf, sizeof(buf)), 100);

	/* Argument checks, in Linux's order. */
	struct flock fl = {.l_type = F_WRLCK};
	EXPECT_ERR("bad_fd", fcntl(-1, F_SETLK, &fl), EBADF);
	EXPECT_ERR("efault", fcntl(fd, F_SETLK, BADPTR), EFAULT);
	EXPECT_ERR("getlk_efault", fcntl(fd, F_GETLK, BADPTR), EFAULT);
	EXPECT_ERR("bad_whence", lk(fd, F_SETLK, F_WRLCK, 7, 0, 1), EINVAL);
	EXPECT_ERR("bad_type", lk(fd, F_SETLK, 7, SEEK_SET, 0, 1), EINVAL);
	EXPECT_ERR("negative_start", lk(fd, F_SETLK, F_WRLCK, SEEK_SET, -1, 1), EINVAL);
	EXPECT_ERR("negative_len_before_0", lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 5, -6), EINVAL);
	EXPECT_ERR("len_overflow", lk(fd, F_SETLK, F_WRLCK, SEEK_SET, LLONG_MAX, 2), EOVERFLOW);
	EXPECT_ERR("start_overflow", lk(fd, F_SETLK, F_WRLCK, SEEK_END, LLONG_MAX, 1), EOVERFLOW);
	EXPECT_ERR("getlk_unlck", lk(fd, F_GETLK, F_UNLCK, SEEK_SET, 0, 1), EINVAL);
	EXPECT_ERR("getlk_bad_type", lk(fd, F_GETLK, 7, SEEK_SET, 0, 1), EINVAL);
	int rfd = OK(open(path, O_RDONLY)), wfd = OK(open(path, O_WRONLY));
	EXPECT_ERR("wrlck_on_rdonly", lk(rfd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1), EBADF);
	EXPECT_ERR("rdlck_on_wronly", lk(wfd, F_SETLK, F_RDLCK, SEEK_SET, 0, 1), EBADF);
	EXPECT_VAL("unlck_on_rdonly", lk(rfd, F_SETLK, F_UNLCK, SEEK_SET, 0, 1), 0);
	EXPECT_VAL("getlk_wrlck_on_rdonly", lk(rfd, F_GETLK, F_WRLCK, SEEK_SET, 0, 1), 0);
	int pfd = OK(open(path, O_PATH));
	EXPECT_ERR("o_path", lk(pfd, F_SETLK, F_RDLCK, SEEK_SET, 0, 1), EBADF);
	OK(close(pfd));

	/* Our own locks never conflict with us. */
	EXPECT_VAL("wrlck_0_10", lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10), 0);
	fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
	OK(fcntl(fd, F_GETLK, &fl));
	EXPECT_VAL("own_lock_invisible", fl.l_type, F_UNLCK);
	probe("other_sees_wrlck", F_RDLCK, 5, 1);
	probe("other_outside", F_WRLCK, 10, 5);

	/* Split: unlocking the middle of one lock leaves two. */
	OK(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 100));
	EXPECT_VAL("unlock_middle", lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 40, 20), 0);
	probe("split_first", F_WRLCK, 0, 0);
	probe("split_hole", F_WRLCK, 40, 20);
	probe("split_second", F_WRLCK, 50, 0);
	/* Merge: filling the hole gives one lock again. */
	OK(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 40, 20));
	probe("merged", F_WRLCK, 0, 0);
	/* A read lock in the middle of a write lock splits it in three. */
	OK(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 20, 10));
	probe("three_first", F_RDLCK, 0, 0);
	probe("three_read_part", F_WRLCK, 20, 10);
	probe("three_read_vs_read", F_RDLCK, 20, 10);
	probe("three_last", F_RDLCK, 25, 0);
	/* Adjacent locks of the same type merge; of different types they do not. */
	OK(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0));
	OK(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 10));
	OK(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 10, 10));
	OK(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 20, 10));
	probe("adjacent_read_merged", F_WRLCK, 0, 0);
	probe("adjacent_write_separate", F_WRLCK, 15, 0);
	/* Upgrading a read lock covering a write lock's neighbour joins them. */
	OK(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 5, 20));
	probe("upgrade_joins", F_RDLCK, 0, 0);
	OK(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0));
	probe("all_unlocked", F_WRLCK, 0, 0);

	/* Negative lengths, SEEK_CUR and SEEK_END. */
	OK(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 50, -10));
	probe("negative_len", F_WRLCK, 0, 0);
	OK(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0));
	CHECK_EQ(lseek(fd, 30, SEEK_SET), 30);
	OK(lk(fd, F_SETLK, F_WRLCK, SEEK_CUR, 5, 5));
	probe("seek_cur", F_WRLCK, 0, 0);
	OK(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0));
	OK(lk(fd, F_SETLK, F_WRLCK, SEEK_END, -10, 0));
	probe("seek_end_to_eof", F_WRLCK, 0, 0);
	OK(lk(fd, F_SETLK, F_UNLCK, SEEK_CUR, -30, 0));
	probe("unlock_seek_cur_to_eof", F_WRLCK, 0, 0);

	/* Conflicts from another process: EAGAIN; the child's own locks show their pid. */
	OK(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10));
	int to_parent[2], to_child[2];
	OK(pipe(to_parent));
	OK(pipe(to_child));
	pid_t pid = xfork();
	if (pid == 0) {
		int cfd = OK(open(path, O_RDWR));
		EXPECT_ERR("child_conflict", lk(cfd, F_SETLK, F_RDLCK, SEEK_SET, 9, 1), EAGAIN);
		EXPECT_VAL("child_beside", lk(cfd, F_SETLK, F_WRLCK, SEEK_SET, 10, 10), 0);
		fflush(stdout);
		put1(to_parent[1], 'l');
		get1(to_child[0]); /* until the parent has looked */
		_exit(0);
	}
	CHECK_EQ(get1(to_parent[0]), 'l');
	fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
	OK(fcntl(fd, F_GETLK, &fl));
	printf("parent_sees_child_lock: %s %lld %lld l_pid_is_child %s\n", type_name(fl.l_type),
	       (long long)fl.l_start, (long long)fl.l_len, fl.l_pid == pid ? "yes" : "no");
	put1(to_child[1], 'g');
	wait_and_print("conflict_child", pid);
	/* The child's locks went with it. */
	fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 10, .l_len = 0};
	OK(fcntl(fd, F_GETLK, &fl));
	EXPECT_VAL("child_locks_gone_at_exit", fl.l_type, F_UNLCK);

	/* POSIX's rule: closing ANY fd of the file drops all our locks on it. */
	probe("before_close_other_fd", F_WRLCK, 0, 0);
	OK(close(rfd));
	probe("after_close_other_fd", F_WRLCK, 0, 0);
	OK(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10));
	rfd = OK(open(path, O_RDONLY));
	int nfd = OK(open("/dev/null", O_RDONLY));
	OK(dup2(nfd, rfd)); /* dup2 over an fd of the file closes it */
	probe("after_dup2_over_other_fd", F_WRLCK, 0, 0);
	OK(close(nfd));
	OK(close(rfd));
	/* ... but a child closing its inherited copy does not: its fds are its own. */
	OK(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10));
	pid = xfork();
	if (pid == 0) {
		close(fd);
		_exit(0);
	}
	wait_and_print("child_closed_inherited_fd", pid);
	probe("lock_kept_after_child_close", F_WRLCK, 0, 0);

	/* F_SETLKW waits for the holder. */
	pid = xfork();
	if (pid == 0) {
		alarm(10);
		int cfd = OK(open(path, O_RDWR));
		put1(to_parent[1], 'r');
		int r = lk(cfd, F_SETLKW, F_WRLCK, SEEK_SET, 5, 1);
		put1(to_parent[1], r == 0 ? 'g' : 'e');
		get1(to_child[0]);
		_exit(0);
	}
	CHECK_EQ(get1(to_parent[0]), 'r');
	OK(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 5)); /* not the byte it waits for */
	OK(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 5, 0));
	EXPECT_VAL("setlkw_got_it", get1(to_parent[0]), 'g');
	EXPECT_ERR("now_child_holds", lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0), EAGAIN);
	put1(to_child[1], 'x');
	wait_and_print("setlkw_child", pid);

	/* EDEADLK: each holds one byte and waits for the other's. Whichever waits second
	 * closes the cycle and gets EDEADLK; it then unlocks so that the first one gets in. */
	OK(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1));
	pid = xfork();
	if (pid == 0) {
		alarm(10);
		int cfd = OK(open(path, O_RDWR));
		OK(lk(cfd, F_SETLK, F_WRLCK, SEEK_SET, 1, 1));
		put1(to_parent[1], 'h');
		int r = lk(cfd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1);
		char res = r == 0 ? 'g' : errno == EDEADLK ? 'd' : 'e';
		if (res == 'd')
			OK(lk(cfd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0));
		put1(to_parent[1], res);
		get1(to_child[0]);
		_exit(0);
	}
	CHECK_EQ(get1(to_parent[0]), 'h');
	int r = lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 1, 1);
	char mine = r == 0 ? 'g' : errno == EDEADLK ? 'd' : 'e';
	if (mine == 'd')
		OK(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0));
	char theirs = get1(to_parent[0]);
	EXPECT_TRUE("exactly_one_edeadlk",
		    (mine == 'd' && theirs == 'g') || (mine == 'g' && theirs == 'd'));
	put1(to_child[1], 'x');
	wait_and_print("deadlock_child", pid);
	OK(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0));

	/* A signal with a handler (no SA_RESTART) interrupts F_SETLKW: EINTR. */
	OK(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0));
	pid = xfork();
	if (pid == 0) {
		int cfd = OK(open(path, O_RDWR));
		struct sigaction sa = {.sa_handler = on_alarm};
		sigemptyset(&sa.sa_mask);
		OK(sigaction(SIGALRM, &sa, NULL));
		alarm(1);
		r = lk(cfd, F_SETLKW, F_RDLCK, SEEK_SET, 0, 1);
		_exit(r == -1 && errno == EINTR ? 0 : 1);
	}
	wait_and_print("setlkw_eintr", pid);

	OK(close(fd));
	OK(close(wfd));
	OK(unlink(path));
	OK(rmdir(dir));
	return done();
}
