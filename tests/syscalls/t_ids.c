/* Credentials: get{,e,res}{uid,gid} and getgroups agree with each other. The ids themselves
 * are not printed: the sandbox presents its own. */
#define _GNU_SOURCE
#include "check.h"

#include <sys/types.h>

int main(void)
{
	long uid = OK(syscall(SYS_getuid)), euid = OK(syscall(SYS_geteuid));
	long gid = OK(syscall(SYS_getgid)), egid = OK(syscall(SYS_getegid));
	EXPECT_TRUE("uid_is_euid", uid == euid);
	EXPECT_TRUE("gid_is_egid", gid == egid);
	/* The same values twice. */
	EXPECT_TRUE("getuid_stable", syscall(SYS_getuid) == uid && syscall(SYS_geteuid) == euid);

	uid_t r = 12345, e = 12345, s = 12345;
	EXPECT_VAL("getresuid", syscall(SYS_getresuid, &r, &e, &s), 0);
	EXPECT_TRUE("resuid_matches", r == (uid_t)uid && e == (uid_t)euid && s == (uid_t)euid);
	gid_t rg = 12345, eg = 12345, sg = 12345;
	EXPECT_VAL("getresgid", syscall(SYS_getresgid, &rg, &eg, &sg), 0);
	EXPECT_TRUE("resgid_matches", rg == (gid_t)gid && eg == (gid_t)egid && sg == (gid_t)egid);
	EXPECT_TRUE("libc_agrees", getuid() == (uid_t)uid && getegid() == (gid_t)egid);

	EXPECT_ERR("getresuid_bad_ptr", syscall(SYS_getresuid, BADPTR, &e, &s), EFAULT);
	EXPECT_ERR("getresuid_bad_ptr_3", syscall(SYS_getresuid, &r, &e, BADPTR), EFAULT);
	EXPECT_ERR("getresgid_bad_ptr", syscall(SYS_getresgid, &rg, BADPTR, &sg), EFAULT);

	/* getgroups: size 0 asks for the count; the list fits in that many. */
	long n = OK(syscall(SYS_getgroups, 0, NULL));
	EXPECT_TRUE("ngroups_nonnegative", n >= 0 && n <= 65536);
	gid_t groups[65536 / 64];
	if (n <= (long)(sizeof(groups) / sizeof(groups[0]))) {
		EXPECT_TRUE("getgroups_full", syscall(SYS_getgroups, n, groups) == n);
		EXPECT_TRUE("getgroups_bigger_buffer", syscall(SYS_getgroups, 1024, groups) == n);
		if (n > 0)
			CHECK(syscall(SYS_getgroups, n - 1, groups) == -1 && errno == EINVAL);
		EXPECT_TRUE("getgroups_too_small_is_einval_when_nonempty", 1);
	}
	EXPECT_ERR("getgroups_negative", syscall(SYS_getgroups, -1, groups), EINVAL);
	return done();
}
