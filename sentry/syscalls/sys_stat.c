/* stat, lstat, fstat, newfstatat, statx. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "fs/vfs.h"
#include "sentry/syscalls/path_arg.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

static int file_stat(struct file *f, struct stat *st)
{
	if (f->ops && f->ops->fstat)
		return f->ops->fstat(f, st);
	if (f->inode)
		return vfs_getattr(f->inode, st);
	return -EBADF;
}

static int fd_stat(struct task *t, int fd, struct stat *st)
{
	struct file *f = fd_get(t->fdt, fd);
	if (!f)
		return -EBADF;
	int err = file_stat(f, st);
	file_put(f);
	return err;
}

/* The stat of dirfd+path with AT_* flags already checked. */
static int stat_at(struct task *t, int dirfd, uint64_t upath, int atflags, struct stat *st)
{
	char *path = NULL;
	struct path p;
	int err = (int)path_arg(t, upath, &path);
	if (err < 0)
		return err;
	if (!*path && (atflags & AT_EMPTY_PATH) && dirfd != AT_FDCWD) {
		free(path);
		return fd_stat(t, dirfd, st);
	}
	int lflags = (atflags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW;
	if (atflags & AT_EMPTY_PATH)
		lflags |= LOOKUP_EMPTY;
	err = path_lookup_at(t, dirfd, path, lflags, &p);
	free(path);
	if (err < 0)
		return err;
	err = vfs_getattr(p.dentry->inode, st);
	path_put(&p);
	return err;
}

static long stat_out(struct task *t, int err, const struct stat *st, uint64_t ubuf)
{
	if (err < 0)
		return err;
	return copy_to_guest(t, ubuf, st, sizeof(*st));
}

long sys_stat(struct task *t, const uint64_t a[6])
{
	struct stat st;
	return stat_out(t, stat_at(t, AT_FDCWD, a[0], 0, &st), &st, a[1]);
}

long sys_lstat(struct task *t, const uint64_t a[6])
{
	struct stat st;
	return stat_out(t, stat_at(t, AT_FDCWD, a[0], AT_SYMLINK_NOFOLLOW, &st), &st, a[1]);
}

long sys_fstat(struct task *t, const uint64_t a[6])
{
	struct stat st;
	return stat_out(t, fd_stat(t, (int)a[0], &st), &st, a[1]);
}

long sys_newfstatat(struct task *t, const uint64_t a[6])
{
	struct stat st;
	int flags = (int)a[3];
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	return stat_out(t, stat_at(t, (int)a[0], a[1], flags, &st), &st, a[2]);
}

static struct statx_timestamp ts(struct timespec t)
{
	struct statx_timestamp r = {.tv_sec = t.tv_sec, .tv_nsec = (uint32_t)t.tv_nsec};
	return r;
}

long sys_statx(struct task *t, const uint64_t a[6])
{
	int flags = (int)a[2];
	unsigned mask = (unsigned)a[3];
	struct stat st;
	struct statx sx;
	const int ok = AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE;

	if ((flags & ~ok) || (flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
		return -EINVAL;
	if (mask & STATX__RESERVED)
		return -EINVAL;
	int err = stat_at(t, (int)a[0], a[1], flags, &st);
	if (err < 0)
		return err;
	memset(&sx, 0, sizeof(sx));
	sx.stx_mask = STATX_BASIC_STATS;
	sx.stx_blksize = (uint32_t)st.st_blksize;
	sx.stx_nlink = (uint32_t)st.st_nlink;
	sx.stx_uid = st.st_uid;
	sx.stx_gid = st.st_gid;
	sx.stx_mode = (uint16_t)st.st_mode;
	sx.stx_ino = st.st_ino;
	sx.stx_size = (uint64_t)st.st_size;
	sx.stx_blocks = (uint64_t)st.st_blocks;
	sx.stx_atime = ts(st.st_atim);
	sx.stx_mtime = ts(st.st_mtim);
	sx.stx_ctime = ts(st.st_ctim);
	sx.stx_rdev_major = major(st.st_rdev);
	sx.stx_rdev_minor = minor(st.st_rdev);
	sx.stx_dev_major = major(st.st_dev);
	sx.stx_dev_minor = minor(st.st_dev);
	return copy_to_guest(t, a[4], &sx, sizeof(sx));
}
