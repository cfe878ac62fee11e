/* open, openat, close. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fs/vfs.h"
#include "sentry/syscalls/path_arg.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

static long do_openat(struct task *t, int dirfd, uint64_t upath, int flags, mode_t mode)
{
	struct path p;
	struct file *f;
	long r;
	char *path = NULL;

	r = path_arg(t, upath, &path);
	if (r < 0)
		return r;
	/* Linux 6.4+: O_CREAT with O_DIRECTORY is meaningless and refused. */
	if ((flags & O_CREAT) && (flags & O_DIRECTORY) && (flags & O_TMPFILE) != O_TMPFILE) {
		r = -EINVAL;
		goto out;
	}
	if ((flags & O_TMPFILE) == O_TMPFILE) {
		r = (flags & O_ACCMODE) == O_RDONLY ? -EINVAL : -EOPNOTSUPP;
		goto out;
	}
	/* O_PATH keeps only O_PATH, O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC, as Linux. */
	if (flags & O_PATH)
		flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	if (flags & O_CREAT) {
		r = vfs_open_create(t, dirfd, path, flags, mode, &f);
		if (r == 0)
			goto install;
		goto out;
	}
	int lflags = 0;
	if (!(flags & O_NOFOLLOW))
		lflags |= LOOKUP_FOLLOW;
	if (flags & O_DIRECTORY)
		lflags |= LOOKUP_DIRECTORY;
	r = path_lookup_at(t, dirfd, path, lflags, &p);
	if (r < 0)
		goto out;
	if ((flags & O_NOFOLLOW) && !(flags & O_PATH) && S_ISLNK(p.dentry->inode->mode)) {
		path_put(&p);
		r = -ELOOP;
		goto out;
	}
	r = vfs_open(t, &p, flags, &f);
	path_put(&p);
	if (r < 0)
		goto out;
install:
	r = fd_install(t->fdt, f, 0, flags & O_CLOEXEC);
	file_put(f);
out:
	free(path);
	return r;
}

long sys_openat(struct task *t, const uint64_t a[6])
{
	return do_openat(t, (int)a[0], a[1], (int)a[2], (mode_t)a[3]);
}

long sys_open(struct task *t, const uint64_t a[6])
{
	return do_openat(t, AT_FDCWD, a[0], (int)a[1], (mode_t)a[2]);
}

long sys_creat(struct task *t, const uint64_t a[6])
{
	return do_openat(t, AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC, (mode_t)a[1]);
}

long sys_close(struct task *t, const uint64_t a[6])
{
	return fd_close(t->fdt, (int)a[0]);
}
