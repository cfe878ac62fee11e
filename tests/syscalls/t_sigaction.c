/* rt_sigaction: set then read back handler, flags, mask and restorer (the kernel's layout,
 * through the raw syscall); SIGKILL/SIGSTOP, signal 0 and 65, and a bad sigsetsize are
 * refused. No signal is ever delivered. */
#define _GNU_SOURCE
#include "check.h"

#include <signal.h>
#include <stdint.h>

struct ksigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

#define SA_RESTORER_K 0x04000000UL

static void handler(int sig)
{
	(void)sig;
}
static void restorer(void)
{
}

static long sa(int sig, const struct ksigaction *act, struct ksigaction *old)
{
	return syscall(SYS_rt_sigaction, sig, act, old, 8);
}

static uint64_t bit(int sig)
{
	return 1ULL << (sig - 1);
}

int main(void)
{
	struct ksigaction act = {0}, old;

	/* (The inherited disposition is not checked: SIG_IGN survives execve.) */
	memset(&old, 0xff, sizeof(old));
	EXPECT_VAL("get_initial", sa(SIGUSR1, NULL, &old), 0);

	act.handler = (uint64_t)handler;
	act.flags = SA_RESTART | SA_SIGINFO | SA_RESTORER_K | SA_ONSTACK;
	act.restorer = (uint64_t)restorer;
	act.mask = bit(SIGUSR2) | bit(SIGTERM);
	EXPECT_VAL("set_usr1", sa(SIGUSR1, &act, NULL), 0);
	memset(&old, 0, sizeof(old));
	EXPECT_VAL("get_usr1", sa(SIGUSR1, NULL, &old), 0);
	EXPECT_TRUE("handler_round_trip", old.handler == (uint64_t)handler);
	EXPECT_TRUE("restorer_round_trip", old.restorer == (uint64_t)restorer);
	printf("flags: %#llx\n", (unsigned long long)old.flags);
	CHECK(old.flags == act.flags);
	printf("mask: %#llx\n", (unsigned long long)old.mask);
	CHECK(old.mask == act.mask);

	/* Setting and getting at once returns the previous action. */
	struct ksigaction ign = {
	    .handler = (uint64_t)SIG_IGN, .flags = SA_RESTORER_K, .restorer = (uint64_t)restorer};
	EXPECT_VAL("swap", sa(SIGUSR1, &ign, &old), 0);
	EXPECT_TRUE("swap_returns_old", old.handler == (uint64_t)handler && old.mask == act.mask);
	EXPECT_VAL("get_after_swap", sa(SIGUSR1, NULL, &old), 0);
	EXPECT_TRUE("now_ignored", old.handler == (uint64_t)SIG_IGN);

	/* SIGKILL and SIGSTOP can never be blocked by a handler's mask. */
	act.mask = ~0ULL;
	EXPECT_VAL("set_full_mask", sa(SIGUSR2, &act, NULL), 0);
	OK(sa(SIGUSR2, NULL, &old));
	printf("full_mask_reads_back: %#llx\n", (unsigned long long)old.mask);
	CHECK(old.mask == (~0ULL & ~(bit(SIGKILL) | bit(SIGSTOP))));

	/* Other known flags round-trip too. */
	act.mask = 0;
	act.flags = SA_RESTORER_K | SA_NODEFER | SA_RESETHAND | SA_NOCLDSTOP | SA_NOCLDWAIT;
	OK(sa(SIGCHLD, &act, NULL));
	OK(sa(SIGCHLD, NULL, &old));
	printf("sigchld_flags: %#llx\n", (unsigned long long)old.flags);
	CHECK(old.flags == act.flags);
	/* Unknown flag bits (and SA_UNSUPPORTED, 0x400) are cleared: Linux >= 5.11. */
	act.flags = SA_RESTORER_K | 0x400 | 0x100 | 0x8 | 0x100000000ULL;
	OK(sa(SIGCHLD, &act, NULL));
	OK(sa(SIGCHLD, NULL, &old));
	printf("unknown_flags_read_back: %#llx\n", (unsigned long long)old.flags);
	CHECK(old.flags == SA_RESTORER_K);
	act.handler = (uint64_t)SIG_DFL;
	act.flags = 0;
	OK(sa(SIGCHLD, &act, NULL));

	/* Real-time signals up to 64 work; libc's sigaction agrees with the raw view. */
	act.handler = (uint64_t)SIG_IGN;
	EXPECT_VAL("set_sig64", sa(64, &act, NULL), 0);
	EXPECT_VAL("set_sigrtmin", sa(SIGRTMIN, &act, NULL), 0);
	struct sigaction lo;
	OK(sigaction(64, NULL, &lo));
	EXPECT_TRUE("libc_sees_ign", lo.sa_handler == SIG_IGN);

	/* Errors. */
	EXPECT_ERR("set_sigkill", sa(SIGKILL, &act, NULL), EINVAL);
	EXPECT_ERR("set_sigstop", sa(SIGSTOP, &act, NULL), EINVAL);
	EXPECT_VAL("get_sigkill_ok", sa(SIGKILL, NULL, &old), 0);
	EXPECT_TRUE("sigkill_is_default", old.handler == (uint64_t)SIG_DFL);
	EXPECT_ERR("signal_0", sa(0, NULL, &old), EINVAL);
	EXPECT_ERR("signal_65", sa(65, NULL, &old), EINVAL);
	EXPECT_ERR("signal_negative", sa(-1, NULL, &old), EINVAL);
	EXPECT_ERR("sigsetsize_4", syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old, 4), EINVAL);
	EXPECT_ERR("sigsetsize_16", syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old, 16), EINVAL);
	EXPECT_ERR("bad_act_pointer", sa(SIGUSR1, BADPTR, NULL), EFAULT);
	EXPECT_ERR("bad_old_pointer", sa(SIGUSR1, NULL, BADPTR), EFAULT);
	OK(sa(SIGUSR1, NULL, &old));
	EXPECT_TRUE("unchanged_after_errors", old.handler == (uint64_t)SIG_IGN);
	EXPECT_VAL("null_both", sa(SIGUSR1, NULL, NULL), 0);
	return done();
}
