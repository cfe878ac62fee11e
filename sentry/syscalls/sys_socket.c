/*
 * socket, socketpair, bind, listen, accept, accept4, connect, shutdown, getsockname,
 * getpeername, getsockopt, setsockopt: Linux's net/socket.c over the Sentry's socket layer
 * (netstack/socket.h). Sending and receiving: sys_sockmsg.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fs/vfs.h"
#include "netstack/socket.h"
#include "sentry/syscalls/sock_arg.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

#define SOCK_TYPE_MASK_K 0xf

static bool nonblocking(const struct file *f)
{
	return __atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK;
}

/* A new file for s, or NULL (then s is released and freed). */
static struct file *file_for(struct socket *s, int sock_flags)
{
	struct file *f = socket_file_new(s, (sock_flags & SOCK_NONBLOCK) ? O_NONBLOCK : 0);
	if (!f) {
		s->ops->release(s);
		socket_free(s);
	}
	return f;
}

/* Splits socket's and socketpair's type into the type and the SOCK_* flags. */
static long type_flags(int *type, int *flags)
{
	*flags = *type & ~SOCK_TYPE_MASK_K;
	if (*flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	*type &= SOCK_TYPE_MASK_K;
	return 0;
}

long sys_socket(struct task *t, const uint64_t a[6])
{
	int type = (int)a[1], flags;
	struct socket *s;
	long err = type_flags(&type, &flags);
	if (err < 0)
		return err;
	err = socket_create((int)a[0], type, (int)a[2], &s);
	if (err < 0)
		return err;
	struct file *f = file_for(s, flags);
	if (!f)
		return -ENOMEM;
	err = fd_install(t->fdt, f, 0, flags & SOCK_CLOEXEC);
	file_put(f);
	return err;
}

long sys_socketpair(struct task *t, const uint64_t a[6])
{
	int type = (int)a[1], flags;
	struct socket *s1 = NULL, *s2 = NULL;
	struct file *f1 = NULL, *f2 = NULL;
	int fds[2] = {-1, -1};
	long err = type_flags(&type, &flags);
	if (err < 0)
		return err;
	err = socket_create((int)a[0], type, (int)a[2], &s1);
	if (err < 0)
		return err;
	err = socket_create((int)a[0], type, (int)a[2], &s2);
	if (err < 0) {
		s1->ops->release(s1);
		socket_free(s1);
		return err;
	}
	err = s1->ops->socketpair ? s1->ops->socketpair(s1, s2) : -EOPNOTSUPP;
	f1 = file_for(s1, flags);
	f2 = file_for(s2, flags);
	if (err == 0 && (!f1 || !f2))
		err = -ENOMEM;
	if (err < 0)
		goto out;
	bool cloexec = flags & SOCK_CLOEXEC;
	err = fds[0] = fd_install(t->fdt, f1, 0, cloexec);
	if (err < 0)
		goto out;
	err = fds[1] = fd_install(t->fdt, f2, 0, cloexec);
	if (err < 0)
		goto out;
	/* Linux reserves the numbers and writes them first; here the descriptors exist for a
	 * moment and go again if the copy faults (as pipe2). */
	err = copy_to_guest(t, a[3], fds, sizeof(fds));
out:
	if (err < 0) {
		if (fds[0] >= 0)
			fd_close(t->fdt, fds[0]);
		if (fds[1] >= 0)
			fd_close(t->fdt, fds[1]);
	}
	file_put(f1);
	file_put(f2);
	return err;
}

long sys_bind(struct task *t, const uint64_t a[6])
{
	struct sockaddr_storage ss;
	struct file *f;
	long err;
	struct socket *s = sockfd_get(t, (int)a[0], &f, &err);
	if (!s)
		return err;
	err = addr_from_guest(t, a[1], (int)a[2], &ss);
	if (err == 0)
		err = s->ops->bind ? s->ops->bind(s, &ss, (socklen_t)(int)a[2]) : -EOPNOTSUPP;
	file_put(f);
	return err;
}

long sys_listen(struct task *t, const uint64_t a[6])
{
	struct file *f;
	long err;
	struct socket *s = sockfd_get(t, (int)a[0], &f, &err);
	if (!s)
		return err;
	int backlog = (int)a[1];
	if ((unsigned)backlog > SOCK_SOMAXCONN)
		backlog = SOCK_SOMAXCONN;
	err = s->ops->listen ? s->ops->listen(s, backlog) : -EOPNOTSUPP;
	file_put(f);
	return err;
}

static long do_accept4(struct task *t, int fd, uint64_t uaddr, uint64_t ulen, int flags)
{
	struct file *f, *nf = NULL;
	long err;
	if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	struct socket *s = sockfd_get(t, fd, &f, &err);
	if (!s)
		return err;
	struct socket *ns = NULL;
	if (!s->ops->accept) {
		err = -EOPNOTSUPP;
		goto out;
	}
	ns = socket_alloc_like(s);
	if (!ns) {
		err = -ENOMEM;
		goto out;
	}
	err = s->ops->accept(s, ns, nonblocking(f));
	if (err < 0) {
		socket_free(ns);
		goto out;
	}
	nf = file_for(ns, flags);
	if (!nf) {
		err = -ENOMEM;
		goto out;
	}
	if (uaddr) {
		struct sockaddr_storage ss;
		int len = ns->ops->getpeername(ns, &ss);
		err = len < 0 ? -ECONNABORTED : addr_to_guest(t, &ss, len, uaddr, ulen);
		if (err < 0)
			goto out; /* the connection is dropped, as Linux drops it */
	}
	/* Linux reserves the number before accepting; here a full table loses the
	 * connection just taken (EMFILE). */
	err = fd_install(t->fdt, nf, 0, flags & SOCK_CLOEXEC);
out:
	file_put(nf);
	file_put(f);
	return sock_syscall_ret(t, err);
}

long sys_accept(struct task *t, const uint64_t a[6])
{
	return do_accept4(t, (int)a[0], a[1], a[2], 0);
}

long sys_accept4(struct task *t, const uint64_t a[6])
{
	return do_accept4(t, (int)a[0], a[1], a[2], (int)a[3]);
}

long sys_connect(struct task *t, const uint64_t a[6])
{
	struct sockaddr_storage ss;
	struct file *f;
	long err;
	struct socket *s = sockfd_get(t, (int)a[0], &f, &err);
	if (!s)
		return err;
	err = addr_from_guest(t, a[1], (int)a[2], &ss);
	if (err == 0)
		err = s->ops->connect
			  ? s->ops->connect(s, &ss, (socklen_t)(int)a[2], nonblocking(f))
			  : -EOPNOTSUPP;
	file_put(f);
	return sock_syscall_ret(t, err);
}

long sys_shutdown(struct task *t, const uint64_t a[6])
{
	struct file *f;
	long err;
	struct socket *s = sockfd_get(t, (int)a[0], &f, &err);
	if (!s)
		return err;
	err = s->ops->shutdown ? s->ops->shutdown(s, (int)a[1]) : -EOPNOTSUPP;
	file_put(f);
	return err;
}

static long getname(struct task *t, const uint64_t a[6], bool peer)
{
	struct sockaddr_storage ss;
	struct file *f;
	long err;
	struct socket *s = sockfd_get(t, (int)a[0], &f, &err);
	if (!s)
		return err;
	int len = peer ? s->ops->getpeername(s, &ss) : s->ops->getsockname(s, &ss);
	err = len < 0 ? len : addr_to_guest(t, &ss, len, a[1], a[2]);
	file_put(f);
	return err;
}

long sys_getsockname(struct task *t, const uint64_t a[6])
{
	return getname(t, a, false);
}

long sys_getpeername(struct task *t, const uint64_t a[6])
{
	return getname(t, a, true);
}

/* SO_PEERNAME: the peer's name, refused (EINVAL) when the caller asks for more than it is,
 * as Linux's sk_getsockopt. */
static long peername_opt(struct socket *s, char *buf, socklen_t *len)
{
	struct sockaddr_storage ss;
	int lv = s->ops->getpeername(s, &ss);
	if (lv < 0)
		return -ENOTCONN;
	if ((int)*len > lv)
		return -EINVAL;
	memcpy(buf, &ss, *len);
	return 0;
}

long sys_getsockopt(struct task *t, const uint64_t a[6])
{
	/* Every answer fits: the largest is a sockaddr_storage (SO_PEERNAME). */
	char buf[sizeof(struct sockaddr_storage)];
	int level = (int)a[1], name = (int)a[2], len;
	struct file *f;
	long err;
	struct socket *s = sockfd_get(t, (int)a[0], &f, &err);
	if (!s)
		return err;
	if (copy_from_guest(t, &len, a[4], sizeof(len)) < 0) {
		err = -EFAULT;
		goto out;
	}
	if (len < 0) {
		err = -EINVAL;
		goto out;
	}
	socklen_t room = (size_t)len < sizeof(buf) ? (socklen_t)len : sizeof(buf);
	memset(buf, 0, sizeof(buf));
	if (level == SOL_SOCKET && name == SO_PEERNAME)
		err = peername_opt(s, buf, &room);
	else
		err = socket_getsockopt(s, level, name, buf, &room);
	if (err < 0)
		goto out;
	len = (int)room;
	if (copy_to_guest(t, a[3], buf, room) < 0 || copy_to_guest(t, a[4], &len, sizeof(len)) < 0)
		err = -EFAULT;
out:
	file_put(f);
	return err;
}

/* How many bytes of a SOL_SOCKET option's value Linux reads. */
static size_t opt_size(int name)
{
	switch (name) {
	case SO_LINGER:
		return sizeof(struct linger);
	case 20: /* SO_RCVTIMEO_OLD */
	case 21: /* SO_SNDTIMEO_OLD */
	case 66: /* SO_RCVTIMEO_NEW */
	case 67: /* SO_SNDTIMEO_NEW */
		return 16;
	default:
		return sizeof(int);
	}
}

long sys_setsockopt(struct task *t, const uint64_t a[6])
{
	char buf[16] = {0};
	int level = (int)a[1], name = (int)a[2], len = (int)a[4];
	struct file *f;
	long err;
	struct socket *s = sockfd_get(t, (int)a[0], &f, &err);
	if (!s)
		return err;
	if (len < 0) {
		err = -EINVAL;
		goto out;
	}
	/* Only what the option reads is copied, and only when it is long enough to be read:
	 * a too-short value is EINVAL, not EFAULT. No family has options of other levels yet
	 * (they answer EOPNOTSUPP without reading). */
	if (level == SOL_SOCKET && (size_t)len >= sizeof(int)) {
		size_t want = opt_size(name);
		size_t n = (size_t)len < want ? (size_t)len : want;
		if (n && copy_from_guest(t, buf, a[3], n) < 0) {
			err = -EFAULT;
			goto out;
		}
	}
	err = socket_setsockopt(s, level, name, buf, (socklen_t)len);
out:
	file_put(f);
	return err;
}
