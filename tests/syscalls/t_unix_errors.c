/* The errnos of the socket calls on AF_UNIX sockets, in Linux's order of checks. */
#define _GNU_SOURCE
#include "scratch.h"
#include "unix_util.h"

#include <signal.h>
#include <sys/ioctl.h>

static struct sockaddr_un A;
static socklen_t AL;
#define SA(a) ((struct sockaddr *)(a))

static int sock(int type)
{
	return OK(socket(AF_UNIX, type, 0));
}

static void creation_and_descriptors(void)
{
	EXPECT_ERR("socket_bad_flags", socket(AF_UNIX, SOCK_STREAM | 0x40, 0), EINVAL);
	EXPECT_ERR("socket_type_range", socket(AF_UNIX, 11, 0), EINVAL);
	EXPECT_ERR("socket_rdm", socket(AF_UNIX, SOCK_RDM, 0), ESOCKTNOSUPPORT);
	EXPECT_ERR("socket_type0", socket(AF_UNIX, 0, 0), ESOCKTNOSUPPORT);
	EXPECT_ERR("socket_protocol", socket(AF_UNIX, SOCK_STREAM, 6), EPROTONOSUPPORT);
	EXPECT_ERR("socket_family_range", socket(46, SOCK_STREAM, 0), EAFNOSUPPORT);
	EXPECT_ERR("socket_family_negative", socket(-1, SOCK_STREAM, 0), EAFNOSUPPORT);

	int p[2];
	char b;
	int v = 0;
	socklen_t vl = sizeof(v);
	OK(pipe(p));
	EXPECT_ERR("bind_notsock", bind(p[0], SA(&A), AL), ENOTSOCK);
	EXPECT_ERR("connect_notsock", connect(p[0], SA(&A), AL), ENOTSOCK);
	EXPECT_ERR("listen_notsock", listen(p[0], 1), ENOTSOCK);
	EXPECT_ERR("accept_notsock", accept(p[0], NULL, NULL), ENOTSOCK);
	EXPECT_ERR("send_notsock", send(p[1], "x", 1, 0), ENOTSOCK);
	EXPECT_ERR("recv_notsock", recv(p[0], &b, 1, 0), ENOTSOCK);
	EXPECT_ERR("shutdown_notsock", shutdown(p[0], SHUT_RD), ENOTSOCK);
	EXPECT_ERR("getsockopt_notsock", getsockopt(p[0], SOL_SOCKET, SO_TYPE, &v, &vl), ENOTSOCK);
	EXPECT_ERR("getsockname_notsock", getsockname(p[0], SA(&A), &vl), ENOTSOCK);
	close(p[0]);
	close(p[1]);
	EXPECT_ERR("bind_ebadf", bind(p[0], SA(&A), AL), EBADF);
	EXPECT_ERR("sendto_ebadf", sendto(p[0], "x", 1, 0, NULL, 0), EBADF);
	EXPECT_ERR("setsockopt_fd_first", setsockopt(p[0], SOL_SOCKET, SO_TYPE, &v, -1), EBADF);
}

static void bind_errors(void)
{
	struct sockaddr_un a;
	int s = sock(SOCK_STREAM);
	EXPECT_ERR("bind_len0", bind(s, SA(&A), 0), EINVAL);
	EXPECT_ERR("bind_len1", bind(s, SA(&A), 1), EINVAL);
	EXPECT_ERR("bind_len111", bind(s, SA(&A), sizeof(struct sockaddr_un) + 1), EINVAL);
	EXPECT_ERR("bind_len129", bind(s, SA(&A), sizeof(struct sockaddr_storage) + 1), EINVAL);
	EXPECT_ERR("bind_efault", bind(s, BADPTR, AL), EFAULT);
	struct sockaddr_un inet = A;
	inet.sun_family = AF_INET;
	EXPECT_ERR("bind_wrong_family", bind(s, SA(&inet), AL), EINVAL);
	put("regular", "x");
	socklen_t l = path_name(&a, "regular");
	EXPECT_ERR("bind_exists", bind(s, SA(&a), l), EADDRINUSE);
	l = path_name(&a, "nodir/s");
	EXPECT_ERR("bind_no_dir", bind(s, SA(&a), l), ENOENT);
	l = path_name(&a, "regular/s");
	EXPECT_ERR("bind_notdir", bind(s, SA(&a), l), ENOTDIR);
	l = path_name(&a, "s1");
	EXPECT_VAL("bind_ok", bind(s, SA(&a), l), 0);
	l = path_name(&a, "s2");
	EXPECT_ERR("bind_twice", bind(s, SA(&a), l), EINVAL);
	EXPECT_ERR("bind_twice_removed_node", access("s2", F_OK), ENOENT);
	struct sockaddr_un fam = {.sun_family = AF_UNIX};
	EXPECT_VAL("autobind_when_bound", bind(s, SA(&fam), sizeof(sa_family_t)), 0);
	int t = sock(SOCK_STREAM);
	l = path_name(&a, "s1");
	EXPECT_ERR("bind_taken_path", bind(t, SA(&a), l), EADDRINUSE);
	struct sockaddr_un ab;
	socklen_t abl = abstract_name(&ab, "errors");
	OK(bind(t, SA(&ab), abl));
	int u = sock(SOCK_STREAM);
	EXPECT_ERR("bind_taken_abstract", bind(u, SA(&ab), abl), EADDRINUSE);
	EXPECT_ERR("bind_abstract_twice", bind(t, SA(&A), AL), EINVAL);
	/* A path of 108 bytes and no NUL is taken whole. */
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	memset(a.sun_path, 'p', sizeof(a.sun_path));
	EXPECT_VAL("bind_108", bind(u, SA(&a), sizeof(a)), 0);
	struct sockaddr_storage got;
	socklen_t gl = sizeof(got);
	OK(getsockname(u, SA(&got), &gl));
	EXPECT_VAL("name_108_len", gl, sizeof(sa_family_t) + 108 + 1);
	char name108[109];
	memset(name108, 'p', 108);
	name108[108] = 0;
	OK(unlink(name108));
	/* No write permission on the directory. */
	OK(mkdir("ro", 0755));
	pid_t pid = xfork();
	if (pid == 0) {
		as_nobody();
		int n = socket(AF_UNIX, SOCK_STREAM, 0);
		socklen_t nl = path_name(&a, "ro/s");
		_exit(bind(n, SA(&a), nl) == -1 && errno == EACCES ? 0 : 1);
	}
	wait_and_print("bind_eacces", pid);
	close(s);
	close(t);
	close(u);
}

static void connect_errors(void)
{
	struct sockaddr_un a;
	socklen_t l;
	int c = sock(SOCK_STREAM);
	EXPECT_ERR("connect_len1", connect(c, SA(&A), 1), EINVAL);
	EXPECT_ERR("connect_efault", connect(c, BADPTR, AL), EFAULT);
	l = path_name(&a, "missing");
	EXPECT_ERR("connect_enoent", connect(c, SA(&a), l), ENOENT);
	l = path_name(&a, "regular");
	EXPECT_ERR("connect_not_socket", connect(c, SA(&a), l), ECONNREFUSED);
	struct sockaddr_un ab;
	socklen_t abl = abstract_name(&ab, "unbound");
	EXPECT_ERR("connect_abstract_unbound", connect(c, SA(&ab), abl), ECONNREFUSED);
	/* Bound but not listening; then gone. */
	int b = sock(SOCK_STREAM);
	l = path_name(&a, "bound");
	OK(bind(b, SA(&a), l));
	EXPECT_ERR("connect_not_listening", connect(c, SA(&a), l), ECONNREFUSED);
	close(b);
	EXPECT_ERR("connect_stale_node", connect(c, SA(&a), l), ECONNREFUSED);
	int d = sock(SOCK_DGRAM);
	l = path_name(&a, "dgram");
	OK(bind(d, SA(&a), l));
	EXPECT_ERR("connect_wrong_type", connect(c, SA(&a), l), EPROTOTYPE);
	close(d);
	/* A node without write permission, for someone not root. */
	mode_t old = umask(0777);
	int x = sock(SOCK_STREAM);
	l = path_name(&a, "private");
	OK(bind(x, SA(&a), l));
	umask(old);
	OK(listen(x, 4));
	EXPECT_MODE("private_mode", lst("private").st_mode & 07777, 0);
	pid_t pid = xfork();
	if (pid == 0) {
		as_nobody();
		int n = socket(AF_UNIX, SOCK_STREAM, 0);
		_exit(connect(n, SA(&a), l) == -1 && errno == EACCES ? 0 : 1);
	}
	wait_and_print("connect_eacces", pid);
	EXPECT_VAL("root_may", connect(c, SA(&a), l), 0);
	EXPECT_ERR("connect_isconn", connect(c, SA(&a), l), EISCONN);
	int y = sock(SOCK_STREAM);
	struct sockaddr_un ya;
	socklen_t yal = path_name(&ya, "listening");
	OK(bind(y, SA(&ya), yal));
	OK(listen(y, 4));
	EXPECT_ERR("connect_from_listener", connect(y, SA(&a), l), EINVAL);
	/* Backlog 0 holds one; a second non-blocking connect is refused for now. */
	int z = sock(SOCK_STREAM);
	struct sockaddr_un za;
	socklen_t zal = path_name(&za, "tiny");
	OK(bind(z, SA(&za), zal));
	OK(listen(z, 0));
	int c1 = sock(SOCK_STREAM | SOCK_NONBLOCK), c2 = sock(SOCK_STREAM | SOCK_NONBLOCK);
	OK(connect(c1, SA(&za), zal));
	EXPECT_ERR("connect_backlog_full", connect(c2, SA(&za), zal), EAGAIN);
	close(c1);
	close(c2);
	close(z);
	close(c);
	close(x);
	close(y);
	EXPECT_ERR("open_socket_node", open("listening", O_RDWR), ENXIO);
	int op = OK(open("listening", O_PATH));
	EXPECT_ERR("bind_o_path_fd", bind(op, SA(&A), AL), EBADF);
	close(op);
}

static void listen_accept_errors(void)
{
	int d = sock(SOCK_DGRAM), s = sock(SOCK_STREAM);
	EXPECT_ERR("listen_dgram", listen(d, 1), EOPNOTSUPP);
	EXPECT_ERR("listen_unbound", listen(s, 1), EINVAL);
	EXPECT_ERR("accept_dgram", accept(d, NULL, NULL), EOPNOTSUPP);
	EXPECT_ERR("accept_not_listening", accept(s, NULL, NULL), EINVAL);
	EXPECT_ERR("accept4_bad_flags", accept4(s, NULL, NULL, 1), EINVAL);
	int sv[2];
	OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	EXPECT_ERR("listen_connected", listen(sv[0], 1), EINVAL);
	struct sockaddr_un ab;
	socklen_t abl = abstract_name(&ab, "accept");
	OK(bind(s, SA(&ab), abl));
	OK(listen(s, 1));
	OK(fcntl(s, F_SETFL, O_NONBLOCK));
	EXPECT_ERR("accept_eagain", accept(s, NULL, NULL), EAGAIN);
	OK(shutdown(s, SHUT_RD));
	EXPECT_ERR("accept_nonblock_after_shutdown", accept(s, NULL, NULL), EAGAIN);
	OK(fcntl(s, F_SETFL, 0));
	EXPECT_ERR("accept_after_shutdown", accept(s, NULL, NULL), EINVAL);
	int c = sock(SOCK_STREAM);
	EXPECT_ERR("connect_shut_listener", connect(c, SA(&ab), abl), ECONNREFUSED);
	int v;
	EXPECT_ERR("fionread_listener", ioctl(s, FIONREAD, &v), EINVAL);
	close(c);
	close(d);
	close(s);
	close(sv[0]);
	close(sv[1]);
}

static void data_errors(void)
{
	char b[8];
	int s = sock(SOCK_STREAM), q = sock(SOCK_SEQPACKET), sv[2];
	EXPECT_ERR("send_notconn", send(s, "x", 1, 0), ENOTCONN);
	EXPECT_ERR("sendto_unconnected_stream", sendto(s, "x", 1, 0, SA(&A), AL), EOPNOTSUPP);
	EXPECT_ERR("recv_unconnected_stream", recv(s, b, 1, 0), EINVAL);
	EXPECT_ERR("send_seqpacket_notconn", send(q, "x", 1, 0), ENOTCONN);
	EXPECT_ERR("recv_seqpacket_notconn", recv(q, b, 1, 0), ENOTCONN);
	OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	EXPECT_ERR("send_efault", send(sv[0], BADPTR, 1, 0), EFAULT);
	EXPECT_ERR("recv_dontwait", recv(sv[0], b, 1, MSG_DONTWAIT), EAGAIN);
	CHECK_EQ(send(sv[1], "y", 1, 0), 1);
	EXPECT_ERR("recv_efault", recv(sv[0], BADPTR, 1, 0), EFAULT);
	close(sv[0]);
	close(sv[1]);
	OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	EXPECT_ERR("dgram_send_oob", send(sv[0], "x", 1, MSG_OOB), EOPNOTSUPP);
	EXPECT_ERR("dgram_recv_oob", recv(sv[0], b, 1, MSG_OOB), EOPNOTSUPP);
	EXPECT_ERR("dgram_sendto_len1", sendto(sv[0], "x", 1, 0, SA(&A), 1), EINVAL);
	EXPECT_ERR("dgram_sendto_len129", sendto(sv[0], "x", 1, 0, SA(&A), 129), EINVAL);
	static char big[300000];
	EXPECT_ERR("dgram_emsgsize", send(sv[0], big, sizeof(big), 0), EMSGSIZE);

	/* msghdr checks. */
	struct iovec iov = {b, 1};
	struct msghdr mh = {0};
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	EXPECT_ERR("sendmsg_cmsg_compat", sendmsg(sv[0], &mh, (int)0x80000000), EINVAL);
	EXPECT_ERR("recvmsg_cmsg_compat", recvmsg(sv[0], &mh, (int)0x80000000), EINVAL);
	EXPECT_ERR("sendmsg_efault", sendmsg(sv[0], BADPTR, 0), EFAULT);
	mh.msg_iovlen = 1025;
	EXPECT_ERR("sendmsg_iovlen", sendmsg(sv[0], &mh, 0), EMSGSIZE);
	EXPECT_ERR("recvmsg_iovlen", recvmsg(sv[0], &mh, 0), EMSGSIZE);
	mh.msg_iovlen = 1;
	iov.iov_len = (size_t)-1;
	EXPECT_ERR("sendmsg_negative_iov", sendmsg(sv[0], &mh, 0), EINVAL);
	iov.iov_len = 1;
	mh.msg_name = &A;
	mh.msg_namelen = -1;
	EXPECT_ERR("sendmsg_negative_namelen", sendmsg(sv[0], &mh, 0), EINVAL);
	EXPECT_ERR("recvmsg_negative_namelen", recvmsg(sv[0], &mh, 0), EINVAL);
	mh.msg_name = NULL;
	mh.msg_namelen = 0;
	mh.msg_control = b;
	mh.msg_controllen = 200000;
	EXPECT_ERR("sendmsg_enobufs", sendmsg(sv[0], &mh, 0), ENOBUFS);
	/* recvmmsg: the timeout is checked first. */
	struct mmsghdr mm = {0};
	struct timespec bad = {0, 2000000000};
	EXPECT_ERR("recvmmsg_bad_timeout", recvmmsg(sv[0], &mm, 1, 0, &bad), EINVAL);
	EXPECT_ERR("recvmmsg_eagain", recvmmsg(sv[0], &mm, 1, MSG_DONTWAIT, NULL), EAGAIN);
	close(sv[0]);
	close(sv[1]);
	close(s);
	close(q);
}

static void option_errors(void)
{
	int s = sock(SOCK_STREAM), v = 0;
	socklen_t vl = sizeof(v);
	char big[256];
	EXPECT_ERR("getsockopt_unknown", getsockopt(s, SOL_SOCKET, 9999, &v, &vl), ENOPROTOOPT);
	vl = (socklen_t)-1;
	EXPECT_ERR("getsockopt_neg_len", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &vl), EINVAL);
	vl = sizeof(v);
	EXPECT_ERR("getsockopt_level_tcp", getsockopt(s, 6, 1, &v, &vl), EOPNOTSUPP);
	EXPECT_ERR("getsockopt_efault_len",
		   syscall(SYS_getsockopt, s, SOL_SOCKET, SO_TYPE, &v, BADPTR), EFAULT);
	vl = 2;
	EXPECT_VAL("getsockopt_short", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &vl), 0);
	EXPECT_VAL("getsockopt_short_len", vl, 2);
	vl = sizeof(big);
	EXPECT_ERR("peername_unconnected", getsockopt(s, SOL_SOCKET, SO_PEERNAME, big, &vl),
		   ENOTCONN);
	EXPECT_ERR("getpeername_unconnected", getpeername(s, SA(big), &vl), ENOTCONN);
	int sv[2];
	OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	vl = sizeof(big);
	EXPECT_ERR("peername_too_long", getsockopt(sv[0], SOL_SOCKET, SO_PEERNAME, big, &vl),
		   EINVAL);
	vl = sizeof(sa_family_t);
	EXPECT_VAL("peername_exact", getsockopt(sv[0], SOL_SOCKET, SO_PEERNAME, big, &vl), 0);
	close(sv[0]);
	close(sv[1]);
	EXPECT_ERR("setsockopt_neg_len", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, -1), EINVAL);
	EXPECT_ERR("setsockopt_short", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, 2), EINVAL);
	EXPECT_ERR("setsockopt_readonly", setsockopt(s, SOL_SOCKET, SO_TYPE, &v, sizeof(v)),
		   ENOPROTOOPT);
	EXPECT_ERR("setsockopt_sndlowat", setsockopt(s, SOL_SOCKET, SO_SNDLOWAT, &v, sizeof(v)),
		   ENOPROTOOPT);
	EXPECT_ERR("setsockopt_level_tcp", setsockopt(s, 6, 1, &v, sizeof(v)), EOPNOTSUPP);
	EXPECT_ERR("setsockopt_efault", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, BADPTR, 4), EFAULT);
	struct timeval tv = {1, 1000000};
	EXPECT_ERR("timeo_edom", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), EDOM);
	EXPECT_ERR("timeo_short", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, 8), EINVAL);
	struct linger lg = {1, 5};
	EXPECT_ERR("linger_short", setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, 4), EINVAL);
	EXPECT_VAL("linger", setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	vl = sizeof(lg);
	memset(&lg, 0, sizeof(lg));
	OK(getsockopt(s, SOL_SOCKET, SO_LINGER, &lg, &vl));
	EXPECT_TRUE("linger_kept", vl == sizeof(lg) && lg.l_onoff == 1 && lg.l_linger == 5);
	v = 1;
	OK(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)));
	v = 0;
	vl = sizeof(v);
	OK(getsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, &vl));
	EXPECT_VAL("reuseaddr", v, 1);
	v = -5;
	OK(setsockopt(s, SOL_SOCKET, SO_RCVLOWAT, &v, sizeof(v)));
	OK(getsockopt(s, SOL_SOCKET, SO_RCVLOWAT, &v, &vl));
	EXPECT_VAL("rcvlowat_negative", v, 0x7fffffff);
	OK(getsockopt(s, SOL_SOCKET, SO_SNDLOWAT, &v, &vl));
	EXPECT_VAL("sndlowat", v, 1);
	pid_t pid = xfork();
	if (pid == 0) {
		as_nobody();
		int p = 7, ok = 6;
		_exit(setsockopt(s, SOL_SOCKET, SO_PRIORITY, &p, sizeof(p)) == -1 &&
			      errno == EPERM &&
			      setsockopt(s, SOL_SOCKET, SO_PRIORITY, &ok, sizeof(ok)) == 0
			  ? 0
			  : 1);
	}
	wait_and_print("priority_eperm", pid);
	/* A negative timeout means never waiting. */
	OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	tv.tv_sec = -1;
	tv.tv_usec = 0;
	OK(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	vl = sizeof(tv);
	OK(getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, &vl));
	EXPECT_TRUE("negative_timeo_reads_zero", tv.tv_sec == 0 && tv.tv_usec == 0);
	EXPECT_ERR("negative_timeo_never_waits", recv(sv[0], big, 1, 0), EAGAIN);
	EXPECT_ERR("shutdown_how_negative", shutdown(sv[0], -1), EINVAL);
	EXPECT_ERR("shutdown_how_3", shutdown(sv[0], 3), EINVAL);
	close(sv[0]);
	close(sv[1]);
	close(s);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	scratch_enter("unix-errors");
	AL = path_name(&A, "any");
	creation_and_descriptors();
	bind_errors();
	connect_errors();
	listen_accept_errors();
	data_errors();
	option_errors();
	scratch_leave();
	return done();
}
