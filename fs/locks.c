/*
 * Advisory file locks in Sentry memory: flock(2), POSIX record locks and OFD locks.
 *
 * One mutex (locks_mu) guards every lock of the sandbox, and one condition wakes every
 * blocked locker whenever a lock goes or shrinks: the waiter then tries again from the
 * start, as Linux's waiters do after their blocker is released. Locking is rare and
 * short, so a single lock is simpler than per-inode ones and costs nothing measurable.
 *
 * Each locked file has a context (a hash table keyed by the inode pointer) with two lists:
 * the flock locks, and the record locks (POSIX and OFD together, since they conflict with
 * each other). Record locks are kept as Linux keeps them: an owner's locks side by side,
 * owners in the order they first locked, and within an owner disjoint ranges sorted by
 * start, with adjacent or overlapping ranges of the same type merged. F_GETLK reports the
 * first conflicting lock in that order, so the order is visible to the guest.
 */
#define _GNU_SOURCE
#include "fs/locks.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "fs/vfs.h"
#include "sentry/signal.h"

struct file_lock {
	struct file_lock *next;
	int type;	    /* F_RDLCK or F_WRLCK */
	int64_t start, end; /* inclusive; end LOCK_OFFSET_MAX: to the end of the file */
	const void *owner;  /* flock and OFD: the file description; POSIX: the fd table */
	pid_t pid;	    /* POSIX: the guest pid of the process that set it */
	bool ofd;
};

struct lock_ctx {
	struct lock_ctx *next; /* in its hash bucket */
	const void *key;
	struct file_lock *flocks;
	struct file_lock *records;
};

/* A POSIX owner blocked in F_SETLKW behind a lock that blocker holds: what deadlock
 * detection follows. OFD waiters are not recorded (Linux does not detect their cycles). */
struct lock_waiter {
	struct lock_waiter *next;
	const void *owner;
	const void *blocker;
};

#define CTX_BUCKETS 64
/* A bound on the Sentry memory the guest can pin with locks (a lock per byte of a large
 * range, alternating types, would otherwise grow without limit): past it, ENOLCK. */
#define MAX_LOCKS 100000
/* As Linux's MAX_DEADLK_ITERATIONS: longer chains are not followed. */
#define MAX_DEADLK_STEPS 10

static pthread_mutex_t locks_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t locks_cv = PTHREAD_COND_INITIALIZER;
static struct lock_ctx *ctx_table[CTX_BUCKETS];
static struct lock_waiter *waiters;
static long nlocks;

/* The inode is what locks are on; a description with none (the caller's stdio, a pipe
 * end) is its own key. */
static const void *lock_key(const struct file *f)
{
	return f->inode ? (const void *)f->inode : (const void *)f;
}

static struct lock_ctx **bucket_of(const void *key)
{
	uintptr_t h = (uintptr_t)key;
	h ^= h >> 17;
	h *= 0x9e3779b97f4a7c15ull;
	return &ctx_table[(h >> 32) % CTX_BUCKETS];
}

/* The context of key, created if create is set (NULL when missing or out of memory). */
static struct lock_ctx *ctx_find(const void *key, bool create)
{
	struct lock_ctx **b = bucket_of(key);
	for (struct lock_ctx *c = *b; c; c = c->next)
		if (c->key == key)
			return c;
	if (!create)
		return NULL;
	struct lock_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->key = key;
	c->next = *b;
	*b = c;
	return c;
}

/* Frees c once it holds no lock. */
static void ctx_release_if_empty(struct lock_ctx *c)
{
	if (c->flocks || c->records)
		return;
	struct lock_ctx **pp = bucket_of(c->key);
	while (*pp != c)
		pp = &(*pp)->next;
	*pp = c->next;
	free(c);
}

static struct file_lock *lock_alloc(void)
{
	if (nlocks >= MAX_LOCKS)
		return NULL;
	struct file_lock *l = calloc(1, sizeof(*l));
	if (l)
		nlocks++;
	return l;
}

static void lock_free(struct file_lock *l)
{
	if (!l)
		return;
	nlocks--;
	free(l);
}

static bool types_conflict(int a, int b)
{
	return a == F_WRLCK || b == F_WRLCK;
}

static bool overlaps(const struct file_lock *l, int64_t start, int64_t end)
{
	return l->start <= end && start <= l->end;
}

/* Frees every lock of list *pp that owner holds; true if any went. */
static bool remove_owned(struct file_lock **pp, const void *owner)
{
	bool any = false;
	while (*pp) {
		struct file_lock *l = *pp;
		if (l->owner == owner) {
			*pp = l->next;
			lock_free(l);
			any = true;
		} else {
			pp = &l->next;
		}
	}
	return any;
}

/* --- flock ------------------------------------------------------------------------------ */

static struct file_lock *flock_conflict(struct lock_ctx *c, const struct file *f, int type)
{
	for (struct file_lock *l = c->flocks; l; l = l->next)
		if (l->owner != f && types_conflict(l->type, type))
			return l;
	return NULL;
}

int locks_flock(struct task *t, struct file *f, int op)
{
	const void *key = lock_key(f);
	int type = (op & ~LOCK_NB) == LOCK_SH	? F_RDLCK
		   : (op & ~LOCK_NB) == LOCK_EX ? F_WRLCK
						: F_UNLCK;
	int err = 0;
	pthread_mutex_lock(&locks_mu);
	struct lock_ctx *c = ctx_find(key, false);
	/* The description's current lock: kept if it is already of this type; otherwise it
	 * goes first. So a conversion is not atomic (as in Linux and BSD): another waiter may
	 * get in between, and a LOCK_NB conversion that fails leaves no lock at all. */
	for (struct file_lock **pp = c ? &c->flocks : NULL; pp && *pp; pp = &(*pp)->next) {
		if ((*pp)->owner != f)
			continue;
		if ((*pp)->type == type)
			goto out;
		struct file_lock *old = *pp;
		*pp = old->next;
		lock_free(old);
		pthread_cond_broadcast(&locks_cv);
		break;
	}
	if (c)
		ctx_release_if_empty(c);
	if (type == F_UNLCK)
		goto out;
	for (;;) {
		/* The context may have gone while we slept: look it up again each time. */
		c = ctx_find(key, true);
		if (!c) {
			err = -ENOLCK;
			goto out;
		}
		if (!flock_conflict(c, f, type))
			break;
		if ((op & LOCK_NB) || !t) {
			err = -EWOULDBLOCK;
			goto out_release;
		}
		err = task_wait(t, &locks_mu, &locks_cv, NULL);
		if (err < 0)
			goto out; /* c may be gone: it was not created for us */
	}
	struct file_lock *nl = lock_alloc();
	if (!nl) {
		err = -ENOLCK;
		goto out_release;
	}
	nl->type = type;
	nl->start = 0;
	nl->end = LOCK_OFFSET_MAX;
	nl->owner = f;
	struct file_lock **tail = &c->flocks;
	while (*tail)
		tail = &(*tail)->next;
	*tail = nl;
	goto out;
out_release:
	ctx_release_if_empty(c);
out:
	pthread_mutex_unlock(&locks_mu);
	return err;
}

/* --- record locks ----------------------------------------------------------------------- */

int locks_flock_range(struct file *f, const struct guest_flock *gl, int64_t *start, int64_t *end)
{
	int64_t base;
	switch (gl->l_whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		/* Read without the position lock, as Linux reads f_pos here. */
		base = __atomic_load_n(&f->pos, __ATOMIC_RELAXED);
		break;
	case SEEK_END: {
		struct stat st;
		int err = f->inode		      ? vfs_getattr(f->inode, &st)
			  : (f->ops && f->ops->fstat) ? f->ops->fstat(f, &st)
						      : -EINVAL;
		if (err < 0)
			return err;
		base = st.st_size;
		break;
	}
	default:
		return -EINVAL;
	}
	if (base < 0)
		base = 0;
	if (gl->l_start > LOCK_OFFSET_MAX - base)
		return -EOVERFLOW;
	int64_t s = base + gl->l_start, e;
	if (s < 0)
		return -EINVAL;
	if (gl->l_len > 0) {
		if (gl->l_len - 1 > LOCK_OFFSET_MAX - s)
			return -EOVERFLOW;
		e = s + (gl->l_len - 1);
	} else if (gl->l_len < 0) {
		/* POSIX-2001: a negative length covers the bytes before l_start. */
		if (s + gl->l_len < 0)
			return -EINVAL;
		e = s - 1;
		s += gl->l_len;
	} else {
		e = LOCK_OFFSET_MAX;
	}
	*start = s;
	*end = e;
	return 0;
}

static struct file_lock *record_conflict(struct lock_ctx *c, const void *owner, int type,
					 int64_t start, int64_t end)
{
	for (struct file_lock *l = c->records; l; l = l->next)
		if (l->owner != owner && overlaps(l, start, end) && types_conflict(l->type, type))
			return l;
	return NULL;
}

/* Would owner, by waiting for a lock holder holds, close a cycle of POSIX waiters? */
static bool posix_deadlock(const void *owner, const void *holder)
{
	for (int i = 0; i <= MAX_DEADLK_STEPS; i++) {
		const struct lock_waiter *w = waiters;
		while (w && w->owner != holder)
			w = w->next;
		if (!w)
			return false;
		holder = w->blocker;
		if (holder == owner)
			return true;
	}
	return false;
}

/*
 * Makes owner's locks on [s, e] be of type (F_UNLCK: none), with no conflict left to
 * check. Spare records are allocated first so that nothing fails half-way: the new lock,
 * and the right-hand piece when an existing lock is split around the range.
 */
static int records_apply(struct lock_ctx *c, const struct lock_owner *o, int type, int64_t s,
			 int64_t e)
{
	struct file_lock *spare_new = NULL, *spare_right = lock_alloc();
	if (spare_right && type != F_UNLCK)
		spare_new = lock_alloc();
	if (!spare_right || (type != F_UNLCK && !spare_new)) {
		lock_free(spare_right);
		lock_free(spare_new);
		return -ENOLCK;
	}
	/* Where owner's group starts (or would start: at the end). Removing the owner's
	 * locks never removes this link, which belongs to another owner's lock or the head. */
	struct file_lock **group = &c->records;
	while (*group && (*group)->owner != o->id)
		group = &(*group)->next;

	/* A lock of the same type that touches or overlaps the range joins it. Comparing
	 * with start - 1 (never end + 1) cannot overflow: starts are >= 0. */
	if (type != F_UNLCK) {
		for (struct file_lock *l = *group; l && l->owner == o->id; l = l->next) {
			if (l->type == type && l->end >= s - 1 && l->start - 1 <= e) {
				if (l->start < s)
					s = l->start;
				if (l->end > e)
					e = l->end;
			}
		}
	}
	/* Cut [s, e] out of the owner's locks: trim, split or remove each one it touches. */
	struct file_lock **pp = group;
	while (*pp && (*pp)->owner == o->id) {
		struct file_lock *l = *pp;
		if (!overlaps(l, s, e)) {
			pp = &l->next;
		} else if (l->start < s && l->end > e) {
			struct file_lock *r = spare_right;
			spare_right = NULL;
			*r = *l;
			r->start = e + 1;
			l->end = s - 1;
			l->next = r;
			pp = &r->next;
		} else if (l->start < s) {
			l->end = s - 1;
			pp = &l->next;
		} else if (l->end > e) {
			l->start = e + 1;
			pp = &l->next;
		} else {
			*pp = l->next;
			lock_free(l);
		}
	}
	if (type != F_UNLCK) {
		struct file_lock *nl = spare_new;
		spare_new = NULL;
		nl->type = type;
		nl->start = s;
		nl->end = e;
		nl->owner = o->id;
		nl->pid = o->pid;
		nl->ofd = o->ofd;
		pp = group;
		while (*pp && (*pp)->owner == o->id && (*pp)->start < s)
			pp = &(*pp)->next;
		nl->next = *pp;
		*pp = nl;
	}
	lock_free(spare_right);
	lock_free(spare_new);
	/* Something may have been released or downgraded: waiters look again. */
	pthread_cond_broadcast(&locks_cv);
	return 0;
}

int locks_posix_set(struct task *t, struct file *f, const struct lock_owner *o, int type,
		    int64_t start, int64_t end, bool wait)
{
	const void *key = lock_key(f);
	struct lock_waiter me = {.owner = o->id};
	bool queued = false;
	int err;
	pthread_mutex_lock(&locks_mu);
	for (;;) {
		struct lock_ctx *c = ctx_find(key, type != F_UNLCK);
		if (!c) {
			err = type == F_UNLCK ? 0 : -ENOLCK;
			break;
		}
		struct file_lock *conflict =
		    type == F_UNLCK ? NULL : record_conflict(c, o->id, type, start, end);
		if (!conflict) {
			err = records_apply(c, o, type, start, end);
			ctx_release_if_empty(c);
			break;
		}
		/* A conflict: c holds a lock, so it stays. */
		if (!wait || !t) {
			err = -EAGAIN;
			break;
		}
		if (!o->ofd) {
			if (posix_deadlock(o->id, conflict->owner)) {
				err = -EDEADLK;
				break;
			}
			me.blocker = conflict->owner;
			if (!queued) {
				me.next = waiters;
				waiters = &me;
				queued = true;
			}
		}
		err = task_wait(t, &locks_mu, &locks_cv, NULL);
		if (err < 0)
			break;
	}
	if (queued) {
		struct lock_waiter **pp = &waiters;
		while (*pp != &me)
			pp = &(*pp)->next;
		*pp = me.next;
	}
	pthread_mutex_unlock(&locks_mu);
	return err;
}

void locks_posix_test(struct file *f, const struct lock_owner *o, int type, int64_t start,
		      int64_t end, struct guest_flock *gl)
{
	pthread_mutex_lock(&locks_mu);
	struct lock_ctx *c = ctx_find(lock_key(f), false);
	struct file_lock *l = c ? record_conflict(c, o->id, type, start, end) : NULL;
	if (!l) {
		gl->l_type = F_UNLCK;
	} else {
		gl->l_type = (int16_t)l->type;
		gl->l_whence = SEEK_SET;
		gl->l_start = l->start;
		gl->l_len = l->end == LOCK_OFFSET_MAX ? 0 : l->end - l->start + 1;
		gl->l_pid = l->ofd ? -1 : l->pid;
	}
	pthread_mutex_unlock(&locks_mu);
}

void locks_remove_posix(struct file *f, const void *owner)
{
	pthread_mutex_lock(&locks_mu);
	struct lock_ctx *c = ctx_find(lock_key(f), false);
	if (c && remove_owned(&c->records, owner)) {
		ctx_release_if_empty(c);
		pthread_cond_broadcast(&locks_cv);
	}
	pthread_mutex_unlock(&locks_mu);
}

void locks_remove_file(struct file *f)
{
	pthread_mutex_lock(&locks_mu);
	struct lock_ctx *c = ctx_find(lock_key(f), false);
	if (c) {
		bool any = remove_owned(&c->flocks, f);
		any |= remove_owned(&c->records, f);
		if (lock_key(f) == f) {
			/* Nothing else can reach this key again. */
			while (c->records) {
				struct file_lock *l = c->records;
				c->records = l->next;
				lock_free(l);
			}
		}
		ctx_release_if_empty(c);
		if (any)
			pthread_cond_broadcast(&locks_cv);
	}
	pthread_mutex_unlock(&locks_mu);
}

long locks_count(void)
{
	pthread_mutex_lock(&locks_mu);
	long n = nlocks;
	pthread_mutex_unlock(&locks_mu);
	return n;
}
