#include "sentry/syscalls/table.h"

#include <errno.h>
#include <stddef.h>

#include "sentry/log.h"
#include "sentry/strace.h"
#include "sentry/task.h"

static const struct syscall_entry table[SYSCALL_MAX] = {
#define SC_FULL(nr, nm, a)          [nr] = {#nm, sys_##nm, SC_STATUS_FULL, a, ""},
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
	if (t->sb->strace)
		strace_exit(t, nr, a, ret);
	if (ret != SYSCALL_REGS_SET)
		t->regs.rax = (uint64_t)ret;
}
