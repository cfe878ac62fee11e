/*
 * devpts, as Linux's fs/devpts: a root directory holding ptmx (5:2) and one node per pty
 * pair, N (136:N), inode numbers as Linux's (root 1, ptmx 2, N + 3). A node belongs to the
 * opener of its master (fsuid; the gid= option's group), mode= bits, and may be chmod'ed
 * and chown'ed as any node (grantpt's old way).
 *
 * The table of pairs is under fs->lock; a node is counted (the table, inodes) and holds
 * its pair. When the master closes the node leaves the table's view and its cached dentry
 * is dropped, found through the master file's own path (nothing here holds a mount).
 */
#define _GNU_SOURCE
#include "fs/devpts.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "fs/chardev.h"
#include "fs/namei_internal.h"
#include "fs/tty_internal.h"
#include "sentry/task.h"

#define ROOT_INO 1
#define PTMX_INO 2

struct attrs {
	uid_t uid;
	gid_t gid;
	mode_t mode; /* permission bits */
	struct timespec atime, mtime, ctime;
};

struct pts_node {
	int refs;
	struct tty *tty;
	bool visible; /* false once the master closed */
	struct attrs a;
};

struct devpts_fs {
	int refs;
	pthread_mutex_t lock;
	struct devpts_opts o;
	dev_t dev;
	struct pts_node **nodes; /* by index */
	unsigned cap;
	struct attrs root, ptmx;
};

enum dp_kind { DP_ROOT, DP_PTMX, DP_PTS };

/* What an inode of ours stands for. */
struct dp_ino {
	struct devpts_fs *fs;
	enum dp_kind kind;
	unsigned index;
	struct pts_node *node; /* DP_PTS */
};

static const struct inode_ops devpts_inode_ops;
static const struct file_ops devpts_dir_ops;

static struct dp_ino *DI(const struct inode *ino)
{
	return ino->priv;
}

bool inode_is_devpts(const struct inode *ino)
{
	return ino && ino->ops == &devpts_inode_ops;
}

void devpts_fs_get(struct devpts_fs *fs)
{
	__atomic_add_fetch(&fs->refs, 1, __ATOMIC_RELAXED);
}

void devpts_fs_put(struct devpts_fs *fs)
{
	if (!fs || __atomic_sub_fetch(&fs->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	free(fs->nodes);
	pthread_mutex_destroy(&fs->lock);
	free(fs);
}

static void node_put(struct pts_node *n)
{
	if (!n || __atomic_sub_fetch(&n->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	tty_put(n->tty);
	free(n);
}

static void now(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
}

/* A new inode for kind (index, node: DP_PTS); takes references to fs and node. */
static struct inode *dp_inode(struct devpts_fs *fs, enum dp_kind kind, unsigned index,
			      struct pts_node *node)
{
	struct dp_ino *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	mode_t mode = kind == DP_ROOT ? S_IFDIR : S_IFCHR;
	pthread_mutex_lock(&fs->lock);
	mode |= kind == DP_ROOT ? fs->root.mode : kind == DP_PTMX ? fs->ptmx.mode : node->a.mode;
	pthread_mutex_unlock(&fs->lock);
	struct inode *ino = inode_new(&devpts_inode_ops, mode, d);
	if (!ino) {
		free(d);
		return NULL;
	}
	d->fs = fs;
	d->kind = kind;
	d->index = index;
	d->node = node;
	devpts_fs_get(fs);
	if (node)
		__atomic_add_fetch(&node->refs, 1, __ATOMIC_RELAXED);
	ino->ino = kind == DP_ROOT ? ROOT_INO : kind == DP_PTMX ? PTMX_INO : index + 3;
	ino->dev = fs->dev;
	return ino;
}

/* Node names are the decimal index, without sign or leading zeros. */
static bool parse_index(const char *name, unsigned *out)
{
	unsigned long v = 0;
	if (!*name || (name[0] == '0' && name[1]) || strlen(name) > 9)
		return false;
	for (const char *p = name; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	*out = (unsigned)v;
	return true;
}

static int dp_lookup(struct inode *dir, const char *name, struct inode **out)
{
	struct devpts_fs *fs = DI(dir)->fs;
	struct pts_node *n = NULL;
	unsigned idx;
	if (strcmp(name, "ptmx") == 0) {
		*out = dp_inode(fs, DP_PTMX, 0, NULL);
		return *out ? 0 : -ENOMEM;
	}
	if (!parse_index(name, &idx))
		return -ENOENT;
	pthread_mutex_lock(&fs->lock);
	if (idx < fs->cap && fs->nodes[idx] && fs->nodes[idx]->visible) {
		n = fs->nodes[idx];
		__atomic_add_fetch(&n->refs, 1, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&fs->lock);
	if (!n)
		return -ENOENT;
	*out = dp_inode(fs, DP_PTS, idx, n);
	node_put(n);
	return *out ? 0 : -ENOMEM;
}

/* The attributes behind an inode; caller holds fs->lock. */
static struct attrs *attrs_of(struct dp_ino *d)
{
	return d->kind == DP_ROOT ? &d->fs->root : d->kind == DP_PTMX ? &d->fs->ptmx : &d->node->a;
}

static int dp_getattr(struct inode *ino, struct stat *st)
{
	struct dp_ino *d = DI(ino);
	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&d->fs->lock);
	struct attrs *a = attrs_of(d);
	st->st_dev = d->fs->dev;
	st->st_ino = ino->ino;
	st->st_mode = (ino->mode & S_IFMT) | a->mode;
	st->st_nlink = d->kind == DP_ROOT ? 2 : 1;
	st->st_uid = a->uid;
	st->st_gid = a->gid;
	st->st_rdev = d->kind == DP_ROOT   ? 0
		      : d->kind == DP_PTMX ? makedev(5, 2)
					   : makedev(PTS_MAJOR, d->index);
	st->st_blksize = 1024;
	st->st_atim = a->atime;
	st->st_mtim = a->mtime;
	st->st_ctim = a->ctime;
	pthread_mutex_unlock(&d->fs->lock);
	return 0;
}

static int dp_setattr(struct inode *ino, const struct vfs_setattr *sa)
{
	struct dp_ino *d = DI(ino);
	pthread_mutex_lock(&d->fs->lock);
	struct attrs *a = attrs_of(d);
	if (sa->mask & SA_MODE) {
		a->mode = sa->mode & 07777;
		ino->mode = (ino->mode & S_IFMT) | a->mode;
	}
	if (sa->mask & SA_UID)
		a->uid = sa->uid;
	if (sa->mask & SA_GID)
		a->gid = sa->gid;
	if (sa->mask & SA_ATIME)
		a->atime = sa->atime;
	if (sa->mask & SA_MTIME)
		a->mtime = sa->mtime;
	if (sa->mask & SA_CTIME)
		a->ctime = sa->ctime;
	else
		now(&a->ctime);
	/* SA_SIZE: a device node has no data to truncate. */
	pthread_mutex_unlock(&d->fs->lock);
	return 0;
}

static int dp_open(struct inode *ino, struct file *f)
{
	struct dp_ino *d = DI(ino);
	if (d->kind == DP_ROOT) {
		f->ops = &devpts_dir_ops;
		f->priv = d;
		return 0;
	}
	dev_t rdev = d->kind == DP_PTMX ? makedev(5, 2) : makedev(PTS_MAJOR, d->index);
	return chardev_open(rdev, task_current(), f);
}

static int dp_statfs(struct inode *ino, struct statfs *st)
{
	memset(st, 0, sizeof(*st));
	st->f_type = DEVPTS_SUPER_MAGIC_NUMBER;
	st->f_bsize = 1024;
	st->f_frsize = 1024;
	st->f_namelen = 255;
	st->f_flags = ST_NOSUID | ST_NOEXEC;
	return 0;
}

static void dp_release(struct inode *ino)
{
	struct dp_ino *d = DI(ino);
	node_put(d->node);
	devpts_fs_put(d->fs);
	free(d);
}

static const struct inode_ops devpts_inode_ops = {
    .lookup = dp_lookup,
    .getattr = dp_getattr,
    .open = dp_open,
    .statfs = dp_statfs,
    .release = dp_release,
    .setattr = dp_setattr,
};

/* ".", "..", "ptmx", then the visible nodes by index (position 3 + index). */
static long dp_getdents(struct file *f, struct dir_emit *de)
{
	struct dp_ino *d = f->priv;
	struct devpts_fs *fs = d->fs;
	size_t used = 0;
	bool full = false;
	pthread_mutex_lock(&fs->lock);
	for (;;) {
		int64_t pos = f->pos;
		char name[16];
		uint64_t ino;
		unsigned char type = DT_CHR;
		if (pos < 3) {
			snprintf(name, sizeof(name), "%s",
				 pos == 0   ? "."
				 : pos == 1 ? ".."
					    : "ptmx");
			ino = pos < 2 ? ROOT_INO : PTMX_INO;
			type = pos < 2 ? DT_DIR : DT_CHR;
		} else {
			uint64_t i = (uint64_t)pos - 3;
			while (i < fs->cap && !(fs->nodes[i] && fs->nodes[i]->visible))
				i++;
			if (i >= fs->cap)
				break;
			pos = (int64_t)i + 3;
			snprintf(name, sizeof(name), "%u", (unsigned)i);
			ino = i + 3;
		}
		size_t reclen = (offsetof(struct dirent64, d_name) + strlen(name) + 1 + 7) & ~7UL;
		if (used + reclen > de->cap) {
			full = true;
			break;
		}
		struct dirent64 *e = (struct dirent64 *)(de->buf + used);
		memset(e, 0, reclen);
		e->d_ino = ino;
		e->d_off = pos + 1;
		e->d_reclen = (unsigned short)reclen;
		e->d_type = type;
		strcpy(e->d_name, name);
		used += reclen;
		f->pos = pos + 1;
	}
	pthread_mutex_unlock(&fs->lock);
	if (!used && full)
		return -EINVAL;
	de->used = used;
	return (long)used;
}

static int64_t dp_llseek(struct file *f, int64_t off, int whence)
{
	return -ENOSYS; /* the generic position: an index into the listing */
}

static const struct file_ops devpts_dir_ops = {
    .getdents = dp_getdents,
    .llseek = dp_llseek,
};

int devpts_mount(const struct devpts_opts *o, struct mount **out)
{
	static unsigned next_minor = 24; /* st_dev minors 24..31 (tmpfs and overlay: higher) */
	const struct devpts_opts defaults = {true, 5, 0620, 0000, 4096};
	struct devpts_fs *fs = calloc(1, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	fs->refs = 1; /* dropped by the root inode's release */
	pthread_mutex_init(&fs->lock, NULL);
	fs->o = o ? *o : defaults;
	fs->dev = makedev(0, __atomic_fetch_add(&next_minor, 1, __ATOMIC_RELAXED));
	now(&fs->root.ctime);
	fs->root.atime = fs->root.mtime = fs->root.ctime;
	fs->ptmx = fs->root;
	fs->root.mode = 0755;
	fs->ptmx.mode = fs->o.ptmxmode & 07777;
	struct inode *root = dp_inode(fs, DP_ROOT, 0, NULL);
	devpts_fs_put(fs); /* the root inode holds it now */
	if (!root)
		return -ENOMEM;
	return mount_from_root_inode(root, MS_NOSUID | MS_NOEXEC, out);
}

/* Linux's devpts_ptmx_path: the devpts root for a file at p, p's own filesystem when it is
 * devpts, else whatever is mounted on "pts" in p's directory. */
static int devpts_near(const struct path *p, struct path *out)
{
	if (!p->mnt || !p->dentry)
		return -ENODEV;
	if (inode_is_devpts(p->dentry->inode)) {
		out->mnt = p->mnt;
		out->dentry = p->mnt->root;
		path_get(out);
		return 0;
	}
	struct dentry *child;
	if (dentry_lookup(p->dentry->parent, "pts", &child) < 0)
		return -ENOENT;
	struct path q = {p->mnt, child};
	path_get(&q);
	dentry_put(child);
	follow_mounts(&q);
	struct inode *ino = q.dentry->inode;
	if (!inode_is_devpts(ino) || DI(ino)->kind != DP_ROOT) {
		path_put(&q);
		return -ENODEV;
	}
	*out = q;
	return 0;
}

/* The instance a ptmx file opens in, referenced. */
static int ptmx_fs(const struct file *f, struct devpts_fs **out)
{
	if (inode_is_devpts(f->inode)) {
		*out = DI(f->inode)->fs;
		devpts_fs_get(*out);
		return 0;
	}
	struct path root;
	int err = devpts_near(&f->path, &root);
	if (err < 0)
		return err;
	*out = DI(root.dentry->inode)->fs;
	devpts_fs_get(*out);
	path_put(&root);
	return 0;
}

/* Takes the lowest free index for a new node (not yet visible); -ENOSPC past max. */
static int take_index(struct devpts_fs *fs, struct pts_node *n, unsigned *out)
{
	int err = 0;
	pthread_mutex_lock(&fs->lock);
	unsigned i = 0;
	while (i < fs->cap && fs->nodes[i])
		i++;
	if (i >= fs->o.max) {
		err = -ENOSPC;
		goto out;
	}
	if (i == fs->cap) {
		unsigned ncap = fs->cap ? fs->cap * 2 : 16;
		struct pts_node **nn = realloc(fs->nodes, ncap * sizeof(*nn));
		if (!nn) {
			err = -ENOMEM;
			goto out;
		}
		memset(nn + fs->cap, 0, (ncap - fs->cap) * sizeof(*nn));
		fs->nodes = nn;
		fs->cap = ncap;
	}
	fs->nodes[i] = n;
	*out = i;
out:
	pthread_mutex_unlock(&fs->lock);
	return err;
}

int devpts_open_ptmx(struct task *t, struct file *f)
{
	struct devpts_fs *fs;
	unsigned idx;
	int err = ptmx_fs(f, &fs);
	if (err < 0)
		return err;
	struct pts_node *n = calloc(1, sizeof(*n));
	if (!n) {
		devpts_fs_put(fs);
		return -ENOMEM;
	}
	n->refs = 1; /* the table's */
	err = take_index(fs, n, &idx);
	if (err < 0) {
		free(n);
		devpts_fs_put(fs);
		return err;
	}
	struct tty *tty = NULL;
	err = pty_new(fs, idx, t ? t->sb : NULL, &tty);
	if (err == 0)
		err = pty_attach_master(tty, f);
	pthread_mutex_lock(&fs->lock);
	if (err == 0) {
		n->tty = tty; /* pty_new's reference */
		n->a.uid = t ? t->cred.fsuid : 0;
		n->a.gid = fs->o.setgid ? fs->o.gid : t ? t->cred.fsgid : 0;
		n->a.mode = fs->o.mode & 07777;
		now(&n->a.ctime);
		n->a.atime = n->a.mtime = n->a.ctime;
		n->visible = true;
	} else {
		fs->nodes[idx] = NULL;
	}
	pthread_mutex_unlock(&fs->lock);
	if (err < 0) {
		if (tty && n->tty != tty)
			tty_put(tty);
		free(n);
	}
	devpts_fs_put(fs);
	return err;
}

int devpts_open_pts(struct task *t, struct file *f, bool noctty)
{
	/* Linux finds a slave only through its devpts dentry: a mknod'ed 136:N is EIO. */
	if (!inode_is_devpts(f->inode) || DI(f->inode)->kind != DP_PTS)
		return -EIO;
	return pty_open_slave(DI(f->inode)->node->tty, t, f, noctty);
}

void devpts_pty_hide(struct devpts_fs *fs, unsigned index, const struct path *near)
{
	char name[16];
	struct path root;
	struct dentry *d;
	pthread_mutex_lock(&fs->lock);
	if (index < fs->cap && fs->nodes[index])
		fs->nodes[index]->visible = false;
	pthread_mutex_unlock(&fs->lock);
	/* Lookups now miss; a dentry cached before must go too. */
	if (devpts_near(near, &root) < 0)
		return;
	snprintf(name, sizeof(name), "%u", index);
	if (DI(root.dentry->inode)->fs == fs && dentry_lookup(root.dentry, name, &d) == 0) {
		dcache_unhash(d);
		dentry_put(d);
	}
	path_put(&root);
}

void devpts_pty_release(struct devpts_fs *fs, unsigned index)
{
	struct pts_node *n = NULL;
	pthread_mutex_lock(&fs->lock);
	if (index < fs->cap) {
		n = fs->nodes[index];
		fs->nodes[index] = NULL;
	}
	pthread_mutex_unlock(&fs->lock);
	node_put(n);
}

int devpts_open_peer(struct tty *tty, struct task *t, const struct file *master, int flags,
		     struct file **out)
{
	struct devpts_fs *fs = tty->fs;
	struct path root = {NULL, NULL}, p = {NULL, NULL};
	struct inode *ino = NULL;
	char name[16];
	int err;

	snprintf(name, sizeof(name), "%u", tty->index);
	if (master->path.dentry) {
		/* As Linux, through the devpts instance beside the master's path. */
		err = devpts_near(&master->path, &root);
		if (err == 0 && DI(root.dentry->inode)->fs != fs)
			err = -ENODEV;
		if (err == 0) {
			struct dentry *d;
			err = dentry_lookup(root.dentry, name, &d);
			if (err == 0) {
				p.mnt = root.mnt;
				p.dentry = d;
				path_get(&p);
				dentry_put(d);
				ino = d->inode;
				inode_get(ino);
			}
		}
		path_put(&root);
		if (err < 0)
			return err;
	} else {
		/* A master made without a path (unit tests): the node's inode alone. */
		struct pts_node *n = NULL;
		pthread_mutex_lock(&fs->lock);
		if (tty->index < fs->cap && fs->nodes[tty->index] &&
		    fs->nodes[tty->index]->visible) {
			n = fs->nodes[tty->index];
			__atomic_add_fetch(&n->refs, 1, __ATOMIC_RELAXED);
		}
		pthread_mutex_unlock(&fs->lock);
		if (!n)
			return -ENOENT;
		ino = dp_inode(fs, DP_PTS, tty->index, n);
		node_put(n);
		if (!ino)
			return -ENOMEM;
	}
	int fflags = flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
	struct file *f = file_new(NULL, fflags, NULL);
	if (!f) {
		path_put(&p);
		inode_put(ino);
		return -ENOMEM;
	}
	f->path = p;
	f->inode = ino;
	err = pty_open_slave(tty, t, f, flags & O_NOCTTY);
	if (err < 0) {
		file_put(f);
		return err;
	}
	*out = f;
	return 0;
}
