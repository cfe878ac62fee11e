/* AF_UNIX SOCK_SEQPACKET: connections that keep record boundaries, truncation, end of
 * file and errors when the peer goes, records across fork. */
#define _GNU_SOURCE
#include "unix_util.h"

#include <signal.h>
#include <sys/ioctl.h>

static volatile sig_atomic_t sigpipes;

static void on_sigpipe(int s)
{
	(void)s;
	sigpipes++;
}

static unsigned revents(int fd)
{
	struct pollfd p = {fd, POLLIN | POLLOUT | POLLHUP | POLLRDHUP | POLLERR, 0};
	OK(poll(&p, 1, 0));
	return (unsigned)p.revents;
}

int main(void)
{
	struct sockaddr_un a;
	socklen_t al = abstract_name(&a, "seqpacket");
	char buf[256];
	int v;
	socklen_t vl = sizeof(v);
	signal(SIGPIPE, on_sigpipe);

	int l = OK(socket(AF_UNIX, SOCK_SEQPACKET, 0));
	int c = OK(socket(AF_UNIX, SOCK_SEQPACKET, 0));
	EXPECT_ERR("unconnected_send", send(c, "x", 1, 0), ENOTCONN);
	EXPECT_ERR("unconnected_recv", recv(c, buf, 1, MSG_DONTWAIT), ENOTCONN);
	EXPECT_VAL("unconnected_poll", revents(c), POLLOUT | POLLHUP);
	EXPECT_ERR("listen_unbound", listen(l, 1), EINVAL);
	OK(bind(l, (struct sockaddr *)&a, al));
	OK(listen(l, 1));
	EXPECT_VAL("connect", connect(c, (struct sockaddr *)&a, al), 0);
	int s = OK(accept(l, NULL, NULL));
	OK(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &vl));
	EXPECT_VAL("accepted_type", v, SOCK_SEQPACKET);

	/* Boundaries. */
	CHECK_EQ(send(c, "first", 5, 0), 5);
	CHECK_EQ(write(c, "2nd", 3), 3);
	CHECK_EQ(send(c, "", 0, 0), 0);
	CHECK_EQ(send(c, "fourth record", 13, MSG_EOR), 13);
	int inq = -1;
	OK(ioctl(s, FIONREAD, &inq));
	EXPECT_VAL("fionread_all_records", inq, 21);
	EXPECT_VAL("rec1", recv(s, buf, sizeof(buf), 0), 5);
	EXPECT_VAL("rec2", read(s, buf, sizeof(buf)), 3);
	EXPECT_VAL("rec_empty", recv(s, buf, sizeof(buf), 0), 0);
	struct iovec iov = {buf, 6};
	struct msghdr mh = {0};
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	EXPECT_VAL("peek_trunc", recvmsg(s, &mh, MSG_PEEK), 6);
	EXPECT_VAL("peek_trunc_flag", mh.msg_flags, MSG_TRUNC);
	EXPECT_VAL("trunc_real", recv(s, buf, 6, MSG_TRUNC), 13);
	EXPECT_ERR("rest_dropped", recv(s, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	/* A name given with a record is ignored: it goes to the peer. */
	struct sockaddr_un other;
	socklen_t ol = abstract_name(&other, "nowhere");
	EXPECT_VAL("sendto_ignores_name", sendto(c, "n", 1, 0, (struct sockaddr *)&other, ol), 1);
	EXPECT_VAL("named_record_arrives", recv(s, buf, sizeof(buf), 0), 1);

	/* Records across fork, larger than a page. */
	pid_t pid = xfork();
	if (pid == 0) {
		static char rec[100000];
		for (int i = 0; i < 3; i++) {
			memset(rec, 'a' + i, sizeof(rec));
			if (send(c, rec, sizeof(rec) - (size_t)i, 0) != (ssize_t)(sizeof(rec) - i))
				_exit(1);
		}
		_exit(0);
	}
	static char got[100001];
	for (int i = 0; i < 3; i++) {
		ssize_t n = recv(s, got, sizeof(got), 0);
		char l2[32];
		snprintf(l2, sizeof(l2), "big_record_%d", i);
		EXPECT_VAL(l2, n, 100000 - i);
		CHECK(got[0] == 'a' + i && got[n - 1] == 'a' + i);
	}
	wait_and_print("sender", pid);

	/* The peer goes: end of file, EPIPE without SIGPIPE. */
	OK(close(c));
	EXPECT_VAL("closed_peer_poll", revents(s), POLLIN | POLLOUT | POLLHUP | POLLRDHUP);
	EXPECT_VAL("eof_nonblock", recv(s, buf, sizeof(buf), MSG_DONTWAIT), 0);
	EXPECT_VAL("eof_blocking", recv(s, buf, sizeof(buf), 0), 0);
	sigpipes = 0;
	EXPECT_ERR("send_to_closed", send(s, "x", 1, 0), EPIPE);
	EXPECT_VAL("no_sigpipe", sigpipes, 0);
	close(s);

	/* A peer that goes with records unread: the first call hears ECONNRESET. */
	c = OK(socket(AF_UNIX, SOCK_SEQPACKET, 0));
	OK(connect(c, (struct sockaddr *)&a, al));
	s = OK(accept(l, NULL, NULL));
	CHECK_EQ(send(c, "unread", 6, 0), 6);
	OK(close(s));
	EXPECT_VAL("reset_poll", revents(c), POLLIN | POLLOUT | POLLHUP | POLLRDHUP | POLLERR);
	EXPECT_ERR("reset_send", send(c, "x", 1, 0), ECONNRESET);
	EXPECT_ERR("then_epipe", send(c, "x", 1, 0), EPIPE);
	close(c);

	/* shutdown is passed on to the peer, as for streams. */
	c = OK(socket(AF_UNIX, SOCK_SEQPACKET, 0));
	OK(connect(c, (struct sockaddr *)&a, al));
	s = OK(accept(l, NULL, NULL));
	OK(shutdown(c, SHUT_WR));
	EXPECT_VAL("peer_after_shut_wr", revents(s), POLLIN | POLLOUT | POLLRDHUP);
	EXPECT_VAL("peer_reads_eof", recv(s, buf, sizeof(buf), 0), 0);
	EXPECT_VAL("peer_still_sends", send(s, "back", 4, 0), 4);
	EXPECT_VAL("back", recv(c, buf, sizeof(buf), 0), 4);
	close(c);
	close(s);
	close(l);
	return done();
}
