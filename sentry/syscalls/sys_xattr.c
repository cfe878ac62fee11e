/*
 * Extended attributes: setxattr, getxattr, listxattr, removexattr and their l- (do not
 * follow a final symlink) and f- (an open fd) forms, through the filesystem's inode_ops
 * getxattr/setxattr/listxattr/removexattr. A filesystem without them (hostfs) behaves like
 * a Linux filesystem without xattr support: EOPNOTSUPP, and an empty list.
 *
 * The VFS part of Linux's rules is made here, in Linux's order (fs/xattr.c of 6.x):
 *  - the arguments first: flags (EINVAL), the name (1..255 bytes, else ERANGE), the value
 *    (at most 64 KiB, else E2BIG), copied once; then the path or fd; then a read-only
 *    mount (EROFS) for changes;
 *  - xattr_permission: trusted.* needs CAP_SYS_ADMIN (EPERM to change, ENODATA to read);
 *    user.* lives only on regular files and directories (EPERM / ENODATA elsewhere), in a
 *    sticky directory only its owner may change them; then read or write permission on
 *    the inode (security.* and system.* skip this);
 *  - the capability module: changing security.* needs CAP_SYS_ADMIN (security.capability
 *    CAP_SETFCAP);
 *  - the name's namespace: user., trusted. and security. with something after the prefix
 *    (a bare prefix is EINVAL); system.* (POSIX ACLs) and unknown prefixes: EOPNOTSUPP.
 * listxattr hides trusted.* from callers without CAP_SYS_ADMIN, as Linux's filesystems do.
 * Names the overlay root keeps for itself (trusted.overlay.*) are filtered by fs/overlay.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "fs/inotify.h"
#include "fs/vfs.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

#define XATTR_NAME_MAX	255   /* bytes in a name, NUL excluded */
#define XATTR_SIZE_MAX	65536 /* bytes in a value */
#define XATTR_LIST_MAX	65536 /* bytes a listing may copy out */
#define MAY_READ	4
#define MAY_WRITE	2
#define CAP_FOWNER_K	3
#define CAP_SYS_ADMIN_K 21
#define CAP_SETFCAP_K	31
/* A bound on the Sentry memory one listing may take, whatever a filesystem holds. */
#define XATTR_LIST_FETCH_MAX (1 << 20)

/* What an xattr call acts on: a walked path, or an open file (which holds the references). */
struct xattr_target {
	struct path path;  /* ours when file is NULL; may be empty for anonymous files */
	struct inode *ino; /* NULL for anonymous files (pipes, the caller's stdio) */
	struct file *file;
};

static void target_put(struct xattr_target *x)
{
	if (x->file)
		file_put(x->file);
	else
		path_put(&x->path);
}

/* Copies the path and walks it (following a final symlink unless an l-form), as
 * user_path_at does: EFAULT, ENAMETOOLONG, ENOENT for "", then the walk's errors. */
static int target_from_path(struct task *t, uint64_t upath, bool follow, struct xattr_target *x)
{
	char *path = malloc(PATH_MAX);
	if (!path)
		return -ENOMEM;
	long n = copy_string_from_guest(t, path, upath, PATH_MAX);
	int err = n < 0 ? (int)n : n == 0 ? -ENOENT : 0;
	if (!err)
		err = path_lookup_at(t, AT_FDCWD, path, follow ? LOOKUP_FOLLOW : 0, &x->path);
	free(path);
	if (err)
		return err;
	x->ino = x->path.dentry->inode;
	x->file = NULL;
	return 0;
}

/* An fd as Linux's fdget: O_PATH descriptors do not count (EBADF). */
static int target_from_fd(struct task *t, uint64_t ufd, struct xattr_target *x)
{
	struct file *f = t->fdt ? fd_get(t->fdt, (int)ufd) : NULL;
	if (!f)
		return -EBADF;
	if (f->flags & O_PATH) {
		file_put(f);
		return -EBADF;
	}
	x->file = f;
	x->path = f->path;
	x->ino = f->inode ? f->inode : f->path.dentry ? f->path.dentry->inode : NULL;
	return 0;
}

/* The kernel copies the name into a 256-byte buffer: empty or unterminated there is ERANGE. */
static int import_name(struct task *t, uint64_t uname, char name[XATTR_NAME_MAX + 1])
{
	long n = copy_string_from_guest(t, name, uname, XATTR_NAME_MAX + 1);
	if (n == -ENAMETOOLONG || n == 0)
		return -ERANGE;
	return n < 0 ? (int)n : 0;
}

static bool has_prefix(const char *name, const char *prefix)
{
	return strncmp(name, prefix, strlen(prefix)) == 0;
}

/* Linux's xattr_permission. */
static int xattr_permission(struct task *t, const struct xattr_target *x, const char *name,
			    int mask)
{
	bool write = mask & MAY_WRITE;
	if (has_prefix(name, "security.") || has_prefix(name, "system."))
		return 0;
	if (has_prefix(name, "trusted."))
		return task_capable(t, CAP_SYS_ADMIN_K) ? 0 : write ? -EPERM : -ENODATA;
	if (has_prefix(name, "user.")) {
		mode_t type = x->ino ? x->ino->mode & S_IFMT : 0;
		if (type != S_IFREG && type != S_IFDIR)
			return write ? -EPERM : -ENODATA;
		struct stat st;
		if (write && type == S_IFDIR && vfs_getattr(x->ino, &st) == 0 &&
		    (st.st_mode & S_ISVTX) && st.st_uid != t->cred.fsuid &&
		    !task_capable(t, CAP_FOWNER_K))
			return -EPERM;
	}
	return x->ino ? inode_permission(x->ino, mask, t) : 0;
}

/* The capability security module's setxattr/removexattr check. */
static int xattr_security_change(struct task *t, const char *name)
{
	if (!has_prefix(name, "security."))
		return 0;
	if (strcmp(name, "security.capability") == 0)
		return task_capable(t, CAP_SETFCAP_K) ? 0 : -EPERM;
	return task_capable(t, CAP_SYS_ADMIN_K) ? 0 : -EPERM;
}

/* Linux's xattr_resolve_name for the namespaces our filesystems keep. */
static int xattr_resolve_name(const char *name)
{
	static const char *const prefixes[] = {"user.", "trusted.", "security."};
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (has_prefix(name, prefixes[i]))
			return name[strlen(prefixes[i])] ? 0 : -EINVAL;
	return -EOPNOTSUPP; /* system.* (no POSIX ACLs) and names of no namespace */
}

/* IN_ATTRIB for watchers, as Linux's fsnotify_xattr. */
static void xattr_changed(const struct xattr_target *x)
{
	if (x->path.dentry)
		fsnotify_setattr(x->path.dentry, SA_MODE);
}

/* 0 if x may be changed through its mount (Linux's mnt_want_write). */
static int target_want_write(const struct xattr_target *x)
{
	return path_want_write(&x->path);
}

/* --- set ------------------------------------------------------------------------------- */

/* The arguments of a set, copied once (Linux's setxattr_copy). */
struct set_args {
	char name[XATTR_NAME_MAX + 1];
	void *value; /* NULL for an empty value */
	size_t size;
	int flags;
};

static int set_args_copy(struct task *t, const uint64_t a[6], struct set_args *s)
{
	s->value = NULL;
	s->size = (size_t)a[3];
	s->flags = (int)a[4];
	if (s->flags & ~(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	int err = import_name(t, a[1], s->name);
	if (err)
		return err;
	if (!s->size)
		return 0;
	if (s->size > XATTR_SIZE_MAX)
		return -E2BIG;
	s->value = malloc(s->size);
	if (!s->value)
		return -ENOMEM;
	if (copy_from_guest(t, s->value, a[2], s->size) < 0) {
		free(s->value);
		s->value = NULL;
		return -EFAULT;
	}
	return 0;
}

static long do_setxattr(struct task *t, const struct xattr_target *x, const struct set_args *s)
{
	int err = target_want_write(x);
	if (!err)
		err = xattr_permission(t, x, s->name, MAY_WRITE);
	if (!err)
		err = xattr_security_change(t, s->name);
	if (!err && (!x->ino || !x->ino->ops->setxattr))
		err = -EOPNOTSUPP;
	if (!err)
		err = xattr_resolve_name(s->name);
	if (!err)
		err = x->ino->ops->setxattr(x->ino, s->name, s->value ? s->value : "", s->size,
					    s->flags);
	if (!err)
		xattr_changed(x);
	return err;
}

static long setxattr_path(struct task *t, const uint64_t a[6], bool follow)
{
	struct set_args s;
	struct xattr_target x;
	long err = set_args_copy(t, a, &s);
	if (err)
		return err;
	err = target_from_path(t, a[0], follow, &x);
	if (!err) {
		err = do_setxattr(t, &x, &s);
		target_put(&x);
	}
	free(s.value);
	return err;
}

long sys_setxattr(struct task *t, const uint64_t a[6])
{
	return setxattr_path(t, a, true);
}

long sys_lsetxattr(struct task *t, const uint64_t a[6])
{
	return setxattr_path(t, a, false);
}

long sys_fsetxattr(struct task *t, const uint64_t a[6])
{
	struct set_args s;
	struct xattr_target x;
	long err = set_args_copy(t, a, &s);
	if (err)
		return err;
	err = target_from_fd(t, a[0], &x);
	if (!err) {
		err = do_setxattr(t, &x, &s);
		target_put(&x);
	}
	free(s.value);
	return err;
}

/* --- get ------------------------------------------------------------------------------- */

static long do_getxattr(struct task *t, const struct xattr_target *x, const char *name,
			uint64_t uvalue, size_t size)
{
	if (size > XATTR_SIZE_MAX)
		size = XATTR_SIZE_MAX;
	long r = xattr_permission(t, x, name, MAY_READ);
	if (!r && (!x->ino || !x->ino->ops->getxattr))
		r = -EOPNOTSUPP;
	if (!r)
		r = xattr_resolve_name(name);
	if (r)
		return r;
	void *buf = NULL;
	if (size && !(buf = malloc(size)))
		return -ENOMEM;
	r = x->ino->ops->getxattr(x->ino, name, buf, size);
	if (r > 0 && size) {
		if ((size_t)r > size)
			r = -ERANGE; /* a filesystem that overran would be a bug: never copy it */
		else if (copy_to_guest(t, uvalue, buf, (size_t)r) < 0)
			r = -EFAULT;
	} else if (r == -ERANGE && size >= XATTR_SIZE_MAX) {
		r = -E2BIG;
	}
	free(buf);
	return r;
}

static long getxattr_path(struct task *t, const uint64_t a[6], bool follow)
{
	char name[XATTR_NAME_MAX + 1];
	struct xattr_target x;
	long err = import_name(t, a[1], name);
	if (!err)
		err = target_from_path(t, a[0], follow, &x);
	if (err)
		return err;
	err = do_getxattr(t, &x, name, a[2], (size_t)a[3]);
	target_put(&x);
	return err;
}

long sys_getxattr(struct task *t, const uint64_t a[6])
{
	return getxattr_path(t, a, true);
}

long sys_lgetxattr(struct task *t, const uint64_t a[6])
{
	return getxattr_path(t, a, false);
}

long sys_fgetxattr(struct task *t, const uint64_t a[6])
{
	char name[XATTR_NAME_MAX + 1];
	struct xattr_target x;
	long err = import_name(t, a[1], name);
	if (!err)
		err = target_from_fd(t, a[0], &x);
	if (err)
		return err;
	err = do_getxattr(t, &x, name, a[2], (size_t)a[3]);
	target_put(&x);
	return err;
}

/* --- list ------------------------------------------------------------------------------ */

/* The filesystem's whole list into a buffer of ours (*out, malloc'd): its length. The list
 * may grow between the size query and the fetch: then the fetch is tried again. */
static long fetch_list(struct inode *ino, char **out)
{
	*out = NULL;
	for (int tries = 0; tries < 4; tries++) {
		long n = ino->ops->listxattr(ino, NULL, 0);
		if (n <= 0)
			return n;
		if (n > XATTR_LIST_FETCH_MAX)
			return -E2BIG;
		char *buf = malloc((size_t)n);
		if (!buf)
			return -ENOMEM;
		long r = ino->ops->listxattr(ino, buf, (size_t)n);
		if (r == -ERANGE) {
			free(buf);
			continue;
		}
		if (r < 0 || r > n || (r > 0 && buf[r - 1] != 0)) {
			free(buf);
			return r < 0 ? r : -EIO; /* never pass on a malformed list */
		}
		*out = buf;
		return r;
	}
	return -EAGAIN;
}

/* Drops the trusted.* names from list (n bytes of NUL-terminated names) in place: the
 * length left. */
static long drop_trusted(char *list, long n)
{
	long used = 0;
	for (long i = 0; i < n;) {
		long len = (long)strlen(list + i) + 1;
		if (!has_prefix(list + i, "trusted.")) {
			memmove(list + used, list + i, (size_t)len);
			used += len;
		}
		i += len;
	}
	return used;
}

static long do_listxattr(struct task *t, const struct xattr_target *x, uint64_t ulist, size_t size)
{
	if (size > XATTR_LIST_MAX)
		size = XATTR_LIST_MAX;
	if (!x->ino || !x->ino->ops->listxattr)
		return 0; /* no xattrs (and no security module to list any) */
	char *list;
	long n = fetch_list(x->ino, &list);
	if (n > 0 && !task_capable(t, CAP_SYS_ADMIN_K))
		n = drop_trusted(list, n);
	if (n > 0 && size) {
		if ((size_t)n > size)
			n = size >= XATTR_LIST_MAX ? -E2BIG : -ERANGE;
		else if (copy_to_guest(t, ulist, list, (size_t)n) < 0)
			n = -EFAULT;
	}
	free(list);
	return n;
}

static long listxattr_path(struct task *t, const uint64_t a[6], bool follow)
{
	struct xattr_target x;
	long err = target_from_path(t, a[0], follow, &x);
	if (err)
		return err;
	err = do_listxattr(t, &x, a[1], (size_t)a[2]);
	target_put(&x);
	return err;
}

long sys_listxattr(struct task *t, const uint64_t a[6])
{
	return listxattr_path(t, a, true);
}

long sys_llistxattr(struct task *t, const uint64_t a[6])
{
	return listxattr_path(t, a, false);
}

long sys_flistxattr(struct task *t, const uint64_t a[6])
{
	struct xattr_target x;
	long err = target_from_fd(t, a[0], &x);
	if (err)
		return err;
	err = do_listxattr(t, &x, a[1], (size_t)a[2]);
	target_put(&x);
	return err;
}

/* --- remove ---------------------------------------------------------------------------- */

static long do_removexattr(struct task *t, const struct xattr_target *x, const char *name)
{
	int err = target_want_write(x);
	if (!err)
		err = xattr_permission(t, x, name, MAY_WRITE);
	if (!err)
		err = xattr_security_change(t, name);
	if (!err && (!x->ino || !x->ino->ops->removexattr))
		err = -EOPNOTSUPP;
	if (!err)
		err = xattr_resolve_name(name);
	if (!err)
		err = x->ino->ops->removexattr(x->ino, name);
	if (!err)
		xattr_changed(x);
	return err;
}

static long removexattr_path(struct task *t, const uint64_t a[6], bool follow)
{
	char name[XATTR_NAME_MAX + 1];
	struct xattr_target x;
	long err = import_name(t, a[1], name);
	if (!err)
		err = target_from_path(t, a[0], follow, &x);
	if (err)
		return err;
	err = do_removexattr(t, &x, name);
	target_put(&x);
	return err;
}

long sys_removexattr(struct task *t, const uint64_t a[6])
{
	return removexattr_path(t, a, true);
}

long sys_lremovexattr(struct task *t, const uint64_t a[6])
{
	return removexattr_path(t, a, false);
}

long sys_fremovexattr(struct task *t, const uint64_t a[6])
{
	char name[XATTR_NAME_MAX + 1];
	struct xattr_target x;
	long err = import_name(t, a[1], name);
	if (!err)
		err = target_from_fd(t, a[0], &x);
	if (err)
		return err;
	err = do_removexattr(t, &x, name);
	target_put(&x);
	return err;
}
