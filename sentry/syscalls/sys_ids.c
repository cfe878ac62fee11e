/*
 * Identity syscalls: process ids, credentials, groups. Every id is the guest's own (from the
 * task), never a host id.
 *
 * There is no process table yet, so a pid argument can only name the caller itself; any
 * other pid gets ESRCH as a pid no process has.
 */
#include <errno.h>
#include <stdint.h>

#include "sentry/syscalls/table.h"
#include "sentry/task.h"

long sys_getpid(struct task *t, const uint64_t a[6])
{
	return t->tgid;
}

long sys_gettid(struct task *t, const uint64_t a[6])
{
	return t->tid;
}

long sys_getuid(struct task *t, const uint64_t a[6])
{
	return t->cred.ruid;
}

long sys_geteuid(struct task *t, const uint64_t a[6])
{
	return t->cred.euid;
}

long sys_getgid(struct task *t, const uint64_t a[6])
{
	return t->cred.rgid;
}

long sys_getegid(struct task *t, const uint64_t a[6])
{
	return t->cred.egid;
}

/* The kernel writes the three ids one by one and stops at the first fault. */
static long put_three_ids(struct task *t, const uint64_t a[6], uint32_t r, uint32_t e, uint32_t s)
{
	int err = copy_to_guest(t, a[0], &r, sizeof(r));
	if (!err)
		err = copy_to_guest(t, a[1], &e, sizeof(e));
	if (!err)
		err = copy_to_guest(t, a[2], &s, sizeof(s));
	return err;
}

long sys_getresuid(struct task *t, const uint64_t a[6])
{
	return put_three_ids(t, a, t->cred.ruid, t->cred.euid, t->cred.suid);
}

long sys_getresgid(struct task *t, const uint64_t a[6])
{
	return put_three_ids(t, a, t->cred.rgid, t->cred.egid, t->cred.sgid);
}
