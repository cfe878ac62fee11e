/*
 * Tasks: the Sentry's view of a guest thread, and the guest-memory access every syscall
 * handler goes through.
 *
 * Rule for handlers: every guest pointer is copied in once, into Sentry memory, and only the
 * copy is looked at (no double fetch); every length is bounded before anything is allocated.
 */
#ifndef CVISOR_TASK_H
#define CVISOR_TASK_H

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <time.h>

#include "platform/platform.h"

struct mm;
struct fd_table;
struct fs_context;
struct sandbox;
struct process;
struct sigqueue;

struct creds {
	uid_t ruid, euid, suid, fsuid;
	gid_t rgid, egid, sgid, fsgid;
};

/* A guest signal handler as rt_sigaction stores it (the kernel's layout). */
struct guest_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

struct task {
	struct sandbox *sb;
	const struct platform_ops *pl;
	struct pl_as *as;
	struct pl_thread *th;
	pl_regs regs;

	pid_t tid, tgid, ppid, pgid, sid; /* guest ids: never host pids */
	struct creds cred;
	struct mm *mm;
	struct fd_table *fdt;
	struct fs_context *fs;

	uint64_t clear_child_tid;
	uint64_t robust_list, robust_len;
	uint64_t sigmask;
	struct guest_sigaction sigactions[64];
	stack_t altstack;
	struct rlimit
	    rlim[RLIM_NLIMITS]; /* the guest's own limits (a fiction the Sentry enforces) */
	char comm[16];

	/* Guest attributes Linux keeps per thread, recorded and checked but never applied to
	 * the host. Zero is Linux's initial value of each, so a zeroed task starts right.
	 * Written under sb->lock (another thread may read them: getpriority, capget, a parent's
	 * exit); the owning thread may read its own without it. task_copy() applies fork's
	 * rules, execve keeps them but keepcaps. */
	int pdeathsig;		      /* PR_SET_PDEATHSIG: sent when the parent process exits */
	bool no_new_privs;	      /* sticky, inherited */
	bool keepcaps;		      /* PR_SET_KEEPCAPS: inherited, cleared by execve */
	uint64_t timer_slack;	      /* ns; 0: default_timer_slack */
	uint64_t default_timer_slack; /* ns; the parent's slack at fork; 0: 50 us (init's) */
	int nice;		      /* -20..19 */
	int sched_policy;	      /* SCHED_OTHER (0), SCHED_BATCH or SCHED_IDLE */
	bool sched_reset_on_fork;
	/* Capabilities (a guest fiction, sys_creds.c): until caps_set, the default sets of
	 * the euid (all for 0, none otherwise). */
	bool caps_set;
	uint64_t cap_eff, cap_prm, cap_inh;

	bool exiting;
	int exit_status; /* a wait status: (code << 8) or the terminating signal */

	struct process *proc;	  /* the process (thread group) this task belongs to */
	struct task *next_thread; /* in proc's thread list, under the sandbox lock */
	bool thread_exit_only;	  /* exit(2): this thread ends, not the group */
	pthread_t host_thread;	  /* the Sentry thread that runs this task */

	/* Signals (sentry/signal.c). sig_lock protects what follows. */
	pthread_mutex_t sig_lock;
	uint64_t pending;	    /* bit (sig - 1): pending for this task */
	siginfo_t pending_info[64]; /* standard signals: the first instance's info */
	struct sigqueue *rtq;	    /* real-time signals: every instance, in order */
	int rtq_len;
	int fatal_signal;	 /* a signal whose action kills the process, or 0 */
	pthread_mutex_t *wait_m; /* what the task is blocked on in task_wait() */
	pthread_cond_t *wait_cv;
	int kicks;		/* task_kick()s still using wait_m (see signal.c) */
	uint64_t sigwait_set;	/* rt_sigtimedwait: blocked signals that still wake */
	uint64_t saved_sigmask; /* sigsuspend/pselect: the mask to restore ... */
	bool restore_sigmask;	/* ... after the next handler (or at once if none) */
	bool restart_pending;	/* the last syscall returned a restart code */
	bool in_host_block;	/* inside a host call that a SIGUSR1 to the thread ends */
};

/* The task the calling Sentry thread runs (NULL outside task threads). */
struct task *task_current(void);
/* Whether t has capability cap (CAP_*) in its effective set: the guest fiction of sys_creds.c. */
bool task_capable(const struct task *t, int cap);
void task_set_current(struct task *t);

/* Per-sandbox state shared by its tasks. */
struct sandbox {
	const struct platform_ops *pl;
	bool strace;
	char hostname[65];
	char domainname[65];
	struct timespec boot_time; /* CLOCK_MONOTONIC at sandbox start: uptime in sysinfo, /proc */
	cpu_set_t cpus;		   /* the CPUs the sandbox started with: the guest's affinity */

	/* The process table (sentry/process.c), under lock. */
	pthread_mutex_t lock;
	pthread_cond_t child_cv; /* a process changed state: waiters re-check */
	struct process *procs;	 /* every live or zombie process */
	struct process *init;
	pid_t last_pid;
	int nprocs;   /* pids in use: every process (zombies too) and every extra thread */
	int pids_max; /* the fork-bomb limit: EAGAIN beyond it */
	int running;  /* tasks whose Sentry thread has not finished */

	/* ITIMER_REAL timers (sentry/timer.c): one thread serves the whole sandbox. */
	pthread_mutex_t timer_lock;
	pthread_cond_t timer_cv;
	struct itimer *timers;
	pthread_t timer_thread;
	bool timer_thread_running, timer_stop;
	uint64_t unimplemented_count[512];
	bool unimplemented_logged[512];
};

/* The kernel's internal restart codes (never seen by the guest). */
#define ERESTARTSYS_K	 512
#define ERESTARTNOHAND_K 514

/* Guest memory access. Return 0 or -EFAULT (nothing partial is reported as success). */
int copy_from_guest(struct task *t, void *dst, uint64_t src, size_t len);
/* Linux's access_ok(): [buf, buf+len) lies wholly in user space (checked before any copy). */
static inline bool guest_range_ok(uint64_t buf, uint64_t len)
{
	const uint64_t top = 0x7ffffffff000ULL;
	return len <= top && buf <= top - len;
}
int copy_to_guest(struct task *t, uint64_t dst, const void *src, size_t len);
/* Copies a NUL-terminated string of at most max-1 bytes; returns its length, -EFAULT, or
 * -ENAMETOOLONG when no NUL is found within max bytes. */
long copy_string_from_guest(struct task *t, char *dst, uint64_t src, size_t max);

/* The six syscall arguments in the order of the x86_64 syscall ABI. */
static inline void task_syscall_args(const struct task *t, uint64_t a[6])
{
	a[0] = t->regs.rdi;
	a[1] = t->regs.rsi;
	a[2] = t->regs.rdx;
	a[3] = t->regs.r10;
	a[4] = t->regs.r8;
	a[5] = t->regs.r9;
}

/* Runs a vetted host syscall inside the task's address space (mm's mmap, munmap, ...). */
long task_host_syscall(struct task *t, long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		       uint64_t a4, uint64_t a5);

/* Runs the task until it exits; returns its wait status. */
int task_run(struct task *t);

/* After task_run: releases the stub, the fds, the fs context and the memory, turns the
 * process into a zombie, and frees t. */
void task_finish(struct task *t);

/* Initializes the Sentry-side fields of a new task (locks); 0 or -errno. */
int task_init_common(struct task *t);

/* Marks the whole thread group as exiting with the given wait status. */
void task_exit_group(struct task *t, int wait_status);

#endif
