/*
 * Extended attribute reads. The host view exposes no xattrs yet, so every file behaves like
 * one on a Linux filesystem without xattr support: getxattr fails with EOPNOTSUPP and
 * listxattr returns an empty list (0), which is what Linux answers for such a file (its
 * vfs_listxattr falls back to the security module's list, empty without one).
 *
 * The path or fd is still resolved and the name still checked, in the kernel's order, so
 * the errors a program sees (ENOENT, EBADF, ERANGE, EFAULT, ...) are Linux's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>

#include "fs/vfs.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

#define XATTR_NAME_MAX 255 /* bytes in a name, NUL excluded */

/* Copies the path and walks it (following a final symlink unless l*xattr), as
 * user_path_at does: EFAULT, ENAMETOOLONG, ENOENT for "", then the walk's errors. */
static int xattr_resolve_path(struct task *t, uint64_t upath, bool follow)
{
	char path[PATH_MAX];
	struct path p;
	long n = copy_string_from_guest(t, path, upath, sizeof(path));
	if (n < 0)
		return (int)n;
	if (n == 0)
		return -ENOENT;
	int err = path_lookup_at(t, AT_FDCWD, path, follow ? LOOKUP_FOLLOW : 0, &p);
	if (err)
		return err;
	path_put(&p);
	return 0;
}

/* fgetxattr and flistxattr take a normal fd: an O_PATH one is EBADF as well. */
static int xattr_check_fd(struct task *t, uint64_t ufd)
{
	struct file *f = t->fdt ? fd_get(t->fdt, (int)ufd) : NULL;
	if (!f)
		return -EBADF;
	int err = (f->flags & O_PATH) ? -EBADF : 0;
	file_put(f);
	return err;
}

/* The kernel copies the name into a 256-byte buffer: empty or unterminated there is ERANGE. */
static int xattr_check_name(struct task *t, uint64_t uname)
{
	char name[XATTR_NAME_MAX + 1];
	long n = copy_string_from_guest(t, name, uname, sizeof(name));
	if (n == -ENAMETOOLONG || n == 0)
		return -ERANGE;
	return n < 0 ? (int)n : 0;
}

static long getxattr_common(struct task *t, int resolved, uint64_t uname)
{
	int err = resolved;
	if (!err)
		err = xattr_check_name(t, uname);
	return err ? err : -EOPNOTSUPP;
}

long sys_getxattr(struct task *t, const uint64_t a[6])
{
	return getxattr_common(t, xattr_resolve_path(t, a[0], true), a[1]);
}

long sys_lgetxattr(struct task *t, const uint64_t a[6])
{
	return getxattr_common(t, xattr_resolve_path(t, a[0], false), a[1]);
}

long sys_fgetxattr(struct task *t, const uint64_t a[6])
{
	return getxattr_common(t, xattr_check_fd(t, a[0]), a[1]);
}

/* An empty list: nothing is written, whatever the buffer and size. */
long sys_listxattr(struct task *t, const uint64_t a[6])
{
	return xattr_resolve_path(t, a[0], true);
}

long sys_llistxattr(struct task *t, const uint64_t a[6])
{
	return xattr_resolve_path(t, a[0], false);
}

long sys_flistxattr(struct task *t, const uint64_t a[6])
{
	return xattr_check_fd(t, a[0]);
}
