/* Open file description locks: F_OFD_SETLK, F_OFD_SETLKW, F_OFD_GETLK. Owned by the
 * description (so two opens in one process conflict, a dup or a fork shares), l_pid 0 on
 * input and -1 on output, conflicts with POSIX locks, released at the last close only. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <sys/stat.h>

static char dir[64], path[96];

static int ofd(int fd, int cmd, int type, off_t start, off_t len)
{
	struct flock fl = {
	    .l_type = (short)type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
	return fcntl(fd, cmd, &fl);
}

static const char *type_name(int type)
{
	return type == F_RDLCK	 ? "F_RDLCK"
	       : type == F_WRLCK ? "F_WRLCK"
	       : type == F_UNLCK ? "F_UNLCK"
				 : "?";
}

/* What cmd (F_OFD_GETLK or F_GETLK) through fd says about a write lock on [start, +len). */
static void show(const char *label, int fd, int cmd, off_t start, off_t len)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
	OK(fcntl(fd, cmd, &fl));
	if (fl.l_type == F_UNLCK)
		printf("%s: F_UNLCK\n", label);
	else
		printf("%s: %s %lld %lld pid %d\n", label, type_name(fl.l_type),
		       (long long)fl.l_start, (long long)fl.l_len,
		       fl.l_pid == getpid() ? 0 : fl.l_pid);
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
	strcpy(dir, "/tmp/t_ofd_lock.XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/f", dir);
	int fd1 = OK(open(path, O_RDWR | O_CREAT, 0644));
	int fd2 = OK(open(path, O_RDWR));

	/* l_pid must be 0 on input. */
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_pid = 1};
	EXPECT_ERR("setlk_pid_nonzero", fcntl(fd1, F_OFD_SETLK, &fl), EINVAL);
	EXPECT_ERR("setlkw_pid_nonzero", fcntl(fd1, F_OFD_SETLKW, &fl), EINVAL);
	EXPECT_ERR("getlk_pid_nonzero", fcntl(fd1, F_OFD_GETLK, &fl), EINVAL);
	fl.l_pid = 0;
	fl.l_whence = 9;
	EXPECT_ERR("bad_whence", fcntl(fd1, F_OFD_SETLK, &fl), EINVAL);
	int rfd = OK(open(path, O_RDONLY));
	EXPECT_ERR("wrlck_on_rdonly", ofd(rfd, F_OFD_SETLK, F_WRLCK, 0, 1), EBADF);

	/* Two descriptions of one process conflict. */
	EXPECT_VAL("wrlck_fd1", ofd(fd1, F_OFD_SETLK, F_WRLCK, 0, 10), 0);
	EXPECT_ERR("fd2_conflicts", ofd(fd2, F_OFD_SETLK, F_RDLCK, 5, 1), EAGAIN);
	EXPECT_VAL("fd2_beside", ofd(fd2, F_OFD_SETLK, F_WRLCK, 10, 10), 0);
	show("ofd_getlk_from_fd2", fd2, F_OFD_GETLK, 0, 0);
	show("ofd_getlk_from_fd1", fd1, F_OFD_GETLK, 0, 0);
	/* POSIX locks of the same process conflict with them too, and F_GETLK shows -1. */
	EXPECT_ERR("posix_vs_ofd", ofd(rfd, F_SETLK, F_RDLCK, 0, 1), EAGAIN);
	show("posix_getlk_sees_ofd", rfd, F_GETLK, 0, 0);
	EXPECT_VAL("posix_lock_beside", ofd(rfd, F_SETLK, F_RDLCK, 30, 10), 0);
	show("ofd_getlk_sees_posix", fd1, F_OFD_GETLK, 25, 0);
	OK(ofd(rfd, F_SETLK, F_UNLCK, 0, 0));

	/* A dup is the same owner: it may extend the lock, and closing it releases nothing. */
	int fd3 = OK(dup(fd1));
	EXPECT_VAL("dup_same_owner", ofd(fd3, F_OFD_SETLK, F_WRLCK, 5, 3), 0);
	OK(close(fd3));
	show("kept_after_dup_close", fd2, F_OFD_GETLK, 0, 0);
	/* Unlike POSIX locks, closing another description of the file keeps them. */
	int fd4 = OK(open(path, O_RDWR));
	OK(close(fd4));
	show("kept_after_other_close", fd2, F_OFD_GETLK, 0, 0);
	/* Splitting works as for POSIX locks. */
	OK(ofd(fd1, F_OFD_SETLK, F_UNLCK, 2, 3));
	show("split_left", fd2, F_OFD_GETLK, 0, 0);
	show("split_right", fd2, F_OFD_GETLK, 3, 0);

	/* fork shares the description: the child is the same owner, through fd1. */
	pid_t pid = xfork();
	if (pid == 0) {
		EXPECT_VAL("child_via_fd1", ofd(fd1, F_OFD_SETLK, F_WRLCK, 0, 10), 0);
		int c = OK(open(path, O_RDWR));
		EXPECT_ERR("child_own_open_conflicts", ofd(c, F_OFD_SETLK, F_WRLCK, 0, 1), EAGAIN);
		fflush(stdout);
		_exit(0);
	}
	wait_and_print("fork_child", pid);
	show("kept_after_child_exit", fd2, F_OFD_GETLK, 0, 0);

	/* F_OFD_SETLKW waits for the other description, here in another process. */
	int to_parent[2];
	OK(pipe(to_parent));
	pid = xfork();
	if (pid == 0) {
		alarm(10);
		close(fd1); /* or our copy would keep the description (and its lock) alive */
		int c = OK(open(path, O_RDWR));
		put1(to_parent[1], 'r');
		int r = ofd(c, F_OFD_SETLKW, F_WRLCK, 0, 1);
		put1(to_parent[1], r == 0 ? 'g' : 'e');
		_exit(0);
	}
	CHECK_EQ(get1(to_parent[0]), 'r');
	/* The last close of fd1's description releases its locks. */
	OK(close(fd1));
	EXPECT_VAL("setlkw_after_last_close", get1(to_parent[0]), 'g');
	wait_and_print("setlkw_child", pid);
	show("child_lock_gone", fd2, F_OFD_GETLK, 0, 10);

	OK(close(fd2));
	OK(close(rfd));
	OK(unlink(path));
	OK(rmdir(dir));
	return done();
}
