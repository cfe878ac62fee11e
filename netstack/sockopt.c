/*
 * SOL_SOCKET options every family shares: Linux's sk_getsockopt / sk_setsockopt for the
 * options a Sentry socket keeps. State a family owns (SO_ERROR, SO_PEERCRED, SO_ACCEPTCONN)
 * is asked of the family first; what no one knows is ENOPROTOOPT, as Linux's default case.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "netstack/socket.h"
#include "sentry/task.h"

#define SO_RCVTIMEO_OLD_K 20
#define SO_SNDTIMEO_OLD_K 21
#define SO_RCVTIMEO_NEW_K 66
#define SO_SNDTIMEO_NEW_K 67
#define SO_SNDBUFFORCE_K  32
#define SO_RCVBUFFORCE_K  33
#define CAP_NET_ADMIN_K	  12
#define CAP_NET_RAW_K	  13
#define HZ_K		  250
#define JIFFY_US	  (1000000 / HZ_K)

/* The timeval both old and new SO_*TIMEO use on x86_64. */
struct sock_timeval_k {
	int64_t tv_sec;
	int64_t tv_usec;
};

static bool capable(int cap)
{
	struct task *t = task_current();
	return !t || task_capable(t, cap);
}

/* Copies an answer of size lv into val (room *len), as Linux: at most *len bytes. */
static int put_opt(void *val, socklen_t *len, const void *v, socklen_t lv)
{
	if (*len > lv)
		*len = lv;
	memcpy(val, v, *len);
	return 0;
}

static int put_int(void *val, socklen_t *len, int v)
{
	return put_opt(val, len, &v, sizeof(v));
}

static int get_timeo(const struct socket *s, bool rcv, void *val, socklen_t *len)
{
	int64_t ns = __atomic_load_n(rcv ? &s->rcvtimeo_ns : &s->sndtimeo_ns, __ATOMIC_RELAXED);
	struct sock_timeval_k tv = {0, 0};
	if (ns != SOCK_TIMEO_INFINITE) {
		int64_t jiffies = ns / SOCK_JIFFY_NS;
		tv.tv_sec = jiffies / HZ_K;
		tv.tv_usec = (jiffies % HZ_K) * JIFFY_US;
	}
	return put_opt(val, len, &tv, sizeof(tv));
}

/* Linux's sock_set_timeout: whole jiffies, rounded up; 0 means forever, a negative time
 * never waiting at all. */
static int set_timeo(struct socket *s, bool rcv, const void *val, socklen_t len)
{
	struct sock_timeval_k tv;
	int64_t ns = SOCK_TIMEO_INFINITE;
	if (len < sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	if (tv.tv_sec < 0) {
		ns = 0;
	} else if ((tv.tv_sec || tv.tv_usec) && tv.tv_sec < (int64_t)(LONG_MAX / HZ_K - 1)) {
		int64_t jiffies = tv.tv_sec * HZ_K + (tv.tv_usec + JIFFY_US - 1) / JIFFY_US;
		/* Beyond what nanoseconds hold (some 1170 years): as good as forever. */
		if (jiffies < INT64_MAX / SOCK_JIFFY_NS)
			ns = jiffies * SOCK_JIFFY_NS;
	}
	__atomic_store_n(rcv ? &s->rcvtimeo_ns : &s->sndtimeo_ns, ns, __ATOMIC_RELAXED);
	return 0;
}

static unsigned flag_of(int name)
{
	switch (name) {
	case SO_REUSEADDR:
		return SOCKOPT_REUSEADDR;
	case SO_REUSEPORT:
		return SOCKOPT_REUSEPORT;
	case SO_KEEPALIVE:
		return SOCKOPT_KEEPALIVE;
	case SO_BROADCAST:
		return SOCKOPT_BROADCAST;
	case SO_DONTROUTE:
		return SOCKOPT_DONTROUTE;
	case SO_OOBINLINE:
		return SOCKOPT_OOBINLINE;
	case SO_PASSCRED:
		return SOCKOPT_PASSCRED;
	default:
		return 0;
	}
}

int socket_getsockopt(struct socket *s, int level, int name, void *val, socklen_t *len)
{
	if (level != SOL_SOCKET)
		return s->ops->getsockopt ? s->ops->getsockopt(s, level, name, val, len)
					  : -EOPNOTSUPP;
	if (s->ops->getsockopt) {
		int r = s->ops->getsockopt(s, level, name, val, len);
		if (r != -ENOPROTOOPT)
			return r;
	}
	unsigned flag = flag_of(name);
	if (flag)
		return put_int(val, len, socket_flag(s, flag));
	switch (name) {
	case SO_TYPE:
		return put_int(val, len, s->type);
	case SO_DOMAIN:
		return put_int(val, len, s->family);
	case SO_PROTOCOL:
		return put_int(val, len, s->protocol);
	case SO_SNDBUF:
		return put_int(val, len, __atomic_load_n(&s->sndbuf, __ATOMIC_RELAXED));
	case SO_RCVBUF:
		return put_int(val, len, __atomic_load_n(&s->rcvbuf, __ATOMIC_RELAXED));
	case SO_RCVLOWAT:
		return put_int(val, len, __atomic_load_n(&s->rcvlowat, __ATOMIC_RELAXED));
	case SO_SNDLOWAT:
		return put_int(val, len, 1);
	case SO_PRIORITY:
		return put_int(val, len, __atomic_load_n(&s->priority, __ATOMIC_RELAXED));
	case SO_ERROR:
	case SO_ACCEPTCONN:
		return put_int(val, len, 0);
	case SO_LINGER: {
		struct linger l = {socket_flag(s, SOCKOPT_LINGER),
				   __atomic_load_n(&s->linger_secs, __ATOMIC_RELAXED)};
		return put_opt(val, len, &l, sizeof(l));
	}
	case SO_RCVTIMEO_OLD_K:
	case SO_RCVTIMEO_NEW_K:
		return get_timeo(s, true, val, len);
	case SO_SNDTIMEO_OLD_K:
	case SO_SNDTIMEO_NEW_K:
		return get_timeo(s, false, val, len);
	default:
		return -ENOPROTOOPT;
	}
}

static void set_flag(struct socket *s, unsigned flag, bool on)
{
	if (on)
		__atomic_or_fetch(&s->opt_flags, flag, __ATOMIC_RELAXED);
	else
		__atomic_and_fetch(&s->opt_flags, ~flag, __ATOMIC_RELAXED);
}

/* Linux's __sock_set_sndbuf / __sock_set_rcvbuf: the request doubled (for the kernel's
 * bookkeeping), capped by the sysctl unless forced, never below the minimum. */
static void set_buf(int *field, int val, unsigned max, int min, bool force)
{
	unsigned u = force ? (val < 0 ? 0 : (unsigned)val) : (unsigned)val;
	if (!force && u > max)
		u = max;
	if (u > INT_MAX / 2)
		u = INT_MAX / 2;
	int v = (int)u * 2;
	__atomic_store_n(field, v < min ? min : v, __ATOMIC_RELAXED);
}

int socket_setsockopt(struct socket *s, int level, int name, const void *val, socklen_t len)
{
	int v;
	if (level != SOL_SOCKET)
		return s->ops->setsockopt ? s->ops->setsockopt(s, level, name, val, len)
					  : -EOPNOTSUPP;
	if (s->ops->setsockopt) {
		int r = s->ops->setsockopt(s, level, name, val, len);
		if (r != -ENOPROTOOPT)
			return r;
	}
	/* Every SOL_SOCKET option takes at least an int, checked before the name. */
	if (len < sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	unsigned flag = flag_of(name);
	if (flag) {
		set_flag(s, flag, v != 0);
		return 0;
	}
	switch (name) {
	case SO_SNDBUF:
		set_buf(&s->sndbuf, v, SOCK_WMEM_MAX, SOCK_MIN_SNDBUF, false);
		return 0;
	case SO_RCVBUF:
		set_buf(&s->rcvbuf, v, SOCK_RMEM_MAX, SOCK_MIN_RCVBUF, false);
		return 0;
	case SO_SNDBUFFORCE_K:
	case SO_RCVBUFFORCE_K:
		if (!capable(CAP_NET_ADMIN_K))
			return -EPERM;
		if (name == SO_SNDBUFFORCE_K)
			set_buf(&s->sndbuf, v, 0, SOCK_MIN_SNDBUF, true);
		else
			set_buf(&s->rcvbuf, v, 0, SOCK_MIN_RCVBUF, true);
		return 0;
	case SO_RCVLOWAT:
		if (v < 0)
			v = INT_MAX;
		__atomic_store_n(&s->rcvlowat, v ? v : 1, __ATOMIC_RELAXED);
		return 0;
	case SO_PRIORITY:
		if ((v < 0 || v > 6) && !capable(CAP_NET_RAW_K) && !capable(CAP_NET_ADMIN_K))
			return -EPERM;
		__atomic_store_n(&s->priority, v, __ATOMIC_RELAXED);
		return 0;
	case SO_LINGER: {
		struct linger l;
		if (len < sizeof(l))
			return -EINVAL;
		memcpy(&l, val, sizeof(l));
		if (l.l_onoff)
			__atomic_store_n(&s->linger_secs, l.l_linger, __ATOMIC_RELAXED);
		set_flag(s, SOCKOPT_LINGER, l.l_onoff != 0);
		return 0;
	}
	case SO_RCVTIMEO_OLD_K:
	case SO_RCVTIMEO_NEW_K:
		return set_timeo(s, true, val, len);
	case SO_SNDTIMEO_OLD_K:
	case SO_SNDTIMEO_NEW_K:
		return set_timeo(s, false, val, len);
	default:
		return -ENOPROTOOPT;
	}
}
