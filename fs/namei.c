/*
 * The path walk: the only code that interprets '/', ".", ".." and symlinks.
 *
 * Filesystems see single names; ".." never leaves the task's root and crosses mounts the way
 * Linux does (from a mount's root to its mountpoint first). Symlinks are resolved here, by the
 * Sentry, against the guest's root, with at most MAX_SYMLINKS per walk (ELOOP beyond).
 */
#define _GNU_SOURCE
#include "fs/vfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fs/inotify.h"
#include "fs/namei_internal.h"
#include "sentry/task.h"

/* The kernel's O_LARGEFILE; glibc defines O_LARGEFILE as 0 on x86_64. */
#define KERNEL_O_LARGEFILE 0100000

/* Serializes dentry cache updates (lookups that add children). Lock order: after fd tables. */
static pthread_mutex_t dcache_lock = PTHREAD_MUTEX_INITIALIZER;

int inode_permission(struct inode *ino, int mask, const struct task *t)
{
	struct stat st;
	int err;
	if (ino->ops->permission)
		return ino->ops->permission(ino, mask, t);
	if ((mask & MAY_WRITE) && ino->readonly_fs)
		return -EROFS;
	err = vfs_getattr(ino, &st);
	if (err < 0)
		return err;
	if (t->cred.fsuid == 0) {
		/* CAP_DAC_OVERRIDE: everything but executing a file with no x bit at all. */
		if ((mask & MAY_EXEC) && !S_ISDIR(st.st_mode) && !(st.st_mode & 0111))
			return -EACCES;
		return 0;
	}
	mode_t bits;
	if (st.st_uid == t->cred.fsuid)
		bits = (st.st_mode >> 6) & 7;
	else if (cred_in_group(t, st.st_gid))
		bits = (st.st_mode >> 3) & 7;
	else
		bits = st.st_mode & 7;
	return ((unsigned)mask & ~bits) ? -EACCES : 0;
}

static bool path_equal(const struct path *a, const struct path *b)
{
	return a->mnt == b->mnt && a->dentry == b->dentry;
}

/* Replaces *p with its parent, staying at root and climbing out of mounts first. */
static void step_dotdot(const struct path *root, struct path *p)
{
	while (!path_equal(p, root) && p->dentry == p->mnt->root && p->mnt->parent) {
		struct path up = {p->mnt->parent, p->mnt->mountpoint};
		path_get(&up);
		path_put(p);
		*p = up;
	}
	if (path_equal(p, root))
		return;
	struct dentry *parent = p->dentry->parent;
	dentry_get(parent);
	dentry_put(p->dentry);
	p->dentry = parent;
}

/* Looks name up under dir, through the cache; returns a referenced child. */
int dentry_lookup(struct dentry *dir, const char *name, struct dentry **out)
{
	int err = 0;
	pthread_mutex_lock(&dcache_lock);
	for (struct dentry *c = dir->children; c; c = c->next_sibling) {
		if (strcmp(c->name, name) == 0) {
			dentry_get(c);
			*out = c;
			goto out;
		}
	}
	struct inode *ino = NULL;
	err = dir->inode->ops->lookup(dir->inode, name, &ino);
	if (err < 0)
		goto out;
	struct dentry *d = calloc(1, sizeof(*d));
	char *nm = strdup(name);
	if (!d || !nm) {
		free(d);
		free(nm);
		inode_put(ino);
		err = -ENOMEM;
		goto out;
	}
	d->name = nm;
	d->inode = ino;
	d->parent = dir;
	/* One reference is the cache's own (the child list); one is the caller's. */
	d->refs = 2;
	d->next_sibling = dir->children;
	dir->children = d;
	*out = d;
out:
	pthread_mutex_unlock(&dcache_lock);
	return err;
}

void dcache_read_lock(void)
{
	pthread_mutex_lock(&dcache_lock);
}

void dcache_read_unlock(void)
{
	pthread_mutex_unlock(&dcache_lock);
}

void dcache_unhash(struct dentry *d)
{
	pthread_mutex_lock(&dcache_lock);
	if (d->unhashed || d->parent == d) {
		pthread_mutex_unlock(&dcache_lock);
		return;
	}
	for (struct dentry **pp = &d->parent->children; *pp; pp = &(*pp)->next_sibling) {
		if (*pp == d) {
			*pp = d->next_sibling;
			break;
		}
	}
	d->next_sibling = NULL;
	d->unhashed = true;
	dentry_get(d->parent); /* see dentry_put: an unhashed dentry holds its parent */
	pthread_mutex_unlock(&dcache_lock);
	dentry_put(d); /* the cache's own reference */
}

int dcache_move(struct dentry *d, struct dentry *newparent, const char *newname)
{
	char *nm = strdup(newname);
	if (!nm)
		return -ENOMEM;
	pthread_mutex_lock(&dcache_lock);
	if (d->unhashed) {
		pthread_mutex_unlock(&dcache_lock);
		free(nm);
		return 0;
	}
	for (struct dentry **pp = &d->parent->children; *pp; pp = &(*pp)->next_sibling) {
		if (*pp == d) {
			*pp = d->next_sibling;
			break;
		}
	}
	free(d->name);
	d->name = nm;
	d->parent = newparent;
	d->next_sibling = newparent->children;
	newparent->children = d;
	pthread_mutex_unlock(&dcache_lock);
	return 0;
}

bool dentry_parent_name(struct dentry *d, struct inode **dir, char name[256])
{
	pthread_mutex_lock(&dcache_lock);
	*dir = NULL;
	name[0] = 0;
	if (d->parent != d) {
		size_t n = strnlen(d->name, 255);
		*dir = d->parent->inode;
		inode_get(*dir);
		memcpy(name, d->name, n);
		name[n] = 0;
	}
	bool unhashed = d->unhashed;
	pthread_mutex_unlock(&dcache_lock);
	return unhashed;
}

bool dentry_is_ancestor(struct dentry *anc, struct dentry *d)
{
	bool found = false;
	pthread_mutex_lock(&dcache_lock);
	for (;;) {
		if (d == anc) {
			found = true;
			break;
		}
		if (d->parent == d)
			break;
		d = d->parent;
	}
	pthread_mutex_unlock(&dcache_lock);
	return found;
}

/* If something is mounted on p, moves p to the root of the topmost mount. */
void follow_mounts(struct path *p)
{
	while (p->dentry->mounted_here) {
		struct mount *m = p->dentry->mounted_here;
		struct path top = {m, m->root};
		path_get(&top);
		path_put(p);
		*p = top;
	}
}

struct walk {
	struct task *t;
	struct path root;
	int links;
	int rflags; /* LOOKUP_BENEATH, LOOKUP_IN_ROOT, LOOKUP_NO_SYMLINKS, LOOKUP_NO_XDEV */
};

static int walk(struct walk *w, struct path *cur, const char *path, int flags);

/* cur is a symlink reached from dir; replaces cur with what it points to. */
static int follow_link(struct walk *w, struct path *dir, struct path *cur, int flags)
{
	char *target;
	long n;
	int err;
	if (++w->links > MAX_SYMLINKS)
		return -ELOOP;
	if (!cur->dentry->inode->ops->readlink)
		return -EINVAL;
	target = malloc(PATH_MAX);
	if (!target)
		return -ENOMEM;
	n = cur->dentry->inode->ops->readlink(cur->dentry->inode, target, PATH_MAX - 1);
	if (n < 0) {
		free(target);
		return (int)n;
	}
	target[n] = 0;
	if (n == 0) {
		free(target);
		return -ENOENT;
	}
	struct path next = *dir;
	path_get(&next);
	err = walk(w, &next, target, flags);
	free(target);
	if (err < 0) {
		path_put(&next);
		return err;
	}
	path_put(cur);
	*cur = next;
	return 0;
}

/* Walks path from *cur (owned; replaced by the result). */
static int walk(struct walk *w, struct path *cur, const char *path, int flags)
{
	char name[NAME_MAX + 1];
	const char *p = path;
	int err;

	if (*p == '/') {
		if (w->rflags & LOOKUP_BENEATH)
			return -EXDEV; /* RESOLVE_BENEATH: no absolute paths, nor symlinks to them
					*/
		path_put(cur);
		*cur = w->root;
		path_get(cur);
		while (*p == '/')
			p++;
	}
	while (*p) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *rest = p + len;
		while (*rest == '/')
			rest++;
		bool last = *rest == 0;
		bool trailing_slash = last && end != NULL;
		if (len > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(name, p, len);
		name[len] = 0;
		p = rest;

		struct inode *dino = cur->dentry->inode;
		if (!S_ISDIR(dino->mode))
			return -ENOTDIR;
		err = inode_permission(dino, MAY_EXEC, w->t);
		if (err < 0)
			return err;
		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			if ((w->rflags & LOOKUP_BENEATH) && path_equal(cur, &w->root))
				return -EXDEV;
			struct mount *was = cur->mnt;
			step_dotdot(&w->root, cur);
			if ((w->rflags & LOOKUP_NO_XDEV) && cur->mnt != was)
				return -EXDEV;
			continue;
		}
		struct dentry *child;
		err = dentry_lookup(cur->dentry, name, &child);
		if (err < 0)
			return err;
		struct path next = {cur->mnt, child};
		path_get(&next);   /* the mount reference */
		dentry_put(child); /* path_get took the dentry reference too */
		follow_mounts(&next);
		if ((w->rflags & LOOKUP_NO_XDEV) && next.mnt != cur->mnt) {
			path_put(&next);
			return -EXDEV;
		}
		if (S_ISLNK(next.dentry->inode->mode) &&
		    (!last || (flags & LOOKUP_FOLLOW) || trailing_slash)) {
			if (w->rflags & LOOKUP_NO_SYMLINKS) {
				path_put(&next);
				return -ELOOP;
			}
			int lflags = LOOKUP_FOLLOW | (last ? flags & LOOKUP_DIRECTORY : 0);
			err = follow_link(w, cur, &next, lflags);
			if (err < 0) {
				path_put(&next);
				return err;
			}
		}
		path_put(cur);
		*cur = next;
		if (trailing_slash && !S_ISDIR(cur->dentry->inode->mode))
			return -ENOTDIR;
	}
	if ((flags & LOOKUP_DIRECTORY) && !S_ISDIR(cur->dentry->inode->mode))
		return -ENOTDIR;
	return 0;
}

int path_walk(struct task *t, const struct path *start, const char *path, int flags,
	      struct path *out)
{
	struct walk w = {.t = t, .rflags = flags & LOOKUP_RESOLVE_MASK};
	struct path cur;
	int err;

	if (!*path && !(flags & LOOKUP_EMPTY))
		return -ENOENT;
	if (flags & (LOOKUP_BENEATH | LOOKUP_IN_ROOT)) {
		/* openat2's scoped walks: the start directory is the root for this walk. */
		w.root = *start;
		path_get(&w.root);
	} else {
		pthread_mutex_lock(&t->fs->lock);
		w.root = t->fs->root;
		path_get(&w.root);
		pthread_mutex_unlock(&t->fs->lock);
	}
	cur = *start;
	path_get(&cur);
	err = walk(&w, &cur, path, flags);
	path_put(&w.root);
	if (err < 0) {
		path_put(&cur);
		return err;
	}
	*out = cur;
	return 0;
}

int path_lookup_at(struct task *t, int dirfd, const char *path, int flags, struct path *out)
{
	struct path start;
	int err;
	bool scoped = flags & (LOOKUP_BENEATH | LOOKUP_IN_ROOT);
	if ((path[0] == '/' && !scoped) || dirfd == AT_FDCWD) {
		pthread_mutex_lock(&t->fs->lock);
		start = t->fs->cwd;
		path_get(&start);
		pthread_mutex_unlock(&t->fs->lock);
	} else {
		struct file *f = fd_get(t->fdt, dirfd);
		if (!f)
			return -EBADF;
		if (!f->path.dentry) {
			file_put(f);
			return -ENOTDIR;
		}
		start = f->path;
		path_get(&start);
		file_put(f);
		if (*path && !S_ISDIR(start.dentry->inode->mode)) {
			path_put(&start);
			return -ENOTDIR;
		}
	}
	err = path_walk(t, &start, path, flags, out);
	path_put(&start);
	return err;
}

int vfs_open(struct task *t, const struct path *p, int flags, struct file **out)
{
	return vfs_open_flags(t, p, flags, false, out);
}

/* O_TRUNC on an existing regular file: to size 0 through setattr (mtime and ctime change). */
static int open_truncate(struct inode *ino)
{
	/* mtime and ctime change even when the file was empty already. */
	struct vfs_setattr sa = {.mask = SA_SIZE | SA_MTIME, .size = 0};
	clock_gettime(CLOCK_REALTIME, &sa.mtime);
	if (!ino->ops->setattr)
		return ino->readonly_fs ? -EROFS : -EPERM;
	return ino->ops->setattr(ino, &sa);
}

int vfs_open_flags(struct task *t, const struct path *p, int flags, bool created, struct file **out)
{
	struct inode *ino = p->dentry->inode;
	int acc = flags & O_ACCMODE;
	int mask = 0, err;

	if (acc == O_RDONLY || acc == O_RDWR)
		mask |= MAY_READ;
	if (acc == O_WRONLY || acc == O_RDWR || (flags & O_TRUNC))
		mask |= MAY_WRITE;
	if (S_ISDIR(ino->mode) && (mask & MAY_WRITE))
		return -EISDIR;
	if ((flags & O_DIRECTORY) && !S_ISDIR(ino->mode))
		return -ENOTDIR;
	if (S_ISLNK(ino->mode) && !(flags & O_PATH))
		return -ELOOP;
	if (!(flags & O_PATH) && !created) {
		err = inode_permission(ino, mask, t);
		if (err < 0)
			return err;
		/* Writing through a read-only mount: only files whose data lives elsewhere
		 * (devices, FIFOs, sockets) may still be opened for writing. */
		if ((mask & MAY_WRITE) && (S_ISREG(ino->mode) || S_ISDIR(ino->mode)) &&
		    (err = path_want_write(p)) < 0)
			return err;
	}
	/* As on 64-bit Linux, every file description carries O_LARGEFILE. */
	/* O_NOCTTY is seen by the filesystem's open (a tty decides on it), then dropped. */
	int fflags = (flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC));
	if (!(flags & O_PATH))
		fflags |= KERNEL_O_LARGEFILE;
	struct file *f = file_new(NULL, fflags, NULL);
	if (!f)
		return -ENOMEM;
	f->path = *p;
	path_get(&f->path);
	f->inode = ino;
	inode_get(ino);
	if (flags & O_PATH)
		f->flags &= ~O_NOCTTY;
	if (!(flags & O_PATH)) {
		if (!ino->ops->open) {
			file_put(f);
			return -ENXIO;
		}
		err = ino->ops->open(ino, f);
		if (err < 0) {
			file_put(f);
			return err;
		}
		f->flags &= ~O_NOCTTY;
		/* IN_OPEN before O_TRUNC's IN_MODIFY, as Linux 6.x reports them. */
		f->fsnotify_opened = true;
		fsnotify_open(f);
		if ((flags & O_TRUNC) && !created && S_ISREG(ino->mode)) {
			err = open_truncate(ino);
			if (err < 0) {
				file_put(f);
				return err;
			}
			fsnotify_modify(f);
		}
	}
	*out = f;
	return 0;
}

int vfs_mount_at(struct task *t, const char *path, struct mount *m)
{
	struct path p;
	int err = path_lookup_at(t, AT_FDCWD, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &p);
	if (err < 0)
		return err;
	pthread_mutex_lock(&dcache_lock);
	/* The new mount goes on top of whatever is mounted there already. */
	m->parent = p.mnt;
	m->mountpoint = p.dentry;
	m->mountpoint->mounted_here = m;
	pthread_mutex_unlock(&dcache_lock);
	mount_list_register(m);
	return 0; /* p's references now belong to m */
}

void vfs_unmount(struct mount *m)
{
	mount_list_unregister(m);
	pthread_mutex_lock(&dcache_lock);
	struct path where = {m->parent, m->mountpoint};
	if (m->mountpoint && m->mountpoint->mounted_here == m)
		m->mountpoint->mounted_here = NULL;
	m->parent = NULL;
	m->mountpoint = NULL;
	pthread_mutex_unlock(&dcache_lock);
	path_put(&where);
	struct path self = {m, NULL};
	path_put(&self);
}
