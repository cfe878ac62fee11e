/* prctl: the name, the parent-death signal, no_new_privs, dumpable, child subreaper,
 * seccomp mode, the bounding set, keepcaps and timer slack, with Linux's EINVAL/EFAULT. */
#define _GNU_SOURCE
#include "check.h"

#include <sys/prctl.h>

static long pr(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)
{
	return syscall(SYS_prctl, option, a2, a3, a4, a5);
}

int main(void)
{
	char name[16], big[32];
	int v = -1;

	EXPECT_VAL("set_name", pr(PR_SET_NAME, (unsigned long)"cvisor-test", 0, 0, 0), 0);
	memset(name, 'x', sizeof(name));
	EXPECT_VAL("get_name", pr(PR_GET_NAME, (unsigned long)name, 0, 0, 0), 0);
	printf("name: %s\n", name);
	EXPECT_VAL("set_long_name",
		   pr(PR_SET_NAME, (unsigned long)"abcdefghijklmnopqrstuvwxyz", 0, 0, 0), 0);
	memset(big, 'x', sizeof(big));
	OK(pr(PR_GET_NAME, (unsigned long)big, 0, 0, 0));
	printf("long_name: %s\n", big);
	EXPECT_TRUE("get_name_writes_16", big[15] == 0 && big[16] == 'x');
	EXPECT_ERR("set_name_bad_ptr", pr(PR_SET_NAME, (unsigned long)BADPTR, 0, 0, 0), EFAULT);
	EXPECT_ERR("get_name_bad_ptr", pr(PR_GET_NAME, (unsigned long)BADPTR, 0, 0, 0), EFAULT);

	OK(pr(PR_GET_PDEATHSIG, (unsigned long)&v, 0, 0, 0));
	printf("pdeathsig_initial: %d\n", v);
	EXPECT_VAL("set_pdeathsig", pr(PR_SET_PDEATHSIG, 10, 0, 0, 0), 0);
	OK(pr(PR_GET_PDEATHSIG, (unsigned long)&v, 0, 0, 0));
	printf("pdeathsig: %d\n", v);
	EXPECT_ERR("set_pdeathsig_65", pr(PR_SET_PDEATHSIG, 65, 0, 0, 0), EINVAL);
	EXPECT_ERR("get_pdeathsig_bad_ptr", pr(PR_GET_PDEATHSIG, (unsigned long)BADPTR, 0, 0, 0),
		   EFAULT);
	EXPECT_VAL("clear_pdeathsig", pr(PR_SET_PDEATHSIG, 0, 0, 0, 0), 0);

	EXPECT_VAL("nnp_initial", pr(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
	EXPECT_ERR("nnp_get_arg", pr(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0), EINVAL);
	EXPECT_ERR("nnp_set_0", pr(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0), EINVAL);
	EXPECT_ERR("nnp_set_extra", pr(PR_SET_NO_NEW_PRIVS, 1, 0, 1, 0), EINVAL);
	EXPECT_VAL("nnp_set", pr(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
	EXPECT_VAL("nnp_after", pr(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);

	EXPECT_VAL("dumpable_initial", pr(PR_GET_DUMPABLE, 0, 0, 0, 0), 1);
	EXPECT_ERR("dumpable_2", pr(PR_SET_DUMPABLE, 2, 0, 0, 0), EINVAL);
	EXPECT_VAL("dumpable_set_0", pr(PR_SET_DUMPABLE, 0, 0, 0, 0), 0);
	EXPECT_VAL("dumpable_after", pr(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
	EXPECT_VAL("dumpable_set_1", pr(PR_SET_DUMPABLE, 1, 0, 0, 0), 0);

	v = -1;
	OK(pr(PR_GET_CHILD_SUBREAPER, (unsigned long)&v, 0, 0, 0));
	printf("subreaper_initial: %d\n", v);
	EXPECT_VAL("subreaper_set", pr(PR_SET_CHILD_SUBREAPER, 7, 0, 0, 0), 0);
	OK(pr(PR_GET_CHILD_SUBREAPER, (unsigned long)&v, 0, 0, 0));
	printf("subreaper: %d\n", v);
	EXPECT_VAL("subreaper_clear", pr(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0), 0);

	EXPECT_VAL("seccomp", pr(PR_GET_SECCOMP, 0, 0, 0, 0), 0);
	EXPECT_VAL("capbset_setuid", pr(PR_CAPBSET_READ, 7, 0, 0, 0), 1);
	EXPECT_ERR("capbset_41", pr(PR_CAPBSET_READ, 41, 0, 0, 0), EINVAL);

	EXPECT_VAL("keepcaps_initial", pr(PR_GET_KEEPCAPS, 0, 0, 0, 0), 0);
	EXPECT_ERR("keepcaps_2", pr(PR_SET_KEEPCAPS, 2, 0, 0, 0), EINVAL);
	EXPECT_VAL("keepcaps_set", pr(PR_SET_KEEPCAPS, 1, 0, 0, 0), 0);
	EXPECT_VAL("keepcaps_after", pr(PR_GET_KEEPCAPS, 0, 0, 0, 0), 1);
	EXPECT_VAL("keepcaps_clear", pr(PR_SET_KEEPCAPS, 0, 0, 0, 0), 0);

	long slack = OK(pr(PR_GET_TIMERSLACK, 0, 0, 0, 0));
	EXPECT_VAL("timerslack_set", pr(PR_SET_TIMERSLACK, 123456, 0, 0, 0), 0);
	EXPECT_VAL("timerslack_after", pr(PR_GET_TIMERSLACK, 0, 0, 0, 0), 123456);
	EXPECT_VAL("timerslack_default", pr(PR_SET_TIMERSLACK, 0, 0, 0, 0), 0);
	EXPECT_TRUE("timerslack_back", pr(PR_GET_TIMERSLACK, 0, 0, 0, 0) == slack);

	EXPECT_ERR("unknown_option", pr(0x7fff1234, 0, 0, 0, 0), EINVAL);
	return done();
}
