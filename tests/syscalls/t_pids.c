/* Process ids in a single-threaded program: getpid, gettid, getppid, getpgrp, getpgid, getsid.
 * Only relations are printed. Under a sandbox the program may be its pid namespace's init,
 * whose parent pid is 0, so getppid is only required to be >= 0 and not our own pid. Likewise
 * the group or session leader may live outside our pid namespace (CI runs in a container whose
 * session began outside it), and then getpgrp or getsid is 0: only >= 0 is required. */
#define _GNU_SOURCE
#include "check.h"

int main(void)
{
	long pid = OK(syscall(SYS_getpid));
	long tid = OK(syscall(SYS_gettid));
	long ppid = OK(syscall(SYS_getppid));
	EXPECT_TRUE("pid_positive", pid > 0);
	EXPECT_TRUE("tid_is_pid", tid == pid);
	EXPECT_TRUE("libc_getpid_agrees", getpid() == pid && gettid() == tid);
	EXPECT_TRUE("ppid_not_self", ppid >= 0 && ppid != pid);
	EXPECT_TRUE("pid_stable", syscall(SYS_getpid) == pid && syscall(SYS_getppid) == ppid);

	long pgrp = OK(syscall(SYS_getpgrp));
	EXPECT_TRUE("pgrp_nonnegative", pgrp >= 0);
	EXPECT_TRUE("getpgid_0_is_getpgrp", syscall(SYS_getpgid, 0) == pgrp);
	EXPECT_TRUE("getpgid_self_is_getpgrp", syscall(SYS_getpgid, pid) == pgrp);
	long sid = OK(syscall(SYS_getsid, 0));
	EXPECT_TRUE("sid_nonnegative", sid >= 0);
	EXPECT_TRUE("getsid_self_is_getsid_0", syscall(SYS_getsid, pid) == sid);

	EXPECT_ERR("getpgid_negative", syscall(SYS_getpgid, -1), ESRCH);
	EXPECT_ERR("getsid_negative", syscall(SYS_getsid, -1), ESRCH);
	EXPECT_ERR("getpgid_int_max", syscall(SYS_getpgid, 0x7fffffff), ESRCH);
	EXPECT_ERR("getsid_int_max", syscall(SYS_getsid, 0x7fffffff), ESRCH);
	return done();
}
