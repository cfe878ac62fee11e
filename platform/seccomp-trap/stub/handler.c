/*
 * The seccomp-trap stub's C half: process setup at startup, and the signal handler in which
 * a guest thread waits while the Sentry services its trap.
 *
 * Built freestanding (no libc, no TLS: fs is the guest's), linked with entry.S at
 * SC_IMAGE_BASE. Setup runs before any guest code exists; the handler runs only on guest
 * threads, under the strict guest filter, on the thread's own signal stack.
 */
#include <asm/unistd.h>
#include <linux/auxvec.h>
#include <stddef.h>
#include <stdint.h>

#include "platform/seccomp-trap/stub_abi.h"

/* Everything is in this one static image: rip-relative addresses, no GOT (the image sits
 * above 2 GiB, out of reach of 32-bit absolute ones). */
#pragma GCC visibility push(hidden)

#define FUTEX_WAIT		0
#define FUTEX_WAKE		1
#define PR_SET_NO_NEW_PRIVS	38
#define SECCOMP_SET_MODE_FILTER 1
#define ARCH_SET_GS		0x1001
#define ARCH_SET_FS		0x1002
#define ARCH_GET_FS		0x1003
#define ARCH_GET_GS		0x1004
#define SA_SIGINFO		0x4
#define SA_ONSTACK		0x08000000
#define SA_RESTORER		0x04000000
#define SIG_SETMASK		2
#define SIGKILL			9
#define SIGSTOP			19

void stub_main(uint64_t *sp);
void stub_handler(int sig, void *info, void *ucontext);
void stub_resume(const struct sc_ucontext *uc) __attribute__((noreturn));
void stub_restorer(void);
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

static inline long sys6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

static inline long sys3(long nr, long a, long b, long c)
{
	return sys6(nr, a, b, c, 0, 0, 0);
}

static void __attribute__((noreturn)) die(int code)
{
	for (;;)
		sys3(__NR_exit_group, code, 0, 0);
}

/* The compiler may emit calls to these for structure copies. */
void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

static void futex_wake(uint32_t *word)
{
	sys6(__NR_futex, (long)word, FUTEX_WAKE, 1, 0, 0, 0);
}

struct k_sigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

void stub_main(uint64_t *sp)
{
	uint64_t argc = sp[0], vdso = 0;
	uint64_t *p = sp + 1 + argc + 1; /* past argv and its NULL */
	while (*p)
		p++; /* the environment */
	for (p++; p[0] != AT_NULL; p += 2)
		if (p[0] == AT_SYSINFO_EHDR)
			vdso = p[1];

	/* The shared file: the Sentry's half read-only, the stub's half writable. */
	if (sys6(__NR_mmap, SC_RO_BASE, SC_RO_LEN, 1 /* PROT_READ */, 0x11 /* SHARED|FIXED */,
		 SC_SHM_FD, 0) != SC_RO_BASE)
		die(120);
	if (sys6(__NR_mmap, SC_OUT_BASE, SC_OUT_LEN, 3 /* READ|WRITE */, 0x11, SC_SHM_FD,
		 SC_OUT_OFFSET) != SC_OUT_BASE)
		die(121);
	sys3(__NR_close, SC_SHM_FD, 0, 0);
	/* PRIVATE|ANONYMOUS|FIXED|NORESERVE: pages appear as the signal stacks are used. */
	if (sys6(__NR_mmap, SC_STACK_BASE, SC_STACK_LEN, 3, 0x4032, -1, 0) != SC_STACK_BASE)
		die(122);

	/* Every catchable signal comes to the handler, on the slot's signal stack, with all
	 * others blocked: synchronous ones are the guest's faults and traps, the rest are
	 * host signals the Sentry drops (or its interrupts). */
	struct k_sigaction sa = {
	    .handler = (void *)stub_handler,
	    .flags = SA_SIGINFO | SA_ONSTACK | SA_RESTORER,
	    .restorer = (void *)stub_restorer,
	    .mask = ~0ULL,
	};
	for (long sig = 1; sig <= 64; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sys6(__NR_rt_sigaction, sig, (long)&sa, 0, 8, 0, 0);

	uint64_t all = ~0ULL;
	if (sys6(__NR_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0) != 0 ||
	    sys6(__NR_rt_sigprocmask, SIG_SETMASK, (long)&all, 0, 8, 0, 0) != 0 ||
	    sys3(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, (long)&SC_GLOBALS->server_prog) != 0)
		die(123);

	struct sc_out *o = SC_OUT(0);
	o->vdso = vdso;
	__atomic_store_n(&o->parked, SC_PARKED_READY, __ATOMIC_RELEASE);
	futex_wake(&o->parked);
}

static uint64_t read_base(int which)
{
	uint64_t v = 0;
	if (SC_GLOBALS->fsgsbase) {
		if (which == ARCH_GET_FS)
			__asm__ volatile("rdfsbase %0" : "=r"(v));
		else
			__asm__ volatile("rdgsbase %0" : "=r"(v));
	} else {
		sys3(__NR_arch_prctl, which, (long)&v, 0);
	}
	return v;
}

static void write_base(int which, uint64_t v)
{
	if (SC_GLOBALS->fsgsbase) {
		if (which == ARCH_SET_FS)
			__asm__ volatile("wrfsbase %0" ::"r"(v));
		else
			__asm__ volatile("wrgsbase %0" ::"r"(v));
	} else {
		sys3(__NR_arch_prctl, which, (long)v, 0);
	}
}

/*
 * A trap: the guest thread's registers and siginfo go to its out-slot, the Sentry is woken,
 * and the thread waits for a command in its in-slot. RESUME leaves by rt_sigreturn through
 * the frame the Sentry wrote there (its registers, the XSAVE image it names, an empty mask,
 * this slot's signal stack); the kernel restores everything but the fs and gs bases, set
 * here when the Sentry changed them.
 */
void stub_handler(int sig, void *info, void *ucontext)
{
	uint64_t sp;
	__asm__("mov %%rsp, %0" : "=r"(sp));
	uint64_t k = (sp - SC_STACK_BASE) / SC_STACK_SZ;
	if (sp < SC_STACK_BASE || k == 0 || k >= SC_NSLOTS)
		die(124); /* not on a guest thread's signal stack: cannot happen */
	struct sc_out *o = SC_OUT(k);
	const struct sc_in *in = SC_IN(k);
	const struct sc_ucontext *uc = ucontext;
	uint32_t seen = __atomic_load_n(&in->cmd_seq, __ATOMIC_ACQUIRE);
	uint64_t fs = read_base(ARCH_GET_FS), gs = read_base(ARCH_GET_GS);

	memcpy(&o->mc, &uc->uc_mcontext, sizeof(o->mc));
	memcpy(o->info, info, sizeof(o->info));
	o->signo = sig;
	o->fs_base = fs;
	o->gs_base = gs;
	/* The trap, then whether the Sentry sleeps (it may spin first): both sides publish, then
	 * look at the other's flag, with full barriers in between, so no wake is lost. */
	__atomic_fetch_add(&o->trap_seq, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&in->sentry_waiting, __ATOMIC_SEQ_CST))
		futex_wake(&o->trap_seq);

	uint64_t spin = SC_GLOBALS->spin;
	for (;;) {
		if (__atomic_load_n(&in->cmd_seq, __ATOMIC_ACQUIRE) != seen)
			break;
		if (spin) {
			spin--;
			__asm__ volatile("pause");
			continue;
		}
		__atomic_store_n(&o->stub_waiting, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&in->cmd_seq, __ATOMIC_SEQ_CST) == seen)
			sys6(__NR_futex, (long)&in->cmd_seq, FUTEX_WAIT, seen, 0, 0, 0);
		__atomic_store_n(&o->stub_waiting, 0, __ATOMIC_RELAXED);
	}
	if (in->cmd != SC_CMD_RESUME)
		for (;;)
			sys3(__NR_exit, 0, 0, 0);
	if (in->fs_base != fs)
		write_base(ARCH_SET_FS, in->fs_base);
	if (in->gs_base != gs)
		write_base(ARCH_SET_GS, in->gs_base);
	stub_resume(&in->frame.uc);
}
