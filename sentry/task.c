/*
 * The task loop: run the guest until it traps, service the trap, run it again.
 */
#define _GNU_SOURCE
#include "sentry/task.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "fs/vfs.h"
#include "sentry/log.h"
#include "sentry/mm.h"
#include "sentry/futex.h"
#include "sentry/process.h"
#include "sentry/sigframe.h"
#include "sentry/signal.h"
#include "sentry/syscalls/table.h"

static __thread struct task *current_task;

struct task *task_current(void)
{
	return current_task;
}

void task_set_current(struct task *t)
{
	current_task = t;
}

int task_init_common(struct task *t)
{
	int err = pthread_mutex_init(&t->sig_lock, NULL);
	t->host_thread = pthread_self();
	return -err;
}

void task_finish(struct task *t)
{
	bool last = !t->proc || process_thread_leave(t);
	if (!last && t->th)
		futex_exit_robust_list(t);
	if (!last && t->clear_child_tid && t->th) {
		/* CLONE_CHILD_CLEARTID: pthread_join waits on this word. */
		uint32_t zero = 0;
		if (copy_to_guest(t, t->clear_child_tid, &zero, sizeof(zero)) == 0)
			futex_wake_addr(t, t->clear_child_tid, 1);
	}
	pthread_mutex_lock(&t->sig_lock);
	struct pl_thread *th = t->th;
	t->th = NULL;
	pthread_mutex_unlock(&t->sig_lock);
	if (th && last)
		t->pl->release(th);
	else if (th)
		t->pl->thread_exit(th);
	fd_table_put(t->fdt);
	t->fdt = NULL;
	fs_context_put(t->fs);
	t->fs = NULL;
	mm_free(t->mm);
	t->mm = NULL;
	if (t->proc && last)
		process_exit(t);
	signal_queue_free(t);
	pthread_mutex_destroy(&t->sig_lock);
	free(t);
}

long task_host_syscall(struct task *t, long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		       uint64_t a4, uint64_t a5)
{
	uint64_t a[6] = {a0, a1, a2, a3, a4, a5};
	return t->pl->host_syscall(t->th, nr, a);
}

void task_exit_group(struct task *t, int wait_status)
{
	if (t->exiting)
		return;
	t->exiting = true;
	t->exit_status = wait_status;
	if (t->proc && !t->thread_exit_only)
		process_group_exit(t, wait_status);
}

/* Signals whose default action dumps core: the wait status carries the core bit (no core
 * file is written by the sandbox). */
static bool sig_dumps_core(int sig)
{
	return signal_default_action(sig) == SIG_DFL_CORE;
}

/* A synchronous fault: the signal is forced (Linux's force_sig_fault) and then handled like
 * any other, by the guest's handler or by the default action. */
static void handle_fault(struct task *t, const struct pl_stop *stop)
{
	log_debug("task %d: %s at %#llx (addr %p)", t->tid, strsignal(stop->signo), t->regs.rip,
		  stop->info.si_addr);
	siginfo_t si = stop->info;
	si.si_signo = stop->signo;
	signal_force_info(t, stop->signo, &si);
}

/* Synchronous signals first, as Linux's SYNCHRONOUS_MASK. */
static int next_signal(uint64_t ready)
{
	static const int sync[] = {SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGSYS};
	for (size_t i = 0; i < sizeof(sync) / sizeof(sync[0]); i++)
		if (ready & (1ULL << (sync[i] - 1)))
			return sync[i];
	return __builtin_ctzll(ready) + 1;
}

/* The syscall whose result was a restart code runs again: its number back in rax, rip on
 * the syscall instruction (2 bytes). */
static void restart_syscall_now(struct task *t)
{
	t->regs.rax = t->regs.orig_rax;
	t->regs.rip -= 2;
}

/* Acts on pending signals before going back to guest code: at most one handler frame is
 * set up; default actions that kill, kill; a syscall interrupted by the signal returns
 * EINTR or restarts as Linux decides (ERESTARTSYS and SA_RESTART). */
static void handle_signals(struct task *t)
{
	bool delivered = false;
	for (;;) {
		pthread_mutex_lock(&t->sig_lock);
		if (t->fatal_signal) {
			int sig = t->fatal_signal;
			pthread_mutex_unlock(&t->sig_lock);
			task_exit_group(t, sig | (sig_dumps_core(sig) ? 0x80 : 0));
			return;
		}
		uint64_t ready = t->pending & ~t->sigmask;
		if (!ready) {
			pthread_mutex_unlock(&t->sig_lock);
			break;
		}
		siginfo_t info;
		int sig = signal_dequeue(t, 1ULL << (next_signal(ready) - 1), &info);
		uint64_t bit = 1ULL << (sig - 1);
		struct guest_sigaction sa = t->sigactions[sig - 1];
		if (sa.handler == (uint64_t)(uintptr_t)SIG_IGN) {
			pthread_mutex_unlock(&t->sig_lock);
			continue;
		}
		if (sa.handler == (uint64_t)(uintptr_t)SIG_DFL) {
			enum sig_default d = signal_default_action(sig);
			pthread_mutex_unlock(&t->sig_lock);
			if (d == SIG_DFL_TERM || d == SIG_DFL_CORE) {
				task_exit_group(t, sig | (d == SIG_DFL_CORE ? 0x80 : 0));
				return;
			}
			if (d == SIG_DFL_STOP)
				process_stop(t, sig);
			continue; /* ignored, or continued after a stop */
		}
		uint64_t oldmask = t->restore_sigmask ? t->saved_sigmask : t->sigmask;
		t->restore_sigmask = false;
		t->sigmask |= sa.mask | ((sa.flags & SA_NODEFER) ? 0 : bit);
		t->sigmask &= ~((1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1)));
		if (sa.flags & SA_RESETHAND) {
			t->sigactions[sig - 1].handler = (uint64_t)(uintptr_t)SIG_DFL;
			t->sigactions[sig - 1].flags &= ~(uint64_t)SA_SIGINFO;
		}
		pthread_mutex_unlock(&t->sig_lock);
		if (t->restart_pending) {
			t->restart_pending = false;
			if ((long)t->regs.rax == -ERESTARTSYS_K && (sa.flags & SA_RESTART))
				restart_syscall_now(t);
			else
				t->regs.rax = (uint64_t)-EINTR;
		}
		int ferr = sigframe_setup(t, sig, &info, &sa, oldmask);
		if (ferr < 0) {
			log_info("task %d: cannot deliver signal %d (%s): SIGSEGV", t->tid, sig,
				 strerror(-ferr));
			task_exit_group(t, SIGSEGV | 0x80);
			return;
		}
		delivered = true;
		break;
	}
	if (t->restart_pending) {
		/* Interrupted, but no handler ran: the call goes on as if nothing happened. */
		t->restart_pending = false;
		restart_syscall_now(t);
	}
	if (!delivered && t->restore_sigmask) {
		pthread_mutex_lock(&t->sig_lock);
		t->sigmask = t->saved_sigmask;
		t->restore_sigmask = false;
		pthread_mutex_unlock(&t->sig_lock);
	}
}

int task_run(struct task *t)
{
	struct pl_stop stop;
	task_set_current(t);
	while (!t->exiting) {
		handle_signals(t);
		if (t->exiting)
			break;
		int err = t->pl->run(t->th, &t->regs, &stop);
		if (err < 0) {
			log_error("task %d: platform failure: %s", t->tid, strerror(-err));
			task_exit_group(t, SIGKILL);
			break;
		}
		if (t->exiting)
			break;
		switch (stop.kind) {
		case PL_STOP_SYSCALL:
			syscall_dispatch(t);
			break;
		case PL_STOP_FOREIGN_SYSCALL:
			/* The i386 ABI (int 0x80) is not offered: ENOSYS, as from a kernel built
			 * without IA32 emulation. */
			log_info("task %d: int 0x80 system call %lld refused", t->tid,
				 (long long)t->regs.orig_rax);
			t->regs.rax = (uint64_t)-ENOSYS;
			break;
		case PL_STOP_FAULT:
			handle_fault(t, &stop);
			break;
		case PL_STOP_SIGNAL:
			/* A host signal sent to the stub from outside: not part of the guest's
			 * world. Dropped. */
			log_debug("task %d: host signal %d to the stub dropped", t->tid,
				  stop.signo);
			break;
		case PL_STOP_EXITED:
			if (t->fatal_signal)
				break; /* killed on purpose; handle_signals() says how */
			log_warn("task %d: stub died outside the Sentry's control (status %#x)",
				 t->tid, stop.status);
			task_exit_group(t,
					WIFSIGNALED(stop.status) ? WTERMSIG(stop.status) : SIGKILL);
			break;
		}
	}
	return t->exit_status;
}
