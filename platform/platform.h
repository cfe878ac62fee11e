/*
 * The platform interface: how the Sentry runs guest code and gets it back.
 *
 * A platform gives address spaces (one per guest process, a host "stub" process underneath)
 * and threads inside them. The Sentry runs a guest thread with a register set until the next
 * trap (a system call, a fault, a signal, an exit), services the trap, and runs it again.
 * Everything above this header is shared by every platform; nothing above it touches ptrace,
 * seccomp or host pids.
 *
 * Threading: a pl_thread is driven by one Sentry thread at a time, the one that created it
 * (with ptrace, the kernel makes that thread the tracer). Memory access on a pl_as may come
 * from any Sentry thread.
 */
#ifndef CVISOR_PLATFORM_H
#define CVISOR_PLATFORM_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

typedef struct user_regs_struct pl_regs;
typedef struct user_fpregs_struct pl_fpregs;

struct pl_as;
struct pl_thread;

enum pl_stop_kind {
	PL_STOP_SYSCALL = 1, /* the guest executed a system call; number in orig_rax */
	PL_STOP_FAULT,       /* a synchronous fault (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP) */
	PL_STOP_SIGNAL,      /* an asynchronous host signal reached the stub (suppressed) */
	PL_STOP_EXITED,      /* the host process is gone (killed from outside) */
};

struct pl_stop {
	enum pl_stop_kind kind;
	int signo;      /* FAULT, SIGNAL: the host signal */
	siginfo_t info; /* FAULT: si_code, si_addr as the host reported them */
	int status;     /* EXITED: the raw wait status */
};

struct platform_ops {
	const char *name;
	/* Creates an empty address space with one stopped thread in it. */
	int (*as_create)(struct pl_as **as, struct pl_thread **thread);
	/* Kills the stub and frees the address space (all its threads must be done). */
	void (*as_destroy)(struct pl_as *as);
	/* Runs the thread with *regs until the next trap; *regs then holds the guest's state. */
	int (*run)(struct pl_thread *th, pl_regs *regs, struct pl_stop *stop);
	/* Guest memory with the guest's own protections: unmapped or forbidden -> -EFAULT.
	 * Returns the number of bytes copied (short only at a fault) or -EFAULT for none. */
	long (*read)(struct pl_as *as, uint64_t addr, void *buf, size_t len);
	long (*write)(struct pl_as *as, uint64_t addr, const void *buf, size_t len);
	/* Writes through read-only protections (the loader filling text pages). */
	int (*poke)(struct pl_as *as, uint64_t addr, const void *buf, size_t len);
	/* Runs a host system call inside the address space with Sentry-chosen arguments.
	 * Returns the host result (negative errno on failure). */
	long (*host_syscall)(struct pl_thread *th, long nr, const uint64_t args[6]);
	/* The thread's registers as they are now (it must be stopped). */
	int (*get_regs)(struct pl_thread *th, pl_regs *regs);
	int (*get_fpregs)(struct pl_thread *th, pl_fpregs *fp);
	int (*set_fpregs)(struct pl_thread *th, const pl_fpregs *fp);
	/* Where the host put the vDSO in this address space (0: none); given to the guest. */
	uint64_t (*vdso_base)(struct pl_as *as);
	/* Host pid of the stub (for the Sentry's own bookkeeping, never shown to the guest). */
	pid_t (*host_pid)(struct pl_as *as);
};

extern const struct platform_ops platform_ptrace;

/* Looks a platform up by name ("ptrace", "seccomp"); NULL when unknown. */
const struct platform_ops *platform_by_name(const char *name);

#endif
