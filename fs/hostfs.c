/*
 * hostfs: a host directory tree as a guest filesystem, read-only (the overlay's lower layer)
 * or writable (an OCI or --volume bind mount marked rw).
 *
 * Every host access is relative to a directory fd the Sentry holds, with a single name that
 * the walk has already vetted (never "", ".", ".." or containing '/'), and goes through
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS): so even a bug in the
 * Sentry's walk cannot leave the mount's root, and a file swapped for a symlink on the host
 * between lookup and open is refused, not followed.
 *
 * Directories keep an O_PATH fd; other inodes keep their parent and their name, so a large
 * directory listing costs no host fds. Host pseudo-filesystems mounted inside the tree (proc,
 * sysfs, devtmpfs, cgroup, ...) are shown as empty directories: they describe the host.
 * Device nodes are refused (EACCES, as on a nodev mount) and FIFOs and sockets too (ENXIO):
 * the Sentry never opens a host device or host IPC endpoint for the guest.
 */
#define _GNU_SOURCE
#include "fs/vfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

struct host_inode {
	bool readonly;	      /* the whole mount */
	int fd;		      /* O_PATH fd: directories only, else -1 */
	struct inode *parent; /* non-directories: the directory they were found in */
	char *name;	      /* ... and their name there */
	bool hidden;	      /* a host pseudo-filesystem: shown empty */
	dev_t root_dev;	      /* st_dev of the mount's root, to spot submounts */
};

struct host_file {
	int fd;
	bool hidden;
	int emitted; /* hidden dirs: how many of ".", ".." were returned */
};

static const struct inode_ops host_inode_ops;
static const struct file_ops host_file_ops;

static int host_openat2_mode(int dirfd, const char *name, int flags, mode_t mode)
{
	struct open_how how = {
	    .flags = (uint64_t)(flags | O_CLOEXEC | O_NOFOLLOW),
	    .mode = mode,
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS,
	};
	long fd = syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
}

static int host_openat2(int dirfd, const char *name, int flags)
{
	return host_openat2_mode(dirfd, name, flags, 0);
}

static struct host_inode *HI(struct inode *ino)
{
	return ino->priv;
}

/* A host filesystem that describes the host itself rather than files. */
static bool is_pseudo_fs(int fd, const struct stat *st, dev_t root_dev, const char *name,
			 bool parent_is_root)
{
	struct statfs sfs;
	if (fstatfs(fd, &sfs) < 0)
		return true;
	switch ((unsigned long)sfs.f_type) {
	case PROC_SUPER_MAGIC:
	case SYSFS_MAGIC:
	case DEVPTS_SUPER_MAGIC:
	case CGROUP_SUPER_MAGIC:
	case CGROUP2_SUPER_MAGIC:
	case SECURITYFS_MAGIC:
	case DEBUGFS_MAGIC:
	case TRACEFS_MAGIC:
	case BPF_FS_MAGIC:
	case PSTOREFS_MAGIC:
	case BINFMTFS_MAGIC:
	case HUGETLBFS_MAGIC:
	case 0x19800202: /* mqueue */
	case FUSE_SUPER_MAGIC:
		return true;
	}
	/* devtmpfs reports tmpfs's magic: /dev as a submount of the root is the host's devices. */
	return parent_is_root && st->st_dev != root_dev && strcmp(name, "dev") == 0;
}

static struct inode *host_inode_new(const struct stat *st, struct host_inode *hi)
{
	struct inode *ino = inode_new(&host_inode_ops, st->st_mode, hi);
	if (!ino)
		return NULL;
	ino->ino = st->st_ino;
	ino->readonly_fs = hi->readonly || hi->hidden;
	return ino;
}

static int host_lookup(struct inode *dir, const char *name, struct inode **out)
{
	struct host_inode *d = HI(dir), *hi;
	struct stat st;
	int fd = -1, err;

	if (d->hidden)
		return -ENOENT;
	if (fstatat(d->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	hi = calloc(1, sizeof(*hi));
	if (!hi)
		return -ENOMEM;
	hi->fd = -1;
	hi->root_dev = d->root_dev;
	hi->readonly = d->readonly;
	if (S_ISDIR(st.st_mode)) {
		fd = host_openat2(d->fd, name, O_PATH | O_DIRECTORY);
		if (fd < 0) {
			err = fd;
			goto fail;
		}
		if (fstat(fd, &st) < 0) {
			err = -errno;
			goto fail;
		}
		hi->fd = fd;
		hi->hidden = is_pseudo_fs(fd, &st, d->root_dev, name, dir->ino == 0);
	} else {
		hi->name = strdup(name);
		if (!hi->name) {
			err = -ENOMEM;
			goto fail;
		}
		hi->parent = dir;
		inode_get(dir);
	}
	*out = host_inode_new(&st, hi);
	if (!*out) {
		err = -ENOMEM;
		goto fail;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	if (hi->parent)
		inode_put(hi->parent);
	free(hi->name);
	free(hi);
	return err;
}

static int host_getattr(struct inode *ino, struct stat *st)
{
	struct host_inode *hi = HI(ino);
	int r = hi->fd >= 0 ? fstat(hi->fd, st)
			    : fstatat(HI(hi->parent)->fd, hi->name, st, AT_SYMLINK_NOFOLLOW);
	if (r < 0)
		return -errno;
	if (hi->hidden) {
		st->st_nlink = 2;
		st->st_size = 0;
	}
	return 0;
}

/* The host filesystem's figures, read-only as the guest sees it. */
static int host_statfs(struct inode *ino, struct statfs *st)
{
	struct host_inode *hi = HI(ino);
	int fd = hi->fd >= 0 ? hi->fd : HI(hi->parent)->fd;
	if (fstatfs(fd, st) < 0)
		return -errno;
	if (hi->readonly)
		st->f_flags |= ST_RDONLY;
	return 0;
}

static long host_readlink(struct inode *ino, char *buf, size_t cap)
{
	struct host_inode *hi = HI(ino);
	if (!S_ISLNK(ino->mode) || !hi->parent)
		return -EINVAL;
	ssize_t n = readlinkat(HI(hi->parent)->fd, hi->name, buf, cap);
	return n < 0 ? -errno : n;
}

static int host_open(struct inode *ino, struct file *f)
{
	struct host_inode *hi = HI(ino);
	struct host_file *hf;
	int fd;

	if (S_ISCHR(ino->mode) || S_ISBLK(ino->mode))
		return -EACCES;
	if (S_ISFIFO(ino->mode) || S_ISSOCK(ino->mode))
		return -ENXIO;
	int acc = f->flags & O_ACCMODE;
	if (acc != O_RDONLY && (hi->readonly || S_ISDIR(ino->mode)))
		return S_ISDIR(ino->mode) ? -EISDIR : -EROFS;
	hf = calloc(1, sizeof(*hf));
	if (!hf)
		return -ENOMEM;
	hf->hidden = hi->hidden;
	hf->fd = -1;
	if (S_ISDIR(ino->mode)) {
		fd = hi->hidden ? 0 : host_openat2(hi->fd, ".", O_RDONLY | O_DIRECTORY);
	} else {
		/* O_APPEND goes to the host too: appends are then atomic there as well. */
		fd = host_openat2(HI(hi->parent)->fd, hi->name,
				  acc | (f->flags & O_APPEND) | O_NOCTTY);
	}
	if (fd < 0) {
		free(hf);
		return fd;
	}
	if (!hi->hidden || !S_ISDIR(ino->mode))
		hf->fd = fd;
	f->ops = &host_file_ops;
	f->priv = hf;
	return 0;
}

static void host_inode_release(struct inode *ino)
{
	struct host_inode *hi = HI(ino);
	if (hi->fd >= 0)
		close(hi->fd);
	if (hi->parent)
		inode_put(hi->parent);
	free(hi->name);
	free(hi);
}

/* --- writable mounts: each change is one *at call on a directory fd and a vetted name ---- */

/* The directory fd and name a non-root node is reached by. */
static int parent_of(struct inode *ino, int *dirfd, const char **name)
{
	struct host_inode *hi = HI(ino);
	if (!hi->parent)
		return -EBUSY; /* a directory: the VFS reaches it by its own fd */
	*dirfd = HI(hi->parent)->fd;
	*name = hi->name;
	return 0;
}

static int host_create(struct inode *dir, const char *name, mode_t mode, dev_t rdev,
		       const struct vfs_owner *who, struct inode **out)
{
	int dfd = HI(dir)->fd, r;
	(void)rdev;
	switch (mode & S_IFMT) {
	case S_IFREG:
		r = host_openat2_mode(dfd, name, O_CREAT | O_EXCL | O_WRONLY, mode & 07777);
		if (r < 0)
			return r;
		r = fchown(r, who->uid, who->gid) < 0 ? (close(r), -errno) : close(r);
		break;
	case S_IFDIR:
		r = mkdirat(dfd, name, mode & 07777) < 0 ? -errno : 0;
		if (r == 0 && fchownat(dfd, name, who->uid, who->gid, AT_SYMLINK_NOFOLLOW) < 0)
			r = -errno;
		break;
	case S_IFIFO:
		r = mknodat(dfd, name, mode, 0) < 0 ? -errno : 0;
		if (r == 0 && fchownat(dfd, name, who->uid, who->gid, AT_SYMLINK_NOFOLLOW) < 0)
			r = -errno;
		break;
	default:
		/* Device nodes and sockets are never made on the host for a guest. */
		return -EPERM;
	}
	if (r < 0)
		return r;
	return host_lookup(dir, name, out);
}

static int host_symlink(struct inode *dir, const char *name, const char *target,
			const struct vfs_owner *who, struct inode **out)
{
	int dfd = HI(dir)->fd;
	if (symlinkat(target, dfd, name) < 0)
		return -errno;
	if (fchownat(dfd, name, who->uid, who->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return host_lookup(dir, name, out);
}

static int host_link(struct inode *dir, const char *name, struct inode *target)
{
	int ofd;
	const char *oname;
	if (target->ops != &host_inode_ops)
		return -EXDEV;
	int err = parent_of(target, &ofd, &oname);
	if (err < 0)
		return -EPERM;
	return linkat(ofd, oname, HI(dir)->fd, name, 0) < 0 ? -errno : 0;
}

static int host_unlink(struct inode *dir, const char *name, struct inode *victim)
{
	(void)victim;
	return unlinkat(HI(dir)->fd, name, 0) < 0 ? -errno : 0;
}

static int host_rmdir(struct inode *dir, const char *name, struct inode *victim)
{
	(void)victim;
	return unlinkat(HI(dir)->fd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
}

static int host_rename(struct inode *odir, const char *oname, struct inode *ndir, const char *nname,
		       unsigned flags)
{
	if (syscall(SYS_renameat2, HI(odir)->fd, oname, HI(ndir)->fd, nname, flags) < 0)
		return -errno;
	return 0;
}

/* A non-directory remembers its parent and name: a rename changes both. */
static void host_moved(struct inode *ino, struct inode *newdir, const char *newname)
{
	struct host_inode *hi = HI(ino);
	char *nm;
	if (!hi->parent || !(nm = strdup(newname)))
		return;
	free(hi->name);
	hi->name = nm;
	inode_get(newdir);
	inode_put(hi->parent);
	hi->parent = newdir;
}

/* An fd on the node itself for the f* calls: O_RDONLY for directories, O_WRONLY for a size
 * change, else O_PATH (enough for fchownat/utimensat with AT_EMPTY_PATH). */
static int node_fd(struct inode *ino, int flags)
{
	struct host_inode *hi = HI(ino);
	if (hi->fd >= 0)
		return host_openat2(hi->fd, ".", O_RDONLY | O_DIRECTORY);
	return host_openat2(HI(hi->parent)->fd, hi->name, flags);
}

static int host_setattr(struct inode *ino, const struct vfs_setattr *sa)
{
	struct host_inode *hi = HI(ino);
	if (hi->readonly)
		return -EROFS;
	bool lnk = S_ISLNK(ino->mode);
	int fd, err = 0;
	if (lnk) {
		/* A symlink cannot be opened: its owner and times by name, without following. */
		int dfd;
		const char *name;
		if ((err = parent_of(ino, &dfd, &name)) < 0)
			return err;
		if ((sa->mask & (SA_UID | SA_GID)) &&
		    fchownat(dfd, name, (sa->mask & SA_UID) ? sa->uid : (uid_t)-1,
			     (sa->mask & SA_GID) ? sa->gid : (gid_t)-1, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
		if (sa->mask & (SA_ATIME | SA_MTIME)) {
			struct timespec ts[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
			if (sa->mask & SA_ATIME)
				ts[0] = sa->atime;
			if (sa->mask & SA_MTIME)
				ts[1] = sa->mtime;
			if (utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
				return -errno;
		}
		return 0;
	}
	fd = node_fd(ino, (sa->mask & SA_SIZE) ? O_WRONLY : O_PATH);
	if (fd < 0)
		return fd;
	if ((sa->mask & (SA_UID | SA_GID)) &&
	    fchownat(fd, "", (sa->mask & SA_UID) ? sa->uid : (uid_t)-1,
		     (sa->mask & SA_GID) ? sa->gid : (gid_t)-1, AT_EMPTY_PATH) < 0)
		err = -errno;
	/* fchmod refuses O_PATH fds: the mode through the node's name or its directory fd. */
	if (err == 0 && (sa->mask & SA_MODE)) {
		int r;
		if (hi->fd >= 0) {
			r = fchmod(fd, sa->mode & 07777);
		} else {
			r = fchmodat(HI(hi->parent)->fd, hi->name, sa->mode & 07777, 0);
		}
		if (r < 0)
			err = -errno;
	}
	if (err == 0 && (sa->mask & SA_SIZE) && ftruncate(fd, sa->size) < 0)
		err = -errno;
	if (err == 0 && (sa->mask & (SA_ATIME | SA_MTIME))) {
		struct timespec ts[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
		if (sa->mask & SA_ATIME)
			ts[0] = sa->atime;
		if (sa->mask & SA_MTIME)
			ts[1] = sa->mtime;
		if (utimensat(fd, "", ts, AT_EMPTY_PATH) < 0)
			err = -errno;
	}
	close(fd);
	ino->mode =
	    (ino->mode & S_IFMT) | ((sa->mask & SA_MODE) ? sa->mode & 07777 : ino->mode & 07777);
	return err;
}

static const struct inode_ops host_inode_ops = {
    .lookup = host_lookup,
    .getattr = host_getattr,
    .readlink = host_readlink,
    .statfs = host_statfs,
    .open = host_open,
    .release = host_inode_release,
    .create = host_create,
    .symlink = host_symlink,
    .link = host_link,
    .unlink = host_unlink,
    .rmdir = host_rmdir,
    .rename = host_rename,
    .moved = host_moved,
    .setattr = host_setattr,
};

/* --- open files ------------------------------------------------------------------------- */

static struct host_file *HF(struct file *f)
{
	return f->priv;
}

static long host_read(struct file *f, void *buf, size_t len, int64_t *off)
{
	if (S_ISDIR(f->inode->mode))
		return -EISDIR;
	ssize_t n = pread(HF(f)->fd, buf, len, *off);
	if (n < 0)
		return -errno;
	*off += n;
	return n;
}

/* A hidden directory lists "." and ".." only. */
static long hidden_getdents(struct file *f, struct dir_emit *de)
{
	static const char *names[] = {".", ".."};
	struct host_file *hf = HF(f);
	size_t used = 0;
	while (hf->emitted < 2) {
		const char *nm = names[hf->emitted];
		size_t reclen = (offsetof(struct dirent64, d_name) + strlen(nm) + 1 + 7) & ~7UL;
		if (used + reclen > de->cap)
			break;
		struct dirent64 *d = (struct dirent64 *)(de->buf + used);
		memset(d, 0, reclen);
		d->d_ino = f->inode->ino ? f->inode->ino : 1;
		d->d_off = hf->emitted + 1;
		d->d_reclen = (unsigned short)reclen;
		d->d_type = DT_DIR;
		strcpy(d->d_name, nm);
		used += reclen;
		hf->emitted++;
	}
	if (!used && hf->emitted < 2)
		return -EINVAL;
	de->used = used;
	return (long)used;
}

static long host_getdents(struct file *f, struct dir_emit *de)
{
	if (!S_ISDIR(f->inode->mode))
		return -ENOTDIR;
	if (HF(f)->hidden)
		return hidden_getdents(f, de);
	long n = syscall(SYS_getdents64, HF(f)->fd, de->buf, de->cap);
	if (n < 0)
		return -errno;
	de->used = (size_t)n;
	return n;
}

static int64_t host_llseek(struct file *f, int64_t off, int whence)
{
	struct host_file *hf = HF(f);
	if (S_ISDIR(f->inode->mode)) {
		if (hf->hidden) {
			if (whence != SEEK_SET || off < 0)
				return -EINVAL;
			hf->emitted = off > 2 ? 2 : (int)off;
			return off;
		}
		/* Directory offsets are the host's cookies; the host fd keeps the position. */
		off_t r = lseek(hf->fd, off, whence);
		return r < 0 ? -errno : r;
	}
	if (whence == SEEK_DATA || whence == SEEK_HOLE) {
		off_t r = lseek(hf->fd, off, whence);
		return r < 0 ? -errno : r;
	}
	return -ENOSYS; /* the generic code handles SET/CUR/END with our own position */
}

static int host_fstat(struct file *f, struct stat *st)
{
	return host_getattr(f->inode, st);
}

static void host_release(struct file *f)
{
	struct host_file *hf = HF(f);
	if (hf->fd >= 0)
		close(hf->fd);
	free(hf);
}

static long host_write(struct file *f, const void *buf, size_t len, int64_t *off)
{
	struct host_file *hf = HF(f);
	ssize_t n;
	if (f->flags & O_APPEND) {
		/* Opened O_APPEND on the host: write lands at the end; our position follows. */
		n = write(hf->fd, buf, len);
		if (n >= 0 && off) {
			off_t end = lseek(hf->fd, 0, SEEK_CUR);
			*off = end >= 0 ? end : *off + n;
		}
	} else {
		n = pwrite(hf->fd, buf, len, *off);
		if (n > 0)
			*off += n;
	}
	return n < 0 ? -errno : n;
}

static int host_host_fd(struct file *f)
{
	return S_ISREG(f->inode->mode) && HF(f)->fd >= 0 ? HF(f)->fd : -ENODEV;
}

static int host_fsync(struct file *f, bool datasync)
{
	int fd = HF(f)->fd;
	if (fd < 0)
		return 0;
	return (datasync ? fdatasync(fd) : fsync(fd)) < 0 ? -errno : 0;
}

static int host_fallocate(struct file *f, int mode, int64_t off, int64_t len)
{
	return fallocate(HF(f)->fd, mode, off, len) < 0 ? -errno : 0;
}

static const struct file_ops host_file_ops = {
    .read = host_read,
    .write = host_write,
    .fsync = host_fsync,
    .fallocate = host_fallocate,
    .host_fd = host_host_fd,
    .getdents = host_getdents,
    .llseek = host_llseek,
    .fstat = host_fstat,
    .release = host_release,
};

int hostfs_mount(const char *host_root, bool readonly, struct mount **out)
{
	struct stat st;
	struct host_inode *hi;
	struct inode *ino;
	int fd;

	fd = open(host_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	hi = calloc(1, sizeof(*hi));
	if (!hi) {
		close(fd);
		return -ENOMEM;
	}
	hi->fd = fd;
	hi->root_dev = st.st_dev;
	hi->readonly = readonly;
	ino = host_inode_new(&st, hi);
	if (!ino) {
		close(fd);
		free(hi);
		return -ENOMEM;
	}
	/* Inode number 0 marks the root for is_pseudo_fs; stat reports the host's number. */
	ino->ino = 0;
	return mount_from_root_inode(ino, readonly ? MS_RDONLY : 0, out);
}
