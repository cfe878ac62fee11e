/*
 * fsync, fdatasync, syncfs, sync, sync_file_range. The Sentry's filesystems are in memory
 * (tmpfs, the overlay's upper layer) or read-only host views, so there is nothing to flush
 * but what a filesystem's fsync says; the calls still check their fd and flags as Linux does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "fs/vfs.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

static long do_fsync(struct task *t, int fd, bool datasync)
{
	struct file *f = fd_get(t->fdt, fd);
	if (!f)
		return -EBADF;
	long r;
	if (f->flags & O_PATH)
		r = -EBADF;
	else if (f->inode && (S_ISFIFO(f->inode->mode) || S_ISSOCK(f->inode->mode)))
		r = -EINVAL; /* Linux's FIFOs and sockets have no fsync, on any filesystem */
	else if (f->ops && f->ops->fsync)
		r = f->ops->fsync(f, datasync);
	else if (f->inode && (S_ISREG(f->inode->mode) || S_ISDIR(f->inode->mode)))
		r = 0; /* in memory, or a read-only host view: nothing to flush */
	else
		r = -EINVAL; /* pipes, FIFOs, sockets, devices, stdio: no fsync method in Linux */
	file_put(f);
	return r;
}

long sys_fsync(struct task *t, const uint64_t a[6])
{
	return do_fsync(t, (int)a[0], false);
}

long sys_fdatasync(struct task *t, const uint64_t a[6])
{
	return do_fsync(t, (int)a[0], true);
}

long sys_sync(struct task *t, const uint64_t a[6])
{
	(void)t;
	(void)a;
	return 0;
}

long sys_syncfs(struct task *t, const uint64_t a[6])
{
	struct file *f = fd_get(t->fdt, (int)a[0]);
	if (!f)
		return -EBADF;
	long r = (f->flags & O_PATH) ? -EBADF : 0;
	file_put(f);
	return r;
}

long sys_sync_file_range(struct task *t, const uint64_t a[6])
{
	int64_t off = (int64_t)a[1], n = (int64_t)a[2];
	unsigned flags = (unsigned)a[3];
	/* The descriptor first, then the flags and the range, as Linux checks them. */
	struct file *f = fd_get(t->fdt, (int)a[0]);
	if (!f)
		return -EBADF;
	long r = 0;
	if (f->flags & O_PATH)
		r = -EBADF;
	else if (flags & ~(SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
			   SYNC_FILE_RANGE_WAIT_AFTER))
		r = -EINVAL;
	else if (off < 0 || n < 0 || off > INT64_MAX - n)
		r = -EINVAL;
	else if (!f->inode || !(S_ISREG(f->inode->mode) || S_ISDIR(f->inode->mode) ||
				S_ISLNK(f->inode->mode) || S_ISBLK(f->inode->mode)))
		r = -ESPIPE;
	file_put(f);
	return r;
}
