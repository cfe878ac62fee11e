#include "sentry/syscalls/table.h"

#include <errno.h>
#include <stddef.h>
#include <sys/syscall.h>

#include "sentry/log.h"
#include "sentry/signal.h"
#include "sentry/strace.h"
#include "sentry/task.h"

static const struct syscall_entry table[SYSCALL_MAX] = {
#define SC_FULL(nr, nm, a)	    [nr] = {#nm, sys_##nm, SC_STATUS_FULL, a, ""},
#define SC_PARTIAL(nr, nm, a, note) [nr] = {#nm, sys_##nm, SC_STATUS_PARTIAL, a, note},
#define SC_NONE(nr, nm, a, note)    [nr] = {#nm, NULL, SC_STATUS_NONE, a, note},
#include "sentry/syscalls/syscalls.def"
#undef SC_FULL
#undef SC_PARTIAL
#undef SC_NONE
};

const struct syscall_entry *syscall_lookup(long nr)
{
	if (nr < 0 || nr >= SYSCALL_MAX || !table[nr].name)
		return NULL;
	return &table[nr];
}

/* One log line per unimplemented syscall name; the count is reported at exit (--debug). */
static void note_unimplemented(struct task *t, long nr, const char *name)
{
	struct sandbox *sb = t->sb;
	if (nr >= 0 && nr < SYSCALL_MAX) {
		sb->unimplemented_count[nr]++;
		if (sb->unimplemented_logged[nr])
			return;
		sb->unimplemented_logged[nr] = true;
	}
	log_warn("unimplemented syscall %s (%ld): returning ENOSYS", name ? name : "?", nr);
}

/* The calls Linux restarts after a handler with SA_RESTART (they return ERESTARTSYS when a
 * signal interrupts them); the others return EINTR. */
static bool restartable(long nr)
{
	switch (nr) {
	case SYS_read:
	case SYS_write:
	case SYS_readv:
	case SYS_writev:
	case SYS_pread64:
	case SYS_pwrite64:
	case SYS_preadv:
	case SYS_pwritev:
	case SYS_open:
	case SYS_openat:
	case SYS_wait4:
	case SYS_waitid:
	case SYS_futex:
	case SYS_ioctl:
	case SYS_fcntl:
	case SYS_flock:
	case SYS_accept:
	case SYS_accept4:
	case SYS_connect:
	case SYS_recvfrom:
	case SYS_recvmsg:
	case SYS_sendto:
	case SYS_sendmsg:
		return true;
	}
	return false;
}

void syscall_dispatch(struct task *t)
{
	uint64_t a[6];
	/* Linux takes the number from eax: the upper half of rax is ignored. */
	long nr = (int)t->regs.orig_rax;
	long ret;
	task_syscall_args(t, a);
	const struct syscall_entry *e = syscall_lookup(nr);

	if (t->sb->strace)
		strace_enter(t, nr, a);
	if (e && e->fn) {
		ret = e->fn(t, a);
	} else {
		/* x32 numbers (bit 30), unknown numbers, unimplemented ones: ENOSYS as Linux. */
		note_unimplemented(t, nr, e ? e->name : NULL);
		ret = -ENOSYS;
	}
	if (ret == -EINTR && restartable(nr) && task_signal_pending(t)) {
		ret = -ERESTARTSYS_K;
		t->restart_pending = true;
	}
	if (t->sb->strace)
		strace_exit(t, nr, a, ret);
	if (ret != SYSCALL_REGS_SET)
		t->regs.rax = (uint64_t)ret;
}
