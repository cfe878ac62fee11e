/*
 * inotify: file-change notification for the guest (inotify_init1, inotify_add_watch,
 * inotify_rm_watch and reads of struct inotify_event records), as Linux's fs/notify/inotify.
 *
 * The VFS reports what happens through the fsnotify_* calls below. Each first tests one
 * sandbox-wide count of watches, so a sandbox that watches nothing pays one atomic load per
 * hook. Watches are keyed by struct inode * (the VFS keeps one inode object per cached name),
 * hold a reference to their inode, and end (with IN_IGNORED) on inotify_rm_watch, on
 * IN_DELETE_SELF, after one event for IN_ONESHOT, and when their instance's file goes.
 *
 * Who receives what, as in Linux: an event about a directory's entry goes to the watches on
 * that directory with the entry's name; an event on an inode goes to its own watches without a
 * name, and (for file events: open, access, modify, attrib, close) also to the watches on its
 * parent directory with its name.
 *
 * Locking: one leaf lock inside fs/inotify.c; the hooks may be called with any VFS lock held
 * (ns_lock, a file's position lock), but never with the dentry cache lock.
 */
#ifndef CVISOR_INOTIFY_H
#define CVISOR_INOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/inotify.h>
#include <sys/types.h>

struct dentry;
struct file;
struct inode;
struct task;

/* The number of live watches in the sandbox: 0 means no hook has anything to do. */
extern int inotify_nwatches;

static inline bool fsnotify_active(void)
{
	return __atomic_load_n(&inotify_nwatches, __ATOMIC_RELAXED) != 0;
}

/*
 * The one entry point: mask (IN_* events, IN_ISDIR included by the caller) goes to the watches
 * on dir with name (when both are given) and to the watches on ino without a name (when ino
 * is given). IN_DELETE_SELF also ends every watch on ino (IN_IGNORED). cookie ties
 * IN_MOVED_FROM to IN_MOVED_TO (0 otherwise).
 */
void fsnotify(struct inode *dir, struct inode *ino, uint32_t mask, const char *name,
	      uint32_t cookie);

/* --- hooks for the VFS (each cheap when nothing is watched) ------------------------------ */
void fsnotify_file_event(struct file *f, uint32_t mask);
void fsnotify_setattr_event(struct dentry *d, unsigned sa_mask);
void fsnotify_unlinked_event(struct inode *dir, const char *name, struct dentry *victim,
			     bool isdir);
void fsnotify_renamed_event(struct inode *odir, const char *oname, struct inode *ndir,
			    const char *nname, struct dentry *moved, struct dentry *other,
			    unsigned flags);
void fsnotify_inode_unused_event(struct inode *ino);

/* A file opened through a path (open, openat, O_CREAT): IN_OPEN. */
static inline void fsnotify_open(struct file *f)
{
	if (fsnotify_active())
		fsnotify_file_event(f, IN_OPEN);
}

/* A successful read (IN_ACCESS) or write (IN_MODIFY) through f; files without a path (pipes,
 * the caller's stdio) have nobody watching them and are skipped. */
static inline void fsnotify_access(struct file *f)
{
	if (fsnotify_active())
		fsnotify_file_event(f, IN_ACCESS);
}

static inline void fsnotify_modify(struct file *f)
{
	if (fsnotify_active())
		fsnotify_file_event(f, IN_MODIFY);
}

/* The last reference to a file opened through a path: IN_CLOSE_WRITE or IN_CLOSE_NOWRITE by
 * its access mode. */
void fsnotify_close_event(struct file *f);
static inline void fsnotify_close(struct file *f)
{
	if (fsnotify_active())
		fsnotify_close_event(f);
}

/* After read/write/pread/pwrite/readv/writev returned r: IN_ACCESS or IN_MODIFY if r > 0. */
static inline void fsnotify_rw(struct file *f, long r, bool write)
{
	if (r > 0 && fsnotify_active())
		fsnotify_file_event(f, write ? IN_MODIFY : IN_ACCESS);
}

/* A new entry name in dir: IN_CREATE (with IN_ISDIR for a directory). */
static inline void fsnotify_create(struct inode *dir, const char *name, bool isdir)
{
	if (fsnotify_active())
		fsnotify(dir, NULL, IN_CREATE | (isdir ? IN_ISDIR : 0), name, 0);
}

/* A new hard link name in dir for target: IN_ATTRIB on target (its link count), then
 * IN_CREATE in dir. */
static inline void fsnotify_link(struct inode *dir, const char *name, struct inode *target)
{
	if (fsnotify_active()) {
		fsnotify(NULL, target, IN_ATTRIB, NULL, 0);
		fsnotify(dir, NULL, IN_CREATE, name, 0);
	}
}

/* name (the dentry victim, already unhashed) was removed from dir: IN_ATTRIB on a non-
 * directory, IN_DELETE_SELF + IN_IGNORED when its last link went (now, or when the last user
 * of the dentry lets go), then IN_DELETE in dir. */
static inline void fsnotify_unlink(struct inode *dir, const char *name, struct dentry *victim,
				   bool isdir)
{
	if (fsnotify_active())
		fsnotify_unlinked_event(dir, name, victim, isdir);
}

/* After a successful rename of moved (now named nname in ndir). other: the dentry at nname
 * before the rename (replaced and unhashed, or the exchange partner), or NULL. flags: the
 * rename flags (RENAME_EXCHANGE). IN_MOVED_FROM/IN_MOVED_TO with one cookie, IN_MOVE_SELF,
 * and for a replaced target IN_ATTRIB and IN_DELETE_SELF. */
static inline void fsnotify_rename(struct inode *odir, const char *oname, struct inode *ndir,
				   const char *nname, struct dentry *moved, struct dentry *other,
				   unsigned flags)
{
	if (fsnotify_active())
		fsnotify_renamed_event(odir, oname, ndir, nname, moved, other, flags);
}

/* A successful setattr on d with these SA_* bits: IN_ATTRIB, IN_MODIFY or IN_ACCESS as
 * Linux's fsnotify_change maps them. */
static inline void fsnotify_setattr(struct dentry *d, unsigned sa_mask)
{
	if (fsnotify_active())
		fsnotify_setattr_event(d, sa_mask);
}

/* An unhashed dentry's last reference is going: a deferred IN_DELETE_SELF happens now. */
static inline void fsnotify_inode_unused(struct inode *ino)
{
	if (fsnotify_active())
		fsnotify_inode_unused_event(ino);
}

/* --- the syscalls' side ------------------------------------------------------------------ */
/* A new inotify instance file (flags: O_NONBLOCK or 0), with one reference. */
int inotify_create(int flags, struct file **out);
bool file_is_inotify(const struct file *f);
/* 0 if an inotify_add_watch mask holds at least one bit Linux knows, else -EINVAL. */
int inotify_check_mask(uint32_t mask);
/* Adds or updates the watch of f's instance on ino (mask as inotify_add_watch's, already
 * checked); returns the watch descriptor, -EEXIST (IN_MASK_CREATE) or -ENOSPC. */
int inotify_watch_add(struct file *f, struct inode *ino, uint32_t mask);
/* Removes watch wd of f's instance, queueing IN_IGNORED: 0 or -EINVAL. */
int inotify_watch_remove(struct file *f, int wd);

#endif
