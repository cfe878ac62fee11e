/*
 * Names in the tree: mknod(at), mkdir(at), rmdir, unlink(at), link(at), symlink(at),
 * rename(at)(2). The checks and the work are in fs/namei_ops.c; here the arguments are
 * copied once from the guest and their flags checked against what Linux accepts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "fs/vfs.h"
#include "sentry/syscalls/path_arg.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

/* Linux's new_decode_dev: the 32-bit device number mknod takes. */
static dev_t decode_dev(uint32_t dev)
{
	unsigned major = (dev & 0xfff00) >> 8;
	unsigned minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
	return makedev(major, minor);
}

static long do_mknodat(struct task *t, int dirfd, uint64_t upath, mode_t mode, uint32_t dev)
{
	char *path;
	long r;
	switch (mode & S_IFMT) {
	case 0:
		mode |= S_IFREG;
		break;
	case S_IFREG:
	case S_IFIFO:
	case S_IFSOCK:
		break;
	case S_IFCHR:
	case S_IFBLK:
		break;
	case S_IFDIR:
		return -EPERM;
	default:
		return -EINVAL;
	}
	r = path_arg(t, upath, &path);
	if (r < 0)
		return r;
	/* Device nodes need CAP_MKNOD; in the guest's fiction only root has it. The check
	 * comes after the path has been resolved far enough to report ENOENT/EEXIST first
	 * in Linux too, but EPERM is what a non-root caller sees for any device. */
	if ((S_ISCHR(mode) || S_ISBLK(mode)) && t->cred.euid != 0)
		r = -EPERM;
	else
		r = vfs_mknodat(t, dirfd, path, mode,
				S_ISCHR(mode) || S_ISBLK(mode) ? decode_dev(dev) : 0);
	free(path);
	return r;
}

long sys_mknod(struct task *t, const uint64_t a[6])
{
	return do_mknodat(t, AT_FDCWD, a[0], (mode_t)a[1], (uint32_t)a[2]);
}

long sys_mknodat(struct task *t, const uint64_t a[6])
{
	return do_mknodat(t, (int)a[0], a[1], (mode_t)a[2], (uint32_t)a[3]);
}

static long do_mkdirat(struct task *t, int dirfd, uint64_t upath, mode_t mode)
{
	char *path;
	long r = path_arg(t, upath, &path);
	if (r < 0)
		return r;
	r = vfs_mkdirat(t, dirfd, path, mode);
	free(path);
	return r;
}

long sys_mkdir(struct task *t, const uint64_t a[6])
{
	return do_mkdirat(t, AT_FDCWD, a[0], (mode_t)a[1]);
}

long sys_mkdirat(struct task *t, const uint64_t a[6])
{
	return do_mkdirat(t, (int)a[0], a[1], (mode_t)a[2]);
}

static long do_unlinkat(struct task *t, int dirfd, uint64_t upath, int flags)
{
	char *path;
	long r;
	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	r = path_arg(t, upath, &path);
	if (r < 0)
		return r;
	r = vfs_unlinkat(t, dirfd, path, flags & AT_REMOVEDIR);
	free(path);
	return r;
}

long sys_unlink(struct task *t, const uint64_t a[6])
{
	return do_unlinkat(t, AT_FDCWD, a[0], 0);
}

long sys_rmdir(struct task *t, const uint64_t a[6])
{
	return do_unlinkat(t, AT_FDCWD, a[0], AT_REMOVEDIR);
}

long sys_unlinkat(struct task *t, const uint64_t a[6])
{
	return do_unlinkat(t, (int)a[0], a[1], (int)a[2]);
}

static long do_symlinkat(struct task *t, uint64_t utarget, int dirfd, uint64_t upath)
{
	char *target, *path;
	long r = path_arg(t, utarget, &target);
	if (r < 0)
		return r;
	r = path_arg(t, upath, &path);
	if (r == 0) {
		r = vfs_symlinkat(t, target, dirfd, path);
		free(path);
	}
	free(target);
	return r;
}

long sys_symlink(struct task *t, const uint64_t a[6])
{
	return do_symlinkat(t, a[0], AT_FDCWD, a[1]);
}

long sys_symlinkat(struct task *t, const uint64_t a[6])
{
	return do_symlinkat(t, a[0], (int)a[1], a[2]);
}

static long do_linkat(struct task *t, int odirfd, uint64_t uold, int ndirfd, uint64_t unew,
		      int flags)
{
	char *old, *new;
	long r;
	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	int lflags = (flags & AT_SYMLINK_FOLLOW) ? LOOKUP_FOLLOW : 0;
	if (flags & AT_EMPTY_PATH) {
		/* Linking an fd by AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH. */
		if (t->cred.euid != 0)
			return -ENOENT;
		lflags |= LOOKUP_EMPTY;
	}
	r = path_arg(t, uold, &old);
	if (r < 0)
		return r;
	r = path_arg(t, unew, &new);
	if (r == 0) {
		r = vfs_linkat(t, odirfd, old, ndirfd, new, lflags);
		free(new);
	}
	free(old);
	return r;
}

long sys_link(struct task *t, const uint64_t a[6])
{
	return do_linkat(t, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
}

long sys_linkat(struct task *t, const uint64_t a[6])
{
	return do_linkat(t, (int)a[0], a[1], (int)a[2], a[3], (int)a[4]);
}

static long do_renameat2(struct task *t, int odirfd, uint64_t uold, int ndirfd, uint64_t unew,
			 unsigned flags)
{
	char *old, *new;
	long r = path_arg(t, uold, &old);
	if (r < 0)
		return r;
	r = path_arg(t, unew, &new);
	if (r == 0) {
		r = vfs_renameat(t, odirfd, old, ndirfd, new, flags);
		free(new);
	}
	free(old);
	return r;
}

long sys_rename(struct task *t, const uint64_t a[6])
{
	return do_renameat2(t, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
}

long sys_renameat(struct task *t, const uint64_t a[6])
{
	return do_renameat2(t, (int)a[0], a[1], (int)a[2], a[3], 0);
}

long sys_renameat2(struct task *t, const uint64_t a[6])
{
	return do_renameat2(t, (int)a[0], a[1], (int)a[2], a[3], (unsigned)a[4]);
}
