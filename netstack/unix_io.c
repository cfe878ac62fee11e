/*
 * Unix sockets' data path: Linux's unix_stream_sendmsg / unix_stream_read_generic and
 * unix_dgram_sendmsg / __unix_dgram_recvmsg (seqpacket is the datagram path on a
 * connection), with their checks in their order.
 *
 * Flow control is Linux's: a sender is charged the "truesize" of each message it queued
 * until the receiver takes it (SIOCOUTQ reports it), and waits while that reaches its
 * SO_SNDBUF; POLLOUT needs three quarters free. Truesizes follow Linux's sk_buff sizes (a
 * kmalloc'd head rounded to its slab, page fragments, the sk_buff itself), and stream
 * writes are cut into chunks as Linux cuts them, so fill counts come out close to Linux's.
 * A datagram sender to a socket not connected back to it also waits while the receiver
 * holds more than max_dgram_qlen messages.
 *
 * Stream messages keep their boundaries in the queue for what rides along: a read never
 * merges data written with different credentials (when the reader asked for them), and ends
 * after a chunk that carried files, as Linux's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "netstack/unix_internal.h"
#include "sentry/signal.h"
#include "sentry/task.h"

#define PAGE_SZ			 4096
#define SKB_SHINFO		 320 /* SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) */
#define SKB_STRUCT		 256 /* SKB_DATA_ALIGN(sizeof(struct sk_buff)) */
#define SKB_MAX_HEAD0		 (PAGE_SZ - SKB_SHINFO)	    /* SKB_MAX_HEAD(0) */
#define SKB_MAX_ALLOC		 (4 * PAGE_SZ - SKB_SHINFO) /* SKB_MAX_ORDER(0, 2) */
#define MAX_SKB_FRAGS		 17
#define UNIX_FRAGS_SZ		 32768 /* UNIX_SKB_FRAGS_SZ */
#define CAP_SYS_ADMIN_K		 21
#define CAP_SYS_RESOURCE_K	 24
#define UNIX_INFLIGHT_TRIGGER_GC 16000

static struct unix_sock *U(const struct socket *s)
{
	return s->priv;
}

static size_t align_up(size_t n, size_t a)
{
	return (n + a - 1) & ~(a - 1);
}

/* kmalloc's size classes: powers of two up to 8 KiB, then whole power-of-two page runs. */
static size_t kmalloc_size(size_t n)
{
	size_t s = 512; /* a head is never smaller than 64 + SKB_SHINFO */
	while (s < n)
		s <<= 1;
	return s;
}

static size_t truesize(size_t head, size_t frags)
{
	return kmalloc_size(align_up(head, 64) + SKB_SHINFO) + SKB_STRUCT + frags;
}

/* A message of len bytes whose first head bytes are "linear" (the rest in page frags). */
static struct unix_skb *skb_new(size_t len, size_t frags)
{
	struct unix_skb *skb = calloc(1, sizeof(*skb) + len);
	if (!skb)
		return NULL;
	skb->len = len;
	skb->truesize = truesize(len - frags, frags);
	return skb;
}

/* The sender's charge, from allocation until the message is received or dropped. */
static void skb_charge(struct unix_skb *skb, struct unix_sock *from)
{
	unix_hold(from);
	skb->from = from;
	from->wmem += skb->truesize;
}

static void queue_tail(struct unix_sock *u, struct unix_skb *skb)
{
	if (u->rq_tail)
		u->rq_tail->next = skb;
	else
		u->rq_head = skb;
	u->rq_tail = skb;
	u->rq_len++;
	unix_changed(u, POLLIN);
}

/* Files start their flight with the message (unix_lock held). */
static void fds_enter(struct scm_fds *fds)
{
	if (!fds)
		return;
	unix_files_inflight += (unsigned long)fds->count;
	for (int i = 0; i < fds->count; i++) {
		struct socket *s = file_socket(fds->files[i]);
		if (s && s->family == AF_UNIX && s->priv) {
			struct unix_sock *v = s->priv;
			v->file = fds->files[i];
			v->inflight++;
			unix_sockets_inflight++;
		}
	}
}

/* Linux's too_many_unix_fds: more files in flight than the sender's RLIMIT_NOFILE. */
static int fds_allowed(const struct sock_msg *m)
{
	struct task *t = task_current();
	if (!m->fds || !t)
		return 0;
	if (unix_sockets_inflight > UNIX_INFLIGHT_TRIGGER_GC)
		unix_gc(); /* Linux's wait_for_unix_gc */
	if (unix_files_inflight > t->rlim[RLIMIT_NOFILE].rlim_cur &&
	    !task_capable(t, CAP_SYS_RESOURCE_K) && !task_capable(t, CAP_SYS_ADMIN_K))
		return -ETOOMANYREFS;
	return 0;
}

/* Linux's maybe_add_creds: the sender's credentials ride along when either end asked for
 * them (or the receiver is a connection not yet accepted, which cannot have asked yet). */
static void maybe_add_creds(struct unix_skb *skb, struct socket *s, struct unix_sock *other)
{
	if (skb->creds.set)
		return;
	if (socket_flag(s, SOCKOPT_PASSCRED) || !other->sock ||
	    socket_flag(other->sock, SOCKOPT_PASSCRED))
		skb->creds = unix_current_creds();
}

static bool creds_eq(const struct sock_creds *a, const struct sock_creds *b)
{
	return a->set == b->set && a->pid == b->pid && a->uid == b->uid && a->gid == b->gid;
}

/* The source of a received message: its sender's name (none when unbound). */
static void put_source(struct sock_msg *m, const struct unix_sock *from)
{
	m->namelen = 0;
	if (from && from->addr_len) {
		memcpy(&m->name, from->addr, from->addr_len);
		m->namelen = from->addr_len;
	}
}

/* Linux's sock_alloc_send_pskb wait (unix_lock held): room in u's send buffer. */
static int wait_for_wmem(struct unix_sock *u, struct socket *s, int64_t *timeo,
			 const struct timespec *deadline)
{
	for (;;) {
		if (u->err) {
			int e = u->err;
			u->err = 0;
			return -e;
		}
		if (u->shutdown & UNIX_SEND_SHUTDOWN)
			return -EPIPE;
		if (u->wmem < (size_t)socket_sndbuf(s))
			return 0;
		int err = unix_wait(&u->cv, timeo, deadline);
		if (err < 0)
			return err;
	}
}

/* --- streams ----------------------------------------------------------------------------- */

long unix_stream_sendmsg(struct socket *s, struct sock_msg *m, int flags)
{
	struct unix_sock *u = U(s), *other;
	struct task *t = task_current();
	struct timespec dl_buf;
	size_t sent = 0;
	bool fds_sent = false, sigpipe = false;
	long err = 0;
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	int64_t timeo = socket_timeo(s, false, flags & MSG_DONTWAIT);
	const struct timespec *deadline = socket_deadline(timeo, &dl_buf);
	pthread_mutex_lock(&unix_lock);
	if (m->namelen) {
		err = u->state == UNIX_CONNECTED ? -EISCONN : -EOPNOTSUPP;
		goto out;
	}
	if (!u->peer) {
		err = -ENOTCONN;
		goto out;
	}
	if (u->shutdown & UNIX_SEND_SHUTDOWN) {
		sigpipe = !(flags & MSG_NOSIGNAL);
		err = -EPIPE;
		goto out;
	}
	while (sent < m->len) {
		err = wait_for_wmem(u, s, &timeo, deadline);
		if (err < 0)
			goto out;
		/* Linux's cut: two chunks fit the send buffer; a page head and 32 KiB of frags. */
		size_t size = m->len - sent;
		size_t half = (size_t)(socket_sndbuf(s) >> 1) - 64;
		if (size > half)
			size = half;
		if (size > SKB_MAX_HEAD0 + UNIX_FRAGS_SZ)
			size = SKB_MAX_HEAD0 + UNIX_FRAGS_SZ;
		size_t frags = size > SKB_MAX_HEAD0 ? align_up(size - SKB_MAX_HEAD0, PAGE_SZ) : 0;
		if (frags > size)
			frags = size;
		if (!fds_sent && (err = fds_allowed(m)) < 0)
			goto out;
		struct unix_skb *skb = skb_new(size, frags);
		if (!skb) {
			err = -ENOMEM;
			goto out;
		}
		memcpy(skb->data, (const char *)m->buf + sent, size);
		skb_charge(skb, u);
		other = u->peer;
		if (other->dead || (other->shutdown & UNIX_RCV_SHUTDOWN)) {
			unix_skb_free(skb);
			sigpipe = !sent && !(flags & MSG_NOSIGNAL);
			err = -EPIPE;
			goto out;
		}
		if (!fds_sent) { /* the files go with the first chunk only */
			skb->fds = m->fds;
			m->fds = NULL;
			fds_enter(skb->fds);
			fds_sent = true;
		}
		skb->creds = m->creds;
		maybe_add_creds(skb, s, other);
		queue_tail(other, skb);
		sent += size;
	}
out:
	unix_unlock();
	/* Outside the lock: signal_send may take the locks of a wait the task is in. */
	if (sigpipe && t)
		signal_send(t, SIGPIPE, NULL);
	return sent ? (long)sent : err;
}

long unix_stream_recvmsg(struct socket *s, struct sock_msg *m, int flags)
{
	struct unix_sock *u = U(s);
	struct timespec dl_buf;
	struct sock_creds creds = {0};
	bool check_creds = false, peek = flags & MSG_PEEK;
	bool passcred = socket_flag(s, SOCKOPT_PASSCRED);
	size_t copied = 0;
	long err = 0;
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	size_t target = m->len;
	if (!(flags & MSG_WAITALL)) {
		size_t lowat = (size_t)__atomic_load_n(&s->rcvlowat, __ATOMIC_RELAXED);
		if (lowat < target)
			target = lowat;
	}
	if (!target)
		target = 1;
	int64_t timeo = socket_timeo(s, true, flags & MSG_DONTWAIT);
	const struct timespec *deadline = socket_deadline(timeo, &dl_buf);
	pthread_mutex_lock(&unix_lock);
	if (u->state != UNIX_CONNECTED) {
		err = -EINVAL;
		goto out;
	}
	/* At least one pass, as Linux's do-while: a zero-length read waits for data (and
	 * takes the files of the message it finds). */
	struct unix_skb *skb = u->rq_head;
	do {
		if (!peek)
			skb = u->rq_head;
	again:
		if (!skb) {
			/* POSIX 1003.1g's order: enough data, error, shutdown, then wait. */
			if (copied >= target)
				break;
			if (u->err) {
				err = -u->err;
				u->err = 0;
				break;
			}
			if (u->shutdown & UNIX_RCV_SHUTDOWN)
				break;
			err = unix_wait(&u->cv, &timeo, deadline);
			if (err < 0)
				break;
			skb = u->rq_head;
			goto again;
		}
		if (check_creds) {
			if (!creds_eq(&skb->creds, &creds))
				break; /* never glue messages from different writers */
		} else if (passcred) {
			creds = skb->creds;
			check_creds = true;
		}
		put_source(m, skb->from);
		size_t chunk = skb->len - skb->consumed;
		if (chunk > m->len - copied)
			chunk = m->len - copied;
		memcpy((char *)m->buf + copied, skb->data + skb->consumed, chunk);
		copied += chunk;
		if (!peek) {
			skb->consumed += chunk;
			if (skb->fds) {
				unix_fds_leave(skb->fds);
				m->fds = skb->fds;
				skb->fds = NULL;
			}
			if (skb->consumed < skb->len)
				break;
			unix_skb_unlink_head(u);
			unix_skb_free(skb);
			unix_changed(u, UNIX_NO_GAIN);
			if (m->fds)
				break;
		} else {
			/* Peeked files are new references (Linux's "clone fds" choice). */
			if (skb->fds) {
				m->fds = scm_fds_dup(skb->fds);
				break;
			}
			skb = skb->next;
			if (!skb)
				break; /* a peek never waits once it has something */
		}
	} while (copied < m->len);
	if (check_creds)
		m->creds = creds;
out:
	unix_unlock();
	return copied ? (long)copied : err;
}

/* --- datagrams and seqpacket records ------------------------------------------------------ */

long unix_dgram_sendmsg(struct socket *s, struct sock_msg *m, int flags)
{
	struct unix_sock *u = U(s), *other = NULL;
	struct unix_skb *skb = NULL;
	struct timespec dl_buf;
	bool by_name = m->namelen != 0;
	long err;
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (by_name) {
		err = unix_validate_addr(&m->name, m->namelen);
		if (err < 0)
			return err;
	} else {
		pthread_mutex_lock(&unix_lock);
		other = u->peer;
		if (other)
			unix_hold(other);
		pthread_mutex_unlock(&unix_lock);
		if (!other)
			return -ENOTCONN;
	}
	if (socket_flag(s, SOCKOPT_PASSCRED) && !__atomic_load_n(&u->addr_len, __ATOMIC_RELAXED)) {
		err = unix_autobind(u);
		if (err < 0)
			goto out_put;
	}
	if (m->len > (size_t)socket_sndbuf(s) - 32) {
		err = -EMSGSIZE;
		goto out_put;
	}
	int64_t timeo = socket_timeo(s, false, flags & MSG_DONTWAIT);
	const struct timespec *deadline = socket_deadline(timeo, &dl_buf);
	pthread_mutex_lock(&unix_lock);
	err = wait_for_wmem(u, s, &timeo, deadline);
	if (err == 0)
		err = fds_allowed(m);
	if (err < 0)
		goto out_unlock;
	size_t frags = 0;
	if (m->len > SKB_MAX_ALLOC) {
		frags = m->len - SKB_MAX_ALLOC;
		if (frags > MAX_SKB_FRAGS * PAGE_SZ)
			frags = MAX_SKB_FRAGS * PAGE_SZ;
		frags = align_up(frags, PAGE_SZ);
	}
	skb = skb_new(m->len, frags);
	if (!skb) {
		err = -ENOMEM;
		goto out_unlock;
	}
	memcpy(skb->data, m->buf, m->len);
	skb_charge(skb, u);
	skb->fds = m->fds;
	m->fds = NULL;
	fds_enter(skb->fds);
	skb->creds = m->creds;
	pthread_mutex_unlock(&unix_lock);

	/* A fresh timeout for the receiver's queue, as Linux. */
	timeo = socket_timeo(s, false, flags & MSG_DONTWAIT);
	deadline = socket_deadline(timeo, &dl_buf);
	for (;;) {
		if (!other) {
			if (!by_name) {
				err = -ECONNRESET;
				goto out_free;
			}
			err = unix_find_other(&m->name, m->namelen, u->type, &other);
			if (err < 0)
				goto out_free;
		}
		pthread_mutex_lock(&unix_lock);
	restart_locked:
		if (!(!other->peer || other->peer == u)) {
			err = -EPERM;
			goto out_unlock;
		}
		if (other->dead) {
			err = 0;
			if (u->type == SOCK_SEQPACKET) {
				err = -EPIPE;
			} else if (u->peer == other) {
				/* Its peer died: disconnected, and told so once. */
				u->peer = NULL;
				u->state = UNIX_CLOSE;
				unix_dgram_disconnected(u, other);
				unix_changed(u, 0);
				unix_put(other);
				err = -ECONNREFUSED;
			}
			unix_put(other);
			other = NULL;
			if (err)
				goto out_unlock;
			unix_unlock();
			continue;
		}
		if (other->shutdown & UNIX_RCV_SHUTDOWN) {
			err = -EPIPE;
			goto out_unlock;
		}
		if (other != u && other->peer != u &&
		    other->rq_len > (unsigned)other->max_backlog) {
			err = unix_wait(&other->cv, &timeo, deadline);
			if (err < 0)
				goto out_unlock;
			goto restart_locked;
		}
		break;
	}
	maybe_add_creds(skb, s, other);
	queue_tail(other, skb);
	skb = NULL;
	err = (long)m->len;
out_unlock:
	if (skb)
		unix_skb_free(skb);
	if (other)
		unix_put(other);
	unix_unlock();
	return err;
out_free:
	pthread_mutex_lock(&unix_lock);
	unix_skb_free(skb);
	unix_unlock();
	return err;
out_put:
	if (other) {
		pthread_mutex_lock(&unix_lock);
		unix_put(other);
		unix_unlock();
	}
	return err;
}

long unix_dgram_recvmsg(struct socket *s, struct sock_msg *m, int flags)
{
	struct unix_sock *u = U(s);
	struct timespec dl_buf;
	long err;
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	int64_t timeo = socket_timeo(s, true, flags & MSG_DONTWAIT);
	const struct timespec *deadline = socket_deadline(timeo, &dl_buf);
	pthread_mutex_lock(&unix_lock);
	for (;;) {
		if (u->err) {
			err = -u->err;
			u->err = 0;
			goto out;
		}
		if (u->rq_head)
			break;
		if (!timeo) {
			/* EOF on a disconnected non-blocking seqpacket socket. */
			err = u->type == SOCK_SEQPACKET && (u->shutdown & UNIX_RCV_SHUTDOWN)
				  ? 0
				  : -EAGAIN;
			goto out;
		}
		if (u->shutdown & UNIX_RCV_SHUTDOWN) {
			err = 0;
			goto out;
		}
		err = unix_wait(&u->cv, &timeo, deadline);
		if (err < 0)
			goto out;
	}
	struct unix_skb *skb = u->rq_head;
	size_t copy = skb->len;
	put_source(m, skb->from);
	if (m->len < copy) {
		m->flags |= MSG_TRUNC;
		copy = m->len;
	}
	memcpy(m->buf, skb->data, copy);
	m->creds = skb->creds;
	err = (flags & MSG_TRUNC) ? (long)skb->len : (long)copy;
	if (!(flags & MSG_PEEK)) {
		unix_fds_leave(skb->fds);
		m->fds = skb->fds;
		skb->fds = NULL;
		bool was_full = u->rq_len > (unsigned)u->max_backlog;
		unix_skb_unlink_head(u);
		unix_skb_free(skb);
		unix_changed(u, UNIX_NO_GAIN); /* queue room for senders waiting on it */
		if (was_full)
			unix_queue_room(u);
	} else if (skb->fds) {
		m->fds = scm_fds_dup(skb->fds);
	}
out:
	unix_unlock();
	return err;
}

long unix_seqpacket_sendmsg(struct socket *s, struct sock_msg *m, int flags)
{
	struct unix_sock *u = U(s);
	long err = 0;
	pthread_mutex_lock(&unix_lock);
	if (u->err) {
		err = -u->err;
		u->err = 0;
	} else if (u->state != UNIX_CONNECTED) {
		err = -ENOTCONN;
	}
	pthread_mutex_unlock(&unix_lock);
	if (err < 0)
		return err;
	m->namelen = 0; /* a record goes to the peer, whatever name came with it */
	return unix_dgram_sendmsg(s, m, flags);
}

long unix_seqpacket_recvmsg(struct socket *s, struct sock_msg *m, int flags)
{
	struct unix_sock *u = U(s);
	pthread_mutex_lock(&unix_lock);
	bool connected = u->state == UNIX_CONNECTED;
	pthread_mutex_unlock(&unix_lock);
	if (!connected)
		return -ENOTCONN;
	return unix_dgram_recvmsg(s, m, flags);
}
