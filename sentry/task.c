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
#include "sentry/process.h"
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
	pthread_mutex_lock(&t->sig_lock);
	struct pl_thread *th = t->th;
	t->th = NULL;
	pthread_mutex_unlock(&t->sig_lock);
	if (th)
		t->pl->release(th);
	fd_table_put(t->fdt);
	t->fdt = NULL;
	fs_context_put(t->fs);
	t->fs = NULL;
	mm_free(t->mm);
	t->mm = NULL;
	if (t->proc)
		process_exit(t);
	pthread_mutex_destroy(&t->sig_lock);
	free(t);
}

long task_host_syscall(struct task *t, long nr, uint64_t a0, uint64_t a1, uint64_t a2,
		       uint64_t a3, uint64_t a4, uint64_t a5)
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
}

/* Signals whose default action dumps core: the wait status carries the core bit (no core
 * file is written by the sandbox). */
static bool sig_dumps_core(int sig)
{
	switch (sig) {
	case SIGQUIT:
	case SIGILL:
	case SIGTRAP:
	case SIGABRT:
	case SIGBUS:
	case SIGFPE:
	case SIGSEGV:
	case SIGSYS:
	case SIGXCPU:
	case SIGXFSZ:
		return true;
	}
	return false;
}

/* A synchronous fault. Until the process table delivers signals to guest handlers, the
 * default action applies: the thread group dies of the signal. */
static void handle_fault(struct task *t, const struct pl_stop *stop)
{
	log_info("task %d: %s at %#llx (addr %p): default action", t->tid,
		 strsignal(stop->signo), t->regs.rip, stop->info.si_addr);
	task_exit_group(t, stop->signo | (sig_dumps_core(stop->signo) ? 0x80 : 0));
}

/* Acts on pending signals before going back to guest code. Handlers are not delivered yet
 * (see the process issue): a pending, unblocked signal with a handler stays pending;
 * default actions that kill, kill. */
static void handle_signals(struct task *t)
{
	pthread_mutex_lock(&t->sig_lock);
	int fatal = t->fatal_signal;
	uint64_t ready = t->pending & ~t->sigmask;
	for (int sig = 1; !fatal && ready && sig <= 64; sig++) {
		if (!(ready & (1ULL << (sig - 1))))
			continue;
		if (t->sigactions[sig - 1].handler == (uint64_t)(uintptr_t)SIG_DFL) {
			enum sig_default d = signal_default_action(sig);
			if (d == SIG_DFL_TERM || d == SIG_DFL_CORE)
				fatal = sig;
			else /* stop and continue: job control is not there yet */
				t->pending &= ~(1ULL << (sig - 1));
		}
	}
	pthread_mutex_unlock(&t->sig_lock);
	if (fatal)
		task_exit_group(t, fatal | (sig_dumps_core(fatal) ? 0x80 : 0));
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
		case PL_STOP_FAULT:
			handle_fault(t, &stop);
			break;
		case PL_STOP_SIGNAL:
			/* A host signal sent to the stub from outside: not part of the guest's
			 * world. Dropped. */
			log_debug("task %d: host signal %d to the stub dropped", t->tid, stop.signo);
			break;
		case PL_STOP_EXITED:
			if (t->fatal_signal)
				break; /* killed on purpose; handle_signals() says how */
			log_warn("task %d: stub died outside the Sentry's control (status %#x)",
				 t->tid, stop.status);
			task_exit_group(t, WIFSIGNALED(stop.status) ? WTERMSIG(stop.status) : SIGKILL);
			break;
		}
	}
	return t->exit_status;
}
