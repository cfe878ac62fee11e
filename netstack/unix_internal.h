/*
 * Unix domain sockets: the state shared by netstack/unix.c (objects, names, connections),
 * unix_io.c (sending and receiving) and unix_gc.c (cycles of sockets in flight).
 *
 * Locking: one sandbox-wide mutex, unix_lock, guards every unix socket, queue, name and
 * count. It is a leaf for the VFS: nothing here calls the VFS (path walks, mknod, getattr,
 * file_put) while holding it. What must be let go under it (files in flight of a dropped
 * message, the path of a bound socket) is handed to unix_defer_*() and released by
 * unix_unlock() after the mutex is dropped; readiness changes noted with unix_changed() are
 * announced (vfs_io_event) there too. Releasing a file may release a socket, which takes the
 * lock again: the release loop in unix_unlock() runs only in the outermost caller of the
 * thread, so chains of sockets passed inside sockets are freed iteratively.
 *
 * Each socket has one condition, broadcast at every change of its state; a blocked call
 * waits on the condition of the socket whose state it waits for (its own for data or room,
 * a listener's for backlog room, a datagram receiver's for queue room).
 */
#ifndef CVISOR_UNIX_INTERNAL_H
#define CVISOR_UNIX_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include "fs/vfs.h"
#include "netstack/socket.h"

#define UNIX_RCV_SHUTDOWN   1
#define UNIX_SEND_SHUTDOWN  2
#define UNIX_SHUTDOWN_MASK  3
#define UNIX_MAX_DGRAM_QLEN 10 /* net.unix.max_dgram_qlen */
/* A name: sun_family, up to 108 path bytes and the NUL Linux adds to a 108-byte path. */
#define UNIX_ADDR_MAX (offsetof(struct sockaddr_un, sun_path) + 109)
#define OVERFLOW_ID   65534 /* what "no id" reads as (Linux's overflowuid) */

enum unix_state { UNIX_CLOSE, UNIX_LISTEN, UNIX_CONNECTED };

/* One queued message (datagram, seqpacket record, or a chunk of a stream write). */
struct unix_skb {
	struct unix_skb *next;
	struct unix_sock *from; /* the sender, referenced: its wmem holds truesize */
	size_t len, consumed;	/* consumed: what stream reads took of it */
	size_t truesize;
	struct sock_creds creds;
	struct scm_fds *fds; /* files in flight, or NULL */
	char data[];
};

struct unix_sock {
	int refs;
	struct socket *sock; /* NULL for a connection not yet accepted, and once released */
	struct file *file;   /* the socket's file, once it was passed in a message (GC) */
	int type;
	enum unix_state state;
	bool dead;   /* released */
	bool embryo; /* a connection waiting in a listener's queue */
	unsigned shutdown;
	int err;		/* a pending error (SO_ERROR), positive */
	struct unix_sock *peer; /* referenced */

	/* The name. name_owner: this socket bound it (connections accepted on it share the
	 * bytes, not the name). A filesystem name is found by the identity of its node. */
	socklen_t addr_len; /* 0: unbound */
	char addr[UNIX_ADDR_MAX];
	bool name_owner;
	bool bsd;
	struct path bsd_path;
	dev_t bsd_dev;
	ino_t bsd_ino;
	pthread_mutex_t bind_lock; /* one bind at a time (it calls the VFS unlocked) */

	struct unix_skb *rq_head, *rq_tail; /* the receive queue */
	unsigned rq_len;
	size_t wmem;	 /* truesize of this socket's messages not yet received */
	int max_backlog; /* listen's backlog; for datagrams the queue length limit */
	struct unix_sock *acc_head, *acc_tail, *acc_next; /* connections to accept */
	unsigned acc_len;
	struct ucred peercred; /* SO_PEERCRED: pid 0, ids -1 until connected */

	pthread_cond_t cv;
	struct vfs_io_source io;	       /* readiness events, for epoll */
	struct unix_sock *all_prev, *all_next; /* every socket, for lookups and the GC */

	/* Garbage collection (unix_gc.c). */
	unsigned inflight; /* messages in queues that hold this socket's file */
	long gc_refs;
	bool gc_candidate, gc_alive;
};

extern pthread_mutex_t unix_lock;
extern struct unix_sock *unix_all;
extern unsigned long unix_sockets_inflight; /* sum of inflight */
extern unsigned long unix_files_inflight;   /* every file in flight (ETOOMANYREFS) */

void unix_unlock(void);
/* u changed: its blocked calls are woken now; key says which poll events it may have gained
 * (Linux's wake-up key: POLLIN for data, POLLOUT for room, 0 for anything: a hangup, an
 * error, a new state), for epoll's edge triggering (vfs_io_source), and pollers hear of it
 * at unlock. UNIX_NO_GAIN: it gained nothing (only blocked calls look again). */
#define UNIX_NO_GAIN (~0u)
void unix_changed(struct unix_sock *u, unsigned key);
void unix_defer_fds(struct scm_fds *fds);
void unix_defer_path(struct path *p);
void unix_hold(struct unix_sock *u);
void unix_put(struct unix_sock *u);

/* Waits on cv (unix_lock held) for a blocking call whose time left is *timeo (0: it may
 * not wait): 0 when the caller must look again (woken, or announced its own changes, or
 * the time just ran out: *timeo becomes 0), -EAGAIN when it may not wait, or the errno of
 * a signal. */
int unix_wait(pthread_cond_t *cv, int64_t *timeo, const struct timespec *deadline);

/* The calling task's credentials for messages (real ids) and SO_PEERCRED (effective). */
struct sock_creds unix_current_creds(void);
struct ucred unix_current_peercred(void);

/* Queues: takes skb from the head of u's queue; frees a message (under unix_lock). */
void unix_skb_unlink_head(struct unix_sock *u);
void unix_skb_free(struct unix_skb *skb);
void unix_purge_queue(struct unix_sock *u);
/* A message's files leave the queues (received, or dropped): in-flight counts go down. */
void unix_fds_leave(struct scm_fds *fds);

/* unix_io.c */
long unix_stream_sendmsg(struct socket *s, struct sock_msg *m, int flags);
long unix_stream_recvmsg(struct socket *s, struct sock_msg *m, int flags);
long unix_dgram_sendmsg(struct socket *s, struct sock_msg *m, int flags);
long unix_dgram_recvmsg(struct socket *s, struct sock_msg *m, int flags);
long unix_seqpacket_sendmsg(struct socket *s, struct sock_msg *m, int flags);
long unix_seqpacket_recvmsg(struct socket *s, struct sock_msg *m, int flags);

/* unix.c, for unix_io.c */
int unix_validate_addr(const struct sockaddr_storage *a, socklen_t len);
int unix_autobind(struct unix_sock *u);
/* Finds the socket a name reaches (a new reference): -ENOENT, -EACCES, -ECONNREFUSED,
 * -EPROTOTYPE ... Takes unix_lock itself; call it unlocked. */
int unix_find_other(struct sockaddr_storage *a, socklen_t len, int type, struct unix_sock **out);
void unix_dgram_disconnected(struct unix_sock *u, struct unix_sock *other);
/* u's datagram queue is no longer over its limit: sockets connected to it one way may
 * write again (Linux's peer_wait relay). */
void unix_queue_room(struct unix_sock *u);

/* unix_gc.c: frees cycles of sockets only their own queues keep alive (unix_lock held). */
void unix_gc(void);

#endif
