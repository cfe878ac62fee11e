/*
 * futex(2) for a single-threaded guest: no other guest thread exists yet, so there is never
 * a waiter to wake or requeue, and a wait can only end by its timeout. Every operation still
 * checks its arguments in the kernel's order and with its errnos, and FUTEX_WAKE_OP still
 * performs its operation on the guest's word. Real wait queues come with threads.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "sentry/log.h"
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
	static atomic_bool warned;
	uint32_t cur;
	int err;

	if (bitset == 0)
		return -EINVAL;
	err = futex_key(t, uaddr, shared);
	if (err)
		return err;
	if (copy_from_guest(t, &cur, uaddr, sizeof(cur)))
		return -EFAULT;
	if (cur != val)
		return -EAGAIN;
	if (!timeout) {
		/* A single-threaded program waiting forever on its own word would hang; EINTR
		 * lets its libc loop re-check. Logged once per Sentry: callers retry. */
		if (!atomic_exchange(&warned, true))
			log_warn("futex: task %d waits with no timeout and no other thread to "
				 "wake it: returning EINTR",
				 t->tid);
		return -EINTR;
	}
	err = clock_nanosleep(clk, absolute ? TIMER_ABSTIME : 0, timeout, NULL);
	if (err == EINTR)
		return -EINTR;
	if (err)
		return -err;
	return -ETIMEDOUT;
}

/* The kernel's futex_atomic_op_inuser: applies the encoded op to *uaddr and returns the
 * comparison with the old value (0 or 1), or -errno. Plain read-then-write is atomic while
 * the guest has one thread, stopped in this syscall. */
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

/* FUTEX_REQUEUE and FUTEX_CMP_REQUEUE: nothing waits, so nothing moves; 0 tasks. */
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
	if (cmpval) {
		if (copy_from_guest(t, &cur, uaddr, sizeof(cur)))
			return -EFAULT;
		if (cur != *cmpval)
			return -EAGAIN;
	}
	return 0;
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
		return ret ? ret : 0; /* no waiters exist */
	case FUTEX_REQUEUE:
		return futex_requeue(t, uaddr, uaddr2, shared, (int)val, (int)val2, NULL);
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(t, uaddr, uaddr2, shared, (int)val, (int)val2, &val3);
	case FUTEX_WAKE_OP:
		ret = futex_key(t, uaddr, shared);
		if (!ret)
			ret = futex_key(t, uaddr2, shared);
		if (!ret)
			ret = futex_atomic_op(t, val3, uaddr2);
		return ret < 0 ? ret : 0; /* woken: none on either word */
	default:
		/* The priority-inheritance ops (LOCK_PI, LOCK_PI2, UNLOCK_PI, TRYLOCK_PI,
		 * WAIT_REQUEUE_PI, CMP_REQUEUE_PI) need an owner-tid protocol over a real
		 * process table: ENOSYS, as from a kernel built without them, until then.
		 * Unknown commands are ENOSYS in Linux too. */
		return -ENOSYS;
	}
}
