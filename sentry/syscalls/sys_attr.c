/*
 * Changing a file's attributes: chmod, fchmod, fchmodat; chown, fchown, lchown, fchownat;
 * utime, utimes, futimesat, utimensat; truncate, ftruncate; fallocate. The ownership and
 * capability rules live in vfs_setattr (fs/namei_ops.c); here the guest's arguments are
 * copied once and checked as Linux checks them, in Linux's order.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <utime.h>

#include "fs/vfs.h"
#include "sentry/syscalls/path_arg.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

#define KERNEL_FMODE_PATH O_PATH

/* dirfd+path as the *at calls resolve it; *out references the result. */
static long resolve(struct task *t, int dirfd, uint64_t upath, int lflags, struct path *out)
{
	char *path;
	long r = path_arg(t, upath, &path);
	if (r < 0)
		return r;
	r = path_lookup_at(t, dirfd, path, lflags, out);
	free(path);
	return r;
}

/* The path of an fd for the f* calls; O_PATH descriptors are EBADF, as fdget() refuses them. */
static long fd_path(struct task *t, int fd, struct file **fp)
{
	struct file *f = fd_get(t->fdt, fd);
	if (!f)
		return -EBADF;
	if (f->flags & O_PATH) {
		file_put(f);
		return -EBADF;
	}
	*fp = f;
	return 0;
}

/* setattr through an fd; files with no path (pipes, the caller's stdio) have attributes the
 * Sentry does not keep: the change is accepted and forgotten, as on an anonymous inode. */
static long setattr_fd(struct task *t, int fd, struct vfs_setattr *sa)
{
	struct file *f;
	long r = fd_path(t, fd, &f);
	if (r < 0)
		return r;
	r = f->path.dentry ? vfs_setattr(t, &f->path, sa) : 0;
	file_put(f);
	return r;
}

static long setattr_at(struct task *t, int dirfd, uint64_t upath, int lflags,
		       struct vfs_setattr *sa)
{
	struct path p;
	long r = resolve(t, dirfd, upath, lflags, &p);
	if (r < 0)
		return r;
	r = vfs_setattr(t, &p, sa);
	path_put(&p);
	return r;
}

/* ---- chmod -------------------------------------------------------------------------- */

long sys_chmod(struct task *t, const uint64_t a[6])
{
	struct vfs_setattr sa = {.mask = SA_MODE, .mode = (mode_t)a[1] & 07777};
	return setattr_at(t, AT_FDCWD, a[0], LOOKUP_FOLLOW, &sa);
}

long sys_fchmodat(struct task *t, const uint64_t a[6])
{
	struct vfs_setattr sa = {.mask = SA_MODE, .mode = (mode_t)a[2] & 07777};
	return setattr_at(t, (int)a[0], a[1], LOOKUP_FOLLOW, &sa);
}

long sys_fchmod(struct task *t, const uint64_t a[6])
{
	struct vfs_setattr sa = {.mask = SA_MODE, .mode = (mode_t)a[1] & 07777};
	return setattr_fd(t, (int)a[0], &sa);
}

/* ---- chown -------------------------------------------------------------------------- */

static void chown_attr(struct vfs_setattr *sa, uint64_t uid, uint64_t gid)
{
	if ((uint32_t)uid != (uint32_t)-1) {
		sa->mask |= SA_UID;
		sa->uid = (uid_t)uid;
	}
	if ((uint32_t)gid != (uint32_t)-1) {
		sa->mask |= SA_GID;
		sa->gid = (gid_t)gid;
	}
}

/* chown with neither id changing still checks the path and the mount (EROFS) in Linux. */
static long do_chown_at(struct task *t, int dirfd, uint64_t upath, uint64_t uid, uint64_t gid,
			int lflags)
{
	struct vfs_setattr sa = {0};
	chown_attr(&sa, uid, gid);
	return setattr_at(t, dirfd, upath, lflags, &sa);
}

long sys_chown(struct task *t, const uint64_t a[6])
{
	return do_chown_at(t, AT_FDCWD, a[0], a[1], a[2], LOOKUP_FOLLOW);
}

long sys_lchown(struct task *t, const uint64_t a[6])
{
	return do_chown_at(t, AT_FDCWD, a[0], a[1], a[2], 0);
}

long sys_fchownat(struct task *t, const uint64_t a[6])
{
	int flags = (int)a[4];
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	int lflags = (flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW;
	if (flags & AT_EMPTY_PATH)
		lflags |= LOOKUP_EMPTY;
	return do_chown_at(t, (int)a[0], a[1], a[2], a[3], lflags);
}

long sys_fchown(struct task *t, const uint64_t a[6])
{
	struct vfs_setattr sa = {0};
	chown_attr(&sa, a[1], a[2]);
	return setattr_fd(t, (int)a[0], &sa);
}

/* ---- utime family ------------------------------------------------------------------- */

/* times[0] is atime, times[1] mtime, each a timespec or UTIME_NOW / UTIME_OMIT; NULL: both
 * now. Fills sa as vfs_utimes does. Returns 1 if nothing is to change (both omitted). */
static int utimes_attr(const struct timespec *times, struct vfs_setattr *sa)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	if (!times) {
		sa->mask = SA_ATIME | SA_MTIME | SA_TIMES_NOW;
		sa->atime = sa->mtime = now;
		return 0;
	}
	if (times[0].tv_nsec == UTIME_OMIT && times[1].tv_nsec == UTIME_OMIT)
		return 1;
	/* Given times (other than both UTIME_NOW, which the caller turned into NULL) are
	 * Linux's ATTR_TIMES_SET: only the owner may, even when one is UTIME_NOW. */
	for (int i = 0; i < 2; i++) {
		if (times[i].tv_nsec == UTIME_OMIT)
			continue;
		struct timespec v = times[i];
		if (v.tv_nsec == UTIME_NOW)
			v = now;
		sa->mask |= i == 0 ? SA_ATIME : SA_MTIME;
		if (i == 0)
			sa->atime = v;
		else
			sa->mtime = v;
	}
	return 0;
}

static bool nsec_valid(long nsec)
{
	return (nsec >= 0 && nsec <= 999999999) || nsec == UTIME_NOW || nsec == UTIME_OMIT;
}

/* The core of utimensat and the older calls: dirfd + path (NULL upath: dirfd itself). */
static long do_utimes(struct task *t, int dirfd, uint64_t upath, const struct timespec *times,
		      int flags)
{
	struct vfs_setattr sa = {0};
	if (times) {
		if (!nsec_valid(times[0].tv_nsec) || !nsec_valid(times[1].tv_nsec))
			return -EINVAL;
		if (times[0].tv_nsec == UTIME_NOW && times[1].tv_nsec == UTIME_NOW)
			times = NULL;
	}
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (!upath && dirfd != AT_FDCWD) {
		if (flags)
			return -EINVAL;
		struct file *f;
		long r = fd_path(t, dirfd, &f);
		if (r < 0)
			return r;
		if (utimes_attr(times, &sa) == 0 && f->path.dentry)
			r = vfs_setattr(t, &f->path, &sa);
		file_put(f);
		return r;
	}
	if (!upath)
		return -EFAULT;
	int lflags = (flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW;
	if (flags & AT_EMPTY_PATH)
		lflags |= LOOKUP_EMPTY;
	struct path p;
	long r = resolve(t, dirfd, upath, lflags, &p);
	if (r < 0)
		return r;
	if (utimes_attr(times, &sa) == 0)
		r = vfs_setattr(t, &p, &sa);
	path_put(&p);
	return r;
}

long sys_utimensat(struct task *t, const uint64_t a[6])
{
	struct timespec ts[2];
	if (a[2]) {
		if (copy_from_guest(t, ts, a[2], sizeof(ts)) < 0)
			return -EFAULT;
		/* Nothing to change: Linux does not even look at the path or the flags. */
		if (ts[0].tv_nsec == UTIME_OMIT && ts[1].tv_nsec == UTIME_OMIT)
			return 0;
	}
	return do_utimes(t, (int)a[0], a[1], a[2] ? ts : NULL, (int)a[3]);
}

/* utimes and futimesat take timevals; microseconds out of range are EINVAL. */
static long do_futimesat(struct task *t, int dirfd, uint64_t upath, uint64_t utv)
{
	struct timeval tv[2];
	struct timespec ts[2];
	if (utv) {
		if (copy_from_guest(t, tv, utv, sizeof(tv)) < 0)
			return -EFAULT;
		for (int i = 0; i < 2; i++) {
			if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
				return -EINVAL;
			ts[i].tv_sec = tv[i].tv_sec;
			ts[i].tv_nsec = tv[i].tv_usec * 1000;
		}
	}
	return do_utimes(t, dirfd, upath, utv ? ts : NULL, 0);
}

long sys_utimes(struct task *t, const uint64_t a[6])
{
	return do_futimesat(t, AT_FDCWD, a[0], a[1]);
}

long sys_futimesat(struct task *t, const uint64_t a[6])
{
	return do_futimesat(t, (int)a[0], a[1], a[2]);
}

long sys_utime(struct task *t, const uint64_t a[6])
{
	struct utimbuf ub;
	struct timespec ts[2];
	if (a[1]) {
		if (copy_from_guest(t, &ub, a[1], sizeof(ub)) < 0)
			return -EFAULT;
		ts[0] = (struct timespec){ub.actime, 0};
		ts[1] = (struct timespec){ub.modtime, 0};
	}
	return do_utimes(t, AT_FDCWD, a[0], a[1] ? ts : NULL, 0);
}

/* ---- truncate ----------------------------------------------------------------------- */

long sys_truncate(struct task *t, const uint64_t a[6])
{
	int64_t len = (int64_t)a[1];
	if (len < 0)
		return -EINVAL;
	struct vfs_setattr sa = {.mask = SA_SIZE, .size = len};
	return setattr_at(t, AT_FDCWD, a[0], LOOKUP_FOLLOW, &sa);
}

long sys_ftruncate(struct task *t, const uint64_t a[6])
{
	int64_t len = (int64_t)a[1];
	struct file *f;
	if (len < 0)
		return -EINVAL;
	long r = fd_path(t, (int)a[0], &f);
	if (r < 0)
		return r;
	struct inode *ino = f->inode;
	int acc = f->flags & O_ACCMODE;
	if (!ino || !S_ISREG(ino->mode) || (acc != O_WRONLY && acc != O_RDWR))
		r = -EINVAL;
	else if (!ino->ops->setattr)
		r = ino->readonly_fs ? -EROFS : -EINVAL;
	else
		/* Stamped with mtime even when the size does not change, as in Linux. */
		r = ino->ops->setattr(ino, &(struct vfs_setattr){.mask = SA_SIZE | SA_MTIME,
								 .size = len,
								 .mtime = {0, UTIME_NOW}});
	file_put(f);
	return r;
}

/* ---- fallocate ---------------------------------------------------------------------- */

long sys_fallocate(struct task *t, const uint64_t a[6])
{
	int mode = (int)a[1];
	int64_t off = (int64_t)a[2], len = (int64_t)a[3];
	const int known = FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_NO_HIDE_STALE |
			  FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_ZERO_RANGE | FALLOC_FL_INSERT_RANGE |
			  FALLOC_FL_UNSHARE_RANGE;
	struct file *f;
	if (off < 0 || len <= 0)
		return -EINVAL;
	if (mode & ~known)
		return -EOPNOTSUPP;
	if ((mode & FALLOC_FL_PUNCH_HOLE) && !(mode & FALLOC_FL_KEEP_SIZE))
		return -EOPNOTSUPP;
	long r = fd_path(t, (int)a[0], &f);
	if (r < 0)
		return r;
	int acc = f->flags & O_ACCMODE;
	struct inode *ino = f->inode;
	/* (Linux's EPERM for anything but KEEP_SIZE concerns append-only inodes, chattr +a,
	 * which the Sentry does not have; an O_APPEND descriptor may punch holes.) */
	if (acc != O_WRONLY && acc != O_RDWR)
		r = -EBADF;
	else if (off > INT64_MAX - len)
		r = -EFBIG;
	else if (!ino)
		r = -ESPIPE;
	else if (S_ISFIFO(ino->mode))
		r = -ESPIPE;
	else if (S_ISDIR(ino->mode))
		r = -EISDIR;
	else if (!S_ISREG(ino->mode))
		r = -ENODEV;
	else if (!f->ops->fallocate)
		r = -EOPNOTSUPP;
	else
		r = f->ops->fallocate(f, mode, off, len);
	file_put(f);
	return r;
}
