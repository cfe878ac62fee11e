/* eventfd, eventfd2 (the counter is fs/eventfd.c's). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/eventfd.h>

#include "fs/eventfd.h"
#include "fs/vfs.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

static long do_eventfd(struct task *t, unsigned count, int flags)
{
	struct file *f;
	if (flags & ~(EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE))
		return -EINVAL;
	long r = eventfd_create(count, flags & EFD_NONBLOCK, flags & EFD_SEMAPHORE, &f);
	if (r < 0)
		return r;
	r = fd_install(t->fdt, f, 0, flags & EFD_CLOEXEC);
	file_put(f); /* the table holds its own reference */
	return r;
}

long sys_eventfd(struct task *t, const uint64_t a[6])
{
	return do_eventfd(t, (unsigned)a[0], 0);
}

long sys_eventfd2(struct task *t, const uint64_t a[6])
{
	return do_eventfd(t, (unsigned)a[0], (int)a[1]);
}
