/*
 * The namespace operations: creating, linking, removing and renaming names, and changing
 * attributes. The walk (fs/namei.c) finds the parent directory; this file makes Linux's checks
 * in Linux's order (fs/namei.c of the kernel: filename_create, do_unlinkat, do_renameat2) and
 * then asks the filesystem, which knows nothing of paths, permissions or mounts.
 *
 * Every change to the tree is serialized by one lock (ns_lock): a rename's "is the target
 * inside the source" check and its effect must not interleave with another rename, and one
 * lock for the whole sandbox is simple and cheap next to a trap. Filesystems keep their own
 * locks for their data.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>

#include "fs/inotify.h"
#include "fs/namei_internal.h"
#include "fs/vfs.h"
#include "sentry/process.h"
#include "sentry/task.h"

static pthread_mutex_t ns_lock = PTHREAD_MUTEX_INITIALIZER;

bool cred_in_group(const struct task *t, gid_t gid)
{
	if (t->cred.fsgid == gid)
		return true;
	const struct process *p = t->proc;
	for (int i = 0; p && i < p->ngroups; i++)
		if (p->groups[i] == gid)
			return true;
	return false;
}

int path_want_write(const struct path *p)
{
	if (p->mnt && (p->mnt->flags & MS_RDONLY))
		return -EROFS;
	if (p->dentry && p->dentry->inode->readonly_fs)
		return -EROFS;
	return 0;
}

/* Splits path into a directory part (its first *dirlen bytes; 0: none, the start directory)
 * and the last name: "" for "/" (or only slashes, whose directory part is "/"). */
static int split_last(const char *path, char name[NAME_MAX + 1], bool *trailing_slash,
		      size_t *dirlen)
{
	size_t len = strlen(path);
	if (len == 0)
		return -ENOENT;
	*trailing_slash = false;
	while (len > 1 && path[len - 1] == '/') {
		len--;
		*trailing_slash = true;
	}
	if (len == 1 && path[0] == '/') {
		name[0] = 0;
		*trailing_slash = false;
		*dirlen = 1;
		return 0;
	}
	size_t start = len;
	while (start > 0 && path[start - 1] != '/')
		start--;
	if (len - start > NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(name, path + start, len - start);
	name[len - start] = 0;
	*dirlen = start;
	return 0;
}

int path_parent_at(struct task *t, int dirfd, const char *path, struct path *parent, char name[256],
		   bool *trailing_slash)
{
	size_t dirlen;
	int err = split_last(path, name, trailing_slash, &dirlen);
	if (err < 0)
		return err;
	if (dirlen == 0)
		return path_lookup_at(t, dirfd, ".", LOOKUP_FOLLOW | LOOKUP_DIRECTORY, parent);
	char *dir = strndup(path, dirlen);
	if (!dir)
		return -ENOMEM;
	err = path_lookup_at(t, dirfd, dir, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, parent);
	free(dir);
	return err;
}

static bool is_dot_or_dotdot(const char *name)
{
	return !name[0] || strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/* Looks up name in the directory parent; -ENOENT if missing. *child references the path. */
static int lookup_child(struct task *t, const struct path *parent, const char *name,
			struct path *child)
{
	struct dentry *d;
	int err = inode_permission(parent->dentry->inode, MAY_EXEC, t);
	if (err < 0)
		return err;
	err = dentry_lookup(parent->dentry, name, &d);
	if (err < 0)
		return err;
	child->mnt = parent->mnt;
	child->dentry = d;
	path_get(child);
	dentry_put(d);
	return 0;
}

static bool is_mountpoint(const struct path *p)
{
	return p->dentry->mounted_here || p->dentry == p->mnt->root;
}

static int getattr_of(struct inode *ino, struct stat *st)
{
	return vfs_getattr(ino, st);
}

/* Linux's sticky-directory rule: in a sticky directory only the owner of the entry, the owner
 * of the directory or a privileged task may remove or rename the entry. */
static int check_sticky(struct task *t, struct inode *dir, struct inode *victim)
{
	struct stat ds, vs;
	int err = getattr_of(dir, &ds);
	if (err < 0)
		return err;
	if (!(ds.st_mode & S_ISVTX) || t->cred.fsuid == 0)
		return 0;
	err = getattr_of(victim, &vs);
	if (err < 0)
		return err;
	if (vs.st_uid == t->cred.fsuid || ds.st_uid == t->cred.fsuid)
		return 0;
	return -EPERM;
}

/* Write and search permission on a directory, as every change to its entries needs. */
static int may_change_dir(struct task *t, struct inode *dir)
{
	return inode_permission(dir, MAY_WRITE | MAY_EXEC, t);
}

static int may_delete(struct task *t, const struct path *dir, const struct path *victim, bool isdir)
{
	struct inode *vi = victim->dentry->inode;
	int err = may_change_dir(t, dir->dentry->inode);
	if (err < 0)
		return err;
	err = check_sticky(t, dir->dentry->inode, vi);
	if (err < 0)
		return err;
	if (isdir && !S_ISDIR(vi->mode))
		return -ENOTDIR;
	if (!isdir && S_ISDIR(vi->mode))
		return -EISDIR;
	if (is_mountpoint(victim))
		return -EBUSY;
	return 0;
}

static struct vfs_owner owner_for(struct task *t, struct inode *dir, mode_t *mode)
{
	struct vfs_owner who = {t->cred.fsuid, t->cred.fsgid};
	struct stat ds;
	if (getattr_of(dir, &ds) == 0 && (ds.st_mode & S_ISGID)) {
		/* A set-group-id directory: new entries take its group, subdirectories its bit. */
		who.gid = ds.st_gid;
		if (S_ISDIR(*mode))
			*mode |= S_ISGID;
	} else if (!S_ISDIR(*mode) && (*mode & S_ISGID) && t->cred.fsuid != 0 &&
		   !cred_in_group(t, who.gid)) {
		*mode &= ~(mode_t)S_ISGID;
	}
	return who;
}

/*
 * The common front of every create (Linux's filename_create): the parent, the name, and
 * "must not exist". Returns with ns_lock held on success.
 */
static int create_prepare(struct task *t, int dirfd, const char *path, bool dir_ok,
			  struct path *parent, char *name)
{
	bool slash;
	struct path child;
	int err = path_parent_at(t, dirfd, path, parent, name, &slash);
	if (err < 0)
		return err;
	if (is_dot_or_dotdot(name)) {
		err = -EEXIST;
		goto fail;
	}
	int want = path_want_write(parent);
	pthread_mutex_lock(&ns_lock);
	err = lookup_child(t, parent, name, &child);
	if (err == 0) {
		path_put(&child);
		err = -EEXIST;
		goto fail_locked;
	}
	if (err != -ENOENT)
		goto fail_locked;
	if (slash && !dir_ok) {
		err = -ENOENT;
		goto fail_locked;
	}
	if (want < 0) {
		err = want;
		goto fail_locked;
	}
	err = may_change_dir(t, parent->dentry->inode);
	if (err < 0)
		goto fail_locked;
	return 0;
fail_locked:
	pthread_mutex_unlock(&ns_lock);
fail:
	path_put(parent);
	return err;
}

static int no_method(struct inode *dir)
{
	return dir->readonly_fs ? -EROFS : -EPERM;
}

static mode_t umask_of(struct task *t)
{
	pthread_mutex_lock(&t->fs->lock);
	mode_t m = t->fs->umask;
	pthread_mutex_unlock(&t->fs->lock);
	return m;
}

int vfs_mknodat(struct task *t, int dirfd, const char *path, mode_t mode, dev_t rdev)
{
	struct path parent;
	char name[NAME_MAX + 1];
	struct inode *ino = NULL;
	int err = create_prepare(t, dirfd, path, false, &parent, name);
	if (err < 0)
		return err;
	struct inode *dir = parent.dentry->inode;
	mode = (mode & S_IFMT) | (mode & 07777 & ~umask_of(t));
	struct vfs_owner who = owner_for(t, dir, &mode);
	err =
	    dir->ops->create ? dir->ops->create(dir, name, mode, rdev, &who, &ino) : no_method(dir);
	if (err == 0)
		fsnotify_create(dir, name, S_ISDIR(mode));
	pthread_mutex_unlock(&ns_lock);
	inode_put(ino);
	path_put(&parent);
	return err;
}

int vfs_mkdirat(struct task *t, int dirfd, const char *path, mode_t mode)
{
	struct path parent;
	char name[NAME_MAX + 1];
	struct inode *ino = NULL;
	int err = create_prepare(t, dirfd, path, true, &parent, name);
	if (err < 0)
		return err;
	struct inode *dir = parent.dentry->inode;
	mode = S_IFDIR | (mode & 01777 & ~umask_of(t));
	struct vfs_owner who = owner_for(t, dir, &mode);
	err = dir->ops->create ? dir->ops->create(dir, name, mode, 0, &who, &ino) : no_method(dir);
	if (err == 0)
		fsnotify_create(dir, name, true);
	pthread_mutex_unlock(&ns_lock);
	inode_put(ino);
	path_put(&parent);
	return err;
}

int vfs_symlinkat(struct task *t, const char *target, int dirfd, const char *path)
{
	struct path parent;
	char name[NAME_MAX + 1];
	struct inode *ino = NULL;
	if (!target[0])
		return -ENOENT;
	int err = create_prepare(t, dirfd, path, false, &parent, name);
	if (err < 0)
		return err;
	struct inode *dir = parent.dentry->inode;
	mode_t mode = S_IFLNK | 0777;
	struct vfs_owner who = owner_for(t, dir, &mode);
	err = dir->ops->symlink ? dir->ops->symlink(dir, name, target, &who, &ino) : no_method(dir);
	if (err == 0)
		fsnotify_create(dir, name, false);
	pthread_mutex_unlock(&ns_lock);
	inode_put(ino);
	path_put(&parent);
	return err;
}

int vfs_linkat(struct task *t, int odirfd, const char *opath, int ndirfd, const char *npath,
	       int lflags)
{
	struct path old, parent;
	char name[NAME_MAX + 1];
	int err = path_lookup_at(t, odirfd, opath, lflags & (LOOKUP_FOLLOW | LOOKUP_EMPTY), &old);
	if (err < 0)
		return err;
	err = create_prepare(t, ndirfd, npath, false, &parent, name);
	if (err < 0)
		goto out_old;
	struct inode *dir = parent.dentry->inode, *target = old.dentry->inode;
	if (old.mnt != parent.mnt)
		err = -EXDEV;
	else if (S_ISDIR(target->mode))
		err = -EPERM;
	else if (!dir->ops->link)
		err = no_method(dir);
	else
		err = dir->ops->link(dir, name, target);
	if (err == 0)
		fsnotify_link(dir, name, target);
	pthread_mutex_unlock(&ns_lock);
	path_put(&parent);
out_old:
	path_put(&old);
	return err;
}

int vfs_unlinkat(struct task *t, int dirfd, const char *path, bool rmdir)
{
	struct path parent, child = {0};
	char name[NAME_MAX + 1];
	bool slash;
	int err = path_parent_at(t, dirfd, path, &parent, name, &slash);
	if (err < 0)
		return err;
	if (!name[0])
		err = rmdir ? -EBUSY : -EISDIR;
	else if (strcmp(name, ".") == 0)
		err = rmdir ? -EINVAL : -EISDIR;
	else if (strcmp(name, "..") == 0)
		err = rmdir ? -ENOTEMPTY : -EISDIR;
	else
		err = path_want_write(&parent);
	if (err < 0)
		goto out;
	pthread_mutex_lock(&ns_lock);
	err = lookup_child(t, &parent, name, &child);
	if (err < 0)
		goto out_locked;
	/* A trailing slash names a directory: unlink("file/") is ENOTDIR, unlink("dir/") EISDIR. */
	if (!rmdir && slash) {
		err = S_ISDIR(child.dentry->inode->mode) ? -EISDIR : -ENOTDIR;
		goto out_locked;
	}
	/* The name itself, not what is mounted on it, is what gets removed. */
	struct path victim = child;
	err = may_delete(t, &parent, &victim, rmdir);
	if (err < 0)
		goto out_locked;
	struct inode *dir = parent.dentry->inode, *vi = child.dentry->inode;
	if (rmdir)
		err = dir->ops->rmdir ? dir->ops->rmdir(dir, name, vi) : no_method(dir);
	else
		err = dir->ops->unlink ? dir->ops->unlink(dir, name, vi) : no_method(dir);
	if (err == 0) {
		dcache_unhash(child.dentry);
		fsnotify_unlink(dir, name, child.dentry, rmdir);
	}
out_locked:
	pthread_mutex_unlock(&ns_lock);
	path_put(&child);
out:
	path_put(&parent);
	return err;
}

static bool same_file(struct inode *a, struct inode *b)
{
	struct stat sa, sb;
	return vfs_getattr(a, &sa) == 0 && vfs_getattr(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

#define RENAME_FLAGS_KNOWN (RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)

int vfs_renameat(struct task *t, int odirfd, const char *opath, int ndirfd, const char *npath,
		 unsigned flags)
{
	struct path op, np, oc = {0}, nc = {0};
	char oname[NAME_MAX + 1], nname[NAME_MAX + 1];
	bool oslash, nslash;
	int err;

	if (flags & ~RENAME_FLAGS_KNOWN)
		return -EINVAL;
	if ((flags & RENAME_EXCHANGE) && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)))
		return -EINVAL;
	err = path_parent_at(t, odirfd, opath, &op, oname, &oslash);
	if (err < 0)
		return err;
	err = path_parent_at(t, ndirfd, npath, &np, nname, &nslash);
	if (err < 0)
		goto out_op;
	if (op.mnt != np.mnt) {
		err = -EXDEV;
		goto out_np;
	}
	if (is_dot_or_dotdot(oname)) {
		err = -EBUSY;
		goto out_np;
	}
	if (is_dot_or_dotdot(nname)) {
		err = (flags & RENAME_NOREPLACE) ? -EEXIST : -EBUSY;
		goto out_np;
	}
	if (flags & RENAME_WHITEOUT) {
		err = -EINVAL; /* whiteouts are the overlay's business, not the guest's */
		goto out_np;
	}
	err = path_want_write(&op);
	if (err < 0)
		goto out_np;
	pthread_mutex_lock(&ns_lock);
	err = lookup_child(t, &op, oname, &oc);
	if (err < 0)
		goto out_locked;
	struct inode *oi = oc.dentry->inode;
	bool odir = S_ISDIR(oi->mode);
	err = lookup_child(t, &np, nname, &nc);
	if (err == -ENOENT) {
		if (flags & RENAME_EXCHANGE)
			goto out_locked;
		nc.dentry = NULL;
	} else if (err < 0) {
		goto out_locked;
	} else if (flags & RENAME_NOREPLACE) {
		err = -EEXIST;
		goto out_locked;
	}
	struct inode *ni = nc.dentry ? nc.dentry->inode : NULL;
	bool ndir = ni && S_ISDIR(ni->mode);
	if (!(flags & RENAME_EXCHANGE)) {
		/* A trailing slash on either name requires a directory. */
		if (!odir && (oslash || nslash)) {
			err = -ENOTDIR;
			goto out_locked;
		}
	} else if ((oslash && !odir) || (nslash && !ndir)) {
		err = -ENOTDIR;
		goto out_locked;
	}
	/* Two names for the same inode: nothing to do, successfully. (Compared by st_dev and
	 * st_ino: an overlay has one inode object per name, even for hard links.) */
	if (oi == ni || (ni && same_file(oi, ni))) {
		err = 0;
		goto out_locked;
	}
	/* Neither may be an ancestor of the other's new parent. */
	if (dentry_is_ancestor(oc.dentry, np.dentry)) {
		err = -EINVAL;
		goto out_locked;
	}
	if (ni && dentry_is_ancestor(nc.dentry, op.dentry)) {
		err = (flags & RENAME_EXCHANGE) ? -EINVAL : -ENOTEMPTY;
		goto out_locked;
	}
	err = may_delete(t, &op, &oc, odir);
	if (err < 0)
		goto out_locked;
	if (ni) {
		err = may_delete(t, &np, &nc, (flags & RENAME_EXCHANGE) ? ndir : odir);
		if (err < 0)
			goto out_locked;
	} else {
		err = may_change_dir(t, np.dentry->inode);
		if (err < 0)
			goto out_locked;
	}
	/* A directory that changes parent has its ".." rewritten: that needs write on it. */
	if (op.dentry != np.dentry) {
		if (odir && (err = inode_permission(oi, MAY_WRITE, t)) < 0)
			goto out_locked;
		if ((flags & RENAME_EXCHANGE) && ndir &&
		    (err = inode_permission(ni, MAY_WRITE, t)) < 0)
			goto out_locked;
	}
	struct inode *odi = op.dentry->inode;
	err = odi->ops->rename ? odi->ops->rename(odi, oname, np.dentry->inode, nname, flags)
			       : no_method(odi);
	if (err < 0)
		goto out_locked;
	if (flags & RENAME_EXCHANGE) {
		dcache_move(nc.dentry, op.dentry, oname);
		if (ni->ops->moved)
			ni->ops->moved(ni, odi, oname);
	} else if (nc.dentry) {
		dcache_unhash(nc.dentry);
	}
	dcache_move(oc.dentry, np.dentry, nname);
	if (oi->ops->moved)
		oi->ops->moved(oi, np.dentry->inode, nname);
	fsnotify_rename(odi, oname, np.dentry->inode, nname, oc.dentry, nc.dentry, flags);
out_locked:
	pthread_mutex_unlock(&ns_lock);
	path_put(&oc);
	path_put(&nc);
out_np:
	path_put(&np);
out_op:
	path_put(&op);
	return err;
}

/* The permission rules of notify_change/setattr_prepare, field by field. */
static int setattr_check(struct task *t, struct inode *ino, const struct stat *st,
			 struct vfs_setattr *sa)
{
	bool root = t->cred.fsuid == 0, owner = st->st_uid == t->cred.fsuid;
	if (sa->mask & SA_SIZE) {
		if (S_ISDIR(st->st_mode))
			return -EISDIR;
		if (!S_ISREG(st->st_mode))
			return -EINVAL;
		if (sa->size < 0)
			return -EINVAL;
	}
	/* chown_ok: only the owner may "change" the owner, and only to itself. */
	if ((sa->mask & SA_UID) && !root && !(owner && sa->uid == st->st_uid))
		return -EPERM;
	/* chgrp_ok: the owner, to the file's group or one of its own. */
	if ((sa->mask & SA_GID) && !root &&
	    !(owner && (sa->gid == st->st_gid || cred_in_group(t, sa->gid))))
		return -EPERM;
	if (!(sa->mask & ~(SA_UID | SA_GID)) && !S_ISDIR(st->st_mode)) {
		/* A chown (even chown(f, -1, -1)) drops set-user-id, and set-group-id when it
		 * means "execute as the group" (group execute) or the caller could not set it
		 * (not in the file's group). That change of mode then needs the owner. */
		mode_t m = st->st_mode & 07777;
		m &= ~(mode_t)S_ISUID;
		if ((m & S_IXGRP) || (!root && !cred_in_group(t, st->st_gid)))
			m &= ~(mode_t)S_ISGID;
		if (m != (st->st_mode & 07777)) {
			sa->mask |= SA_MODE;
			sa->mode = m;
		}
	}
	if (sa->mask & SA_MODE) {
		if (!owner && !root)
			return -EPERM;
		gid_t g = (sa->mask & SA_GID) ? sa->gid : st->st_gid;
		if ((sa->mode & S_ISGID) && !root && !cred_in_group(t, g))
			sa->mode &= ~(mode_t)S_ISGID;
	}
	if (sa->mask & (SA_ATIME | SA_MTIME)) {
		if (sa->mask & SA_TIMES_NOW) {
			/* Both set to now: the owner, or anyone who may write the file. */
			if (!owner && !root) {
				int err = inode_permission(ino, MAY_WRITE, t);
				if (err < 0)
					return err == -EROFS ? err : -EACCES;
			}
		} else if (!owner && !root) {
			return -EPERM;
		}
	}
	return 0;
}

int vfs_setattr(struct task *t, const struct path *p, struct vfs_setattr *sa)
{
	struct inode *ino = p->dentry->inode;
	struct stat st;
	int err = path_want_write(p);
	if (err < 0)
		return err;
	err = vfs_getattr(ino, &st);
	if (err < 0)
		return err;
	err = setattr_check(t, ino, &st, sa);
	if (err < 0)
		return err;
	if ((sa->mask & SA_SIZE) && (err = inode_permission(ino, MAY_WRITE, t)) < 0)
		return err;
	if (!ino->ops->setattr)
		return ino->readonly_fs ? -EROFS : -EPERM;
	/* Linux stamps every truncate with mtime (even to the same size), and every chown
	 * with ctime (even chown(f, -1, -1)); the permission checks above are done. */
	if (sa->mask & SA_SIZE) {
		sa->mask |= SA_MTIME;
		sa->mtime = (struct timespec){0, UTIME_NOW};
	}
	if (!sa->mask) {
		sa->mask = SA_CTIME;
		sa->ctime = (struct timespec){0, UTIME_NOW};
	}
	err = ino->ops->setattr(ino, sa);
	if (err == 0)
		fsnotify_setattr(p->dentry, sa->mask);
	return err;
}

/* Where a symlink met by open(O_CREAT) points: the parent directory of its target (resolved
 * from dir, the directory holding the link) and the target's last name. */
static int link_target_parent(struct task *t, const struct path *dir, struct inode *link,
			      struct path *parent, char name[NAME_MAX + 1], bool *slash)
{
	size_t dirlen;
	char *target = malloc(PATH_MAX);
	if (!target)
		return -ENOMEM;
	long n = link->ops->readlink ? link->ops->readlink(link, target, PATH_MAX - 1) : -EINVAL;
	int err = n < 0 ? (int)n : 0;
	if (err == 0) {
		target[n] = 0;
		err = split_last(target, name, slash, &dirlen);
	}
	if (err == 0 && dirlen == 0) {
		*parent = *dir;
		path_get(parent);
	} else if (err == 0) {
		target[dirlen] = 0;
		err = path_walk(t, dir, target, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, parent);
	}
	free(target);
	return err;
}

int vfs_open_create(struct task *t, int dirfd, const char *path, int flags, mode_t mode,
		    struct file **out)
{
	struct path parent, p;
	char name[NAME_MAX + 1];
	bool slash, created = false;
	int links = 0;
	int err = path_parent_at(t, dirfd, path, &parent, name, &slash);
	if (err < 0)
		return err;
	for (;;) {
		if (is_dot_or_dotdot(name) || slash) {
			/* open("dir/", O_CREAT), open(".", O_CREAT): a directory, not a new file.
			 */
			err = -EISDIR;
			goto out_parent;
		}
		pthread_mutex_lock(&ns_lock);
		err = lookup_child(t, &parent, name, &p);
		if (err == -ENOENT) {
			struct inode *dir = parent.dentry->inode, *ino = NULL;
			err = path_want_write(&parent);
			if (err == 0)
				err = may_change_dir(t, dir);
			if (err == 0) {
				mode_t m = S_IFREG | (mode & 07777 & ~umask_of(t));
				struct vfs_owner who = owner_for(t, dir, &m);
				err = dir->ops->create
					  ? dir->ops->create(dir, name, m, 0, &who, &ino)
					  : no_method(dir);
			}
			inode_put(ino);
			if (err == 0)
				fsnotify_create(dir, name, false);
			if (err == 0)
				err = lookup_child(t, &parent, name, &p);
			created = err == 0;
		} else if (err == 0 && (flags & O_EXCL)) {
			path_put(&p);
			err = -EEXIST;
		}
		pthread_mutex_unlock(&ns_lock);
		if (err < 0)
			goto out_parent;
		if (created || !S_ISLNK(p.dentry->inode->mode) || (flags & O_NOFOLLOW))
			break;
		/* An existing symlink: followed, and its target created if missing (even for a
		 * dangling link), as Linux does; each link counts towards MAX_SYMLINKS. */
		struct path next;
		err = ++links > MAX_SYMLINKS
			  ? -ELOOP
			  : link_target_parent(t, &parent, p.dentry->inode, &next, name, &slash);
		path_put(&p);
		if (err < 0)
			goto out_parent;
		path_put(&parent);
		parent = next;
	}
	if (!created) {
		follow_mounts(&p);
		if (S_ISDIR(p.dentry->inode->mode)) {
			err = -EISDIR;
			goto out_p;
		}
		if (S_ISLNK(p.dentry->inode->mode)) {
			err = -ELOOP; /* O_NOFOLLOW */
			goto out_p;
		}
	}
	/* A file this call created is opened without the permission check (its mode may well
	 * forbid the access asked for: open("f", O_CREAT|O_WRONLY, 0444) succeeds). */
	err = vfs_open_flags(t, &p, flags, created, out);
out_p:
	path_put(&p);
out_parent:
	path_put(&parent);
	return err;
}

/* open(2)'s O_TMPFILE: an unnamed regular file in the directory dirfd/path names, on that
 * directory's filesystem. Made as a named file under ns_lock and unlinked at once, so no
 * other task can ever see its name. */
int vfs_open_tmpfile(struct task *t, int dirfd, const char *path, int flags, mode_t mode,
		     struct file **out)
{
	static unsigned long counter;
	struct path dir, child;
	struct inode *ino = NULL;
	char name[32];
	int err = path_lookup_at(t, dirfd, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &dir);
	if (err < 0)
		return err;
	struct inode *di = dir.dentry->inode;
	err = path_want_write(&dir);
	if (err == 0)
		err = may_change_dir(t, di);
	if (err == 0 && (!di->ops->create || !di->ops->unlink))
		err = -EOPNOTSUPP;
	if (err < 0)
		goto out;
	snprintf(name, sizeof(name), "#%lu", __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
	mode_t m = S_IFREG | (mode & 07777 & ~umask_of(t));
	struct vfs_owner who = owner_for(t, di, &m);
	pthread_mutex_lock(&ns_lock);
	err = di->ops->create(di, name, m, 0, &who, &ino);
	if (err == 0)
		err = lookup_child(t, &dir, name, &child);
	if (err == 0) {
		err = vfs_open_flags(t, &child, flags & ~O_CREAT, true, out);
		int uerr = di->ops->unlink(di, name, child.dentry->inode);
		if (uerr == 0)
			dcache_unhash(child.dentry);
		path_put(&child);
	}
	pthread_mutex_unlock(&ns_lock);
	inode_put(ino);
out:
	path_put(&dir);
	return err;
}
