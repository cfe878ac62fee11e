/*
 * The Sentry's socket layer: what every address family shares (Linux's net/socket.c and the
 * SOL_SOCKET half of net/core/sock.c), with the families behind a table of operations.
 *
 * A socket is a struct socket (family, type, the generic SOL_SOCKET options, the family's
 * state in priv) behind a struct file whose file_ops (read, write, poll, ioctl, fstat,
 * release) are the socket layer's: read and write are recvmsg and sendmsg without names or
 * control data. The syscalls (sentry/syscalls/sys_socket.c, sys_sockmsg.c) copy every guest
 * buffer in and out; the families only ever see Sentry memory (struct sock_msg).
 *
 * Families: AF_UNIX (netstack/unix.c). Others answer EAFNOSUPPORT, so that programs fall back
 * (getaddrinfo, python's socket module), with one log line per family.
 *
 * Blocking: a family waits through task_wait() on the calling task (task_current()), so
 * signals end the wait (-EINTR, which the dispatcher turns into ERESTARTSYS for the calls
 * Linux restarts) and readiness changes are announced with vfs_io_event() for poll, select
 * and epoll. Outside a task nothing blocks.
 */
#ifndef CVISOR_SOCKET_H
#define CVISOR_SOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

struct file;
struct task;
struct socket;

/* Linux's limits and defaults the guest can observe. */
#define SCM_MAX_FD_K	    253	   /* files in one SCM_RIGHTS message */
#define SOCK_WMEM_DEFAULT   212992 /* net.core.wmem_default: SO_SNDBUF of a new socket */
#define SOCK_RMEM_DEFAULT   212992 /* net.core.rmem_default */
#define SOCK_WMEM_MAX	    212992 /* net.core.wmem_max: what SO_SNDBUF may ask for */
#define SOCK_RMEM_MAX	    212992 /* net.core.rmem_max */
#define SOCK_MIN_SNDBUF	    4608   /* 2 * (2048 + the aligned sk_buff) */
#define SOCK_MIN_RCVBUF	    2304
#define SOCK_OPTMEM_MAX	    131072 /* net.core.optmem_max: the largest sendmsg control */
#define SOCK_SOMAXCONN	    4096   /* net.core.somaxconn: listen's backlog cap */
#define SOCK_TIMEO_INFINITE INT64_MAX
#define SOCK_JIFFY_NS	    4000000 /* timeouts are kept in jiffies (HZ=250), as Linux */

/* Files in flight in an SCM_RIGHTS message (each referenced once). */
struct scm_fds {
	int count;
	struct file *files[];
};

/* SCM_CREDENTIALS: set says whether a message carries credentials at all. */
struct sock_creds {
	bool set;
	pid_t pid;
	uid_t uid;
	gid_t gid;
};

/*
 * One message on its way into or out of a family, in Sentry memory.
 *   sendmsg: buf/len the payload; name/namelen the destination (namelen 0: none); fds and
 *            creds what SCM_RIGHTS and SCM_CREDENTIALS asked to pass (the family takes fds,
 *            setting it NULL, when the message is queued).
 *   recvmsg: buf/len the room; the family fills name/namelen with the source (0: unnamed),
 *            fds with passed files (the caller's to install or put), creds with the
 *            sender's credentials if the message carried any, and ORs MSG_TRUNC, MSG_EOR
 *            ... into flags.
 */
struct sock_msg {
	void *buf;
	size_t len;
	struct sockaddr_storage name;
	socklen_t namelen;
	struct scm_fds *fds;
	struct sock_creds creds;
	int flags;
};

/* Puts the files a message still holds. */
void sock_msg_destroy(struct sock_msg *m);
struct scm_fds *scm_fds_alloc(int count);
void scm_fds_put(struct scm_fds *fds);
/* A new reference to every file of fds (MSG_PEEK's copy), or NULL. */
struct scm_fds *scm_fds_dup(const struct scm_fds *fds);

/*
 * A family's operations. All return 0 / a count or a negative errno, with Linux's errnos.
 * Addresses are Linux's struct sockaddr as the guest gave it (len bytes of a zeroed
 * sockaddr_storage); names come back the same way with their length.
 */
struct sock_ops {
	int family;
	int (*bind)(struct socket *s, struct sockaddr_storage *a, socklen_t len);
	/* nonblock: O_NONBLOCK of the file. */
	int (*connect)(struct socket *s, struct sockaddr_storage *a, socklen_t len, bool nonblock);
	/* backlog already capped at SOCK_SOMAXCONN. */
	int (*listen)(struct socket *s, int backlog);
	/* Attaches the next connection to newsock (allocated by socket_alloc_like). */
	int (*accept)(struct socket *s, struct socket *newsock, bool nonblock);
	/* flags: MSG_* (MSG_DONTWAIT already set for O_NONBLOCK files). */
	long (*sendmsg)(struct socket *s, struct sock_msg *m, int flags);
	long (*recvmsg)(struct socket *s, struct sock_msg *m, int flags);
	int (*shutdown)(struct socket *s, int how);
	/* Return the name's length. */
	int (*getsockname)(struct socket *s, struct sockaddr_storage *a);
	int (*getpeername)(struct socket *s, struct sockaddr_storage *a);
	/* Options the family keeps. SOL_SOCKET ones the family does not know answer
	 * -ENOPROTOOPT and the socket layer takes them. *len: room in, size out. */
	int (*getsockopt)(struct socket *s, int level, int name, void *val, socklen_t *len);
	int (*setsockopt)(struct socket *s, int level, int name, const void *val, socklen_t len);
	/* poll(2) events now. */
	unsigned (*poll)(struct socket *s);
	/* For edge-triggered epoll: the stamp of the last event that may have brought one of
	 * events (file_ops.io_gen; NULL: every event of the sandbox counts). */
	uint64_t (*io_gen)(struct socket *s, unsigned events);
	/* FIONREAD/SIOCINQ, SIOCOUTQ, ...: -ENOIOCTLCMD for what the family does not know. */
	long (*ioctl)(struct socket *s, struct task *t, unsigned long cmd, uint64_t arg);
	/* Joins two new sockets of the family (socketpair). */
	int (*socketpair)(struct socket *a, struct socket *b);
	/* The file is gone: tear the family's state down. */
	void (*release)(struct socket *s);
};

#define ENOIOCTLCMD_K 515 /* Linux's "not mine" answer of a protocol ioctl */

/* Generic option flags (bits of socket.opt_flags). */
#define SOCKOPT_REUSEADDR 0x01
#define SOCKOPT_REUSEPORT 0x02
#define SOCKOPT_KEEPALIVE 0x04
#define SOCKOPT_BROADCAST 0x08
#define SOCKOPT_DONTROUTE 0x10
#define SOCKOPT_OOBINLINE 0x20
#define SOCKOPT_PASSCRED  0x40
#define SOCKOPT_LINGER	  0x80

/*
 * A socket. The option fields are read and written with atomic accesses: families read them
 * under their own locks while setsockopt may change them.
 */
struct socket {
	const struct sock_ops *ops;
	int family, type, protocol;
	void *priv; /* the family's state */
	uint64_t ino;
	uid_t uid; /* the creator's fsuid and fsgid, as Linux's sockfs inode */
	gid_t gid;
	struct timespec ctime;
	int sndbuf, rcvbuf;
	int64_t rcvtimeo_ns, sndtimeo_ns; /* SOCK_TIMEO_INFINITE, 0 (never wait) or a duration */
	int rcvlowat;
	int priority;
	int linger_secs;
	unsigned opt_flags; /* SOCKOPT_* */
};

/* The family table: creates a socket of the family (sets ops and priv). */
int unix_create(struct socket *s, int type, int protocol);

/* A new socket of family/type/protocol: -EAFNOSUPPORT, -EINVAL, -ESOCKTNOSUPPORT,
 * -EPROTONOSUPPORT as Linux's __sock_create. type holds no SOCK_* flags. */
int socket_create(int family, int type, int protocol, struct socket **out);
/* An empty socket of s's family and type, for accept. */
struct socket *socket_alloc_like(const struct socket *s);
/* Frees a socket that never got a file (its family state already released or never made). */
void socket_free(struct socket *s);
/* A file for s (flags: O_NONBLOCK or 0); the file owns s from then on (its release releases
 * s). NULL on ENOMEM (s is then still the caller's). */
struct file *socket_file_new(struct socket *s, int flags);
/* The socket behind f, or NULL when f is not a socket. */
struct socket *file_socket(const struct file *f);

/* Option values. */
static inline bool socket_flag(const struct socket *s, unsigned flag)
{
	return __atomic_load_n(&s->opt_flags, __ATOMIC_RELAXED) & flag;
}
static inline int socket_sndbuf(const struct socket *s)
{
	return __atomic_load_n(&s->sndbuf, __ATOMIC_RELAXED);
}
/* The wait a blocking call may make: 0 (none: MSG_DONTWAIT), SOCK_TIMEO_INFINITE or a
 * duration in ns. */
int64_t socket_timeo(const struct socket *s, bool rcv, bool nonblock);
/* An absolute CLOCK_MONOTONIC deadline for a wait of timeo ns (NULL for infinite). */
const struct timespec *socket_deadline(int64_t timeo, struct timespec *buf);
/* What a wait that a signal ended returns: -EINTR (restarted as ERESTARTSYS by the
 * dispatcher) without a timeout; with one -ERESTARTNOHAND_K, for Linux's plain EINTR after a
 * handler, which the syscall layer arms with sock_syscall_ret(). */
long socket_intr_errno(int64_t timeo);
/* The return of a socket syscall: a -ERESTARTNOHAND_K from a family becomes a restart the
 * task's signal handling carries out (or EINTR when no signal is pending). */
long sock_syscall_ret(struct task *t, long r);

/* SOL_SOCKET options every family shares (net/core/sock.c). */
int socket_getsockopt(struct socket *s, int level, int name, void *val, socklen_t *len);
int socket_setsockopt(struct socket *s, int level, int name, const void *val, socklen_t len);

#endif
