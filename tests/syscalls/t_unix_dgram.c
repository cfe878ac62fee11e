/* AF_UNIX SOCK_DGRAM: names of senders, boundaries, MSG_TRUNC/PEEK, connect and disconnect,
 * a dead peer, the receive queue limit (non-blocking and blocking), buffers and shutdown. */
#define _GNU_SOURCE
#include "scratch.h"
#include "unix_util.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>

static int dgram_at(const char *path)
{
	struct sockaddr_un a;
	socklen_t al = path_name(&a, path);
	int s = OK(socket(AF_UNIX, SOCK_DGRAM, 0));
	OK(bind(s, (struct sockaddr *)&a, al));
	return s;
}

static unsigned revents(int fd)
{
	struct pollfd p = {fd, POLLIN | POLLOUT | POLLHUP | POLLRDHUP | POLLERR, 0};
	OK(poll(&p, 1, 0));
	return (unsigned)p.revents;
}

static void names_and_boundaries(void)
{
	struct sockaddr_un to, from;
	socklen_t tl = path_name(&to, "rcv"), fl;
	char buf[64];
	int r = dgram_at("rcv");
	int u = OK(socket(AF_UNIX, SOCK_DGRAM, 0));
	EXPECT_VAL("empty_poll", revents(r), POLLOUT);
	EXPECT_VAL("sendto_unbound", sendto(u, "one", 3, 0, (struct sockaddr *)&to, tl), 3);
	EXPECT_VAL("sendto_second", sendto(u, "second", 6, 0, (struct sockaddr *)&to, tl), 6);
	EXPECT_VAL("sendto_empty", sendto(u, "", 0, 0, (struct sockaddr *)&to, tl), 0);
	EXPECT_VAL("data_poll", revents(r), POLLIN | POLLOUT);
	int inq = -1;
	OK(ioctl(r, FIONREAD, &inq));
	EXPECT_VAL("fionread_first_only", inq, 3);
	fl = sizeof(from);
	memset(&from, 'x', sizeof(from));
	EXPECT_VAL("recvfrom", recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl), 3);
	EXPECT_VAL("unnamed_sender_len", fl, 0);
	EXPECT_VAL("peek", recv(r, buf, sizeof(buf), MSG_PEEK), 6);
	EXPECT_VAL("trunc_short", recv(r, buf, 2, MSG_PEEK), 2);
	EXPECT_VAL("trunc_real_len", recv(r, buf, 2, MSG_PEEK | MSG_TRUNC), 6);
	struct iovec iov = {buf, 4};
	struct msghdr mh = {0};
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	EXPECT_VAL("recvmsg_trunc", recvmsg(r, &mh, 0), 4);
	EXPECT_VAL("recvmsg_trunc_flag", mh.msg_flags, MSG_TRUNC);
	EXPECT_VAL("rest_was_dropped", recv(r, buf, sizeof(buf), 0), 0); /* the empty one */
	EXPECT_ERR("now_empty", recv(r, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);

	/* A named sender is named to the receiver, with Linux's length. */
	int n = dgram_at("snd");
	EXPECT_VAL("named_send", sendto(n, "hey", 3, 0, (struct sockaddr *)&to, tl), 3);
	fl = sizeof(from);
	EXPECT_VAL("named_recv", recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl),
		   3);
	EXPECT_TRUE("sender_name",
		    fl == sizeof(sa_family_t) + 4 && strcmp(from.sun_path, "snd") == 0);
	/* A short name buffer gets what fits, and the real length. */
	CHECK_EQ(sendto(n, "hey", 3, 0, (struct sockaddr *)&to, tl), 3);
	fl = 3;
	memset(&from, 0, sizeof(from));
	OK(recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl));
	EXPECT_TRUE("short_name_buffer", fl == sizeof(sa_family_t) + 4 && from.sun_path[0] == 's' &&
					     from.sun_path[1] == 0);
	/* Sending to itself. */
	EXPECT_VAL("to_self", sendto(r, "me", 2, 0, (struct sockaddr *)&to, tl), 2);
	EXPECT_VAL("from_self", recv(r, buf, sizeof(buf), 0), 2);

	/* SO_PASSCRED makes an unbound sender bind itself (an abstract autobind name). */
	int v = 1;
	OK(setsockopt(u, SOL_SOCKET, SO_PASSCRED, &v, sizeof(v)));
	CHECK_EQ(sendto(u, "auto", 4, 0, (struct sockaddr *)&to, tl), 4);
	fl = sizeof(from);
	OK(recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl));
	EXPECT_TRUE("autobound_sender", fl == sizeof(sa_family_t) + 6 && from.sun_path[0] == 0);
	close(u);
	close(n);
	close(r);
	OK(unlink("rcv"));
	OK(unlink("snd"));
}

static void connections(void)
{
	struct sockaddr_un a, b;
	socklen_t al = path_name(&a, "a"), bl = path_name(&b, "b");
	char buf[16];
	int sa = dgram_at("a"), sb = dgram_at("b");
	int third = OK(socket(AF_UNIX, SOCK_DGRAM, 0));
	EXPECT_ERR("send_unconnected", send(sa, "x", 1, 0), ENOTCONN);
	EXPECT_VAL("connect", connect(sa, (struct sockaddr *)&b, bl), 0);
	EXPECT_VAL("send_connected", send(sa, "ab", 2, 0), 2);
	EXPECT_VAL("recv_connected", recv(sb, buf, sizeof(buf), 0), 2);
	struct sockaddr_un got;
	socklen_t gl = sizeof(got);
	OK(getpeername(sa, (struct sockaddr *)&got, &gl));
	EXPECT_TRUE("peername", gl == bl && strcmp(got.sun_path, "b") == 0);
	/* b connected to a takes datagrams from a alone. */
	OK(connect(sb, (struct sockaddr *)&a, al));
	EXPECT_ERR("third_refused", sendto(third, "x", 1, 0, (struct sockaddr *)&b, bl), EPERM);
	EXPECT_ERR("third_connect_refused", connect(third, (struct sockaddr *)&b, bl), EPERM);
	/* Disconnect with AF_UNSPEC. */
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	EXPECT_VAL("disconnect", connect(sb, &unspec, sizeof(unspec)), 0);
	EXPECT_ERR("disconnected_send", send(sb, "x", 1, 0), ENOTCONN);
	EXPECT_ERR("disconnected_peername", getpeername(sb, (struct sockaddr *)&got, &gl),
		   ENOTCONN);
	EXPECT_VAL("third_now_allowed", sendto(third, "x", 1, 0, (struct sockaddr *)&b, bl), 1);
	/* A peer that goes away: refused once, then not connected. */
	OK(close(sb));
	EXPECT_ERR("dead_peer", send(sa, "x", 1, 0), ECONNREFUSED);
	EXPECT_ERR("after_dead_peer", send(sa, "x", 1, 0), ENOTCONN);
	EXPECT_ERR("stale_node", sendto(third, "x", 1, 0, (struct sockaddr *)&b, bl), ECONNREFUSED);
	close(sa);
	close(third);
	OK(unlink("a"));
	OK(unlink("b"));

	/* Type mismatches. */
	int st = OK(socket(AF_UNIX, SOCK_STREAM, 0));
	struct sockaddr_un sp;
	socklen_t spl = path_name(&sp, "stream");
	OK(bind(st, (struct sockaddr *)&sp, spl));
	OK(listen(st, 1));
	int d = OK(socket(AF_UNIX, SOCK_DGRAM, 0));
	EXPECT_ERR("sendto_stream_path", sendto(d, "x", 1, 0, (struct sockaddr *)&sp, spl),
		   EPROTOTYPE);
	EXPECT_ERR("connect_stream_path", connect(d, (struct sockaddr *)&sp, spl), EPROTOTYPE);
	struct sockaddr_un ab;
	socklen_t abl = abstract_name(&ab, "dgram-none");
	EXPECT_ERR("sendto_unbound_abstract", sendto(d, "x", 1, 0, (struct sockaddr *)&ab, abl),
		   ECONNREFUSED);
	/* Abstract names are per type: the stream's name is free for a datagram socket. */
	abl = abstract_name(&ab, "dgram-shared");
	int as = OK(socket(AF_UNIX, SOCK_STREAM, 0));
	OK(bind(as, (struct sockaddr *)&ab, abl));
	EXPECT_VAL("same_abstract_other_type", bind(d, (struct sockaddr *)&ab, abl), 0);
	close(as);
	close(d);
	close(st);
	OK(unlink("stream"));
}

static void queue_limits(void)
{
	struct sockaddr_un a;
	socklen_t al = path_name(&a, "q");
	char buf[16];
	int r = dgram_at("q");
	int s = OK(socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0));
	int sent = 0;
	while (sendto(s, "x", 1, 0, (struct sockaddr *)&a, al) == 1)
		sent++;
	int e = errno;
	EXPECT_TRUE("queue_limit_eagain", e == EAGAIN && sent > 1);
	OK(connect(s, (struct sockaddr *)&a, al));
	EXPECT_VAL("one_way_full_not_writable", revents(s) & POLLOUT, 0);
	/* The receiver's reading is an event for the sender, edge-triggered epoll sees it. */
	int ep = OK(epoll_create1(0));
	struct epoll_event ev = {.events = EPOLLOUT | EPOLLET};
	OK(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
	EXPECT_VAL("et_full_nothing", epoll_wait(ep, &ev, 1, 0), 0);
	CHECK_EQ(recv(r, buf, sizeof(buf), 0), 1);
	EXPECT_VAL("et_room_reported", epoll_wait(ep, &ev, 1, 2000), 1);
	EXPECT_VAL("et_reported_once", epoll_wait(ep, &ev, 1, 0), 0);
	close(ep);
	EXPECT_VAL("room_after_recv", revents(s) & POLLOUT, POLLOUT);
	CHECK_EQ(send(s, "y", 1, 0), 1);
	EXPECT_ERR("full_again", send(s, "y", 1, 0), EAGAIN);
	/* A blocking sender waits for the receiver. */
	pid_t pid = xfork();
	if (pid == 0) {
		alarm(10);
		int b = socket(AF_UNIX, SOCK_DGRAM, 0);
		_exit(sendto(b, "blocked", 7, 0, (struct sockaddr *)&a, al) == 7 ? 0 : 1);
	}
	usleep(20000);
	int got = 0;
	ssize_t n;
	while ((n = recv(r, buf, sizeof(buf), 0)) > 0) {
		got++;
		if (n == 7)
			break;
	}
	EXPECT_TRUE("blocked_sender_delivered", n == 7 && got == sent + 1);
	wait_and_print("blocked_sender", pid);
	close(s);
	close(r);
	OK(unlink("q"));

	/* A socketpair is connected both ways: only the send buffer limits it. */
	int sv[2];
	OK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv));
	sent = 0;
	while (send(sv[0], "x", 1, 0) == 1)
		sent++;
	e = errno;
	EXPECT_TRUE("pair_holds_more", e == EAGAIN && sent > 20);
	int outq = 0;
	OK(ioctl(sv[0], TIOCOUTQ, &outq));
	EXPECT_TRUE("outq_counts_overhead", outq > sent);
	close(sv[0]);
	close(sv[1]);
}

static void buffers_and_shutdown(void)
{
	int sv[2], v;
	socklen_t vl = sizeof(v);
	char buf[16];
	OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	v = 4096;
	OK(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)));
	OK(getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &vl));
	EXPECT_VAL("sndbuf_doubled", v, 8192);
	v = 1;
	OK(setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)));
	OK(getsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, &vl));
	EXPECT_VAL("rcvbuf_minimum", v, 2304);
	static char big[8192];
	EXPECT_ERR("emsgsize", send(sv[0], big, 8192 - 31, 0), EMSGSIZE);
	EXPECT_VAL("largest", send(sv[0], big, 8192 - 32, 0), 8192 - 32);
	EXPECT_VAL("largest_recv", recv(sv[1], big, sizeof(big), 0), 8192 - 32);

	/* shutdown: no hangup is passed on between datagram sockets. */
	OK(shutdown(sv[0], SHUT_WR));
	EXPECT_ERR("send_after_shut_wr", send(sv[0], "x", 1, MSG_DONTWAIT), EPIPE);
	EXPECT_VAL("peer_unaffected_poll", revents(sv[1]), POLLOUT);
	EXPECT_VAL("reverse_ok", send(sv[1], "r", 1, 0), 1);
	EXPECT_VAL("queued_still_readable", recv(sv[0], buf, 1, 0), 1);
	close(sv[0]);
	close(sv[1]);
	OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	OK(shutdown(sv[1], SHUT_RD));
	EXPECT_VAL("shut_rd_poll", revents(sv[1]), POLLIN | POLLOUT | POLLRDHUP);
	EXPECT_ERR("send_to_shut_rd", send(sv[0], "x", 1, 0), EPIPE);
	EXPECT_ERR("shut_rd_nonblock", recv(sv[1], buf, 1, MSG_DONTWAIT), EAGAIN);
	EXPECT_VAL("shut_rd_blocking_eof", recv(sv[1], buf, 1, 0), 0);
	close(sv[0]);
	close(sv[1]);
}

static void mmsg_and_errors(void)
{
	int sv[2], v;
	socklen_t vl = sizeof(v);
	char bufs[4][8];
	struct iovec iov[4];
	struct mmsghdr mm[4];
	OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	memset(mm, 0, sizeof(mm));
	const char *words[3] = {"one", "three", "xy"};
	for (int i = 0; i < 3; i++) {
		iov[i].iov_base = (void *)words[i];
		iov[i].iov_len = strlen(words[i]);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	EXPECT_VAL("sendmmsg", sendmmsg(sv[0], mm, 3, 0), 3);
	EXPECT_TRUE("sendmmsg_lens",
		    mm[0].msg_len == 3 && mm[1].msg_len == 5 && mm[2].msg_len == 2);
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < 4; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	EXPECT_VAL("recvmmsg_waitforone", recvmmsg(sv[1], mm, 4, MSG_WAITFORONE, NULL), 3);
	EXPECT_TRUE("recvmmsg_lens", mm[0].msg_len == 3 && mm[1].msg_len == 5 &&
					 mm[2].msg_len == 2 && memcmp(bufs[1], "three", 5) == 0);
	CHECK_EQ(send(sv[0], "a", 1, 0), 1);
	CHECK_EQ(send(sv[0], "b", 1, 0), 1);
	struct timespec tmo = {5, 0};
	EXPECT_VAL("recvmmsg_timeout_vlen", recvmmsg(sv[1], mm, 2, 0, &tmo), 2);
	EXPECT_TRUE("recvmmsg_timeout_left", tmo.tv_sec <= 5 && tmo.tv_sec >= 0);
	close(sv[0]);
	close(sv[1]);

	/* A socket that leaves a peer connected back to it with unread datagrams: the peer
	 * hears ECONNRESET once (SO_ERROR reads and clears it). */
	OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	CHECK_EQ(send(sv[0], "lost", 4, 0), 4);
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	OK(connect(sv[1], &unspec, sizeof(unspec)));
	EXPECT_VAL("reset_poll", revents(sv[0]) & POLLERR, POLLERR);
	OK(getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &v, &vl));
	EXPECT_VAL("so_error_reset", v, ECONNRESET);
	OK(getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &v, &vl));
	EXPECT_VAL("so_error_cleared", v, 0);
	char b[8];
	EXPECT_ERR("queue_purged", recv(sv[1], b, sizeof(b), MSG_DONTWAIT), EAGAIN);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	scratch_enter("unix-dgram");
	names_and_boundaries();
	connections();
	queue_limits();
	buffers_and_shutdown();
	mmsg_and_errors();
	scratch_leave();
	return done();
}
