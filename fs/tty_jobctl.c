/*
 * Controlling terminals and job control, as Linux's tty_jobctrl.c: which session a terminal
 * belongs to and which process group is in its foreground, and what a process outside that
 * group meets when it reads (SIGTTIN) or writes with TOSTOP or changes settings (SIGTTOU).
 *
 * A process's controlling terminal is struct process's ctty (a reference), inherited at
 * fork, dropped by setsid. A terminal's session and foreground group live in struct tty;
 * all of it is under the sandbox lock. Signals from a terminal carry SI_KERNEL, as Linux's
 * SEND_SIG_PRIV; the sandbox's init gets only those it handles or blocks, as the init of a
 * pid namespace.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>

#include "fs/tty_internal.h"
#include "fs/vfs.h"
#include "sentry/process.h"
#include "sentry/signal.h"
#include "sentry/task.h"

#define CAP_SYS_ADMIN_K 21

/* sig to process p, from the terminal (sender NULL: SI_KERNEL) or a task (SI_USER). */
static void signal_process(struct sandbox *sb, struct process *p, int sig,
			   const struct task *sender)
{
	if (p->state != PROC_ALIVE || !p->task)
		return;
	if (p == sb->init) {
		struct task *it = p->task;
		pthread_mutex_lock(&it->sig_lock);
		bool dfl = it->sigactions[sig - 1].handler == (uint64_t)(uintptr_t)SIG_DFL;
		bool blocked = it->sigmask & (1ULL << (sig - 1));
		pthread_mutex_unlock(&it->sig_lock);
		if (dfl && !blocked)
			return;
	}
	siginfo_t si;
	if (sender) {
		siginfo_from_sender(&si, sig, SI_USER, sender);
	} else {
		memset(&si, 0, sizeof(si));
		si.si_signo = sig;
		si.si_code = SI_KERNEL;
	}
	signal_send(process_signal_target(p, sig), sig, &si);
}

static void signal_pgrp(struct sandbox *sb, pid_t pgrp, int sig, const struct task *sender)
{
	for (struct process *p = sb->procs; p; p = p->next_all)
		if (p->pgid == pgrp)
			signal_process(sb, p, sig, sender);
}

void tty_signal_fg(struct tty *tty, uint64_t sigs)
{
	struct sandbox *sb = tty->sb;
	if (!sb)
		return;
	pthread_mutex_lock(&sb->lock);
	pid_t pgrp = tty->pgrp;
	for (int sig = 1; pgrp && sig < 64; sig++)
		if (sigs & (1ULL << sig))
			signal_pgrp(sb, pgrp, sig, NULL);
	pthread_mutex_unlock(&sb->lock);
}

/* Linux's is_ignored for job control: blocked by the thread, or ignored by the process. */
static bool jc_ignored(struct task *t, int sig)
{
	pthread_mutex_lock(&t->sig_lock);
	bool r = (t->sigmask & (1ULL << (sig - 1))) ||
		 t->sigactions[sig - 1].handler == (uint64_t)(uintptr_t)SIG_IGN;
	pthread_mutex_unlock(&t->sig_lock);
	return r;
}

/* Linux's will_become_orphaned_pgrp: no live member has its parent in another group of
 * the same session. (The sandbox's init counts as any parent, as a namespace's init does.) */
static bool pgrp_orphaned(struct sandbox *sb, pid_t pgrp)
{
	for (struct process *p = sb->procs; p; p = p->next_all) {
		if (p->pgid != pgrp || p->state != PROC_ALIVE || !p->parent)
			continue;
		if (p->parent->pgid != pgrp && p->parent->sid == p->sid)
			return false;
	}
	return true;
}

int tty_job_check(struct tty *tty, struct task *t, int sig)
{
	struct sandbox *sb = tty->sb;
	int r = 0;
	if (!t || !sb || !t->proc)
		return 0;
	pthread_mutex_lock(&sb->lock);
	struct process *p = t->proc;
	if (p->ctty == tty && tty->pgrp && p->pgid != tty->pgrp) {
		if (jc_ignored(t, sig)) {
			if (sig == SIGTTIN)
				r = -EIO;
		} else if (pgrp_orphaned(sb, p->pgid)) {
			r = -EIO;
		} else {
			signal_pgrp(sb, p->pgid, sig, NULL);
			r = -EINTR; /* restarted after the stop (or the handler, with SA_RESTART) */
		}
	}
	pthread_mutex_unlock(&sb->lock);
	return r;
}

bool tty_is_ctty_of(struct tty *tty, bool master, struct task *t)
{
	if (master || !tty->sb || !t || !t->proc)
		return false;
	pthread_mutex_lock(&tty->sb->lock);
	bool r = t->proc->ctty == tty;
	pthread_mutex_unlock(&tty->sb->lock);
	return r;
}

/* Linux's __proc_set_tty: tty becomes p's, with p's session and group. */
static void set_ctty(struct process *p, struct tty *tty)
{
	tty->session = p->sid;
	tty->pgrp = p->pgid;
	tty_get(tty);
	tty_ctty_drop(p);
	p->ctty = tty;
}

/* Every process of session sid loses its controlling terminal. */
static void session_clear_tty(struct sandbox *sb, pid_t sid)
{
	for (struct process *p = sb->procs; p; p = p->next_all)
		if (p->sid == sid)
			tty_ctty_drop(p);
}

/* Linux's disassociate_ctty for session leader p: its terminal's foreground group gets
 * SIGHUP (and SIGCONT unless p is exiting), the terminal leaves the session, and the whole
 * session loses it. */
static void disassociate(struct sandbox *sb, struct process *p, const struct task *sender)
{
	struct tty *tty = p->ctty;
	if (p->sid != p->pid)
		return;
	if (tty) {
		pid_t pgrp = tty->pgrp;
		if (pgrp) {
			signal_pgrp(sb, pgrp, SIGHUP, sender);
			if (sender)
				signal_pgrp(sb, pgrp, SIGCONT, sender);
		}
		tty->session = tty->pgrp = 0;
	}
	session_clear_tty(sb, p->sid);
}

void tty_open_acquire_ctty(struct tty *tty, struct task *t, const struct file *f)
{
	struct sandbox *sb = tty->sb;
	/* Only a reader may take a terminal: write access alone must not give /dev/tty. */
	if (!sb || !t || !t->proc || (f->flags & O_ACCMODE) == O_WRONLY)
		return;
	pthread_mutex_lock(&sb->lock);
	struct process *p = t->proc;
	if (p->sid == p->pid && !p->ctty && !tty->session)
		set_ctty(p, tty);
	pthread_mutex_unlock(&sb->lock);
}

void tty_hangup_session(struct tty *tty)
{
	struct sandbox *sb = tty->sb;
	if (!sb)
		return;
	pthread_mutex_lock(&sb->lock);
	/* Linux's tty_signal_session_leader: the leader hears of it, the rest just lose it. */
	for (struct process *p = sb->procs; tty->session && p; p = p->next_all) {
		if (p->sid != tty->session)
			continue;
		if (p->ctty == tty)
			tty_ctty_drop(p);
		if (p->pid == p->sid) {
			signal_process(sb, p, SIGHUP, NULL);
			signal_process(sb, p, SIGCONT, NULL);
		}
	}
	tty->session = tty->pgrp = 0;
	pthread_mutex_unlock(&sb->lock);
}

int tty_open_ctty(struct task *t, struct file *f)
{
	struct sandbox *sb = t ? t->sb : NULL;
	struct tty *tty = NULL;
	if (!sb || !t->proc)
		return -ENXIO;
	pthread_mutex_lock(&sb->lock);
	tty = t->proc->ctty;
	if (tty)
		tty_get(tty);
	pthread_mutex_unlock(&sb->lock);
	if (!tty)
		return -ENXIO;
	/* /dev/tty never makes a terminal controlling: it is one already. */
	int r = pty_open_slave(tty, t, f, true);
	tty_put(tty);
	return r;
}

/* Whether some task uses pid as its pid, group or session (Linux's find_vpid). */
static bool pid_in_use(struct sandbox *sb, pid_t pid)
{
	for (struct process *p = sb->procs; p; p = p->next_all)
		if (p->pid == pid || p->pgid == pid || p->sid == pid)
			return true;
	return process_find_thread(sb, pid) != NULL;
}

/* Linux's session_of_pgrp: the session of a member of group pgrp, else of the task whose
 * pid it is; 0 for none. */
static pid_t session_of_pgrp(struct sandbox *sb, pid_t pgrp)
{
	for (struct process *p = sb->procs; p; p = p->next_all)
		if (p->pgid == pgrp)
			return p->sid;
	struct process *p = process_find(sb, pgrp);
	if (p)
		return p->sid;
	struct task *th = process_find_thread(sb, pgrp);
	return th && th->proc ? th->proc->sid : 0;
}

static long tiocsctty(struct tty *tty, struct task *t, const struct file *f, int arg)
{
	struct sandbox *sb = tty->sb;
	long r = 0;
	pthread_mutex_lock(&sb->lock);
	struct process *p = t->proc;
	bool leader = p->sid == p->pid;
	if (leader && p->sid == tty->session)
		goto out; /* already ours */
	if (!leader || p->ctty) {
		r = -EPERM;
		goto out;
	}
	if (tty->session) {
		/* Another session's terminal: only CAP_SYS_ADMIN may steal it, with arg 1. */
		if (arg != 1 || !task_capable(t, CAP_SYS_ADMIN_K)) {
			r = -EPERM;
			goto out;
		}
		session_clear_tty(sb, tty->session);
	}
	if ((f->flags & O_ACCMODE) == O_WRONLY && !task_capable(t, CAP_SYS_ADMIN_K)) {
		r = -EPERM;
		goto out;
	}
	set_ctty(p, tty);
out:
	pthread_mutex_unlock(&sb->lock);
	return r;
}

static long tiocspgrp(struct tty *tty, struct task *t, uint64_t arg)
{
	struct sandbox *sb = tty->sb;
	int pgrp;
	long r = tty_job_check(tty, t, SIGTTOU);
	if (r == -EIO)
		return -ENOTTY;
	if (r < 0)
		return r;
	if (copy_from_guest(t, &pgrp, arg, sizeof(pgrp)) < 0)
		return -EFAULT;
	if (pgrp < 0)
		return -EINVAL;
	pthread_mutex_lock(&sb->lock);
	struct process *p = t->proc;
	if (p->ctty != tty || tty->session != p->sid)
		r = -ENOTTY;
	else if (!pgrp || !pid_in_use(sb, pgrp))
		r = -ESRCH;
	else if (session_of_pgrp(sb, pgrp) != p->sid)
		r = -EPERM;
	else
		tty->pgrp = pgrp;
	pthread_mutex_unlock(&sb->lock);
	return r;
}

long tty_jobctl_ioctl(struct tty *tty, bool on_master, struct task *t, const struct file *f,
		      unsigned long cmd, uint64_t arg)
{
	struct sandbox *sb = tty->sb;
	long r = 0;
	int v = 0;
	if (!sb || !t || !t->proc)
		return -ENOTTY;
	switch (cmd) {
	case TIOCSCTTY:
		return tiocsctty(tty, t, f, (int)arg);
	case TIOCSPGRP:
		return tiocspgrp(tty, t, arg);
	case TIOCNOTTY:
		pthread_mutex_lock(&sb->lock);
		if (on_master || t->proc->ctty != tty) {
			r = -ENOTTY;
		} else {
			disassociate(sb, t->proc, t);
			tty_ctty_drop(t->proc);
		}
		pthread_mutex_unlock(&sb->lock);
		return r;
	case TIOCGPGRP:
	case TIOCGSID:
		/* Through the slave, only the caller's own terminal answers; the master always
		 * may ask about its slave. */
		pthread_mutex_lock(&sb->lock);
		if (!on_master && t->proc->ctty != tty)
			r = -ENOTTY;
		else if (cmd == TIOCGSID && !tty->session)
			r = -ENOTTY;
		else
			v = cmd == TIOCGSID ? tty->session : tty->pgrp;
		pthread_mutex_unlock(&sb->lock);
		return r < 0 ? r : copy_to_guest(t, arg, &v, sizeof(v));
	}
	return -ENOTTY;
}

void tty_ctty_inherit(struct process *parent, struct process *child)
{
	child->ctty = parent->ctty;
	if (child->ctty)
		tty_get(child->ctty);
}

void tty_ctty_drop(struct process *p)
{
	struct tty *tty = p->ctty;
	p->ctty = NULL;
	tty_put(tty); /* never the last reference while the caller uses tty: see tty.h */
}

void tty_process_exit(struct sandbox *sb, struct process *p)
{
	if (p->sid == p->pid)
		disassociate(sb, p, NULL);
	tty_ctty_drop(p);
}
