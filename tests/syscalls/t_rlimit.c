/* getrlimit, setrlimit, prlimit64: reading, lowering RLIMIT_NOFILE (EMFILE beyond it, EINVAL
 * from F_DUPFD, EBADF from dup2), soft > hard, bad resources. Limit values inherited from the
 * harness are never printed. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <sys/resource.h>

int main(void)
{
	struct rlimit rl, rl2;
	EXPECT_VAL("getrlimit_nofile", syscall(SYS_getrlimit, RLIMIT_NOFILE, &rl), 0);
	EXPECT_TRUE("nofile_soft_le_hard", rl.rlim_cur <= rl.rlim_max);
	EXPECT_TRUE("nofile_soft_at_least_64", rl.rlim_cur >= 64);
	EXPECT_VAL("prlimit_read", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl2), 0);
	EXPECT_TRUE("prlimit_agrees", rl.rlim_cur == rl2.rlim_cur && rl.rlim_max == rl2.rlim_max);
	pid_t self = getpid();
	EXPECT_VAL("prlimit_self_pid", syscall(SYS_prlimit64, self, RLIMIT_NOFILE, NULL, &rl2), 0);
	EXPECT_TRUE("prlimit_self_agrees", rl.rlim_cur == rl2.rlim_cur);

	/* Every resource is readable, with soft <= hard. */
	for (int r = 0; r < RLIM_NLIMITS; r++) {
		OK(syscall(SYS_prlimit64, 0, r, NULL, &rl2));
		CHECK(rl2.rlim_cur <= rl2.rlim_max);
	}
	EXPECT_TRUE("all_resources_readable", 1);
	OK(getrlimit(RLIMIT_STACK, &rl2));
	EXPECT_TRUE("stack_limit_sane", rl2.rlim_cur == RLIM_INFINITY || rl2.rlim_cur >= 65536);

	/* Lower RLIMIT_NOFILE's soft limit to 32. */
	struct rlimit low = {32, rl.rlim_max};
	EXPECT_VAL("setrlimit_low", syscall(SYS_setrlimit, RLIMIT_NOFILE, &low), 0);
	OK(getrlimit(RLIMIT_NOFILE, &rl2));
	EXPECT_VAL("soft_now_32", rl2.rlim_cur, 32);
	EXPECT_TRUE("hard_unchanged", rl2.rlim_max == rl.rlim_max);
	int n = 0, last = -1, fds[64];
	for (;;) {
		int fd = open("/etc/os-release", O_RDONLY);
		if (fd < 0) {
			int e = errno;
			printf("open_beyond_limit: %d %s\n", fd, errname(e));
			CHECK_EQ(e, EMFILE);
			break;
		}
		CHECK(fd < 32 && n < 64);
		fds[n++] = last = fd;
	}
	EXPECT_TRUE("opened_some", n > 0 && last < 32);
	EXPECT_ERR("dup_beyond_limit", dup(last), EMFILE);
	EXPECT_ERR("dupfd_at_limit", fcntl(last, F_DUPFD, 32), EINVAL);
	EXPECT_ERR("dup2_at_limit", dup2(last, 32), EBADF);
	EXPECT_ERR("dup2_above_limit", dup2(last, 100), EBADF);
	OK(close(fds[n - 1]));
	int again = EXPECT_OK("open_after_close", open("/etc/os-release", O_RDONLY));
	EXPECT_TRUE("reused_slot", again == fds[n - 1]);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	/* Raise the soft limit back (up to the hard limit needs no privilege). */
	EXPECT_VAL("restore", syscall(SYS_setrlimit, RLIMIT_NOFILE, &rl), 0);
	int probe = OK(open("/etc/os-release", O_RDONLY));
	EXPECT_TRUE("dup2_high_works_again", dup2(probe, 100) == 100 && close(100) == 0);
	OK(close(probe));

	/* prlimit64 sets and returns the old value in one call. */
	struct rlimit old;
	EXPECT_VAL("prlimit_set_and_get", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &low, &old), 0);
	EXPECT_TRUE("prlimit_old_value",
		    old.rlim_cur == rl.rlim_cur && old.rlim_max == rl.rlim_max);
	OK(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &rl, NULL));

	/* Errors. */
	struct rlimit bad = {rl.rlim_max, rl.rlim_max - 1};
	EXPECT_ERR("soft_above_hard", syscall(SYS_setrlimit, RLIMIT_NOFILE, &bad), EINVAL);
	EXPECT_ERR("prlimit_soft_above_hard", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &bad, NULL),
		   EINVAL);
	EXPECT_ERR("getrlimit_bad_resource", syscall(SYS_getrlimit, RLIM_NLIMITS, &rl2), EINVAL);
	EXPECT_ERR("getrlimit_resource_1000", syscall(SYS_getrlimit, 1000, &rl2), EINVAL);
	EXPECT_ERR("setrlimit_bad_resource", syscall(SYS_setrlimit, 1000, &rl), EINVAL);
	EXPECT_ERR("prlimit_bad_resource", syscall(SYS_prlimit64, 0, 1000, NULL, &rl2), EINVAL);
	EXPECT_ERR("getrlimit_bad_ptr", syscall(SYS_getrlimit, RLIMIT_NOFILE, BADPTR), EFAULT);
	EXPECT_ERR("setrlimit_bad_ptr", syscall(SYS_setrlimit, RLIMIT_NOFILE, BADPTR), EFAULT);
	EXPECT_ERR("prlimit_bad_old_ptr", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, BADPTR),
		   EFAULT);
	EXPECT_ERR("prlimit_no_such_pid",
		   syscall(SYS_prlimit64, 0x7fffffff, RLIMIT_NOFILE, NULL, &rl2), ESRCH);
	OK(getrlimit(RLIMIT_NOFILE, &rl2));
	EXPECT_TRUE("unchanged_after_errors",
		    rl2.rlim_cur == rl.rlim_cur && rl2.rlim_max == rl.rlim_max);
	return done();
}
