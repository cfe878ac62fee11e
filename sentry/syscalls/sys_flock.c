/* flock(2): whole-file advisory locks of an open file description (fs/locks.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>

#include "fs/locks.h"
#include "fs/vfs.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

#ifndef LOCK_MAND
#define LOCK_MAND 32
#endif

long sys_flock(struct task *t, const uint64_t a[6])
{
	unsigned cmd = (unsigned)a[1];
	/* Linux ignores the long-broken LOCK_MAND requests (since 5.17): success, no lock. */
	if (cmd & LOCK_MAND)
		return 0;
	unsigned op = cmd & ~(unsigned)LOCK_NB;
	if (op != LOCK_SH && op != LOCK_EX && op != LOCK_UN)
		return -EINVAL;
	/* fd is an unsigned int to Linux: a negative one is just a large, unused number. */
	struct file *f = fd_get(t->fdt, (int)(unsigned)a[0]);
	if (!f)
		return -EBADF;
	long r;
	if (f->flags & O_PATH)
		r = -EBADF;
	else if (op != LOCK_UN && (f->flags & O_ACCMODE) == O_ACCMODE)
		r = -EBADF; /* open for neither reading nor writing */
	else
		r = locks_flock(t, f, (int)(cmd & (op | LOCK_NB)));
	file_put(f);
	return r;
}
