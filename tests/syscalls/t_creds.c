/* Changing credentials, in a forked child so the test itself stays root: setuid drops every
 * id and the way back, setresuid with -1, setreuid/setregid, setfsuid, setgroups/getgroups,
 * and capget/capset. */
#define _GNU_SOURCE
#include "check.h"

#include <linux/capability.h>
#include <sys/wait.h>

static void print_resuid(const char *label)
{
	uid_t r, e, s;
	OK(syscall(SYS_getresuid, &r, &e, &s));
	printf("%s: %u %u %u\n", label, r, e, s);
}

static void print_resgid(const char *label)
{
	gid_t r, e, s;
	OK(syscall(SYS_getresgid, &r, &e, &s));
	printf("%s: %u %u %u\n", label, r, e, s);
}

static int has_cap(int cap)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	OK(syscall(SYS_capget, &h, d));
	return (d[cap / 32].effective >> (cap % 32)) & 1;
}

static void child(void)
{
	/* Groups: kept sorted, counted with size 0, EINVAL when the buffer is too small. */
	gid_t set[3] = {300, 100, 200}, got[8];
	EXPECT_VAL("setgroups", syscall(SYS_setgroups, 3, set), 0);
	EXPECT_VAL("getgroups_count", syscall(SYS_getgroups, 0, NULL), 3);
	EXPECT_VAL("getgroups", syscall(SYS_getgroups, 8, got), 3);
	printf("groups: %u %u %u\n", got[0], got[1], got[2]);
	EXPECT_ERR("getgroups_small", syscall(SYS_getgroups, 2, got), EINVAL);
	EXPECT_ERR("setgroups_too_many", syscall(SYS_setgroups, 65537, set), EINVAL);
	EXPECT_ERR("setgroups_bad_ptr", syscall(SYS_setgroups, 2, BADPTR), EFAULT);
	EXPECT_VAL("setgroups_empty", syscall(SYS_setgroups, 0, NULL), 0);
	EXPECT_VAL("getgroups_empty", syscall(SYS_getgroups, 0, NULL), 0);

	/* Capabilities: version probes and a root's effective set. */
	struct __user_cap_header_struct h = {0x12345678, 0};
	struct __user_cap_data_struct d[2];
	EXPECT_ERR("capget_bad_version", syscall(SYS_capget, &h, d), EINVAL);
	EXPECT_TRUE("capget_version_written", h.version == _LINUX_CAPABILITY_VERSION_3);
	h.version = 0x12345678;
	EXPECT_VAL("capget_probe", syscall(SYS_capget, &h, NULL), 0);
	EXPECT_TRUE("capget_probe_written", h.version == _LINUX_CAPABILITY_VERSION_3);
	EXPECT_VAL("capget_v3", syscall(SYS_capget, &h, d), 0);
	EXPECT_TRUE("root_has_setuid", (d[0].effective >> CAP_SETUID) & 1);
	EXPECT_TRUE("root_has_setgid", (d[0].permitted >> CAP_SETGID) & 1);
	h.pid = -1;
	EXPECT_ERR("capget_neg_pid", syscall(SYS_capget, &h, d), EINVAL);
	h.pid = 999999;
	EXPECT_ERR("capget_no_pid", syscall(SYS_capget, &h, d), ESRCH);
	EXPECT_ERR("capset_other_pid", syscall(SYS_capset, &h, d), EPERM);
	h.pid = 0;
	EXPECT_ERR("capget_bad_data", syscall(SYS_capget, &h, BADPTR), EFAULT);
	/* Drop CAP_SETGID from the effective set only: setgroups then fails. */
	d[0].effective &= ~(1U << CAP_SETGID);
	EXPECT_VAL("capset_drop", syscall(SYS_capset, &h, d), 0);
	EXPECT_TRUE("setgid_cap_gone", !has_cap(CAP_SETGID));
	EXPECT_ERR("setgroups_without_cap", syscall(SYS_setgroups, 0, NULL), EPERM);
	d[0].effective |= 1U << CAP_SETGID;
	EXPECT_VAL("capset_raise_effective", syscall(SYS_capset, &h, d), 0);
	EXPECT_TRUE("setgid_cap_back", has_cap(CAP_SETGID));
	d[1].permitted |= 1U << 31; /* cap 63 is beyond the last: never in the permitted set */
	d[1].effective = 0;
	EXPECT_VAL("capset_invalid_bits_ignored", syscall(SYS_capset, &h, d), 0);

	/* gids. */
	EXPECT_VAL("setresgid", syscall(SYS_setresgid, 10, 20, 30), 0);
	print_resgid("resgid");
	EXPECT_VAL("setregid", syscall(SYS_setregid, -1, 10), 0);
	print_resgid("regid");
	EXPECT_VAL("setgid", syscall(SYS_setgid, 500), 0);
	print_resgid("gid");
	EXPECT_ERR("setgid_minus_one", syscall(SYS_setgid, -1), EINVAL);

	/* uids: seteuid-style first, then for good. */
	EXPECT_VAL("setresuid_e", syscall(SYS_setresuid, -1, 1000, -1), 0);
	print_resuid("resuid_e");
	EXPECT_TRUE("euid_nonroot_no_cap", !has_cap(CAP_SETUID));
	EXPECT_VAL("setfsuid_query", syscall(SYS_setfsuid, -1), 1000);
	EXPECT_VAL("setresuid_back", syscall(SYS_setresuid, -1, 0, -1), 0);
	EXPECT_TRUE("euid_root_cap_back", has_cap(CAP_SETUID));
	EXPECT_VAL("setreuid", syscall(SYS_setreuid, -1, 2000), 0);
	print_resuid("reuid");
	EXPECT_VAL("setreuid_back", syscall(SYS_setreuid, -1, 0), 0);
	print_resuid("reuid_back");
	EXPECT_VAL("setuid_1000", syscall(SYS_setuid, 1000), 0);
	print_resuid("after_setuid");
	EXPECT_TRUE("no_caps_left", !has_cap(CAP_SETUID) && !has_cap(CAP_SETGID));
	EXPECT_ERR("setuid_0", syscall(SYS_setuid, 0), EPERM);
	EXPECT_VAL("setuid_same", syscall(SYS_setuid, 1000), 0);
	EXPECT_VAL("setresuid_noop", syscall(SYS_setresuid, -1, -1, -1), 0);
	print_resuid("after_noop");
	EXPECT_ERR("setresuid_new", syscall(SYS_setresuid, -1, 5, -1), EPERM);
	EXPECT_ERR("setreuid_new", syscall(SYS_setreuid, 7, -1), EPERM);
	EXPECT_ERR("setgid_other", syscall(SYS_setgid, 7), EPERM);
	EXPECT_ERR("setgroups_nonroot", syscall(SYS_setgroups, 0, NULL), EPERM);
	EXPECT_VAL("setfsuid_refused", syscall(SYS_setfsuid, 0), 1000);
	EXPECT_VAL("setfsuid_still", syscall(SYS_setfsuid, -1), 1000);
	EXPECT_VAL("setfsgid_refused", syscall(SYS_setfsgid, 0), 500);
	h.version = _LINUX_CAPABILITY_VERSION_3;
	memset(d, 0, sizeof(d));
	d[0].permitted = 1U << CAP_SETUID;
	EXPECT_ERR("capset_raise", syscall(SYS_capset, &h, d), EPERM);
	fflush(stdout);
}

int main(void)
{
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid != -1);
	if (pid == 0) {
		child();
		_exit(0);
	}
	int st = 0;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	EXPECT_TRUE("parent_still_root", geteuid() == 0 && getuid() == 0);
	return done();
}
