/*
 * Scheduling: affinity, nice values, policies and parameters, getcpu, as Linux 6.x checks
 * them. The guest's threads run on the host's scheduler as the Sentry placed them; what the
 * guest asks for is checked and recorded, never applied to the host (a guest must not make
 * its host threads more important, and making them less is a policy the Sentry owns).
 *
 * The recorded nice value and policy of each guest thread live in its struct task, under
 * sb->lock (any thread may change another's); fork copies them, honouring
 * SCHED_RESET_ON_FORK (sys_fork.c). Capabilities are the guest fiction: euid 0 holds
 * CAP_SYS_NICE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "sentry/process.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

#define MIN_NICE	   (-20)
#define MAX_NICE	   19
#define MAX_RT_PRIO	   100
#define SCHED_DEADLINE_K   6
#define RESET_ON_FORK	   0x40000000
#define AFFINITY_MAX_BYTES 1024U /* NR_CPUS <= 8192 on x86_64 */

/* A thread's recorded scheduling attributes. */
struct sched_attr_rec {
	int nice;
	int policy;
	bool reset_on_fork;
};

/* The thread pid names: the caller for 0. Caller holds sb->lock. */
static struct task *find_target(struct task *t, pid_t pid)
{
	if (pid == 0 || pid == t->tid)
		return t;
	return process_find_thread(t->sb, pid);
}

/* p's recorded values. Caller holds sb->lock. */
static struct sched_attr_rec rec_get(const struct task *p)
{
	return (struct sched_attr_rec){p->nice, p->sched_policy, p->sched_reset_on_fork};
}

/* Stores r for p. Caller holds sb->lock. */
static void rec_put(struct task *p, const struct sched_attr_rec *r)
{
	p->nice = r->nice;
	p->sched_policy = r->policy;
	p->sched_reset_on_fork = r->reset_on_fork;
}

static bool capable_sys_nice(const struct task *t)
{
	return t->cred.euid == 0;
}

/* The kernel's check_same_owner. */
static bool same_owner(const struct task *t, const struct task *p)
{
	return t->cred.euid == p->cred.euid || t->cred.euid == p->cred.ruid;
}

/* The kernel's is_nice_reduction / can_nice without the capability: RLIMIT_NICE allows it. */
static bool nice_allowed(const struct task *p, int nice)
{
	return (rlim_t)(20 - nice) <= p->rlim[RLIMIT_NICE].rlim_cur;
}

/* ---- affinity ------------------------------------------------------------------------- */

/* Linux 6.x: the mask is copied first (a short one is zero-extended, a long one cut to
 * cpumask_size()), then the pid (ESRCH), the owner (EPERM), and the mask must leave at least
 * one CPU of the sandbox's set (EINVAL). The mask is accepted, not enforced. */
long sys_sched_setaffinity(struct task *t, const uint64_t a[6])
{
	pid_t pid = (pid_t)a[0];
	unsigned len = (unsigned)a[1];
	uint64_t host[AFFINITY_MAX_BYTES / 8], want[AFFINITY_MAX_BYTES / 8];
	long size = syscall(SYS_sched_getaffinity, 0, sizeof(host), host);
	long err = 0;

	if (size < 0)
		return -errno;
	memset(want, 0, sizeof(want));
	if (copy_from_guest(t, want, a[2], len < (unsigned long)size ? len : (size_t)size))
		return -EFAULT;

	pthread_mutex_lock(&t->sb->lock);
	struct task *p = find_target(t, pid);
	if (!p)
		err = -ESRCH;
	else if (!same_owner(t, p) && !capable_sys_nice(t))
		err = -EPERM;
	pthread_mutex_unlock(&t->sb->lock);
	if (err)
		return err;

	/* The guest's view is the CPUs the sandbox started with (the Sentry pins its own
	 * threads, so its current affinity is not the guest's). */
	bool any = false;
	for (int cpu = 0; cpu < CPU_SETSIZE && cpu < size * 8; cpu++)
		any |= CPU_ISSET(cpu, &t->sb->cpus) && (want[cpu / 64] >> (cpu % 64) & 1);
	return any ? 0 : -EINVAL;
}

/* ---- nice values ---------------------------------------------------------------------- */

struct prio_op {
	bool set;
	int nice;    /* set: the new value */
	long result; /* -ESRCH until a thread matches; get: the highest 20 - nice */
};

/* The kernel's set_one_prio / the loop body of getpriority. Caller holds sb->lock. */
static void prio_one(struct task *t, struct task *p, struct prio_op *op)
{
	struct sched_attr_rec r = rec_get(p);
	if (!op->set) {
		if (20 - r.nice > op->result)
			op->result = 20 - r.nice;
		return;
	}
	if (p->cred.ruid != t->cred.euid && p->cred.euid != t->cred.euid && !capable_sys_nice(t)) {
		op->result = -EPERM;
		return;
	}
	if (op->nice < r.nice && !nice_allowed(p, op->nice) && !capable_sys_nice(t)) {
		op->result = -EACCES;
		return;
	}
	r.nice = op->nice;
	rec_put(p, &r);
	if (op->result == -ESRCH)
		op->result = 0;
}

static long do_priority(struct task *t, int which, int who, struct prio_op *op)
{
	struct sandbox *sb = t->sb;
	if (which < PRIO_PROCESS || which > PRIO_USER)
		return -EINVAL;
	op->result = -ESRCH;
	pthread_mutex_lock(&sb->lock);
	if (which == PRIO_PROCESS) {
		struct task *p = find_target(t, who);
		if (p)
			prio_one(t, p, op);
	} else {
		pid_t pgid = which == PRIO_PGRP && !who ? t->pgid : who;
		uid_t uid = which == PRIO_USER && !who ? t->cred.ruid : (uid_t)who;
		for (struct process *pr = sb->procs; pr; pr = pr->next_all)
			for (struct task *p = pr->threads; p; p = p->next_thread)
				if (which == PRIO_PGRP ? pr->pgid == pgid : p->cred.ruid == uid)
					prio_one(t, p, op);
	}
	pthread_mutex_unlock(&sb->lock);
	return op->result;
}

long sys_getpriority(struct task *t, const uint64_t a[6])
{
	struct prio_op op = {.set = false};
	return do_priority(t, (int)a[0], (int)a[1], &op);
}

long sys_setpriority(struct task *t, const uint64_t a[6])
{
	int nice = (int)a[2];
	if (nice < MIN_NICE)
		nice = MIN_NICE;
	if (nice > MAX_NICE)
		nice = MAX_NICE;
	struct prio_op op = {.set = true, .nice = nice};
	return do_priority(t, (int)a[0], (int)a[1], &op);
}

/* ---- policies and parameters ---------------------------------------------------------- */

static bool valid_policy(int policy)
{
	return policy == SCHED_OTHER || policy == SCHED_FIFO || policy == SCHED_RR ||
	       policy == SCHED_BATCH || policy == SCHED_IDLE || policy == SCHED_DEADLINE_K;
}

/* The kernel's __sched_setscheduler for a user caller; policy -1 keeps the current one
 * (sched_setparam). Real-time and deadline policies are refused with EPERM even for root:
 * the Sentry does not give guest threads real-time priority on the host. */
static long set_scheduler(struct task *t, pid_t pid, int policy, uint64_t uparam)
{
	struct sched_param sp;
	long err = 0;

	if (!uparam || pid < 0)
		return -EINVAL;
	if (copy_from_guest(t, &sp, uparam, sizeof(sp)))
		return -EFAULT;
	pthread_mutex_lock(&t->sb->lock);
	struct task *p = find_target(t, pid);
	if (!p) {
		err = -ESRCH;
		goto out;
	}
	struct sched_attr_rec r = rec_get(p);
	bool reset = r.reset_on_fork;
	if (policy >= 0) {
		reset = (policy & RESET_ON_FORK) != 0;
		policy &= ~RESET_ON_FORK;
		if (!valid_policy(policy)) {
			err = -EINVAL;
			goto out;
		}
	} else {
		policy = r.policy;
	}
	bool rt = policy == SCHED_FIFO || policy == SCHED_RR;
	if ((unsigned)sp.sched_priority > MAX_RT_PRIO - 1 || policy == SCHED_DEADLINE_K ||
	    rt != (sp.sched_priority != 0)) {
		err = -EINVAL;
		goto out;
	}
	if (rt) {
		err = -EPERM;
		goto out;
	}
	bool priv = capable_sys_nice(t);
	if (!priv &&
	    ((r.policy == SCHED_IDLE && policy != SCHED_IDLE && !nice_allowed(p, r.nice)) ||
	     !same_owner(t, p) || (r.reset_on_fork && !reset))) {
		err = -EPERM;
		goto out;
	}
	r.policy = policy;
	r.reset_on_fork = reset;
	rec_put(p, &r);
out:
	pthread_mutex_unlock(&t->sb->lock);
	return err;
}

long sys_sched_setscheduler(struct task *t, const uint64_t a[6])
{
	int policy = (int)a[1];
	if (policy < 0)
		return -EINVAL;
	return set_scheduler(t, (pid_t)a[0], policy, a[2]);
}

long sys_sched_setparam(struct task *t, const uint64_t a[6])
{
	return set_scheduler(t, (pid_t)a[0], -1, a[1]);
}

/* Looks pid up for the query calls: 0 and its record, or -EINVAL/-ESRCH. */
static long query(struct task *t, pid_t pid, struct sched_attr_rec *r)
{
	long err = 0;
	if (pid < 0)
		return -EINVAL;
	pthread_mutex_lock(&t->sb->lock);
	struct task *p = find_target(t, pid);
	if (p)
		*r = rec_get(p);
	else
		err = -ESRCH;
	pthread_mutex_unlock(&t->sb->lock);
	return err;
}

long sys_sched_getscheduler(struct task *t, const uint64_t a[6])
{
	struct sched_attr_rec r;
	long err = query(t, (pid_t)a[0], &r);
	if (err)
		return err;
	return r.policy | (r.reset_on_fork ? RESET_ON_FORK : 0);
}

long sys_sched_getparam(struct task *t, const uint64_t a[6])
{
	struct sched_attr_rec r;
	if (!a[1])
		return -EINVAL;
	long err = query(t, (pid_t)a[0], &r);
	if (err)
		return err;
	struct sched_param sp = {.sched_priority = 0}; /* never a real-time policy */
	return copy_to_guest(t, a[1], &sp, sizeof(sp));
}

long sys_sched_get_priority_max(struct task *t, const uint64_t a[6])
{
	int policy = (int)a[0];
	if (policy == SCHED_FIFO || policy == SCHED_RR)
		return MAX_RT_PRIO - 1;
	if (policy == SCHED_OTHER || policy == SCHED_BATCH || policy == SCHED_IDLE ||
	    policy == SCHED_DEADLINE_K)
		return 0;
	return -EINVAL;
}

long sys_sched_get_priority_min(struct task *t, const uint64_t a[6])
{
	int policy = (int)a[0];
	if (policy == SCHED_FIFO || policy == SCHED_RR)
		return 1;
	if (policy == SCHED_OTHER || policy == SCHED_BATCH || policy == SCHED_IDLE ||
	    policy == SCHED_DEADLINE_K)
		return 0;
	return -EINVAL;
}

/* Guest threads are never SCHED_RR, so their slice is the fair class's: the host's answer
 * for the Sentry's own (SCHED_OTHER) thread. */
long sys_sched_rr_get_interval(struct task *t, const uint64_t a[6])
{
	struct sched_attr_rec r;
	struct timespec ts;
	long err = query(t, (pid_t)a[0], &r);
	if (err)
		return err;
	if (sched_rr_get_interval(0, &ts))
		return -errno;
	return copy_to_guest(t, a[1], &ts, sizeof(ts));
}

/* Linux tries both stores and reports EFAULT if either failed. The CPU and node are where
 * the Sentry thread serving the call runs, which is where the guest thread just ran as far
 * as anyone can tell. */
long sys_getcpu(struct task *t, const uint64_t a[6])
{
	unsigned cpu = 0, node = 0;
	int err = 0;
	if (syscall(SYS_getcpu, &cpu, &node, NULL))
		return -errno;
	if (a[0])
		err |= copy_to_guest(t, a[0], &cpu, sizeof(cpu));
	if (a[1])
		err |= copy_to_guest(t, a[1], &node, sizeof(node));
	return err ? -EFAULT : 0;
}
