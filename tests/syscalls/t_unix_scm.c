/* Control messages on AF_UNIX sockets: SCM_RIGHTS across fork (shared descriptions, fd
 * numbers, MSG_CMSG_CLOEXEC, MSG_CTRUNC, peeking, stream boundaries, dropped messages and
 * cycles closing what they carry) and SCM_CREDENTIALS (SO_PASSCRED, explicit credentials
 * and their checks). */
#define _GNU_SOURCE
#include "scratch.h"
#include "unix_util.h"

#include <sys/stat.h>

static ssize_t send_creds(int s, pid_t pid, uid_t uid, gid_t gid, size_t len_adjust)
{
	char ctl[CMSG_SPACE(sizeof(struct ucred))];
	struct ucred uc = {pid, uid, gid};
	char data = 'c';
	struct iovec iov = {&data, 1};
	struct msghdr mh = {0};
	memset(ctl, 0, sizeof(ctl));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl;
	mh.msg_controllen = sizeof(ctl);
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDENTIALS;
	c->cmsg_len = CMSG_LEN(sizeof(uc)) - len_adjust;
	memcpy(CMSG_DATA(c), &uc, sizeof(uc));
	return sendmsg(s, &mh, 0);
}

/* Receives up to max bytes; *have says whether credentials came, *uc what they said. */
static ssize_t recv_creds(int s, char *buf, size_t max, struct ucred *uc, int *have)
{
	char ctl[256];
	struct iovec iov = {buf, max};
	struct msghdr mh = {0};
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl;
	mh.msg_controllen = sizeof(ctl);
	ssize_t n = recvmsg(s, &mh, 0);
	*have = 0;
	if (n < 0)
		return n;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
		    c->cmsg_len == CMSG_LEN(sizeof(*uc))) {
			memcpy(uc, CMSG_DATA(c), sizeof(*uc));
			*have = 1;
		}
	}
	return n;
}

static void rights_across_fork(void)
{
	int sv[2], p[2], flags;
	OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	OK(pipe(p));
	put("file", "0123456789");
	int fd = OK(open("file", O_RDONLY));
	pid_t pid = xfork();
	if (pid == 0) {
		alarm(10);
		close(sv[0]);
		int got[2];
		if (recv_fds(sv[1], got, 2, 0, &flags) != 2)
			_exit(1);
		char c;
		if (lseek(got[1], 5, SEEK_SET) != 5 || read(got[1], &c, 1) != 1 || c != '5')
			_exit(2);
		(void)!write(got[0], "via-passed", 10); /* after the seek the parent checks */
		/* Back the other way: this child's own pipe end. */
		int q[2];
		if (pipe(q) < 0 || write(q[1], "child", 5) != 5)
			_exit(3);
		close(q[1]);
		if (send_fds(sv[1], &q[0], 1, 'b') != 1)
			_exit(4);
		_exit(0);
	}
	close(sv[1]);
	int both[2] = {p[1], fd};
	EXPECT_VAL("send_rights", send_fds(sv[0], both, 2, 'r'), 1);
	OK(close(p[1]));
	char buf[16];
	read_all(p[0], buf, 10);
	EXPECT_TRUE("child_wrote_through_passed_pipe", memcmp(buf, "via-passed", 10) == 0);
	EXPECT_VAL("shared_offset", lseek(fd, 0, SEEK_CUR), 6);
	int back;
	int probe = OK(dup(0));
	OK(close(probe));
	EXPECT_VAL("recv_rights", recv_fds(sv[0], &back, 1, 0, &flags), 1);
	EXPECT_TRUE("lowest_free_fd", back == probe);
	EXPECT_VAL("no_cloexec", fcntl(back, F_GETFD), 0);
	read_all(back, buf, 5);
	EXPECT_TRUE("read_childs_pipe", memcmp(buf, "child", 5) == 0);
	wait_and_print("child", pid);
	EXPECT_TRUE("pipe_eof_after_child", pipe_eof(p[0], 2000));
	close(back);
	close(p[0]);
	close(fd);
	close(sv[0]);
}

static void rights_details(void)
{
	int sv[2], p[2], q[2], r[2], flags;
	char buf[16];
	OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));

	/* MSG_CMSG_CLOEXEC. */
	OK(pipe(p));
	OK(send_fds(sv[0], &p[1], 1, 'x'));
	int got[4];
	EXPECT_VAL("cloexec_recv", recv_fds(sv[1], got, 1, MSG_CMSG_CLOEXEC, &flags), 1);
	EXPECT_VAL("cloexec_flags", flags, MSG_CMSG_CLOEXEC);
	EXPECT_VAL("cloexec_set", fcntl(got[0], F_GETFD), FD_CLOEXEC);
	close(got[0]);

	/* Room for one of three: the rest are closed, MSG_CTRUNC. */
	OK(pipe(q));
	OK(pipe(r));
	int three[3] = {p[1], q[1], r[1]};
	OK(send_fds(sv[0], three, 3, 't'));
	OK(close(p[1]));
	OK(close(q[1]));
	OK(close(r[1]));
	EXPECT_VAL("ctrunc_recv", recv_fds(sv[1], got, 1, 0, &flags), 1);
	EXPECT_VAL("ctrunc_flag", flags, MSG_CTRUNC);
	EXPECT_VAL("first_kept_open", pipe_eof(p[0], 0), 0);
	EXPECT_TRUE("second_closed", pipe_eof(q[0], 2000));
	EXPECT_TRUE("third_closed", pipe_eof(r[0], 2000));
	close(got[0]);
	EXPECT_TRUE("first_closed_now", pipe_eof(p[0], 2000));
	close(p[0]);
	close(q[0]);
	close(r[0]);

	/* No control buffer at all, or read(): the files are closed. */
	OK(pipe(p));
	OK(send_fds(sv[0], &p[1], 1, 'n'));
	OK(send_fds(sv[0], &p[1], 1, 'n'));
	OK(close(p[1]));
	struct iovec iov = {buf, 1};
	struct msghdr mh = {0};
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	EXPECT_VAL("no_control", recvmsg(sv[1], &mh, 0), 1);
	EXPECT_VAL("no_control_ctrunc", mh.msg_flags, MSG_CTRUNC);
	EXPECT_VAL("read_drops", read(sv[1], buf, 1), 1);
	EXPECT_TRUE("dropped_closed", pipe_eof(p[0], 2000));
	close(p[0]);

	/* A peek gives copies of the references; the real receive gives them again. */
	OK(pipe(p));
	OK(send_fds(sv[0], &p[1], 1, 'k'));
	int peeked, real;
	EXPECT_VAL("peek_rights", recv_fds(sv[1], &peeked, 1, MSG_PEEK, &flags), 1);
	EXPECT_VAL("recv_after_peek", recv_fds(sv[1], &real, 1, 0, &flags), 1);
	struct stat a, b;
	OK(fstat(peeked, &a));
	OK(fstat(real, &b));
	EXPECT_TRUE("peek_same_file", peeked != real && a.st_ino == b.st_ino);
	close(peeked);
	close(real);
	OK(close(p[1]));
	EXPECT_TRUE("all_copies_closed", pipe_eof(p[0], 2000));
	close(p[0]);

	/* A message dropped unread (its socket closed) closes what it carried. */
	OK(pipe(p));
	OK(send_fds(sv[0], &p[1], 1, 'd'));
	OK(close(p[1]));
	EXPECT_VAL("still_in_flight", pipe_eof(p[0], 0), 0);
	OK(close(sv[1]));
	EXPECT_TRUE("dropped_with_socket", pipe_eof(p[0], 2000));
	close(p[0]);
	close(sv[0]);

	/* Streams: a read ends after the data that carried files. */
	OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	OK(pipe(p));
	CHECK_EQ(write(sv[0], "xy", 2), 2);
	OK(send_fds(sv[0], &p[1], 1, 'z'));
	CHECK_EQ(write(sv[0], "after", 5), 5);
	char ctl[CMSG_SPACE(sizeof(int))];
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	mh.msg_control = ctl;
	mh.msg_controllen = sizeof(ctl);
	EXPECT_VAL("stream_read_upto_rights", recvmsg(sv[1], &mh, 0), 3);
	EXPECT_TRUE("stream_rights_came", mh.msg_controllen == CMSG_SPACE(sizeof(int)));
	int sfd;
	memcpy(&sfd, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof(sfd));
	close(sfd);
	EXPECT_VAL("stream_rest", read(sv[1], buf, sizeof(buf)), 5);
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

static void cycles(void)
{
	/* A socket sent into its own queue, then closed by its owner, carrying a pipe's write
	 * end: only the garbage collector can close it. Another socket's release runs it. */
	int sv[2], p[2];
	OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	OK(pipe(p));
	int all[3] = {sv[0], sv[1], p[1]};
	OK(send_fds(sv[0], all, 3, 'g'));
	OK(close(p[1]));
	OK(close(sv[0]));
	OK(close(sv[1]));
	int t = OK(socket(AF_UNIX, SOCK_STREAM, 0));
	OK(close(t));
	EXPECT_TRUE("cycle_collected", pipe_eof(p[0], 5000));
	close(p[0]);
}

static void rights_errors(void)
{
	int sv[2], flags;
	OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	int closed = OK(dup(0));
	OK(close(closed));
	EXPECT_ERR("ebadf", send_fds(sv[0], &closed, 1, 'e'), EBADF);
	int neg = -1;
	EXPECT_ERR("negative_fd", send_fds(sv[0], &neg, 1, 'e'), EBADF);
	/* 253 is Linux's SCM_MAX_FD. */
	static int many[254];
	for (int i = 0; i < 254; i++)
		many[i] = 0;
	char ctl[CMSG_SPACE(sizeof(many))];
	char data = 'm';
	struct iovec iov = {&data, 1};
	struct msghdr mh = {0};
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl;
	mh.msg_controllen = CMSG_SPACE(sizeof(int) * 254);
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * 254);
	memcpy(CMSG_DATA(c), many, sizeof(int) * 254);
	EXPECT_ERR("too_many", sendmsg(sv[0], &mh, 0), EINVAL);
	mh.msg_controllen = CMSG_SPACE(sizeof(int) * 253);
	c->cmsg_len = CMSG_LEN(sizeof(int) * 253);
	EXPECT_VAL("max_fds", sendmsg(sv[0], &mh, 0), 1);
	static char rctl[CMSG_SPACE(sizeof(int) * 253)];
	struct msghdr rh = {0};
	rh.msg_iov = &iov;
	rh.msg_iovlen = 1;
	rh.msg_control = rctl;
	rh.msg_controllen = sizeof(rctl);
	EXPECT_VAL("recv_max", recvmsg(sv[1], &rh, 0), 1);
	struct cmsghdr *rc = CMSG_FIRSTHDR(&rh);
	int n = (int)((rc->cmsg_len - CMSG_LEN(0)) / sizeof(int));
	EXPECT_VAL("recv_max_count", n, 253);
	for (int i = 0; i < n; i++) {
		int fd;
		memcpy(&fd, CMSG_DATA(rc) + i * sizeof(int), sizeof(fd));
		close(fd);
	}
	/* Malformed control messages. */
	mh.msg_controllen = CMSG_SPACE(sizeof(int));
	c->cmsg_len = sizeof(struct cmsghdr) - 1;
	EXPECT_ERR("cmsg_len_short", sendmsg(sv[0], &mh, 0), EINVAL);
	c->cmsg_len = CMSG_SPACE(sizeof(int)) + 1;
	EXPECT_ERR("cmsg_len_long", sendmsg(sv[0], &mh, 0), EINVAL);
	c->cmsg_len = CMSG_LEN(sizeof(int));
	c->cmsg_type = 77;
	EXPECT_ERR("unknown_type", sendmsg(sv[0], &mh, 0), EINVAL);
	c->cmsg_level = SOL_SOCKET + 1000;
	EXPECT_VAL("other_level_ignored", sendmsg(sv[0], &mh, 0), 1);
	EXPECT_VAL("other_level_no_fds", recv_fds(sv[1], many, 1, 0, &flags), 0);
	mh.msg_controllen = 1 << 20;
	EXPECT_ERR("control_too_big", sendmsg(sv[0], &mh, 0), ENOBUFS);
	close(sv[0]);
	close(sv[1]);
}

static void credentials(void)
{
	int sv[2], have, v = 1;
	struct ucred uc;
	char buf[16];
	OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	/* No SO_PASSCRED: no credentials. */
	CHECK_EQ(send(sv[0], "a", 1, 0), 1);
	EXPECT_VAL("plain", recv_creds(sv[1], buf, 1, &uc, &have), 1);
	EXPECT_VAL("plain_no_creds", have, 0);
	/* Queued before SO_PASSCRED: the message carries none, and reads as nobody. */
	CHECK_EQ(send(sv[0], "b", 1, 0), 1);
	OK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &v, sizeof(v)));
	recv_creds(sv[1], buf, 1, &uc, &have);
	EXPECT_TRUE("late_passcred_nobody",
		    have && uc.pid == 0 && uc.uid == 65534 && uc.gid == 65534);
	/* From a child: its pid and ids. */
	pid_t pid = xfork();
	if (pid == 0) {
		(void)!send(sv[0], "c", 1, 0);
		_exit(0);
	}
	wait_and_print("cred_child", pid);
	recv_creds(sv[1], buf, 1, &uc, &have);
	EXPECT_TRUE("child_creds",
		    have && uc.pid == pid && uc.uid == getuid() && uc.gid == getgid());
	/* Explicit credentials: one's own, and (as root) another process's pid. */
	EXPECT_VAL("explicit_own", send_creds(sv[0], getpid(), getuid(), getgid(), 0), 1);
	recv_creds(sv[1], buf, 1, &uc, &have);
	EXPECT_TRUE("explicit_own_creds", have && uc.pid == getpid());
	pid = xfork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	EXPECT_VAL("explicit_other_pid", send_creds(sv[0], pid, getuid(), getgid(), 0), 1);
	recv_creds(sv[1], buf, 1, &uc, &have);
	EXPECT_TRUE("explicit_other_pid_creds", have && uc.pid == pid);
	kill(pid, SIGKILL);
	wait_and_print("other", pid);
	EXPECT_ERR("explicit_gone_pid", send_creds(sv[0], pid, getuid(), getgid(), 0), ESRCH);
	EXPECT_ERR("explicit_uid_minus1", send_creds(sv[0], getpid(), (uid_t)-1, getgid(), 0),
		   EINVAL);
	EXPECT_ERR("explicit_bad_len", send_creds(sv[0], getpid(), getuid(), getgid(), 4), EINVAL);
	pid = xfork();
	if (pid == 0) {
		as_nobody();
		pid_t parent = getppid();
		_exit((send_creds(sv[0], parent, NOBODY, NOBODY, 0) == -1 && errno == EPERM) &&
			      (send_creds(sv[0], getpid(), 0, NOBODY, 0) == -1 && errno == EPERM) &&
			      send_creds(sv[0], getpid(), NOBODY, NOBODY, 0) == 1
			  ? 0
			  : 1);
	}
	wait_and_print("unprivileged_claims", pid);
	recv_creds(sv[1], buf, 1, &uc, &have);
	EXPECT_TRUE("unprivileged_own", have && uc.pid == pid && uc.uid == NOBODY);
	close(sv[0]);
	close(sv[1]);

	/* Streams never merge data of different writers when credentials are asked for. */
	OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	OK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &v, sizeof(v)));
	CHECK_EQ(write(sv[0], "PP", 2), 2);
	pid = xfork();
	if (pid == 0) {
		(void)!write(sv[0], "CC", 2);
		_exit(0);
	}
	wait_and_print("stream_writer", pid);
	CHECK_EQ(write(sv[0], "QQ", 2), 2);
	EXPECT_VAL("parent_part", recv_creds(sv[1], buf, sizeof(buf), &uc, &have), 2);
	EXPECT_TRUE("parent_part_creds", have && uc.pid == getpid());
	EXPECT_VAL("child_part", recv_creds(sv[1], buf, sizeof(buf), &uc, &have), 2);
	EXPECT_TRUE("child_part_creds", have && uc.pid == pid);
	EXPECT_VAL("parent_again", recv_creds(sv[1], buf, sizeof(buf), &uc, &have), 2);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	scratch_enter("unix-scm");
	rights_across_fork();
	rights_details();
	cycles();
	rights_errors();
	credentials();
	scratch_leave();
	return done();
}
