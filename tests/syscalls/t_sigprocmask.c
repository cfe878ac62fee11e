/* rt_sigprocmask through the raw syscall (glibc's wrapper hides its internal signals):
 * SIG_BLOCK/UNBLOCK/SETMASK, SIGKILL/SIGSTOP silently unblockable, bad how, bad sigsetsize.
 * The inherited mask is replaced first and restored at the end; no signal is delivered. */
#define _GNU_SOURCE
#include "check.h"

#include <signal.h>
#include <stdint.h>

static long pm(int how, const uint64_t *set, uint64_t *old)
{
	return syscall(SYS_rt_sigprocmask, how, set, old, 8);
}

static uint64_t bit(int sig)
{
	return 1ULL << (sig - 1);
}

int main(void)
{
	uint64_t inherited, cur, none = 0, set;
	EXPECT_VAL("get_inherited", pm(SIG_BLOCK, NULL, &inherited), 0);
	EXPECT_VAL("clear", pm(SIG_SETMASK, &none, NULL), 0);
	OK(pm(SIG_BLOCK, NULL, &cur));
	EXPECT_VAL("empty_after_clear", cur, 0);

	set = bit(SIGUSR1);
	EXPECT_VAL("block_usr1", pm(SIG_BLOCK, &set, &cur), 0);
	EXPECT_VAL("old_was_empty", cur, 0);
	OK(pm(SIG_SETMASK, NULL, &cur));
	printf("after_block_usr1: %#llx\n", (unsigned long long)cur);
	CHECK(cur == bit(SIGUSR1));
	set = bit(SIGUSR2) | bit(SIGTERM);
	OK(pm(SIG_BLOCK, &set, NULL));
	OK(pm(SIG_BLOCK, NULL, &cur));
	printf("block_adds: %#llx\n", (unsigned long long)cur);
	set = bit(SIGUSR1) | bit(SIGHUP);
	OK(pm(SIG_UNBLOCK, &set, NULL));
	OK(pm(SIG_BLOCK, NULL, &cur));
	printf("unblock_removes: %#llx\n", (unsigned long long)cur);
	CHECK(cur == (bit(SIGUSR2) | bit(SIGTERM)));
	set = bit(SIGINT) | bit(64) | bit(SIGRTMIN);
	OK(pm(SIG_SETMASK, &set, &cur));
	EXPECT_TRUE("setmask_old", cur == (bit(SIGUSR2) | bit(SIGTERM)));
	OK(pm(SIG_UNBLOCK, NULL, &cur));
	printf("setmask_replaces: %#llx\n", (unsigned long long)cur);

	/* SIGKILL and SIGSTOP are dropped from any mask without an error. */
	set = ~0ULL;
	EXPECT_VAL("block_all", pm(SIG_SETMASK, &set, NULL), 0);
	OK(pm(SIG_BLOCK, NULL, &cur));
	printf("block_all_reads_back: %#llx\n", (unsigned long long)cur);
	CHECK(cur == ~(bit(SIGKILL) | bit(SIGSTOP)));
	OK(pm(SIG_SETMASK, &none, NULL));

	/* A NULL set ignores how entirely, even an invalid one. */
	EXPECT_VAL("null_set_bad_how", pm(99, NULL, &cur), 0);

	/* Errors leave the mask alone. */
	set = bit(SIGUSR1);
	OK(pm(SIG_SETMASK, &set, NULL));
	EXPECT_ERR("bad_how", pm(99, &set, NULL), EINVAL);
	EXPECT_ERR("bad_how_negative", pm(-1, &set, NULL), EINVAL);
	EXPECT_ERR("sigsetsize_4", syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 4), EINVAL);
	EXPECT_ERR("sigsetsize_16", syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &cur, 16), EINVAL);
	EXPECT_ERR("bad_set_pointer", pm(SIG_BLOCK, BADPTR, NULL), EFAULT);
	EXPECT_ERR("bad_old_pointer", pm(SIG_BLOCK, NULL, BADPTR), EFAULT);
	OK(pm(SIG_BLOCK, NULL, &cur));
	EXPECT_TRUE("unchanged_after_errors", cur == bit(SIGUSR1));

	/* glibc's sigprocmask agrees about ordinary signals. */
	sigset_t ls;
	OK(sigprocmask(SIG_BLOCK, NULL, &ls));
	EXPECT_TRUE("libc_agrees",
		    sigismember(&ls, SIGUSR1) == 1 && sigismember(&ls, SIGUSR2) == 0);

	EXPECT_VAL("restore", pm(SIG_SETMASK, &inherited, NULL), 0);
	return done();
}
