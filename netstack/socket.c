/*
 * Sockets as files (Linux's sockfs and sock_*_iter): creation by family, the file_ops every
 * socket shares, and the small helpers around messages and timeouts. See socket.h.
 */
#define _GNU_SOURCE
#include "netstack/socket.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "fs/vfs.h"
#include "sentry/log.h"
#include "sentry/signal.h"
#include "sentry/task.h"

#define AF_MAX_K   46 /* Linux's NPROTO */
#define SOCK_MAX_K 11 /* SOCK_PACKET + 1 */
/* The device of the socket "filesystem": any constant will do, guests only compare it. */
#define SOCKFS_DEV makedev(0, 8)

/* Socket inode numbers: one sandbox-wide counter, as Linux's get_next_ino(). */
static uint64_t next_ino = 1;
/* Families refused so far: one log line each. */
static uint64_t refused_logged;

void scm_fds_put(struct scm_fds *fds)
{
	if (!fds)
		return;
	for (int i = 0; i < fds->count; i++)
		file_put(fds->files[i]);
	free(fds);
}

struct scm_fds *scm_fds_alloc(int count)
{
	struct scm_fds *fds = calloc(1, sizeof(*fds) + (size_t)count * sizeof(fds->files[0]));
	return fds;
}

struct scm_fds *scm_fds_dup(const struct scm_fds *fds)
{
	struct scm_fds *d = scm_fds_alloc(fds->count);
	if (!d)
		return NULL;
	for (int i = 0; i < fds->count; i++) {
		file_get(fds->files[i]);
		d->files[i] = fds->files[i];
	}
	d->count = fds->count;
	return d;
}

void sock_msg_destroy(struct sock_msg *m)
{
	scm_fds_put(m->fds);
	m->fds = NULL;
}

int64_t socket_timeo(const struct socket *s, bool rcv, bool nonblock)
{
	if (nonblock)
		return 0;
	return __atomic_load_n(rcv ? &s->rcvtimeo_ns : &s->sndtimeo_ns, __ATOMIC_RELAXED);
}

const struct timespec *socket_deadline(int64_t timeo, struct timespec *buf)
{
	if (timeo == SOCK_TIMEO_INFINITE)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, buf);
	buf->tv_sec += timeo / 1000000000;
	buf->tv_nsec += timeo % 1000000000;
	if (buf->tv_nsec >= 1000000000) {
		buf->tv_nsec -= 1000000000;
		buf->tv_sec++;
	}
	return buf;
}

long socket_intr_errno(int64_t timeo)
{
	/* Linux's sock_intr_errno: ERESTARTSYS, but plain EINTR once a timeout is set. The
	 * nearest the Sentry has for the latter is ERESTARTNOHAND (EINTR after a handler); the
	 * syscall layer arms it (sock_syscall_ret), file read/write make it EINTR. */
	return timeo == SOCK_TIMEO_INFINITE ? -EINTR : -ERESTARTNOHAND_K;
}

long sock_syscall_ret(struct task *t, long r)
{
	if (r != -ERESTARTNOHAND_K)
		return r;
	if (!task_signal_pending(t))
		return -EINTR;
	t->restart_pending = true;
	return r;
}

static const char *family_name(int family)
{
	switch (family) {
	case AF_INET:
		return "AF_INET";
	case AF_INET6:
		return "AF_INET6";
	case AF_NETLINK:
		return "AF_NETLINK";
	case AF_PACKET:
		return "AF_PACKET";
	default:
		return "family";
	}
}

static struct socket *socket_alloc(int family, int type, int protocol)
{
	struct task *t = task_current();
	struct socket *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->family = family;
	s->type = type;
	s->protocol = protocol;
	s->sndbuf = SOCK_WMEM_DEFAULT;
	s->rcvbuf = SOCK_RMEM_DEFAULT;
	s->rcvtimeo_ns = s->sndtimeo_ns = SOCK_TIMEO_INFINITE;
	s->rcvlowat = 1;
	s->uid = t ? t->cred.fsuid : 0;
	s->gid = t ? t->cred.fsgid : 0;
	clock_gettime(CLOCK_REALTIME, &s->ctime);
	return s;
}

struct socket *socket_alloc_like(const struct socket *s)
{
	struct socket *n = socket_alloc(s->family, s->type, s->protocol);
	if (n)
		n->ops = s->ops;
	return n;
}

void socket_free(struct socket *s)
{
	free(s);
}

int socket_create(int family, int type, int protocol, struct socket **out)
{
	struct socket *s;
	int err;
	if (family < 0 || family >= AF_MAX_K)
		return -EAFNOSUPPORT;
	if (type < 0 || type >= SOCK_MAX_K)
		return -EINVAL;
	if (family != AF_UNIX) {
		/* The network stack is not there yet: EAFNOSUPPORT makes programs fall back (a
		 * kernel built without the family answers the same). */
		uint64_t bit = 1ULL << family;
		if (!(__atomic_fetch_or(&refused_logged, bit, __ATOMIC_RELAXED) & bit))
			log_warn("socket: address family %d (%s) not supported yet: EAFNOSUPPORT",
				 family, family_name(family));
		return -EAFNOSUPPORT;
	}
	s = socket_alloc(family, type, protocol);
	if (!s)
		return -ENOMEM;
	err = unix_create(s, type, protocol);
	if (err < 0) {
		socket_free(s);
		return err;
	}
	*out = s;
	return 0;
}

/* --- the file ------------------------------------------------------------------------ */

static bool nonblocking(const struct file *f)
{
	return __atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK;
}

static long sock_file_read(struct file *f, void *buf, size_t len, int64_t *off)
{
	struct socket *s = f->priv;
	struct sock_msg m = {.buf = buf, .len = len};
	if (!len)
		return 0; /* Linux: "match SYS5 behaviour" */
	long r = s->ops->recvmsg(s, &m, nonblocking(f) ? MSG_DONTWAIT : 0);
	sock_msg_destroy(&m); /* passed files with nowhere to go are closed, as Linux */
	return r == -ERESTARTNOHAND_K ? -EINTR : r;
}

static long sock_file_write(struct file *f, const void *buf, size_t len, int64_t *off)
{
	struct socket *s = f->priv;
	struct sock_msg m = {.buf = (void *)buf, .len = len};
	int flags = nonblocking(f) ? MSG_DONTWAIT : 0;
	if (s->type == SOCK_SEQPACKET)
		flags |= MSG_EOR;
	long r = s->ops->sendmsg(s, &m, flags);
	sock_msg_destroy(&m);
	return r == -ERESTARTNOHAND_K ? -EINTR : r;
}

static int64_t sock_file_llseek(struct file *f, int64_t off, int whence)
{
	return -ESPIPE;
}

static long sock_file_ioctl(struct file *f, struct task *t, unsigned long cmd, uint64_t arg)
{
	struct socket *s = f->priv;
	long r = s->ops->ioctl ? s->ops->ioctl(s, t, cmd, arg) : -ENOIOCTLCMD_K;
	return r == -ENOIOCTLCMD_K ? -ENOTTY : r;
}

static int sock_file_fstat(struct file *f, struct stat *st)
{
	struct socket *s = f->priv;
	memset(st, 0, sizeof(*st));
	st->st_dev = SOCKFS_DEV;
	st->st_ino = s->ino;
	st->st_mode = S_IFSOCK | 0777;
	st->st_nlink = 1;
	st->st_uid = s->uid;
	st->st_gid = s->gid;
	st->st_blksize = 4096;
	st->st_atim = st->st_mtim = st->st_ctim = s->ctime;
	return 0;
}

static unsigned sock_file_poll(struct file *f, int *host_fd)
{
	struct socket *s = f->priv;
	return s->ops->poll(s);
}

static uint64_t sock_file_io_gen(struct file *f, unsigned events)
{
	struct socket *s = f->priv;
	if (!s->ops->io_gen)
		return __atomic_load_n(&vfs_io_stamp, __ATOMIC_SEQ_CST);
	return s->ops->io_gen(s, events);
}

static void sock_file_release(struct file *f)
{
	struct socket *s = f->priv;
	s->ops->release(s);
	socket_free(s);
}

static const struct file_ops socket_file_ops = {
    .read = sock_file_read,
    .write = sock_file_write,
    .llseek = sock_file_llseek,
    .ioctl = sock_file_ioctl,
    .fstat = sock_file_fstat,
    .poll = sock_file_poll,
    .io_gen = sock_file_io_gen,
    .release = sock_file_release,
};

struct file *socket_file_new(struct socket *s, int flags)
{
	/* Linux's sock_alloc_file: O_RDWR, and O_NONBLOCK when asked. */
	struct file *f = file_new(&socket_file_ops, O_RDWR | (flags & O_NONBLOCK), s);
	if (!f)
		return NULL;
	f->stream = true; /* no position: pread/pwrite say ESPIPE, and no position lock */
	s->ino = __atomic_fetch_add(&next_ino, 1, __ATOMIC_RELAXED);
	return f;
}

struct socket *file_socket(const struct file *f)
{
	return f && f->ops == &socket_file_ops ? f->priv : NULL;
}
