/*
 * sendto, recvfrom, sendmsg, recvmsg, sendmmsg, recvmmsg: Linux's net/socket.c message calls
 * and net/core/scm.c's control messages (SCM_RIGHTS, SCM_CREDENTIALS) over the Sentry's
 * socket layer.
 *
 * Every guest buffer is copied once: the msghdr, its iovec array and control buffer in, the
 * payload gathered into a Sentry buffer (a stream send goes in 1 MiB pieces, each handed to
 * the family, so a huge write never needs a huge buffer), received data scattered out, the
 * control answer built in Sentry memory and copied out once. Passed files are installed in
 * the receiver's fd table at recvmsg; what does not fit is closed and MSG_CTRUNC said.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include "fs/vfs.h"
#include "netstack/socket.h"
#include "sentry/process.h"
#include "sentry/signal.h"
#include "sentry/syscalls/sock_arg.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

#define UIO_MAXIOV_K	  1024
#define MAX_RW_COUNT	  (INT_MAX & ~4095L)
#define RW_CHUNK	  (1L << 20)
#define MSG_CMSG_COMPAT_K 0x80000000u
#define MSG_WAITFORONE_K  0x10000
#define CAP_SETGID_K	  6
#define CAP_SETUID_K	  7
#define CAP_SYS_ADMIN_K	  21
#define OVERFLOW_ID_K	  65534 /* what "no id" reads as (Linux's overflowuid) */
/* The largest control answer: credentials and a full SCM_RIGHTS. */
#define CTL_OUT_MAX (CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(SCM_MAX_FD_K * sizeof(int)))

/* The x86_64 struct user_msghdr and struct mmsghdr. */
struct umsghdr {
	uint64_t name;
	int32_t namelen;
	int32_t pad0;
	uint64_t iov;
	uint64_t iovlen;
	uint64_t control;
	uint64_t controllen;
	int32_t flags;
	int32_t pad1;
};
#define UMSG_NAMELEN_OFF    8
#define UMSG_CONTROLLEN_OFF 40
#define UMSG_FLAGS_OFF	    48
#define MMSG_SIZE	    64
#define MMSG_LEN_OFF	    56
_Static_assert(sizeof(struct umsghdr) == 56, "user_msghdr layout");

/* A guest iovec array, checked. */
struct kiov {
	struct iovec *v;
	int cnt;
	size_t total;
};

static bool nonblocking(const struct file *f)
{
	return __atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK;
}

/* Linux's import_iovec: each length non-negative and in user space, the total capped at
 * MAX_RW_COUNT (the excess trimmed off the last vectors). */
static long import_iov(struct task *t, uint64_t uiov, uint64_t cnt, struct kiov *out)
{
	memset(out, 0, sizeof(*out));
	if (cnt > UIO_MAXIOV_K)
		return -EMSGSIZE;
	if (!cnt)
		return 0;
	out->v = calloc(cnt, sizeof(*out->v));
	if (!out->v)
		return -ENOMEM;
	out->cnt = (int)cnt;
	if (copy_from_guest(t, out->v, uiov, cnt * sizeof(*out->v)) < 0)
		return -EFAULT;
	for (int i = 0; i < out->cnt; i++) {
		size_t len = out->v[i].iov_len;
		if ((ssize_t)len < 0)
			return -EINVAL;
		if (!guest_range_ok((uint64_t)(uintptr_t)out->v[i].iov_base, len))
			return -EFAULT;
		if (len > MAX_RW_COUNT - out->total)
			out->v[i].iov_len = len = MAX_RW_COUNT - out->total;
		out->total += len;
	}
	return 0;
}

/* Copies n bytes at offset off of the iovec's span into dst (in) or from src (out). */
static int iov_copy(struct task *t, const struct kiov *iov, size_t off, void *buf, size_t n,
		    bool out)
{
	char *p = buf;
	for (int i = 0; i < iov->cnt && n; i++) {
		size_t len = iov->v[i].iov_len;
		if (off >= len) {
			off -= len;
			continue;
		}
		size_t k = len - off < n ? len - off : n;
		uint64_t at = (uint64_t)(uintptr_t)iov->v[i].iov_base + off;
		int r = out ? copy_to_guest(t, at, p, k) : copy_from_guest(t, p, at, k);
		if (r < 0)
			return -EFAULT;
		p += k;
		n -= k;
		off = 0;
	}
	return 0;
}

/* --- control messages in (Linux's __scm_send) ------------------------------------------ */

static int scm_rights(struct task *t, const struct cmsghdr *c, struct sock_msg *m)
{
	int num = (int)((c->cmsg_len - sizeof(*c)) / sizeof(int));
	const int *fdp = (const int *)CMSG_DATA(c);
	if (num <= 0)
		return 0;
	if (num > SCM_MAX_FD_K)
		return -EINVAL;
	if (!m->fds) {
		m->fds = scm_fds_alloc(SCM_MAX_FD_K);
		if (!m->fds)
			return -ENOMEM;
	}
	if (m->fds->count + num > SCM_MAX_FD_K)
		return -EINVAL;
	for (int i = 0; i < num; i++) {
		int fd;
		memcpy(&fd, fdp + i, sizeof(fd)); /* the control buffer need not be aligned */
		struct file *f = fd < 0 ? NULL : fd_get(t->fdt, fd); /* O_PATH ones too */
		if (!f)
			return -EBADF;
		m->fds->files[m->fds->count++] = f;
	}
	return 0;
}

static bool id_in(uid_t id, uid_t a, uid_t b, uid_t c)
{
	return id == a || id == b || id == c;
}

/* Linux's scm_check_creds and the pid lookup: a process may claim its own pid and any of
 * its ids, more only with the capability for it. */
static int scm_creds(struct task *t, const struct cmsghdr *c, struct sock_msg *m)
{
	struct ucred uc;
	if (c->cmsg_len != CMSG_LEN(sizeof(uc)))
		return -EINVAL;
	memcpy(&uc, CMSG_DATA(c), sizeof(uc));
	if (uc.uid == (uid_t)-1 || uc.gid == (gid_t)-1)
		return -EINVAL;
	const struct creds *cr = &t->cred;
	if (!((uc.pid == t->tgid || task_capable(t, CAP_SYS_ADMIN_K)) &&
	      (id_in(uc.uid, cr->ruid, cr->euid, cr->suid) || task_capable(t, CAP_SETUID_K)) &&
	      (id_in(uc.gid, cr->rgid, cr->egid, cr->sgid) || task_capable(t, CAP_SETGID_K))))
		return -EPERM;
	if (uc.pid != t->tgid) {
		pthread_mutex_lock(&t->sb->lock);
		bool found = process_find(t->sb, uc.pid) != NULL;
		pthread_mutex_unlock(&t->sb->lock);
		if (!found)
			return -ESRCH;
	}
	m->creds = (struct sock_creds){true, uc.pid, uc.uid, uc.gid};
	return 0;
}

static int parse_control(struct task *t, struct socket *s, char *ctl, size_t len,
			 struct sock_msg *m)
{
	size_t off = 0;
	int err;
	if (len < sizeof(struct cmsghdr))
		return 0;
	while (off + sizeof(struct cmsghdr) <= len) {
		struct cmsghdr c;
		memcpy(&c, ctl + off, sizeof(c));
		if (c.cmsg_len < sizeof(c) || c.cmsg_len > len - off)
			return -EINVAL;
		if (c.cmsg_level == SOL_SOCKET) {
			/* Aligned copy of the whole message for CMSG_DATA. */
			struct cmsghdr *full = malloc(c.cmsg_len);
			if (!full)
				return -ENOMEM;
			memcpy(full, ctl + off, c.cmsg_len);
			switch (c.cmsg_type) {
			case SCM_RIGHTS:
				err = s->family == AF_UNIX ? scm_rights(t, full, m) : -EINVAL;
				break;
			case SCM_CREDENTIALS:
				err = scm_creds(t, full, m);
				break;
			default:
				err = -EINVAL;
			}
			free(full);
			if (err < 0)
				return err;
		}
		off += CMSG_ALIGN(c.cmsg_len);
	}
	return 0;
}

/* --- sending ------------------------------------------------------------------------------ */

struct send_args {
	struct kiov iov;
	struct sockaddr_storage name;
	socklen_t namelen;
	char *control;
	size_t controllen;
};

static void send_args_free(struct send_args *sa)
{
	free(sa->iov.v);
	free(sa->control);
}

/* Sends what sa describes; *complete says whether all of it went. */
static long do_send(struct task *t, struct socket *s, struct file *f, struct send_args *sa,
		    int flags, bool *complete)
{
	struct sock_msg m = {0};
	size_t total = sa->iov.total, sent = 0;
	char *buf = NULL;
	long err;
	*complete = false;
	if (nonblocking(f))
		flags |= MSG_DONTWAIT;
	err = parse_control(t, s, sa->control, sa->controllen, &m);
	if (err < 0)
		goto out;
	m.name = sa->name;
	m.namelen = sa->namelen;
	if (s->type != SOCK_STREAM) {
		/* One message. One larger than the send buffer is refused by the family
		 * (EMSGSIZE, after its other checks) without being gathered. */
		if (total <= (size_t)socket_sndbuf(s)) {
			buf = malloc(total ? total : 1);
			if (!buf) {
				err = -ENOMEM;
				goto out;
			}
			if (iov_copy(t, &sa->iov, 0, buf, total, false) < 0) {
				err = -EFAULT;
				goto out;
			}
		}
		m.buf = buf;
		m.len = total;
		err = s->ops->sendmsg(s, &m, flags);
		*complete = err >= 0;
		goto out;
	}
	buf = malloc(total < RW_CHUNK ? (total ? total : 1) : RW_CHUNK);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	do {
		size_t n = total - sent < RW_CHUNK ? total - sent : RW_CHUNK;
		if (iov_copy(t, &sa->iov, sent, buf, n, false) < 0) {
			err = sent ? (long)sent : -EFAULT;
			goto out;
		}
		m.buf = buf;
		m.len = n;
		/* Later pieces: the call has sent something, so no SIGPIPE (as Linux's). */
		long r = s->ops->sendmsg(s, &m, flags | (sent ? MSG_NOSIGNAL : 0));
		if (r < 0) {
			err = sent ? (long)sent : r;
			goto out;
		}
		sent += (size_t)r;
		err = (long)sent;
		if ((size_t)r < n)
			goto out;
	} while (sent < total);
	*complete = true;
out:
	sock_msg_destroy(&m);
	free(buf);
	return err;
}

/* Linux's copy_msghdr_from_user for sendmsg, and the control buffer. */
static long send_args_from_msghdr(struct task *t, uint64_t umsg, struct send_args *sa)
{
	struct umsghdr mh;
	memset(sa, 0, sizeof(*sa));
	if (copy_from_guest(t, &mh, umsg, sizeof(mh)) < 0)
		return -EFAULT;
	int namelen = mh.name ? mh.namelen : 0;
	if (namelen < 0)
		return -EINVAL;
	if ((size_t)namelen > sizeof(sa->name))
		namelen = sizeof(sa->name);
	if (mh.name && namelen) {
		long err = addr_from_guest(t, mh.name, namelen, &sa->name);
		if (err < 0)
			return err;
		sa->namelen = (socklen_t)namelen;
	}
	long err = import_iov(t, mh.iov, mh.iovlen, &sa->iov);
	if (err < 0)
		return err;
	if (mh.controllen > INT_MAX || mh.controllen > SOCK_OPTMEM_MAX)
		return -ENOBUFS;
	if (mh.controllen) {
		sa->control = malloc(mh.controllen);
		if (!sa->control)
			return -ENOMEM;
		sa->controllen = mh.controllen;
		if (copy_from_guest(t, sa->control, mh.control, mh.controllen) < 0)
			return -EFAULT;
	}
	return 0;
}

static long sendmsg_one(struct task *t, struct socket *s, struct file *f, uint64_t umsg, int flags,
			bool *complete)
{
	struct send_args sa;
	long err = send_args_from_msghdr(t, umsg, &sa);
	if (err == 0)
		err = do_send(t, s, f, &sa, flags, complete);
	send_args_free(&sa);
	return err;
}

/* The return of the mmsg calls, which the dispatcher does not restart by itself. */
static long mmsg_ret(struct task *t, long err)
{
	if (err == -EINTR && task_signal_pending(t)) {
		t->restart_pending = true;
		return -ERESTARTSYS_K;
	}
	return sock_syscall_ret(t, err);
}

long sys_sendto(struct task *t, const uint64_t a[6])
{
	struct send_args sa;
	struct iovec one;
	struct file *f;
	bool complete;
	long err;
	size_t len = a[2] > MAX_RW_COUNT ? MAX_RW_COUNT : a[2];
	if (!guest_range_ok(a[1], len))
		return -EFAULT;
	struct socket *s = sockfd_get(t, (int)a[0], &f, &err);
	if (!s)
		return err;
	memset(&sa, 0, sizeof(sa));
	one.iov_base = (void *)(uintptr_t)a[1];
	one.iov_len = len;
	sa.iov.v = &one;
	sa.iov.cnt = 1;
	sa.iov.total = len;
	if (a[4]) {
		err = addr_from_guest(t, a[4], (int)a[5], &sa.name);
		if (err < 0)
			goto out;
		sa.namelen = (socklen_t)(int)a[5];
	}
	err = do_send(t, s, f, &sa, (int)a[3], &complete);
out:
	file_put(f);
	return sock_syscall_ret(t, err);
}

long sys_sendmsg(struct task *t, const uint64_t a[6])
{
	struct file *f;
	bool complete;
	long err;
	if ((unsigned)a[2] & MSG_CMSG_COMPAT_K)
		return -EINVAL;
	struct socket *s = sockfd_get(t, (int)a[0], &f, &err);
	if (!s)
		return err;
	err = sendmsg_one(t, s, f, a[1], (int)a[2], &complete);
	file_put(f);
	return sock_syscall_ret(t, err);
}

long sys_sendmmsg(struct task *t, const uint64_t a[6])
{
	struct file *f;
	unsigned vlen = (unsigned)a[2], n = 0;
	int flags = (int)a[3];
	long err = 0;
	if ((unsigned)flags & MSG_CMSG_COMPAT_K)
		return -EINVAL;
	struct socket *s = sockfd_get(t, (int)a[0], &f, &err);
	if (!s)
		return err;
	if (vlen > UIO_MAXIOV_K)
		vlen = UIO_MAXIOV_K;
	while (n < vlen) {
		uint64_t entry = a[1] + (uint64_t)n * MMSG_SIZE;
		bool complete;
		err = sendmsg_one(t, s, f, entry, flags, &complete);
		if (err < 0)
			break;
		uint32_t len = (uint32_t)err;
		if (copy_to_guest(t, entry + MMSG_LEN_OFF, &len, sizeof(len)) < 0) {
			err = -EFAULT;
			break;
		}
		n++;
		if (!complete)
			break;
	}
	file_put(f);
	return n ? (long)n : mmsg_ret(t, err);
}

/* --- receiving ---------------------------------------------------------------------------- */

/* Receives into iov; *m gets the source, credentials, files and MSG_* flags. Returns the
 * count (a datagram's real length with MSG_TRUNC) or an errno. */
static long do_recv(struct task *t, struct socket *s, struct file *f, const struct kiov *iov,
		    int flags, struct sock_msg *m)
{
	size_t total = iov->total, got = 0;
	size_t cap = total < RW_CHUNK ? total : RW_CHUNK;
	long err = 0;
	if (nonblocking(f))
		flags |= MSG_DONTWAIT;
	char *buf = malloc(cap ? cap : 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		struct sock_msg part = {.buf = buf, .len = total - got < cap ? total - got : cap};
		long r = s->ops->recvmsg(s, &part, flags);
		if (r < 0) {
			if (!got)
				err = r;
			sock_msg_destroy(&part);
			break;
		}
		size_t n = (size_t)r < part.len ? (size_t)r : part.len;
		if (n && iov_copy(t, iov, got, buf, n, true) < 0) {
			/* The data is gone, as with a fault in Linux's copy to the user. */
			err = got ? (long)got : -EFAULT;
			sock_msg_destroy(&part);
			break;
		}
		if (!got) {
			m->name = part.name;
			m->namelen = part.namelen;
			m->creds = part.creds;
		}
		m->flags |= part.flags;
		if (part.fds) {
			m->fds = part.fds;
			part.fds = NULL;
		}
		got += n;
		err = s->type == SOCK_STREAM ? (long)got : r;
		/* A stream read with MSG_WAITALL larger than one piece goes on. */
		if (s->type != SOCK_STREAM || !(flags & MSG_WAITALL) || (flags & MSG_PEEK) ||
		    n < part.len || m->fds || got >= total)
			break;
	}
	free(buf);
	return err;
}

/* Appends one control message to out (Linux's put_cmsg): truncated to what room is left,
 * with MSG_CTRUNC. */
static void put_cmsg(char *out, size_t *off, size_t *room, int type, const void *data, size_t len,
		     int *msg_flags)
{
	if (*room < sizeof(struct cmsghdr)) {
		*msg_flags |= MSG_CTRUNC;
		return;
	}
	size_t cmlen = CMSG_LEN(len);
	if (*room < cmlen) {
		*msg_flags |= MSG_CTRUNC;
		cmlen = *room;
	}
	struct cmsghdr h = {.cmsg_len = cmlen, .cmsg_level = SOL_SOCKET, .cmsg_type = type};
	memcpy(out + *off, &h, sizeof(h));
	memcpy(out + *off + sizeof(h), data, cmlen - sizeof(h));
	size_t adv = CMSG_SPACE(len) < *room ? CMSG_SPACE(len) : *room;
	*off += adv;
	*room -= adv;
}

/* Linux's scm_detach_fds: installs as many passed files as the room holds. */
static void detach_fds(struct task *t, struct scm_fds *fds, char *out, size_t *off, size_t *room,
		       int *msg_flags, bool cloexec, int *installed, int *ninstalled)
{
	int fdmax = *room <= sizeof(struct cmsghdr)
			? 0
			: (int)((*room - sizeof(struct cmsghdr)) / sizeof(int));
	int i;
	if (fdmax > fds->count)
		fdmax = fds->count;
	for (i = 0; i < fdmax; i++) {
		int fd = fd_install(t->fdt, fds->files[i], 0, cloexec);
		if (fd < 0)
			break;
		installed[(*ninstalled)++] = fd;
		memcpy(out + *off + sizeof(struct cmsghdr) + (size_t)i * sizeof(int), &fd,
		       sizeof(fd));
	}
	if (i > 0) {
		struct cmsghdr h = {.cmsg_len = CMSG_LEN((size_t)i * sizeof(int)),
				    .cmsg_level = SOL_SOCKET,
				    .cmsg_type = SCM_RIGHTS};
		memcpy(out + *off, &h, sizeof(h));
		size_t adv = CMSG_SPACE((size_t)i * sizeof(int));
		if (adv > *room)
			adv = *room;
		*off += adv;
		*room -= adv;
	}
	if (i < fds->count || (fds->count && fdmax <= 0))
		*msg_flags |= MSG_CTRUNC;
}

/* The control answer of a recvmsg (Linux's scm_recv): credentials when SO_PASSCRED is on,
 * then passed files. *used: the bytes of the guest's buffer it took. */
static long put_control(struct task *t, struct socket *s, struct sock_msg *m, uint64_t uctl,
			size_t ctllen, int flags, size_t *used, int *msg_flags)
{
	bool passcred = socket_flag(s, SOCKOPT_PASSCRED);
	char out[CTL_OUT_MAX];
	int installed[SCM_MAX_FD_K], ninstalled = 0;
	size_t off = 0, room = ctllen;
	*used = 0;
	if (!uctl) {
		if (passcred || m->fds)
			*msg_flags |= MSG_CTRUNC;
		return 0;
	}
	memset(out, 0, sizeof(out));
	if (passcred) {
		struct ucred uc = {0, OVERFLOW_ID_K, OVERFLOW_ID_K};
		if (m->creds.set)
			uc = (struct ucred){m->creds.pid, m->creds.uid, m->creds.gid};
		put_cmsg(out, &off, &room, SCM_CREDENTIALS, &uc, sizeof(uc), msg_flags);
	}
	if (m->fds)
		detach_fds(t, m->fds, out, &off, &room, msg_flags, flags & MSG_CMSG_CLOEXEC,
			   installed, &ninstalled);
	if (off && copy_to_guest(t, uctl, out, off) < 0) {
		for (int i = 0; i < ninstalled; i++)
			fd_close(t->fdt, installed[i]);
		return -EFAULT;
	}
	*used = off;
	return 0;
}

/* recvmsg of the msghdr at umsg. */
static long recvmsg_one(struct task *t, struct socket *s, struct file *f, uint64_t umsg, int flags,
			int *out_flags)
{
	struct umsghdr mh;
	struct kiov iov;
	struct sock_msg m = {0};
	long err, r;
	if (copy_from_guest(t, &mh, umsg, sizeof(mh)) < 0)
		return -EFAULT;
	if (mh.name && mh.namelen < 0)
		return -EINVAL;
	err = import_iov(t, mh.iov, mh.iovlen, &iov);
	if (err < 0)
		goto out;
	r = do_recv(t, s, f, &iov, flags, &m);
	if (r < 0) {
		err = r;
		goto out;
	}
	if (mh.name) {
		int len = mh.namelen < (int)m.namelen ? mh.namelen : (int)m.namelen;
		int klen = (int)m.namelen;
		if ((len && copy_to_guest(t, mh.name, &m.name, (size_t)len) < 0) ||
		    copy_to_guest(t, umsg + UMSG_NAMELEN_OFF, &klen, sizeof(klen)) < 0) {
			err = -EFAULT;
			goto out;
		}
	}
	int msg_flags = m.flags | (flags & MSG_CMSG_CLOEXEC);
	size_t used;
	err = put_control(t, s, &m, mh.control, mh.controllen, flags, &used, &msg_flags);
	if (err < 0)
		goto out;
	uint64_t ctllen = used;
	if (copy_to_guest(t, umsg + UMSG_FLAGS_OFF, &msg_flags, sizeof(msg_flags)) < 0 ||
	    copy_to_guest(t, umsg + UMSG_CONTROLLEN_OFF, &ctllen, sizeof(ctllen)) < 0) {
		err = -EFAULT;
		goto out;
	}
	*out_flags = msg_flags;
	err = r;
out:
	sock_msg_destroy(&m); /* files that found no place are closed */
	free(iov.v);
	return err;
}

long sys_recvfrom(struct task *t, const uint64_t a[6])
{
	struct iovec one;
	struct file *f;
	struct sock_msg m = {0};
	long err;
	size_t len = a[2] > MAX_RW_COUNT ? MAX_RW_COUNT : a[2];
	if (!guest_range_ok(a[1], len))
		return -EFAULT;
	struct socket *s = sockfd_get(t, (int)a[0], &f, &err);
	if (!s)
		return err;
	one.iov_base = (void *)(uintptr_t)a[1];
	one.iov_len = len;
	struct kiov iov = {&one, 1, len};
	err = do_recv(t, s, f, &iov, (int)a[3], &m);
	if (err >= 0 && a[4]) {
		long e2 = addr_to_guest(t, &m.name, (int)m.namelen, a[4], a[5]);
		if (e2 < 0)
			err = e2;
	}
	sock_msg_destroy(&m);
	file_put(f);
	return sock_syscall_ret(t, err);
}

long sys_recvmsg(struct task *t, const uint64_t a[6])
{
	struct file *f;
	int out_flags;
	long err;
	if ((unsigned)a[2] & MSG_CMSG_COMPAT_K)
		return -EINVAL;
	struct socket *s = sockfd_get(t, (int)a[0], &f, &err);
	if (!s)
		return err;
	err = recvmsg_one(t, s, f, a[1], (int)a[2], &out_flags);
	file_put(f);
	return sock_syscall_ret(t, err);
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

long sys_recvmmsg(struct task *t, const uint64_t a[6])
{
	struct file *f;
	struct timespec tmo, now;
	int64_t end = 0;
	unsigned vlen = (unsigned)a[2], n = 0;
	int flags = (int)a[3];
	long err = 0;
	if ((unsigned)flags & MSG_CMSG_COMPAT_K)
		return -EINVAL;
	if (a[4]) {
		if (copy_from_guest(t, &tmo, a[4], sizeof(tmo)) < 0)
			return -EFAULT;
		if (tmo.tv_sec < 0 || tmo.tv_nsec < 0 || tmo.tv_nsec >= 1000000000)
			return -EINVAL;
		clock_gettime(CLOCK_MONOTONIC, &now);
		/* Linux's poll_select_set_timeout: a zero timeout ends at time zero. */
		end = tmo.tv_sec || tmo.tv_nsec ? ts_ns(&now) + ts_ns(&tmo) : 0;
	}
	struct socket *s = sockfd_get(t, (int)a[0], &f, &err);
	if (!s)
		return err;
	/* A pending error is the answer, before any datagram (Linux's sock_error). */
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	if (socket_getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr) {
		file_put(f);
		return -soerr;
	}
	while (n < vlen) {
		uint64_t entry = a[1] + (uint64_t)n * MMSG_SIZE;
		int out_flags = 0;
		err = recvmsg_one(t, s, f, entry, flags & ~MSG_WAITFORONE_K, &out_flags);
		if (err < 0)
			break;
		uint32_t len = (uint32_t)err;
		if (copy_to_guest(t, entry + MMSG_LEN_OFF, &len, sizeof(len)) < 0) {
			err = -EFAULT;
			break;
		}
		n++;
		if (flags & MSG_WAITFORONE_K)
			flags |= MSG_DONTWAIT;
		if (a[4]) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			int64_t left = end - ts_ns(&now);
			if (left < 0)
				left = 0;
			tmo.tv_sec = left / 1000000000;
			tmo.tv_nsec = left % 1000000000;
			if (!left)
				break;
		}
		if (out_flags & MSG_OOB)
			break;
	}
	file_put(f);
	if (!n)
		return mmsg_ret(t, err);
	/* A later error is lost here; Linux keeps it for the next call (sk_err). */
	if (a[4] && copy_to_guest(t, a[4], &tmo, sizeof(tmo)) < 0)
		return -EFAULT;
	return (long)n;
}
