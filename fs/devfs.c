/*
 * devfs: the guest's /dev, served entirely by the Sentry (the host's devices are never
 * opened for a guest). Its device nodes open through fs/chardev.c by number: the memory
 * devices (null, zero, full, random, urandom), tty (the caller's controlling terminal),
 * console, and ptmx (a new pseudo-terminal in the devpts mounted on pts/). fd, stdin,
 * stdout and stderr are the usual links into /proc/self/fd. pts/ and shm/ are empty
 * directories until devpts and tmpfs are mounted on them.
 */
#define _GNU_SOURCE
#include "fs/devfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include "fs/chardev.h"
#include "sentry/task.h"

enum dev_kind { DEV_DIR, DEV_CHR, DEV_LINK };

struct dev_node {
	const char *name;
	enum dev_kind kind;
	mode_t mode;
	unsigned major, minor;
	const char *target; /* DEV_LINK */
	uint64_t ino;
};

/* Index 0 is the root; the rest its entries. Numbers are Linux's (devices.txt). */
static const struct dev_node nodes[] = {
    {"/", DEV_DIR, S_IFDIR | 0755, 0, 0, NULL, 1},
    {"null", DEV_CHR, S_IFCHR | 0666, 1, 3, NULL, 2},
    {"zero", DEV_CHR, S_IFCHR | 0666, 1, 5, NULL, 3},
    {"full", DEV_CHR, S_IFCHR | 0666, 1, 7, NULL, 4},
    {"random", DEV_CHR, S_IFCHR | 0666, 1, 8, NULL, 5},
    {"urandom", DEV_CHR, S_IFCHR | 0666, 1, 9, NULL, 6},
    {"fd", DEV_LINK, S_IFLNK | 0777, 0, 0, "/proc/self/fd", 7},
    {"stdin", DEV_LINK, S_IFLNK | 0777, 0, 0, "/proc/self/fd/0", 8},
    {"stdout", DEV_LINK, S_IFLNK | 0777, 0, 0, "/proc/self/fd/1", 9},
    {"stderr", DEV_LINK, S_IFLNK | 0777, 0, 0, "/proc/self/fd/2", 10},
    {"pts", DEV_DIR, S_IFDIR | 0755, 0, 0, NULL, 11},
    {"shm", DEV_DIR, S_IFDIR | 01777, 0, 0, NULL, 12},
    {"tty", DEV_CHR, S_IFCHR | 0666, 5, 0, NULL, 13},
    {"console", DEV_CHR, S_IFCHR | 0600, 5, 1, NULL, 14},
    {"ptmx", DEV_CHR, S_IFCHR | 0666, 5, 2, NULL, 15},
};
#define NNODES	  (sizeof(nodes) / sizeof(nodes[0]))
#define DEVFS_DEV makedev(0, 5) /* the st_dev of the filesystem itself */

static struct timespec devfs_time; /* when /dev was made: every node's timestamps */

static const struct inode_ops dev_inode_ops;
static const struct file_ops dev_file_ops;

static const struct dev_node *N(struct inode *ino)
{
	return ino->priv;
}

static struct inode *dev_inode(const struct dev_node *n)
{
	struct inode *ino = inode_new(&dev_inode_ops, n->mode, (void *)n);
	if (ino)
		ino->ino = n->ino;
	return ino;
}

static int dev_lookup(struct inode *dir, const char *name, struct inode **out)
{
	if (N(dir) != &nodes[0])
		return -ENOENT; /* pts/ and shm/ are empty */
	for (size_t i = 1; i < NNODES; i++) {
		if (strcmp(nodes[i].name, name) == 0) {
			*out = dev_inode(&nodes[i]);
			return *out ? 0 : -ENOMEM;
		}
	}
	return -ENOENT;
}

static int dev_getattr(struct inode *ino, struct stat *st)
{
	const struct dev_node *n = N(ino);
	memset(st, 0, sizeof(*st));
	st->st_dev = DEVFS_DEV;
	st->st_ino = n->ino;
	st->st_mode = n->mode;
	st->st_nlink = n->kind == DEV_DIR ? 2 : 1;
	st->st_rdev = n->kind == DEV_DIR || n->kind == DEV_LINK ? 0 : makedev(n->major, n->minor);
	st->st_blksize = 4096;
	st->st_size = n->kind == DEV_LINK ? (off_t)strlen(n->target) : 0;
	st->st_atim = st->st_mtim = st->st_ctim = devfs_time;
	return 0;
}

static long dev_readlink(struct inode *ino, char *buf, size_t cap)
{
	const struct dev_node *n = N(ino);
	if (n->kind != DEV_LINK)
		return -EINVAL;
	size_t len = strlen(n->target);
	if (len > cap)
		len = cap;
	memcpy(buf, n->target, len);
	return (long)len;
}

static int dev_open(struct inode *ino, struct file *f)
{
	const struct dev_node *n = N(ino);
	if (n->kind == DEV_CHR)
		return chardev_open(makedev(n->major, n->minor), task_current(), f);
	f->ops = &dev_file_ops;
	f->priv = (void *)n;
	return 0;
}

static int dev_statfs(struct inode *ino, struct statfs *st)
{
	memset(st, 0, sizeof(*st));
	st->f_type = 0x01021994; /* TMPFS_MAGIC: Linux's devtmpfs reports it too */
	st->f_bsize = 4096;
	st->f_namelen = 255;
	st->f_frsize = 4096;
	st->f_files = NNODES;
	st->f_flags = ST_NOSUID;
	return 0;
}

static const struct inode_ops dev_inode_ops = {
    .statfs = dev_statfs,
    .lookup = dev_lookup,
    .getattr = dev_getattr,
    .readlink = dev_readlink,
    .open = dev_open,
};

/* Lists the root's entries; pts/ and shm/ have only "." and "..". */
static long dev_getdents(struct file *f, struct dir_emit *de)
{
	const struct dev_node *n = f->priv;
	size_t count = n == &nodes[0] ? NNODES + 1 : 2; /* ".", "..", entries */
	size_t used = 0;
	if (n->kind != DEV_DIR)
		return -ENOTDIR;
	while ((size_t)f->pos < count) {
		size_t i = (size_t)f->pos;
		const char *name = i == 0 ? "." : i == 1 ? ".." : nodes[i - 1].name;
		const struct dev_node *e = i < 2 ? &nodes[0] : &nodes[i - 1];
		size_t reclen = (offsetof(struct dirent64, d_name) + strlen(name) + 1 + 7) & ~7UL;
		if (used + reclen > de->cap)
			break;
		struct dirent64 *d = (struct dirent64 *)(de->buf + used);
		memset(d, 0, reclen);
		d->d_ino = i == 0 ? n->ino : e->ino;
		d->d_off = (int64_t)i + 1;
		d->d_reclen = (unsigned short)reclen;
		d->d_type = i < 2 || e->kind == DEV_DIR ? DT_DIR
			    : e->kind == DEV_LINK	? DT_LNK
							: DT_CHR;
		strcpy(d->d_name, name);
		used += reclen;
		f->pos++;
	}
	if (!used && (size_t)f->pos < count)
		return -EINVAL;
	de->used = used;
	return (long)used;
}

static int64_t dev_llseek(struct file *f, int64_t off, int whence)
{
	return -ENOSYS; /* the generic position: an index into the listing */
}

static int dev_fstat(struct file *f, struct stat *st)
{
	return dev_getattr(f->inode, st);
}

/* The directories' files; device nodes get their driver's (chardev.c). */
static const struct file_ops dev_file_ops = {
    .getdents = dev_getdents,
    .llseek = dev_llseek,
    .fstat = dev_fstat,
};

int devfs_mount(struct mount **out)
{
	clock_gettime(CLOCK_REALTIME, &devfs_time);
	struct inode *ino = dev_inode(&nodes[0]);
	if (!ino)
		return -ENOMEM;
	return mount_from_root_inode(ino, 0, out);
}
