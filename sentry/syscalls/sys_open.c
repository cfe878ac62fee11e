/* open, openat, close. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fs/vfs.h"
#include "sentry/log.h"
#include "sentry/syscalls/path_arg.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

static long do_openat2(struct task *t, int dirfd, uint64_t upath, int flags, mode_t mode,
		       int rflags);

static long do_openat(struct task *t, int dirfd, uint64_t upath, int flags, mode_t mode)
{
	return do_openat2(t, dirfd, upath, flags, mode, 0);
}

static long do_openat2(struct task *t, int dirfd, uint64_t upath, int flags, mode_t mode,
		       int rflags)
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
		int acc = flags & O_ACCMODE;
		if (acc != O_WRONLY && acc != O_RDWR) {
			r = -EINVAL;
			goto out;
		}
		r = vfs_open_tmpfile(t, dirfd, path, flags & ~O_TMPFILE, mode, &f);
		if (r == 0)
			goto install;
		goto out;
	}
	/* O_PATH keeps only O_PATH, O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC, as Linux. */
	if (flags & O_PATH)
		flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	if ((flags & O_CREAT) && rflags) {
		log_info("openat2: O_CREAT with RESOLVE_* flags is not supported");
		r = -EOPNOTSUPP;
		goto out;
	}
	if (flags & O_CREAT) {
		r = vfs_open_create(t, dirfd, path, flags, mode, &f);
		if (r == 0)
			goto install;
		goto out;
	}
	int lflags = rflags;
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

/* The kernel's open_how, version 0 (24 bytes); larger structs must be zero beyond it. */
struct open_how_k {
	uint64_t flags, mode, resolve;
};
#define OPEN_HOW_SIZE_MAX	4096
#define RESOLVE_NO_XDEV_K	0x01
#define RESOLVE_NO_MAGICLINKS_K 0x02
#define RESOLVE_NO_SYMLINKS_K	0x04
#define RESOLVE_BENEATH_K	0x08
#define RESOLVE_IN_ROOT_K	0x10
#define RESOLVE_CACHED_K	0x20
/* Every open flag Linux knows (build_open_flags' VALID_OPEN_FLAGS). */
#define VALID_OPEN_FLAGS                                                                           \
	(O_RDONLY | O_WRONLY | O_RDWR | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND |         \
	 O_NDELAY | O_NONBLOCK | O_DSYNC | FASYNC | O_DIRECT | 0100000 | O_DIRECTORY |             \
	 O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_PATH | O_TMPFILE | O_SYNC)

long sys_openat2(struct task *t, const uint64_t a[6])
{
	struct open_how_k how;
	uint64_t size = a[3];
	if (size < sizeof(how))
		return -EINVAL;
	if (size > OPEN_HOW_SIZE_MAX)
		return -E2BIG;
	if (copy_from_guest(t, &how, a[2], sizeof(how)) < 0)
		return -EFAULT;
	/* A newer, larger struct: what we do not know must be zero. */
	for (uint64_t off = sizeof(how); off < size;) {
		uint8_t chunk[256];
		size_t n = size - off < sizeof(chunk) ? (size_t)(size - off) : sizeof(chunk);
		if (copy_from_guest(t, chunk, a[2] + off, n) < 0)
			return -EFAULT;
		for (size_t i = 0; i < n; i++)
			if (chunk[i])
				return -E2BIG;
		off += n;
	}
	if (how.flags & ~(uint64_t)VALID_OPEN_FLAGS)
		return -EINVAL;
	if (how.resolve &
	    ~(uint64_t)(RESOLVE_NO_XDEV_K | RESOLVE_NO_MAGICLINKS_K | RESOLVE_NO_SYMLINKS_K |
			RESOLVE_BENEATH_K | RESOLVE_IN_ROOT_K | RESOLVE_CACHED_K))
		return -EINVAL;
	if ((how.resolve & RESOLVE_BENEATH_K) && (how.resolve & RESOLVE_IN_ROOT_K))
		return -EINVAL;
	/* mode only with O_CREAT or O_TMPFILE, and only permission bits. */
	bool creates = (how.flags & O_CREAT) || (how.flags & O_TMPFILE) == O_TMPFILE;
	if ((how.mode && !creates) || (how.mode & ~(uint64_t)07777))
		return -EINVAL;
	if ((how.resolve & RESOLVE_CACHED_K) && (how.flags & (O_TRUNC | O_CREAT | __O_TMPFILE)))
		return -EAGAIN;
	int rflags = 0;
	if (how.resolve & RESOLVE_NO_XDEV_K)
		rflags |= LOOKUP_NO_XDEV;
	if (how.resolve & RESOLVE_NO_SYMLINKS_K)
		rflags |= LOOKUP_NO_SYMLINKS;
	if (how.resolve & RESOLVE_BENEATH_K)
		rflags |= LOOKUP_BENEATH;
	if (how.resolve & RESOLVE_IN_ROOT_K)
		rflags |= LOOKUP_IN_ROOT;
	/* RESOLVE_NO_MAGICLINKS: the Sentry's /proc links are plain symlinks to paths, which
	 * the walk resolves like any other: there is no magic link to refuse. */
	int flags = (int)how.flags;
	/* openat2 refuses O_NOFOLLOW-less final symlinks only with NO_SYMLINKS, as openat. */
	return do_openat2(t, (int)a[0], a[1], flags, (mode_t)how.mode, rflags);
}
