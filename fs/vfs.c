/* VFS objects: inodes, dentries, mounts, file descriptions and their reference counts. */
#define _GNU_SOURCE
#include "fs/vfs.h"

#include "fs/epoll.h"
#include "fs/inotify.h"
#include "fs/locks.h"
#include "sentry/signal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int ref_inc(int *r)
{
	return __atomic_add_fetch(r, 1, __ATOMIC_RELAXED);
}

static int ref_dec(int *r)
{
	return __atomic_sub_fetch(r, 1, __ATOMIC_ACQ_REL);
}

struct inode *inode_new(const struct inode_ops *ops, mode_t mode, void *priv)
{
	struct inode *ino = calloc(1, sizeof(*ino));
	if (!ino)
		return NULL;
	ino->refs = 1;
	ino->ops = ops;
	ino->mode = mode;
	ino->priv = priv;
	return ino;
}

void inode_get(struct inode *ino)
{
	ref_inc(&ino->refs);
}

void inode_put(struct inode *ino)
{
	if (!ino || ref_dec(&ino->refs) > 0)
		return;
	if (ino->ops && ino->ops->release)
		ino->ops->release(ino);
	free(ino);
}

struct dentry *dentry_new_root(struct inode *ino)
{
	struct dentry *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->name = strdup("/");
	if (!d->name) {
		free(d);
		return NULL;
	}
	d->refs = 1;
	d->parent = d;
	d->inode = ino;
	return d;
}

void dentry_get(struct dentry *d)
{
	ref_inc(&d->refs);
}

/* Dentries stay in their parent's child list (the cache) for the life of the filesystem, so
 * a put never frees a cached child; only a root whose last reference goes frees its tree. */
static void dentry_free_tree(struct dentry *d)
{
	struct dentry *c = d->children;
	while (c) {
		struct dentry *next = c->next_sibling;
		dentry_free_tree(c);
		c = next;
	}
	inode_put(d->inode);
	free(d->name);
	free(d);
}

void dentry_put(struct dentry *d)
{
	if (!d || ref_dec(&d->refs) > 0)
		return;
	if (d->parent == d) {
		dentry_free_tree(d);
	} else if (d->unhashed) {
		/* Out of the cache (unlinked or replaced): nobody else can find it, and it held
		 * a reference to its parent since it was unhashed. */
		struct dentry *parent = d->parent;
		fsnotify_inode_unused(d->inode); /* a deferred IN_DELETE_SELF */
		dentry_free_tree(d);
		dentry_put(parent);
	}
}

struct mount *mount_new(struct dentry *root, unsigned flags)
{
	struct mount *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->refs = 1;
	m->root = root;
	m->flags = flags;
	return m;
}

int mount_from_root_inode(struct inode *ino, unsigned flags, struct mount **out)
{
	struct dentry *root = dentry_new_root(ino);
	if (!root) {
		inode_put(ino);
		return -ENOMEM;
	}
	*out = mount_new(root, flags);
	if (!*out) {
		dentry_put(root);
		return -ENOMEM;
	}
	return 0;
}

static void mount_get(struct mount *m)
{
	ref_inc(&m->refs);
}

static void mount_put(struct mount *m)
{
	if (!m || ref_dec(&m->refs) > 0)
		return;
	dentry_put(m->root);
	free(m);
}

void path_get(const struct path *p)
{
	if (p->mnt)
		mount_get(p->mnt);
	if (p->dentry)
		dentry_get(p->dentry);
}

void path_put(struct path *p)
{
	if (p->dentry)
		dentry_put(p->dentry);
	if (p->mnt)
		mount_put(p->mnt);
	p->dentry = NULL;
	p->mnt = NULL;
}

struct file *file_new(const struct file_ops *ops, int flags, void *priv)
{
	struct file *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->refs = 1;
	f->ops = ops;
	f->flags = flags;
	f->priv = priv;
	pthread_mutex_init(&f->pos_lock, NULL);
	return f;
}

void file_get(struct file *f)
{
	ref_inc(&f->refs);
}

void file_put(struct file *f)
{
	if (!f || ref_dec(&f->refs) > 0)
		return;
	if (f->fsnotify_opened)
		fsnotify_close(f); /* first, as Linux's __fput */
	/* Then out of every epoll instance (Linux's eventpoll_release). */
	if (__atomic_load_n(&f->epoll_items, __ATOMIC_ACQUIRE))
		epoll_file_released(f);
	/* Its flock and OFD locks go with it. */
	locks_remove_file(f);
	if (f->ops && f->ops->release)
		f->ops->release(f);
	path_put(&f->path);
	inode_put(f->inode);
	pthread_mutex_destroy(&f->pos_lock);
	free(f);
}

int vfs_getattr(struct inode *ino, struct stat *st)
{
	if (!ino->ops->getattr)
		return -EOPNOTSUPP;
	return ino->ops->getattr(ino, st);
}

/* --- fs_context -------------------------------------------------------------------------- */

struct fs_context *fs_context_new(const struct path *root)
{
	struct fs_context *fs = calloc(1, sizeof(*fs));
	if (!fs)
		return NULL;
	fs->refs = 1;
	pthread_mutex_init(&fs->lock, NULL);
	fs->root = *root;
	path_get(&fs->root);
	fs->cwd = *root;
	path_get(&fs->cwd);
	fs->umask = 022;
	return fs;
}

struct fs_context *fs_context_dup(struct fs_context *fs)
{
	pthread_mutex_lock(&fs->lock);
	struct fs_context *c = fs_context_new(&fs->root);
	if (c) {
		path_put(&c->cwd);
		c->cwd = fs->cwd;
		path_get(&c->cwd);
		c->umask = fs->umask;
	}
	pthread_mutex_unlock(&fs->lock);
	return c;
}

void fs_context_put(struct fs_context *fs)
{
	if (!fs || ref_dec(&fs->refs) > 0)
		return;
	path_put(&fs->root);
	path_put(&fs->cwd);
	pthread_mutex_destroy(&fs->lock);
	free(fs);
}

static int fd_grow(struct fd_table *t, int fd);

/* --- fd tables ------------------------------------------------------------------------- */

/* An fd of t stops referring to f (close, dup2 over it, exec, the table's end): by POSIX's
 * rule, t's record locks on f's file go, whatever other fds still refer to it. */
static void fd_drop(struct fd_table *t, struct file *f)
{
	if (f)
		locks_remove_posix(f, t);
	file_put(f);
}

struct fd_table *fd_table_new(void)
{
	struct fd_table *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->refs = 1;
	t->limit = FD_MAX_DEFAULT;
	pthread_mutex_init(&t->lock, NULL);
	return t;
}

struct fd_table *fd_table_dup(struct fd_table *t)
{
	struct fd_table *c = fd_table_new();
	if (!c)
		return NULL;
	pthread_mutex_lock(&t->lock);
	c->limit = t->limit;
	if (t->cap && fd_grow(c, t->cap - 1) < 0) {
		pthread_mutex_unlock(&t->lock);
		fd_table_put(c);
		return NULL;
	}
	for (int i = 0; i < t->cap; i++) {
		c->files[i] = t->files[i];
		c->cloexec[i] = t->cloexec[i];
		if (c->files[i])
			file_get(c->files[i]);
	}
	pthread_mutex_unlock(&t->lock);
	return c;
}

void fd_table_close_on_exec(struct fd_table *t)
{
	for (;;) {
		struct file *f = NULL;
		pthread_mutex_lock(&t->lock);
		for (int i = 0; i < t->cap; i++) {
			if (t->files[i] && t->cloexec[i]) {
				f = t->files[i];
				t->files[i] = NULL;
				t->cloexec[i] = 0;
				break;
			}
		}
		pthread_mutex_unlock(&t->lock);
		if (!f)
			return;
		fd_drop(t, f); /* outside the lock: a release may block or take other locks */
	}
}

void fd_table_put(struct fd_table *t)
{
	if (!t || ref_dec(&t->refs) > 0)
		return;
	for (int i = 0; i < t->cap; i++)
		fd_drop(t, t->files[i]);
	free(t->files);
	free(t->cloexec);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* Grows the table to hold fd; caller holds the lock. */
static int fd_grow(struct fd_table *t, int fd)
{
	if (fd < t->cap)
		return 0;
	int ncap = t->cap ? t->cap : 64;
	while (ncap <= fd)
		ncap *= 2;
	struct file **nf = realloc(t->files, (size_t)ncap * sizeof(*nf));
	if (!nf)
		return -ENOMEM;
	t->files = nf;
	uint8_t *nc = realloc(t->cloexec, (size_t)ncap);
	if (!nc)
		return -ENOMEM;
	t->cloexec = nc;
	memset(t->files + t->cap, 0, (size_t)(ncap - t->cap) * sizeof(*nf));
	memset(t->cloexec + t->cap, 0, (size_t)(ncap - t->cap));
	t->cap = ncap;
	return 0;
}

int fd_install(struct fd_table *t, struct file *f, int min, bool cloexec)
{
	int fd, err;
	if (min < 0)
		return -EINVAL;
	pthread_mutex_lock(&t->lock);
	for (fd = min; fd < t->cap && t->files[fd]; fd++)
		;
	if ((unsigned)fd >= t->limit) {
		err = -EMFILE;
		goto out;
	}
	err = fd_grow(t, fd);
	if (err < 0)
		goto out;
	file_get(f);
	t->files[fd] = f;
	t->cloexec[fd] = cloexec;
	err = fd;
out:
	pthread_mutex_unlock(&t->lock);
	return err;
}

int fd_install_at(struct fd_table *t, int fd, struct file *f, bool cloexec)
{
	struct file *old = NULL;
	int err;
	if (fd < 0 || (unsigned)fd >= t->limit)
		return -EBADF;
	pthread_mutex_lock(&t->lock);
	err = fd_grow(t, fd);
	if (err == 0) {
		old = t->files[fd];
		file_get(f);
		t->files[fd] = f;
		t->cloexec[fd] = cloexec;
		err = fd;
	}
	pthread_mutex_unlock(&t->lock);
	fd_drop(t, old);
	return err;
}

struct file *fd_get(struct fd_table *t, int fd)
{
	struct file *f = NULL;
	pthread_mutex_lock(&t->lock);
	if (fd >= 0 && fd < t->cap && t->files[fd]) {
		f = t->files[fd];
		file_get(f);
	}
	pthread_mutex_unlock(&t->lock);
	return f;
}

int fd_close(struct fd_table *t, int fd)
{
	struct file *f = NULL;
	pthread_mutex_lock(&t->lock);
	if (fd >= 0 && fd < t->cap) {
		f = t->files[fd];
		t->files[fd] = NULL;
		t->cloexec[fd] = 0;
	}
	pthread_mutex_unlock(&t->lock);
	if (!f)
		return -EBADF;
	fd_drop(t, f);
	return 0;
}

int fd_set_cloexec(struct fd_table *t, int fd, bool on)
{
	int err = -EBADF;
	pthread_mutex_lock(&t->lock);
	if (fd >= 0 && fd < t->cap && t->files[fd]) {
		t->cloexec[fd] = on;
		err = 0;
	}
	pthread_mutex_unlock(&t->lock);
	return err;
}

int fd_get_cloexec(struct fd_table *t, int fd)
{
	int r = -EBADF;
	pthread_mutex_lock(&t->lock);
	if (fd >= 0 && fd < t->cap && t->files[fd])
		r = t->cloexec[fd];
	pthread_mutex_unlock(&t->lock);
	return r;
}

/* --- readiness events ---------------------------------------------------------------- */

static pthread_mutex_t io_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t io_cv;
static pthread_once_t io_once = PTHREAD_ONCE_INIT;
static uint64_t io_seq;

static void io_init(void)
{
	cond_init_monotonic(&io_cv);
}

uint64_t vfs_io_stamp;

void vfs_io_event(void)
{
	vfs_io_next_stamp(); /* files without an io_gen op: epoll's ET takes this as theirs */
	pthread_once(&io_once, io_init);
	pthread_mutex_lock(&io_lock);
	io_seq++;
	pthread_cond_broadcast(&io_cv);
	pthread_mutex_unlock(&io_lock);
}

uint64_t vfs_io_seq(void)
{
	pthread_once(&io_once, io_init);
	pthread_mutex_lock(&io_lock);
	uint64_t s = io_seq;
	pthread_mutex_unlock(&io_lock);
	return s;
}

int vfs_io_wait(struct task *t, uint64_t seq, const struct timespec *deadline)
{
	int r = 0;
	pthread_once(&io_once, io_init);
	pthread_mutex_lock(&io_lock);
	while (io_seq == seq && r == 0)
		r = task_wait(t, &io_lock, &io_cv, deadline);
	pthread_mutex_unlock(&io_lock);
	return r;
}
