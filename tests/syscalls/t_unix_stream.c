/* AF_UNIX SOCK_STREAM: filesystem and abstract names, listen/accept/connect, data across
 * fork (small, merged, large), MSG_PEEK/WAITALL/DONTWAIT, shutdown and hangups as poll and
 * epoll see them, SIGPIPE, ECONNRESET, backlogs, timeouts and signals. */
#define _GNU_SOURCE
#include "scratch.h"
#include "unix_util.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include <sys/select.h>

#define EVMASK (POLLIN | POLLOUT | POLLHUP | POLLRDHUP | POLLERR)

static volatile sig_atomic_t sigpipes, usr1s;

static void on_sigpipe(int s)
{
	(void)s;
	sigpipes++;
}

static void on_usr1(int s)
{
	(void)s;
	usr1s++;
}

static unsigned revents(int fd)
{
	struct pollfd p = {fd, EVMASK, 0};
	OK(poll(&p, 1, 0));
	return (unsigned)p.revents;
}

static int listener(const char *path, int backlog)
{
	struct sockaddr_un a;
	socklen_t al = path_name(&a, path);
	int s = OK(socket(AF_UNIX, SOCK_STREAM, 0));
	OK(bind(s, (struct sockaddr *)&a, al));
	OK(listen(s, backlog));
	return s;
}

static int connect_to(const char *path, int flags)
{
	struct sockaddr_un a;
	socklen_t al = path_name(&a, path);
	int c = OK(socket(AF_UNIX, SOCK_STREAM | flags, 0));
	if (connect(c, (struct sockaddr *)&a, al) < 0)
		check_fail(__FILE__, __LINE__, "connect(%s): %s", path, errname(errno));
	return c;
}

static void names_and_accept(void)
{
	struct sockaddr_un a;
	socklen_t al;
	struct stat st;
	int v;
	socklen_t vl = sizeof(v);
	int l = listener("srv", 5);
	st = lst("srv");
	EXPECT_TRUE("node_is_socket", S_ISSOCK(st.st_mode));
	EXPECT_MODE("node_mode_umask_022", st.st_mode & 07777, 0755);
	al = sizeof(a);
	OK(getsockname(l, (struct sockaddr *)&a, &al));
	EXPECT_VAL("listener_name_len", al, sizeof(sa_family_t) + 4);
	EXPECT_TRUE("listener_name", strcmp(a.sun_path, "srv") == 0);
	OK(getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl));
	EXPECT_VAL("acceptconn", v, 1);
	EXPECT_VAL("listener_idle_poll", revents(l), 0);
	EXPECT_ERR("listener_fionread", ioctl(l, FIONREAD, &v), EINVAL);
	int fl = fcntl(l, F_GETFL);
	OK(fcntl(l, F_SETFL, fl | O_NONBLOCK));
	EXPECT_ERR("accept_o_nonblock_empty", accept(l, NULL, NULL), EAGAIN);
	OK(fcntl(l, F_SETFL, fl));

	int c = connect_to("srv", 0);
	EXPECT_VAL("listener_pending_poll", revents(l), POLLIN);
	al = sizeof(a);
	OK(getpeername(c, (struct sockaddr *)&a, &al));
	EXPECT_VAL("client_peer_len", al, sizeof(sa_family_t) + 4);
	al = sizeof(a);
	OK(getsockname(c, (struct sockaddr *)&a, &al));
	EXPECT_VAL("client_unbound_len", al, sizeof(sa_family_t));
	/* The client may write before it is accepted. */
	EXPECT_VAL("write_before_accept", write(c, "early", 5), 5);

	al = sizeof(a);
	memset(&a, 'x', sizeof(a));
	int s = OK(accept4(l, (struct sockaddr *)&a, &al, SOCK_CLOEXEC | SOCK_NONBLOCK));
	EXPECT_VAL("accept_peer_len", al, sizeof(sa_family_t));
	EXPECT_VAL("accepted_cloexec", fcntl(s, F_GETFD), FD_CLOEXEC);
	EXPECT_VAL("accepted_nonblock", fcntl(s, F_GETFL), O_RDWR | O_NONBLOCK);
	al = sizeof(a);
	OK(getsockname(s, (struct sockaddr *)&a, &al));
	EXPECT_TRUE("accepted_has_listener_name",
		    al == sizeof(sa_family_t) + 4 && strcmp(a.sun_path, "srv") == 0);
	struct ucred uc;
	vl = sizeof(uc);
	OK(getsockopt(s, SOL_SOCKET, SO_PEERCRED, &uc, &vl));
	EXPECT_TRUE("accepted_peercred", uc.pid == getpid() && uc.uid == geteuid());
	vl = sizeof(uc);
	OK(getsockopt(c, SOL_SOCKET, SO_PEERCRED, &uc, &vl));
	EXPECT_TRUE("client_peercred_is_listener", uc.pid == getpid());
	char buf[64];
	EXPECT_VAL("read_early", read(s, buf, sizeof(buf)), 5);
	EXPECT_VAL("accepted_poll_idle", revents(s), POLLOUT);

	/* Small writes merge; a peek leaves them. */
	CHECK_EQ(write(c, "abc", 3), 3);
	CHECK_EQ(write(c, "def", 3), 3);
	CHECK_EQ(send(c, "ghi", 3, 0), 3);
	int inq = -1;
	OK(ioctl(s, FIONREAD, &inq));
	EXPECT_VAL("fionread", inq, 9);
	int outq = -1;
	OK(ioctl(c, SIOCOUTQ, &outq));
	EXPECT_TRUE("outq_while_unread", outq > 0);
	EXPECT_VAL("peek", recv(s, buf, 4, MSG_PEEK), 4);
	EXPECT_VAL("peek_all", recv(s, buf, sizeof(buf), MSG_PEEK), 9);
	EXPECT_VAL("read_merged", read(s, buf, sizeof(buf)), 9);
	CHECK(memcmp(buf, "abcdefghi", 9) == 0);
	OK(ioctl(c, SIOCOUTQ, &outq));
	EXPECT_VAL("outq_after_read", outq, 0);
	EXPECT_ERR("read_empty_nonblock", read(s, buf, 1), EAGAIN);
	EXPECT_ERR("recv_dontwait", recv(c, buf, 1, MSG_DONTWAIT), EAGAIN);
	EXPECT_ERR("sendto_with_name", sendto(c, "x", 1, 0, (struct sockaddr *)&a, al), EISCONN);
	EXPECT_ERR("connect_again", connect(c, (struct sockaddr *)&a, al), EISCONN);

	/* Through a symlink, a hard link, and after a rename. */
	OK(symlink("srv", "srv-symlink"));
	int c2 = connect_to("srv-symlink", 0);
	OK(link("srv", "srv-hardlink"));
	int c3 = connect_to("srv-hardlink", 0);
	OK(rename("srv", "srv-renamed"));
	int c4 = connect_to("srv-renamed", 0);
	EXPECT_OK("links_reach_listener", 0);
	for (int i = 0; i < 3; i++)
		close(OK(accept(l, NULL, NULL)));
	close(c2);
	close(c3);
	close(c4);
	/* Once unlinked, the name reaches nothing; the socket lives on. */
	OK(unlink("srv-renamed"));
	OK(unlink("srv-hardlink"));
	struct sockaddr_un gone;
	socklen_t gl = path_name(&gone, "srv-renamed");
	int c5 = OK(socket(AF_UNIX, SOCK_STREAM, 0));
	EXPECT_ERR("connect_unlinked", connect(c5, (struct sockaddr *)&gone, gl), ENOENT);
	EXPECT_ERR("connect_len0", connect(c5, (struct sockaddr *)&a, 0), EINVAL);
	close(c5);
	close(s);
	close(c);
	close(l);
	OK(unlink("srv-symlink"));
}

static void shutdown_and_hangups(void)
{
	int sv[2];
	char buf[16];
	OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(write(sv[0], "bye", 3), 3);
	EXPECT_VAL("shut_wr", shutdown(sv[0], SHUT_WR), 0);
	EXPECT_VAL("peer_poll_after_shut_wr", revents(sv[1]), POLLIN | POLLOUT | POLLRDHUP);
	EXPECT_VAL("self_poll_after_shut_wr", revents(sv[0]), POLLOUT);
	EXPECT_VAL("read_rest", read(sv[1], buf, sizeof(buf)), 3);
	EXPECT_VAL("read_eof", read(sv[1], buf, sizeof(buf)), 0);
	EXPECT_VAL("reverse_still_open", write(sv[1], "ok", 2), 2);
	EXPECT_VAL("reverse_read", read(sv[0], buf, sizeof(buf)), 2);
	sigpipes = 0;
	EXPECT_ERR("write_after_shut_wr", write(sv[0], "x", 1), EPIPE);
	EXPECT_VAL("sigpipe", sigpipes, 1);
	EXPECT_ERR("nosignal", send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
	EXPECT_VAL("no_second_sigpipe", sigpipes, 1);
	EXPECT_VAL("shut_wr_other", shutdown(sv[1], SHUT_WR), 0);
	EXPECT_VAL("both_ways_hup", revents(sv[0]), POLLIN | POLLOUT | POLLHUP | POLLRDHUP);
	EXPECT_ERR("shutdown_bad_how", shutdown(sv[0], 3), EINVAL);
	close(sv[0]);
	close(sv[1]);

	/* SHUT_RD: reads see EOF at once, the peer's writes fail. */
	OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	EXPECT_VAL("shut_rd", shutdown(sv[1], SHUT_RD), 0);
	EXPECT_VAL("read_after_shut_rd", read(sv[1], buf, sizeof(buf)), 0);
	sigpipes = 0;
	EXPECT_ERR("peer_write_after_shut_rd", write(sv[0], "x", 1), EPIPE);
	EXPECT_VAL("peer_sigpipe", sigpipes, 1);
	close(sv[0]);
	close(sv[1]);

	/* Closing with unread data resets the peer (once); closing without it does not. */
	OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(write(sv[0], "unread", 6), 6);
	CHECK_EQ(write(sv[1], "z", 1), 1);
	OK(close(sv[1]));
	EXPECT_VAL("closed_peer_poll", revents(sv[0]),
		   POLLIN | POLLOUT | POLLHUP | POLLRDHUP | POLLERR);
	EXPECT_VAL("data_before_reset", read(sv[0], buf, sizeof(buf)), 1);
	EXPECT_ERR("reset", read(sv[0], buf, sizeof(buf)), ECONNRESET);
	EXPECT_VAL("eof_after_reset", read(sv[0], buf, sizeof(buf)), 0);
	sigpipes = 0;
	EXPECT_ERR("write_to_closed", write(sv[0], "x", 1), EPIPE);
	EXPECT_VAL("write_to_closed_sigpipe", sigpipes, 1);
	close(sv[0]);
	OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	OK(close(sv[1]));
	EXPECT_VAL("clean_close_eof", read(sv[0], buf, sizeof(buf)), 0);
	close(sv[0]);

	/* An unconnected stream socket. */
	int u = OK(socket(AF_UNIX, SOCK_STREAM, 0));
	EXPECT_VAL("unconnected_poll", revents(u), POLLOUT | POLLHUP);
	EXPECT_ERR("unconnected_recv", recv(u, buf, 1, 0), EINVAL);
	EXPECT_ERR("unconnected_send", send(u, "x", 1, 0), ENOTCONN);
	EXPECT_VAL("unconnected_shutdown", shutdown(u, SHUT_RDWR), 0);
	close(u);
}

static void across_fork(void)
{
	int sv[2];
	OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	const size_t big = 3 << 20;
	pid_t pid = xfork();
	if (pid == 0) {
		close(sv[0]);
		/* MSG_WAITALL on the other side: two halves, apart. */
		(void)!write(sv[1], "12345", 5);
		usleep(20000);
		(void)!write(sv[1], "67890", 5);
		/* One write larger than any socket buffer: it blocks until read. */
		char *p = malloc(big);
		for (size_t i = 0; i < big; i++)
			p[i] = (char)(i * 7 + 3);
		ssize_t w = write(sv[1], p, big);
		_exit(w == (ssize_t)big ? 0 : 1);
	}
	close(sv[1]);
	char buf[16];
	EXPECT_VAL("waitall", recv(sv[0], buf, 10, MSG_WAITALL), 10);
	CHECK(memcmp(buf, "1234567890", 10) == 0);
	char *p = malloc(big);
	read_all(sv[0], p, big);
	size_t bad = 0;
	for (size_t i = 0; i < big; i++)
		bad += p[i] != (char)(i * 7 + 3);
	EXPECT_VAL("big_transfer_intact", bad, 0);
	EXPECT_VAL("eof", read(sv[0], buf, 1), 0);
	wait_and_print("writer", pid);
	free(p);
	close(sv[0]);
}

static void backlog_and_blocking_connect(void)
{
	int l = listener("srv2", 0);
	int c1 = connect_to("srv2", SOCK_NONBLOCK);
	struct sockaddr_un a;
	socklen_t al = path_name(&a, "srv2");
	int c2 = OK(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0));
	EXPECT_ERR("backlog_full_nonblock", connect(c2, (struct sockaddr *)&a, al), EAGAIN);
	pid_t pid = xfork();
	if (pid == 0) {
		alarm(10);
		int c = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(c, (struct sockaddr *)&a, al) < 0)
			_exit(1);
		(void)!write(c, "in", 2);
		_exit(0);
	}
	/* The child waits in connect until this accept makes room. */
	int s1 = OK(accept(l, NULL, NULL));
	int s2 = OK(accept(l, NULL, NULL));
	char buf[4];
	EXPECT_VAL("blocked_connect_got_through", read(s2, buf, sizeof(buf)), 2);
	wait_and_print("connector", pid);
	close(s1);
	close(s2);
	close(c1);
	close(c2);
	/* Pending connections of a closed listener are reset. */
	int c3 = connect_to("srv2", 0);
	close(l);
	char b;
	EXPECT_ERR("listener_closed_reset", read(c3, &b, 1), ECONNRESET);
	EXPECT_VAL("listener_closed_eof", read(c3, &b, 1), 0);
	close(c3);
	EXPECT_ERR("no_listener",
		   connect(OK(socket(AF_UNIX, SOCK_STREAM, 0)), (struct sockaddr *)&a, al),
		   ECONNREFUSED);
}

static void abstract_names(void)
{
	struct sockaddr_un a, got;
	socklen_t al = abstract_name(&a, "stream"), gl = sizeof(got);
	int l = OK(socket(AF_UNIX, SOCK_STREAM, 0));
	OK(bind(l, (struct sockaddr *)&a, al));
	OK(listen(l, 4));
	OK(getsockname(l, (struct sockaddr *)&got, &gl));
	EXPECT_TRUE("abstract_name_exact", gl == al && memcmp(&got, &a, al) == 0);
	int c = OK(socket(AF_UNIX, SOCK_STREAM, 0));
	EXPECT_VAL("abstract_connect", connect(c, (struct sockaddr *)&a, al), 0);
	/* A name is a name with its length: one byte less is another name. */
	int d = OK(socket(AF_UNIX, SOCK_STREAM, 0));
	EXPECT_ERR("abstract_prefix_is_other", connect(d, (struct sockaddr *)&a, al - 1),
		   ECONNREFUSED);
	int s = OK(accept(l, NULL, NULL));
	CHECK_EQ(write(s, "hi", 2), 2);
	char buf[4];
	EXPECT_VAL("abstract_data", read(c, buf, sizeof(buf)), 2);
	close(l);
	/* Free again once its socket is closed. */
	int l2 = OK(socket(AF_UNIX, SOCK_STREAM, 0));
	EXPECT_VAL("abstract_rebind", bind(l2, (struct sockaddr *)&a, al), 0);
	close(l2);
	close(s);
	close(c);
	close(d);
}

static void timeouts_and_signals(void)
{
	int sv[2];
	char buf[8];
	OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	struct timeval tv = {0, 100000}, got;
	socklen_t gl = sizeof(got);
	OK(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	OK(getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &got, &gl));
	EXPECT_TRUE("rcvtimeo_kept", gl == sizeof(got) && got.tv_sec == 0 && got.tv_usec == 100000);
	EXPECT_ERR("rcvtimeo_expires", read(sv[0], buf, 1), EAGAIN);
	/* A full send buffer and a send timeout. */
	OK(fcntl(sv[1], F_SETFL, O_NONBLOCK));
	static char chunk[65536];
	while (write(sv[1], chunk, sizeof(chunk)) > 0)
		;
	OK(fcntl(sv[1], F_SETFL, 0));
	EXPECT_VAL("full_not_writable", revents(sv[1]) & POLLOUT, 0);
	OK(setsockopt(sv[1], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	EXPECT_ERR("sndtimeo_expires", write(sv[1], "x", 1), EAGAIN);
	close(sv[0]);
	close(sv[1]);

	/* A handler without SA_RESTART interrupts a blocked read; with it, the read goes on. */
	struct sigaction sa = {0};
	sa.sa_handler = on_usr1;
	OK(sigaction(SIGUSR1, &sa, NULL));
	OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid_t parent = getpid();
	pid_t pid = xfork();
	if (pid == 0) {
		alarm(10);
		char c;
		struct pollfd p = {sv[1], POLLIN, 0};
		while (poll(&p, 1, 0) == 0) { /* until the parent says it saw EINTR */
			kill(parent, SIGUSR1);
			usleep(20000);
		}
		(void)!read(sv[1], &c, 1);
		_exit(0);
	}
	EXPECT_ERR("eintr", read(sv[0], buf, 1), EINTR);
	CHECK_EQ(write(sv[0], "k", 1), 1);
	wait_and_print("signaller", pid);
	sa.sa_flags = SA_RESTART;
	OK(sigaction(SIGUSR1, &sa, NULL));
	usr1s = 0;
	pid = xfork();
	if (pid == 0) {
		for (int i = 0; i < 5; i++) {
			kill(parent, SIGUSR1);
			usleep(20000);
		}
		(void)!write(sv[1], "data", 4);
		_exit(0);
	}
	EXPECT_VAL("restarted_read", read(sv[0], buf, 4), 4);
	EXPECT_TRUE("handler_ran", usr1s > 0);
	wait_and_print("signaller2", pid);
	close(sv[0]);
	close(sv[1]);
	signal(SIGUSR1, SIG_DFL);
}

static void select_and_epoll(void)
{
	int sv[2];
	OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	fd_set r, w;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(sv[0], &r);
	FD_SET(sv[0], &w);
	struct timeval tv = {0, 0};
	EXPECT_VAL("select_writable_only", select(sv[0] + 1, &r, &w, NULL, &tv), 1);
	int ep = OK(epoll_create1(0));
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u32 = 7};
	OK(epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev));
	EXPECT_VAL("epoll_idle", epoll_wait(ep, &ev, 1, 0), 0);
	int go[2];
	OK(pipe(go));
	pid_t pid = xfork();
	if (pid == 0) {
		char c;
		usleep(20000);
		(void)!write(sv[1], "e", 1);
		(void)!read(go[0], &c, 1); /* until the parent saw the data alone */
		shutdown(sv[1], SHUT_WR);
		_exit(0);
	}
	EXPECT_VAL("epoll_data", epoll_wait(ep, &ev, 1, 5000), 1);
	EXPECT_TRUE("epoll_in", ev.events == EPOLLIN && ev.data.u32 == 7);
	char c;
	CHECK_EQ(read(sv[0], &c, 1), 1);
	CHECK_EQ(write(go[1], "g", 1), 1);
	close(go[0]);
	close(go[1]);
	EXPECT_VAL("epoll_rdhup", epoll_wait(ep, &ev, 1, 5000), 1);
	EXPECT_TRUE("epoll_rdhup_bits", ev.events == (EPOLLIN | EPOLLRDHUP));
	wait_and_print("epoll_writer", pid);
	close(ep);
	/* Edge-triggered: each arrival once, data left unread is no new event. */
	int sp[2];
	OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp));
	ep = OK(epoll_create1(0));
	ev.events = EPOLLIN | EPOLLET;
	OK(epoll_ctl(ep, EPOLL_CTL_ADD, sp[0], &ev));
	CHECK_EQ(write(sp[1], "1", 1), 1);
	EXPECT_VAL("et_first", epoll_wait(ep, &ev, 1, 0), 1);
	EXPECT_VAL("et_not_again", epoll_wait(ep, &ev, 1, 0), 0);
	CHECK_EQ(write(sp[1], "2", 1), 1);
	EXPECT_VAL("et_second", epoll_wait(ep, &ev, 1, 0), 1);
	CHECK_EQ(write(sp[0], "x", 1), 1); /* the other way: no event for sp[0]'s reader */
	EXPECT_VAL("et_unrelated", epoll_wait(ep, &ev, 1, 0), 0);
	close(ep);
	close(sp[0]);
	close(sp[1]);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	signal(SIGPIPE, on_sigpipe);
	scratch_enter("unix-stream");
	names_and_accept();
	shutdown_and_hangups();
	across_fork();
	backlog_and_blocking_connect();
	abstract_names();
	timeouts_and_signals();
	select_and_epoll();
	scratch_leave();
	return done();
}
