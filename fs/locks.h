/*
 * Advisory file locks, kept entirely in Sentry memory (the host is never asked):
 *
 *  - flock(2) locks: whole-file, owned by the open file description; every fd and process
 *    sharing the description shares the lock; they go when the description's last
 *    reference goes (file_put calls locks_remove_file).
 *  - POSIX record locks (fcntl F_SETLK, F_SETLKW, F_GETLK): byte ranges owned by the fd
 *    table (Linux's files_struct, so in practice the process), reported with the guest pid
 *    of the process that set them; all of an owner's locks on a file go when ANY of its fds
 *    for that file is closed (the fd table calls locks_remove_posix).
 *  - OFD locks (F_OFD_SETLK, F_OFD_SETLKW, F_OFD_GETLK): byte ranges like POSIX locks, but
 *    owned by the open file description; they conflict with POSIX locks of the same file.
 *
 * flock locks and record locks never conflict with each other (as in Linux since 2.0).
 * Locks are keyed by the inode object (the VFS keeps one per file), or by the description
 * itself for anonymous files with no inode.
 */
#ifndef CVISOR_LOCKS_H
#define CVISOR_LOCKS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct file;
struct task;

/* The guest's struct flock on x86_64 (struct flock64 is the same). */
struct guest_flock {
	int16_t l_type;
	int16_t l_whence;
	int64_t l_start;
	int64_t l_len;
	int32_t l_pid;
	int32_t pad;
};
_Static_assert(sizeof(struct guest_flock) == 32, "struct flock is 32 bytes on x86_64");

/* The end of a lock that reaches to the end of the file and beyond (Linux's OFFSET_MAX). */
#define LOCK_OFFSET_MAX INT64_MAX

/* Who holds a record lock: the fd table (POSIX) or the file description (OFD). */
struct lock_owner {
	const void *id;
	pid_t pid; /* reported by F_GETLK (POSIX locks; OFD locks report -1) */
	bool ofd;
};

/* flock(2) on f: LOCK_SH, LOCK_EX or LOCK_UN, with LOCK_NB (already validated). Blocks
 * through task_wait unless LOCK_NB: -EWOULDBLOCK, or -EINTR on a signal. */
int locks_flock(struct task *t, struct file *f, int op);

/* Turns the guest's l_whence/l_start/l_len into an inclusive byte range [*start, *end]
 * of f, as Linux's flock64_to_posix_lock: -EINVAL or -EOVERFLOW. */
int locks_flock_range(struct file *f, const struct guest_flock *gl, int64_t *start, int64_t *end);

/* Sets (F_RDLCK, F_WRLCK) or releases (F_UNLCK) a record lock on [start, end] for o.
 * wait: sleep through conflicts (F_SETLKW; t must be the caller). -EAGAIN on a conflict
 * when not waiting, -EDEADLK for a POSIX owner waiting in a cycle, -EINTR on a signal,
 * -ENOLCK when the lock table is full. */
int locks_posix_set(struct task *t, struct file *f, const struct lock_owner *o, int type,
		    int64_t start, int64_t end, bool wait);

/* F_GETLK: the first lock of another owner that would conflict with type on [start, end]
 * goes into *gl (type, start, len, whence SEEK_SET, pid); with no conflict only
 * gl->l_type changes, to F_UNLCK. */
void locks_posix_test(struct file *f, const struct lock_owner *o, int type, int64_t start,
		      int64_t end, struct guest_flock *gl);

/* An fd of table owner no longer refers to f: owner's POSIX locks on f's file go. */
void locks_remove_posix(struct file *f, const void *owner);

/* f's last reference is going: its flock and OFD locks go. */
void locks_remove_file(struct file *f);

/* How many lock records exist now (for tests: every lock is freed in the end). */
long locks_count(void);

#endif
