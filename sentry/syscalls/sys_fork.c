/*
 * fork, vfork, clone, clone3: new processes.
 *
 * The child's address space is a host clone of the parent's stub (copy-on-write by the
 * host, or shared for CLONE_VM); its task gets a Sentry thread of its own, which adopts the
 * parked host child and becomes its tracer. A thread (CLONE_THREAD) is a new host thread in
 * the same stub, with a task of its own in the same process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "fs/vfs.h"
#include "sentry/log.h"
#include "sentry/mm.h"
#include "sentry/process.h"
#include "sentry/signal.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

/* Everything a child's Sentry thread needs to start. */
struct child_start {
	struct task *t;
	struct pl_child plc;
	uint64_t set_tid_at; /* CLONE_CHILD_SETTID: written in the child's memory */
};

static void *child_main(void *arg)
{
	struct child_start *cs = arg;
	struct task *t = cs->t;
	struct pl_thread *th;

	t->host_thread = pthread_self();
	task_set_current(t);
	int err = t->pl->adopt(&cs->plc, &th);
	if (err < 0) {
		log_error("fork: cannot adopt the child's stub: %d", err);
		task_exit_group(t, SIGKILL);
	} else {
		pthread_mutex_lock(&t->sig_lock);
		t->th = th;
		pthread_mutex_unlock(&t->sig_lock);
		if (cs->set_tid_at) {
			int tid = t->tid;
			copy_to_guest(t, cs->set_tid_at, &tid, sizeof(tid));
		}
		task_run(t);
	}
	free(cs);
	task_finish(t);
	return NULL;
}

/* The flags Linux's clone knows; the ones cvisor does not do are refused below. */
#define CLONE_KNOWN                                                                                \
	(CSIGNAL | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_PIDFD |               \
	 CLONE_PTRACE | CLONE_VFORK | CLONE_PARENT | CLONE_THREAD | CLONE_NEWNS | CLONE_SYSVSEM |  \
	 CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_DETACHED |              \
	 CLONE_UNTRACED | CLONE_CHILD_SETTID | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |     \
	 CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_IO)
#define CLONE_NAMESPACES                                                                           \
	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |             \
	 CLONE_NEWPID | CLONE_NEWNET)

/* Linux's own consistency rules (copy_process). */
static int check_flags(uint64_t flags)
{
	if ((flags & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS))
		return -EINVAL;
	if ((flags & (CLONE_NEWUSER | CLONE_FS)) == (CLONE_NEWUSER | CLONE_FS))
		return -EINVAL;
	if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
		return -EINVAL;
	if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
		return -EINVAL;
	if ((flags & CLONE_THREAD) && (flags & CSIGNAL))
		return -EINVAL;
	return 0;
}

struct clone_args_k {
	uint64_t flags, child_stack, ptid, ctid, tls;
	int exit_signal;
};

/* The guest attributes of a new thread, by Linux's copy_process and sched_fork rules. The
 * per-process ones (dumpable, subreaper, groups) are process_fork's. Under sb->lock: other
 * threads may change p's nice value or policy meanwhile. */
static void copy_attrs(struct task *c, struct task *p)
{
	pthread_mutex_lock(&p->sb->lock);
	c->pdeathsig = 0; /* cleared in every child */
	c->no_new_privs = p->no_new_privs;
	c->keepcaps = p->keepcaps;
	/* The child's slack is the parent's, and so is its default (what PR_SET_TIMERSLACK 0
	 * goes back to); zero stays zero, which means the same thing in both. */
	c->timer_slack = p->timer_slack ? p->timer_slack : p->default_timer_slack;
	c->default_timer_slack = c->timer_slack;
	c->nice = p->nice;
	c->sched_policy = p->sched_policy;
	if (p->sched_reset_on_fork && c->nice < 0)
		c->nice = 0; /* the policy is never real-time here, so only a raised nice resets */
	c->sched_reset_on_fork = false;
	c->caps_set = p->caps_set;
	c->cap_eff = p->cap_eff;
	c->cap_prm = p->cap_prm;
	c->cap_inh = p->cap_inh;
	pthread_mutex_unlock(&p->sb->lock);
}

static struct task *task_copy(struct task *p, const struct clone_args_k *ca)
{
	struct task *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->sb = p->sb;
	c->pl = p->pl;
	c->regs = p->regs;
	c->regs.rax = 0; /* the child's fork() returns 0 */
	if (ca->child_stack)
		c->regs.rsp = ca->child_stack;
	if (ca->flags & CLONE_SETTLS)
		c->regs.fs_base = ca->tls;
	c->cred = p->cred;
	pthread_mutex_lock(&p->sig_lock);
	c->sigmask = p->sigmask;
	memcpy(c->sigactions, p->sigactions, sizeof(c->sigactions));
	pthread_mutex_unlock(&p->sig_lock);
	memcpy(c->rlim, p->rlim, sizeof(c->rlim));
	memcpy(c->comm, p->comm, sizeof(c->comm));
	copy_attrs(c, p);
	c->ppid = p->tgid;
	c->altstack = (ca->flags & CLONE_VM) && !(ca->flags & CLONE_VFORK)
			  ? (stack_t){.ss_flags = SS_DISABLE}
			  : p->altstack;
	if (ca->flags & CLONE_CHILD_CLEARTID)
		c->clear_child_tid = ca->ctid;
	if (task_init_common(c) < 0) {
		free(c);
		return NULL;
	}
	if (ca->flags & CLONE_VM) {
		mm_get(p->mm);
		c->mm = p->mm;
	} else {
		c->mm = mm_fork(p->mm);
	}
	if (ca->flags & CLONE_FILES) {
		__atomic_add_fetch(&p->fdt->refs, 1, __ATOMIC_RELAXED);
		c->fdt = p->fdt;
	} else {
		c->fdt = fd_table_dup(p->fdt);
	}
	if (ca->flags & CLONE_FS) {
		__atomic_add_fetch(&p->fs->refs, 1, __ATOMIC_RELAXED);
		c->fs = p->fs;
	} else {
		c->fs = fs_context_dup(p->fs);
	}
	if (!c->mm || !c->fdt || !c->fs) {
		mm_free(c->mm);
		fd_table_put(c->fdt);
		fs_context_put(c->fs);
		pthread_mutex_destroy(&c->sig_lock);
		free(c);
		return NULL;
	}
	return c;
}

/* Discards a child that never ran (its process, if any, is reaped at once). */
static void task_discard(struct task *c)
{
	c->exit_status = SIGKILL;
	c->thread_exit_only = true;
	if (c->proc && c->proc->nr_threads > 1) {
		task_finish(c); /* a thread that never ran: it just leaves */
		return;
	}
	if (c->proc) {
		struct sandbox *sb = c->sb;
		struct process *p = c->proc;
		task_finish(c); /* zombie now */
		pthread_mutex_lock(&sb->lock);
		if (p->state == PROC_ZOMBIE && process_find(sb, p->pid) == p)
			process_reap(sb, p);
		pthread_mutex_unlock(&sb->lock);
		return;
	}
	task_finish(c);
}

static long do_clone(struct task *t, const struct clone_args_k *ca)
{
	uint64_t flags = ca->flags;
	long err = check_flags(flags);
	if (err < 0)
		return err;
	if (flags & CLONE_NAMESPACES) {
		log_info("clone: new namespaces inside the sandbox are not supported");
		return -EPERM;
	}
	bool thread = flags & CLONE_THREAD;
	if (!thread && ((flags & (CLONE_SIGHAND | CLONE_PIDFD | CLONE_PARENT)) ||
			((flags & CLONE_VM) && !(flags & CLONE_VFORK)))) {
		log_warn("clone: flags %#llx not supported yet", (unsigned long long)flags);
		return -EINVAL;
	}
	struct task *c = task_copy(t, ca);
	if (!c)
		return -ENOMEM;
	err = thread ? process_add_thread(t, c) : process_fork(t, c, ca->exit_signal);
	if (err < 0) {
		task_discard(c);
		return err;
	}
	struct child_start *cs = calloc(1, sizeof(*cs));
	if (!cs) {
		task_discard(c);
		return -ENOMEM;
	}
	cs->t = c;
	if (flags & CLONE_CHILD_SETTID)
		cs->set_tid_at = ca->ctid;
	err = t->pl->clone(t->th,
			   thread		? PL_CLONE_THREAD
			   : (flags & CLONE_VM) ? PL_CLONE_VM
						: 0,
			   &cs->plc);
	if (err < 0) {
		free(cs);
		task_discard(c);
		return err;
	}
	pid_t pid = c->tid;
	struct process *cp = c->proc;
	if (flags & CLONE_PARENT_SETTID) {
		int v = pid;
		copy_to_guest(t, ca->ptid, &v, sizeof(v));
	}
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 512 * 1024);
	pthread_t thr;
	err = -pthread_create(&thr, &attr, child_main, cs);
	pthread_attr_destroy(&attr);
	if (err < 0) {
		/* The host child is parked and never adopted: its alarm ends it. */
		free(cs);
		task_discard(c);
		return -EAGAIN;
	}
	if (flags & CLONE_VFORK) {
		/* The parent waits until the child has exec'd or exited (killable only). */
		struct sandbox *sb = t->sb;
		pthread_mutex_lock(&sb->lock);
		while (!cp->vfork_done && process_find(sb, pid) == cp)
			pthread_cond_wait(&sb->child_cv, &sb->lock);
		pthread_mutex_unlock(&sb->lock);
	}
	return pid;
}

long sys_fork(struct task *t, const uint64_t a[6])
{
	struct clone_args_k ca = {.exit_signal = SIGCHLD};
	return do_clone(t, &ca);
}

long sys_vfork(struct task *t, const uint64_t a[6])
{
	struct clone_args_k ca = {.flags = CLONE_VM | CLONE_VFORK, .exit_signal = SIGCHLD};
	return do_clone(t, &ca);
}

long sys_clone(struct task *t, const uint64_t a[6])
{
	/* x86_64 order: flags, newsp, parent_tid, child_tid, tls. */
	struct clone_args_k ca = {
	    .flags = a[0] & ~(uint64_t)CSIGNAL,
	    .child_stack = a[1],
	    .ptid = a[2],
	    .ctid = a[3],
	    .tls = a[4],
	    .exit_signal = (int)(a[0] & CSIGNAL),
	};
	if (a[0] & ~(uint64_t)CLONE_KNOWN & 0xffffffffULL)
		return -EINVAL;
	if (ca.exit_signal > 64)
		return -EINVAL;
	return do_clone(t, &ca);
}

long sys_clone3(struct task *t, const uint64_t a[6])
{
	struct clone_args uargs;
	size_t size = a[1];
	memset(&uargs, 0, sizeof(uargs));
	if (size < CLONE_ARGS_SIZE_VER0 || size > 4096)
		return size > 4096 ? -E2BIG : -EINVAL;
	/* A larger struct from a newer libc is fine if its extra bytes are zero. */
	size_t take = size < sizeof(uargs) ? size : sizeof(uargs);
	if (copy_from_guest(t, &uargs, a[0], take) < 0)
		return -EFAULT;
	if (size > sizeof(uargs)) {
		char extra[4096];
		size_t n = size - sizeof(uargs);
		if (copy_from_guest(t, extra, a[0] + sizeof(uargs), n) < 0)
			return -EFAULT;
		for (size_t i = 0; i < n; i++)
			if (extra[i])
				return -E2BIG;
	}
	if (uargs.flags & ~(uint64_t)(CLONE_KNOWN & ~CSIGNAL))
		return -EINVAL;
	if (uargs.exit_signal > 64 || (uargs.flags & CSIGNAL))
		return -EINVAL;
	if (uargs.set_tid || uargs.set_tid_size || uargs.cgroup)
		return -EINVAL; /* set_tid needs CAP_SYS_ADMIN in a pid namespace: not offered */
	struct clone_args_k ca = {
	    .flags = uargs.flags,
	    .child_stack = uargs.stack ? uargs.stack + uargs.stack_size : 0,
	    .ptid = uargs.parent_tid,
	    .ctid = uargs.child_tid,
	    .tls = uargs.tls,
	    .exit_signal = (int)uargs.exit_signal,
	};
	return do_clone(t, &ca);
}
