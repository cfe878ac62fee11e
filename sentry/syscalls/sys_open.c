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

/* Creating needs a writable filesystem; every mount is read-only until the VFS issue brings
 * tmpfs and overlay. So: the error Linux gives for a create on a read-only mount, after the
 * parent has been found (a missing parent is still ENOENT). */
static int create_refused(struct task *t, int dirfd, const char *path)
{
	char *parent = strdup(path);
	struct path p;
	int err;
	if (!parent)
		return -ENOMEM;
	char *slash = strrchr(parent, '/');
	if (!slash)
		strcpy(parent, ".");
	else if (slash == parent)
		parent[1] = 0;
	else
		*slash = 0;
	err = path_lookup_at(t, dirfd, parent, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &p);
	free(parent);
	if (err < 0)
		return err;
	path_put(&p);
	return -EROFS;
}

static long do_openat(struct task *t, int dirfd, uint64_t upath, int flags)
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
	int lflags = 0;
	if (!(flags & O_NOFOLLOW) && !((flags & O_CREAT) && (flags & O_EXCL)))
		lflags |= LOOKUP_FOLLOW;
	if (flags & O_DIRECTORY)
		lflags |= LOOKUP_DIRECTORY;
	r = path_lookup_at(t, dirfd, path, lflags, &p);
	if (r == -ENOENT && (flags & O_CREAT)) {
		r = create_refused(t, dirfd, path);
		goto out;
	}
	if (r < 0)
		goto out;
	if ((flags & O_CREAT) && (flags & O_EXCL)) {
		path_put(&p);
		r = -EEXIST;
		goto out;
	}
	if ((flags & O_CREAT) && S_ISDIR(p.dentry->inode->mode)) {
		path_put(&p);
		r = -EISDIR;
		goto out;
	}
	if ((flags & O_NOFOLLOW) && !(flags & O_PATH) && S_ISLNK(p.dentry->inode->mode)) {
		path_put(&p);
		r = -ELOOP;
		goto out;
	}
	/* O_PATH keeps only O_PATH, O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC, as Linux. */
	if (flags & O_PATH)
		flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	r = vfs_open(t, &p, flags, &f);
	path_put(&p);
	if (r < 0)
		goto out;
	r = fd_install(t->fdt, f, 0, flags & O_CLOEXEC);
	file_put(f);
out:
	free(path);
	return r;
}

long sys_openat(struct task *t, const uint64_t a[6])
{
	return do_openat(t, (int)a[0], a[1], (int)a[2]);
}

long sys_open(struct task *t, const uint64_t a[6])
{
	return do_openat(t, AT_FDCWD, a[0], (int)a[1]);
}

long sys_close(struct task *t, const uint64_t a[6])
{
	return fd_close(t->fdt, (int)a[0]);
}
