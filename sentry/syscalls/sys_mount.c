/*
 * mount, umount2, chroot: the sandbox's own mount table, changed by a guest with
 * CAP_SYS_ADMIN (CAP_SYS_CHROOT for chroot) in its fiction of capabilities. Nothing here ever
 * reaches the host's mount table.
 *
 * mount supports: new tmpfs mounts (size=, nr_inodes=, mode=, uid=, gid=), bind mounts of a
 * directory, remounts that change the per-mount flags (MS_RDONLY, MS_NOSUID, MS_NODEV,
 * MS_NOEXEC, ...), and the propagation changes (MS_PRIVATE, MS_SHARED, MS_SLAVE,
 * MS_UNBINDABLE) that container runtimes make, accepted as no-ops; proc, sysfs and devpts
 * (the sandbox's own instances): the sandbox has a single
 * mount namespace, so there is nothing to propagate. MS_MOVE and other filesystem types are
 * refused with a log line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "fs/devpts.h"
#include "fs/procfs.h"
#include "fs/sysfs.h"
#include "fs/tmpfs.h"
#include "fs/vfs.h"
#include "sentry/log.h"
#include "sentry/syscalls/path_arg.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

#define MOUNT_DATA_MAX 4096
#define PER_MOUNT_FLAGS                                                                            \
	(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | \
	 MS_STRICTATIME)
#define PROPAGATION_FLAGS (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)

/* An optional string argument: NULL stays NULL. */
static long opt_string(struct task *t, uint64_t u, char **out)
{
	*out = NULL;
	return u ? path_arg(t, u, out) : 0;
}

/* Parses a number with an optional k/m/g suffix, as tmpfs's size= and nr_inodes= take. */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);
	if (end == s)
		return -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		v <<= 10;
		end++;
		break;
	case 'm':
	case 'M':
		v <<= 20;
		end++;
		break;
	case 'g':
	case 'G':
		v <<= 30;
		end++;
		break;
	}
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_tmpfs_opts(char *data, struct tmpfs_opts *o)
{
	for (char *save = NULL, *opt = data ? strtok_r(data, ",", &save) : NULL; opt;
	     opt = strtok_r(NULL, ",", &save)) {
		char *val = strchr(opt, '=');
		if (val)
			*val++ = 0;
		uint64_t v;
		char *end;
		if (strcmp(opt, "size") == 0 && val) {
			if (parse_size(val, &o->size_limit) < 0)
				return -EINVAL;
		} else if (strcmp(opt, "nr_inodes") == 0 && val) {
			if (parse_size(val, &o->inode_limit) < 0)
				return -EINVAL;
		} else if (strcmp(opt, "mode") == 0 && val) {
			v = strtoul(val, &end, 8);
			if (*end || v > 07777)
				return -EINVAL;
			o->root_mode = (mode_t)v;
		} else if ((strcmp(opt, "uid") == 0 || strcmp(opt, "gid") == 0) && val) {
			v = strtoul(val, &end, 10);
			if (*end || v > UINT32_MAX - 1)
				return -EINVAL;
			if (opt[0] == 'u')
				o->uid = (uid_t)v;
			else
				o->gid = (gid_t)v;
		} else if (strcmp(opt, "rw") == 0 || strcmp(opt, "ro") == 0 ||
			   strcmp(opt, "nosuid") == 0 || strcmp(opt, "nodev") == 0 ||
			   strcmp(opt, "noexec") == 0 || strcmp(opt, "relatime") == 0 ||
			   strcmp(opt, "strictatime") == 0 || strcmp(opt, "noatime") == 0 ||
			   strcmp(opt, "inode64") == 0) {
			/* the per-mount flags come as MS_* too; inode numbers are 64-bit anyway */
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

static int new_tmpfs(struct task *t, const char *target, unsigned long flags, char *data)
{
	struct tmpfs_opts o = {.root_mode = 01777};
	struct mount *m;
	int err = parse_tmpfs_opts(data, &o);
	if (err < 0)
		return err;
	err = tmpfs_mount(&o, (unsigned)(flags & PER_MOUNT_FLAGS), &m);
	if (err < 0)
		return err;
	err = vfs_mount_at(t, target, m);
	if (err < 0) {
		struct path p = {m, NULL};
		path_put(&p);
	}
	return err;
}

/* Another instance of one of the sandbox's own filesystems (a container's init mounting its
 * /proc, say): procfs describes the same sandbox, sysfs is the same static tree, devpts
 * shares the sandbox's ptys (as devpts without newinstance). */
static int new_pseudo(struct task *t, const char *fstype, const char *target)
{
	struct mount *m = NULL;
	int err;
	if (strcmp(fstype, "proc") == 0)
		err = procfs_mount(t->sb, &m);
	else if (strcmp(fstype, "sysfs") == 0)
		err = sysfs_mount(&m);
	else
		err = devpts_mount(NULL, &m);
	if (err == 0)
		err = vfs_mount_at(t, target, m);
	if (err < 0 && m) {
		struct path p = {m, NULL};
		path_put(&p);
	}
	return err;
}

static int bind_mount(struct task *t, const char *source, const char *target, unsigned long flags)
{
	struct path src;
	int err = path_lookup_at(t, AT_FDCWD, source, LOOKUP_FOLLOW, &src);
	if (err < 0)
		return err;
	if (!S_ISDIR(src.dentry->inode->mode)) {
		/* File bind mounts need a file mountpoint in the walk: not supported. */
		log_info("mount: bind mount of a non-directory (%s) is not supported", source);
		path_put(&src);
		return -ENOTDIR;
	}
	dentry_get(src.dentry);
	struct mount *m = mount_new(src.dentry, src.mnt->flags & PER_MOUNT_FLAGS);
	path_put(&src);
	if (!m)
		return -ENOMEM;
	(void)flags; /* MS_REC: submounts of the source are not copied (noted in the table) */
	err = vfs_mount_at(t, target, m);
	if (err < 0) {
		struct path p = {m, NULL};
		path_put(&p);
	}
	return err;
}

static int remount(struct task *t, const char *target, unsigned long flags)
{
	struct path p;
	int err = path_lookup_at(t, AT_FDCWD, target, LOOKUP_FOLLOW, &p);
	if (err < 0)
		return err;
	if (p.dentry != p.mnt->root)
		err = -EINVAL;
	else
		p.mnt->flags = (p.mnt->flags & ~(unsigned)PER_MOUNT_FLAGS) |
			       (unsigned)(flags & PER_MOUNT_FLAGS);
	path_put(&p);
	return err;
}

long sys_mount(struct task *t, const uint64_t a[6])
{
	char *source = NULL, *target = NULL, *fstype = NULL, *data = NULL;
	unsigned long flags = a[3];
	long r;
	if (!task_capable(t, CAP_SYS_ADMIN))
		return -EPERM;
	/* The old magic number in the high bits is ignored, as Linux does. */
	if ((flags & 0xffff0000UL) == 0xC0ED0000UL)
		flags &= 0xffff;
	r = opt_string(t, a[0], &source);
	if (r == 0)
		r = path_arg(t, a[1], &target);
	if (r == 0)
		r = opt_string(t, a[2], &fstype);
	if (r == 0 && a[4]) {
		data = calloc(1, MOUNT_DATA_MAX + 1);
		if (!data)
			r = -ENOMEM;
		else if (copy_string_from_guest(t, data, a[4], MOUNT_DATA_MAX + 1) < 0 &&
			 copy_from_guest(t, data, a[4], 1) < 0)
			r = -EFAULT;
	}
	if (r < 0)
		goto out;
	if (flags & MS_REMOUNT) {
		r = remount(t, target, flags);
	} else if (flags & MS_BIND) {
		r = source ? bind_mount(t, source, target, flags) : -EFAULT;
	} else if (flags & PROPAGATION_FLAGS) {
		struct path p;
		r = path_lookup_at(t, AT_FDCWD, target, LOOKUP_FOLLOW, &p);
		if (r == 0) {
			r = p.dentry == p.mnt->root ? 0 : -EINVAL;
			path_put(&p);
		}
	} else if (flags & MS_MOVE) {
		log_info("mount: MS_MOVE is not supported");
		r = -EINVAL;
	} else if (!fstype) {
		r = -EFAULT;
	} else if (strcmp(fstype, "tmpfs") == 0) {
		r = new_tmpfs(t, target, flags, data);
	} else if (strcmp(fstype, "proc") == 0 || strcmp(fstype, "sysfs") == 0 ||
		   strcmp(fstype, "devpts") == 0) {
		r = new_pseudo(t, fstype, target);
	} else {
		log_info("mount: filesystem type '%s' is not supported", fstype);
		r = -ENODEV;
	}
out:
	free(source);
	free(target);
	free(fstype);
	free(data);
	return r;
}

long sys_umount2(struct task *t, const uint64_t a[6])
{
	int flags = (int)a[1];
	char *target;
	struct path p;
	if (flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW))
		return -EINVAL;
	if ((flags & MNT_EXPIRE) && (flags & (MNT_FORCE | MNT_DETACH)))
		return -EINVAL;
	if (!task_capable(t, CAP_SYS_ADMIN))
		return -EPERM;
	long r = path_arg(t, a[0], &target);
	if (r < 0)
		return r;
	r = path_lookup_at(t, AT_FDCWD, target, (flags & UMOUNT_NOFOLLOW) ? 0 : LOOKUP_FOLLOW, &p);
	free(target);
	if (r < 0)
		return r;
	if (p.dentry != p.mnt->root)
		r = -EINVAL;
	else if (!p.mnt->parent)
		r = -EINVAL; /* the sandbox's root mount stays */
	else if (flags & MNT_EXPIRE)
		r = -EAGAIN;
	struct mount *m = p.mnt;
	path_put(&p);
	/* Detached lazily whatever the flags: open files and cwds inside keep it alive. */
	if (r == 0)
		vfs_unmount(m);
	return r;
}

long sys_chroot(struct task *t, const uint64_t a[6])
{
	char *path;
	struct path p;
	long r = path_arg(t, a[0], &path);
	if (r < 0)
		return r;
	r = path_lookup_at(t, AT_FDCWD, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &p);
	free(path);
	if (r < 0)
		return r;
	r = inode_permission(p.dentry->inode, 1 /* MAY_EXEC */, t);
	if (r == 0 && !task_capable(t, CAP_SYS_CHROOT))
		r = -EPERM;
	if (r == 0) {
		pthread_mutex_lock(&t->fs->lock);
		struct path old = t->fs->root;
		t->fs->root = p;
		pthread_mutex_unlock(&t->fs->lock);
		path_put(&old);
		return 0;
	}
	path_put(&p);
	return r;
}
