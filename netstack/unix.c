/*
 * Unix domain sockets, entirely in the Sentry: the host never sees them. Linux's
 * net/unix/af_unix.c is the specification (its checks in its order, its errnos); this file
 * holds the objects, names (filesystem and abstract), connections, shutdown, options, poll
 * and ioctls; unix_io.c moves the data and unix_gc.c collects cycles of sockets in flight.
 * Locking and lifetimes: unix_internal.h.
 *
 * Names. A filesystem name is an S_IFSOCK node made by bind through the VFS (vfs_mknodat, so
 * the umask, EEXIST -> EADDRINUSE and the parent's permissions are Linux's); connect and
 * sendto resolve the path and find the socket bound to the node by its (st_dev, st_ino), so
 * hard links and bind mounts reach it and an unlinked path does not. Abstract names
 * (sun_path[0] == 0) live in one sandbox-wide namespace where, as in Linux's hash, a name is
 * taken per socket type.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "netstack/unix_internal.h"
#include "sentry/signal.h"
#include "sentry/task.h"

#define SIOCINQ_K   0x541B /* FIONREAD */
#define SIOCOUTQ_K  0x5411
#define MAY_WRITE_K 2

pthread_mutex_t unix_lock = PTHREAD_MUTEX_INITIALIZER;
struct unix_sock *unix_all;
unsigned long unix_sockets_inflight;
unsigned long unix_files_inflight;

/* What unix_unlock() releases once the mutex is dropped. */
struct deferred {
	struct deferred *next;
	struct scm_fds *fds;
	struct path path;
};
static struct deferred *graveyard;
static bool event_pending;
static __thread bool draining;

static const struct sock_ops unix_stream_ops, unix_dgram_ops, unix_seqpacket_ops;

static struct unix_sock *U(const struct socket *s)
{
	return s->priv;
}

/* --- locking, deferred release, references --------------------------------------------- */

void unix_changed(struct unix_sock *u, unsigned key)
{
	pthread_cond_broadcast(&u->cv);
	if (key == UNIX_NO_GAIN)
		return;
	vfs_io_source_bump(&u->io, key);
	event_pending = true;
}

static void defer(struct deferred *d)
{
	d->next = graveyard;
	graveyard = d;
}

void unix_defer_fds(struct scm_fds *fds)
{
	struct deferred *d;
	if (!fds)
		return;
	d = calloc(1, sizeof(*d));
	if (!d) {
		/* No memory for the note: leak the references rather than put them here,
		 * where a socket's release would take unix_lock again. */
		return;
	}
	d->fds = fds;
	defer(d);
}

void unix_defer_path(struct path *p)
{
	struct deferred *d = calloc(1, sizeof(*d));
	if (!d)
		return;
	d->path = *p;
	p->mnt = NULL;
	p->dentry = NULL;
	defer(d);
}

void unix_unlock(void)
{
	bool event = event_pending;
	event_pending = false;
	if (draining) {
		/* An outer unix_unlock() of this thread is releasing: it picks these up. */
		pthread_mutex_unlock(&unix_lock);
		if (event)
			vfs_io_event();
		return;
	}
	struct deferred *list = graveyard;
	graveyard = NULL;
	pthread_mutex_unlock(&unix_lock);
	if (event)
		vfs_io_event();
	draining = true;
	while (list) {
		while (list) {
			struct deferred *d = list;
			list = d->next;
			scm_fds_put(d->fds); /* may release sockets: they defer to graveyard */
			path_put(&d->path);
			free(d);
		}
		pthread_mutex_lock(&unix_lock);
		list = graveyard;
		graveyard = NULL;
		event = event_pending;
		event_pending = false;
		pthread_mutex_unlock(&unix_lock);
		if (event)
			vfs_io_event();
	}
	draining = false;
}

void unix_hold(struct unix_sock *u)
{
	u->refs++;
}

void unix_put(struct unix_sock *u)
{
	if (--u->refs > 0)
		return;
	/* Released before: no queue, no peer, no name in use; only the memory is left. */
	if (u->all_prev)
		u->all_prev->all_next = u->all_next;
	else
		unix_all = u->all_next;
	if (u->all_next)
		u->all_next->all_prev = u->all_prev;
	if (u->bsd_path.dentry)
		unix_defer_path(&u->bsd_path);
	pthread_cond_destroy(&u->cv);
	pthread_mutex_destroy(&u->bind_lock);
	free(u);
}

int unix_wait(pthread_cond_t *cv, int64_t *timeo, const struct timespec *deadline)
{
	struct task *t = task_current();
	if (!*timeo || !t)
		return -EAGAIN;
	if (event_pending) {
		/* What this call changed so far must reach pollers before it sleeps. */
		event_pending = false;
		pthread_mutex_unlock(&unix_lock);
		vfs_io_event();
		pthread_mutex_lock(&unix_lock);
		return 0;
	}
	int r = task_wait(t, &unix_lock, cv, deadline);
	if (r == -ETIMEDOUT) {
		*timeo = 0; /* one more look, then EAGAIN */
		return 0;
	}
	if (r == -EINTR)
		return (int)socket_intr_errno(*timeo);
	return 0;
}

struct sock_creds unix_current_creds(void)
{
	struct task *t = task_current();
	struct sock_creds c = {.set = true};
	if (t) {
		c.pid = t->tgid;
		c.uid = t->cred.ruid;
		c.gid = t->cred.rgid;
	}
	return c;
}

struct ucred unix_current_peercred(void)
{
	struct task *t = task_current();
	struct ucred c = {0, 0, 0};
	if (t) {
		c.pid = t->tgid;
		c.uid = t->cred.euid;
		c.gid = t->cred.egid;
	}
	return c;
}

/* --- queues ------------------------------------------------------------------------------ */

void unix_fds_leave(struct scm_fds *fds)
{
	if (!fds)
		return;
	unix_files_inflight -= (unsigned long)fds->count;
	for (int i = 0; i < fds->count; i++) {
		struct socket *s = file_socket(fds->files[i]);
		if (s && s->family == AF_UNIX && s->priv) {
			U(s)->inflight--;
			unix_sockets_inflight--;
		}
	}
}

void unix_skb_free(struct unix_skb *skb)
{
	if (skb->fds) {
		unix_fds_leave(skb->fds);
		unix_defer_fds(skb->fds);
	}
	if (skb->from) {
		skb->from->wmem -= skb->truesize;
		unix_changed(skb->from, POLLOUT); /* room for its writers */
		unix_put(skb->from);
	}
	free(skb);
}

void unix_skb_unlink_head(struct unix_sock *u)
{
	struct unix_skb *skb = u->rq_head;
	u->rq_head = skb->next;
	if (!u->rq_head)
		u->rq_tail = NULL;
	u->rq_len--;
	skb->next = NULL;
}

void unix_purge_queue(struct unix_sock *u)
{
	while (u->rq_head) {
		struct unix_skb *skb = u->rq_head;
		unix_skb_unlink_head(u);
		unix_skb_free(skb);
	}
	unix_changed(u, 0);
}

/* --- creation ---------------------------------------------------------------------------- */

static struct unix_sock *unix_sock_new(int type)
{
	struct unix_sock *u = calloc(1, sizeof(*u));
	if (!u)
		return NULL;
	u->refs = 1;
	u->type = type;
	u->state = UNIX_CLOSE;
	u->max_backlog = UNIX_MAX_DGRAM_QLEN;
	u->peercred = (struct ucred){0, (uid_t)-1, (gid_t)-1};
	cond_init_monotonic(&u->cv);
	pthread_mutex_init(&u->bind_lock, NULL);
	pthread_mutex_lock(&unix_lock);
	u->all_next = unix_all;
	if (unix_all)
		unix_all->all_prev = u;
	unix_all = u;
	pthread_mutex_unlock(&unix_lock);
	return u;
}

static void attach(struct socket *s, struct unix_sock *u)
{
	s->priv = u;
	u->sock = s;
	s->protocol = 0; /* Linux never records AF_UNIX's protocol: SO_PROTOCOL says 0 */
	switch (s->type) {
	case SOCK_STREAM:
		s->ops = &unix_stream_ops;
		break;
	case SOCK_SEQPACKET:
		s->ops = &unix_seqpacket_ops;
		break;
	default:
		s->ops = &unix_dgram_ops;
	}
}

int unix_create(struct socket *s, int type, int protocol)
{
	struct unix_sock *u;
	if (protocol && protocol != PF_UNIX)
		return -EPROTONOSUPPORT;
	switch (type) {
	case SOCK_STREAM:
	case SOCK_DGRAM:
	case SOCK_SEQPACKET:
		break;
	case SOCK_RAW: /* "Believe it or not BSD has AF_UNIX, SOCK_RAW": a datagram socket */
		type = SOCK_DGRAM;
		break;
	default:
		return -ESOCKTNOSUPPORT;
	}
	u = unix_sock_new(type);
	if (!u)
		return -ENOMEM;
	s->type = type;
	attach(s, u);
	return 0;
}

static int unix_socketpair(struct socket *sa, struct socket *sb)
{
	struct unix_sock *a = U(sa), *b = U(sb);
	struct ucred me = unix_current_peercred();
	pthread_mutex_lock(&unix_lock);
	unix_hold(a);
	unix_hold(b);
	a->peer = b;
	b->peer = a;
	a->peercred = b->peercred = me;
	a->state = b->state = UNIX_CONNECTED;
	unix_unlock();
	return 0;
}

/* --- release ----------------------------------------------------------------------------- */

/* Linux's unix_release_sock (unix_lock held): the socket is gone for everyone; its peer of a
 * connection sees a hangup (and ECONNRESET when data it sent was never read, or when it was a
 * connection never accepted); queued messages and pending connections are dropped. */
static void release_locked(struct unix_sock *u, bool embryo)
{
	struct unix_sock *pair = u->peer;
	enum unix_state state = u->state;
	u->dead = true;
	u->shutdown = UNIX_SHUTDOWN_MASK;
	u->state = UNIX_CLOSE;
	u->peer = NULL;
	u->sock = NULL;
	unix_changed(u, 0); /* blocked connects and datagram senders look again */
	if (pair) {
		if (u->type == SOCK_STREAM || u->type == SOCK_SEQPACKET) {
			pair->shutdown = UNIX_SHUTDOWN_MASK;
			if (u->rq_head || embryo)
				pair->err = ECONNRESET;
			unix_changed(pair, 0);
		}
		unix_put(pair);
	}
	unix_purge_queue(u);
	if (u->bsd_path.dentry)
		unix_defer_path(&u->bsd_path);
	if (state == UNIX_LISTEN) {
		while (u->acc_head) {
			struct unix_sock *e = u->acc_head;
			u->acc_head = e->acc_next;
			e->acc_next = NULL;
			u->acc_len--;
			release_locked(e, true);
		}
		u->acc_tail = NULL;
	}
	unix_put(u);
}

static void unix_release(struct socket *s)
{
	struct unix_sock *u = U(s);
	pthread_mutex_lock(&unix_lock);
	release_locked(u, false);
	if (unix_sockets_inflight)
		unix_gc();
	unix_unlock();
	s->priv = NULL;
}

/* --- names ------------------------------------------------------------------------------- */

int unix_validate_addr(const struct sockaddr_storage *a, socklen_t len)
{
	if (len <= offsetof(struct sockaddr_un, sun_path) || len > sizeof(struct sockaddr_un))
		return -EINVAL;
	if (a->ss_family != AF_UNIX)
		return -EINVAL;
	return 0;
}

/* Linux's unix_mkname_bsd: the path ends at len (a 108-byte path gets its NUL in the byte
 * after sun_path, which sockaddr_storage has); the name's length counts the NUL. */
static socklen_t mkname_bsd(struct sockaddr_storage *a, socklen_t len)
{
	char *raw = (char *)a;
	raw[len] = 0;
	return (socklen_t)(strlen(raw + offsetof(struct sockaddr_un, sun_path)) +
			   offsetof(struct sockaddr_un, sun_path) + 1);
}

static const char *sun_path(const struct sockaddr_storage *a)
{
	return (const char *)a + offsetof(struct sockaddr_un, sun_path);
}

/* The live socket that owns an abstract name of this type (unix_lock held). */
static struct unix_sock *find_abstract(const char *name, socklen_t len, int type)
{
	for (struct unix_sock *u = unix_all; u; u = u->all_next)
		if (u->name_owner && !u->dead && !u->bsd && u->type == type && u->addr_len == len &&
		    memcmp(u->addr, name, len) == 0)
			return u;
	return NULL;
}

static struct unix_sock *find_bsd(dev_t dev, ino_t ino)
{
	for (struct unix_sock *u = unix_all; u; u = u->all_next)
		if (u->name_owner && !u->dead && u->bsd && u->bsd_dev == dev && u->bsd_ino == ino)
			return u;
	return NULL;
}

static uint32_t random_u32(void)
{
	uint32_t v;
	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != sizeof(v)) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		v = (uint32_t)(ts.tv_nsec ^ ts.tv_sec);
	}
	return v;
}

/* Linux's unix_autobind: an abstract name of 5 hex digits, from a random start. */
int unix_autobind(struct unix_sock *u)
{
	char name[16];
	int err = 0;
	pthread_mutex_lock(&unix_lock);
	if (u->addr_len)
		goto out;
	uint32_t ordernum = random_u32(), lastnum = ordernum & 0xFFFFF;
	socklen_t len = offsetof(struct sockaddr_un, sun_path) + 6;
	sa_family_t fam = AF_UNIX;
	memset(name, 0, sizeof(name));
	memcpy(name, &fam, sizeof(fam));
	for (;;) {
		ordernum = (ordernum + 1) & 0xFFFFF;
		snprintf(name + offsetof(struct sockaddr_un, sun_path) + 1, 6, "%05x", ordernum);
		if (!find_abstract(name, len, u->type))
			break;
		if (ordernum == lastnum) {
			err = -ENOSPC;
			goto out;
		}
	}
	memcpy(u->addr, name, len);
	u->addr_len = len;
	u->name_owner = true;
out:
	pthread_mutex_unlock(&unix_lock);
	return err;
}

static int bind_abstract(struct unix_sock *u, struct sockaddr_storage *a, socklen_t len)
{
	int err = 0;
	pthread_mutex_lock(&unix_lock);
	if (u->addr_len)
		err = -EINVAL;
	else if (find_abstract((const char *)a, len, u->type))
		err = -EADDRINUSE;
	if (!err) {
		memcpy(u->addr, a, len);
		u->addr_len = len;
		u->name_owner = true;
	}
	pthread_mutex_unlock(&unix_lock);
	return err;
}

/* The identity of the node p reaches. */
static int node_id(const struct path *p, dev_t *dev, ino_t *ino)
{
	struct stat st;
	int err = vfs_getattr(p->dentry->inode, &st);
	if (err < 0)
		return err;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return 0;
}

/* Linux's unix_bind_bsd: make the node, then take the name; a socket that had one by then
 * gets EINVAL and the node goes again. */
static int bind_bsd(struct unix_sock *u, struct sockaddr_storage *a, socklen_t len)
{
	struct task *t = task_current();
	struct path p = {0};
	dev_t dev = 0;
	ino_t ino = 0;
	int err;
	if (!t)
		return -EPERM;
	len = mkname_bsd(a, len);
	const char *path = sun_path(a);
	pthread_mutex_lock(&u->bind_lock);
	err = vfs_mknodat(t, AT_FDCWD, path, S_IFSOCK | 0777, 0);
	if (err < 0) {
		if (err == -EEXIST)
			err = -EADDRINUSE;
		goto out;
	}
	/* The node just made (the VFS hands back no inode from mknod). */
	err = path_lookup_at(t, AT_FDCWD, path, 0, &p);
	if (err == 0)
		err = node_id(&p, &dev, &ino);
	if (err < 0)
		goto unlink;
	pthread_mutex_lock(&unix_lock);
	if (u->addr_len) {
		pthread_mutex_unlock(&unix_lock);
		err = -EINVAL;
		goto unlink;
	}
	memcpy(u->addr, a, len);
	u->addr_len = len;
	u->name_owner = true;
	u->bsd = true;
	u->bsd_path = p;
	u->bsd_dev = dev;
	u->bsd_ino = ino;
	p.mnt = NULL;
	p.dentry = NULL;
	pthread_mutex_unlock(&unix_lock);
	goto out;
unlink:
	vfs_unlinkat(t, AT_FDCWD, path, false);
out:
	pthread_mutex_unlock(&u->bind_lock);
	if (p.dentry)
		path_put(&p);
	return err;
}

static int unix_bind(struct socket *s, struct sockaddr_storage *a, socklen_t len)
{
	struct unix_sock *u = U(s);
	if (len == offsetof(struct sockaddr_un, sun_path) && a->ss_family == AF_UNIX)
		return unix_autobind(u);
	int err = unix_validate_addr(a, len);
	if (err < 0)
		return err;
	if (sun_path(a)[0])
		return bind_bsd(u, a, len);
	return bind_abstract(u, a, len);
}

int unix_find_other(struct sockaddr_storage *a, socklen_t len, int type, struct unix_sock **out)
{
	struct unix_sock *u;
	int err = 0;
	if (sun_path(a)[0]) {
		struct task *t = task_current();
		struct path p;
		dev_t dev = 0;
		ino_t ino = 0;
		if (!t)
			return -ECONNREFUSED;
		mkname_bsd(a, len);
		err = path_lookup_at(t, AT_FDCWD, sun_path(a), LOOKUP_FOLLOW, &p);
		if (err < 0)
			return err;
		err = inode_permission(p.dentry->inode, MAY_WRITE_K, t);
		if (err == 0 && !S_ISSOCK(p.dentry->inode->mode))
			err = -ECONNREFUSED;
		if (err == 0)
			err = node_id(&p, &dev, &ino);
		path_put(&p);
		if (err < 0)
			return err;
		pthread_mutex_lock(&unix_lock);
		u = find_bsd(dev, ino);
		if (!u)
			err = -ECONNREFUSED;
		else if (u->type != type)
			err = -EPROTOTYPE;
	} else {
		pthread_mutex_lock(&unix_lock);
		u = find_abstract((const char *)a, len, type);
		if (!u)
			err = -ECONNREFUSED;
	}
	if (err == 0) {
		unix_hold(u);
		*out = u;
	}
	pthread_mutex_unlock(&unix_lock);
	return err;
}

static int put_name(const struct unix_sock *u, struct sockaddr_storage *a)
{
	memset(a, 0, sizeof(*a));
	a->ss_family = AF_UNIX;
	if (!u->addr_len)
		return offsetof(struct sockaddr_un, sun_path);
	memcpy(a, u->addr, u->addr_len);
	return (int)u->addr_len;
}

static int unix_getsockname(struct socket *s, struct sockaddr_storage *a)
{
	pthread_mutex_lock(&unix_lock);
	int len = put_name(U(s), a);
	pthread_mutex_unlock(&unix_lock);
	return len;
}

static int unix_getpeername(struct socket *s, struct sockaddr_storage *a)
{
	int r = -ENOTCONN;
	pthread_mutex_lock(&unix_lock);
	if (U(s)->peer)
		r = put_name(U(s)->peer, a);
	pthread_mutex_unlock(&unix_lock);
	return r;
}

/* --- connections ------------------------------------------------------------------------- */

static bool may_send(struct unix_sock *u, struct unix_sock *other)
{
	return !other->peer || other->peer == u;
}

/* Linux's unix_dgram_disconnected (unix_lock held): u leaves other; what u had queued from
 * it goes, and other, if connected back, hears ECONNRESET. */
void unix_dgram_disconnected(struct unix_sock *u, struct unix_sock *other)
{
	if (!u->rq_head)
		return;
	unix_purge_queue(u);
	if (!other->dead && other->peer == u) {
		other->err = ECONNRESET;
		unix_changed(other, 0);
	}
}

void unix_queue_room(struct unix_sock *u)
{
	for (struct unix_sock *v = unix_all; v; v = v->all_next)
		if (v->peer == u && u->peer != v && !v->dead)
			unix_changed(v, POLLOUT);
}

static int unix_dgram_connect(struct socket *s, struct sockaddr_storage *a, socklen_t len,
			      bool nonblock)
{
	struct unix_sock *u = U(s), *other = NULL;
	int err;
	if (len < sizeof(sa_family_t))
		return -EINVAL;
	if (a->ss_family != AF_UNSPEC) {
		err = unix_validate_addr(a, len);
		if (err < 0)
			return err;
		if (socket_flag(s, SOCKOPT_PASSCRED) &&
		    !__atomic_load_n(&u->addr_len, __ATOMIC_RELAXED)) {
			err = unix_autobind(u);
			if (err < 0)
				return err;
		}
		for (;;) {
			err = unix_find_other(a, len, u->type, &other);
			if (err < 0)
				return err;
			pthread_mutex_lock(&unix_lock);
			if (!other->dead)
				break;
			unix_put(other); /* it died meanwhile: look again */
			unix_unlock();
		}
		if (!may_send(u, other)) {
			unix_put(other);
			unix_unlock();
			return -EPERM;
		}
		u->state = other->state = UNIX_CONNECTED;
	} else {
		pthread_mutex_lock(&unix_lock);
	}
	struct unix_sock *old = u->peer;
	u->peer = other; /* other's reference passes to u->peer */
	if (old) {
		if (!other)
			u->state = UNIX_CLOSE;
		if (other != old) {
			unix_dgram_disconnected(u, old);
			if (!old->peer)
				old->state = UNIX_CLOSE;
		}
		unix_changed(old, 0);
		unix_put(old);
	}
	unix_changed(u, 0);
	unix_unlock();
	return 0;
}

static int unix_stream_connect(struct socket *s, struct sockaddr_storage *a, socklen_t len,
			       bool nonblock)
{
	struct unix_sock *u = U(s), *other = NULL, *newu;
	struct timespec dl_buf;
	int err = unix_validate_addr(a, len);
	if (err < 0)
		return err;
	if (socket_flag(s, SOCKOPT_PASSCRED) && !__atomic_load_n(&u->addr_len, __ATOMIC_RELAXED)) {
		err = unix_autobind(u);
		if (err < 0)
			return err;
	}
	int64_t timeo = socket_timeo(s, false, nonblock);
	const struct timespec *deadline = socket_deadline(timeo, &dl_buf);
	/* The socket the listener will accept, made first as Linux does. */
	newu = unix_sock_new(u->type);
	if (!newu)
		return -ENOMEM;
	newu->embryo = true;
	for (;;) {
		err = unix_find_other(a, len, u->type, &other);
		if (err < 0)
			goto fail;
		pthread_mutex_lock(&unix_lock);
		if (other->dead) {
			unix_put(other);
			unix_unlock();
			continue;
		}
		if (other->state != UNIX_LISTEN || (other->shutdown & UNIX_RCV_SHUTDOWN)) {
			err = -ECONNREFUSED;
			goto fail_locked;
		}
		if (other->acc_len > (unsigned)other->max_backlog) {
			/* Backlog full: wait for an accept (Linux's unix_wait_for_peer). */
			err = unix_wait(&other->cv, &timeo, deadline);
			unix_put(other);
			unix_unlock();
			other = NULL;
			if (err < 0)
				goto fail;
			continue;
		}
		break;
	}
	if (u->state != UNIX_CLOSE) {
		err = u->state == UNIX_CONNECTED ? -EISCONN : -EINVAL;
		goto fail_locked;
	}
	/* The way is open: newu is connected to u, waiting in other's queue. */
	unix_hold(u);
	newu->peer = u;
	newu->state = UNIX_CONNECTED;
	newu->peercred = unix_current_peercred();
	memcpy(newu->addr, other->addr, other->addr_len);
	newu->addr_len = other->addr_len;
	u->peercred = other->peercred;
	u->state = UNIX_CONNECTED;
	unix_hold(newu);
	u->peer = newu;
	/* The queue owns newu's first reference until accept. */
	if (other->acc_tail)
		other->acc_tail->acc_next = newu;
	else
		other->acc_head = newu;
	other->acc_tail = newu;
	other->acc_len++;
	unix_changed(other, POLLIN); /* a connection to accept */
	unix_changed(u, 0);
	unix_put(other);
	unix_unlock();
	return 0;
fail_locked:
	unix_put(other);
	unix_unlock();
fail:
	pthread_mutex_lock(&unix_lock);
	release_locked(newu, false);
	unix_unlock();
	return err;
}

static int unix_listen(struct socket *s, int backlog)
{
	struct unix_sock *u = U(s);
	int err = 0;
	if (u->type != SOCK_STREAM && u->type != SOCK_SEQPACKET)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&unix_lock);
	if (!u->addr_len)
		err = -EINVAL; /* no listens on an unbound socket */
	else if (u->state != UNIX_CLOSE && u->state != UNIX_LISTEN)
		err = -EINVAL;
	if (!err) {
		u->max_backlog = backlog;
		u->state = UNIX_LISTEN;
		u->peercred = unix_current_peercred(); /* what connecting sockets see */
		unix_changed(u, UNIX_NO_GAIN);	       /* a larger backlog lets connects in */
	}
	unix_unlock();
	return err;
}

static int unix_accept(struct socket *s, struct socket *newsock, bool nonblock)
{
	struct unix_sock *u = U(s), *e;
	struct timespec dl_buf;
	int err;
	if (u->type != SOCK_STREAM && u->type != SOCK_SEQPACKET)
		return -EOPNOTSUPP;
	int64_t timeo = socket_timeo(s, true, nonblock);
	const struct timespec *deadline = socket_deadline(timeo, &dl_buf);
	pthread_mutex_lock(&unix_lock);
	if (u->state != UNIX_LISTEN) {
		err = -EINVAL;
		goto out;
	}
	/* Linux's skb_recv_datagram on the listener's queue. */
	for (;;) {
		if (u->err) {
			err = -u->err;
			u->err = 0;
			goto out;
		}
		if (u->acc_head)
			break;
		/* Only a blocking accept looks at shutdown (receive shutdown: EINVAL). */
		if (timeo && (u->shutdown & UNIX_RCV_SHUTDOWN)) {
			err = -EINVAL;
			goto out;
		}
		err = unix_wait(&u->cv, &timeo, deadline);
		if (err < 0)
			goto out;
	}
	e = u->acc_head;
	u->acc_head = e->acc_next;
	if (!u->acc_head)
		u->acc_tail = NULL;
	e->acc_next = NULL;
	u->acc_len--;
	e->embryo = false;
	unix_changed(u, UNIX_NO_GAIN); /* room in the backlog for a waiting connect */
	attach(newsock, e);
	if (socket_flag(s, SOCKOPT_PASSCRED))
		newsock->opt_flags |= SOCKOPT_PASSCRED;
	err = 0;
out:
	unix_unlock();
	return err;
}

static int unix_shutdown(struct socket *s, int how)
{
	struct unix_sock *u = U(s), *other;
	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	unsigned mode = (unsigned)how + 1; /* SHUT_RD -> RCV, SHUT_WR -> SEND, RDWR -> both */
	pthread_mutex_lock(&unix_lock);
	u->shutdown |= mode;
	unix_changed(u, 0);
	other = u->peer;
	if (other && (u->type == SOCK_STREAM || u->type == SOCK_SEQPACKET)) {
		unsigned peer_mode = 0;
		if (mode & UNIX_RCV_SHUTDOWN)
			peer_mode |= UNIX_SEND_SHUTDOWN;
		if (mode & UNIX_SEND_SHUTDOWN)
			peer_mode |= UNIX_RCV_SHUTDOWN;
		other->shutdown |= peer_mode;
		unix_changed(other, 0);
	}
	unix_unlock();
	return 0;
}

/* --- options, poll, ioctl ---------------------------------------------------------------- */

static int unix_getsockopt(struct socket *s, int level, int name, void *val, socklen_t *len)
{
	struct unix_sock *u = U(s);
	int v;
	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&unix_lock);
	switch (name) {
	case SO_ERROR:
		v = u->err;
		u->err = 0;
		break;
	case SO_ACCEPTCONN:
		v = u->state == UNIX_LISTEN;
		break;
	case SO_PEERCRED: {
		struct ucred c = u->peercred;
		pthread_mutex_unlock(&unix_lock);
		if (*len > sizeof(c))
			*len = sizeof(c);
		memcpy(val, &c, *len);
		return 0;
	}
	default:
		pthread_mutex_unlock(&unix_lock);
		return -ENOPROTOOPT;
	}
	pthread_mutex_unlock(&unix_lock);
	if (*len > sizeof(v))
		*len = sizeof(v);
	memcpy(val, &v, *len);
	return 0;
}

static int unix_setsockopt(struct socket *s, int level, int name, const void *val, socklen_t len)
{
	return level == SOL_SOCKET ? -ENOPROTOOPT : -EOPNOTSUPP;
}

/* Linux's unix_writable: a quarter of the send buffer free. */
static bool writable(const struct unix_sock *u)
{
	return u->state != UNIX_LISTEN && u->sock && u->wmem * 4 <= (size_t)socket_sndbuf(u->sock);
}

static unsigned unix_poll(struct socket *s)
{
	struct unix_sock *u = U(s);
	unsigned mask = 0;
	pthread_mutex_lock(&unix_lock);
	if (u->err)
		mask |= POLLERR;
	if (u->shutdown == UNIX_SHUTDOWN_MASK)
		mask |= POLLHUP;
	if (u->shutdown & UNIX_RCV_SHUTDOWN)
		mask |= POLLRDHUP | POLLIN | POLLRDNORM;
	if (u->rq_head || u->acc_head)
		mask |= POLLIN | POLLRDNORM;
	if (u->type == SOCK_DGRAM) {
		bool w = writable(u);
		struct unix_sock *other = u->peer;
		/* A datagram socket connected to one that is not connected back waits for
		 * room in that one's queue too. */
		if (w && other && other->peer != u && !other->dead &&
		    other->rq_len > (unsigned)other->max_backlog)
			w = false;
		if (w)
			mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
	} else {
		if (u->state == UNIX_CLOSE)
			mask |= POLLHUP;
		if (writable(u))
			mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
	}
	pthread_mutex_unlock(&unix_lock);
	return mask;
}

static uint64_t unix_io_gen(struct socket *s, unsigned events)
{
	return vfs_io_source_gen(&U(s)->io, events);
}

static long unix_ioctl(struct socket *s, struct task *t, unsigned long cmd, uint64_t arg)
{
	struct unix_sock *u = U(s);
	long amount = 0;
	switch (cmd) {
	case SIOCOUTQ_K:
		pthread_mutex_lock(&unix_lock);
		amount = (long)u->wmem;
		pthread_mutex_unlock(&unix_lock);
		break;
	case SIOCINQ_K:
		pthread_mutex_lock(&unix_lock);
		if (u->state == UNIX_LISTEN) {
			pthread_mutex_unlock(&unix_lock);
			return -EINVAL;
		}
		if (u->type == SOCK_DGRAM) {
			if (u->rq_head)
				amount = (long)u->rq_head->len;
		} else {
			for (struct unix_skb *skb = u->rq_head; skb; skb = skb->next)
				amount += (long)(skb->len - skb->consumed);
		}
		pthread_mutex_unlock(&unix_lock);
		break;
	default:
		return -ENOIOCTLCMD_K;
	}
	int v = (int)amount;
	return copy_to_guest(t, arg, &v, sizeof(v));
}

#define UNIX_COMMON_OPS                                                                            \
	.family = AF_UNIX, .bind = unix_bind, .listen = unix_listen, .accept = unix_accept,        \
	.shutdown = unix_shutdown, .getsockname = unix_getsockname,                                \
	.getpeername = unix_getpeername, .getsockopt = unix_getsockopt,                            \
	.setsockopt = unix_setsockopt, .poll = unix_poll, .ioctl = unix_ioctl,                     \
	.socketpair = unix_socketpair, .io_gen = unix_io_gen, .release = unix_release

static const struct sock_ops unix_stream_ops = {
    UNIX_COMMON_OPS,
    .connect = unix_stream_connect,
    .sendmsg = unix_stream_sendmsg,
    .recvmsg = unix_stream_recvmsg,
};

static const struct sock_ops unix_seqpacket_ops = {
    UNIX_COMMON_OPS,
    .connect = unix_stream_connect,
    .sendmsg = unix_seqpacket_sendmsg,
    .recvmsg = unix_seqpacket_recvmsg,
};

static const struct sock_ops unix_dgram_ops = {
    UNIX_COMMON_OPS,
    .connect = unix_dgram_connect,
    .sendmsg = unix_dgram_sendmsg,
    .recvmsg = unix_dgram_recvmsg,
};
