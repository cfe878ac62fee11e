/*
 * Signal delivery to guest handlers: the x86_64 rt_sigframe, built by the Sentry on the
 * guest's stack (or its alternate stack) exactly as Linux lays it out, with the full XSAVE
 * state, and taken apart again by rt_sigreturn.
 *
 * The frame, from the new stack pointer up:
 *   pretcode (sa_restorer) | ucontext (flags, link, stack, sigcontext, sigmask) | siginfo
 *   ... | XSAVE area (64-aligned) with FP_XSTATE_MAGIC2 after it.
 * Everything read back from the guest at sigreturn is distrusted: selectors are not taken
 * from it, eflags only in its user-changeable bits, the XSAVE image is checked by the host.
 */
#define _GNU_SOURCE
#include "sentry/sigframe.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "sentry/log.h"
#include "sentry/signal.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

/* The kernel's own layouts (glibc's ucontext_t is larger and differs). */
struct k_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;
	uint64_t reserved1[8];
};

struct k_stack {
	uint64_t ss_sp;
	int32_t ss_flags;
	int32_t pad;
	uint64_t ss_size;
};

struct k_ucontext {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct k_stack uc_stack;
	struct k_sigcontext uc_mcontext;
	uint64_t uc_sigmask;
};

struct k_rt_sigframe {
	uint64_t pretcode;
	struct k_ucontext uc;
	siginfo_t info;
};

/* The software-reserved bytes 464..511 of the FXSAVE area: how glibc and unwinders find
 * the extended state in a frame. */
struct fpx_sw_bytes {
	uint32_t magic1;
	uint32_t extended_size;
	uint64_t xfeatures;
	uint32_t xstate_size;
	uint32_t padding[7];
};

#define FP_XSTATE_MAGIC1     0x46505853U
#define FP_XSTATE_MAGIC2     0x46505845U
#define UC_FP_XSTATE	     0x1
#define UC_SIGCONTEXT_SS     0x2
#define UC_STRICT_RESTORE_SS 0x4
#define SA_RESTORER_FLAG     0x04000000
#define RED_ZONE	     128
/* The eflags bits a guest may set from a frame (Linux's FIX_EFLAGS). */
#define FIX_EFLAGS 0x40dd5UL

static bool on_altstack(const struct task *t, uint64_t sp)
{
	if (t->altstack.ss_flags & SS_DISABLE)
		return false;
	uint64_t lo = (uint64_t)(uintptr_t)t->altstack.ss_sp;
	return sp > lo && sp - lo <= t->altstack.ss_size;
}

static void regs_to_sigcontext(const pl_regs *r, struct k_sigcontext *sc)
{
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
}

static void sigcontext_to_regs(const struct k_sigcontext *sc, pl_regs *r)
{
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
	r->eflags = (r->eflags & ~FIX_EFLAGS) | (sc->eflags & FIX_EFLAGS);
	r->orig_rax = (uint64_t)-1; /* no syscall restart after a sigreturn */
}

int sigframe_setup(struct task *t, int sig, const siginfo_t *info, const struct guest_sigaction *sa,
		   uint64_t oldmask)
{
	uint8_t *xs = NULL;
	int err = 0;
	if (!(sa->flags & SA_RESTORER_FLAG)) {
		/* x86_64 has no vsyscall trampoline: Linux kills the task the same way. */
		return -EFAULT;
	}
	uint64_t sp = t->regs.rsp;
	bool was_on = on_altstack(t, sp);
	if ((sa->flags & SA_ONSTACK) && !(t->altstack.ss_flags & SS_DISABLE) && !was_on)
		sp = (uint64_t)(uintptr_t)t->altstack.ss_sp + t->altstack.ss_size;
	else
		sp -= RED_ZONE;

	xs = malloc(PL_XSTATE_MAX);
	if (!xs)
		return -ENOMEM;
	long xlen = t->pl->get_fpstate(t->th, xs, PL_XSTATE_MAX);
	if (xlen < 512) {
		err = xlen < 0 ? (int)xlen : -EIO;
		goto out;
	}
	uint64_t fp = (sp - (uint64_t)xlen - 4) & ~63ULL;
	uint64_t frame = ((fp - sizeof(struct k_rt_sigframe)) & ~15ULL) - 8;

	struct fpx_sw_bytes sw = {
	    .magic1 = FP_XSTATE_MAGIC1,
	    .extended_size = (uint32_t)xlen + 4,
	    .xfeatures = *(uint64_t *)(xs + 512), /* XSTATE_BV of the XSAVE header */
	    .xstate_size = (uint32_t)xlen,
	};
	memcpy(xs + 464, &sw, sizeof(sw));
	uint32_t magic2 = FP_XSTATE_MAGIC2;

	struct k_rt_sigframe f;
	memset(&f, 0, sizeof(f));
	f.pretcode = sa->restorer;
	f.uc.uc_flags = UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	f.uc.uc_stack.ss_sp = (uint64_t)(uintptr_t)t->altstack.ss_sp;
	f.uc.uc_stack.ss_size = t->altstack.ss_size;
	f.uc.uc_stack.ss_flags = (t->altstack.ss_flags & SS_DISABLE) ? SS_DISABLE
				 : was_on			     ? SS_ONSTACK
								     : 0;
	regs_to_sigcontext(&t->regs, &f.uc.uc_mcontext);
	f.uc.uc_mcontext.fpstate = fp;
	f.uc.uc_mcontext.oldmask = oldmask;
	f.uc.uc_mcontext.trapno = info->si_signo == SIGSEGV ? 14 : 0;
	if (sig == SIGSEGV || sig == SIGBUS)
		f.uc.uc_mcontext.cr2 = (uint64_t)(uintptr_t)info->si_addr;
	f.uc.uc_sigmask = oldmask;
	f.info = *info;

	log_debug("sigframe: sig %d sp %#llx fp %#llx frame %#llx xlen %ld", sig,
		  (unsigned long long)t->regs.rsp, (unsigned long long)fp,
		  (unsigned long long)frame, xlen);
	if (copy_to_guest(t, fp, xs, (size_t)xlen) < 0 ||
	    copy_to_guest(t, fp + (uint64_t)xlen, &magic2, sizeof(magic2)) < 0 ||
	    copy_to_guest(t, frame, &f, sizeof(f)) < 0) {
		err = -EFAULT;
		goto out;
	}
	t->regs.rsp = frame;
	t->regs.rip = sa->handler;
	t->regs.rdi = (uint64_t)sig;
	t->regs.rsi = frame + offsetof(struct k_rt_sigframe, info);
	t->regs.rdx = frame + offsetof(struct k_rt_sigframe, uc);
	t->regs.rax = 0;
	t->regs.eflags &= ~(0x400UL | 0x100UL); /* DF and TF clear, as the ABI wants */
	t->regs.orig_rax = (uint64_t)-1;
out:
	free(xs);
	return err;
}

long sys_rt_sigreturn(struct task *t, const uint64_t a[6])
{
	struct k_rt_sigframe f;
	uint8_t *xs = NULL;
	/* The handler's ret popped pretcode: the frame starts 8 bytes below. */
	uint64_t frame = t->regs.rsp - 8;
	if (copy_from_guest(t, &f, frame, sizeof(f)) < 0)
		goto bad;
	pl_regs r = t->regs;
	sigcontext_to_regs(&f.uc.uc_mcontext, &r);
	if (f.uc.uc_mcontext.fpstate) {
		xs = malloc(PL_XSTATE_MAX);
		if (!xs)
			goto bad;
		struct fpx_sw_bytes sw;
		if (copy_from_guest(t, &sw, f.uc.uc_mcontext.fpstate + 464, sizeof(sw)) < 0)
			goto bad;
		size_t len = 512;
		if (sw.magic1 == FP_XSTATE_MAGIC1 && sw.xstate_size >= 576 &&
		    sw.xstate_size <= (uint32_t)PL_XSTATE_MAX)
			len = sw.xstate_size;
		if (copy_from_guest(t, xs, f.uc.uc_mcontext.fpstate, len) < 0)
			goto bad;
		/* A frame without the XSAVE magic (made by hand, not by a kernel) keeps the
		 * current vector state: restoring a bare FXSAVE image is not supported. */
		if (len > 512 && t->pl->set_fpstate(t->th, xs, len) < 0)
			goto bad;
	}
	free(xs);
	pthread_mutex_lock(&t->sig_lock);
	t->sigmask = f.uc.uc_sigmask & ~((1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1)));
	pthread_mutex_unlock(&t->sig_lock);
	/* The alternate stack as the frame recorded it (errors ignored, as Linux does). */
	if (!on_altstack(t, r.rsp)) {
		if (f.uc.uc_stack.ss_flags & SS_DISABLE) {
			t->altstack.ss_flags = SS_DISABLE;
		} else if (f.uc.uc_stack.ss_size >= (uint64_t)MINSIGSTKSZ) {
			t->altstack.ss_sp = (void *)(uintptr_t)f.uc.uc_stack.ss_sp;
			t->altstack.ss_size = f.uc.uc_stack.ss_size;
			t->altstack.ss_flags = 0;
		}
	}
	t->regs = r;
	return SYSCALL_REGS_SET;
bad:
	free(xs);
	log_info("rt_sigreturn: bad frame at %#llx: SIGSEGV", (unsigned long long)frame);
	signal_force(t, SIGSEGV);
	return SYSCALL_REGS_SET;
}
