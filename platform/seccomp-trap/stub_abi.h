/*
 * What the seccomp-trap stub and the Sentry agree on: where things are in the stub's address
 * space, the layout of the memory they share, and the commands.
 *
 * Included by the stub (C and assembly, built freestanding) and by the Sentry side.
 *
 * The stub region (inside sentry/mm.h's STUB_REGION, where no guest mapping may go):
 *
 *   SC_IMAGE_BASE  the stub's program (linked here, see CMakeLists.txt); its code is the only
 *                  place a host system call may come from without trapping
 *   SC_RO_BASE     the "in" half of the shared file, mapped read-only in the stub: what the
 *                  Sentry tells the stub (globals: filters, the Sentry's pid; then one in-slot
 *                  per thread: commands, signal frames to resume with, XSAVE images)
 *   SC_OUT_BASE    the "out" half, mapped read-write: what the stub reports (one out-slot per
 *                  thread: the trap's registers and siginfo, host syscall results)
 *   SC_STACK_BASE  private memory: one signal stack per thread slot
 *
 * Slot 0 is the process's syscall server, a host thread that never runs guest code and serves
 * the Sentry's host system calls, clones and forks. Slots 1.. are guest threads. The guest can
 * write anything in the stub that is writable (the out half, the signal stacks), so the Sentry
 * reads the out half as guest data, and the server never depends on writable memory: it uses
 * no stack and takes its commands from the read-only half.
 */
#ifndef CVISOR_SECCOMP_STUB_ABI_H
#define CVISOR_SECCOMP_STUB_ABI_H

#define SC_IMAGE_BASE 0x7e0000100000
#define SC_IMAGE_MAX  0x100000 /* the image must end before SC_RO_BASE */

#define SC_NSLOTS      1024 /* threads per address space, the server included */
#define SC_GLOBALS_SZ  0x4000
#define SC_IN_SLOT_SZ  0x3000 /* a page of header and frame, then 8 KiB of XSAVE image */
#define SC_OUT_SLOT_SZ 0x1000
#define SC_STACK_SZ    0x8000 /* a signal stack: the kernel's frame (XSAVE included) + C */

#define SC_RO_BASE    0x7e0000200000
#define SC_IN_SLOTS   (SC_RO_BASE + SC_GLOBALS_SZ)
#define SC_RO_LEN     (SC_GLOBALS_SZ + SC_NSLOTS * SC_IN_SLOT_SZ)
#define SC_OUT_BASE   0x7e0001000000
#define SC_OUT_LEN    (SC_NSLOTS * SC_OUT_SLOT_SZ)
#define SC_OUT_OFFSET SC_RO_LEN /* in the shared file */
#define SC_FILE_LEN   (SC_RO_LEN + SC_OUT_LEN)
#define SC_STACK_BASE 0x7e0001800000
#define SC_STACK_LEN  (SC_NSLOTS * SC_STACK_SZ)
#define SC_REGION_END (SC_STACK_BASE + SC_STACK_LEN)

/* The shared file is the stub's fd 3 when it starts (it maps it and closes it). */
#define SC_SHM_FD 3

/* Commands (struct sc_in.cmd). */
#define SC_CMD_RESUME  1 /* guest thread: rt_sigreturn into the frame in its in-slot */
#define SC_CMD_EXIT    2 /* guest thread: exit the host thread */
#define SC_CMD_SYSCALL 3 /* server: run nr(args) */
#define SC_CMD_CLONE   4 /* server: clone(args); the child becomes guest thread slot_arg */
#define SC_CMD_FORK                                                                                \
	5 /* server: clone(args) without CLONE_VM; the child maps the shared                       \
	     file whose Sentry fd is slot_arg over the region and serves it */

/* struct sc_out.parked */
#define SC_PARKED_READY	 1
#define SC_PARKED_FAILED 2

/* Offsets for the assembly (checked against the structures below). */
#define SC_IN_CMD_SEQ	     0
#define SC_IN_CMD	     4
#define SC_IN_NR	     8
#define SC_IN_ARGS	     16
#define SC_IN_SLOT_ARG	     64
#define SC_IN_FS_BASE	     72
#define SC_IN_GS_BASE	     80
#define SC_IN_ALTSTACK	     88
#define SC_IN_FRAME	     128
#define SC_IN_FRAME_UC	     (SC_IN_FRAME + 8)
#define SC_IN_XSAVE	     0x1000
#define SC_OUT_TRAP_SEQ	     0
#define SC_OUT_PARKED	     4
#define SC_OUT_TID	     8
#define SC_OUT_DONE_SEQ	     12
#define SC_OUT_RESULT	     16
#define SC_OUT_STUB_WAITING  36
#define SC_IN_SENTRY_WAITING 116

#define SC_G_SENTRY_PID	 0
#define SC_G_FSGSBASE	 8
#define SC_G_APP_PROG	 16 /* struct sock_fprog */
#define SC_G_SPIN	 48
#define SC_G_SERVER_SPIN 56

#define SC_XSAVE_MAX 0x2000

#ifndef __ASSEMBLER__
#include <stdint.h>

/* The kernel's x86_64 signal frame layouts (glibc's ucontext_t differs). */
struct sc_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;
	uint64_t reserved1[8];
};

struct sc_stack {
	uint64_t ss_sp;
	int32_t ss_flags;
	int32_t pad;
	uint64_t ss_size;
};

struct sc_ucontext {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct sc_stack uc_stack;
	struct sc_sigcontext uc_mcontext;
	uint64_t uc_sigmask;
};

struct sc_rt_sigframe {
	uint64_t pretcode;
	struct sc_ucontext uc;
	uint8_t info[128];
};

#define SC_UC_FP_XSTATE		0x1
#define SC_UC_SIGCONTEXT_SS	0x2
#define SC_UC_STRICT_RESTORE_SS 0x4
#define SC_FP_XSTATE_MAGIC1	0x46505853U
#define SC_FP_XSTATE_MAGIC2	0x46505845U

/* The software-reserved bytes 464..511 of a signal frame's FXSAVE area. */
struct sc_fpx_sw_bytes {
	uint32_t magic1;
	uint32_t extended_size;
	uint64_t xfeatures;
	uint32_t xstate_size;
	uint32_t padding[7];
};

struct sc_bpf_insn {
	uint16_t code;
	uint8_t jt, jf;
	uint32_t k;
};

struct sc_fprog {
	uint16_t len;
	uint16_t pad[3];
	uint64_t filter; /* the stub's address of the instructions */
};

#define SC_PROG_MAX 600

/* The head of the read-only half: written by the Sentry before the stub starts. */
struct sc_globals {
	uint64_t sentry_pid;
	uint64_t fsgsbase;	     /* the CPU and kernel let user code use rdfsbase and friends */
	struct sc_fprog app_prog;    /* what every guest thread installs on itself */
	struct sc_fprog server_prog; /* what the server installs at startup (inherited) */
	uint64_t spin; /* pause loops before a futex wait, when the other side may be running: */
	uint64_t server_spin; /* a guest thread's handler's and the server's */
	struct sc_bpf_insn app_insns[SC_PROG_MAX];
	struct sc_bpf_insn server_insns[SC_PROG_MAX];
};

/* Sentry -> stub, one per slot (read-only in the stub). */
struct sc_in {
	uint32_t cmd_seq; /* futex word; the server's is a sequence lock (odd: being written) */
	uint32_t cmd;
	uint64_t nr;
	uint64_t args[6];
	uint64_t slot_arg;
	uint64_t fs_base, gs_base; /* RESUME: set before entering the guest */
	struct sc_stack altstack;  /* the slot's signal stack, for sigaltstack() */
	uint32_t fp_pending;	   /* the Sentry's own note: xsave holds the next resume's state */
	uint32_t sentry_waiting;   /* the Sentry sleeps on the out-slot: wake it */
	uint8_t pad0[SC_IN_FRAME - 120];
	struct sc_rt_sigframe frame; /* RESUME: what rt_sigreturn restores */
	uint8_t pad1[SC_IN_XSAVE - SC_IN_FRAME - sizeof(struct sc_rt_sigframe)];
	uint8_t xsave[SC_XSAVE_MAX] __attribute__((aligned(64)));
};

/* stub -> Sentry, one per slot (written by the stub, so by the guest too). */
struct sc_out {
	uint32_t trap_seq; /* futex word: bumped at each trap */
	uint32_t parked;   /* futex word: a new thread is ready (or failed) */
	uint32_t tid;	   /* the host tid; cleared by the kernel when the thread is gone */
	uint32_t done_seq; /* server: the last command done (futex word) */
	int64_t result;	   /* server: its result */
	uint64_t vdso;	   /* server at startup: AT_SYSINFO_EHDR */
	int32_t signo;
	uint32_t stub_waiting; /* the thread sleeps on its in-slot: wake it */
	uint64_t fs_base, gs_base;
	struct sc_sigcontext mc; /* the trap's registers (mc.fpstate: the frame's XSAVE area) */
	uint8_t info[128];
};

#define SC_IN(k)   ((struct sc_in *)(uintptr_t)(SC_IN_SLOTS + (uint64_t)(k)*SC_IN_SLOT_SZ))
#define SC_OUT(k)  ((struct sc_out *)(uintptr_t)(SC_OUT_BASE + (uint64_t)(k)*SC_OUT_SLOT_SZ))
#define SC_GLOBALS ((const struct sc_globals *)(uintptr_t)SC_RO_BASE)

_Static_assert(sizeof(struct sc_globals) <= SC_GLOBALS_SZ, "globals fit");
_Static_assert(sizeof(struct sc_in) <= SC_IN_SLOT_SZ, "in-slot fits");
_Static_assert(sizeof(struct sc_out) <= SC_OUT_SLOT_SZ, "out-slot fits");
_Static_assert(__builtin_offsetof(struct sc_in, nr) == SC_IN_NR, "asm offset");
_Static_assert(__builtin_offsetof(struct sc_in, args) == SC_IN_ARGS, "asm offset");
_Static_assert(__builtin_offsetof(struct sc_in, slot_arg) == SC_IN_SLOT_ARG, "asm offset");
_Static_assert(__builtin_offsetof(struct sc_in, fs_base) == SC_IN_FS_BASE, "asm offset");
_Static_assert(__builtin_offsetof(struct sc_in, gs_base) == SC_IN_GS_BASE, "asm offset");
_Static_assert(__builtin_offsetof(struct sc_in, altstack) == SC_IN_ALTSTACK, "asm offset");
_Static_assert(__builtin_offsetof(struct sc_in, frame) == SC_IN_FRAME, "asm offset");
_Static_assert(__builtin_offsetof(struct sc_in, xsave) == SC_IN_XSAVE, "asm offset");
_Static_assert(__builtin_offsetof(struct sc_out, parked) == SC_OUT_PARKED, "asm offset");
_Static_assert(__builtin_offsetof(struct sc_out, tid) == SC_OUT_TID, "asm offset");
_Static_assert(__builtin_offsetof(struct sc_out, done_seq) == SC_OUT_DONE_SEQ, "asm offset");
_Static_assert(__builtin_offsetof(struct sc_out, result) == SC_OUT_RESULT, "asm offset");
_Static_assert(__builtin_offsetof(struct sc_out, stub_waiting) == SC_OUT_STUB_WAITING,
	       "asm offset");
_Static_assert(__builtin_offsetof(struct sc_in, sentry_waiting) == SC_IN_SENTRY_WAITING,
	       "asm offset");
_Static_assert(__builtin_offsetof(struct sc_globals, server_spin) == SC_G_SERVER_SPIN,
	       "asm offset");
_Static_assert(__builtin_offsetof(struct sc_globals, app_prog) == SC_G_APP_PROG, "asm offset");
_Static_assert(__builtin_offsetof(struct sc_globals, fsgsbase) == SC_G_FSGSBASE, "asm offset");
_Static_assert(__builtin_offsetof(struct sc_globals, spin) == SC_G_SPIN, "asm offset");
_Static_assert(SC_OUT_BASE >= SC_RO_BASE + SC_RO_LEN, "halves do not overlap");
_Static_assert(SC_STACK_BASE >= SC_OUT_BASE + SC_OUT_LEN, "stacks after the out half");
_Static_assert(SC_IMAGE_BASE + SC_IMAGE_MAX <= SC_RO_BASE, "image before the in half");
#endif

#endif
