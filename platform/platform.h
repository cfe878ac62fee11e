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
/* The largest XSAVE area the Sentry handles (AVX-512 needs about 2.7 KiB). */
#define PL_XSTATE_MAX 8192

struct pl_as;
struct pl_thread;

enum pl_stop_kind {
	PL_STOP_SYSCALL = 1, /* the guest executed a system call; number in orig_rax */
	PL_STOP_FOREIGN_SYSCALL, /* a system call through the i386 entry (int 0x80): refused */
	PL_STOP_FAULT,	     /* a synchronous fault (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP) */
	PL_STOP_SIGNAL,	     /* an asynchronous host signal reached the stub (suppressed) */
	PL_STOP_EXITED,	     /* the host process is gone (killed from outside) */
};

struct pl_stop {
	enum pl_stop_kind kind;
	int signo;	/* FAULT, SIGNAL: the host signal */
	siginfo_t info; /* FAULT: si_code, si_addr as the host reported them */
	int status;	/* EXITED: the raw wait status */
};

/* A new host thread or process cloned from a guest thread, parked until adopted. */
struct pl_child {
	pid_t tid;
	struct pl_as *as; /* a new address space, or the parent's (with a reference) */
};

/* One mapping of an address space, as the host kernel holds it (for /proc/<pid>/maps: the
 * host is the allocator of guest addresses, so only it knows the whole layout). */
enum pl_region_kind { PL_REGION_PLAIN, PL_REGION_VDSO, PL_REGION_VVAR, PL_REGION_VSYSCALL };
struct pl_region {
	uint64_t start, end;
	unsigned prot; /* PROT_READ | PROT_WRITE | PROT_EXEC */
	int shared;    /* MAP_SHARED */
	enum pl_region_kind kind;
};

#define PL_CLONE_VM	0x1 /* share the parent's address space */
#define PL_CLONE_THREAD 0x2 /* a thread of the same host process (implies PL_CLONE_VM) */

struct platform_ops {
	const char *name;
	/* Creates an empty address space with one stopped thread in it, driven by the
	 * calling Sentry thread. */
	int (*as_create)(struct pl_as **as, struct pl_thread **thread);
	/* Clones th's host thread: a copy-on-write address space, or a sharer of it. Runs on
	 * th's Sentry thread; the child waits, parked, for adopt(). */
	int (*clone)(struct pl_thread *th, unsigned flags, struct pl_child *child);
	/* Takes a parked child over on the calling Sentry thread, which drives it from now. */
	int (*adopt)(struct pl_child *child, struct pl_thread **thread);
	/* Kills the host process th lives in (every thread of it) and reaps th; frees th and
	 * drops its address space reference. */
	void (*release)(struct pl_thread *th);
	/* Ends one host thread of a process whose other threads go on (a guest thread's
	 * exit); frees th and drops its address space reference. */
	void (*thread_exit)(struct pl_thread *th);
	/* Runs the thread with *regs until the next trap; *regs then holds the guest's state. */
	int (*run)(struct pl_thread *th, pl_regs *regs, struct pl_stop *stop);
	/* Guest memory with the guest's own protections: unmapped or forbidden -> -EFAULT.
	 * Returns the number of bytes copied (short only at a fault) or -EFAULT for none. */
	long (*read)(struct pl_thread *th, uint64_t addr, void *buf, size_t len);
	long (*write)(struct pl_thread *th, uint64_t addr, const void *buf, size_t len);
	/* Writes through read-only protections (the loader filling text pages). */
	int (*poke)(struct pl_thread *th, uint64_t addr, const void *buf, size_t len);
	/* Runs a host system call inside the address space with Sentry-chosen arguments.
	 * Returns the host result (negative errno on failure). */
	long (*host_syscall)(struct pl_thread *th, long nr, const uint64_t args[6]);
	/* The thread's registers as they are now (it must be stopped). */
	int (*get_regs)(struct pl_thread *th, pl_regs *regs);
	/* The thread's FPU/vector state as an XSAVE image (the layout signal frames use):
	 * get returns its size in bytes; set validates as the host does (-EINVAL). */
	long (*get_fpstate)(struct pl_thread *th, void *buf, size_t cap);
	int (*set_fpstate)(struct pl_thread *th, const void *buf, size_t len);
	/* Where the host put the vDSO in this thread's address space (0: none). */
	uint64_t (*vdso_base)(struct pl_thread *th);
	/* Makes a thread that is running guest code stop and return from run() with
	 * PL_STOP_SIGNAL soon; callable from any Sentry thread. */
	void (*interrupt)(struct pl_thread *th);
	/* Host tid (the Sentry's bookkeeping only, never shown to the guest). */
	pid_t (*host_tid)(struct pl_thread *th);
	/* The mappings of th's address space in address order, the platform's own (the stub)
	 * left out: fills at most cap into out and returns how many there are (call again with
	 * more room when that is above cap), or -errno. Callable from any Sentry thread while th
	 * lives. NULL: the platform cannot tell. */
	long (*regions)(struct pl_thread *th, struct pl_region *out, size_t cap);
};

extern const struct platform_ops platform_ptrace;
extern const struct platform_ops platform_seccomp;

/* Looks a platform up by name ("ptrace", "seccomp"); NULL when unknown. */
const struct platform_ops *platform_by_name(const char *name);

#endif
