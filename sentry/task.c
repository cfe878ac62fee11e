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
#include "sentry/syscalls/table.h"

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

int task_run(struct task *t)
{
	struct pl_stop stop;
	while (!t->exiting) {
		int err = t->pl->run(t->th, &t->regs, &stop);
		if (err < 0) {
			log_error("task %d: platform failure: %s", t->tid, strerror(-err));
			task_exit_group(t, SIGKILL);
			break;
		}
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
			log_warn("task %d: stub died outside the Sentry's control (status %#x)",
				 t->tid, stop.status);
			task_exit_group(t, WIFSIGNALED(stop.status) ? WTERMSIG(stop.status) : SIGKILL);
			break;
		}
	}
	return t->exit_status;
}
