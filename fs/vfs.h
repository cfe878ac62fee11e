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

struct inode_ops {
	/* Finds name (never "", ".", ".." and never containing '/') in directory dir. */
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
};

struct inode {
	int refs;
	const struct inode_ops *ops;
	mode_t mode; /* the file type bits, and the permission bits at lookup time */
	uint64_t ino;
	bool readonly_fs;
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
	/* Readiness now, as poll(2) events (POLLIN, POLLOUT, POLLHUP, ...). NULL: a regular
	 * file, always ready for reading and writing. Files whose readiness changes inside
	 * the Sentry call vfs_io_event() on every change; files backed by a host fd set
	 * *host_fd instead (the waiter polls the host for them). */
	unsigned (*poll)(struct file *f, int *host_fd);
	void (*release)(struct file *f);
};

/* Readiness changed somewhere (a pipe was written, closed, ...): wakes poll/select waiters.
 * A single sandbox-wide sequence and condition: simple, and enough until epoll needs
 * per-file wait queues. */
void vfs_io_event(void);
/* Waits until vfs_io_event() is called after *seq was read (or the deadline, CLOCK_MONOTONIC,
 * passes, or a signal comes for t): 0, -ETIMEDOUT or -EINTR. */
struct task;
uint64_t vfs_io_seq(void);
int vfs_io_wait(struct task *t, uint64_t seq, const struct timespec *deadline);

struct file {
	int refs;
	const struct file_ops *ops;
	struct path path; /* may be empty for anonymous files (stdio of the caller, pipes) */
	struct inode *inode;
	int flags; /* O_ACCMODE, O_APPEND, O_NONBLOCK, O_DIRECT, O_PATH, ... (no O_CLOEXEC) */
	int64_t pos;
	bool stream; /* no file position of ours: read/write get a NULL offset */
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

/* Resolves path (already copied from the guest) from start (used when path is relative).
 * On success *out holds references the caller puts. */
int path_walk(struct task *t, const struct path *start, const char *path, int flags,
	      struct path *out);

/* Resolves dirfd + path as the *at syscalls do (AT_FDCWD, absolute paths, AT_EMPTY_PATH). */
int path_lookup_at(struct task *t, int dirfd, const char *path, int flags, struct path *out);

/* Mounts m on the directory path names (m's reference passes to the mount table). */
int vfs_mount_at(struct task *t, const char *path, struct mount *m);

/* Detaches m from its mountpoint and drops the mount table's references. */
void vfs_unmount(struct mount *m);

/* Generic permission check (MAY_READ 4, MAY_WRITE 2, MAY_EXEC 1) against the task's creds. */
int inode_permission(struct inode *ino, int mask, const struct task *t);

/* Opens a resolved path as a new file description with the given open flags. */
int vfs_open(struct task *t, const struct path *p, int flags, struct file **out);

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
