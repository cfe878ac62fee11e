#define _GNU_SOURCE
#include "sentry/process.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "fs/tty.h"
#include "sentry/log.h"
#include "sentry/signal.h"
#include "sentry/timer.h"

#define PID_MAX 4194304 /* Linux's pid_max on 64-bit: the guest sees pids below it */

static void link_process(struct sandbox *sb, struct process *p, struct process *parent)
{
	p->parent = parent;
	if (parent) {
		p->next_sibling = parent->children;
		parent->children = p;
	}
	p->next_all = sb->procs;
	sb->procs = p;
}

/* Frees a process that is no longer linked anywhere. */
static void process_free(struct process *p)
{
	tty_ctty_drop(p);
	free(p->groups);
	free(p);
}

struct process *process_find(struct sandbox *sb, pid_t pid)
{
	for (struct process *p = sb->procs; p; p = p->next_all)
		if (p->pid == pid)
			return p;
	return NULL;
}

int process_init(struct sandbox *sb, struct task *t)
{
	struct process *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->pid = p->pgid = p->sid = 1;
	p->task = t;
	p->threads = t;
	p->nr_threads = 1;
	p->exit_signal = SIGCHLD;
	p->dumpable = 1;
	link_process(sb, p, NULL);
	sb->init = p;
	sb->last_pid = 1;
	sb->nprocs = 1;
	sb->running = 1;
	t->proc = p;
	return 0;
}

/* A pid for a new process or thread: the next free one after the last handed out, wrapping
 * like Linux (above 300), free of processes (zombies too) and of threads alike. Counts it
 * against the pids limit, which like Linux's pids controller counts every task: -EAGAIN
 * beyond. Caller holds sb->lock. */
static pid_t take_pid(struct sandbox *sb)
{
	if (sb->pids_max > 0 && sb->nprocs >= sb->pids_max)
		return -EAGAIN;
	pid_t pid = sb->last_pid;
	for (int tries = 0; tries < PID_MAX; tries++) {
		pid = pid + 1 >= PID_MAX ? 300 : pid + 1;
		if (!process_find(sb, pid) && !process_find_thread(sb, pid)) {
			sb->nprocs++;
			return sb->last_pid = pid;
		}
	}
	return -EAGAIN;
}

int process_fork(struct task *parent, struct task *c, int exit_signal)
{
	struct sandbox *sb = parent->sb;
	struct process *p = calloc(1, sizeof(*p));
	int err;
	if (!p)
		return -ENOMEM;
	pthread_mutex_lock(&sb->lock);
	pid_t pid = take_pid(sb);
	if (pid < 0) {
		err = pid;
		goto fail;
	}
	struct process *pp = parent->proc;
	/* Linux's fork rules for what lives in signal_struct, mm and cred: dumpable and the
	 * supplementary groups are inherited, the child-subreaper mark is not. */
	if (pp->ngroups) {
		p->groups = malloc((size_t)pp->ngroups * sizeof(gid_t));
		if (!p->groups) {
			sb->nprocs--; /* the pid taken above goes back */
			err = -ENOMEM;
			goto fail;
		}
		memcpy(p->groups, pp->groups, (size_t)pp->ngroups * sizeof(gid_t));
		p->ngroups = pp->ngroups;
	}
	p->dumpable = pp->dumpable;
	tty_ctty_inherit(pp, p);
	p->pid = pid;
	p->pgid = pp->pgid;
	p->sid = pp->sid;
	p->task = c;
	p->threads = c;
	p->nr_threads = 1;
	p->exit_signal = exit_signal;
	link_process(sb, p, pp);
	sb->running++;
	c->proc = p;
	c->tid = c->tgid = pid;
	pthread_mutex_unlock(&sb->lock);
	return 0;
fail:
	pthread_mutex_unlock(&sb->lock);
	process_free(p);
	return err;
}

int process_add_thread(struct task *parent, struct task *c)
{
	struct sandbox *sb = parent->sb;
	struct process *p = parent->proc;
	int err = 0;
	pthread_mutex_lock(&sb->lock);
	if (p->group_exiting) {
		err = -EAGAIN;
		goto out;
	}
	pid_t tid = take_pid(sb);
	if (tid < 0) {
		err = tid;
		goto out;
	}
	c->proc = p;
	c->tid = tid;
	c->tgid = p->pid;
	c->next_thread = p->threads;
	p->threads = c;
	p->nr_threads++;
	sb->running++;
out:
	pthread_mutex_unlock(&sb->lock);
	return err;
}

struct task *process_signal_target(struct process *p, int sig)
{
	/* A thread in sigtimedwait for sig counts as accepting it, as in Linux (which unblocks
	 * the waited-for signals for the time of the wait). */
	uint64_t bit = 1ULL << (sig - 1);
	for (struct task *t = p->threads; t; t = t->next_thread) {
		pthread_mutex_lock(&t->sig_lock);
		bool accepts = !(t->sigmask & bit) || (t->sigwait_set & bit);
		pthread_mutex_unlock(&t->sig_lock);
		if (accepts)
			return t;
	}
	return p->task;
}

void process_share_sigaction(struct task *t, int sig)
{
	struct sandbox *sb = t->sb;
	pthread_mutex_lock(&sb->lock);
	pthread_mutex_lock(&t->sig_lock);
	struct guest_sigaction sa = t->sigactions[sig - 1];
	pthread_mutex_unlock(&t->sig_lock);
	for (struct task *o = t->proc->threads; o; o = o->next_thread) {
		if (o == t)
			continue;
		pthread_mutex_lock(&o->sig_lock);
		o->sigactions[sig - 1] = sa;
		signal_flush_if_ignored(o, sig);
		pthread_mutex_unlock(&o->sig_lock);
	}
	pthread_mutex_unlock(&sb->lock);
}

struct task *process_find_thread(struct sandbox *sb, pid_t tid)
{
	for (struct process *p = sb->procs; p; p = p->next_all)
		for (struct task *t = p->threads; t; t = t->next_thread)
			if (t->tid == tid)
				return t;
	return NULL;
}

void process_kill_other_threads(struct task *t)
{
	struct sandbox *sb = t->sb;
	pthread_mutex_lock(&sb->lock);
	for (struct task *o = t->proc->threads; o; o = o->next_thread) {
		if (o == t)
			continue;
		pthread_mutex_lock(&o->sig_lock);
		o->fatal_signal = SIGKILL;
		o->thread_exit_only = true; /* they go, the process stays */
		pthread_mutex_unlock(&o->sig_lock);
		task_kick(o);
	}
	pthread_mutex_unlock(&sb->lock);
}

void process_group_exit(struct task *t, int wait_status)
{
	struct sandbox *sb = t->sb;
	struct process *p = t->proc;
	int e = pthread_mutex_lock(&sb->lock); /* EDEADLK: the caller holds it */
	if (!p->group_exiting) {
		p->group_exiting = true;
		p->group_exit_status = wait_status;
		for (struct task *o = p->threads; o; o = o->next_thread) {
			if (o == t)
				continue;
			pthread_mutex_lock(&o->sig_lock);
			o->fatal_signal = SIGKILL;
			pthread_mutex_unlock(&o->sig_lock);
			task_kick(o);
		}
	}
	if (e == 0)
		pthread_mutex_unlock(&sb->lock);
}

bool process_thread_leave(struct task *t)
{
	struct sandbox *sb = t->sb;
	struct process *p = t->proc;
	bool last;
	pthread_mutex_lock(&sb->lock);
	last = p->nr_threads <= 1;
	if (!last) {
		struct task **pp = &p->threads;
		while (*pp && *pp != t)
			pp = &(*pp)->next_thread;
		if (*pp)
			*pp = t->next_thread;
		p->nr_threads--;
		sb->nprocs--; /* its tid is free again */
		if (p->task == t)
			p->task = p->threads;
		sb->running--;
		pthread_cond_broadcast(&sb->child_cv);
	}
	pthread_mutex_unlock(&sb->lock);
	return last;
}

static void unlink_process(struct sandbox *sb, struct process *p)
{
	if (p->parent) {
		struct process **pp = &p->parent->children;
		while (*pp && *pp != p)
			pp = &(*pp)->next_sibling;
		if (*pp)
			*pp = p->next_sibling;
	}
	struct process **a = &sb->procs;
	while (*a && *a != p)
		a = &(*a)->next_all;
	if (*a)
		*a = p->next_all;
	sb->nprocs--;
}

void process_reap(struct sandbox *sb, struct process *p)
{
	unlink_process(sb, p);
	process_free(p);
}

/* Whether the parent asked for its children to be reaped without a wait (SIGCHLD set to
 * SIG_IGN, or SA_NOCLDWAIT). */
static bool parent_autoreaps(struct process *parent)
{
	struct task *pt = parent->task;
	if (!pt)
		return false;
	pthread_mutex_lock(&pt->sig_lock);
	const struct guest_sigaction *sa = &pt->sigactions[SIGCHLD - 1];
	bool r = sa->handler == (uint64_t)(uintptr_t)SIG_IGN || (sa->flags & SA_NOCLDWAIT);
	pthread_mutex_unlock(&pt->sig_lock);
	return r;
}

static void notify_parent(struct process *p)
{
	struct task *pt = p->parent ? p->parent->task : NULL;
	if (!pt || !p->exit_signal)
		return;
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_signo = p->exit_signal;
	si.si_pid = p->pid;
	if (WIFEXITED(p->wait_status)) {
		si.si_code = CLD_EXITED;
		si.si_status = WEXITSTATUS(p->wait_status);
	} else {
		si.si_code = WCOREDUMP(p->wait_status) ? CLD_DUMPED : CLD_KILLED;
		si.si_status = WTERMSIG(p->wait_status);
	}
	signal_send(pt, p->exit_signal, &si);
}

/* Linux's find_new_reaper: the nearest ancestor of p that is a child subreaper and still
 * lives, else init. Caller holds sb->lock. */
static struct process *find_new_reaper(struct sandbox *sb, struct process *p)
{
	for (struct process *a = p->parent; a && a != sb->init; a = a->parent)
		if (a->subreaper && a->state == PROC_ALIVE && !a->group_exiting)
			return a;
	return sb->init;
}

/* Linux's forget_original_parent: every thread of the orphan c that asked for a
 * parent-death signal gets it sent to its process, as from the exiting thread t (SI_USER).
 * Linux sends it when the parent *thread* that forked c exits; the Sentry does not record
 * which thread that was, so it is sent when the whole parent process exits (a child of a
 * thread that exits alone gets nothing). Caller holds sb->lock (signal_send allows it). */
static void send_pdeathsig(struct task *t, struct process *c)
{
	for (struct task *ct = c->threads; ct; ct = ct->next_thread) {
		int sig = ct->pdeathsig;
		if (!sig)
			continue;
		siginfo_t si;
		siginfo_from_sender(&si, sig, SI_USER, t);
		struct task *target = process_signal_target(c, sig);
		if (target)
			signal_send(target, sig, &si);
	}
}

void process_exit(struct task *t)
{
	struct sandbox *sb = t->sb;
	struct process *p = t->proc;
	pthread_mutex_lock(&sb->lock);
	tty_process_exit(sb, p); /* before the zombie: a leader's terminal signals its group */
	p->state = PROC_ZOMBIE;
	p->wait_status = p->group_exiting ? p->group_exit_status : t->exit_status;
	p->task = NULL;
	p->threads = NULL;
	p->nr_threads = 0;
	p->vfork_done = true;
	itimer_process_gone(sb, p->pid);
	/* Orphans go to the new reaper (init, as in a pid namespace, unless a subreaper is
	 * closer); init's own death ends everything. */
	struct process *reaper = sb->init != p ? find_new_reaper(sb, p) : NULL;
	struct process *c = p->children;
	while (c) {
		struct process *next = c->next_sibling;
		c->parent = reaper;
		c->next_sibling = reaper ? reaper->children : NULL;
		if (reaper)
			reaper->children = c;
		send_pdeathsig(t, c);
		c = next;
	}
	p->children = NULL;
	if (p != sb->init && p->parent && parent_autoreaps(p->parent)) {
		unlink_process(sb, p);
		process_free(p);
	} else if (p != sb->init) {
		notify_parent(p);
	}
	sb->running--;
	pthread_cond_broadcast(&sb->child_cv);
	pthread_mutex_unlock(&sb->lock);
}

/* The parent's SIGCHLD for a stop or a continue, unless it asked not to (SA_NOCLDSTOP). */
static void notify_parent_job(struct process *p, int code, int status)
{
	struct task *pt = p->parent ? p->parent->task : NULL;
	if (!pt)
		return;
	pthread_mutex_lock(&pt->sig_lock);
	bool nocldstop = pt->sigactions[SIGCHLD - 1].flags & SA_NOCLDSTOP;
	pthread_mutex_unlock(&pt->sig_lock);
	if (nocldstop)
		return;
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_signo = SIGCHLD;
	si.si_code = code;
	si.si_pid = p->pid;
	si.si_status = status;
	signal_send(pt, SIGCHLD, &si);
}

void process_stop(struct task *t, int sig)
{
	struct sandbox *sb = t->sb;
	struct process *p = t->proc;
	pthread_mutex_lock(&sb->lock);
	p->stopped = true;
	p->stop_sig = sig;
	p->report_stopped = true;
	p->report_continued = false;
	notify_parent_job(p, CLD_STOPPED, sig);
	pthread_cond_broadcast(&sb->child_cv);
	while (p->stopped && task_wait_killable(t, &sb->lock, &sb->child_cv) == 0)
		;
	pthread_mutex_unlock(&sb->lock);
}

void process_continue(struct task *t)
{
	struct sandbox *sb = t->sb;
	struct process *p = t->proc;
	if (!p)
		return;
	int e = pthread_mutex_lock(&sb->lock); /* EDEADLK: the caller (kill) holds it */
	if (p->stopped) {
		p->stopped = false;
		p->report_continued = true;
		p->report_stopped = false;
		notify_parent_job(p, CLD_CONTINUED, SIGCONT);
		pthread_cond_broadcast(&sb->child_cv);
	}
	if (e == 0)
		pthread_mutex_unlock(&sb->lock);
}

void process_kill_all_but_init(struct sandbox *sb, int sig)
{
	pthread_mutex_lock(&sb->lock);
	for (struct process *p = sb->procs; p; p = p->next_all)
		for (struct task *o = p != sb->init ? p->threads : NULL; o; o = o->next_thread)
			signal_send(o, sig, NULL);
	pthread_mutex_unlock(&sb->lock);
}

void process_wait_all_gone(struct sandbox *sb)
{
	pthread_mutex_lock(&sb->lock);
	while (sb->running > 0)
		pthread_cond_wait(&sb->child_cv, &sb->lock);
	/* Free what no wait will reap any more. */
	while (sb->procs) {
		struct process *p = sb->procs;
		sb->procs = p->next_all;
		process_free(p);
	}
	sb->nprocs = 0;
	sb->init = NULL;
	pthread_mutex_unlock(&sb->lock);
}
