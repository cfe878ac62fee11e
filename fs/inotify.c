/*
 * inotify instances, watches and event queues (fs/inotify.h), modelled on Linux's
 * fs/notify/inotify: the same watch descriptors (cyclic from 1, one per inode per instance),
 * the same records (struct inotify_event, names NUL-padded to a multiple of 16 bytes), the
 * same merging of an event identical to the last one queued, and the same overflow rule (at
 * 16384 queued events one IN_Q_OVERFLOW record, with wd -1, takes the place of what follows).
 *
 * Everything here is under one leaf lock (ino_lock): the hash of watched inodes, every
 * instance's watches and queue. A hook finds the watches of at most two inodes, so the lock is
 * held briefly; nothing else is locked under it, inode references are dropped and
 * vfs_io_event() is called only after it is released. Blocked readers wait on their
 * instance's condition through task_wait(), so signals interrupt them as pipe readers.
 */
#define _GNU_SOURCE
#include "fs/inotify.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "fs/namei_internal.h"
#include "fs/vfs.h"
#include "sentry/signal.h"
#include "sentry/task.h"

#define MAX_QUEUED_EVENTS 16384 /* /proc/sys/fs/inotify/max_queued_events */
#define MAX_INSTANCES	  128	/* max_user_instances; here per sandbox */
#define MAX_WATCHES	  65536 /* max_user_watches (Linux sizes it from RAM); per sandbox */
#define HASH_BUCKETS	  4096

/* linux/inotify.h, whose other definitions clash with glibc's. */
#define INOTIFY_IOC_SETNEXTWD _IOW('I', 0, int32_t)

/* Every bit inotify_add_watch accepts: a mask with none of them is EINVAL. */
#define ALL_INOTIFY_BITS                                                                           \
	(IN_ALL_EVENTS | IN_UNMOUNT | IN_Q_OVERFLOW | IN_IGNORED | IN_ONLYDIR | IN_DONT_FOLLOW |   \
	 IN_EXCL_UNLINK | IN_MASK_ADD | IN_MASK_CREATE | IN_ISDIR | IN_ONESHOT)
/* What a watch keeps of the mask it was given. */
#define WATCH_BITS (IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK)
/* The anonymous inode's device, as the pipe "filesystem" has one: guests only compare it. */
#define ANON_DEV makedev(0, 14)
#define ANON_INO 1

struct queued_event {
	struct queued_event *next;
	int32_t wd;
	uint32_t mask, cookie;
	uint32_t len; /* the name field's size with its padding (0: no name) */
	char name[];
};

struct instance;

/* The watches on one inode, from any instance; holds a reference to the inode. */
struct marks {
	struct marks *next; /* hash chain (or, once dead, the list of marks to free) */
	struct inode *inode;
	struct watch *watches;
	bool delete_pending; /* its last link went while its dentry was in use */
};

struct watch {
	struct watch *inode_next; /* in marks->watches */
	struct watch *wd_next;	  /* hash chain by (instance, wd) */
	struct instance *inst;
	struct marks *marks;
	int wd;
	uint32_t mask; /* WATCH_BITS */
};

struct instance {
	struct queued_event *head, *tail;
	unsigned count;		       /* queued events, the overflow record included */
	struct queued_event *overflow; /* preallocated IN_Q_OVERFLOW record */
	bool overflow_queued;
	int nwatches;
	int next_wd; /* where the cyclic search for a free wd starts */
	pthread_cond_t readable;
	struct vfs_io_source events; /* records were queued: for epoll */
};

int inotify_nwatches;
static pthread_mutex_t ino_lock = PTHREAD_MUTEX_INITIALIZER;
static struct marks *marks_hash[HASH_BUCKETS];
static struct watch *wd_hash[HASH_BUCKETS];
static int ninstances;
static uint32_t last_cookie;

/* What a locked section leaves to do once ino_lock is released. */
struct after {
	struct marks *dead; /* marks whose inode reference is to be dropped */
	bool wake;	    /* events were queued: wake poll/select waiters */
};

static size_t hash_ptr(const void *p)
{
	uintptr_t v = (uintptr_t)p;
	return (size_t)((v >> 4) ^ (v >> 16)) & (HASH_BUCKETS - 1);
}

static size_t hash_wd(const struct instance *in, int wd)
{
	return (hash_ptr(in) + (size_t)wd * 2654435761u) & (HASH_BUCKETS - 1);
}

static struct marks *marks_find(const struct inode *ino)
{
	for (struct marks *m = marks_hash[hash_ptr(ino)]; m; m = m->next)
		if (m->inode == ino)
			return m;
	return NULL;
}

static struct watch *watch_find_wd(const struct instance *in, int wd)
{
	for (struct watch *w = wd_hash[hash_wd(in, wd)]; w; w = w->wd_next)
		if (w->inst == in && w->wd == wd)
			return w;
	return NULL;
}

static void finish(struct after *a)
{
	while (a->dead) {
		struct marks *m = a->dead;
		a->dead = m->next;
		inode_put(m->inode);
		free(m);
	}
	if (a->wake)
		vfs_io_event();
}

/* --- the queue ------------------------------------------------------------------------------ */

static size_t padded_name_len(const char *name)
{
	if (!name)
		return 0;
	size_t n = strlen(name) + 1;
	return (n + sizeof(struct inotify_event) - 1) & ~(sizeof(struct inotify_event) - 1);
}

static void append(struct instance *in, struct queued_event *e)
{
	e->next = NULL;
	if (in->tail)
		in->tail->next = e;
	else
		in->head = e;
	in->tail = e;
	in->count++;
	pthread_cond_broadcast(&in->readable);
	vfs_io_source_bump(&in->events, POLLIN);
}

static bool same_as_last(const struct instance *in, int wd, uint32_t mask, const char *name)
{
	const struct queued_event *l = in->tail;
	if (!l || (l->mask & IN_IGNORED) || l->wd != wd || l->mask != mask)
		return false;
	if (!name)
		return l->len == 0;
	return l->len && strcmp(l->name, name) == 0;
}

/* Queues one record (ino_lock held), as Linux's fsnotify_add_event with inotify_merge. */
static void queue_event(struct instance *in, int wd, uint32_t mask, uint32_t cookie,
			const char *name, struct after *a)
{
	if (in->count >= MAX_QUEUED_EVENTS)
		goto overflow;
	if (same_as_last(in, wd, mask, name))
		return;
	size_t len = padded_name_len(name);
	struct queued_event *e = calloc(1, sizeof(*e) + len);
	if (!e)
		goto overflow; /* as Linux: a lost event is reported as an overflow */
	e->wd = wd;
	e->mask = mask;
	e->cookie = cookie;
	e->len = (uint32_t)len;
	if (name)
		strcpy(e->name, name);
	append(in, e);
	a->wake = true;
	return;
overflow:
	if (in->overflow_queued)
		return;
	in->overflow_queued = true;
	append(in, in->overflow);
	a->wake = true;
}

/* --- watches -------------------------------------------------------------------------------- */

/* Ends w (ino_lock held): IN_IGNORED is queued for it, and its inode's marks go to a->dead
 * when w was their last watch. */
static void watch_destroy(struct watch *w, bool ignored, struct after *a)
{
	struct marks *m = w->marks;
	struct instance *in = w->inst;
	for (struct watch **pp = &m->watches; *pp; pp = &(*pp)->inode_next) {
		if (*pp == w) {
			*pp = w->inode_next;
			break;
		}
	}
	for (struct watch **pp = &wd_hash[hash_wd(in, w->wd)]; *pp; pp = &(*pp)->wd_next) {
		if (*pp == w) {
			*pp = w->wd_next;
			break;
		}
	}
	if (ignored)
		queue_event(in, w->wd, IN_IGNORED, 0, NULL, a);
	in->nwatches--;
	__atomic_store_n(&inotify_nwatches, inotify_nwatches - 1, __ATOMIC_RELAXED);
	free(w);
	if (m->watches)
		return;
	for (struct marks **pp = &marks_hash[hash_ptr(m->inode)]; *pp; pp = &(*pp)->next) {
		if (*pp == m) {
			*pp = m->next;
			break;
		}
	}
	m->next = a->dead;
	a->dead = m;
}

/* Hands one event to one watch, if it wants it. */
static void deliver(struct watch *w, uint32_t mask, uint32_t cookie, const char *name,
		    bool unlinked, struct after *a)
{
	if (!(w->mask & mask & IN_ALL_EVENTS))
		return;
	if ((w->mask & IN_EXCL_UNLINK) && unlinked)
		return;
	queue_event(w->inst, w->wd, mask, cookie, name, a);
	if (w->mask & IN_ONESHOT)
		watch_destroy(w, true, a);
}

static void deliver_all(struct inode *ino, uint32_t mask, uint32_t cookie, const char *name,
			bool unlinked, struct after *a)
{
	struct marks *m = marks_find(ino);
	struct watch *next;
	for (struct watch *w = m ? m->watches : NULL; w; w = next) {
		next = w->inode_next; /* w may end (IN_ONESHOT), and m with it */
		deliver(w, mask, cookie, name, unlinked, a);
	}
}

static void notify_locked(struct inode *dir, struct inode *ino, uint32_t mask, const char *name,
			  uint32_t cookie, bool unlinked, struct after *a)
{
	if (dir && name)
		deliver_all(dir, mask, cookie, name, unlinked, a);
	if (!ino)
		return;
	/* inotify never reported IN_ISDIR with these two; Linux keeps it that way. */
	uint32_t self = mask & (IN_DELETE_SELF | IN_MOVE_SELF) ? mask & ~IN_ISDIR : mask;
	deliver_all(ino, self, cookie, NULL, unlinked, a);
	if (mask & IN_DELETE_SELF) {
		/* The inode is gone: every watch on it ends. */
		struct marks *m = marks_find(ino);
		while (m && m->watches) /* m itself is freed only by finish() */
			watch_destroy(m->watches, true, a);
	}
}

void fsnotify(struct inode *dir, struct inode *ino, uint32_t mask, const char *name,
	      uint32_t cookie)
{
	struct after a = {0};
	if (!fsnotify_active())
		return;
	pthread_mutex_lock(&ino_lock);
	notify_locked(dir, ino, mask, name, cookie, false, &a);
	pthread_mutex_unlock(&ino_lock);
	finish(&a);
}

/* --- hooks -------------------------------------------------------------------------------- */

/* An event on d's inode: to its watches, and to its parent directory's with its name. */
static void notify_dentry(struct dentry *d, uint32_t mask, bool from_file)
{
	struct inode *ino = d->inode, *dir = NULL;
	char name[NAME_MAX + 1];
	struct after a = {0};
	if (S_ISDIR(ino->mode))
		mask |= IN_ISDIR;
	bool unlinked = dentry_parent_name(d, &dir, name);
	pthread_mutex_lock(&ino_lock);
	/* IN_EXCL_UNLINK is about events through files of unlinked names. */
	notify_locked(dir, ino, mask, dir ? name : NULL, 0, from_file && unlinked, &a);
	pthread_mutex_unlock(&ino_lock);
	finish(&a);
	inode_put(dir);
}

void fsnotify_file_event(struct file *f, uint32_t mask)
{
	if (!f->path.dentry || (f->flags & O_PATH))
		return;
	notify_dentry(f->path.dentry, mask, true);
}

void fsnotify_close_event(struct file *f)
{
	int acc = f->flags & O_ACCMODE;
	fsnotify_file_event(f,
			    acc == O_WRONLY || acc == O_RDWR ? IN_CLOSE_WRITE : IN_CLOSE_NOWRITE);
}

void fsnotify_setattr_event(struct dentry *d, unsigned sa_mask)
{
	/* Linux's fsnotify_change. */
	uint32_t mask = 0;
	if (sa_mask & (SA_UID | SA_GID | SA_MODE))
		mask |= IN_ATTRIB;
	if (sa_mask & SA_SIZE)
		mask |= IN_MODIFY;
	if ((sa_mask & (SA_ATIME | SA_MTIME)) == (SA_ATIME | SA_MTIME))
		mask |= IN_ATTRIB; /* utimes */
	else if (sa_mask & SA_ATIME)
		mask |= IN_ACCESS;
	else if (sa_mask & SA_MTIME)
		mask |= IN_MODIFY;
	if (mask)
		notify_dentry(d, mask, false);
}

static bool last_link_gone(struct inode *ino)
{
	struct stat st;
	return vfs_getattr(ino, &st) < 0 || st.st_nlink == 0;
}

/* The inode of the unhashed dentry d lost its last link: IN_DELETE_SELF now if the caller holds
 * the only reference to d, else when the last user lets go (fsnotify_inode_unused), as Linux
 * reports it when the dentry dies. */
static void victim_gone(struct dentry *d)
{
	if (__atomic_load_n(&d->refs, __ATOMIC_ACQUIRE) <= 1) {
		fsnotify(NULL, d->inode, IN_DELETE_SELF, NULL, 0);
		return;
	}
	pthread_mutex_lock(&ino_lock);
	struct marks *m = marks_find(d->inode);
	if (m)
		m->delete_pending = true;
	pthread_mutex_unlock(&ino_lock);
}

void fsnotify_inode_unused_event(struct inode *ino)
{
	struct after a = {0};
	pthread_mutex_lock(&ino_lock);
	struct marks *m = marks_find(ino);
	if (m && m->delete_pending) {
		m->delete_pending = false;
		notify_locked(NULL, ino, IN_DELETE_SELF, NULL, 0, false, &a);
	}
	pthread_mutex_unlock(&ino_lock);
	finish(&a);
}

void fsnotify_unlinked_event(struct inode *dir, const char *name, struct dentry *victim, bool isdir)
{
	struct inode *vi = victim->inode;
	/* Linux's vfs_unlink: the link count changed (IN_ATTRIB), then d_delete (the inode's
	 * end, if that was its last link), then IN_DELETE in the directory. */
	if (!isdir)
		fsnotify(NULL, vi, IN_ATTRIB, NULL, 0);
	if (isdir || last_link_gone(vi))
		victim_gone(victim);
	fsnotify(dir, NULL, IN_DELETE | (isdir ? IN_ISDIR : 0), name, 0);
}

static uint32_t new_cookie(void)
{
	uint32_t c;
	do
		c = __atomic_add_fetch(&last_cookie, 1, __ATOMIC_RELAXED);
	while (!c);
	return c;
}

/* Linux's fsnotify_move for one inode. */
static void notify_move(struct inode *odir, const char *oname, struct inode *ndir,
			const char *nname, struct inode *moved, struct inode *target)
{
	uint32_t cookie = new_cookie(), isdir = S_ISDIR(moved->mode) ? IN_ISDIR : 0;
	fsnotify(odir, NULL, IN_MOVED_FROM | isdir, oname, cookie);
	fsnotify(ndir, NULL, IN_MOVED_TO | isdir, nname, cookie);
	if (target)
		fsnotify(NULL, target, IN_ATTRIB | (S_ISDIR(target->mode) ? IN_ISDIR : 0), NULL, 0);
	fsnotify(NULL, moved, IN_MOVE_SELF, NULL, 0);
}

void fsnotify_renamed_event(struct inode *odir, const char *oname, struct inode *ndir,
			    const char *nname, struct dentry *moved, struct dentry *other,
			    unsigned flags)
{
	if (flags & RENAME_EXCHANGE) {
		notify_move(odir, oname, ndir, nname, moved->inode, NULL);
		if (other)
			notify_move(ndir, nname, odir, oname, other->inode, NULL);
		return;
	}
	notify_move(odir, oname, ndir, nname, moved->inode, other ? other->inode : NULL);
	if (other && (S_ISDIR(other->inode->mode) || last_link_gone(other->inode)))
		victim_gone(other);
}

/* --- the instance file ---------------------------------------------------------------------- */

static bool nonblocking(const struct file *f)
{
	return __atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK;
}

static void event_free(struct instance *in, struct queued_event *e)
{
	if (e == in->overflow)
		in->overflow_queued = false;
	else
		free(e);
}

static long inotify_read(struct file *f, void *buf, size_t len, int64_t *off)
{
	struct instance *in = f->priv;
	struct task *t = task_current();
	char *out = buf;
	size_t used = 0;
	long ret;
	pthread_mutex_lock(&ino_lock);
	for (;;) {
		while (in->head) {
			struct queued_event *e = in->head;
			struct inotify_event rec = {
			    .wd = e->wd, .mask = e->mask, .cookie = e->cookie, .len = e->len};
			if (sizeof(rec) + e->len > len - used)
				break;
			memcpy(out + used, &rec, sizeof(rec));
			memcpy(out + used + sizeof(rec), e->name, e->len);
			used += sizeof(rec) + e->len;
			in->head = e->next;
			if (!in->head)
				in->tail = NULL;
			in->count--;
			event_free(in, e);
		}
		if (used) {
			ret = (long)used;
			break;
		}
		if (in->head) {
			ret = -EINVAL; /* the buffer cannot hold the next record */
			break;
		}
		if (!t || nonblocking(f)) {
			ret = -EAGAIN;
			break;
		}
		if (task_wait(t, &ino_lock, &in->readable, NULL) == -EINTR) {
			ret = -EINTR;
			break;
		}
	}
	pthread_mutex_unlock(&ino_lock);
	return ret;
}

static unsigned inotify_poll(struct file *f, int *host_fd)
{
	struct instance *in = f->priv;
	pthread_mutex_lock(&ino_lock);
	unsigned mask = in->head ? POLLIN | POLLRDNORM : 0;
	pthread_mutex_unlock(&ino_lock);
	return mask;
}

static uint64_t inotify_io_gen(struct file *f, unsigned events)
{
	struct instance *in = f->priv;
	return vfs_io_source_gen(&in->events, events);
}

static long inotify_ioctl(struct file *f, struct task *t, unsigned long cmd, uint64_t arg)
{
	struct instance *in = f->priv;
	if (cmd == FIONREAD) {
		int n = 0;
		pthread_mutex_lock(&ino_lock);
		for (struct queued_event *e = in->head; e; e = e->next)
			n += (int)(sizeof(struct inotify_event) + e->len);
		pthread_mutex_unlock(&ino_lock);
		return copy_to_guest(t, arg, &n, sizeof(n));
	}
	if (cmd == INOTIFY_IOC_SETNEXTWD) {
		/* The argument itself is the next wd (checkpoint/restore). */
		if (arg < 1 || arg > INT_MAX)
			return -EINVAL;
		pthread_mutex_lock(&ino_lock);
		in->next_wd = (int)arg;
		pthread_mutex_unlock(&ino_lock);
		return 0;
	}
	return -ENOTTY;
}

/* noop_llseek: the position stays 0. */
static int64_t inotify_llseek(struct file *f, int64_t off, int whence)
{
	return 0;
}

static int inotify_fstat(struct file *f, struct stat *st)
{
	/* Linux's one anonymous inode, shared by every inotify file: no file type, mode 0600,
	 * owned by root. */
	memset(st, 0, sizeof(*st));
	st->st_dev = ANON_DEV;
	st->st_ino = ANON_INO;
	st->st_mode = S_IRUSR | S_IWUSR;
	st->st_nlink = 1;
	st->st_blksize = 4096;
	return 0;
}

static void inotify_release(struct file *f)
{
	struct instance *in = f->priv;
	struct after a = {0};
	pthread_mutex_lock(&ino_lock);
	/* Every watch of the instance ends silently: nobody is left to read IN_IGNORED. */
	for (size_t b = 0; b < HASH_BUCKETS && in->nwatches; b++) {
		struct watch *next;
		for (struct watch *w = wd_hash[b]; w; w = next) {
			next = w->wd_next;
			if (w->inst == in)
				watch_destroy(w, false, &a);
		}
	}
	ninstances--;
	pthread_mutex_unlock(&ino_lock);
	a.wake = false;
	finish(&a);
	while (in->head) {
		struct queued_event *e = in->head;
		in->head = e->next;
		if (e != in->overflow)
			free(e);
	}
	free(in->overflow);
	pthread_cond_destroy(&in->readable);
	free(in);
}

static const struct file_ops inotify_ops = {
    .read = inotify_read,
    .llseek = inotify_llseek,
    .ioctl = inotify_ioctl,
    .fstat = inotify_fstat,
    .poll = inotify_poll,
    .io_gen = inotify_io_gen,
    .release = inotify_release,
};

bool file_is_inotify(const struct file *f)
{
	return f && f->ops == &inotify_ops;
}

int inotify_create(int flags, struct file **out)
{
	struct instance *in = calloc(1, sizeof(*in));
	if (!in)
		return -ENOMEM;
	in->overflow = calloc(1, sizeof(*in->overflow));
	if (!in->overflow) {
		free(in);
		return -ENOMEM;
	}
	in->overflow->wd = -1;
	in->overflow->mask = IN_Q_OVERFLOW;
	in->next_wd = 1;
	cond_init_monotonic(&in->readable);
	pthread_mutex_lock(&ino_lock);
	bool full = ninstances >= MAX_INSTANCES;
	if (!full)
		ninstances++;
	pthread_mutex_unlock(&ino_lock);
	if (full) {
		pthread_cond_destroy(&in->readable);
		free(in->overflow);
		free(in);
		return -EMFILE;
	}
	/* An anonymous inode's file: read-only, no O_LARGEFILE, a stream with no position. */
	struct file *f = file_new(&inotify_ops, O_RDONLY | (flags & O_NONBLOCK), in);
	if (!f) {
		pthread_mutex_lock(&ino_lock);
		ninstances--;
		pthread_mutex_unlock(&ino_lock);
		pthread_cond_destroy(&in->readable);
		free(in->overflow);
		free(in);
		return -ENOMEM;
	}
	f->stream = true;
	*out = f;
	return 0;
}

/* The next free wd from in->next_wd on, cyclically over 1..INT_MAX (Linux's idr_alloc_cyclic).
 */
static int alloc_wd(struct instance *in)
{
	int wd = in->next_wd;
	for (;;) {
		if (!watch_find_wd(in, wd)) {
			in->next_wd = wd == INT_MAX ? 1 : wd + 1;
			return wd;
		}
		wd = wd == INT_MAX ? 1 : wd + 1;
	}
}

int inotify_watch_add(struct file *f, struct inode *ino, uint32_t mask)
{
	struct instance *in = f->priv;
	struct marks *m, *fresh_marks = NULL;
	struct watch *w, *fresh = NULL;
	int ret;
	/* Allocated before the lock: nothing fails under it but the limits. */
	fresh = calloc(1, sizeof(*fresh));
	fresh_marks = calloc(1, sizeof(*fresh_marks));
	if (!fresh || !fresh_marks) {
		free(fresh);
		free(fresh_marks);
		return -ENOMEM;
	}
	pthread_mutex_lock(&ino_lock);
	m = marks_find(ino);
	for (w = m ? m->watches : NULL; w; w = w->inode_next)
		if (w->inst == in)
			break;
	if (w) {
		if (mask & IN_MASK_CREATE) {
			ret = -EEXIST;
		} else {
			if (!(mask & IN_MASK_ADD))
				w->mask = 0;
			w->mask |= mask & WATCH_BITS;
			ret = w->wd;
		}
		goto out;
	}
	if (inotify_nwatches >= MAX_WATCHES) {
		ret = -ENOSPC;
		goto out;
	}
	if (!m) {
		m = fresh_marks;
		fresh_marks = NULL;
		m->inode = ino;
		inode_get(ino);
		size_t b = hash_ptr(ino);
		m->next = marks_hash[b];
		marks_hash[b] = m;
	}
	w = fresh;
	fresh = NULL;
	w->inst = in;
	w->marks = m;
	w->mask = mask & WATCH_BITS;
	w->wd = alloc_wd(in);
	w->inode_next = m->watches;
	m->watches = w;
	size_t b = hash_wd(in, w->wd);
	w->wd_next = wd_hash[b];
	wd_hash[b] = w;
	in->nwatches++;
	__atomic_store_n(&inotify_nwatches, inotify_nwatches + 1, __ATOMIC_RELAXED);
	ret = w->wd;
out:
	pthread_mutex_unlock(&ino_lock);
	free(fresh);
	free(fresh_marks);
	return ret;
}

int inotify_watch_remove(struct file *f, int wd)
{
	struct instance *in = f->priv;
	struct after a = {0};
	int ret = -EINVAL;
	pthread_mutex_lock(&ino_lock);
	struct watch *w = watch_find_wd(in, wd);
	if (w) {
		watch_destroy(w, true, &a);
		ret = 0;
	}
	pthread_mutex_unlock(&ino_lock);
	finish(&a);
	return ret;
}

int inotify_check_mask(uint32_t mask)
{
	return mask & ALL_INOTIFY_BITS ? 0 : -EINVAL;
}
