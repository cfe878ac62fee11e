/*
 * futex(2): the Sentry's own wait queue. Every operation checks its arguments in the
 * kernel's order and with its errnos.
 *
 * One lock and one condition serve every futex of the Sentry: a wake marks its waiters and
 * broadcasts, each waiter checks its own mark. Simple and correct; the thundering herd is the
 * price until it shows in a benchmark. A futex's key is (address space, address) for private
 * futexes and for shared ones in private memory; a shared futex in a shared mapping (a
 * MAP_SHARED file, shared anonymous memory, POSIX shm and semaphores in /dev/shm) is keyed by
 * (inode, file offset), as Linux keys it by the page's backing object, so processes that map
 * the same pages at different addresses meet. FUTEX_WAKE_OP's read-modify-write of the second
 * word is not atomic against guest threads running at that moment (documented).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>
#include <time.h>

#include "sentry/futex.h"
#include "sentry/log.h"
#include "sentry/mm.h"
#include "sentry/signal.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

#define NSEC_PER_SEC 1000000000L

_Static_assert(sizeof(struct timespec) == 16, "guest and host timespec differ");

/* The kernel's get_futex_key checks: a naturally aligned user address (EINVAL, then EFAULT
 * for kernel addresses). A shared futex is also looked up in the page tables, so an
 * unmapped word is EFAULT; a private one is not touched. */
static int futex_key(struct task *t, uint64_t uaddr, bool shared)
{
	uint32_t v;
	if (uaddr % sizeof(uint32_t))
		return -EINVAL;
	if ((int64_t)uaddr < 0)
		return -EFAULT;
	if (shared && copy_from_guest(t, &v, uaddr, sizeof(v)))
		return -EFAULT;
	return 0;
}

struct futex_waiter {
	const void *mm; /* the key (struct fkey): an address space or a shared inode */
	uint64_t addr;	/* ... and the address or the file offset */
	uint32_t bitset;
	bool woken;
	struct futex_waiter *next;
};

static pthread_mutex_t fq_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fq_cv;
static pthread_once_t fq_once = PTHREAD_ONCE_INIT;
static struct futex_waiter *fq_head;

static void fq_init(void)
{
	cond_init_monotonic(&fq_cv);
}

struct fkey {
	const void *obj; /* an address space, or the inode of a shared mapping */
	uint64_t off;	 /* the address in it, or the offset in the file */
};

static struct fkey key_of(struct task *t, uint64_t uaddr, bool shared)
{
	struct fkey k = {t->mm, uaddr};
	if (shared && t->mm)
		mm_shared_key(t->mm, uaddr, &k.obj, &k.off);
	return k;
}

static void fq_remove(struct futex_waiter *w)
{
	for (struct futex_waiter **p = &fq_head; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			return;
		}
	}
}

/* Wakes up to n waiters on (mm, addr) whose bitset meets bitset; caller holds fq_lock. */
static int fq_wake(struct fkey k, int n, uint32_t bitset)
{
	const void *mm = k.obj;
	uint64_t addr = k.off;
	int woken = 0;
	for (struct futex_waiter **p = &fq_head; *p && woken < n;) {
		struct futex_waiter *w = *p;
		if (w->mm == mm && w->addr == addr && (w->bitset & bitset)) {
			*p = w->next;
			w->woken = true;
			woken++;
		} else {
			p = &w->next;
		}
	}
	if (woken)
		pthread_cond_broadcast(&fq_cv);
	return woken;
}

/* A CLOCK_MONOTONIC deadline for the wait's timeout. */
static struct timespec deadline_of(const struct timespec *timeout, bool absolute, clockid_t clk)
{
	struct timespec now, d;
	if (absolute && clk == CLOCK_MONOTONIC)
		return *timeout;
	clock_gettime(CLOCK_MONOTONIC, &now);
	d = *timeout;
	if (absolute) { /* CLOCK_REALTIME: convert through the current offset */
		struct timespec rt;
		clock_gettime(CLOCK_REALTIME, &rt);
		d.tv_sec -= rt.tv_sec;
		d.tv_nsec -= rt.tv_nsec;
		if (d.tv_nsec < 0) {
			d.tv_sec--;
			d.tv_nsec += NSEC_PER_SEC;
		}
		if (d.tv_sec < 0)
			d.tv_sec = d.tv_nsec = 0;
	}
	d.tv_sec += now.tv_sec;
	d.tv_nsec += now.tv_nsec;
	if (d.tv_nsec >= NSEC_PER_SEC) {
		d.tv_sec++;
		d.tv_nsec -= NSEC_PER_SEC;
	}
	return d;
}

/* Wakes waiters of the futex word at addr in t's address space (CLONE_CHILD_CLEARTID). */
void futex_wake_addr(struct task *t, uint64_t addr, int n)
{
	pthread_once(&fq_once, fq_init);
	pthread_mutex_lock(&fq_lock);
	/* Linux wakes the CLEARTID word as a shared futex: it may live in shared memory. */
	struct fkey k = key_of(t, addr, true);
	fq_wake(k, n, FUTEX_BITSET_MATCH_ANY);
	pthread_mutex_unlock(&fq_lock);
}

static bool cmd_has_timeout(int cmd)
{
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
	case FUTEX_WAIT_BITSET:
	case FUTEX_WAIT_REQUEUE_PI:
		return true;
	default:
		return false;
	}
}

/* FUTEX_WAIT and FUTEX_WAIT_BITSET. No one can change the word or wake the caller, so the
 * call sleeps out its timeout (relative on CLOCK_MONOTONIC for WAIT; absolute for
 * WAIT_BITSET, on CLOCK_REALTIME when asked) and times out. */
static long futex_wait(struct task *t, uint64_t uaddr, bool shared, uint32_t val,
		       const struct timespec *timeout, bool absolute, clockid_t clk,
		       uint32_t bitset)
{
	uint32_t cur;
	int err;
	struct timespec dl;

	if (bitset == 0)
		return -EINVAL;
	err = futex_key(t, uaddr, shared);
	if (err)
		return err;
	if (timeout)
		dl = deadline_of(timeout, absolute, clk);
	struct fkey k = key_of(t, uaddr, shared);
	struct futex_waiter w = {k.obj, k.off, bitset, false, NULL};
	pthread_once(&fq_once, fq_init);
	pthread_mutex_lock(&fq_lock);
	/* Read under the queue lock: a waker changes the word first, then takes the lock. */
	if (copy_from_guest(t, &cur, uaddr, sizeof(cur))) {
		pthread_mutex_unlock(&fq_lock);
		return -EFAULT;
	}
	if (cur != val) {
		pthread_mutex_unlock(&fq_lock);
		return -EAGAIN;
	}
	w.next = fq_head;
	fq_head = &w;
	err = 0;
	while (!w.woken && err == 0)
		err = task_wait(t, &fq_lock, &fq_cv, timeout ? &dl : NULL);
	if (!w.woken)
		fq_remove(&w);
	pthread_mutex_unlock(&fq_lock);
	if (w.woken)
		return 0;
	return err == -ETIMEDOUT ? -ETIMEDOUT : -EINTR;
}

/* The kernel's futex_atomic_op_inuser: applies the encoded op to *uaddr and returns the
 * comparison with the old value (0 or 1), or -errno. Called under the futex queue lock; the
 * read-then-write is atomic against other futex calls, not against guest threads running
 * at that moment (a documented limit). */
static long futex_atomic_op(struct task *t, uint32_t encoded, uint64_t uaddr)
{
	unsigned op = (encoded >> 28) & 7;
	unsigned cmp = (encoded >> 24) & 15;
	/* 12-bit signed fields, sign-extended without shifting negative values */
	int32_t oparg = (int32_t)((encoded >> 12) & 0xfff);
	int32_t cmparg = (int32_t)(encoded & 0xfff);
	int32_t old, new;
	if (oparg & 0x800)
		oparg -= 0x1000;
	if (cmparg & 0x800)
		cmparg -= 0x1000;

	if (encoded & ((uint32_t)FUTEX_OP_OPARG_SHIFT << 28))
		oparg = (int32_t)(1U << (oparg & 31)); /* the kernel masks bad shifts too */
	if (op > FUTEX_OP_XOR)
		return -ENOSYS;
	if (copy_from_guest(t, &old, uaddr, sizeof(old)))
		return -EFAULT;
	switch (op) {
	case FUTEX_OP_SET:
		new = oparg;
		break;
	case FUTEX_OP_ADD:
		new = (int32_t)((uint32_t)old + (uint32_t)oparg);
		break;
	case FUTEX_OP_OR:
		new = old | oparg;
		break;
	case FUTEX_OP_ANDN:
		new = old & ~oparg;
		break;
	default: /* FUTEX_OP_XOR */
		new = old ^ oparg;
		break;
	}
	if (copy_to_guest(t, uaddr, &new, sizeof(new)))
		return -EFAULT;
	switch (cmp) {
	case FUTEX_OP_CMP_EQ:
		return old == cmparg;
	case FUTEX_OP_CMP_NE:
		return old != cmparg;
	case FUTEX_OP_CMP_LT:
		return old < cmparg;
	case FUTEX_OP_CMP_GE:
		return old >= cmparg;
	case FUTEX_OP_CMP_LE:
		return old <= cmparg;
	case FUTEX_OP_CMP_GT:
		return old > cmparg;
	default:
		return -ENOSYS; /* after the write, as in the kernel */
	}
}

/* FUTEX_REQUEUE and FUTEX_CMP_REQUEUE: wake nr_wake, move up to nr_requeue to uaddr2;
 * returns the number woken plus the number moved. */
static long futex_requeue(struct task *t, uint64_t uaddr, uint64_t uaddr2, bool shared, int nr_wake,
			  int nr_requeue, const uint32_t *cmpval)
{
	uint32_t cur;
	int err;
	if (nr_wake < 0 || nr_requeue < 0)
		return -EINVAL;
	err = futex_key(t, uaddr, shared);
	if (!err)
		err = futex_key(t, uaddr2, shared);
	if (err)
		return err;
	struct fkey k1 = key_of(t, uaddr, shared), k2 = key_of(t, uaddr2, shared);
	pthread_once(&fq_once, fq_init);
	pthread_mutex_lock(&fq_lock);
	if (cmpval) {
		if (copy_from_guest(t, &cur, uaddr, sizeof(cur))) {
			pthread_mutex_unlock(&fq_lock);
			return -EFAULT;
		}
		if (cur != *cmpval) {
			pthread_mutex_unlock(&fq_lock);
			return -EAGAIN;
		}
	}
	long n = fq_wake(k1, nr_wake, FUTEX_BITSET_MATCH_ANY);
	for (struct futex_waiter *w = fq_head; w && nr_requeue > 0; w = w->next) {
		if (w->mm == k1.obj && w->addr == k1.off) {
			w->mm = k2.obj;
			w->addr = k2.off;
			nr_requeue--;
			n++;
		}
	}
	pthread_mutex_unlock(&fq_lock);
	return n;
}

long sys_futex(struct task *t, const uint64_t a[6])
{
	uint64_t uaddr = a[0];
	int op = (int)a[1];
	uint32_t val = (uint32_t)a[2];
	uint64_t utime = a[3];
	uint64_t uaddr2 = a[4];
	uint32_t val2 = (uint32_t)a[3]; /* the timeout slot carries a count for some ops */
	uint32_t val3 = (uint32_t)a[5];
	int cmd = op & FUTEX_CMD_MASK;
	bool shared = !(op & FUTEX_PRIVATE_FLAG);
	bool realtime = op & FUTEX_CLOCK_REALTIME;
	struct timespec ts, *timeout = NULL;
	long ret;

	/* The timeout is read and checked before anything else, for every op that has one. */
	if (utime && cmd_has_timeout(cmd)) {
		if (copy_from_guest(t, &ts, utime, sizeof(ts)))
			return -EFAULT;
		if (ts.tv_sec < 0 || (uint64_t)ts.tv_nsec >= (uint64_t)NSEC_PER_SEC)
			return -EINVAL;
		timeout = &ts;
	}
	if (realtime && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT_REQUEUE_PI &&
	    cmd != FUTEX_LOCK_PI2)
		return -ENOSYS;

	switch (cmd) {
	case FUTEX_WAIT:
		return futex_wait(t, uaddr, shared, val, timeout, false, CLOCK_MONOTONIC,
				  FUTEX_BITSET_MATCH_ANY);
	case FUTEX_WAIT_BITSET:
		return futex_wait(t, uaddr, shared, val, timeout, true,
				  realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC, val3);
	case FUTEX_WAKE:
		val3 = FUTEX_BITSET_MATCH_ANY;
		/* fall through */
	case FUTEX_WAKE_BITSET:
		if (val3 == 0)
			return -EINVAL;
		ret = futex_key(t, uaddr, shared);
		if (ret)
			return ret;
		struct fkey k = key_of(t, uaddr, shared);
		pthread_once(&fq_once, fq_init);
		pthread_mutex_lock(&fq_lock);
		ret = fq_wake(k, (int)val, val3);
		pthread_mutex_unlock(&fq_lock);
		return ret;
	case FUTEX_REQUEUE:
		return futex_requeue(t, uaddr, uaddr2, shared, (int)val, (int)val2, NULL);
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(t, uaddr, uaddr2, shared, (int)val, (int)val2, &val3);
	case FUTEX_WAKE_OP:
		ret = futex_key(t, uaddr, shared);
		if (!ret)
			ret = futex_key(t, uaddr2, shared);
		if (ret)
			return ret;
		struct fkey k1 = key_of(t, uaddr, shared), k2 = key_of(t, uaddr2, shared);
		pthread_once(&fq_once, fq_init);
		pthread_mutex_lock(&fq_lock);
		ret = futex_atomic_op(t, val3, uaddr2);
		if (ret >= 0) {
			long n = fq_wake(k1, (int)val, FUTEX_BITSET_MATCH_ANY);
			if (ret > 0)
				n += fq_wake(k2, (int)val2, FUTEX_BITSET_MATCH_ANY);
			ret = n;
		}
		pthread_mutex_unlock(&fq_lock);
		return ret;
	default:
		/* The priority-inheritance ops (LOCK_PI, LOCK_PI2, UNLOCK_PI, TRYLOCK_PI,
		 * WAIT_REQUEUE_PI, CMP_REQUEUE_PI) need an owner-tid protocol over a real
		 * process table: ENOSYS, as from a kernel built without them, until then.
		 * Unknown commands are ENOSYS in Linux too. */
		return -ENOSYS;
	}
}

/* At a thread's exit, the robust futexes it still holds are marked FUTEX_OWNER_DIED and one
 * waiter of each is woken, as Linux's exit_robust_list: the list lives in guest memory and is
 * hostile, so every read is checked and the walk is bounded (ROBUST_LIST_LIMIT). */
#define ROBUST_LIST_LIMIT 2048

static void robust_release(struct task *t, uint64_t uaddr)
{
	uint32_t v;
	if (uaddr % 4 || copy_from_guest(t, &v, uaddr, sizeof(v)) < 0)
		return;
	if ((v & FUTEX_TID_MASK) != (uint32_t)t->tid)
		return;
	uint32_t nv = (v & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
	struct fkey k = key_of(t, uaddr, true); /* robust mutexes may be process-shared */
	pthread_once(&fq_once, fq_init);
	pthread_mutex_lock(&fq_lock);
	if (copy_to_guest(t, uaddr, &nv, sizeof(nv)) == 0 && (v & FUTEX_WAITERS))
		fq_wake(k, 1, FUTEX_BITSET_MATCH_ANY);
	pthread_mutex_unlock(&fq_lock);
}

void futex_exit_robust_list(struct task *t)
{
	struct {
		uint64_t next;
		int64_t futex_offset;
		uint64_t pending;
	} head;
	if (!t->robust_list || copy_from_guest(t, &head, t->robust_list, sizeof(head)) < 0)
		return;
	uint64_t entry = head.next;
	for (int n = 0; entry && entry != t->robust_list && n < ROBUST_LIST_LIMIT; n++) {
		uint64_t next;
		if (copy_from_guest(t, &next, entry & ~1ULL, sizeof(next)) < 0)
			return;
		if ((entry & ~1ULL) != head.pending)
			robust_release(t, (entry & ~1ULL) + (uint64_t)head.futex_offset);
		entry = next;
	}
	if (head.pending)
		robust_release(t, (head.pending & ~1ULL) + (uint64_t)head.futex_offset);
}
