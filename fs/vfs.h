/*
 * The VFS core: inodes, dentries, mounts, path walk, open file descriptions, fd tables.
 *
 * Filesystems implement inode_ops and file_ops; the walk (fs/namei.c) is shared and is the
 * only place that interprets "/", ".", ".." and symlinks, so a filesystem never sees a path,
 * only single names. The host filesystem (fs/hostfs.c) additionally reaches the host only
 * through openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) from a directory fd.
 *
 * Reference counting: inode, dentry, mount and file each carry a count; *_get takes one,
 * *_put drops one. Dentries hold their parent and their inode.
 */
#ifndef CVISOR_VFS_H
#define CVISOR_VFS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>

struct task;
struct inode;
struct dentry;
struct file;
struct mount;
struct epitem;

/* Who creates a node: its owner, and the mode bits after the umask. */
struct vfs_owner {
	uid_t uid;
	gid_t gid;
};

/* What setattr changes: the SA_* bits in mask say which fields count. */
#define SA_MODE	     0x01 /* permission bits only (07777); the type never changes */
#define SA_UID	     0x02
#define SA_GID	     0x04
#define SA_SIZE	     0x08 /* truncate or extend (regular files) */
#define SA_ATIME     0x10
#define SA_MTIME     0x20
#define SA_CTIME     0x40 /* set ctime to the given time (else the fs sets it to now on any change) */
#define SA_TIMES_NOW 0x80 /* for the VFS's permission check: atime and mtime are both "now" */
struct vfs_setattr {
	unsigned mask;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	int64_t size;
	struct timespec atime, mtime, ctime;
};

/*
 * Operations on inodes. Names handed to a filesystem are always single, vetted components
 * (never "", ".", ".." and never containing '/', at most NAME_MAX bytes). The VFS has done
 * every permission check, the read-only mount check and the "exists / does not exist" checks
 * it can make from the dentry cache before calling a method that changes the tree; the
 * filesystem still answers -EEXIST / -ENOENT / -ENOTEMPTY / -ENOSPC from its own state.
 * A NULL method that changes the tree means the filesystem cannot: the VFS answers -EPERM
 * (link), -EROFS (readonly_fs) or -EOPNOTSUPP.
 */
struct inode_ops {
	/* Finds name in directory dir. */
	int (*lookup)(struct inode *dir, const char *name, struct inode **out);
	int (*getattr)(struct inode *ino, struct stat *st);
	/* Symlink target into buf (not NUL-terminated); returns its length. */
	long (*readlink)(struct inode *ino, char *buf, size_t cap);
	/* Opens the inode for a file description: sets f->ops and f->priv. */
	int (*open)(struct inode *ino, struct file *f);
	/* Access check with the filesystem's own rules (NULL: the generic mode-bit check). */
	int (*permission)(struct inode *ino, int mask, const struct task *t);
	/* The filesystem's statfs (NULL: a minimal answer from the VFS). */
	int (*statfs)(struct inode *ino, struct statfs *st);
	void (*release)(struct inode *ino);

	/* --- writable filesystems ---------------------------------------------------------- */
	/* Creates a new node called name in dir. mode holds the type (S_IFREG, S_IFDIR, S_IFIFO,
	 * S_IFSOCK, S_IFCHR, S_IFBLK) and the permission bits (umask already applied); rdev the
	 * device number of device nodes. Returns the new inode referenced in *out. */
	int (*create)(struct inode *dir, const char *name, mode_t mode, dev_t rdev,
		      const struct vfs_owner *who, struct inode **out);
	int (*symlink)(struct inode *dir, const char *name, const char *target,
		       const struct vfs_owner *who, struct inode **out);
	/* A new name for target (never a directory) in dir; both on this filesystem. */
	int (*link)(struct inode *dir, const char *name, struct inode *target);
	/* Removes name (a non-directory, victim) from dir. */
	int (*unlink)(struct inode *dir, const char *name, struct inode *victim);
	/* Removes name (an empty directory, victim: -ENOTEMPTY if it is not) from dir. */
	int (*rmdir)(struct inode *dir, const char *name, struct inode *victim);
	/* Moves odir/oname to ndir/nname, both on this filesystem. flags: 0 (replace nname if it
	 * exists: the VFS has checked the types agree and a directory target is empty-or-the-fs-
	 * says-ENOTEMPTY), RENAME_NOREPLACE, or RENAME_EXCHANGE (both exist; swap them). The VFS
	 * has refused moving a directory into itself. */
	int (*rename)(struct inode *odir, const char *oname, struct inode *ndir, const char *nname,
		      unsigned flags);
	/* After a successful rename: the cached inode ino now lives in newdir as newname
	 * (optional; for filesystems whose inodes remember where they are). */
	void (*moved)(struct inode *ino, struct inode *newdir, const char *newname);
	/* Changes attributes (see struct vfs_setattr); keeps ino->mode up to date. */
	int (*setattr)(struct inode *ino, const struct vfs_setattr *sa);
	/* Extended attributes (NULL: -EOPNOTSUPP). list fills buf with NUL-terminated names
	 * (cap 0: returns the size needed); get returns the value's size (cap 0: just the size);
	 * set takes XATTR_CREATE / XATTR_REPLACE in flags. */
	long (*getxattr)(struct inode *ino, const char *name, void *buf, size_t cap);
	int (*setxattr)(struct inode *ino, const char *name, const void *val, size_t len,
			int flags);
	long (*listxattr)(struct inode *ino, char *buf, size_t cap);
	int (*removexattr)(struct inode *ino, const char *name);
};

struct inode {
	int refs;
	const struct inode_ops *ops;
	mode_t mode; /* the file type bits, and the permission bits at lookup time */
	uint64_t ino;
	bool readonly_fs;
	dev_t dev; /* st_dev of the filesystem (0: the filesystem's getattr says) */
	void *priv;
};

struct dentry {
	int refs;
	char *name;
	struct dentry *parent; /* the root of a filesystem is its own parent */
	struct inode *inode;
	struct dentry *children; /* a cache of looked-up names: negative entries not kept */
	struct dentry *next_sibling;
	struct mount *mounted_here; /* a mount whose root covers this dentry */
	bool unhashed; /* removed from its parent's cache (unlinked, or replaced by rename) */
};

struct mount {
	int refs;
	struct dentry *root;
	struct mount *parent;	   /* NULL for the root mount */
	struct dentry *mountpoint; /* in parent */
	unsigned flags;		   /* MS_RDONLY, MS_NOSUID, ... */
};

struct path {
	struct mount *mnt;
	struct dentry *dentry;
};

/* A directory entry emitted by getdents: the linux_dirent64 layout. */
struct dir_emit {
	char *buf;
	size_t cap, used;
};

struct file_ops {
	/* off is the position to use (and to advance), or NULL for stream files. */
	long (*read)(struct file *f, void *buf, size_t len, int64_t *off);
	long (*write)(struct file *f, const void *buf, size_t len, int64_t *off);
	/* Fills linux_dirent64 records into de from the file's position; returns bytes used. */
	long (*getdents)(struct file *f, struct dir_emit *de);
	int64_t (*llseek)(struct file *f, int64_t off, int whence);
	long (*ioctl)(struct file *f, struct task *t, unsigned long cmd, uint64_t arg);
	int (*fstat)(struct file *f, struct stat *st);
	/* fsync/fdatasync (NULL: nothing to do, 0). */
	int (*fsync)(struct file *f, bool datasync);
	/* A host fd whose pages are this file's data, for MAP_SHARED mappings that stay coherent
	 * with read and write (a tmpfs memfd, a host file). Borrowed: valid while f is. NULL or
	 * -ENODEV: the file cannot be mapped shared. */
	int (*host_fd)(struct file *f);
	/* fallocate (NULL: -EOPNOTSUPP). mode: 0, FALLOC_FL_KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE. */
	int (*fallocate)(struct file *f, int mode, int64_t off, int64_t len);
	/* Readiness now, as poll(2) events (POLLIN, POLLOUT, POLLHUP, ...). NULL: a regular
	 * file, always ready for reading and writing. Files whose readiness changes inside
	 * the Sentry call vfs_io_event() on every change; files backed by a host fd set
	 * *host_fd instead (the waiter polls the host for them). */
	unsigned (*poll)(struct file *f, int *host_fd);
	/* The stamp of the last readiness event of the object behind f whose key meets events
	 * (poll bits): vfs_io_source_gen() of its struct vfs_io_source. Edge-triggered epoll
	 * reports a file again when this moved. NULL: not known; epoll then takes every
	 * vfs_io_event() of the sandbox as one for this file (spurious reports, none missed). */
	uint64_t (*io_gen)(struct file *f, unsigned events);
	void (*release)(struct file *f);
};

/* Readiness changed somewhere (a pipe was written, closed, ...): wakes poll/select/epoll
 * waiters. A single sandbox-wide sequence and condition: every waiter rescans what it
 * watches; which file changed is told to epoll by struct vfs_io_source below. */
void vfs_io_event(void);
/* Waits until vfs_io_event() is called after *seq was read (or the deadline, CLOCK_MONOTONIC,
 * passes, or a signal comes for t): 0, -ETIMEDOUT or -EINTR. */
struct task;
uint64_t vfs_io_seq(void);
int vfs_io_wait(struct task *t, uint64_t seq, const struct timespec *deadline);

/*
 * Readiness events of one object, for edge-triggered epoll (fs/epoll.c), which must know
 * whether *this* file signalled since it last reported it, as Linux's wake-up callbacks tell
 * it. An object whose readiness a poll op reports (a pipe, a tty, an eventfd) embeds a
 * struct vfs_io_source and bumps it with the poll bits the change concerns (Linux's wake-up
 * key: POLLIN for new data, POLLOUT for new room, 0 for anything, e.g. a hangup) after the
 * change and before its vfs_io_event(); its file_ops.io_gen returns vfs_io_source_gen().
 * A bump stores a fresh sandbox-wide stamp (vfs_io_stamp, which every vfs_io_event() also
 * advances), so stamps also order events of different files. Lock-free: any context.
 */
struct vfs_io_source {
	uint64_t stamp[3]; /* the last event keyed for reading, for writing, for the rest */
};
extern uint64_t vfs_io_stamp;
#define VFS_IO_IN_BITS	(0x0001 | 0x0002 | 0x0040 | 0x0080 | 0x0400) /* IN PRI RDNORM RDBAND MSG */
#define VFS_IO_OUT_BITS (0x0004 | 0x0100 | 0x0200)		     /* OUT WRNORM WRBAND */

static inline uint64_t vfs_io_next_stamp(void)
{
	return __atomic_add_fetch(&vfs_io_stamp, 1, __ATOMIC_SEQ_CST);
}

static inline void vfs_io_source_bump(struct vfs_io_source *s, unsigned key)
{
	uint64_t st = vfs_io_next_stamp();
	if (!key || (key & VFS_IO_IN_BITS))
		__atomic_store_n(&s->stamp[0], st, __ATOMIC_SEQ_CST);
	if (!key || (key & VFS_IO_OUT_BITS))
		__atomic_store_n(&s->stamp[1], st, __ATOMIC_SEQ_CST);
	if (!key || (key & ~(VFS_IO_IN_BITS | VFS_IO_OUT_BITS)))
		__atomic_store_n(&s->stamp[2], st, __ATOMIC_SEQ_CST);
}

/* The last event whose key meets events (0 when none ever did). */
static inline uint64_t vfs_io_source_gen(const struct vfs_io_source *s, unsigned events)
{
	uint64_t g = 0, v;
	if (events & VFS_IO_IN_BITS && (v = __atomic_load_n(&s->stamp[0], __ATOMIC_SEQ_CST)) > g)
		g = v;
	if (events & VFS_IO_OUT_BITS && (v = __atomic_load_n(&s->stamp[1], __ATOMIC_SEQ_CST)) > g)
		g = v;
	if (events & ~(VFS_IO_IN_BITS | VFS_IO_OUT_BITS) &&
	    (v = __atomic_load_n(&s->stamp[2], __ATOMIC_SEQ_CST)) > g)
		g = v;
	return g;
}

struct file {
	int refs;
	const struct file_ops *ops;
	struct path path; /* may be empty for anonymous files (stdio of the caller, pipes) */
	struct inode *inode;
	int flags; /* O_ACCMODE, O_APPEND, O_NONBLOCK, O_DIRECT, O_PATH, ... (no O_CLOEXEC) */
	int64_t pos;
	bool stream;	      /* no file position of ours: read/write get a NULL offset */
	bool fsnotify_opened; /* opened through a path: its last put reports IN_CLOSE_* (inotify) */
	struct epitem *epoll_items; /* epoll instances watching it (fs/epoll.c, its links lock) */
	pthread_mutex_t pos_lock;
	void *priv;
};

/* --- objects ---------------------------------------------------------------------------- */
struct inode *inode_new(const struct inode_ops *ops, mode_t mode, void *priv);
void inode_get(struct inode *ino);
void inode_put(struct inode *ino);

struct dentry *dentry_new_root(struct inode *ino);
void dentry_get(struct dentry *d);
void dentry_put(struct dentry *d);

struct mount *mount_new(struct dentry *root, unsigned flags);
/* A new mount whose root is ino (its reference passes to the mount); 0 or -ENOMEM. */
int mount_from_root_inode(struct inode *ino, unsigned flags, struct mount **out);
void path_get(const struct path *p);
void path_put(struct path *p);

/* A new file description with one reference; the caller sets ops (or calls inode open). */
struct file *file_new(const struct file_ops *ops, int flags, void *priv);
void file_get(struct file *f);
void file_put(struct file *f);

/* --- per-process filesystem context --------------------------------------------------- */
struct fs_context {
	int refs;
	pthread_mutex_t lock;
	struct path root;
	struct path cwd;
	mode_t umask;
};

struct fs_context *fs_context_new(const struct path *root);
/* A copy for fork (CLONE_FS shares instead: take a reference). */
struct fs_context *fs_context_dup(struct fs_context *fs);
void fs_context_put(struct fs_context *fs);

/* --- the walk ---------------------------------------------------------------------------- */
#define LOOKUP_FOLLOW	 0x1 /* follow a symlink in the last component */
#define LOOKUP_DIRECTORY 0x2 /* the last component must be a directory */
#define LOOKUP_EMPTY	 0x4 /* "" names the start itself (AT_EMPTY_PATH) */
#define MAX_SYMLINKS	 40
/* openat2's RESOLVE_* rules for a walk. */
#define LOOKUP_BENEATH	    0x08 /* stay under the start: EXDEV for "/", ".." above it */
#define LOOKUP_IN_ROOT	    0x10 /* the start is "/" for this walk */
#define LOOKUP_NO_SYMLINKS  0x20 /* ELOOP for any symlink to follow */
#define LOOKUP_NO_XDEV	    0x40 /* EXDEV when crossing a mount */
#define LOOKUP_RESOLVE_MASK (LOOKUP_BENEATH | LOOKUP_IN_ROOT | LOOKUP_NO_SYMLINKS | LOOKUP_NO_XDEV)

/* Resolves path (already copied from the guest) from start (used when path is relative).
 * On success *out holds references the caller puts. */
int path_walk(struct task *t, const struct path *start, const char *path, int flags,
	      struct path *out);

/* Resolves dirfd + path as the *at syscalls do (AT_FDCWD, absolute paths, AT_EMPTY_PATH). */
int path_lookup_at(struct task *t, int dirfd, const char *path, int flags, struct path *out);

/* Resolves every component of path but the last (following symlinks) into *parent and copies
 * the last into name: "" for "/" (or a path of only slashes), "." and ".." as they are.
 * *trailing_slash says whether the last component was followed by '/'. */
int path_parent_at(struct task *t, int dirfd, const char *path, struct path *parent, char name[256],
		   bool *trailing_slash);

/* The namespace operations behind the syscalls of the same names (fs/namei_ops.c). Each
 * resolves its paths as the *at syscalls do and makes Linux's checks in Linux's order
 * (permission on the parent, sticky directories, read-only mounts, EXDEV across mounts,
 * EBUSY for mountpoints, EINVAL for moving a directory into itself). */
int vfs_mknodat(struct task *t, int dirfd, const char *path, mode_t mode, dev_t rdev);
int vfs_mkdirat(struct task *t, int dirfd, const char *path, mode_t mode);
int vfs_unlinkat(struct task *t, int dirfd, const char *path, bool rmdir);
int vfs_symlinkat(struct task *t, const char *target, int dirfd, const char *path);
/* lflags: LOOKUP_FOLLOW (AT_SYMLINK_FOLLOW), LOOKUP_EMPTY (AT_EMPTY_PATH). */
int vfs_linkat(struct task *t, int odirfd, const char *opath, int ndirfd, const char *npath,
	       int lflags);
int vfs_renameat(struct task *t, int odirfd, const char *opath, int ndirfd, const char *npath,
		 unsigned flags);
/* Changes attributes of an inode reached by p, after Linux's ownership and capability
 * checks for the fields in sa->mask (chmod, chown, utimensat, truncate rules). */
int vfs_setattr(struct task *t, const struct path *p, struct vfs_setattr *sa);
/* open(2)'s O_CREAT: opens dirfd/path, creating a regular file if it is missing (O_EXCL: it
 * must be missing). Returns the new file description in *out. */
int vfs_open_create(struct task *t, int dirfd, const char *path, int flags, mode_t mode,
		    struct file **out);
/* open(2)'s O_TMPFILE: an unnamed regular file in the directory dirfd/path. */
int vfs_open_tmpfile(struct task *t, int dirfd, const char *path, int flags, mode_t mode,
		     struct file **out);
/* 0 if p may be written through its mount (not MS_RDONLY, not a read-only filesystem). */
int path_want_write(const struct path *p);

/* Mounts m on the directory path names (m's reference passes to the mount table). */
int vfs_mount_at(struct task *t, const char *path, struct mount *m);

/* Detaches m from its mountpoint and drops the mount table's references. */
void vfs_unmount(struct mount *m);

/* The sandbox's list of mounts (fs/mount_list.c) for /proc/<pid>/mounts and mountinfo:
 * vfs_mount_at registers each mount, vfs_unmount unregisters it. Ids count up from 2 in mount
 * order; a mount never registered (the root) has id 1. */
void mount_list_register(struct mount *m);
void mount_list_unregister(struct mount *m);
int mount_list_id(const struct mount *m);
/* Calls fn for every registered mount, in mount order, with its id and its parent's, under
 * the list's lock (fn must not mount, unmount or call the other mount_list functions). */
void mount_list_each(void (*fn)(struct mount *m, int id, int parent_id, void *arg), void *arg);

/* The path of p as seen from root, as Linux's d_path: NUL-terminated in buf, climbing dentry
 * parents and mount points, " (deleted)" after an unlinked one; a path outside root is given
 * from the top of its mount tree. Returns its length, or -ENAMETOOLONG. (fs/procfs_path.c) */
int path_to_string(const struct path *p, const struct path *root, char *buf, size_t cap);

/* Generic permission check (MAY_READ 4, MAY_WRITE 2, MAY_EXEC 1) against the task's creds. */
int inode_permission(struct inode *ino, int mask, const struct task *t);

/* Opens a resolved path as a new file description with the given open flags (O_TRUNC
 * truncates a regular file). */
int vfs_open(struct task *t, const struct path *p, int flags, struct file **out);
/* The same; created: the caller just created the file (no permission check, no truncate). */
int vfs_open_flags(struct task *t, const struct path *p, int flags, bool created,
		   struct file **out);

int vfs_getattr(struct inode *ino, struct stat *st);

/* --- fd tables --------------------------------------------------------------------------- */
#define FD_MAX_DEFAULT 1024

struct fd_table {
	int refs;
	pthread_mutex_t lock;
	int cap;
	struct file **files;
	uint8_t *cloexec;
	unsigned limit; /* RLIMIT_NOFILE soft limit */
};

struct fd_table *fd_table_new(void);
/* A copy for fork: the same file descriptions, each referenced once more. */
struct fd_table *fd_table_dup(struct fd_table *t);
/* Closes every close-on-exec descriptor (execve). */
void fd_table_close_on_exec(struct fd_table *t);
void fd_table_put(struct fd_table *t);
/* Installs f at the lowest free fd >= min; takes a reference to f. Returns the fd or -EMFILE. */
int fd_install(struct fd_table *t, struct file *f, int min, bool cloexec);
/* Installs f at exactly fd, closing what was there. */
int fd_install_at(struct fd_table *t, int fd, struct file *f, bool cloexec);
/* Returns a referenced file for fd, or NULL (EBADF). */
struct file *fd_get(struct fd_table *t, int fd);
int fd_close(struct fd_table *t, int fd);
int fd_set_cloexec(struct fd_table *t, int fd, bool on);
int fd_get_cloexec(struct fd_table *t, int fd);

/* --- host-backed filesystems ---------------------------------------------------------- */
/* A read-only view of the host directory host_root as a mount. */
int hostfs_mount(const char *host_root, bool readonly, struct mount **out);
/* A file description over a host fd the caller passes in (the caller's stdio). */
struct file *hostfd_file_new(int host_fd, int flags);

#endif
