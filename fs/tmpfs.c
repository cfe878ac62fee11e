/*
 * tmpfs: directories, symlinks and special nodes in Sentry memory, regular file data in one
 * host memfd per file (created on the first write or allocation: an empty or truncated-up
 * file costs nothing).
 *
 * Objects. Every node is one struct inode for its whole life, with a struct tnode as its
 * priv. A directory entry holds a reference to its child's inode; lookup hands out more.
 * A node whose last name is gone lives on while a dentry or an open file references it. A
 * directory's ".." is a plain pointer (a parent cannot go while it has entries).
 *
 * Locking: one mutex per instance (fs->lock) guards every node of the instance: entries,
 * attributes, sizes, xattrs, and the data calls on the memfds (so a write's space check, the
 * pwrite and the size update are one step, and O_APPEND writes are atomic). It is a leaf
 * lock: nothing is taken under it. In particular inode_put(), whose release takes fs->lock,
 * is never called with it held: references to drop are dropped after unlocking. FIFO opens
 * (which may block) and device opens run unlocked.
 *
 * Space: size_limit counts the bytes the memfds have allocated (their st_blocks, which is
 * what the host charges) plus xattr bytes. A write that would allocate beyond the limit is
 * cut at the first page that does not fit (a short write, or ENOSPC if nothing fits), as
 * Linux's shmem does page by page. inode_limit counts as Linux does: one per node and one per
 * extra hard link.
 *
 * Directory positions: "." is 0, ".." 1, and each entry gets a cookie >= 2 from a counter of
 * its directory when it is added (a rename makes a new one). A listing resumes at the first
 * cookie >= its position, so removals never make it skip or repeat an entry; entries added
 * after a listing started (position 0) are left for the next one, so that a program renaming
 * what it lists always ends.
 */
#define _GNU_SOURCE
#include "fs/tmpfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "fs/chardev.h"
#include "fs/pipe.h"
#include "sentry/task.h"

#define TMPFS_PAGE	 4096
#define BOGO_DIRENT_SIZE 20 /* Linux's tmpfs directory size: 20 bytes per entry, "." and ".." */
#define MAX_FILE_SIZE	 INT64_MAX
#define TMPFS_XATTR_MAX	 65536 /* XATTR_SIZE_MAX */
#define TMPFS_XATTR_NAME 255   /* XATTR_NAME_MAX */
#define FIRST_COOKIE	 2
#define INITIAL_BUCKETS	 8

struct tmpfs {
	pthread_mutex_t lock;
	uint64_t size_limit;  /* 0: unlimited */
	uint64_t inode_limit; /* 0: unlimited */
	uint64_t used_bytes;  /* allocated file data and xattrs */
	uint64_t inodes_used; /* nodes, plus extra hard links */
	uint64_t live_nodes;  /* the instance goes with its last node */
	uint64_t next_ino;
	dev_t dev;
};

struct tentry {
	struct tentry *prev, *next; /* in cookie order */
	struct tentry *hnext;	    /* hash chain */
	uint64_t cookie;
	uint32_t hash;
	struct inode *inode; /* a reference */
	char name[];
};

struct tdir {
	struct tentry *head, *tail;
	struct tentry **buckets;
	size_t nbuckets, count;
	uint64_t next_cookie;
	struct tnode *parent; /* NULL for the root and for a removed directory */
};

struct txattr {
	struct txattr *next;
	size_t namelen, len;
	char data[]; /* the name, its NUL, the value */
};

struct tnode {
	struct tmpfs *fs;
	uint64_t ino;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	nlink_t nlink;
	dev_t rdev;
	int64_t size;
	struct timespec atime, mtime, ctime;
	struct txattr *xattrs;
	uint64_t xattr_bytes;
	int memfd;	/* regular files: -1 until data is written or allocated */
	uint64_t alloc; /* bytes the memfd holds (its st_blocks * 512) */
	struct tdir dir;
	char *target;	   /* symlinks */
	struct pipe *fifo; /* FIFOs */
	struct tnode *next_free;
};

/* What a directory's file description remembers: where the current listing stops. */
struct tdir_file {
	uint64_t end_cookie;
};

static const struct inode_ops tmpfs_inode_ops;
static const struct file_ops reg_file_ops;
static const struct file_ops dir_file_ops;

static uint64_t next_dev_minor = 64; /* st_dev minors of anonymous filesystems, as Linux's */

static struct tnode *N(const struct inode *ino)
{
	return ino->priv;
}

static void now(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
}

static int64_t page_down(int64_t x)
{
	return x & ~(int64_t)(TMPFS_PAGE - 1);
}

/* Rounds up to a page, saturating below INT64_MAX's page. */
static int64_t page_up(int64_t x)
{
	if (x > MAX_FILE_SIZE - (TMPFS_PAGE - 1))
		return page_down(MAX_FILE_SIZE);
	return page_down(x + TMPFS_PAGE - 1);
}

static int ts_cmp(const struct timespec *a, const struct timespec *b)
{
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec ? -1 : 1;
	return a->tv_nsec < b->tv_nsec ? -1 : a->tv_nsec > b->tv_nsec;
}

/* relatime, Linux's default: atime moves when it is not newer than mtime or ctime, or a day
 * old. */
static void touch_atime(struct tnode *n)
{
	struct timespec t;
	now(&t);
	if (ts_cmp(&n->atime, &n->mtime) <= 0 || ts_cmp(&n->atime, &n->ctime) <= 0 ||
	    t.tv_sec - n->atime.tv_sec >= 24 * 3600)
		n->atime = t;
}

static void touch_mc(struct tnode *n)
{
	now(&n->mtime);
	n->ctime = n->mtime;
}

/* --- directory entries (fs->lock held) --------------------------------------------------- */

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static struct tentry *dir_find(struct tnode *d, const char *name)
{
	if (!d->dir.nbuckets)
		return NULL;
	uint32_t h = name_hash(name);
	for (struct tentry *e = d->dir.buckets[h & (d->dir.nbuckets - 1)]; e; e = e->hnext)
		if (e->hash == h && strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

/* Doubles the bucket array when chains grow long. A failed allocation only keeps them long. */
static void dir_rehash(struct tnode *d)
{
	struct tdir *dd = &d->dir;
	size_t nb = dd->nbuckets ? dd->nbuckets * 2 : INITIAL_BUCKETS;
	struct tentry **b = calloc(nb, sizeof(*b));
	if (!b)
		return;
	for (struct tentry *e = dd->head; e; e = e->next) {
		e->hnext = b[e->hash & (nb - 1)];
		b[e->hash & (nb - 1)] = e;
	}
	free(dd->buckets);
	dd->buckets = b;
	dd->nbuckets = nb;
}

static struct tentry *entry_new(const char *name)
{
	size_t len = strlen(name);
	struct tentry *e = calloc(1, sizeof(*e) + len + 1);
	if (e) {
		memcpy(e->name, name, len + 1);
		e->hash = name_hash(name);
	}
	return e;
}

/* Makes sure d has buckets, so that a dir_insert cannot fail after the caller has changed
 * anything. */
static int dir_reserve(struct tnode *d)
{
	if (!d->dir.nbuckets)
		dir_rehash(d);
	return d->dir.nbuckets ? 0 : -ENOMEM;
}

/* Adds e (holding a reference to ino) at the end of d's listing; dir_reserve came first. */
static void dir_insert(struct tnode *d, struct tentry *e, struct inode *ino)
{
	struct tdir *dd = &d->dir;
	if (dd->count >= dd->nbuckets * 2)
		dir_rehash(d);
	e->inode = ino;
	e->cookie = dd->next_cookie++;
	e->hnext = dd->buckets[e->hash & (dd->nbuckets - 1)];
	dd->buckets[e->hash & (dd->nbuckets - 1)] = e;
	e->prev = dd->tail;
	e->next = NULL;
	if (dd->tail)
		dd->tail->next = e;
	else
		dd->head = e;
	dd->tail = e;
	dd->count++;
	d->size += BOGO_DIRENT_SIZE;
}

/* Takes e out of d; its inode reference passes to the caller. */
static void dir_remove(struct tnode *d, struct tentry *e)
{
	struct tdir *dd = &d->dir;
	struct tentry **pp = &dd->buckets[e->hash & (dd->nbuckets - 1)];
	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	if (e->prev)
		e->prev->next = e->next;
	else
		dd->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		dd->tail = e->prev;
	dd->count--;
	d->size -= BOGO_DIRENT_SIZE;
}

/* --- nodes --------------------------------------------------------------------------------- */

static struct tnode *node_alloc(struct tmpfs *fs, mode_t mode, const struct vfs_owner *who)
{
	struct tnode *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->fs = fs;
	n->mode = mode;
	n->uid = who->uid;
	n->gid = who->gid;
	n->nlink = S_ISDIR(mode) ? 2 : 1;
	n->memfd = -1;
	n->dir.next_cookie = FIRST_COOKIE;
	if (S_ISDIR(mode))
		n->size = 2 * BOGO_DIRENT_SIZE;
	now(&n->atime);
	n->mtime = n->ctime = n->atime;
	return n;
}

/* Frees what node_alloc and the type-specific setup made (a node never made live). */
static void node_discard(struct tnode *n)
{
	if (!n)
		return;
	fifo_free(n->fifo);
	free(n->target);
	free(n);
}

static void tmpfs_destroy(struct tmpfs *fs)
{
	pthread_mutex_destroy(&fs->lock);
	free(fs);
}

/* Frees a node whose inode is gone. Children are only queued (by inode_put reaching
 * tmpfs_release), so freeing a deep tree does not recurse. */
static void node_free(struct tnode *n)
{
	struct tmpfs *fs = n->fs;
	struct tentry *e = n->dir.head;
	pthread_mutex_lock(&fs->lock);
	for (struct tentry *c = e; c; c = c->next)
		if (S_ISDIR(N(c->inode)->mode))
			N(c->inode)->dir.parent = NULL;
	fs->used_bytes -= n->alloc + n->xattr_bytes;
	fs->inodes_used--;
	bool last = --fs->live_nodes == 0;
	pthread_mutex_unlock(&fs->lock);
	while (e) {
		struct tentry *next = e->next;
		inode_put(e->inode);
		free(e);
		e = next;
	}
	free(n->dir.buckets);
	for (struct txattr *x = n->xattrs, *nx; x; x = nx) {
		nx = x->next;
		free(x);
	}
	if (n->memfd >= 0)
		close(n->memfd);
	node_discard(n);
	if (last)
		tmpfs_destroy(fs);
}

static __thread struct tnode *release_queue;
static __thread bool releasing;

static void tmpfs_release(struct inode *ino)
{
	struct tnode *n = N(ino);
	n->next_free = release_queue;
	release_queue = n;
	if (releasing)
		return; /* an outer call on this thread frees it */
	releasing = true;
	while ((n = release_queue)) {
		release_queue = n->next_free;
		node_free(n);
	}
	releasing = false;
}

/* Makes n live as an inode of fs (fs->lock held): counted, numbered. */
static struct inode *node_publish(struct tnode *n)
{
	struct tmpfs *fs = n->fs;
	struct inode *ino = inode_new(&tmpfs_inode_ops, n->mode, n);
	if (!ino)
		return NULL;
	n->ino = fs->next_ino++;
	ino->ino = n->ino;
	ino->dev = fs->dev;
	fs->live_nodes++;
	fs->inodes_used++;
	return ino;
}

/* --- inode ops ------------------------------------------------------------------------------ */

static int tmpfs_lookup(struct inode *dir, const char *name, struct inode **out)
{
	struct tnode *d = N(dir);
	int err = -ENOENT;
	if (!S_ISDIR(d->mode))
		return -ENOTDIR;
	pthread_mutex_lock(&d->fs->lock);
	struct tentry *e = dir_find(d, name);
	if (e) {
		inode_get(e->inode);
		*out = e->inode;
		err = 0;
	}
	pthread_mutex_unlock(&d->fs->lock);
	return err;
}

static int tmpfs_getattr(struct inode *ino, struct stat *st)
{
	struct tnode *n = N(ino);
	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&n->fs->lock);
	st->st_dev = n->fs->dev;
	st->st_ino = n->ino;
	st->st_mode = n->mode;
	st->st_nlink = n->nlink;
	st->st_uid = n->uid;
	st->st_gid = n->gid;
	st->st_rdev = n->rdev;
	st->st_size = n->size;
	st->st_blksize = TMPFS_PAGE;
	st->st_blocks = (blkcnt_t)(n->alloc / 512);
	if (S_ISLNK(n->mode) && n->size >= 128)
		st->st_blocks = TMPFS_PAGE / 512; /* Linux keeps long targets in a page */
	st->st_atim = n->atime;
	st->st_mtim = n->mtime;
	st->st_ctim = n->ctime;
	pthread_mutex_unlock(&n->fs->lock);
	return 0;
}

static long tmpfs_readlink(struct inode *ino, char *buf, size_t cap)
{
	struct tnode *n = N(ino);
	if (!S_ISLNK(n->mode))
		return -EINVAL;
	/* The target never changes: no lock needed. */
	size_t len = (size_t)n->size;
	if (len > cap)
		len = cap;
	memcpy(buf, n->target, len);
	return (long)len;
}

static int tmpfs_open(struct inode *ino, struct file *f)
{
	struct tnode *n = N(ino);
	switch (n->mode & S_IFMT) {
	case S_IFREG:
		f->ops = &reg_file_ops;
		f->priv = n;
		return 0;
	case S_IFDIR: {
		struct tdir_file *df = calloc(1, sizeof(*df));
		if (!df)
			return -ENOMEM;
		pthread_mutex_lock(&n->fs->lock);
		df->end_cookie = n->dir.next_cookie;
		pthread_mutex_unlock(&n->fs->lock);
		f->ops = &dir_file_ops;
		f->priv = df;
		return 0;
	}
	case S_IFIFO:
		return fifo_open(n->fifo, f);
	case S_IFCHR:
		return chardev_open(n->rdev, task_current(), f);
	case S_IFLNK:
		return -ELOOP;
	default: /* block devices have no driver; a socket is reached by connect, not open */
		return -ENXIO;
	}
}

/* statfs for an unlimited instance: what the host's memory would allow. */
static uint64_t host_ram_pages(void)
{
	struct sysinfo si;
	if (sysinfo(&si) < 0)
		return 0;
	return (uint64_t)si.totalram * si.mem_unit / TMPFS_PAGE;
}

static int tmpfs_statfs(struct inode *ino, struct statfs *st)
{
	struct tmpfs *fs = N(ino)->fs;
	memset(st, 0, sizeof(*st));
	st->f_type = TMPFS_MAGIC_NUMBER;
	st->f_bsize = TMPFS_PAGE;
	st->f_frsize = TMPFS_PAGE;
	st->f_namelen = NAME_MAX;
	uint64_t ram = host_ram_pages();
	pthread_mutex_lock(&fs->lock);
	uint64_t blocks = fs->size_limit ? (fs->size_limit + TMPFS_PAGE - 1) / TMPFS_PAGE : ram;
	uint64_t used = (fs->used_bytes + TMPFS_PAGE - 1) / TMPFS_PAGE;
	/* Unlimited inodes: Linux's default for a tmpfs mounted without nr_inodes. */
	uint64_t files = fs->inode_limit ? fs->inode_limit : ram / 2;
	st->f_blocks = blocks;
	st->f_bfree = st->f_bavail = blocks > used ? blocks - used : 0;
	st->f_files = files;
	st->f_ffree = files > fs->inodes_used ? files - fs->inodes_used : 0;
	pthread_mutex_unlock(&fs->lock);
	return 0;
}

/* Checks that dir can take a new entry called name (fs->lock held). */
static int may_add(struct tnode *d, const char *name)
{
	if (!S_ISDIR(d->mode))
		return -ENOTDIR;
	if (!d->nlink)
		return -ENOENT; /* removed while someone was in it */
	if (dir_find(d, name))
		return -EEXIST;
	return 0;
}

static bool inodes_full(const struct tmpfs *fs)
{
	return fs->inode_limit && fs->inodes_used >= fs->inode_limit;
}

/* Links the prepared node n into dir as name; returns its inode referenced in *out. */
static int add_node(struct inode *dir, const char *name, struct tnode *n, struct inode **out)
{
	struct tnode *d = N(dir);
	struct tmpfs *fs = d->fs;
	struct tentry *e = entry_new(name);
	struct inode *ino = NULL;
	int err = e ? 0 : -ENOMEM;
	pthread_mutex_lock(&fs->lock);
	if (err == 0)
		err = may_add(d, name);
	if (err == 0 && inodes_full(fs))
		err = -ENOSPC;
	if (err == 0)
		err = dir_reserve(d);
	if (err == 0 && !(ino = node_publish(n)))
		err = -ENOMEM;
	if (err == 0) {
		dir_insert(d, e, ino);
		e = NULL;
		inode_get(ino); /* the caller's; the entry keeps the first */
		if (S_ISDIR(n->mode)) {
			n->dir.parent = d;
			d->nlink++;
		}
		touch_mc(d);
	}
	pthread_mutex_unlock(&fs->lock);
	free(e);
	if (err < 0) {
		node_discard(n);
		return err;
	}
	*out = ino;
	return 0;
}

static int tmpfs_create(struct inode *dir, const char *name, mode_t mode, dev_t rdev,
			const struct vfs_owner *who, struct inode **out)
{
	struct tnode *n;
	switch (mode & S_IFMT) {
	case S_IFREG:
	case S_IFDIR:
	case S_IFIFO:
	case S_IFSOCK:
	case S_IFCHR:
	case S_IFBLK:
		break;
	default:
		return -EINVAL;
	}
	n = node_alloc(N(dir)->fs, (mode & S_IFMT) | (mode & 07777), who);
	if (!n)
		return -ENOMEM;
	if (S_ISCHR(mode) || S_ISBLK(mode))
		n->rdev = rdev;
	if (S_ISFIFO(mode) && !(n->fifo = fifo_new())) {
		node_discard(n);
		return -ENOMEM;
	}
	return add_node(dir, name, n, out);
}

static int tmpfs_symlink(struct inode *dir, const char *name, const char *target,
			 const struct vfs_owner *who, struct inode **out)
{
	size_t len = strlen(target);
	if (!len)
		return -ENOENT;
	if (len >= PATH_MAX)
		return -ENAMETOOLONG;
	struct tnode *n = node_alloc(N(dir)->fs, S_IFLNK | 0777, who);
	if (!n)
		return -ENOMEM;
	n->target = strdup(target);
	if (!n->target) {
		node_discard(n);
		return -ENOMEM;
	}
	n->size = (int64_t)len;
	return add_node(dir, name, n, out);
}

static int tmpfs_link(struct inode *dir, const char *name, struct inode *target)
{
	struct tnode *d = N(dir);
	struct tmpfs *fs = d->fs;
	if (target->ops != &tmpfs_inode_ops || N(target)->fs != fs)
		return -EXDEV;
	struct tnode *t = N(target);
	if (S_ISDIR(t->mode))
		return -EPERM;
	struct tentry *e = entry_new(name);
	if (!e)
		return -ENOMEM;
	pthread_mutex_lock(&fs->lock);
	int err = may_add(d, name);
	if (err == 0 && !t->nlink)
		err = -ENOENT; /* an unlinked file gets no new name */
	if (err == 0 && inodes_full(fs))
		err = -ENOSPC;
	if (err == 0)
		err = dir_reserve(d);
	if (err == 0) {
		dir_insert(d, e, target);
		e = NULL;
		inode_get(target);
		t->nlink++;
		fs->inodes_used++;
		now(&t->ctime);
		touch_mc(d);
	}
	pthread_mutex_unlock(&fs->lock);
	free(e);
	return err;
}

/* The victim of an unlink, rmdir or replacing rename loses a name (fs->lock held). */
static void drop_name(struct tnode *d, struct tnode *v)
{
	if (S_ISDIR(v->mode)) {
		v->nlink = 0;
		v->dir.parent = NULL;
		d->nlink--;
	} else {
		if (v->nlink > 1)
			v->fs->inodes_used--; /* the extra link's count */
		v->nlink--;
	}
	now(&v->ctime);
}

/* unlink and rmdir. The entry found decides, whatever the caller took for the victim. */
static int remove_entry(struct inode *dir, const char *name, bool want_dir)
{
	struct tnode *d = N(dir);
	struct tmpfs *fs = d->fs;
	struct tentry *e;
	int err = 0;
	if (!S_ISDIR(d->mode))
		return -ENOTDIR;
	pthread_mutex_lock(&fs->lock);
	e = dir_find(d, name);
	if (!e) {
		err = -ENOENT;
		goto out;
	}
	struct tnode *v = N(e->inode);
	if (want_dir && !S_ISDIR(v->mode))
		err = -ENOTDIR;
	else if (!want_dir && S_ISDIR(v->mode))
		err = -EISDIR;
	else if (want_dir && v->dir.count)
		err = -ENOTEMPTY;
	if (err < 0)
		goto out;
	dir_remove(d, e);
	drop_name(d, v);
	touch_mc(d);
out:
	pthread_mutex_unlock(&fs->lock);
	if (err < 0)
		return err;
	inode_put(e->inode);
	free(e);
	return 0;
}

static int tmpfs_unlink(struct inode *dir, const char *name, struct inode *victim)
{
	(void)victim;
	return remove_entry(dir, name, false);
}

static int tmpfs_rmdir(struct inode *dir, const char *name, struct inode *victim)
{
	(void)victim;
	return remove_entry(dir, name, true);
}

/* RENAME_EXCHANGE (fs->lock held): the two entries swap inodes and keep their places. */
static void exchange(struct tnode *od, struct tentry *oe, struct tnode *nd, struct tentry *ne)
{
	struct tnode *a = N(oe->inode), *b = N(ne->inode);
	struct inode *tmp = oe->inode;
	oe->inode = ne->inode;
	ne->inode = tmp;
	if (od != nd && S_ISDIR(a->mode) != S_ISDIR(b->mode)) {
		struct tnode *gains = S_ISDIR(a->mode) ? nd : od, *loses = gains == nd ? od : nd;
		gains->nlink++;
		loses->nlink--;
	}
	if (S_ISDIR(a->mode))
		a->dir.parent = nd;
	if (S_ISDIR(b->mode))
		b->dir.parent = od;
	now(&a->ctime);
	b->ctime = a->ctime;
	touch_mc(od);
	touch_mc(nd);
}

static int tmpfs_rename(struct inode *odir, const char *oname, struct inode *ndir,
			const char *nname, unsigned flags)
{
	struct tnode *od = N(odir);
	struct tmpfs *fs = od->fs;
	struct inode *victim = NULL;
	struct tentry *fresh = NULL, *gone = NULL;
	int err = 0;
	if (flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL;
	if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE))
		return -EINVAL;
	if (ndir->ops != &tmpfs_inode_ops || N(ndir)->fs != fs)
		return -EXDEV;
	struct tnode *nd = N(ndir);
	if (!S_ISDIR(od->mode) || !S_ISDIR(nd->mode))
		return -ENOTDIR;
	if (!(flags & RENAME_EXCHANGE) && !(fresh = entry_new(nname)))
		return -ENOMEM;

	pthread_mutex_lock(&fs->lock);
	struct tentry *oe = dir_find(od, oname), *ne = dir_find(nd, nname);
	if (!oe || !nd->nlink) {
		err = -ENOENT;
		goto out;
	}
	struct tnode *src = N(oe->inode);
	if (flags & RENAME_EXCHANGE) {
		if (!ne)
			err = -ENOENT;
		else if (ne != oe)
			exchange(od, oe, nd, ne);
		goto out;
	}
	if (ne) {
		struct tnode *dst = N(ne->inode);
		if (ne->inode == oe->inode)
			goto out; /* two names of one inode (or one name): Linux does nothing */
		if (flags & RENAME_NOREPLACE)
			err = -EEXIST;
		else if (S_ISDIR(src->mode) && !S_ISDIR(dst->mode))
			err = -ENOTDIR;
		else if (!S_ISDIR(src->mode) && S_ISDIR(dst->mode))
			err = -EISDIR;
		else if (S_ISDIR(dst->mode) && dst->dir.count)
			err = -ENOTEMPTY;
		if (err < 0)
			goto out;
	}
	err = dir_reserve(nd);
	if (err < 0)
		goto out;
	if (ne) {
		dir_remove(nd, ne);
		drop_name(nd, N(ne->inode));
		victim = ne->inode;
		gone = ne;
	}
	dir_insert(nd, fresh, oe->inode);
	fresh = NULL;
	dir_remove(od, oe);
	if (S_ISDIR(src->mode) && od != nd) {
		od->nlink--;
		nd->nlink++;
		src->dir.parent = nd;
	}
	now(&src->ctime);
	touch_mc(od);
	touch_mc(nd);
	free(oe);
out:
	pthread_mutex_unlock(&fs->lock);
	free(fresh);
	if (victim) {
		inode_put(victim);
		free(gone);
	}
	return err;
}

/* --- regular file data (fs->lock held) ---------------------------------------------------- */

static int ensure_memfd(struct tnode *n)
{
	if (n->memfd >= 0)
		return 0;
	int fd = memfd_create("cvisor-tmpfs", MFD_CLOEXEC);
	if (fd < 0)
		/* Out of host descriptors is, for the guest, a filesystem without room. */
		return errno == EMFILE || errno == ENFILE ? -ENOSPC : -errno;
	if (n->size && ftruncate(fd, n->size) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	n->memfd = fd;
	return 0;
}

/* Takes the memfd's allocation as it is now into the node's and the instance's counts. */
static void refresh_alloc(struct tnode *n)
{
	struct stat st;
	if (n->memfd < 0 || fstat(n->memfd, &st) < 0)
		return;
	uint64_t bytes = (uint64_t)st.st_blocks * 512;
	n->fs->used_bytes = n->fs->used_bytes - n->alloc + bytes;
	n->alloc = bytes;
}

/* How far from start towards end data can go while new pages take at most budget bytes:
 * returns end, or the start of the first page that does not fit (pages the memfd already
 * has cost nothing). */
static int64_t fit_end(struct tnode *n, int64_t start, int64_t end, uint64_t budget)
{
	int64_t pos = page_down(start), stop = page_up(end);
	budget &= ~(uint64_t)(TMPFS_PAGE - 1);
	while (pos < stop) {
		int64_t data = n->memfd >= 0 ? lseek(n->memfd, pos, SEEK_DATA) : -1;
		if (data < 0 || data > stop)
			data = stop; /* no data up to there: a hole */
		if ((uint64_t)(data - pos) > budget) {
			int64_t cut = pos + (int64_t)budget;
			return cut < end ? cut : end;
		}
		budget -= (uint64_t)(data - pos);
		if (data >= stop)
			break;
		int64_t hole = lseek(n->memfd, data, SEEK_HOLE);
		pos = hole < 0 ? stop : page_up(hole);
	}
	return end;
}

/* Where [start, end) must stop for the size limit (end when it all fits). */
static int64_t limit_end(struct tnode *n, int64_t start, int64_t end)
{
	struct tmpfs *fs = n->fs;
	if (!fs->size_limit)
		return end;
	uint64_t worst = (uint64_t)(page_up(end) - page_down(start));
	if (fs->used_bytes + worst <= fs->size_limit)
		return end;
	uint64_t budget = fs->size_limit > fs->used_bytes ? fs->size_limit - fs->used_bytes : 0;
	return fit_end(n, start, end, budget);
}

/* --- setattr and xattrs --------------------------------------------------------------------- */

static void set_time(struct timespec *dst, const struct timespec *v, const struct timespec *t)
{
	if (v->tv_nsec == UTIME_OMIT)
		return;
	*dst = v->tv_nsec == UTIME_NOW ? *t : *v;
}

/*
 * Fields are applied as given. ctime becomes now (or sa->ctime) on any change; a size that
 * changes also sets mtime, as Linux's shmem_setattr. A size change the caller wants stamped
 * even when equal (ftruncate) passes SA_MTIME too.
 */
static int tmpfs_setattr(struct inode *ino, const struct vfs_setattr *sa)
{
	struct tnode *n = N(ino);
	struct tmpfs *fs = n->fs;
	struct timespec t;
	bool changed = sa->mask & (SA_MODE | SA_UID | SA_GID | SA_ATIME | SA_MTIME | SA_CTIME);
	int err = 0;
	now(&t);
	pthread_mutex_lock(&fs->lock);
	if ((sa->mask & SA_SIZE) && sa->size != n->size) {
		if (S_ISDIR(n->mode))
			err = -EISDIR;
		else if (!S_ISREG(n->mode) || sa->size < 0)
			err = -EINVAL;
		else if (n->memfd >= 0 && ftruncate(n->memfd, sa->size) < 0)
			err = errno == EFBIG ? -EFBIG : -errno;
		if (err < 0)
			goto out;
		n->size = sa->size;
		refresh_alloc(n);
		n->mtime = t;
		changed = true;
	}
	if (sa->mask & SA_MODE) {
		n->mode = (n->mode & S_IFMT) | (sa->mode & 07777);
		ino->mode = n->mode;
	}
	if (sa->mask & SA_UID)
		n->uid = sa->uid;
	if (sa->mask & SA_GID)
		n->gid = sa->gid;
	if (sa->mask & SA_ATIME)
		set_time(&n->atime, &sa->atime, &t);
	if (sa->mask & SA_MTIME)
		set_time(&n->mtime, &sa->mtime, &t);
	if (sa->mask & SA_CTIME)
		set_time(&n->ctime, &sa->ctime, &t);
	else if (changed)
		n->ctime = t;
out:
	pthread_mutex_unlock(&fs->lock);
	return err;
}

/* Linux's rules for a name: a known namespace (else EOPNOTSUPP), something after the prefix,
 * at most XATTR_NAME_MAX bytes; user.* only on regular files and directories (elsewhere
 * reads find nothing and writes are refused, as xattr_permission). */
static int xattr_check(const struct tnode *n, const char *name, bool write)
{
	size_t plen;
	if (strncmp(name, "user.", 5) == 0)
		plen = 5;
	else if (strncmp(name, "trusted.", 8) == 0)
		plen = 8;
	else
		return -EOPNOTSUPP;
	if (!name[plen])
		return -EINVAL;
	if (strlen(name) > TMPFS_XATTR_NAME)
		return -ERANGE;
	if (plen == 5 && !S_ISREG(n->mode) && !S_ISDIR(n->mode))
		return write ? -EPERM : -ENODATA;
	return 0;
}

static uint64_t xattr_cost(const struct txattr *x)
{
	return x->namelen + 1 + x->len;
}

static struct txattr **xattr_find(struct tnode *n, const char *name)
{
	struct txattr **pp = &n->xattrs;
	while (*pp && strcmp((*pp)->data, name) != 0)
		pp = &(*pp)->next;
	return pp;
}

static long tmpfs_getxattr(struct inode *ino, const char *name, void *buf, size_t cap)
{
	struct tnode *n = N(ino);
	long r = xattr_check(n, name, false);
	if (r < 0)
		return r;
	pthread_mutex_lock(&n->fs->lock);
	struct txattr *x = *xattr_find(n, name);
	if (!x)
		r = -ENODATA;
	else if (cap && cap < x->len)
		r = -ERANGE;
	else {
		if (cap)
			memcpy(buf, x->data + x->namelen + 1, x->len);
		r = (long)x->len;
	}
	pthread_mutex_unlock(&n->fs->lock);
	return r;
}

static int tmpfs_setxattr(struct inode *ino, const char *name, const void *val, size_t len,
			  int flags)
{
	struct tnode *n = N(ino);
	struct tmpfs *fs = n->fs;
	int err = xattr_check(n, name, true);
	if (err < 0)
		return err;
	if (flags & ~(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	if (len > TMPFS_XATTR_MAX)
		return -E2BIG;
	size_t namelen = strlen(name);
	struct txattr *x = malloc(sizeof(*x) + namelen + 1 + len);
	if (!x)
		return -ENOMEM;
	x->namelen = namelen;
	x->len = len;
	memcpy(x->data, name, namelen + 1);
	if (len)
		memcpy(x->data + namelen + 1, val, len);
	pthread_mutex_lock(&fs->lock);
	struct txattr **pp = xattr_find(n, name), *old = *pp;
	uint64_t freed = old ? xattr_cost(old) : 0;
	if (old && (flags & XATTR_CREATE))
		err = -EEXIST;
	else if (!old && (flags & XATTR_REPLACE))
		err = -ENODATA;
	else if (fs->size_limit && fs->used_bytes - freed + xattr_cost(x) > fs->size_limit)
		err = -ENOSPC;
	if (err == 0) {
		/* In old's place, so a listing keeps its order. */
		x->next = old ? old->next : NULL;
		*pp = x;
		x = old;
		fs->used_bytes = fs->used_bytes - freed + xattr_cost(*pp);
		n->xattr_bytes = n->xattr_bytes - freed + xattr_cost(*pp);
		now(&n->ctime);
	}
	pthread_mutex_unlock(&fs->lock);
	free(x);
	return err;
}

static long tmpfs_listxattr(struct inode *ino, char *buf, size_t cap)
{
	struct tnode *n = N(ino);
	size_t need = 0;
	long r;
	pthread_mutex_lock(&n->fs->lock);
	for (struct txattr *x = n->xattrs; x; x = x->next)
		need += x->namelen + 1;
	if (!cap) {
		r = (long)need;
	} else if (cap < need) {
		r = -ERANGE;
	} else {
		size_t used = 0;
		for (struct txattr *x = n->xattrs; x; x = x->next) {
			memcpy(buf + used, x->data, x->namelen + 1);
			used += x->namelen + 1;
		}
		r = (long)used;
	}
	pthread_mutex_unlock(&n->fs->lock);
	return r;
}

static int tmpfs_removexattr(struct inode *ino, const char *name)
{
	struct tnode *n = N(ino);
	struct txattr *x;
	int err = xattr_check(n, name, true);
	if (err < 0)
		return err;
	pthread_mutex_lock(&n->fs->lock);
	struct txattr **pp = xattr_find(n, name);
	x = *pp;
	if (!x) {
		err = -ENODATA;
	} else {
		*pp = x->next;
		n->fs->used_bytes -= xattr_cost(x);
		n->xattr_bytes -= xattr_cost(x);
		now(&n->ctime);
	}
	pthread_mutex_unlock(&n->fs->lock);
	free(x);
	return err;
}

static const struct inode_ops tmpfs_inode_ops = {
    .lookup = tmpfs_lookup,
    .getattr = tmpfs_getattr,
    .readlink = tmpfs_readlink,
    .open = tmpfs_open,
    .statfs = tmpfs_statfs,
    .release = tmpfs_release,
    .create = tmpfs_create,
    .symlink = tmpfs_symlink,
    .link = tmpfs_link,
    .unlink = tmpfs_unlink,
    .rmdir = tmpfs_rmdir,
    .rename = tmpfs_rename,
    .setattr = tmpfs_setattr,
    .getxattr = tmpfs_getxattr,
    .setxattr = tmpfs_setxattr,
    .listxattr = tmpfs_listxattr,
    .removexattr = tmpfs_removexattr,
};

/* --- regular files -------------------------------------------------------------------------- */

static long reg_read(struct file *f, void *buf, size_t len, int64_t *off)
{
	struct tnode *n = f->priv;
	long r = 0;
	if (!len)
		return 0;
	pthread_mutex_lock(&n->fs->lock);
	int64_t pos = *off;
	if (pos < 0) {
		r = -EINVAL;
		goto out;
	}
	if (pos < n->size) {
		size_t want = (uint64_t)(n->size - pos) < len ? (size_t)(n->size - pos) : len;
		if (want > LONG_MAX)
			want = LONG_MAX;
		if (n->memfd < 0) {
			memset(buf, 0, want); /* never written: all hole */
			r = (long)want;
		} else {
			while ((size_t)r < want) {
				ssize_t got =
				    pread(n->memfd, (char *)buf + r, want - (size_t)r, pos + r);
				if (got <= 0) {
					if (got < 0 && !r)
						r = -errno;
					break;
				}
				r += got;
			}
		}
		if (r > 0)
			*off = pos + r;
	}
	if (r >= 0 && !(f->flags & O_NOATIME))
		touch_atime(n);
out:
	pthread_mutex_unlock(&n->fs->lock);
	return r;
}

static long reg_write(struct file *f, const void *buf, size_t len, int64_t *off)
{
	struct tnode *n = f->priv;
	long r = 0;
	if (!len)
		return 0;
	pthread_mutex_lock(&n->fs->lock);
	/* O_APPEND: the end of the file as of now, under the lock every writer takes. */
	int64_t pos = (__atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_APPEND) ? n->size : *off;
	if (pos < 0) {
		r = -EINVAL;
		goto out;
	}
	if (pos == MAX_FILE_SIZE) {
		r = -EFBIG;
		goto out;
	}
	if (len > (uint64_t)(MAX_FILE_SIZE - pos))
		len = (size_t)(MAX_FILE_SIZE - pos);
	if (len > LONG_MAX)
		len = LONG_MAX;
	int64_t end = limit_end(n, pos, pos + (int64_t)len);
	if (end <= pos) {
		r = -ENOSPC;
		goto out;
	}
	r = ensure_memfd(n);
	if (r < 0)
		goto out;
	while (r < end - pos) {
		ssize_t put =
		    pwrite(n->memfd, (const char *)buf + r, (size_t)(end - pos - r), pos + r);
		if (put <= 0) {
			if (put < 0 && !r)
				r = -errno;
			break;
		}
		r += put;
	}
	if (r > 0) {
		if (pos + r > n->size)
			n->size = pos + r;
		touch_mc(n);
		*off = pos + r;
	}
	refresh_alloc(n);
out:
	pthread_mutex_unlock(&n->fs->lock);
	return r;
}

static int64_t reg_llseek(struct file *f, int64_t off, int whence)
{
	struct tnode *n = f->priv;
	int64_t r, base = 0;
	pthread_mutex_lock(&n->fs->lock);
	switch (whence) {
	case SEEK_SET:
		break;
	case SEEK_CUR:
		base = f->pos; /* the caller holds f->pos_lock */
		break;
	case SEEK_END:
		base = n->size;
		break;
	case SEEK_DATA:
	case SEEK_HOLE:
		/* Linux's shmem: ENXIO before 0 and at or past the end, else the host's answer on
		 * the memfd (whose size is ours); with no memfd the file is all hole. */
		if (off < 0 || off >= n->size)
			r = -ENXIO;
		else if (n->memfd >= 0 && (r = lseek(n->memfd, off, whence)) < 0)
			r = -errno;
		else if (n->memfd < 0)
			r = whence == SEEK_HOLE ? off : -ENXIO;
		goto out;
	default:
		r = -EINVAL;
		goto out;
	}
	if ((off > 0 && base > MAX_FILE_SIZE - off) || base + off < 0)
		r = -EINVAL;
	else
		r = base + off;
out:
	pthread_mutex_unlock(&n->fs->lock);
	return r;
}

static int tmpfs_fstat(struct file *f, struct stat *st)
{
	return tmpfs_getattr(f->inode, st);
}

static int reg_fallocate(struct file *f, int mode, int64_t off, int64_t len)
{
	struct tnode *n = f->priv;
	int err = 0;
	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE))
		return -EOPNOTSUPP;
	if ((mode & FALLOC_FL_PUNCH_HOLE) && !(mode & FALLOC_FL_KEEP_SIZE))
		return -EOPNOTSUPP;
	if (off < 0 || len <= 0)
		return -EINVAL;
	if (off > MAX_FILE_SIZE - len)
		return -EFBIG;
	pthread_mutex_lock(&n->fs->lock);
	if (mode & FALLOC_FL_PUNCH_HOLE) {
		if (n->memfd >= 0 && fallocate(n->memfd, mode, off, len) < 0)
			err = -errno;
	} else {
		/* All or nothing, as Linux's shmem_fallocate. */
		if (limit_end(n, off, off + len) < off + len)
			err = -ENOSPC;
		if (err == 0)
			err = ensure_memfd(n);
		if (err == 0 && fallocate(n->memfd, mode, off, len) < 0)
			err = -errno;
		if (err == 0 && !(mode & FALLOC_FL_KEEP_SIZE) && off + len > n->size)
			n->size = off + len;
	}
	refresh_alloc(n);
	if (err == 0)
		touch_mc(n);
	pthread_mutex_unlock(&n->fs->lock);
	return err;
}

/* The memfd itself, made now if the file has had no data yet: a shared mapping's pages are
 * the memfd's, so mapped stores and read/write see each other. (Stores through a mapping
 * allocate pages the size limit learns of at the next write or allocation.) */
static int reg_host_fd(struct file *f)
{
	struct tnode *n = f->priv;
	pthread_mutex_lock(&n->fs->lock);
	int err = ensure_memfd(n);
	int fd = n->memfd;
	pthread_mutex_unlock(&n->fs->lock);
	return err < 0 ? err : fd;
}

static const struct file_ops reg_file_ops = {
    .host_fd = reg_host_fd,
    .read = reg_read,
    .write = reg_write,
    .llseek = reg_llseek,
    .fstat = tmpfs_fstat,
    .fallocate = reg_fallocate,
};

/* --- directories ---------------------------------------------------------------------------- */

static long dir_read(struct file *f, void *buf, size_t len, int64_t *off)
{
	return -EISDIR;
}

static unsigned char dtype_of(mode_t m)
{
	return (unsigned char)IFTODT(m);
}

/* Appends one linux_dirent64 record; false when it does not fit. */
static bool emit(struct dir_emit *de, uint64_t ino, int64_t next, unsigned char type,
		 const char *name)
{
	size_t len = strlen(name);
	size_t reclen = (offsetof(struct dirent64, d_name) + len + 1 + 7) & ~(size_t)7;
	if (de->used + reclen > de->cap)
		return false;
	struct dirent64 *d = (struct dirent64 *)(de->buf + de->used);
	memset(d, 0, reclen);
	d->d_ino = ino;
	d->d_off = next;
	d->d_reclen = (unsigned short)reclen;
	d->d_type = type;
	memcpy(d->d_name, name, len + 1);
	de->used += reclen;
	return true;
}

static long dir_getdents(struct file *f, struct dir_emit *de)
{
	struct tnode *n = N(f->inode);
	struct tdir_file *df = f->priv;
	long r = 0;
	bool full = false;
	de->used = 0;
	pthread_mutex_lock(&n->fs->lock);
	if (!n->nlink) {
		r = -ENOENT; /* a removed directory lists nothing, as Linux's IS_DEADDIR */
		goto out;
	}
	int64_t pos = f->pos;
	if (pos <= 0)
		df->end_cookie = n->dir.next_cookie; /* a new listing */
	if (pos <= 0) {
		if (!(full = !emit(de, n->ino, 1, DT_DIR, ".")))
			pos = 1;
	}
	if (!full && pos == 1) {
		uint64_t up = n->dir.parent ? n->dir.parent->ino : n->ino;
		if (!(full = !emit(de, up, FIRST_COOKIE, DT_DIR, "..")))
			pos = FIRST_COOKIE;
	}
	if (!full) {
		struct tentry *e = n->dir.head;
		while (e && e->cookie < (uint64_t)pos)
			e = e->next;
		for (; e && e->cookie < df->end_cookie; e = e->next) {
			struct inode *c = e->inode;
			if (!emit(de, c->ino, (int64_t)e->cookie + 1, dtype_of(N(c)->mode),
				  e->name)) {
				full = true;
				break;
			}
			pos = (int64_t)e->cookie + 1;
		}
	}
	f->pos = pos;
	r = (long)de->used;
	if (!r && full)
		r = -EINVAL; /* not even one record fits */
	touch_atime(n);
out:
	pthread_mutex_unlock(&n->fs->lock);
	return r;
}

/* Positions are cookies: SEEK_SET and SEEK_CUR only, never negative. */
static int64_t dir_llseek(struct file *f, int64_t off, int whence)
{
	switch (whence) {
	case SEEK_SET:
		break;
	case SEEK_CUR:
		if ((off > 0 && f->pos > INT64_MAX - off) || f->pos + off < 0)
			return -EINVAL;
		off += f->pos;
		break;
	default:
		return -EINVAL;
	}
	return off < 0 ? -EINVAL : off;
}

static void dir_release(struct file *f)
{
	free(f->priv);
}

static const struct file_ops dir_file_ops = {
    .read = dir_read,
    .getdents = dir_getdents,
    .llseek = dir_llseek,
    .fstat = tmpfs_fstat,
    .release = dir_release,
};

/* --- instances ------------------------------------------------------------------------------ */

int tmpfs_new(const struct tmpfs_opts *o, struct inode **root)
{
	struct tmpfs *fs = calloc(1, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	pthread_mutex_init(&fs->lock, NULL);
	fs->size_limit = o->size_limit;
	fs->inode_limit = o->inode_limit;
	fs->next_ino = 1;
	fs->dev = makedev(0, (unsigned)__atomic_fetch_add(&next_dev_minor, 1, __ATOMIC_RELAXED));
	struct vfs_owner who = {o->uid, o->gid};
	struct tnode *n = node_alloc(fs, S_IFDIR | (o->root_mode & 07777), &who);
	struct inode *ino = NULL;
	if (n) {
		pthread_mutex_lock(&fs->lock);
		ino = node_publish(n);
		pthread_mutex_unlock(&fs->lock);
	}
	if (!ino) {
		node_discard(n);
		tmpfs_destroy(fs);
		return -ENOMEM;
	}
	*root = ino;
	return 0;
}

int tmpfs_mount(const struct tmpfs_opts *o, unsigned mnt_flags, struct mount **out)
{
	struct inode *root;
	int err = tmpfs_new(o, &root);
	if (err < 0)
		return err;
	return mount_from_root_inode(root, mnt_flags, out);
}

bool inode_is_tmpfs(const struct inode *ino)
{
	return ino && ino->ops == &tmpfs_inode_ops;
}
