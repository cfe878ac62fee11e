/*
 * overlay: a read-only lower tree (the host's root through hostfs, or a bundle's rootfs) under
 * a writable upper tree (a tmpfs), merged the way Linux's overlayfs merges them:
 *
 *  - a name is looked up in the upper directory first; an upper directory that is not opaque
 *    is merged with the lower directory of the same name;
 *  - removing a name that exists below leaves a whiteout in the upper directory: a character
 *    device 0:0, which hides the lower name;
 *  - a directory created where a whiteout was is opaque (xattr trusted.overlay.opaque = "y"):
 *    nothing below shows through it;
 *  - the first change to a lower file or directory copies it up: its parents first, then the
 *    node itself with its data, mode, owner and times.
 *
 * Renaming a directory that has lower content copies its whole subtree up and makes it opaque
 * (Linux answers EXDEV unless redirect_dir is on; a deep copy keeps rename(2) working for every
 * program at a cost proportional to the tree, which is what `mv` would pay anyway).
 *
 * Every overlay inode remembers its parent and name (for copy-up). The tree's structure is
 * changed only under the VFS's namespace lock; this file's own lock serializes copy-ups.
 * st_dev is the overlay's own; st_ino the lower file's when there is one (so it does not change
 * when the file is copied up), else the upper file's with bit 63 set.
 */
#define _GNU_SOURCE
#include "fs/overlay.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#define OVL_MAGIC      0x794c7630
#define OPAQUE_XATTR   "trusted.overlay.opaque"
#define PRIVATE_XATTRS "trusted.overlay."
#define COPY_CHUNK     (256 * 1024)
#define UPPER_INO_FLAG (1ULL << 63)

struct ovl_fs {
	pthread_mutex_t lock; /* copy-up; recursive: copying a file up copies its parents */
	dev_t dev;
};

struct ovl_inode {
	struct ovl_fs *fs;
	struct inode *upper;  /* NULL until copied up (or created) */
	struct inode *lower;  /* NULL when the node exists only above */
	struct inode *parent; /* the overlay directory it was found in (NULL: the root) */
	char *name;
	bool opaque;
};

static const struct inode_ops ovl_inode_ops;
static const struct file_ops ovl_file_ops;
static const struct file_ops ovl_dir_ops;

static struct ovl_inode *OI(struct inode *ino)
{
	return ino->priv;
}

static struct inode *real_inode(struct inode *ino)
{
	return OI(ino)->upper ? OI(ino)->upper : OI(ino)->lower;
}

/* ---- helpers over the layers' own inode operations ------------------------------------ */

static int layer_lookup(struct inode *dir, const char *name, struct inode **out)
{
	if (!dir || !S_ISDIR(dir->mode) || !dir->ops->lookup)
		return -ENOENT;
	return dir->ops->lookup(dir, name, out);
}

static bool is_whiteout(struct inode *ino)
{
	struct stat st;
	if (!S_ISCHR(ino->mode) || vfs_getattr(ino, &st) < 0)
		return false;
	return st.st_rdev == 0;
}

static bool is_opaque(struct inode *upper)
{
	char v;
	if (!upper->ops->getxattr)
		return false;
	return upper->ops->getxattr(upper, OPAQUE_XATTR, &v, 1) == 1 && v == 'y';
}

static int set_opaque(struct inode *upper)
{
	if (!upper->ops->setxattr)
		return -EOPNOTSUPP;
	return upper->ops->setxattr(upper, OPAQUE_XATTR, "y", 1, 0);
}

/* A file description on a layer's inode, for the overlay's own reads and writes. */
static int inner_open(struct inode *ino, int flags, struct file **out)
{
	if (!ino->ops->open)
		return -ENXIO;
	struct file *f = file_new(NULL, flags, NULL);
	if (!f)
		return -ENOMEM;
	f->inode = ino;
	inode_get(ino);
	int err = ino->ops->open(ino, f);
	if (err < 0) {
		file_put(f);
		return err;
	}
	*out = f;
	return 0;
}

/* ---- overlay inodes ----------------------------------------------------------------- */

/*
 * The VFS caches one overlay inode per name, but copy-ups of whole trees (rename) and lookups
 * made by the overlay itself create other inode objects for the same names. An inode that has
 * no upper node yet therefore checks, before use, whether its name has been copied up since:
 * if so it adopts that upper node. Cheap: one upper lookup, only where the parent is above.
 */
static void refresh(struct inode *ino)
{
	struct ovl_inode *oi = OI(ino);
	struct inode *u;
	if (oi->upper || !oi->parent)
		return;
	refresh(oi->parent);
	struct inode *pu = OI(oi->parent)->upper;
	if (!pu)
		return;
	pthread_mutex_lock(&oi->fs->lock);
	if (!oi->upper && layer_lookup(pu, oi->name, &u) == 0) {
		if (is_whiteout(u) || S_ISDIR(u->mode) != S_ISDIR(ino->mode)) {
			inode_put(u);
		} else {
			if (S_ISDIR(u->mode))
				oi->opaque = is_opaque(u);
			oi->upper = u;
		}
	}
	pthread_mutex_unlock(&oi->fs->lock);
}

static struct inode *ovl_inode_new(struct ovl_fs *fs, struct inode *parent, const char *name,
				   struct inode *upper, struct inode *lower, bool opaque)
{
	struct ovl_inode *oi = calloc(1, sizeof(*oi));
	char *nm = strdup(name);
	struct inode *real = upper ? upper : lower;
	struct inode *ino = oi && nm ? inode_new(&ovl_inode_ops, real->mode, oi) : NULL;
	if (!ino) {
		free(oi);
		free(nm);
		return NULL;
	}
	oi->fs = fs;
	oi->upper = upper;
	oi->lower = lower;
	oi->parent = parent;
	if (parent)
		inode_get(parent);
	oi->name = nm;
	oi->opaque = opaque;
	ino->ino = lower ? lower->ino : upper->ino | UPPER_INO_FLAG;
	ino->dev = fs->dev;
	return ino;
}

static void ovl_release(struct inode *ino)
{
	struct ovl_inode *oi = OI(ino);
	inode_put(oi->upper);
	inode_put(oi->lower);
	/* Every other inode holds its parent, so the root goes last: it takes the fs along. */
	if (oi->parent) {
		inode_put(oi->parent);
	} else {
		pthread_mutex_destroy(&oi->fs->lock);
		free(oi->fs);
	}
	free(oi->name);
	free(oi);
}

static int ovl_lookup(struct inode *dir, const char *name, struct inode **out)
{
	struct ovl_inode *d = OI(dir);
	refresh(dir);
	struct inode *u = NULL, *l = NULL;
	bool opaque = false;
	int err = d->upper ? layer_lookup(d->upper, name, &u) : -ENOENT;
	if (err < 0 && err != -ENOENT)
		return err;
	if (u && is_whiteout(u)) {
		inode_put(u);
		return -ENOENT;
	}
	if (u && S_ISDIR(u->mode))
		opaque = is_opaque(u);
	/* The lower name counts only below a merged directory, and only for a directory over a
	 * directory (a file above hides whatever is below). */
	if (!d->opaque && d->lower && (!u || (S_ISDIR(u->mode) && !opaque))) {
		err = layer_lookup(d->lower, name, &l);
		if (err < 0 && err != -ENOENT) {
			inode_put(u);
			return err;
		}
		if (l && u && !S_ISDIR(l->mode)) {
			inode_put(l);
			l = NULL;
		}
	}
	if (!u && !l)
		return -ENOENT;
	*out = ovl_inode_new(d->fs, dir, name, u, l, opaque);
	if (!*out) {
		inode_put(u);
		inode_put(l);
		return -ENOMEM;
	}
	return 0;
}

static int ovl_getattr(struct inode *ino, struct stat *st)
{
	refresh(ino);
	int err = vfs_getattr(real_inode(ino), st);
	if (err < 0)
		return err;
	st->st_dev = OI(ino)->fs->dev;
	st->st_ino = ino->ino;
	return 0;
}

static long ovl_readlink(struct inode *ino, char *buf, size_t cap)
{
	struct inode *r = real_inode(ino);
	return r->ops->readlink ? r->ops->readlink(r, buf, cap) : -EINVAL;
}

static int ovl_statfs(struct inode *ino, struct statfs *st)
{
	struct inode *r = real_inode(ino);
	int err = r->ops->statfs ? r->ops->statfs(r, st) : -ENOSYS;
	if (err < 0) {
		memset(st, 0, sizeof(*st));
		st->f_bsize = 4096;
		st->f_namelen = 255;
	}
	st->f_type = OVL_MAGIC;
	return 0;
}

/* ---- copy-up ------------------------------------------------------------------------ */

static int copy_up(struct inode *ino);

static int copy_data(struct inode *from, struct inode *to)
{
	struct file *in = NULL, *out = NULL;
	char *buf = malloc(COPY_CHUNK);
	int64_t ipos = 0, opos = 0;
	int err = buf ? inner_open(from, O_RDONLY, &in) : -ENOMEM;
	if (err == 0)
		err = inner_open(to, O_WRONLY, &out);
	while (err == 0) {
		long n = in->ops->read(in, buf, COPY_CHUNK, &ipos);
		if (n <= 0) {
			err = (int)n;
			break;
		}
		for (long done = 0; done < n;) {
			long w = out->ops->write(out, buf + done, (size_t)(n - done), &opos);
			if (w <= 0) {
				err = w < 0 ? (int)w : -EIO;
				break;
			}
			done += w;
		}
	}
	file_put(in);
	file_put(out);
	free(buf);
	return err;
}

/* Makes the upper node for a lower one in the (already copied-up) upper directory dir. */
static int make_upper(struct inode *dir, const char *name, struct inode *lower, struct inode **out)
{
	struct stat st;
	int err = vfs_getattr(lower, &st);
	if (err < 0)
		return err;
	struct vfs_owner who = {st.st_uid, st.st_gid};
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		long n = lower->ops->readlink
			     ? lower->ops->readlink(lower, target, sizeof(target) - 1)
			     : -EINVAL;
		if (n < 0)
			return (int)n;
		target[n] = 0;
		err = dir->ops->symlink(dir, name, target, &who, out);
	} else {
		mode_t mode = st.st_mode & (S_IFMT | 07777);
		err = dir->ops->create(dir, name, mode, st.st_rdev, &who, out);
		if (err == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
			err = copy_data(lower, *out);
	}
	if (err < 0)
		return err;
	/* The owner and the times of the original; for a symlink only what setattr allows. */
	struct vfs_setattr sa = {
	    .mask = SA_UID | SA_GID | SA_ATIME | SA_MTIME,
	    .uid = st.st_uid,
	    .gid = st.st_gid,
	    .atime = st.st_atim,
	    .mtime = st.st_mtim,
	};
	if (!S_ISLNK(st.st_mode)) {
		sa.mask |= SA_MODE;
		sa.mode = st.st_mode & 07777;
	}
	if ((*out)->ops->setattr)
		(*out)->ops->setattr(*out, &sa);
	return 0;
}

static int copy_up_locked(struct inode *ino)
{
	struct ovl_inode *oi = OI(ino);
	struct inode *pu, *u = NULL;
	if (oi->upper)
		return 0;
	if (!oi->parent)
		return -EIO; /* the root always has an upper directory */
	int err = copy_up(oi->parent);
	if (err < 0)
		return err;
	pu = OI(oi->parent)->upper;
	/* Another overlay inode for the same name may have copied it up already (a directory
	 * renamed with its subtree, say): then that upper node is ours too. */
	err = layer_lookup(pu, oi->name, &u);
	if (err == 0 && is_whiteout(u)) {
		inode_put(u);
		u = NULL;
		err = pu->ops->unlink(pu, oi->name, NULL);
		if (err < 0)
			return err;
	} else if (err < 0 && err != -ENOENT) {
		return err;
	}
	if (!u) {
		err = make_upper(pu, oi->name, oi->lower, &u);
		if (err < 0)
			return err;
	}
	oi->upper = u;
	return 0;
}

static int copy_up(struct inode *ino)
{
	struct ovl_inode *oi = OI(ino);
	refresh(ino);
	if (oi->upper)
		return 0;
	pthread_mutex_lock(&oi->fs->lock);
	int err = copy_up_locked(ino);
	pthread_mutex_unlock(&oi->fs->lock);
	return err;
}

/* ---- merged directory listings ------------------------------------------------------ */

struct dent {
	char *name;
	uint64_t ino;
	unsigned char type;
};

struct dlist {
	struct dent *v;
	size_t n, cap;
};

static void dlist_free(struct dlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static int dlist_add(struct dlist *l, const char *name, uint64_t ino, unsigned char type)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct dent *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	char *nm = strdup(name);
	if (!nm)
		return -ENOMEM;
	l->v[l->n++] = (struct dent){nm, ino, type};
	return 0;
}

static int dent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dent *)a)->name, ((const struct dent *)b)->name);
}

static bool dlist_has(const struct dlist *sorted, const char *name)
{
	struct dent key = {(char *)name, 0, 0};
	if (!sorted->n)
		return false;
	return bsearch(&key, sorted->v, sorted->n, sizeof(key), dent_cmp) != NULL;
}

/* Every entry of a layer's directory, in its order; "." and ".." skipped. */
static int read_layer_dir(struct inode *dir, uint64_t ino_flag, struct dlist *out)
{
	struct file *f;
	int err = inner_open(dir, O_RDONLY | O_DIRECTORY, &f);
	if (err < 0)
		return err;
	struct dir_emit de = {.buf = malloc(65536), .cap = 65536};
	if (!de.buf) {
		file_put(f);
		return -ENOMEM;
	}
	for (;;) {
		de.used = 0;
		long n = f->ops->getdents ? f->ops->getdents(f, &de) : -ENOTDIR;
		if (n <= 0) {
			err = (int)n;
			break;
		}
		for (long off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(de.buf + off);
			off += d->d_reclen;
			if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
				continue;
			err = dlist_add(out, d->d_name, d->d_ino | ino_flag, d->d_type);
			if (err < 0)
				goto out;
		}
	}
out:
	free(de.buf);
	file_put(f);
	return err;
}

/* The merged listing of an overlay directory: upper entries (whiteouts dropped), then the
 * lower entries neither present nor whited out above. */
static int merged_list(struct inode *dir, struct dlist *out, bool names_only)
{
	struct ovl_inode *d = OI(dir);
	struct dlist up = {0}, low = {0};
	int err = 0;
	if (d->upper)
		err = read_layer_dir(d->upper, UPPER_INO_FLAG, &up);
	if (err == 0 && d->lower && !d->opaque)
		err = read_layer_dir(d->lower, 0, &low);
	if (err < 0)
		goto out;
	for (size_t i = 0; i < up.n; i++) {
		if (up.v[i].type == DT_CHR) {
			struct inode *w;
			if (layer_lookup(d->upper, up.v[i].name, &w) == 0) {
				bool wo = is_whiteout(w);
				inode_put(w);
				if (wo)
					continue;
			}
		}
		/* A copied-up name keeps the lower file's inode number, as stat reports it. */
		uint64_t ino = up.v[i].ino;
		if (!names_only && d->lower && !d->opaque) {
			struct inode *l;
			if (layer_lookup(d->lower, up.v[i].name, &l) == 0) {
				if (S_ISDIR(l->mode) == (up.v[i].type == DT_DIR))
					ino = l->ino;
				inode_put(l);
			}
		}
		err = dlist_add(out, up.v[i].name, ino, up.v[i].type);
		if (err < 0)
			goto out;
	}
	if (low.n) {
		/* up, sorted, now says which lower names are covered (by an entry or a whiteout).
		 */
		if (up.n)
			qsort(up.v, up.n, sizeof(*up.v), dent_cmp);
		for (size_t i = 0; i < low.n; i++) {
			if (dlist_has(&up, low.v[i].name))
				continue;
			err = dlist_add(out, low.v[i].name, low.v[i].ino, low.v[i].type);
			if (err < 0)
				goto out;
		}
	}
out:
	dlist_free(&up);
	dlist_free(&low);
	return err;
}

struct ovl_dir {
	struct dlist list;
	uint64_t self_ino, parent_ino;
};

static long ovl_getdents(struct file *f, struct dir_emit *de)
{
	struct ovl_dir *od = f->priv;
	size_t count = od->list.n + 2, used = 0;
	while (f->pos >= 0 && (size_t)f->pos < count) {
		size_t i = (size_t)f->pos;
		const char *name = i == 0 ? "." : i == 1 ? ".." : od->list.v[i - 2].name;
		size_t reclen = (offsetof(struct dirent64, d_name) + strlen(name) + 1 + 7) & ~7UL;
		if (used + reclen > de->cap)
			break;
		struct dirent64 *d = (struct dirent64 *)(de->buf + used);
		memset(d, 0, reclen);
		d->d_ino = i == 0 ? od->self_ino : i == 1 ? od->parent_ino : od->list.v[i - 2].ino;
		d->d_off = (int64_t)i + 1;
		d->d_reclen = (unsigned short)reclen;
		d->d_type = i < 2 ? DT_DIR : od->list.v[i - 2].type;
		memcpy(d->d_name, name, strlen(name) + 1);
		used += reclen;
		f->pos++;
	}
	if (!used && f->pos >= 0 && (size_t)f->pos < count)
		return -EINVAL;
	de->used = used;
	return (long)used;
}

static int64_t ovl_dir_llseek(struct file *f, int64_t off, int whence)
{
	struct ovl_dir *od = f->priv;
	if (whence == SEEK_SET && off >= 0)
		return off;
	if (whence == SEEK_CUR && f->pos + off >= 0)
		return f->pos + off;
	if (whence == SEEK_END && (int64_t)od->list.n + 2 + off >= 0)
		return (int64_t)od->list.n + 2 + off;
	return -EINVAL;
}

static int ovl_file_fstat(struct file *f, struct stat *st)
{
	return ovl_getattr(f->inode, st);
}

static void ovl_dir_release(struct file *f)
{
	struct ovl_dir *od = f->priv;
	if (od) {
		dlist_free(&od->list);
		free(od);
	}
}

static long ovl_dir_read(struct file *f, void *buf, size_t len, int64_t *off)
{
	(void)f, (void)buf, (void)len, (void)off;
	return -EISDIR;
}

static const struct file_ops ovl_dir_ops = {
    .read = ovl_dir_read,
    .getdents = ovl_getdents,
    .llseek = ovl_dir_llseek,
    .fstat = ovl_file_fstat,
    .release = ovl_dir_release,
};

/* ---- files: a description on the real inode, wrapped ---------------------------------- */

static struct file *IN(struct file *f)
{
	return f->priv;
}

static long ovl_read(struct file *f, void *buf, size_t len, int64_t *off)
{
	struct file *in = IN(f);
	return in->ops->read ? in->ops->read(in, buf, len, off) : -EINVAL;
}

static long ovl_write(struct file *f, const void *buf, size_t len, int64_t *off)
{
	struct file *in = IN(f);
	in->flags = f->flags; /* O_APPEND and O_NONBLOCK may have changed through F_SETFL */
	return in->ops->write ? in->ops->write(in, buf, len, off) : -EINVAL;
}

static int64_t ovl_llseek(struct file *f, int64_t off, int whence)
{
	struct file *in = IN(f);
	if (!in->ops->llseek)
		return -ENOSYS;
	in->pos = f->pos;
	return in->ops->llseek(in, off, whence);
}

static long ovl_ioctl(struct file *f, struct task *t, unsigned long cmd, uint64_t arg)
{
	struct file *in = IN(f);
	return in->ops->ioctl ? in->ops->ioctl(in, t, cmd, arg) : -ENOTTY;
}

static unsigned ovl_poll(struct file *f, int *host_fd)
{
	struct file *in = IN(f);
	in->flags = f->flags;
	/* No poll method: a regular file, always ready (what the poll syscalls assume). */
	return in->ops->poll ? in->ops->poll(in, host_fd)
			     : POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
}

static uint64_t ovl_io_gen(struct file *f, unsigned events)
{
	struct file *in = IN(f);
	return in->ops->io_gen ? in->ops->io_gen(in, events)
			       : __atomic_load_n(&vfs_io_stamp, __ATOMIC_SEQ_CST);
}

static int ovl_fsync(struct file *f, bool datasync)
{
	struct file *in = IN(f);
	if (in->ops->fsync)
		return in->ops->fsync(in, datasync);
	/* No method: fine for files and directories, EINVAL for the rest, as Linux. */
	return S_ISREG(f->inode->mode) || S_ISDIR(f->inode->mode) ? 0 : -EINVAL;
}

static int ovl_fallocate(struct file *f, int mode, int64_t off, int64_t len)
{
	struct file *in = IN(f);
	return in->ops->fallocate ? in->ops->fallocate(in, mode, off, len) : -EOPNOTSUPP;
}

static int ovl_host_fd(struct file *f)
{
	struct file *in = IN(f);
	return in->ops->host_fd ? in->ops->host_fd(in) : -ENODEV;
}

static void ovl_file_release(struct file *f)
{
	file_put(IN(f));
}

static const struct file_ops ovl_file_ops = {
    .read = ovl_read,
    .write = ovl_write,
    .llseek = ovl_llseek,
    .ioctl = ovl_ioctl,
    .fstat = ovl_file_fstat,
    .poll = ovl_poll,
    .io_gen = ovl_io_gen,
    .fsync = ovl_fsync,
    .fallocate = ovl_fallocate,
    .host_fd = ovl_host_fd,
    .release = ovl_file_release,
};

static int ovl_open(struct inode *ino, struct file *f)
{
	struct ovl_inode *oi = OI(ino);
	int err;
	refresh(ino);
	if (S_ISDIR(ino->mode)) {
		struct ovl_dir *od = calloc(1, sizeof(*od));
		if (!od)
			return -ENOMEM;
		err = merged_list(ino, &od->list, false);
		if (err < 0) {
			free(od);
			return err;
		}
		od->self_ino = ino->ino;
		od->parent_ino = oi->parent ? oi->parent->ino : ino->ino;
		f->ops = &ovl_dir_ops;
		f->priv = od;
		return 0;
	}
	int acc = f->flags & O_ACCMODE;
	if (S_ISREG(ino->mode) && (acc == O_WRONLY || acc == O_RDWR)) {
		err = copy_up(ino);
		if (err < 0)
			return err;
	}
	struct file *in;
	err = inner_open(real_inode(ino), f->flags, &in);
	if (err < 0)
		return err;
	f->ops = &ovl_file_ops;
	f->priv = in;
	f->stream = in->stream;
	return 0;
}

/* ---- changes to the tree ------------------------------------------------------------ */

/* Whether dir's lower directory has name (so removing it above needs a whiteout). */
static bool lower_has(struct inode *dir, const char *name)
{
	struct ovl_inode *d = OI(dir);
	struct inode *l;
	if (d->opaque || !d->lower || layer_lookup(d->lower, name, &l) < 0)
		return false;
	inode_put(l);
	return true;
}

static int make_whiteout(struct inode *updir, const char *name)
{
	struct vfs_owner root = {0, 0};
	struct inode *w = NULL;
	int err = updir->ops->create(updir, name, S_IFCHR | 0, 0, &root, &w);
	inode_put(w);
	return err;
}

/* Prepares the upper directory of dir for a new entry called name: copied up, and any
 * whiteout there removed. *was_whiteout tells whether one was. */
static int prepare_create(struct inode *dir, const char *name, bool *was_whiteout)
{
	struct inode *w;
	int err = copy_up(dir);
	if (err < 0)
		return err;
	struct inode *up = OI(dir)->upper;
	*was_whiteout = false;
	if (layer_lookup(up, name, &w) == 0) {
		bool wo = is_whiteout(w);
		inode_put(w);
		if (!wo)
			return -EEXIST;
		err = up->ops->unlink(up, name, NULL);
		if (err < 0)
			return err;
		*was_whiteout = true;
	}
	return 0;
}

static int ovl_create(struct inode *dir, const char *name, mode_t mode, dev_t rdev,
		      const struct vfs_owner *who, struct inode **out)
{
	struct inode *u = NULL;
	bool wo;
	if (S_ISCHR(mode) && rdev == 0)
		return -EPERM; /* a whiteout is the overlay's own marker, not a guest's device */
	int err = prepare_create(dir, name, &wo);
	if (err < 0)
		return err;
	struct inode *up = OI(dir)->upper;
	err = up->ops->create(up, name, mode, rdev, who, &u);
	if (err < 0)
		return err;
	bool opaque = S_ISDIR(mode) && (wo || lower_has(dir, name));
	if (opaque)
		set_opaque(u);
	*out = ovl_inode_new(OI(dir)->fs, dir, name, u, NULL, opaque);
	if (!*out) {
		inode_put(u);
		return -ENOMEM;
	}
	return 0;
}

static int ovl_symlink(struct inode *dir, const char *name, const char *target,
		       const struct vfs_owner *who, struct inode **out)
{
	struct inode *u = NULL;
	bool wo;
	int err = prepare_create(dir, name, &wo);
	if (err < 0)
		return err;
	struct inode *up = OI(dir)->upper;
	err = up->ops->symlink(up, name, target, who, &u);
	if (err < 0)
		return err;
	*out = ovl_inode_new(OI(dir)->fs, dir, name, u, NULL, false);
	if (!*out) {
		inode_put(u);
		return -ENOMEM;
	}
	return 0;
}

static int ovl_link(struct inode *dir, const char *name, struct inode *target)
{
	bool wo;
	if (target->ops != &ovl_inode_ops)
		return -EXDEV;
	int err = copy_up(target);
	if (err == 0)
		err = prepare_create(dir, name, &wo);
	if (err < 0)
		return err;
	struct inode *up = OI(dir)->upper;
	return up->ops->link(up, name, OI(target)->upper);
}

/* Removes name above (if it is there) and leaves a whiteout if a lower name would show. */
static int remove_name(struct inode *dir, const char *name, struct inode *victim, bool isdir)
{
	int err = copy_up(dir);
	if (err < 0)
		return err;
	struct inode *up = OI(dir)->upper, *vu = NULL;
	(void)victim;
	/* The name above, whatever inode object the caller holds for it. */
	if (layer_lookup(up, name, &vu) == 0 && is_whiteout(vu)) {
		inode_put(vu);
		vu = NULL;
	}
	if (vu) {
		if (isdir) {
			/* The upper directory may hold whiteouts only (the VFS saw it empty):
			 * they go first, or the upper rmdir would say ENOTEMPTY. */
			struct dlist l = {0};
			err = read_layer_dir(vu, 0, &l);
			for (size_t i = 0; err == 0 && i < l.n; i++)
				err = vu->ops->unlink(vu, l.v[i].name, NULL);
			dlist_free(&l);
			if (err == 0)
				err = up->ops->rmdir(up, name, vu);
		} else {
			err = up->ops->unlink(up, name, vu);
		}
		inode_put(vu);
		if (err < 0)
			return err;
	}
	if (lower_has(dir, name))
		err = make_whiteout(up, name);
	return err;
}

static int ovl_unlink(struct inode *dir, const char *name, struct inode *victim)
{
	return remove_name(dir, name, victim, false);
}

static int ovl_rmdir(struct inode *dir, const char *name, struct inode *victim)
{
	struct dlist l = {0};
	refresh(victim);
	int err = merged_list(victim, &l, true);
	size_t n = l.n;
	dlist_free(&l);
	if (err < 0)
		return err;
	if (n)
		return -ENOTEMPTY;
	return remove_name(dir, name, victim, true);
}

/* Copies ino and, for a directory, everything below it; the directory becomes opaque, so
 * the lower tree no longer shows through it wherever it goes. */
static int copy_up_tree(struct inode *ino)
{
	struct ovl_inode *oi = OI(ino);
	int err = copy_up(ino);
	if (err < 0 || !S_ISDIR(ino->mode) || !oi->lower || oi->opaque)
		return err;
	struct dlist l = {0};
	err = merged_list(ino, &l, true);
	for (size_t i = 0; err == 0 && i < l.n; i++) {
		struct inode *child;
		err = ovl_lookup(ino, l.v[i].name, &child);
		if (err == 0) {
			err = copy_up_tree(child);
			inode_put(child);
		}
	}
	dlist_free(&l);
	if (err == 0)
		err = set_opaque(oi->upper);
	if (err == 0)
		oi->opaque = true;
	return err;
}

static int ovl_rename(struct inode *odir, const char *oname, struct inode *ndir, const char *nname,
		      unsigned flags)
{
	struct inode *src = NULL, *dst = NULL;
	int err = ovl_lookup(odir, oname, &src);
	if (err < 0)
		return err;
	err = ovl_lookup(ndir, nname, &dst);
	if (err == -ENOENT) {
		dst = NULL;
		err = 0;
	}
	if (err == 0)
		err = copy_up(odir);
	if (err == 0)
		err = copy_up(ndir);
	if (err == 0)
		err = copy_up_tree(src);
	if (err == 0 && dst && (flags & RENAME_EXCHANGE))
		err = copy_up_tree(dst);
	if (err < 0)
		goto out;
	struct inode *oup = OI(odir)->upper, *nup = OI(ndir)->upper;
	if (flags & RENAME_EXCHANGE) {
		err = oup->ops->rename(oup, oname, nup, nname, RENAME_EXCHANGE);
		goto out;
	}
	if (dst) {
		if (S_ISDIR(dst->mode)) {
			struct dlist l = {0};
			err = merged_list(dst, &l, true);
			size_t n = l.n;
			dlist_free(&l);
			if (err == 0 && n)
				err = -ENOTEMPTY;
		}
		/* The target goes as an unlink would (leaving a whiteout if needed), then the
		 * source moves into the free name. */
		if (err == 0)
			err = remove_name(ndir, nname, dst, S_ISDIR(dst->mode));
	}
	if (err < 0)
		goto out;
	bool wo;
	err = prepare_create(ndir, nname, &wo);
	if (err < 0)
		goto out;
	bool below = lower_has(odir, oname);
	err = oup->ops->rename(oup, oname, nup, nname, 0);
	if (err == 0 && S_ISDIR(src->mode) && (wo || lower_has(ndir, nname)))
		err = set_opaque(OI(src)->upper);
	if (err == 0 && below)
		err = make_whiteout(oup, oname);
out:
	inode_put(src);
	inode_put(dst);
	return err;
}

/* After a rename the VFS's cached inode for the moved name learns its new parent and name
 * (for later copy-ups) and the upper node the rename left there. */
static void ovl_moved(struct inode *ino, struct inode *newparent, const char *newname)
{
	struct ovl_inode *oi = OI(ino);
	struct inode *u;
	char *nm = strdup(newname);
	if (!nm)
		return;
	pthread_mutex_lock(&oi->fs->lock);
	free(oi->name);
	oi->name = nm;
	inode_get(newparent);
	inode_put(oi->parent);
	oi->parent = newparent;
	struct inode *pu = OI(newparent)->upper;
	if (pu && layer_lookup(pu, newname, &u) == 0) {
		inode_put(oi->upper);
		oi->upper = u;
		if (S_ISDIR(u->mode))
			oi->opaque = is_opaque(u);
	}
	pthread_mutex_unlock(&oi->fs->lock);
}

static int ovl_setattr(struct inode *ino, const struct vfs_setattr *sa)
{
	int err = copy_up(ino);
	if (err < 0)
		return err;
	struct inode *u = OI(ino)->upper;
	if (!u->ops->setattr)
		return -EPERM;
	err = u->ops->setattr(u, sa);
	ino->mode = u->mode;
	return err;
}

static bool private_xattr(const char *name)
{
	return strncmp(name, PRIVATE_XATTRS, strlen(PRIVATE_XATTRS)) == 0;
}

static long ovl_getxattr(struct inode *ino, const char *name, void *buf, size_t cap)
{
	struct inode *r = real_inode(ino);
	if (private_xattr(name))
		return -ENODATA;
	return r->ops->getxattr ? r->ops->getxattr(r, name, buf, cap) : -EOPNOTSUPP;
}

static int ovl_setxattr(struct inode *ino, const char *name, const void *val, size_t len, int flags)
{
	if (private_xattr(name))
		return -EPERM;
	int err = copy_up(ino);
	if (err < 0)
		return err;
	struct inode *u = OI(ino)->upper;
	return u->ops->setxattr ? u->ops->setxattr(u, name, val, len, flags) : -EOPNOTSUPP;
}

static long ovl_listxattr(struct inode *ino, char *buf, size_t cap)
{
	struct inode *r = real_inode(ino);
	if (!r->ops->listxattr)
		return 0;
	long n = r->ops->listxattr(r, NULL, 0);
	if (n <= 0)
		return n;
	char *all = malloc((size_t)n);
	if (!all)
		return -ENOMEM;
	n = r->ops->listxattr(r, all, (size_t)n);
	size_t used = 0;
	for (long i = 0; n > 0 && i < n;) {
		size_t len = strlen(all + i) + 1;
		if (!private_xattr(all + i)) {
			if (cap && used + len > cap) {
				free(all);
				return -ERANGE;
			}
			if (cap)
				memcpy(buf + used, all + i, len);
			used += len;
		}
		i += (long)len;
	}
	free(all);
	return n < 0 ? n : (long)used;
}

static int ovl_removexattr(struct inode *ino, const char *name)
{
	if (private_xattr(name))
		return -ENODATA;
	int err = copy_up(ino);
	if (err < 0)
		return err;
	struct inode *u = OI(ino)->upper;
	return u->ops->removexattr ? u->ops->removexattr(u, name) : -EOPNOTSUPP;
}

static const struct inode_ops ovl_inode_ops = {
    .lookup = ovl_lookup,
    .getattr = ovl_getattr,
    .readlink = ovl_readlink,
    .open = ovl_open,
    .statfs = ovl_statfs,
    .release = ovl_release,
    .create = ovl_create,
    .symlink = ovl_symlink,
    .link = ovl_link,
    .unlink = ovl_unlink,
    .rmdir = ovl_rmdir,
    .rename = ovl_rename,
    .moved = ovl_moved,
    .setattr = ovl_setattr,
    .getxattr = ovl_getxattr,
    .setxattr = ovl_setxattr,
    .listxattr = ovl_listxattr,
    .removexattr = ovl_removexattr,
};

int overlay_new(struct inode *lower_root, struct inode *upper_root, struct inode **root)
{
	static unsigned next_minor = 32;
	struct ovl_fs *fs = calloc(1, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&fs->lock, &a);
	pthread_mutexattr_destroy(&a);
	fs->dev = makedev(0, __atomic_fetch_add(&next_minor, 1, __ATOMIC_RELAXED));
	inode_get(upper_root);
	if (lower_root)
		inode_get(lower_root);
	*root = ovl_inode_new(fs, NULL, "/", upper_root, lower_root, false);
	if (!*root) {
		inode_put(upper_root);
		inode_put(lower_root);
		free(fs);
		return -ENOMEM;
	}
	/* The root's attributes are the lower root's (a read-only host / keeps its mode). */
	if (lower_root) {
		struct stat st;
		if (vfs_getattr(lower_root, &st) == 0) {
			struct vfs_setattr sa = {.mask = SA_MODE | SA_UID | SA_GID,
						 .mode = st.st_mode & 07777,
						 .uid = st.st_uid,
						 .gid = st.st_gid};
			if (upper_root->ops->setattr)
				upper_root->ops->setattr(upper_root, &sa);
			/* (a filesystem's root inode object may carry a private number) */
			(*root)->ino = st.st_ino;
		}
	}
	return 0;
}

int overlay_mount(struct inode *lower_root, struct inode *upper_root, unsigned mnt_flags,
		  struct mount **out)
{
	struct inode *root;
	int err = overlay_new(lower_root, upper_root, &root);
	if (err < 0)
		return err;
	return mount_from_root_inode(root, mnt_flags, out);
}
