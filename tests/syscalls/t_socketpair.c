/* socketpair(2) of AF_UNIX sockets: types and flags, the argument checks, what a socket file
 * looks like (fstat, F_GETFL, /proc/self/fd), data both ways, and the basic options. */
#define _GNU_SOURCE
#include "unix_util.h"

#include <sys/ioctl.h>
#include <sys/stat.h>

static void pair_roundtrip(const char *label, int type)
{
	int sv[2];
	char buf[16];
	char l[64];
	snprintf(l, sizeof(l), "%s_socketpair", label);
	EXPECT_VAL(l, socketpair(AF_UNIX, type, 0, sv), 0);
	CHECK_EQ(write(sv[0], "ping", 4), 4);
	CHECK_EQ(write(sv[1], "pong!", 5), 5);
	snprintf(l, sizeof(l), "%s_read1", label);
	EXPECT_VAL(l, read(sv[1], buf, sizeof(buf)), 4);
	CHECK(memcmp(buf, "ping", 4) == 0);
	snprintf(l, sizeof(l), "%s_read0", label);
	EXPECT_VAL(l, read(sv[0], buf, sizeof(buf)), 5);
	int v;
	socklen_t vl = sizeof(v);
	OK(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &vl));
	snprintf(l, sizeof(l), "%s_so_type", label);
	EXPECT_VAL(l, v, type);
	OK(close(sv[0]));
	OK(close(sv[1]));
}

int main(void)
{
	int sv[2], v;
	socklen_t vl;
	struct stat st0, st1;
	char buf[64];

	pair_roundtrip("stream", SOCK_STREAM);
	pair_roundtrip("dgram", SOCK_DGRAM);
	pair_roundtrip("seqpacket", SOCK_SEQPACKET);

	/* Flags. */
	EXPECT_VAL("plain", socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	EXPECT_VAL("getfl", fcntl(sv[0], F_GETFL), O_RDWR);
	EXPECT_VAL("getfd", fcntl(sv[0], F_GETFD), 0);
	OK(close(sv[0]));
	OK(close(sv[1]));
	EXPECT_VAL("flags", socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv),
		   0);
	EXPECT_VAL("getfl_nonblock", fcntl(sv[1], F_GETFL), O_RDWR | O_NONBLOCK);
	EXPECT_VAL("getfd_cloexec", fcntl(sv[1], F_GETFD), FD_CLOEXEC);
	EXPECT_ERR("nonblock_read", read(sv[0], buf, 1), EAGAIN);

	/* A socket file. */
	OK(fstat(sv[0], &st0));
	OK(fstat(sv[1], &st1));
	EXPECT_TRUE("is_sock", S_ISSOCK(st0.st_mode));
	EXPECT_VAL("mode", st0.st_mode & 07777, 0777);
	EXPECT_VAL("nlink", st0.st_nlink, 1);
	EXPECT_VAL("size", st0.st_size, 0);
	EXPECT_TRUE("distinct_inodes", st0.st_ino != st1.st_ino);
	EXPECT_TRUE("same_dev", st0.st_dev == st1.st_dev);
	EXPECT_TRUE("owner", st0.st_uid == geteuid() && st0.st_gid == getegid());
	char link[64], want[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", sv[0]);
	ssize_t n = readlink(link, buf, sizeof(buf) - 1);
	CHECK(n > 0);
	buf[n] = 0;
	snprintf(want, sizeof(want), "socket:[%llu]", (unsigned long long)st0.st_ino);
	EXPECT_TRUE("proc_fd_link", strcmp(buf, want) == 0);
	EXPECT_ERR("proc_fd_open", open(link, O_RDWR), ENXIO);
	EXPECT_ERR("lseek", lseek(sv[0], 0, SEEK_SET), ESPIPE);
	EXPECT_ERR("pread", pread(sv[0], buf, 1, 0), ESPIPE);
	EXPECT_ERR("pwrite", pwrite(sv[0], buf, 1, 0), ESPIPE);
	EXPECT_ERR("ioctl_unknown", ioctl(sv[0], TCGETS, buf), ENOTTY);

	/* Options of a fresh pair. */
	vl = sizeof(v);
	OK(getsockopt(sv[0], SOL_SOCKET, SO_DOMAIN, &v, &vl));
	EXPECT_VAL("so_domain", v, AF_UNIX);
	OK(getsockopt(sv[0], SOL_SOCKET, SO_PROTOCOL, &v, &vl));
	EXPECT_VAL("so_protocol", v, 0);
	OK(getsockopt(sv[0], SOL_SOCKET, SO_ACCEPTCONN, &v, &vl));
	EXPECT_VAL("so_acceptconn", v, 0);
	OK(getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &v, &vl));
	EXPECT_VAL("so_error", v, 0);
	OK(getsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &v, &vl));
	EXPECT_VAL("so_passcred", v, 0);
	OK(getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &vl));
	EXPECT_TRUE("so_sndbuf_positive", v > 0);
	struct ucred uc;
	vl = sizeof(uc);
	OK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &uc, &vl));
	EXPECT_VAL("peercred_len", vl, sizeof(uc));
	EXPECT_TRUE("peercred_me",
		    uc.pid == getpid() && uc.uid == geteuid() && uc.gid == getegid());
	struct sockaddr_un a;
	socklen_t al = sizeof(a);
	OK(getsockname(sv[0], (struct sockaddr *)&a, &al));
	EXPECT_VAL("sockname_len", al, sizeof(sa_family_t));
	EXPECT_VAL("sockname_family", a.sun_family, AF_UNIX);
	al = sizeof(a);
	OK(getpeername(sv[0], (struct sockaddr *)&a, &al));
	EXPECT_VAL("peername_len", al, sizeof(sa_family_t));
	OK(close(sv[0]));
	OK(close(sv[1]));

	/* A peer across fork. */
	OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid_t pid = xfork();
	if (pid == 0) {
		close(sv[0]);
		vl = sizeof(uc);
		getsockopt(sv[1], SOL_SOCKET, SO_PEERCRED, &uc, &vl);
		pid_t me = getpid();
		(void)!write(sv[1], &me, sizeof(me));
		(void)!write(sv[1], &uc.pid, sizeof(uc.pid));
		_exit(0);
	}
	close(sv[1]);
	pid_t child, peer;
	read_all(sv[0], &child, sizeof(child));
	read_all(sv[0], &peer, sizeof(peer));
	EXPECT_TRUE("child_is_fork", child == pid);
	EXPECT_TRUE("peercred_is_creator", peer == getpid());
	EXPECT_VAL("eof_after_child", read(sv[0], buf, 1), 0);
	wait_and_print("child", pid);
	close(sv[0]);

	/* Argument checks, in Linux's order. */
	EXPECT_ERR("bad_flags", socketpair(AF_UNIX, SOCK_STREAM | 0x100, 0, sv), EINVAL);
	EXPECT_ERR("type_range", socketpair(AF_UNIX, 11, 0, sv), EINVAL);
	EXPECT_ERR("type_rdm", socketpair(AF_UNIX, SOCK_RDM, 0, sv), ESOCKTNOSUPPORT);
	EXPECT_ERR("protocol", socketpair(AF_UNIX, SOCK_STREAM, 2, sv), EPROTONOSUPPORT);
	EXPECT_VAL("protocol_pf_unix", socketpair(AF_UNIX, SOCK_DGRAM, PF_UNIX, sv), 0);
	close(sv[0]);
	close(sv[1]);
	EXPECT_VAL("sock_raw", socketpair(AF_UNIX, SOCK_RAW, 0, sv), 0);
	vl = sizeof(v);
	OK(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &vl));
	EXPECT_VAL("sock_raw_is_dgram", v, SOCK_DGRAM);
	close(sv[0]);
	close(sv[1]);
	EXPECT_ERR("family_range", socketpair(46, SOCK_STREAM, 0, sv), EAFNOSUPPORT);
	EXPECT_ERR("efault", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, BADPTR), EFAULT);
	/* The failed call left no descriptor behind. */
	int probe = OK(dup(0));
	OK(close(probe));
	EXPECT_VAL("no_leak", socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	EXPECT_TRUE("lowest_fd_reused", sv[0] == probe);
	return done();
}
