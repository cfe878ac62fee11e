/*
 * The stub's two seccomp programs.
 *
 * The server (slot 0) installs the server program at startup; every guest thread inherits it
 * and adds the guest program on itself before it first runs guest code. Both say: a system
 * call whose instruction pointer is outside the stub's code traps (SECCOMP_RET_TRAP: SIGSYS
 * to the stub's handler, which hands it to the Sentry), whatever its number or ABI; from the
 * stub's code, only the calls that code makes pass, with their arguments checked, and
 * anything else traps too (libseccomp's default action). The i386 entry (int 0x80) and x32
 * numbers trap everywhere: libseccomp's architecture check and its x32 check. The guest
 * program lets through only what a guest thread's handler needs (futex waits and wakes,
 * fs/gs bases, rt_sigreturn, exit), so guest code jumping into the stub's code gains nothing.
 *
 * libseccomp builds every rule; it cannot test the instruction pointer, so the six
 * instructions that do are written here by hand and put in front of its program (classic
 * BPF jumps are relative and forward, so its program is unchanged by the prefix).
 */
#define _GNU_SOURCE
#include "platform/seccomp-trap/filter.h"

#include <asm/prctl.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

static const int host_calls[] = {
    SCMP_SYS(mmap),    SCMP_SYS(munmap), SCMP_SYS(mprotect), SCMP_SYS(mremap),
    SCMP_SYS(madvise), SCMP_SYS(msync),	 SCMP_SYS(close),
};

bool sc_host_syscall_allowed(long nr)
{
	for (size_t i = 0; i < sizeof(host_calls) / sizeof(host_calls[0]); i++)
		if (nr == host_calls[i])
			return true;
	return nr == SCMP_SYS(pidfd_open) || nr == SCMP_SYS(pidfd_getfd);
}

static int allow(scmp_filter_ctx c, int nr, unsigned n, const struct scmp_arg_cmp *cmp)
{
	return seccomp_rule_add_array(c, SCMP_ACT_ALLOW, nr, n, cmp);
}

static int allow_arg0_in(scmp_filter_ctx c, int nr, const uint64_t *vals, size_t n)
{
	int e = 0;
	for (size_t i = 0; i < n && e == 0; i++) {
		struct scmp_arg_cmp cmp = SCMP_A0(SCMP_CMP_EQ, vals[i]);
		e = allow(c, nr, 1, &cmp);
	}
	return e;
}

/* What a guest thread's stub code calls: its handler waits and wakes, sets the fs and gs
 * bases, returns into the guest, or ends the thread. */
static int guest_rules(scmp_filter_ctx c)
{
	static const uint64_t arch_ops[] = {ARCH_SET_FS, ARCH_GET_FS, ARCH_SET_GS, ARCH_GET_GS};
	struct scmp_arg_cmp wait = SCMP_A1(SCMP_CMP_EQ, FUTEX_WAIT);
	struct scmp_arg_cmp wake = SCMP_A1(SCMP_CMP_EQ, FUTEX_WAKE);
	int e = allow(c, SCMP_SYS(futex), 1, &wait);
	if (e == 0)
		e = allow(c, SCMP_SYS(futex), 1, &wake);
	if (e == 0)
		e = allow_arg0_in(c, SCMP_SYS(arch_prctl), arch_ops, 4);
	if (e == 0)
		e = allow(c, SCMP_SYS(rt_sigreturn), 0, NULL);
	if (e == 0)
		e = allow(c, SCMP_SYS(exit), 0, NULL);
	return e;
}

/* What the server calls: the Sentry's vetted host calls, clones with exactly the flags it
 * uses, a fork's fetch of its own shared file from the Sentry, and a new thread's setup. */
static int server_rules(scmp_filter_ctx c, pid_t sentry)
{
	static const uint64_t clones[] = {SC_CLONE_THREAD_FLAGS, SC_CLONE_VM_PROC_FLAGS,
					  SC_CLONE_FORK_FLAGS};
	int e = guest_rules(c);
	for (size_t i = 0; i < sizeof(host_calls) / sizeof(host_calls[0]) && e == 0; i++)
		e = allow(c, host_calls[i], 0, NULL);
	struct scmp_arg_cmp pidfd_open[] = {SCMP_A0(SCMP_CMP_EQ, (uint64_t)sentry),
					    SCMP_A1(SCMP_CMP_EQ, 0)};
	struct scmp_arg_cmp pidfd_getfd = SCMP_A2(SCMP_CMP_EQ, 0);
	struct scmp_arg_cmp seccomp_op[] = {SCMP_A0(SCMP_CMP_EQ, SECCOMP_SET_MODE_FILTER),
					    SCMP_A1(SCMP_CMP_EQ, 0)};
	struct scmp_arg_cmp pdeathsig[] = {SCMP_A0(SCMP_CMP_EQ, PR_SET_PDEATHSIG),
					   SCMP_A1(SCMP_CMP_EQ, SIGKILL)};
	if (e == 0)
		e = allow(c, SCMP_SYS(pidfd_open), 2, pidfd_open);
	if (e == 0)
		e = allow(c, SCMP_SYS(pidfd_getfd), 1, &pidfd_getfd);
	if (e == 0)
		e = allow_arg0_in(c, SCMP_SYS(clone), clones, 3);
	if (e == 0)
		e = allow(c, SCMP_SYS(seccomp), 2, seccomp_op);
	if (e == 0)
		e = allow(c, SCMP_SYS(prctl), 2, pdeathsig);
	if (e == 0)
		e = allow(c, SCMP_SYS(sigaltstack), 0, NULL);
	if (e == 0)
		e = allow(c, SCMP_SYS(getppid), 0, NULL);
	if (e == 0)
		e = allow(c, SCMP_SYS(exit_group), 0, NULL);
	return e;
}

/* The instruction pointer test: outside [lo, hi) -> trap. Both ends share their upper 32
 * bits (checked by the caller), since classic BPF compares 32-bit words. */
#define IP_PREFIX_LEN 6
static void ip_prefix(struct sock_filter *f, uint64_t lo, uint64_t hi)
{
	const uint32_t ip = offsetof(struct seccomp_data, instruction_pointer);
	struct sock_filter p[IP_PREFIX_LEN] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ip + 4),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(lo >> 32), 0, 3),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ip),
	    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)lo, 0, 1),
	    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)hi, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
	};
	memcpy(f, p, sizeof(p));
}

/* One program: the prefix, then libseccomp's export of the rules. */
static int build(bool server, pid_t sentry, uint64_t lo, uint64_t hi, struct sc_bpf_insn *out,
		 uint16_t *len)
{
	int e = -ENOMEM, fd = -1;
	scmp_filter_ctx c = seccomp_init(SCMP_ACT_TRAP);
	if (!c)
		return -ENOMEM;
	e = seccomp_attr_set(c, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRAP);
	if (e == 0)
		e = server ? server_rules(c, sentry) : guest_rules(c);
	if (e < 0)
		goto out;
	fd = memfd_create("cvisor-bpf", MFD_CLOEXEC);
	if (fd < 0) {
		e = -errno;
		goto out;
	}
	e = seccomp_export_bpf(c, fd);
	if (e < 0)
		goto out;
	off_t n = lseek(fd, 0, SEEK_END);
	if (n <= 0 || n % (off_t)sizeof(struct sock_filter) != 0 ||
	    n / (off_t)sizeof(struct sock_filter) + IP_PREFIX_LEN > SC_PROG_MAX) {
		e = -E2BIG;
		goto out;
	}
	_Static_assert(sizeof(struct sock_filter) == sizeof(struct sc_bpf_insn), "BPF layout");
	struct sock_filter prefix[IP_PREFIX_LEN];
	ip_prefix(prefix, lo, hi);
	memcpy(out, prefix, sizeof(prefix));
	if (pread(fd, out + IP_PREFIX_LEN, (size_t)n, 0) != n) {
		e = -EIO;
		goto out;
	}
	*len = (uint16_t)(n / (off_t)sizeof(struct sock_filter) + IP_PREFIX_LEN);
	e = 0;
out:
	if (fd >= 0)
		close(fd);
	seccomp_release(c);
	return e;
}

int sc_build_filters(struct sc_globals *g, uint64_t code_lo, uint64_t code_hi, pid_t sentry)
{
	if (code_lo >= code_hi || (code_lo >> 32) != ((code_hi - 1) >> 32) ||
	    (code_hi >> 32) != (code_lo >> 32))
		return -EINVAL;
	int e = build(false, sentry, code_lo, code_hi, g->app_insns, &g->app_prog.len);
	if (e == 0)
		e = build(true, sentry, code_lo, code_hi, g->server_insns, &g->server_prog.len);
	g->app_prog.filter = SC_RO_BASE + offsetof(struct sc_globals, app_insns);
	g->server_prog.filter = SC_RO_BASE + offsetof(struct sc_globals, server_insns);
	return e;
}
