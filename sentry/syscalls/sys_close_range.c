/* close_range: closing (or marking close-on-exec) every open descriptor in a range. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>

#include "fs/vfs.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

long sys_close_range(struct task *t, const uint64_t a[6])
{
	/* The kernel's arguments are unsigned ints: the upper halves are ignored. */
	unsigned first = (unsigned)a[0], last = (unsigned)a[1], flags = (unsigned)a[2];
	if (flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC))
		return -EINVAL;
	if (first > last)
		return -EINVAL;
	/* CLOSE_RANGE_UNSHARE would first give the caller a private copy of a table shared
	 * through CLONE_FILES; the closing below is all it changes for a private table. */
	pthread_mutex_lock(&t->fdt->lock);
	unsigned cap = (unsigned)t->fdt->cap;
	pthread_mutex_unlock(&t->fdt->lock);
	/* Nothing lives at or beyond the table's size: the range is cut there, as Linux cuts it
	 * at max_fds, so close_range(3, ~0U, 0) costs the table's size, not 4G steps. */
	if (!cap || first > cap - 1)
		return 0;
	if (last > cap - 1)
		last = cap - 1;
	for (unsigned fd = first; fd <= last; fd++) {
		/* A hole in the range is not an error (EBADF ignored). */
		if (flags & CLOSE_RANGE_CLOEXEC)
			(void)fd_set_cloexec(t->fdt, (int)fd, true);
		else
			(void)fd_close(t->fdt, (int)fd);
	}
	return 0;
}
