/* exit (this thread), exit_group (every thread of the process). */
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

long sys_exit(struct task *t, const uint64_t a[6])
{
	t->thread_exit_only = true;
	task_exit_group(t, ((int)a[0] & 0xff) << 8);
	return 0;
}

long sys_exit_group(struct task *t, const uint64_t a[6])
{
	task_exit_group(t, ((int)a[0] & 0xff) << 8);
	return 0;
}
