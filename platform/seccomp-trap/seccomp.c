/*
 * The seccomp-trap platform (gVisor's systrap design, without its patching fast path).
 *
 * Each address space is a stub process (stub/entry.S, stub/handler.c) under a seccomp filter
 * (filter.c): every system call of guest code traps with SIGSYS into the stub's handler, on
 * the guest thread itself. The handler copies the registers and siginfo into the memory it
 * shares with the Sentry (a memfd, stub_abi.h), wakes the Sentry thread driving that guest
 * thread and waits on a futex for a command. To resume, the Sentry writes a complete signal
 * frame (the registers to run with, the XSAVE image to load, an empty mask) into memory the
 * stub maps read-only, and the handler rt_sigreturns through it: the host kernel restores
 * every register. Faults and host signals reach the same handler. No ptrace at all.
 *
 * Host system calls on the Sentry's behalf (mmap and friends), clones and forks are run by
 * each process's server thread (slot 0), which never runs guest code. Stubs are forked by
 * one long-lived Sentry thread, so that their parent-death signal (the guest dies with the
 * Sentry) is not fired by an ordinary Sentry thread ending; the Sentry is every stub's
 * parent (CLONE_PARENT) and reaps it.
 */
#define _GNU_SOURCE
#include "platform/platform.h"

#include <cpuid.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "platform/common.h"
#include "platform/seccomp-trap/filter.h"
#include "platform/seccomp-trap/stub_abi.h"
#include "sentry/log.h"
#include "sentry/mm.h"

_Static_assert(SC_IMAGE_BASE >= STUB_REGION_LO && SC_REGION_END <= STUB_REGION_HI,
	       "the stub region is off limits to the guest (sentry/mm.h)");

extern const char cvisor_seccomp_stub_elf[];
extern const char cvisor_seccomp_stub_elf_end[];

#define INTERRUPT_SIGNAL   SIGURG      /* how another Sentry thread makes a running thread stop */
#define WAIT_SLICE_NS	   100000000L  /* how often a wait checks that the stub still lives */
#define START_SLICES	   100	       /* a stub that is not ready in 10 s is broken */
#define INTERRUPT_GRACE_NS 3000000000L /* see wait_change */
#define USER_CS		   0x33	       /* the selectors of a 64-bit user program */
#define USER_DS		   0x2b

struct pl_as {
	int refs;
	int shm_fd;   /* the shared file */
	uint8_t *shm; /* the Sentry's mapping of it */
	pid_t pid;    /* the host process whose server (slot 0) serves this address space */
	uint64_t vdso;
	pthread_mutex_t server_lock; /* one server command at a time */
	pthread_mutex_t slot_lock;
	pid_t slot_tid[SC_NSLOTS]; /* 0: free; -1: being created */
	pid_t slot_pid[SC_NSLOTS]; /* the host process of the slot's thread */
};

struct pl_thread {
	struct pl_as *as;
	int slot;
	pid_t tid, pid;
	uint32_t trap_seen;
	bool fp_dirty;	   /* the in-slot's XSAVE image is the state to resume with */
	uint64_t frame_fp; /* the XSAVE area of the handler's frame, in the stub (0: none yet) */
	pl_regs regs;	   /* at the last trap */
	int mem_fd;
	uint64_t interrupted_ns; /* CLOCK_MONOTONIC of an interrupt not answered by a trap yet */
	bool ran;		 /* has had a command */
};

/*
 * The hand-off between a guest thread and its Sentry thread. Each side could spin a while
 * before sleeping on the futex (SPIN_NS: the pause loops are calibrated at startup; the
 * stub's budgets are in its globals), which pays only when the two run on different CPUs.
 * Measured here (2 vCPUs, a VM where waking a sleeping CPU costs some 25 us), median ns per
 * op, pair on one CPU without spinning / on two CPUs spinning 20 us:
 *   getppid 8400 / 3200, open+read+close 39300 / 27400, stat 15400 / 11200,
 *   pipe round trip 77000 / 136000, 64 KiB mmap+touch+munmap 71000 / 108000 (TLB
 *   shootdowns reach the spinning CPU), fork+exec+wait 5.7 / 6.6 ms (ptrace: 9900, 43800,
 *   16800, 85600, 80000, 5.3 ms).
 * So each pair shares a CPU (pl_pin_pair, as the ptrace platform does) and nobody spins.
 */
#define SPIN_NS 0
static unsigned long sentry_spin;

/* What is the same for every stub: found once. */
static struct {
	int err;
	int image_fd;
	struct sc_globals globals;
	uint32_t xsave_size; /* the standard-format XSAVE image of a signal frame */
	uint64_t xfeatures;
	uint32_t mxcsr_mask;
} host;
static pthread_once_t host_once = PTHREAD_ONCE_INIT;

static struct sc_in *in_slot(struct pl_as *as, int k)
{
	return (struct sc_in *)(as->shm + SC_GLOBALS_SZ + (size_t)k * SC_IN_SLOT_SZ);
}

static struct sc_out *out_slot(struct pl_as *as, int k)
{
	return (struct sc_out *)(as->shm + SC_OUT_OFFSET + (size_t)k * SC_OUT_SLOT_SZ);
}

static void futex_wake(uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0);
}

/* The stub's code range, from its ELF program headers. */
static int stub_code_range(uint64_t *lo, uint64_t *hi)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)cvisor_seccomp_stub_elf;
	size_t size = (size_t)(cvisor_seccomp_stub_elf_end - cvisor_seccomp_stub_elf);
	if (size < sizeof(*eh) || eh->e_phoff > size ||
	    eh->e_phnum > (size - eh->e_phoff) / sizeof(Elf64_Phdr))
		return -ENOEXEC;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(cvisor_seccomp_stub_elf + eh->e_phoff);
	*lo = *hi = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (ph[i].p_vaddr < SC_IMAGE_BASE ||
		    ph[i].p_vaddr + ph[i].p_memsz > SC_IMAGE_BASE + SC_IMAGE_MAX ||
		    (ph[i].p_flags & PF_W))
			return -ENOEXEC; /* the image must hold nothing the guest could write */
		if ((ph[i].p_flags & PF_X) && !*hi) {
			*lo = ph[i].p_vaddr;
			*hi = ph[i].p_vaddr + ph[i].p_memsz;
		}
	}
	return *hi ? 0 : -ENOEXEC;
}

/* The XSAVE layout signal frames use here (standard format, the features the kernel gives
 * user space; AMX tile data only on request, so never in a frame of ours). */
static void xsave_init(void)
{
	unsigned a, b, c, d, lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	host.xfeatures = ((uint64_t)hi << 32 | lo) & ~(1ULL << 18);
	host.xsave_size = 576;
	for (int i = 2; i < 63; i++) {
		if (!(host.xfeatures & (1ULL << i)))
			continue;
		__cpuid_count(0xd, i, a, b, c, d);
		if (b + a > host.xsave_size)
			host.xsave_size = b + a;
	}
	uint8_t fx[512] __attribute__((aligned(16)));
	memset(fx, 0, sizeof(fx));
	__asm__ volatile("fxsave64 %0" : "=m"(fx));
	memcpy(&host.mxcsr_mask, fx + 28, 4);
	if (!host.mxcsr_mask)
		host.mxcsr_mask = 0xffbf;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* What one pause instruction costs here, in ns (it varies tenfold between CPUs). */
static double pause_cost_ns(void)
{
	enum { N = 20000 };
	uint64_t t0 = now_ns();
	for (int i = 0; i < N; i++)
		__builtin_ia32_pause();
	double ns = (double)(now_ns() - t0) / N;
	return ns > 1 ? ns : 1;
}

static void host_init(void)
{
	uint64_t lo, hi;
	host.image_fd = -1;
	host.err = stub_code_range(&lo, &hi);
	if (host.err < 0)
		return;
	xsave_init();
	if (host.xsave_size + 4 > SC_XSAVE_MAX) {
		host.err = -EOPNOTSUPP;
		return;
	}
	host.globals.sentry_pid = (uint64_t)getpid();
	host.globals.fsgsbase = (getauxval(AT_HWCAP2) & 2 /* HWCAP2_FSGSBASE */) != 0;
	host.globals.spin = host.globals.server_spin =
	    SPIN_NS ? (uint64_t)(SPIN_NS / pause_cost_ns()) : 0;
	sentry_spin = (unsigned long)host.globals.spin;
	host.err = sc_build_filters(&host.globals, lo, hi, getpid());
	if (host.err < 0) {
		log_error("seccomp: cannot build the stub's filters: %s", strerror(-host.err));
		return;
	}
	/* The stub's image as a file to exec, kept open read-only (no writer: some kernels
	 * refuse to exec a file open for writing) above the fds a new stub is given. */
	size_t len = (size_t)(cvisor_seccomp_stub_elf_end - cvisor_seccomp_stub_elf);
	char path[64];
	int fd = memfd_create("cvisor-seccomp-stub", MFD_CLOEXEC), ro = -1;
	if (fd < 0 || write(fd, cvisor_seccomp_stub_elf, len) != (ssize_t)len) {
		host.err = fd < 0 ? -errno : -EIO;
		if (fd >= 0)
			close(fd);
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ro = open(path, O_RDONLY | O_CLOEXEC);
	close(fd);
	if (ro >= 0) {
		host.image_fd = fcntl(ro, F_DUPFD_CLOEXEC, 10);
		close(ro);
	}
	if (host.image_fd < 0)
		host.err = -errno;
}

/* ---- the stub factory: a Sentry thread that lives as long as the Sentry ------------------ */

static pthread_mutex_t factory_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t spawn_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t factory_cv = PTHREAD_COND_INITIALIZER;
static pthread_once_t factory_once = PTHREAD_ONCE_INIT;
static int factory_err;
static struct {
	bool pending, done;
	int shm_fd;
	pid_t pid; /* or -errno */
} spawn_req;

/* Runs in the forked child: becomes the stub. Only async-signal-safe calls here. */
static void __attribute__((noreturn)) stub_child(int shm_fd, pid_t sentry)
{
	static char *const argv[] = {"cvisor-stub", NULL};
	static char *const envp[] = {NULL};
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != sentry)
		_exit(126);
	setsid();
	if (shm_fd == SC_SHM_FD ? fcntl(shm_fd, F_SETFD, 0) < 0 : dup2(shm_fd, SC_SHM_FD) < 0)
		_exit(126);
	syscall(SYS_close_range, 0, SC_SHM_FD - 1, 0);
	syscall(SYS_close_range, SC_SHM_FD + 1, host.image_fd - 1, 0);
	syscall(SYS_close_range, host.image_fd + 1, ~0U, 0);
	syscall(SYS_execveat, host.image_fd, "", argv, envp, AT_EMPTY_PATH);
	_exit(127);
}

static void *factory_main(void *arg)
{
	pid_t sentry = getpid();
	pthread_mutex_lock(&factory_lock);
	for (;;) {
		while (!spawn_req.pending)
			pthread_cond_wait(&factory_cv, &factory_lock);
		pid_t pid = fork();
		if (pid == 0)
			stub_child(spawn_req.shm_fd, sentry);
		spawn_req.pid = pid < 0 ? -errno : pid;
		spawn_req.pending = false;
		spawn_req.done = true;
		pthread_cond_broadcast(&factory_cv);
	}
	return arg;
}

static void factory_start(void)
{
	pthread_attr_t attr;
	pthread_t t;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	factory_err = -pthread_create(&t, &attr, factory_main, NULL);
	pthread_attr_destroy(&attr);
}

/* A new stub process given shm_fd as its shared file: its pid or -errno. */
static pid_t spawn_stub(int shm_fd)
{
	pthread_once(&factory_once, factory_start);
	if (factory_err < 0)
		return factory_err;
	pthread_mutex_lock(&spawn_lock);
	pthread_mutex_lock(&factory_lock);
	spawn_req.shm_fd = shm_fd;
	spawn_req.done = false;
	spawn_req.pending = true;
	pthread_cond_broadcast(&factory_cv);
	while (!spawn_req.done)
		pthread_cond_wait(&factory_cv, &factory_lock);
	pid_t pid = spawn_req.pid;
	pthread_mutex_unlock(&factory_lock);
	pthread_mutex_unlock(&spawn_lock);
	return pid;
}

/* ---- waiting for the stub ------------------------------------------------------------------ */

static void reap(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, __WALL) < 0 && errno == EINTR)
		;
}

/* True when the host process pid has ended (not reaped: the wait status in *status). */
static bool proc_gone(pid_t pid, int *status)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT | __WALL) < 0) {
		*status = SIGKILL;
		return errno == ECHILD;
	}
	if (si.si_pid != pid)
		return false;
	if (si.si_code == CLD_EXITED)
		*status = (si.si_status & 0xff) << 8;
	else
		*status = (si.si_status & 0x7f) | (si.si_code == CLD_DUMPED ? 0x80 : 0);
	return true;
}

/* How to wait for a word of the out-slots (see wait_change). */
struct waiter {
	pid_t pid;		  /* the host process that must stay alive */
	const uint32_t *tid_word; /* when given: the thread too (the kernel clears it) */
	uint32_t *flag;		  /* when given: set while asleep, so that the stub wakes us */
	unsigned long spin;	  /* pause loops first, when the stub may answer at once */
	int max_slices;		  /* 0: no limit */
	struct pl_thread *th;	  /* a run: the interrupt grace applies */
	int status;		  /* out: the wait status of a process that is gone */
};

/*
 * Waits until *word is no longer old: -ESRCH when the process (or the thread) is gone,
 * -ETIMEDOUT after max_slices slices of WAIT_SLICE_NS, 0 otherwise. It spins first, then
 * sleeps on the futex with w->flag set (the stub wakes only a sleeper: both sides publish
 * their word, then read the other's flag, with full barriers in between).
 *
 * For a run, a thread that has not trapped INTERRUPT_GRACE_NS after an interrupt is killed
 * with its process: it can only have blocked host signals and parked itself in the stub's
 * code on purpose (a forged rt_sigreturn, then a futex wait), and the Sentry must stay able
 * to stop every guest.
 */
static int wait_change(const uint32_t *word, uint32_t old, struct waiter *w)
{
	struct timespec slice = {0, WAIT_SLICE_NS};
	int slices = 0, err = 0;
	for (unsigned long i = 0; i < w->spin; i++) {
		if (__atomic_load_n(word, __ATOMIC_ACQUIRE) != old)
			return 0;
		__builtin_ia32_pause();
	}
	for (;;) {
		if (w->flag)
			__atomic_store_n(w->flag, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != old)
			break;
		long r = syscall(SYS_futex, word, FUTEX_WAIT, old, &slice, NULL, 0);
		if (r == 0 || errno != ETIMEDOUT)
			continue;
		if (proc_gone(w->pid, &w->status)) {
			err = -ESRCH;
			break;
		}
		if (w->tid_word && __atomic_load_n(w->tid_word, __ATOMIC_ACQUIRE) == 0) {
			w->status = SIGKILL;
			err = -ESRCH;
			break;
		}
		if (w->max_slices && ++slices >= w->max_slices) {
			err = -ETIMEDOUT;
			break;
		}
		struct pl_thread *th = w->th;
		uint64_t since = th ? __atomic_load_n(&th->interrupted_ns, __ATOMIC_RELAXED) : 0;
		if (since && now_ns() - since > (uint64_t)INTERRUPT_GRACE_NS) {
			log_warn("seccomp: stub thread %d ignores interrupts: killing it", th->tid);
			kill(w->pid, SIGKILL);
			__atomic_store_n(&th->interrupted_ns, 0, __ATOMIC_RELAXED);
		}
	}
	if (w->flag)
		__atomic_store_n(w->flag, 0, __ATOMIC_RELAXED);
	return err;
}

/* ---- the server ---------------------------------------------------------------------------- */

/* Runs one command on the address space's server: its result, or -errno when the server is
 * gone. The command is written as a sequence lock (odd while being written). */
static long server_call(struct pl_as *as, uint32_t cmd, long nr, const uint64_t a[6],
			uint64_t slot_arg)
{
	struct sc_in *in = in_slot(as, 0);
	struct sc_out *out = out_slot(as, 0);
	struct waiter w = {.pid = as->pid, .flag = &in->sentry_waiting, .spin = sentry_spin};
	long r;
	pthread_mutex_lock(&as->server_lock);
	uint32_t seq = in->cmd_seq + 2;
	__atomic_store_n(&in->cmd_seq, seq - 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	in->cmd = cmd;
	in->nr = (uint64_t)nr;
	memcpy(in->args, a, sizeof(in->args));
	in->slot_arg = slot_arg;
	__atomic_store_n(&in->cmd_seq, seq, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&out->stub_waiting, __ATOMIC_SEQ_CST))
		futex_wake(&in->cmd_seq);
	for (;;) {
		uint32_t done = __atomic_load_n(&out->done_seq, __ATOMIC_ACQUIRE);
		if (done == seq) {
			r = out->result;
			break;
		}
		if (wait_change(&out->done_seq, done, &w) < 0) {
			r = -ESRCH;
			break;
		}
	}
	pthread_mutex_unlock(&as->server_lock);
	return r;
}

/* ---- address spaces and threads ------------------------------------------------------------ */

static void as_put(struct pl_as *as)
{
	if (!as || __atomic_sub_fetch(&as->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	munmap(as->shm, SC_FILE_LEN);
	close(as->shm_fd);
	pthread_mutex_destroy(&as->server_lock);
	pthread_mutex_destroy(&as->slot_lock);
	free(as);
}

/* A new shared file, mapped in the Sentry, with the globals in place; no process yet. */
static int as_new(struct pl_as **out)
{
	struct pl_as *as = calloc(1, sizeof(*as));
	if (!as)
		return -ENOMEM;
	as->refs = 1;
	as->shm = MAP_FAILED;
	pthread_mutex_init(&as->server_lock, NULL);
	pthread_mutex_init(&as->slot_lock, NULL);
	as->shm_fd = memfd_create("cvisor-seccomp-shm", MFD_CLOEXEC);
	if (as->shm_fd < 0 || ftruncate(as->shm_fd, SC_FILE_LEN) < 0)
		goto fail;
	as->shm = mmap(NULL, SC_FILE_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, as->shm_fd, 0);
	if (as->shm == MAP_FAILED)
		goto fail;
	memcpy(as->shm, &host.globals, sizeof(host.globals));
	*out = as;
	return 0;
fail:;
	int err = -errno;
	if (as->shm_fd >= 0)
		close(as->shm_fd);
	pthread_mutex_destroy(&as->server_lock);
	pthread_mutex_destroy(&as->slot_lock);
	free(as);
	return err;
}

static void slot_free(struct pl_as *as, int k)
{
	pthread_mutex_lock(&as->slot_lock);
	as->slot_tid[k] = 0;
	as->slot_pid[k] = 0;
	pthread_mutex_unlock(&as->slot_lock);
}

/* The kernel's own software bytes and end marker around an XSAVE image in a frame. */
static void xsave_seal(uint8_t *x)
{
	struct sc_fpx_sw_bytes sw = {
	    .magic1 = SC_FP_XSTATE_MAGIC1,
	    .extended_size = host.xsave_size + 4,
	    .xfeatures = host.xfeatures,
	    .xstate_size = host.xsave_size,
	};
	uint32_t magic2 = SC_FP_XSTATE_MAGIC2;
	memcpy(x + 464, &sw, sizeof(sw));
	memcpy(x + host.xsave_size, &magic2, sizeof(magic2));
}

static long sc_get_fpstate(struct pl_thread *th, void *buf, size_t cap);

/*
 * Makes a new guest thread in slot k of as: the server clones itself with cflags; the child
 * sets its signal stack, installs the guest filter and parks until its first RESUME. With a
 * parent, the child starts with the parent's FPU state, as a host clone would.
 */
static int new_thread(struct pl_as *as, uint64_t cflags, struct pl_thread *parent, int *slot,
		      pid_t *tid)
{
	int k = -1;
	pthread_mutex_lock(&as->slot_lock);
	for (int i = 1; i < SC_NSLOTS && k < 0; i++)
		if (as->slot_tid[i] == 0)
			k = i;
	if (k > 0)
		as->slot_tid[k] = -1;
	pthread_mutex_unlock(&as->slot_lock);
	if (k < 0) {
		log_warn("seccomp: more than %d threads in one address space", SC_NSLOTS - 1);
		return -EAGAIN;
	}
	struct sc_in *in = in_slot(as, k);
	struct sc_out *out = out_slot(as, k);
	memset(in, 0, offsetof(struct sc_in, frame));
	memset(out, 0, sizeof(*out));
	in->altstack.ss_sp = SC_STACK_BASE + (uint64_t)k * SC_STACK_SZ;
	in->altstack.ss_size = SC_STACK_SZ;
	if (parent && sc_get_fpstate(parent, in->xsave, SC_XSAVE_MAX) == host.xsave_size) {
		xsave_seal(in->xsave);
		in->fp_pending = 1;
	}
	uint64_t tid_at = (uint64_t)(uintptr_t)&SC_OUT(k)->tid;
	uint64_t a[6] = {cflags, SC_STACK_BASE + (uint64_t)(k + 1) * SC_STACK_SZ, tid_at, tid_at, 0,
			 0};
	long r = server_call(as, SC_CMD_CLONE, SYS_clone, a, (uint64_t)k);
	if (r <= 0) {
		slot_free(as, k);
		return r < 0 ? (int)r : -EIO;
	}
	pthread_mutex_lock(&as->slot_lock);
	as->slot_tid[k] = (pid_t)r;
	as->slot_pid[k] = (cflags & CLONE_THREAD) ? as->pid : (pid_t)r;
	pthread_mutex_unlock(&as->slot_lock);
	*slot = k;
	*tid = (pid_t)r;
	return 0;
}

/* Binds the new thread of slot k to the calling Sentry thread once it is parked. */
static int thread_take(struct pl_as *as, int k, struct pl_thread **out)
{
	struct sc_out *o = out_slot(as, k);
	struct pl_thread *th = calloc(1, sizeof(*th));
	if (!th)
		return -ENOMEM;
	pthread_mutex_lock(&as->slot_lock);
	th->tid = as->slot_tid[k];
	th->pid = as->slot_pid[k];
	pthread_mutex_unlock(&as->slot_lock);
	th->as = as;
	th->slot = k;
	th->mem_fd = -1;
	th->fp_dirty = in_slot(as, k)->fp_pending != 0;
	struct waiter w = {.pid = th->pid, .tid_word = &o->tid, .max_slices = START_SLICES};
	int e = wait_change(&o->parked, 0, &w);
	if (e == 0 && __atomic_load_n(&o->parked, __ATOMIC_ACQUIRE) != SC_PARKED_READY)
		e = -ECHILD;
	if (e < 0) {
		log_error("seccomp: a new stub thread did not start (%s)", strerror(-e));
		free(th);
		return e;
	}
	th->regs.cs = USER_CS;
	th->regs.ss = USER_DS;
	th->regs.eflags = 0x202;
	th->regs.orig_rax = (uint64_t)-1;
	pl_pin_pair(th->tid);
	if (k == 1) {
		/* A new process's server does host calls for this Sentry thread: same CPU. */
		cpu_set_t cpus;
		if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0)
			sched_setaffinity(as->pid, sizeof(cpus), &cpus);
	}
	*out = th;
	return 0;
}

static int sc_as_create(struct pl_as **out_as, struct pl_thread **out_th)
{
	struct pl_as *as = NULL;
	struct pl_thread *th = NULL;
	int k;
	pid_t tid;
	pthread_once(&host_once, host_init);
	if (host.err < 0)
		return host.err;
	int e = as_new(&as);
	if (e < 0)
		return e;
	pid_t pid = spawn_stub(as->shm_fd);
	if (pid < 0) {
		as_put(as);
		return pid;
	}
	as->pid = pid;
	struct waiter w = {.pid = pid, .max_slices = START_SLICES};
	e = wait_change(&out_slot(as, 0)->parked, 0, &w);
	if (e < 0) {
		log_error("seccomp: the stub did not start (%s, wait status %#x)", strerror(-e),
			  e == -ESRCH ? w.status : 0);
		goto fail;
	}
	as->vdso = out_slot(as, 0)->vdso; /* no guest code has run yet */
	e = new_thread(as, SC_CLONE_THREAD_FLAGS, NULL, &k, &tid);
	if (e == 0)
		e = thread_take(as, k, &th);
	if (e < 0)
		goto fail;
	/* The stack the kernel gave the program is not the guest's: the server uses none. */
	uint64_t lo, hi;
	if (pl_find_mapping(pid, "[stack]", &lo, &hi) == 0) {
		uint64_t a[6] = {lo, hi - lo};
		e = (int)server_call(as, SC_CMD_SYSCALL, SYS_munmap, a, 0);
		if (e < 0)
			goto fail;
	}
	*out_as = as;
	*out_th = th;
	return 0;
fail:
	kill(pid, SIGKILL);
	reap(pid);
	free(th);
	as_put(as);
	return e;
}

static int sc_clone(struct pl_thread *th, unsigned flags, struct pl_child *child)
{
	struct pl_as *as = th->as;
	int k, e;
	pid_t tid;
	if (flags & (PL_CLONE_VM | PL_CLONE_THREAD)) {
		bool thread = flags & PL_CLONE_THREAD;
		if (thread && th->pid != as->pid) {
			/* The server would make it a thread of the other process. */
			log_warn("seccomp: threads in a vfork child are not supported");
			return -EAGAIN;
		}
		e = new_thread(as, thread ? SC_CLONE_THREAD_FLAGS : SC_CLONE_VM_PROC_FLAGS, th, &k,
			       &tid);
		if (e < 0)
			return e;
		__atomic_add_fetch(&as->refs, 1, __ATOMIC_RELAXED);
		child->tid = tid;
		child->as = as;
		return 0;
	}
	/* A fork: the server forks; its child maps a shared file of its own and serves it. */
	struct pl_as *nas;
	e = as_new(&nas);
	if (e < 0)
		return e;
	uint64_t a[6] = {SC_CLONE_FORK_FLAGS, 0, 0, 0, 0, 0};
	long r = server_call(as, SC_CMD_FORK, SYS_clone, a, (uint64_t)nas->shm_fd);
	if (r <= 0) {
		as_put(nas);
		return r < 0 ? (int)r : -EIO;
	}
	nas->pid = (pid_t)r;
	nas->vdso = as->vdso;
	e = new_thread(nas, SC_CLONE_THREAD_FLAGS, th, &k, &tid);
	if (e < 0) {
		kill(nas->pid, SIGKILL);
		reap(nas->pid);
		as_put(nas);
		return e;
	}
	child->tid = tid;
	child->as = nas;
	return 0;
}

static int sc_adopt(struct pl_child *child, struct pl_thread **out)
{
	struct pl_as *as = child->as;
	int k = -1;
	pthread_mutex_lock(&as->slot_lock);
	for (int i = 1; i < SC_NSLOTS && k < 0; i++)
		if (as->slot_tid[i] == child->tid)
			k = i;
	pthread_mutex_unlock(&as->slot_lock);
	if (k < 0)
		return -ESRCH;
	return thread_take(as, k, out);
}

static void thread_free(struct pl_thread *th)
{
	if (th->mem_fd >= 0)
		close(th->mem_fd);
	as_put(th->as);
	free(th);
}

static void sc_release(struct pl_thread *th)
{
	if (!th)
		return;
	kill(th->pid, SIGKILL);
	reap(th->pid);
	slot_free(th->as, th->slot);
	thread_free(th);
}

/* Resumes th with a command (RESUME or EXIT). */
static void command(struct pl_thread *th, uint32_t cmd)
{
	struct sc_in *in = in_slot(th->as, th->slot);
	struct sc_out *out = out_slot(th->as, th->slot);
	in->cmd = cmd;
	th->trap_seen = __atomic_load_n(&out->trap_seq, __ATOMIC_ACQUIRE);
	__atomic_store_n(&in->cmd_seq, in->cmd_seq + 1, __ATOMIC_SEQ_CST);
	/* A new thread sleeps in its first wait without saying so. */
	if (!th->ran || __atomic_load_n(&out->stub_waiting, __ATOMIC_SEQ_CST))
		futex_wake(&in->cmd_seq);
	th->ran = true;
}

static void sc_thread_exit(struct pl_thread *th)
{
	struct sc_out *out = out_slot(th->as, th->slot);
	struct waiter w = {.pid = th->pid, .max_slices = START_SLICES};
	int e = 0;
	command(th, SC_CMD_EXIT);
	/* The kernel clears the tid word when the thread is gone; only then may the slot (its
	 * signal stack) serve another thread. */
	for (int i = 0; i < 3 && e == 0; i++) {
		uint32_t v = __atomic_load_n(&out->tid, __ATOMIC_ACQUIRE);
		if (v == 0)
			break;
		e = wait_change(&out->tid, v, &w);
	}
	if (__atomic_load_n(&out->tid, __ATOMIC_ACQUIRE) == 0 || e == -ESRCH) {
		slot_free(th->as, th->slot);
	} else {
		/* Only a guest that forged its trap state gets here: it runs unsupervised, so
		 * its process ends (the slot stays taken; the address space is dead anyway). */
		log_warn("seccomp: stub thread %d did not exit: killing its process", th->tid);
		kill(th->pid, SIGKILL);
	}
	thread_free(th);
}

/* The kernel's internal restart codes must never reach a guest register (as with ptrace). */
static void sanitize_result(pl_regs *r)
{
	long rax = (long)r->rax;
	if ((long)r->orig_rax >= 0 && rax >= -516 && rax <= -512)
		r->rax = (uint64_t)-EINTR;
}

/* The frame the thread's rt_sigreturn restores: regs, the FPU state to load, no signal
 * blocked, the slot's signal stack. */
static void build_frame(struct pl_thread *th, struct sc_in *in, const pl_regs *r)
{
	struct sc_rt_sigframe *f = &in->frame;
	struct sc_sigcontext *sc = &f->uc.uc_mcontext;
	memset(f, 0, sizeof(*f));
	f->uc.uc_flags = SC_UC_FP_XSTATE | SC_UC_SIGCONTEXT_SS | SC_UC_STRICT_RESTORE_SS;
	f->uc.uc_stack = in->altstack;
	sc->r8 = r->r8;
	sc->r9 = r->r9;
	sc->r10 = r->r10;
	sc->r11 = r->r11;
	sc->r12 = r->r12;
	sc->r13 = r->r13;
	sc->r14 = r->r14;
	sc->r15 = r->r15;
	sc->rdi = r->rdi;
	sc->rsi = r->rsi;
	sc->rbp = r->rbp;
	sc->rbx = r->rbx;
	sc->rdx = r->rdx;
	sc->rax = r->rax;
	sc->rcx = r->rcx;
	sc->rsp = r->rsp;
	sc->rip = r->rip;
	sc->eflags = r->eflags;
	sc->cs = (uint16_t)r->cs;
	sc->ss = (uint16_t)r->ss;
	if (th->fp_dirty)
		sc->fpstate = (uint64_t)(uintptr_t)SC_IN(th->slot)->xsave;
	else
		sc->fpstate = th->frame_fp; /* the handler's own frame; 0: the initial state */
}

static void regs_from_trap(const struct sc_out *o, pl_regs *r)
{
	const struct sc_sigcontext *sc = &o->mc;
	r->r8 = sc->r8;
	r->r9 = sc->r9;
	r->r10 = sc->r10;
	r->r11 = sc->r11;
	r->r12 = sc->r12;
	r->r13 = sc->r13;
	r->r14 = sc->r14;
	r->r15 = sc->r15;
	r->rdi = sc->rdi;
	r->rsi = sc->rsi;
	r->rbp = sc->rbp;
	r->rbx = sc->rbx;
	r->rdx = sc->rdx;
	r->rax = sc->rax;
	r->rcx = sc->rcx;
	r->rsp = sc->rsp;
	r->rip = sc->rip;
	r->eflags = sc->eflags;
	r->cs = sc->cs;
	r->ss = sc->ss;
	r->fs_base = o->fs_base;
	r->gs_base = o->gs_base;
	r->orig_rax = (uint64_t)-1;
}

static int is_fault_signal(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP;
}

static int sc_run(struct pl_thread *th, pl_regs *regs, struct pl_stop *stop)
{
	struct sc_in *in = in_slot(th->as, th->slot);
	struct sc_out *out = out_slot(th->as, th->slot);
	sanitize_result(regs);
	build_frame(th, in, regs);
	in->fs_base = regs->fs_base;
	in->gs_base = regs->gs_base;
	/* An interrupt that came while the Sentry held the thread: the grace starts now. */
	if (__atomic_load_n(&th->interrupted_ns, __ATOMIC_RELAXED))
		__atomic_store_n(&th->interrupted_ns, now_ns(), __ATOMIC_RELAXED);
	command(th, SC_CMD_RESUME);
	th->fp_dirty = false;
	in->fp_pending = 0;
	memset(stop, 0, sizeof(*stop));
	struct waiter w = {.pid = th->pid,
			   .tid_word = &out->tid,
			   .flag = &in->sentry_waiting,
			   .spin = sentry_spin,
			   .th = th};
	int e = wait_change(&out->trap_seq, th->trap_seen, &w);
	if (e < 0) {
		stop->kind = PL_STOP_EXITED;
		stop->status = w.status;
		return 0;
	}
	__atomic_store_n(&th->interrupted_ns, 0, __ATOMIC_RELAXED); /* every trap answers */
	/* The out-slot is guest-writable: everything is read from it once, then checked. */
	struct sc_out o;
	memcpy(&o, out, sizeof(o));
	regs_from_trap(&o, regs);
	th->frame_fp = o.mc.fpstate;
	memcpy(&stop->info, o.info, sizeof(o.info));
	int sig = o.signo;
	if (sig == SIGSYS && stop->info.si_code == 1 /* SYS_SECCOMP */) {
		/* As a syscall-entry stop shows it: the number in orig_rax, -ENOSYS in rax. */
		regs->orig_rax = (uint64_t)(unsigned)stop->info.si_syscall;
		regs->rax = (uint64_t)-ENOSYS;
		stop->kind = stop->info.si_arch == AUDIT_ARCH_X86_64 ? PL_STOP_SYSCALL
								     : PL_STOP_FOREIGN_SYSCALL;
		memset(&stop->info, 0, sizeof(stop->info));
	} else {
		stop->signo = sig;
		/* A fault raised by the CPU has si_code > 0; a kill() from outside is async. */
		stop->kind =
		    is_fault_signal(sig) && stop->info.si_code > 0 ? PL_STOP_FAULT : PL_STOP_SIGNAL;
	}
	th->regs = *regs;
	return 0;
}

static long sc_read(struct pl_thread *th, uint64_t addr, void *buf, size_t len)
{
	return pl_vm_rw(th->tid, addr, buf, len, 0);
}

static long sc_write(struct pl_thread *th, uint64_t addr, const void *buf, size_t len)
{
	return pl_vm_rw(th->tid, addr, (void *)buf, len, 1);
}

static int sc_poke(struct pl_thread *th, uint64_t addr, const void *buf, size_t len)
{
	return pl_mem_poke(th->tid, &th->mem_fd, addr, buf, len);
}

static long sc_host_syscall(struct pl_thread *th, long nr, const uint64_t args[6])
{
	if (!sc_host_syscall_allowed(nr)) {
		log_error("seccomp: host system call %ld is not among the stub's", nr);
		return -ENOSYS;
	}
	return server_call(th->as, SC_CMD_SYSCALL, nr, args, 0);
}

static int sc_get_regs(struct pl_thread *th, pl_regs *regs)
{
	*regs = th->regs;
	return 0;
}

/* The state a new thread starts with (FINIT, default MXCSR, every component initial). */
static void xsave_initial(uint8_t *x)
{
	uint16_t fcw = 0x37f;
	uint32_t mxcsr = 0x1f80;
	memset(x, 0, host.xsave_size);
	memcpy(x, &fcw, sizeof(fcw));
	memcpy(x + 24, &mxcsr, sizeof(mxcsr));
	memcpy(x + 28, &host.mxcsr_mask, sizeof(host.mxcsr_mask));
	xsave_seal(x);
}

static long sc_get_fpstate(struct pl_thread *th, void *buf, size_t cap)
{
	size_t n = host.xsave_size;
	if (cap < n)
		return -EINVAL;
	if (th->fp_dirty) {
		memcpy(buf, in_slot(th->as, th->slot)->xsave, n);
	} else if (th->frame_fp) {
		/* The handler's frame, as the kernel wrote it at the trap. */
		if (pl_vm_rw(th->tid, th->frame_fp, buf, n, 0) != (long)n)
			return -EFAULT;
	} else {
		uint8_t x[SC_XSAVE_MAX];
		xsave_initial(x);
		memcpy(buf, x, n);
	}
	return (long)n;
}

/* Checked as the host checks an XSAVE image from user space (ptrace, sigreturn): a whole
 * standard-format image, known features only, no reserved bits. */
static int sc_set_fpstate(struct pl_thread *th, const void *buf, size_t len)
{
	const uint8_t *x = buf;
	uint64_t xstate_bv, xcomp_bv;
	uint32_t mxcsr;
	if (len != host.xsave_size)
		return -EINVAL;
	memcpy(&mxcsr, x + 24, sizeof(mxcsr));
	memcpy(&xstate_bv, x + 512, sizeof(xstate_bv));
	memcpy(&xcomp_bv, x + 520, sizeof(xcomp_bv));
	if ((xstate_bv & ~host.xfeatures) || xcomp_bv || (mxcsr & ~host.mxcsr_mask))
		return -EINVAL;
	for (int i = 528; i < 576; i++)
		if (x[i])
			return -EINVAL;
	struct sc_in *in = in_slot(th->as, th->slot);
	memcpy(in->xsave, x, len);
	xsave_seal(in->xsave);
	in->fp_pending = 1;
	th->fp_dirty = true;
	return 0;
}

static uint64_t sc_vdso_base(struct pl_thread *th)
{
	return th->as->vdso;
}

static void sc_interrupt(struct pl_thread *th)
{
	uint64_t zero = 0, now = now_ns();
	__atomic_compare_exchange_n(&th->interrupted_ns, &zero, now, false, __ATOMIC_RELAXED,
				    __ATOMIC_RELAXED);
	syscall(SYS_tgkill, th->pid, th->tid, INTERRUPT_SIGNAL);
}

/* The host process rather than the thread: the Sentry names CPU clocks through it, and a
 * process clock needs a thread-group leader, which here is the server, never a guest thread.
 * Every guest thread of a process runs in that one host process. */
static pid_t sc_host_tid(struct pl_thread *th)
{
	return th->pid;
}

static long sc_regions(struct pl_thread *th, struct pl_region *out, size_t cap)
{
	return pl_read_regions(th->tid, NULL, SC_IMAGE_BASE, SC_REGION_END, out, cap);
}

const struct platform_ops platform_seccomp = {
    .name = "seccomp",
    .as_create = sc_as_create,
    .clone = sc_clone,
    .adopt = sc_adopt,
    .release = sc_release,
    .thread_exit = sc_thread_exit,
    .run = sc_run,
    .read = sc_read,
    .write = sc_write,
    .poke = sc_poke,
    .host_syscall = sc_host_syscall,
    .get_regs = sc_get_regs,
    .get_fpstate = sc_get_fpstate,
    .set_fpstate = sc_set_fpstate,
    .vdso_base = sc_vdso_base,
    .interrupt = sc_interrupt,
    .host_tid = sc_host_tid,
    .regions = sc_regions,
};
