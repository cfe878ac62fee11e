/* exit, exit_group. With one thread per process so far, both end the thread group. */
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

long sys_exit(struct task *t, const uint64_t a[6])
{
	task_exit_group(t, ((int)a[0] & 0xff) << 8);
	return 0;
}

long sys_exit_group(struct task *t, const uint64_t a[6])
{
	task_exit_group(t, ((int)a[0] & 0xff) << 8);
	return 0;
}
