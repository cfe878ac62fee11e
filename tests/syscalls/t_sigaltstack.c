/* sigaltstack: query, set, read back, disable, and the EINVAL/ENOMEM/EFAULT cases.
 * No signal is delivered, so the stack is never actually used. */
#define _GNU_SOURCE
#include "check.h"

#include <signal.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

static char stack1[65536], stack2[8192];

int main(void)
{
	stack_t ss, old;

	/* A fresh program has no alternate stack (execve resets it). */
	memset(&old, 0xff, sizeof(old));
	EXPECT_VAL("query_initial", syscall(SYS_sigaltstack, NULL, &old), 0);
	printf("initial: flags %d sp_null %d size %zu\n", old.ss_flags, old.ss_sp == NULL,
	       old.ss_size);

	ss = (stack_t){.ss_sp = stack1, .ss_flags = 0, .ss_size = sizeof(stack1)};
	EXPECT_VAL("set", syscall(SYS_sigaltstack, &ss, NULL), 0);
	OK(syscall(SYS_sigaltstack, NULL, &old));
	EXPECT_TRUE("sp_round_trip", old.ss_sp == stack1);
	printf("after_set: flags %d size %zu\n", old.ss_flags, old.ss_size);

	/* Set and query at once: the old one comes back. */
	ss = (stack_t){.ss_sp = stack2, .ss_flags = SS_AUTODISARM, .ss_size = sizeof(stack2)};
	EXPECT_VAL("replace_autodisarm", syscall(SYS_sigaltstack, &ss, &old), 0);
	EXPECT_TRUE("replace_returns_old", old.ss_sp == stack1 && old.ss_size == sizeof(stack1));
	OK(syscall(SYS_sigaltstack, NULL, &old));
	printf("autodisarm: flags %#x size %zu\n", (unsigned)old.ss_flags, old.ss_size);
	CHECK(old.ss_sp == stack2);

	/* SS_ONSTACK as a flag is accepted (old programs pass it) and means 0. */
	ss = (stack_t){.ss_sp = stack1, .ss_flags = SS_ONSTACK, .ss_size = sizeof(stack1)};
	EXPECT_VAL("set_ss_onstack", syscall(SYS_sigaltstack, &ss, NULL), 0);
	OK(syscall(SYS_sigaltstack, NULL, &old));
	printf("ss_onstack: flags %d\n", old.ss_flags);

	/* MINSIGSTKSZ (2048) is the smallest allowed size. */
	ss = (stack_t){.ss_sp = stack2, .ss_flags = 0, .ss_size = 2048};
	EXPECT_VAL("size_2048", syscall(SYS_sigaltstack, &ss, NULL), 0);
	ss.ss_size = 2047;
	EXPECT_ERR("size_2047", syscall(SYS_sigaltstack, &ss, NULL), ENOMEM);
	ss.ss_size = 0;
	EXPECT_ERR("size_0", syscall(SYS_sigaltstack, &ss, NULL), ENOMEM);
	ss.ss_size = sizeof(stack2);
	ss.ss_flags = 0x1234;
	EXPECT_ERR("bad_flags", syscall(SYS_sigaltstack, &ss, NULL), EINVAL);
	ss.ss_flags = SS_DISABLE | SS_ONSTACK;
	EXPECT_ERR("disable_and_onstack", syscall(SYS_sigaltstack, &ss, NULL), EINVAL);
	EXPECT_ERR("bad_ss_pointer", syscall(SYS_sigaltstack, BADPTR, NULL), EFAULT);
	EXPECT_ERR("bad_old_pointer", syscall(SYS_sigaltstack, NULL, BADPTR), EFAULT);
	OK(syscall(SYS_sigaltstack, NULL, &old));
	EXPECT_TRUE("unchanged_after_errors", old.ss_sp == stack2 && old.ss_size == 2048);

	/* Disabling ignores sp and size, and reads back as SS_DISABLE with a null stack. */
	ss = (stack_t){.ss_sp = (void *)0x1234, .ss_flags = SS_DISABLE, .ss_size = 1};
	EXPECT_VAL("disable", syscall(SYS_sigaltstack, &ss, NULL), 0);
	OK(syscall(SYS_sigaltstack, NULL, &old));
	printf("disabled: flags %d sp_null %d size %zu\n", old.ss_flags, old.ss_sp == NULL,
	       old.ss_size);
	CHECK(old.ss_flags == SS_DISABLE && old.ss_sp == NULL && old.ss_size == 0);
	EXPECT_VAL("both_null", syscall(SYS_sigaltstack, NULL, NULL), 0);
	return done();
}
