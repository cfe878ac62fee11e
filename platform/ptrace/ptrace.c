/*
 * The ptrace platform.
 *
 * Each address space is a stub process (platform/ptrace/stub.S) forked by the Sentry thread
 * that drives it, which is its tracer. The guest runs under PTRACE_SYSEMU: every system call
 * stops before the host runs it, and the host never runs it. PTRACE_O_EXITKILL plus a
 * parent-death signal make sure no stub outlives the Sentry. The stub lives in its own
 * session, so signals from the host's terminal reach the Sentry, never the guest directly.
 */
#define _GNU_SOURCE
#include "platform/platform.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <pthread.h>
#include <linux/audit.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform/common.h"
#include "sentry/log.h"

extern const char cvisor_stub_elf[];
extern const char cvisor_stub_elf_end[];

/* An address space: a host mm, shared by every host thread that runs in it. */
struct pl_as {
	int refs;
	uint64_t vdso;
	pid_t parked_leader; /* a host group leader parked after its guest thread exited */
};

struct pl_thread {
	pid_t tid;
	pid_t pid; /* the host process (thread group) it belongs to */
	struct pl_as *as;
	int mem_fd; /* /proc/<tid>/mem, opened on first poke */
};

#define PT_OPTIONS	 (PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD)
#define INTERRUPT_SIGNAL SIGURG /* how another Sentry thread makes a running stub stop */

/* The gadgets' addresses, from the stub's ELF header (see stub.S). */
static uint64_t gadget_syscall(void)
{
	return ((const Elf64_Ehdr *)cvisor_stub_elf)->e_entry;
}

static uint64_t gadget_clone(void)
{
	return gadget_syscall() + 16;
}

static uint64_t gadget_park(void)
{
	return gadget_syscall() + 48;
}

static struct pl_thread *thread_new(pid_t tid, pid_t pid, struct pl_as *as)
{
	struct pl_thread *th = calloc(1, sizeof(*th));
	if (!th)
		return NULL;
	th->tid = tid;
	th->pid = pid;
	th->as = as;
	th->mem_fd = -1;
	return th;
}

static void as_put(struct pl_as *as)
{
	if (as && __atomic_sub_fetch(&as->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(as);
}

static void reap(pid_t tid)
{
	int status;
	while (waitpid(tid, &status, __WALL) < 0 && errno == EINTR)
		;
}

/* waitpid that retries on EINTR; returns the status or a negative errno. */
static int wait_tid(pid_t tid, int *status)
{
	for (;;) {
		pid_t r = waitpid(tid, status, __WALL);
		if (r == tid)
			return 0;
		if (r < 0 && errno == EINTR)
			continue;
		return r < 0 ? -errno : -ECHILD;
	}
}

static int stub_image_fd(void)
{
	size_t len = (size_t)(cvisor_stub_elf_end - cvisor_stub_elf);
	int fd = memfd_create("cvisor-stub", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, cvisor_stub_elf, len) != (ssize_t)len) {
		int err = errno ? -errno : -EIO;
		close(fd);
		return err;
	}
	return fd;
}

/* Runs in the forked child: becomes the stub. Only async-signal-safe calls here. */
static void __attribute__((noreturn)) stub_child(int image_fd, pid_t sentry)
{
	static char *const argv[] = {"cvisor-stub", NULL};
	static char *const envp[] = {NULL};

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != sentry)
		_exit(126);
	setsid();
	if (image_fd > 0)
		syscall(SYS_close_range, 0, image_fd - 1, 0);
	syscall(SYS_close_range, image_fd + 1, ~0U, 0);
	if (ptrace(PTRACE_TRACEME, 0, 0, 0) < 0)
		_exit(126);
	syscall(SYS_execveat, image_fd, "", argv, envp, AT_EMPTY_PATH);
	_exit(127);
}

static long inject(struct pl_thread *th, uint64_t gadget, long nr, const uint64_t a[6]);

/* Finds [vdso] and [stack] in the stub's maps; unmaps the stack the kernel gave it. */
static int tidy_stub(struct pl_thread *th)
{
	char path[64], line[512];
	uint64_t stack_lo = 0, stack_hi = 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", th->pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx", &lo, &hi) != 2)
			continue;
		if (strstr(line, "[vdso]"))
			th->as->vdso = lo;
		else if (strstr(line, "[stack]")) {
			stack_lo = lo;
			stack_hi = hi;
		}
	}
	fclose(f);
	if (stack_hi) {
		uint64_t a[6] = {stack_lo, stack_hi - stack_lo};
		long r = inject(th, gadget_syscall(), SYS_munmap, a);
		if (r < 0)
			return (int)r;
	}
	return 0;
}

static int pt_as_create(struct pl_as **out_as, struct pl_thread **out_th)
{
	int status, err;
	pid_t sentry = getpid();
	struct pl_as *as = calloc(1, sizeof(*as));
	struct pl_thread *th = NULL;
	if (!as)
		return -ENOMEM;
	as->refs = 1;
	int image = stub_image_fd();
	if (image < 0) {
		err = image;
		goto fail;
	}
	pid_t pid = fork();
	if (pid < 0) {
		err = -errno;
		close(image);
		goto fail;
	}
	if (pid == 0)
		stub_child(image, sentry);
	close(image);
	th = thread_new(pid, pid, as);
	if (!th) {
		kill(pid, SIGKILL);
		reap(pid);
		err = -ENOMEM;
		goto fail;
	}
	/* The exec stops the stub with SIGTRAP before its first instruction. */
	err = wait_tid(pid, &status);
	if (err < 0)
		goto fail;
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGTRAP) {
		log_error("ptrace: stub did not start (wait status 0x%x)", status);
		err = -ECHILD;
		goto fail;
	}
	if (ptrace(PTRACE_SETOPTIONS, pid, 0, PT_OPTIONS) < 0) {
		err = -errno;
		goto fail;
	}
	err = tidy_stub(th);
	if (err < 0)
		goto fail;
	pl_pin_pair(pid);
	*out_as = as;
	*out_th = th;
	return 0;
fail:
	if (th) {
		kill(th->pid, SIGKILL);
		reap(th->tid);
		free(th);
	}
	free(as);
	return err;
}

static int pt_clone(struct pl_thread *th, unsigned flags, struct pl_child *child)
{
	uint64_t cf;
	if (flags & PL_CLONE_THREAD)
		cf = CLONE_VM | CLONE_THREAD | CLONE_SIGHAND;
	else if (flags & PL_CLONE_VM)
		cf = CLONE_VM | CLONE_PARENT | SIGCHLD;
	else
		cf = CLONE_PARENT | SIGCHLD; /* the Sentry is every stub's parent, and reaps it */
	uint64_t a[6] = {cf, 0, 0, 0, 0, 0};
	long r = inject(th, gadget_clone(), SYS_clone, a);
	if (r < 0)
		return (int)r;
	child->tid = (pid_t)r;
	if (flags & (PL_CLONE_VM | PL_CLONE_THREAD)) {
		__atomic_add_fetch(&th->as->refs, 1, __ATOMIC_RELAXED);
		child->as = th->as;
		return 0;
	}
	child->as = calloc(1, sizeof(*child->as));
	if (!child->as) {
		kill((pid_t)r, SIGKILL);
		return -ENOMEM;
	}
	child->as->refs = 1;
	child->as->vdso = th->as->vdso;
	return 0;
}

/* The host thread group of tid, from /proc (a thread's is its creator's). */
static pid_t host_tgid(pid_t tid)
{
	char path[64], line[128];
	pid_t pid = tid;
	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return tid;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &pid) == 1)
			break;
	fclose(f);
	return pid;
}

static int pt_adopt(struct pl_child *child, struct pl_thread **out)
{
	int status, err;
	pid_t tid = child->tid;
	if (ptrace(PTRACE_SEIZE, tid, 0, PT_OPTIONS) < 0)
		return -errno;
	if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0)
		return -errno;
	for (;;) {
		err = wait_tid(tid, &status);
		if (err < 0)
			return err;
		if (!WIFSTOPPED(status))
			return -ESRCH;
		if ((status >> 16) == PTRACE_EVENT_STOP)
			break;
		ptrace(PTRACE_CONT, tid, 0, 0); /* some host signal: not the guest's; drop it */
	}
	struct pl_thread *th = thread_new(tid, host_tgid(tid), child->as);
	if (!th)
		return -ENOMEM;
	uint64_t a[6] = {0}; /* alarm(0): the parked child's safety alarm is disarmed */
	long r = inject(th, gadget_syscall(), SYS_alarm, a);
	if (r < 0) {
		free(th);
		return (int)r;
	}
	pl_pin_pair(tid);
	*out = th;
	return 0;
}

static void pt_release(struct pl_thread *th)
{
	if (!th)
		return;
	kill(th->pid, SIGKILL);
	reap(th->tid);
	if (th->as->parked_leader == th->pid && th->tid != th->pid) {
		/* The parked, untraced leader is the Sentry's child: reap it too. */
		reap(th->pid);
		th->as->parked_leader = 0;
	}
	if (th->mem_fd >= 0)
		close(th->mem_fd);
	as_put(th->as);
	free(th);
}

static int is_fault_signal(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP;
}

/* The kernel's internal restart codes must never reach a guest register at a stop: the
 * host's own signal code would act on them and rewind rip. The Sentry restarts itself. */
static void pt_thread_exit(struct pl_thread *th)
{
	pl_regs r;
	int status;
	if (ptrace(PTRACE_GETREGS, th->tid, 0, &r) == 0) {
		r.orig_rax = (uint64_t)-1;
		if (th->tid == th->pid) {
			/* The host group leader cannot leave before the other threads without
			 * becoming a zombie its tracer would wait on: it parks, untraced. */
			r.rip = gadget_park();
			if (ptrace(PTRACE_SETREGS, th->tid, 0, &r) == 0 &&
			    ptrace(PTRACE_DETACH, th->tid, 0, 0) == 0)
				th->as->parked_leader = th->pid;
		} else {
			r.rip = gadget_syscall();
			r.rax = SYS_exit;
			r.rdi = 0;
			if (ptrace(PTRACE_SETREGS, th->tid, 0, &r) == 0 &&
			    ptrace(PTRACE_CONT, th->tid, 0, 0) == 0) {
				while (wait_tid(th->tid, &status) == 0 && WIFSTOPPED(status))
					ptrace(PTRACE_CONT, th->tid, 0, 0);
			}
		}
	}
	if (th->mem_fd >= 0)
		close(th->mem_fd);
	as_put(th->as);
	free(th);
}

static void sanitize_result(pl_regs *r)
{
	long rax = (long)r->rax;
	if ((long)r->orig_rax >= 0 && rax >= -516 && rax <= -512)
		r->rax = (uint64_t)-EINTR;
}

static int pt_run(struct pl_thread *th, pl_regs *regs, struct pl_stop *stop)
{
	int status, err;
	sanitize_result(regs);
	if (ptrace(PTRACE_SETREGS, th->tid, 0, regs) < 0)
		return -errno;
	if (ptrace(PTRACE_SYSEMU, th->tid, 0, 0) < 0)
		return -errno;
	memset(stop, 0, sizeof(*stop));
	err = wait_tid(th->tid, &status);
	if (err < 0)
		return err;
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		stop->kind = PL_STOP_EXITED;
		stop->status = status;
		return 0;
	}
	if (ptrace(PTRACE_GETREGS, th->tid, 0, regs) < 0)
		return -errno;
	int sig = WSTOPSIG(status);
	if (status >> 16) {
		/* A ptrace event stop (PTRACE_INTERRUPT, group-stop): no signal to look at. */
		stop->kind = PL_STOP_SIGNAL;
		return 0;
	}
	if (sig == (SIGTRAP | 0x80)) {
		/* int 0x80 reaches the same stop with the i386 ABI's number in orig_rax: it must
		 * never be served as the x86_64 call of the same number. */
		struct __ptrace_syscall_info info;
		long n = ptrace(PTRACE_GET_SYSCALL_INFO, th->tid, sizeof(info), &info);
		if (n > 0 && info.arch != AUDIT_ARCH_X86_64)
			stop->kind = PL_STOP_FOREIGN_SYSCALL;
		else
			stop->kind = PL_STOP_SYSCALL;
		return 0;
	}
	stop->signo = sig;
	ptrace(PTRACE_GETSIGINFO, th->tid, 0, &stop->info);
	/* A fault raised by the CPU has si_code > 0; a kill() of SIGSEGV from outside is async. */
	if (is_fault_signal(sig) && stop->info.si_code > 0)
		stop->kind = PL_STOP_FAULT;
	else
		stop->kind = PL_STOP_SIGNAL;
	return 0;
}

/* Runs one host syscall at a stub gadget with the thread's state saved around it; the
 * gadget ends in int3, which brings the thread back. */
static long inject(struct pl_thread *th, uint64_t gadget, long nr, const uint64_t a[6])
{
	pl_regs saved, r;
	int status, err;
	if (ptrace(PTRACE_GETREGS, th->tid, 0, &saved) < 0)
		return -errno;
	r = saved;
	r.rip = gadget;
	r.rax = (uint64_t)nr;
	r.orig_rax = (uint64_t)-1;
	r.rdi = a[0];
	r.rsi = a[1];
	r.rdx = a[2];
	r.r10 = a[3];
	r.r8 = a[4];
	r.r9 = a[5];
	if (ptrace(PTRACE_SETREGS, th->tid, 0, &r) < 0)
		return -errno;
	for (;;) {
		if (ptrace(PTRACE_CONT, th->tid, 0, 0) < 0)
			return -errno;
		err = wait_tid(th->tid, &status);
		if (err < 0)
			return err;
		if (!WIFSTOPPED(status))
			return -ESRCH;
		if (WSTOPSIG(status) == SIGTRAP && (status >> 16) == 0)
			break;
		/* Some other host signal or stop reached the stub meanwhile: not the guest's. */
	}
	if (ptrace(PTRACE_GETREGS, th->tid, 0, &r) < 0)
		return -errno;
	if (r.rip < gadget || r.rip > gadget + 16) {
		log_error("ptrace: injected syscall %ld trapped at %#llx", nr, r.rip);
		return -EFAULT;
	}
	if (ptrace(PTRACE_SETREGS, th->tid, 0, &saved) < 0)
		return -errno;
	return (long)r.rax;
}

static long pt_host_syscall(struct pl_thread *th, long nr, const uint64_t args[6])
{
	return inject(th, gadget_syscall(), nr, args);
}

static long pt_read(struct pl_thread *th, uint64_t addr, void *buf, size_t len)
{
	return pl_vm_rw(th->tid, addr, buf, len, 0);
}

static long pt_write(struct pl_thread *th, uint64_t addr, const void *buf, size_t len)
{
	return pl_vm_rw(th->tid, addr, (void *)buf, len, 1);
}

static int pt_poke(struct pl_thread *th, uint64_t addr, const void *buf, size_t len)
{
	return pl_mem_poke(th->tid, &th->mem_fd, addr, buf, len);
}

static int pt_get_regs(struct pl_thread *th, pl_regs *regs)
{
	return ptrace(PTRACE_GETREGS, th->tid, 0, regs) < 0 ? -errno : 0;
}

static long pt_get_fpstate(struct pl_thread *th, void *buf, size_t cap)
{
	struct iovec iov = {buf, cap};
	if (ptrace(PTRACE_GETREGSET, th->tid, NT_X86_XSTATE, &iov) < 0)
		return -errno;
	return (long)iov.iov_len;
}

static int pt_set_fpstate(struct pl_thread *th, const void *buf, size_t len)
{
	struct iovec iov = {(void *)buf, len};
	return ptrace(PTRACE_SETREGSET, th->tid, NT_X86_XSTATE, &iov) < 0 ? -errno : 0;
}

static uint64_t pt_vdso_base(struct pl_thread *th)
{
	return th->as->vdso;
}

static void pt_interrupt(struct pl_thread *th)
{
	syscall(SYS_tgkill, th->pid, th->tid, INTERRUPT_SIGNAL);
}

static pid_t pt_host_tid(struct pl_thread *th)
{
	return th->tid;
}

long pt_regions(struct pl_thread *th, struct pl_region *out, size_t cap); /* regions.c */

const struct platform_ops platform_ptrace = {
    .name = "ptrace",
    .as_create = pt_as_create,
    .clone = pt_clone,
    .adopt = pt_adopt,
    .release = pt_release,
    .thread_exit = pt_thread_exit,
    .run = pt_run,
    .read = pt_read,
    .write = pt_write,
    .poke = pt_poke,
    .host_syscall = pt_host_syscall,
    .get_regs = pt_get_regs,
    .get_fpstate = pt_get_fpstate,
    .set_fpstate = pt_set_fpstate,
    .vdso_base = pt_vdso_base,
    .interrupt = pt_interrupt,
    .host_tid = pt_host_tid,
    .regions = pt_regions,
};
