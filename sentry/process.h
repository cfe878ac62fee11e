/*
 * The process table: guest pids, parent and children, zombies, process groups, sessions.
 *
 * One process per thread group. The sandbox's lock (sb->lock) protects the whole tree; a
 * change a waiter may care about (an exit, a reparenting) broadcasts sb->child_cv.
 * Lock order: sb->lock before any task's sig_lock.
 */
#ifndef CVISOR_PROCESS_H
#define CVISOR_PROCESS_H

#include <stdbool.h>
#include <sys/types.h>

#include "platform/platform.h"
#include "sentry/task.h"

struct tty;

enum proc_state { PROC_ALIVE, PROC_ZOMBIE };

struct process {
	pid_t pid, pgid, sid;
	struct process *parent;
	struct process *children; /* first child; siblings linked through next_sibling */
	struct process *next_sibling;
	struct process *next_all; /* every process of the sandbox */
	struct task *task;	  /* a live thread to address it by (the leader while it lives);
				     NULL once every thread has exited */
	struct task *threads;	  /* every live thread, linked through next_thread */
	int nr_threads;
	bool group_exiting; /* exit_group or a fatal signal: every thread goes */
	int group_exit_status;
	enum proc_state state;
	int wait_status; /* once a zombie */
	bool execed;	 /* has called execve (setpgid on it from the parent: EACCES) */
	bool vfork_done; /* a vfork child has exec'd or exited: its parent may go on */
	int exit_signal; /* what the parent gets when this process dies (SIGCHLD) */
	/* Job control: stopped by a stop signal until SIGCONT; reported once each to wait. */
	bool stopped;
	int stop_sig;
	bool report_stopped, report_continued;
	/* Guest attributes Linux keeps per process, under sb->lock; threads share them by
	 * construction, process_fork() applies fork's rules. */
	int dumpable;	/* PR_SET_DUMPABLE: 1 at start, inherited, 1 again after execve */
	bool subreaper; /* PR_SET_CHILD_SUBREAPER: adopts orphaned descendants; not inherited */
	gid_t *groups;	/* supplementary groups, sorted; inherited */
	int ngroups;
	/* The controlling terminal (a reference; fs/tty_jobctl.c keeps it, under sb->lock):
	 * inherited at fork, dropped by setsid, given up by a session leader's exit. */
	struct tty *ctty;
};

/* The default action of a stop signal: the process stops, its parent hears of it, and the
 * calling task waits until SIGCONT or SIGKILL. */
void process_stop(struct task *t, int sig);

/* SIGCONT was sent to the process of t: it continues (caller may hold sb->lock). */
void process_continue(struct task *t);

/* Creates the sandbox's process table with init (pid 1) for task t. */
int process_init(struct sandbox *sb, struct task *t);

/* Allocates a pid and a process for child task c, a child of parent's process, in
 * parent's process group and session. -EAGAIN past the sandbox's pids limit. */
int process_fork(struct task *parent, struct task *c, int exit_signal);

/* Adds task c as a new thread of parent's process (a tid from the pid space). */
int process_add_thread(struct task *parent, struct task *c);

/* The thread of p that should take a process-directed sig: one that does not block it,
 * else the main one. Caller holds sb->lock. */
struct task *process_signal_target(struct process *p, int sig);

/* Signal actions are per process: copies t's action for sig to its other threads. */
void process_share_sigaction(struct task *t, int sig);

/* Finds a live thread by tid; caller holds sb->lock. */
struct task *process_find_thread(struct sandbox *sb, pid_t tid);

/* SIGKILL to every other thread of t's process (execve). */
void process_kill_other_threads(struct task *t);

/* Ends the whole thread group with wait_status: every other thread gets SIGKILL. */
void process_group_exit(struct task *t, int wait_status);

/* Unlinks t from its process unless it is the last thread; true when it was the last.
 * Called by the task's Sentry thread as it finishes. */
bool process_thread_leave(struct task *t);

/* The task's process is gone: zombie (or reaped at once when the parent ignores SIGCHLD),
 * children reparented to the nearest living child-subreaper ancestor, else init, and sent
 * their parent-death signals; parent signalled. Called by the task's own Sentry thread
 * once its stub is released. */
void process_exit(struct task *t);

/* Unlinks and frees a zombie collected by wait; caller holds sb->lock. */
void process_reap(struct sandbox *sb, struct process *p);

/* Looks a live or zombie process up; caller holds sb->lock. */
struct process *process_find(struct sandbox *sb, pid_t pid);

/* Sends sig to every live process of the sandbox but init (init's death). */
void process_kill_all_but_init(struct sandbox *sb, int sig);

/* Waits until no task but the caller's is running (after init died). */
void process_wait_all_gone(struct sandbox *sb);

#endif
