/* getdents64, getcwd, chdir, fchdir, readlink(at), access, faccessat(2), umask. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs/vfs.h"
#include "sentry/syscalls/path_arg.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

long sys_getdents64(struct task *t, const uint64_t a[6])
{
	unsigned count = (unsigned)a[2];
	struct file *f = fd_get(t->fdt, (int)a[0]);
	long r;
	if (!f)
		return -EBADF;
	if ((f->flags & O_PATH) || !f->ops) {
		file_put(f);
		return -EBADF;
	}
	if (!f->ops->getdents) {
		file_put(f);
		return -ENOTDIR;
	}
	/* Bounded: a guest asking for 2 GiB gets at most 64 KiB per call, as short reads go. */
	size_t cap = count < 65536 ? count : 65536;
	struct dir_emit de = {.buf = malloc(cap ? cap : 1), .cap = cap};
	if (!de.buf) {
		file_put(f);
		return -ENOMEM;
	}
	pthread_mutex_lock(&f->pos_lock);
	r = f->ops->getdents(f, &de);
	pthread_mutex_unlock(&f->pos_lock);
	if (r > 0 && copy_to_guest(t, a[1], de.buf, (size_t)r) < 0)
		r = -EFAULT;
	free(de.buf);
	file_put(f);
	return r;
}

long sys_getcwd(struct task *t, const uint64_t a[6])
{
	char *buf = malloc(PATH_MAX);
	long r;
	if (!buf)
		return -ENOMEM;
	pthread_mutex_lock(&t->fs->lock);
	/* A removed working directory has no path: Linux says ENOENT. */
	bool gone = t->fs->cwd.dentry->unhashed;
	int n = gone ? -ENOENT : path_to_string(&t->fs->cwd, &t->fs->root, buf, PATH_MAX);
	pthread_mutex_unlock(&t->fs->lock);
	const char *s = buf;
	if (n < 0) {
		r = n;
	} else {
		size_t len = strlen(s) + 1;
		if (len > a[1])
			r = -ERANGE;
		else
			r = copy_to_guest(t, a[0], s, len) < 0 ? -EFAULT : (long)len;
	}
	free(buf);
	return r;
}

static long set_cwd(struct task *t, struct path *p)
{
	if (!S_ISDIR(p->dentry->inode->mode)) {
		path_put(p);
		return -ENOTDIR;
	}
	int err = inode_permission(p->dentry->inode, 1 /* MAY_EXEC */, t);
	if (err < 0) {
		path_put(p);
		return err;
	}
	pthread_mutex_lock(&t->fs->lock);
	struct path old = t->fs->cwd;
	t->fs->cwd = *p;
	pthread_mutex_unlock(&t->fs->lock);
	path_put(&old);
	return 0;
}

long sys_chdir(struct task *t, const uint64_t a[6])
{
	char *path = NULL;
	struct path p;
	long r = path_arg(t, a[0], &path);
	if (r < 0)
		return r;
	r = path_lookup_at(t, AT_FDCWD, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &p);
	free(path);
	return r < 0 ? r : set_cwd(t, &p);
}

long sys_fchdir(struct task *t, const uint64_t a[6])
{
	struct file *f = fd_get(t->fdt, (int)a[0]);
	struct path p;
	if (!f)
		return -EBADF;
	if (!f->path.dentry) {
		file_put(f);
		return -ENOTDIR;
	}
	p = f->path;
	path_get(&p);
	file_put(f);
	return set_cwd(t, &p);
}

static long do_readlinkat(struct task *t, int dirfd, uint64_t upath, uint64_t ubuf, int64_t len)
{
	char *path = NULL, *target = NULL;
	struct path p;
	long r;
	if (len <= 0)
		return -EINVAL;
	r = path_arg(t, upath, &path);
	if (r < 0)
		return r;
	r = path_lookup_at(t, dirfd, path, dirfd == AT_FDCWD ? 0 : LOOKUP_EMPTY, &p);
	if (r < 0) {
		free(path);
		return r;
	}
	struct inode *ino = p.dentry->inode;
	if (!S_ISLNK(ino->mode) || !ino->ops->readlink) {
		/* An empty path names the fd itself: only a symlink (O_PATH) has a target. */
		r = *path ? -EINVAL : -ENOENT;
		goto out;
	}
	target = malloc(PATH_MAX);
	if (!target) {
		r = -ENOMEM;
		goto out;
	}
	r = ino->ops->readlink(ino, target, PATH_MAX);
	if (r < 0)
		goto out;
	if (r > len)
		r = len;
	if (copy_to_guest(t, ubuf, target, (size_t)r) < 0)
		r = -EFAULT;
out:
	free(target);
	free(path);
	path_put(&p);
	return r;
}

long sys_readlink(struct task *t, const uint64_t a[6])
{
	return do_readlinkat(t, AT_FDCWD, a[0], a[1], (int)a[2]);
}

long sys_readlinkat(struct task *t, const uint64_t a[6])
{
	return do_readlinkat(t, (int)a[0], a[1], a[2], (int)a[3]);
}

/* access(2) checks with the real ids unless AT_EACCESS. */
static long do_faccessat(struct task *t, int dirfd, uint64_t upath, int mode, int flags)
{
	char *path = NULL;
	struct path p;
	long r;
	if (mode & ~(F_OK | R_OK | W_OK | X_OK))
		return -EINVAL;
	if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	r = path_arg(t, upath, &path);
	if (r < 0)
		return r;
	int lflags = (flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW;
	if (flags & AT_EMPTY_PATH)
		lflags |= LOOKUP_EMPTY;
	r = path_lookup_at(t, dirfd, path, lflags, &p);
	free(path);
	if (r < 0)
		return r;
	struct creds saved = t->cred;
	if (!(flags & AT_EACCESS)) {
		t->cred.fsuid = t->cred.ruid;
		t->cred.fsgid = t->cred.rgid;
	}
	r = mode ? inode_permission(p.dentry->inode, mode, t) : 0;
	t->cred = saved;
	path_put(&p);
	return r;
}

long sys_access(struct task *t, const uint64_t a[6])
{
	return do_faccessat(t, AT_FDCWD, a[0], (int)a[1], 0);
}

long sys_faccessat(struct task *t, const uint64_t a[6])
{
	return do_faccessat(t, (int)a[0], a[1], (int)a[2], 0);
}

long sys_faccessat2(struct task *t, const uint64_t a[6])
{
	return do_faccessat(t, (int)a[0], a[1], (int)a[2], (int)a[3]);
}

long sys_umask(struct task *t, const uint64_t a[6])
{
	pthread_mutex_lock(&t->fs->lock);
	mode_t old = t->fs->umask;
	t->fs->umask = (mode_t)a[0] & 0777;
	pthread_mutex_unlock(&t->fs->lock);
	return old;
}
