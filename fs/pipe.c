/*
 * Anonymous pipes (pipe, pipe2): a ring of page-sized slots in Sentry memory, as in Linux's
 * fs/pipe.c, so that capacity, merging of small writes, PIPE_BUF atomicity and O_DIRECT
 * packets behave as they do there.
 *
 * A write of n bytes first tops up the last slot with n % PAGE bytes if they fit entirely
 * (and the slot is not a packet), then fills fresh slots a page at a time. A write of at most
 * PIPE_BUF (= one page) therefore lands in one slot: it is atomic by construction, and a
 * non-blocking one either fits whole or gets EAGAIN. A slot written through an O_DIRECT file
 * is a packet: a read returns at most one packet and drops what of it did not fit.
 *
 * Locking: p->lock protects everything in struct pipe. Blocking waits go through task_wait(),
 * which releases p->lock while asleep and returns -EINTR when the task has a signal to handle.
 * The file ops only ever see Sentry buffers; the one guest access (FIONREAD's result) is made
 * after p->lock is dropped.
 *
 * Outside a task (task_current() NULL: unit tests, Sentry-internal users) nothing ever
 * blocks, as if the file were O_NONBLOCK, and no SIGPIPE is sent.
 *
 * poll/select waiters do not sleep on p's conditions (they watch many files at once): every
 * change of readiness is also announced with vfs_io_event(), always after p->lock is dropped,
 * so that the sandbox-wide io lock is never taken under a pipe lock. Before that, p->events
 * records the change with Linux's wake-up key (POLLIN for data, POLLOUT for room after a full
 * ring, 0 for ends coming and going), for edge-triggered epoll.
 *
 * FIFOs use the same struct pipe, kept by their inode rather than by their files
 * (fifo_open): opens of either end meet there, and the last close empties it instead of
 * freeing it.
 */
#define _GNU_SOURCE
#include "fs/pipe.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "fs/vfs.h"
#include "sentry/signal.h"
#include "sentry/task.h"

_Static_assert(PIPE_BUF <= PIPE_PAGE_SIZE, "an atomic write must fit in one slot");
_Static_assert((PIPE_DEFAULT_SIZE / PIPE_PAGE_SIZE & (PIPE_DEFAULT_SIZE / PIPE_PAGE_SIZE - 1)) == 0,
	       "the slot count is a power of two");

/* The device of the pipe "filesystem": any constant will do, guests only compare it. */
#define PIPEFS_DEV makedev(0, 15)

struct pipe_slot {
	char *page;
	unsigned off, len;
	bool packet; /* written in O_DIRECT mode: never merged into, read as a whole */
};

struct pipe {
	pthread_mutex_t lock;
	pthread_cond_t readable; /* data arrived, or the last writer left */
	pthread_cond_t writable; /* a slot was freed, or the last reader left */
	struct pipe_slot *slots;
	unsigned nslots;	   /* a power of two */
	unsigned head, tail;	   /* free-running: slots[tail..head) hold data */
	unsigned readers, writers; /* open file descriptions of each end */
	char *spare;		   /* a freed page kept for the next write */
	/* FIFOs only: the pipe outlives its files (the inode keeps it), and opens count each
	 * end's arrivals so that a waiting opener sees a partner that came and went. */
	bool fifo;
	pthread_cond_t partner; /* r_counter or w_counter moved */
	unsigned r_counter, w_counter;
	uint64_t ino;
	uid_t uid;
	gid_t gid;
	struct timespec atime, mtime, ctime;
	struct vfs_io_source events; /* readiness events, for epoll (see the top) */
};

static uint64_t next_ino = 1;

static struct pipe_slot *slot_at(struct pipe *p, unsigned idx)
{
	return &p->slots[idx & (p->nslots - 1)];
}

static unsigned occupancy(const struct pipe *p)
{
	return p->head - p->tail;
}

static bool nonblocking(const struct file *f)
{
	/* F_SETFL may change it at any time: look at the flag as of this call. */
	return __atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK;
}

static void now(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
}

static void slot_release(struct pipe *p, struct pipe_slot *s)
{
	if (!p->spare)
		p->spare = s->page;
	else
		free(s->page);
	s->page = NULL;
	s->off = s->len = 0;
	s->packet = false;
}

static long pipe_read(struct file *f, void *buf, size_t len, int64_t *off)
{
	struct pipe *p = f->priv;
	struct task *t = task_current();
	char *out = buf;
	bool freed = false, was_full = false;
	long ret = 0;
	if (!len)
		return 0;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		if (occupancy(p)) {
			struct pipe_slot *s = slot_at(p, p->tail);
			size_t chars = s->len;
			bool packet = s->packet;
			if (chars > len - (size_t)ret)
				chars = len - (size_t)ret;
			memcpy(out + ret, s->page + s->off, chars);
			ret += (long)chars;
			s->off += (unsigned)chars;
			s->len -= (unsigned)chars;
			if (packet)
				s->len = 0; /* the rest of a packet that did not fit is dropped */
			if (!s->len) {
				was_full |= occupancy(p) >= p->nslots;
				slot_release(p, s);
				p->tail++;
				freed = true;
			}
			if (packet || (size_t)ret == len)
				break;
			if (occupancy(p))
				continue;
		}
		/* Empty. EOF comes before EAGAIN, as in Linux. */
		if (!p->writers || ret)
			break;
		if (!t || nonblocking(f)) {
			ret = -EAGAIN;
			break;
		}
		if (task_wait(t, &p->lock, &p->readable, NULL) == -EINTR) {
			ret = -EINTR;
			break;
		}
	}
	if (freed)
		pthread_cond_broadcast(&p->writable);
	if (was_full)
		vfs_io_source_bump(&p->events, POLLOUT); /* Linux wakes writers only then */
	if (ret > 0)
		now(&p->atime);
	pthread_mutex_unlock(&p->lock);
	if (freed)
		vfs_io_event(); /* room for writers: POLLOUT may have appeared */
	return ret;
}

static long pipe_write(struct file *f, const void *buf, size_t len, int64_t *off)
{
	struct pipe *p = f->priv;
	struct task *t = task_current();
	const char *in = buf;
	bool sigpipe = false;
	long ret = 0, announced = 0;
	if (!len)
		return 0;
	/* The rw layer hands us at most 1 MiB at a time; anything beyond LONG_MAX would be a bug.
	 */
	if (len > LONG_MAX)
		len = LONG_MAX;
	pthread_mutex_lock(&p->lock);
	if (!p->readers) {
		sigpipe = true;
		ret = -EPIPE;
		goto out;
	}
	/* The sub-page remainder goes into the last slot when it fits there whole: this merges
	 * small writes and leaves the rest of a large write page-aligned, exactly as Linux. */
	size_t chars = len & (PIPE_PAGE_SIZE - 1);
	if (chars && occupancy(p)) {
		struct pipe_slot *last = slot_at(p, p->head - 1);
		if (!last->packet && last->off + last->len + chars <= PIPE_PAGE_SIZE) {
			memcpy(last->page + last->off + last->len, in, chars);
			last->len += (unsigned)chars;
			ret = (long)chars;
			if ((size_t)ret == len)
				goto out;
		}
	}
	for (;;) {
		if (!p->readers) {
			sigpipe = true; /* sent even after a partial write, as Linux does */
			if (!ret)
				ret = -EPIPE;
			break;
		}
		if (occupancy(p) < p->nslots) {
			struct pipe_slot *s = slot_at(p, p->head);
			char *page = p->spare ? p->spare : malloc(PIPE_PAGE_SIZE);
			if (!page) {
				if (!ret)
					ret = -ENOMEM;
				break;
			}
			p->spare = NULL;
			size_t n = len - (size_t)ret;
			if (n > PIPE_PAGE_SIZE)
				n = PIPE_PAGE_SIZE;
			memcpy(page, in + ret, n);
			s->page = page;
			s->off = 0;
			s->len = (unsigned)n;
			s->packet = __atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_DIRECT;
			p->head++;
			ret += (long)n;
			if ((size_t)ret == len)
				break;
			continue;
		}
		/* Full. */
		if (!t || nonblocking(f)) {
			if (!ret)
				ret = -EAGAIN;
			break;
		}
		/* Let readers (and pollers) at what is there while we wait for room for the
		 * rest. The pipe may change while unlocked: look at it again before waiting. */
		if (ret > announced) {
			announced = ret;
			pthread_cond_broadcast(&p->readable);
			vfs_io_source_bump(&p->events, POLLIN);
			pthread_mutex_unlock(&p->lock);
			vfs_io_event();
			pthread_mutex_lock(&p->lock);
			continue;
		}
		if (task_wait(t, &p->lock, &p->writable, NULL) == -EINTR) {
			if (!ret)
				ret = -EINTR;
			break;
		}
	}
out:
	if (ret > 0) {
		pthread_cond_broadcast(&p->readable);
		now(&p->mtime);
		p->ctime = p->mtime;
	}
	if (ret > announced)
		vfs_io_source_bump(&p->events, POLLIN);
	pthread_mutex_unlock(&p->lock);
	if (ret > announced)
		vfs_io_event(); /* data for readers: POLLIN */
	/* Outside p->lock: signal_send may take the locks of a wait the task is in. */
	if (sigpipe && t)
		signal_send(t, SIGPIPE, NULL);
	return ret;
}

static int64_t pipe_llseek(struct file *f, int64_t off, int whence)
{
	return -ESPIPE;
}

static long pipe_ioctl(struct file *f, struct task *t, unsigned long cmd, uint64_t arg)
{
	struct pipe *p = f->priv;
	if (cmd != FIONREAD)
		return -ENOTTY;
	int n = 0;
	pthread_mutex_lock(&p->lock);
	for (unsigned i = p->tail; i != p->head; i++)
		n += (int)slot_at(p, i)->len;
	pthread_mutex_unlock(&p->lock);
	return copy_to_guest(t, arg, &n, sizeof(n));
}

static int pipe_fstat(struct file *f, struct stat *st)
{
	struct pipe *p = f->priv;
	if (p->fifo && f->inode)
		return vfs_getattr(f->inode, st); /* a FIFO is its filesystem's inode */
	memset(st, 0, sizeof(*st));
	st->st_dev = PIPEFS_DEV;
	st->st_mode = S_IFIFO | S_IRUSR | S_IWUSR;
	st->st_nlink = 1;
	st->st_blksize = PIPE_PAGE_SIZE;
	pthread_mutex_lock(&p->lock);
	st->st_ino = p->ino;
	st->st_uid = p->uid;
	st->st_gid = p->gid;
	st->st_atim = p->atime;
	st->st_mtim = p->mtime;
	st->st_ctim = p->ctime;
	pthread_mutex_unlock(&p->lock);
	return 0;
}

static void pipe_free(struct pipe *p)
{
	for (unsigned i = p->tail; i != p->head; i++)
		free(slot_at(p, i)->page);
	free(p->spare);
	free(p->slots);
	pthread_cond_destroy(&p->readable);
	pthread_cond_destroy(&p->writable);
	pthread_cond_destroy(&p->partner);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static void pipe_release(struct file *f)
{
	struct pipe *p = f->priv;
	int acc = f->flags & O_ACCMODE;
	pthread_mutex_lock(&p->lock);
	if (acc == O_RDONLY || acc == O_RDWR)
		p->readers--;
	if (acc == O_WRONLY || acc == O_RDWR)
		p->writers--;
	/* Readers now see EOF, writers EPIPE. */
	pthread_cond_broadcast(&p->readable);
	pthread_cond_broadcast(&p->writable);
	bool last = !p->readers && !p->writers;
	if (last && p->fifo) {
		/* Linux frees a FIFO's pipe with its last file: what was unread is gone. */
		for (unsigned i = p->tail; i != p->head; i++)
			slot_release(p, slot_at(p, i));
		p->head = p->tail = 0;
		last = false; /* the inode keeps p */
	}
	vfs_io_source_bump(&p->events, 0);
	pthread_mutex_unlock(&p->lock);
	/* Nobody else can hold p: every user of it holds a reference to one of its files. */
	if (last)
		pipe_free(p);
	vfs_io_event(); /* POLLHUP for the readers, POLLERR for the writers */
}

/* Linux's pipe_poll: POLLIN for data, POLLHUP for a reader once every writer is gone,
 * POLLOUT while a slot is free (a free slot holds PIPE_BUF bytes, so a small write would not
 * block), POLLERR for a writer once every reader is gone. */
static unsigned pipe_poll(struct file *f, int *host_fd)
{
	struct pipe *p = f->priv;
	int acc = f->flags & O_ACCMODE;
	unsigned mask = 0;
	pthread_mutex_lock(&p->lock);
	if (acc == O_RDONLY || acc == O_RDWR) {
		if (occupancy(p))
			mask |= POLLIN | POLLRDNORM;
		if (!p->writers)
			mask |= POLLHUP;
	}
	if (acc == O_WRONLY || acc == O_RDWR) {
		if (occupancy(p) < p->nslots)
			mask |= POLLOUT | POLLWRNORM;
		if (!p->readers)
			mask |= POLLERR;
	}
	pthread_mutex_unlock(&p->lock);
	return mask;
}

static uint64_t pipe_io_gen(struct file *f, unsigned events)
{
	struct pipe *p = f->priv;
	return vfs_io_source_gen(&p->events, events);
}

static const struct file_ops pipe_ops = {
    .read = pipe_read,
    .write = pipe_write,
    .llseek = pipe_llseek,
    .ioctl = pipe_ioctl,
    .fstat = pipe_fstat,
    .poll = pipe_poll,
    .io_gen = pipe_io_gen,
    .release = pipe_release,
};

bool file_is_pipe(const struct file *f)
{
	return f && f->ops == &pipe_ops;
}

long pipe_get_size(struct file *f)
{
	struct pipe *p = f->priv;
	pthread_mutex_lock(&p->lock);
	long r = (long)p->nslots * PIPE_PAGE_SIZE;
	pthread_mutex_unlock(&p->lock);
	return r;
}

long pipe_set_size(struct file *f, unsigned long size)
{
	struct pipe *p = f->priv;
	/* Linux's pipe_fcntl takes the argument as an unsigned int. */
	unsigned long want = (unsigned int)size;
	unsigned nslots = 1;
	struct pipe_slot *slots;
	long r;
	if (want > (1UL << 31))
		return -EINVAL;
	while ((unsigned long)nslots * PIPE_PAGE_SIZE < want)
		nslots <<= 1;
	/* Growing past pipe-max-size needs CAP_SYS_RESOURCE, which no guest has; a pipe is never
	 * larger than that, so any such size is growth (and refused before allocating). */
	if ((unsigned long)nslots * PIPE_PAGE_SIZE > PIPE_MAX_SIZE)
		return -EPERM;
	slots = calloc(nslots, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	pthread_mutex_lock(&p->lock);
	unsigned n = occupancy(p);
	if (n > nslots) {
		r = -EBUSY;
		goto out;
	}
	for (unsigned i = 0; i < n; i++)
		slots[i] = *slot_at(p, p->tail + i);
	free(p->slots);
	p->slots = slots;
	slots = NULL;
	p->nslots = nslots;
	p->tail = 0;
	p->head = n;
	pthread_cond_broadcast(&p->writable);
	vfs_io_source_bump(&p->events, 0);
	r = (long)nslots * PIPE_PAGE_SIZE;
out:
	pthread_mutex_unlock(&p->lock);
	free(slots);
	if (r > 0)
		vfs_io_event(); /* a larger ring has free slots: POLLOUT */
	return r;
}

/* An empty pipe of the default size with no files, or NULL. */
static struct pipe *pipe_alloc(void)
{
	struct pipe *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->nslots = PIPE_DEFAULT_SIZE / PIPE_PAGE_SIZE;
	p->slots = calloc(p->nslots, sizeof(*p->slots));
	if (!p->slots) {
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->readable, NULL);
	pthread_cond_init(&p->writable, NULL);
	pthread_cond_init(&p->partner, NULL);
	p->ino = __atomic_fetch_add(&next_ino, 1, __ATOMIC_RELAXED);
	now(&p->atime);
	p->mtime = p->ctime = p->atime;
	return p;
}

int pipe_create(int flags, struct file **rd, struct file **wr)
{
	struct task *t = task_current();
	struct pipe *p;
	struct file *r, *w;
	if (flags & ~(O_NONBLOCK | O_DIRECT | O_CLOEXEC))
		return -EINVAL;
	flags &= O_NONBLOCK | O_DIRECT;
	p = pipe_alloc();
	if (!p)
		return -ENOMEM;
	/* Owned by the creator's filesystem ids, as Linux's get_pipe_inode() does. */
	p->uid = t ? t->cred.fsuid : 0;
	p->gid = t ? t->cred.fsgid : 0;

	/* Counted as each file comes into being, so that a failure below frees p through the
	 * ordinary release of what was made. */
	p->readers = 1;
	r = file_new(&pipe_ops, O_RDONLY | flags, p);
	if (!r) {
		pipe_free(p);
		return -ENOMEM;
	}
	w = file_new(&pipe_ops, O_WRONLY | flags, p);
	if (!w) {
		file_put(r);
		return -ENOMEM;
	}
	p->writers = 1;
	r->stream = w->stream = true;
	*rd = r;
	*wr = w;
	return 0;
}

/* --- FIFOs --------------------------------------------------------------------------------- */

struct pipe *fifo_new(void)
{
	struct pipe *p = pipe_alloc();
	if (p)
		p->fifo = true;
	return p;
}

void fifo_free(struct pipe *p)
{
	if (p)
		pipe_free(p);
}

/* Waits (p->lock held) until *counter moves from what it is now: a partner opened. */
static int wait_for_partner(struct pipe *p, struct task *t, const unsigned *counter)
{
	unsigned seen = *counter;
	while (*counter == seen) {
		if (task_wait(t, &p->lock, &p->partner, NULL) == -EINTR)
			return -EINTR;
	}
	return 0;
}

/* Linux's fifo_open, for the three access modes. */
int fifo_open(struct pipe *p, struct file *f)
{
	struct task *t = task_current();
	int acc = f->flags & O_ACCMODE;
	bool nowait = !t || nonblocking(f);
	int err = 0;
	if (acc != O_RDONLY && acc != O_WRONLY && acc != O_RDWR)
		return -EINVAL;
	pthread_mutex_lock(&p->lock);
	if (!p->readers && !p->writers && p->nslots != PIPE_DEFAULT_SIZE / PIPE_PAGE_SIZE) {
		/* A FIFO opened afresh has a fresh pipe in Linux: F_SETPIPE_SZ does not stick. */
		struct pipe_slot *slots =
		    calloc(PIPE_DEFAULT_SIZE / PIPE_PAGE_SIZE, sizeof(*slots));
		if (!slots) {
			err = -ENOMEM;
			goto out;
		}
		free(p->slots);
		p->slots = slots;
		p->nslots = PIPE_DEFAULT_SIZE / PIPE_PAGE_SIZE;
		p->head = p->tail = 0;
	}
	switch (acc) {
	case O_RDONLY:
		p->readers++;
		p->r_counter++;
		pthread_cond_broadcast(&p->partner);
		if (!p->writers && !nowait && wait_for_partner(p, t, &p->w_counter) < 0) {
			if (!--p->readers)
				pthread_cond_broadcast(&p->writable);
			err = -EINTR;
		}
		break;
	case O_WRONLY:
		if (!p->readers && nowait) {
			err = -ENXIO;
			break;
		}
		p->writers++;
		p->w_counter++;
		pthread_cond_broadcast(&p->partner);
		if (!p->readers && wait_for_partner(p, t, &p->r_counter) < 0) {
			if (!--p->writers)
				pthread_cond_broadcast(&p->readable);
			err = -EINTR;
		}
		break;
	default: /* O_RDWR: both ends at once, never a wait */
		p->readers++;
		p->writers++;
		p->r_counter++;
		p->w_counter++;
		pthread_cond_broadcast(&p->partner);
		break;
	}
out:
	if (err == 0)
		vfs_io_source_bump(&p->events, 0);
	pthread_mutex_unlock(&p->lock);
	if (err < 0)
		return err;
	f->ops = &pipe_ops;
	f->priv = p;
	f->stream = true;
	vfs_io_event(); /* a partner arrived: POLLHUP/POLLERR may be gone */
	return 0;
}

/* --- splice, tee and vmsplice (sentry/syscalls/sys_splice.c) ------------------------------- */

/*
 * Linux moves page references between pipes and files; here the bytes are copied, but the
 * slots are accounted as Linux accounts its buffers, so that fill counts match: data spliced
 * into a pipe takes one slot per page it covers (counted from page_off) and no later write is
 * merged into such a slot, since Linux's page cache and user page buffers are not mergeable.
 * The chunk is stored at the end of its page: pipe_write's merge test (off + len + chars <=
 * page) then always fails for it, with no flag of its own.
 *
 * Reading out of a pipe without losing what the destination refuses is peek, write, consume:
 * the cookie names the front of the pipe at the peek (tail slot and offset), and a consume
 * whose cookie no longer matches (another reader took the bytes meanwhile, or F_SETPIPE_SZ
 * renumbered the slots) drops nothing: the bytes were then read twice, where Linux's pipe
 * lock would have kept the other reader out.
 */

static uint64_t front_cookie(const struct pipe *p)
{
	unsigned off = p->head != p->tail ? p->slots[p->tail & (p->nslots - 1)].off : 0;
	return ((uint64_t)p->tail << 32) | off;
}

long pipe_splice_wait(struct file *f, bool for_write, bool nonblock)
{
	struct pipe *p = f->priv;
	struct task *t = task_current();
	bool sigpipe = false;
	long r;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		if (for_write) {
			if (!p->readers) {
				sigpipe = true;
				r = -EPIPE;
				break;
			}
			if (occupancy(p) < p->nslots) {
				r = (long)(p->nslots - occupancy(p));
				break;
			}
		} else {
			if (occupancy(p)) {
				r = 1;
				break;
			}
			if (!p->writers) {
				r = 0;
				break;
			}
		}
		if (!t || nonblock) {
			r = -EAGAIN;
			break;
		}
		if (task_wait(t, &p->lock, for_write ? &p->writable : &p->readable, NULL) ==
		    -EINTR) {
			r = -EINTR;
			break;
		}
	}
	pthread_mutex_unlock(&p->lock);
	if (sigpipe && t)
		signal_send(t, SIGPIPE, NULL);
	return r;
}

size_t pipe_splice_peek(struct file *f, void *buf, size_t len, bool one_slot, uint64_t *cookie)
{
	struct pipe *p = f->priv;
	size_t got = 0;
	pthread_mutex_lock(&p->lock);
	*cookie = front_cookie(p);
	for (unsigned i = p->tail; i != p->head && got < len; i++) {
		struct pipe_slot *s = slot_at(p, i);
		size_t n = s->len < len - got ? s->len : len - got;
		memcpy((char *)buf + got, s->page + s->off, n);
		got += n;
		if (one_slot)
			break;
	}
	pthread_mutex_unlock(&p->lock);
	return got;
}

size_t pipe_splice_consume(struct file *f, size_t len, uint64_t cookie)
{
	struct pipe *p = f->priv;
	size_t done = 0;
	bool freed = false;
	pthread_mutex_lock(&p->lock);
	if (front_cookie(p) == cookie) {
		while (done < len && occupancy(p)) {
			struct pipe_slot *s = slot_at(p, p->tail);
			size_t n = s->len < len - done ? s->len : len - done;
			/* A packet is consumed in part here, as Linux's splice does. */
			s->off += (unsigned)n;
			s->len -= (unsigned)n;
			done += n;
			if (!s->len) {
				slot_release(p, s);
				p->tail++;
				freed = true;
			}
		}
	}
	if (done)
		now(&p->atime);
	if (freed) {
		pthread_cond_broadcast(&p->writable);
		vfs_io_source_bump(&p->events, 0); /* Linux's wakeup_pipe_writers has no key */
	}
	pthread_mutex_unlock(&p->lock);
	if (freed)
		vfs_io_event();
	return done;
}

/* Fills a fresh, unmergeable slot with n bytes (at most what is left of a page). */
static int push_slot(struct pipe *p, const char *in, size_t n, bool packet)
{
	char *page = p->spare ? p->spare : malloc(PIPE_PAGE_SIZE);
	if (!page)
		return -ENOMEM;
	p->spare = NULL;
	struct pipe_slot *s = slot_at(p, p->head);
	s->page = page;
	s->off = PIPE_PAGE_SIZE - (unsigned)n;
	s->len = (unsigned)n;
	s->packet = packet;
	memcpy(page + s->off, in, n);
	p->head++;
	return 0;
}

/* After data went into p (p->lock held): wakes its readers. */
static void pushed_into(struct pipe *p)
{
	pthread_cond_broadcast(&p->readable);
	vfs_io_source_bump(&p->events, POLLIN);
	now(&p->mtime);
	p->ctime = p->mtime;
}

long pipe_splice_push(struct file *f, const void *buf, size_t len, size_t page_off)
{
	struct pipe *p = f->priv;
	struct task *t = task_current();
	const char *in = buf;
	bool sigpipe = false;
	long ret = 0;
	if (len > LONG_MAX)
		len = LONG_MAX;
	page_off &= PIPE_PAGE_SIZE - 1;
	pthread_mutex_lock(&p->lock);
	if (!p->readers) {
		sigpipe = true;
		ret = -EPIPE;
	}
	while (!sigpipe && (size_t)ret < len && occupancy(p) < p->nslots) {
		size_t n = len - (size_t)ret;
		if (n > PIPE_PAGE_SIZE - page_off)
			n = PIPE_PAGE_SIZE - page_off;
		if (push_slot(p, in + ret, n, false) < 0) {
			if (!ret)
				ret = -ENOMEM;
			break;
		}
		ret += (long)n;
		page_off = 0;
	}
	if (ret > 0)
		pushed_into(p);
	pthread_mutex_unlock(&p->lock);
	if (ret > 0)
		vfs_io_event();
	if (sigpipe && t)
		signal_send(t, SIGPIPE, NULL);
	return ret;
}

/* Locks two pipes in address order, as Linux's pipe_double_lock. */
static void lock_two(struct pipe *a, struct pipe *b)
{
	pthread_mutex_lock(a < b ? &a->lock : &b->lock);
	pthread_mutex_lock(a < b ? &b->lock : &a->lock);
}

/* One step of splice_pipe_to_pipe: moves a whole slot, or copies part of one into a fresh
 * slot; returns the bytes moved or -ENOMEM. */
static long move_slot(struct pipe *ip, struct pipe *op, size_t len)
{
	struct pipe_slot *is = slot_at(ip, ip->tail);
	if (len >= is->len) {
		long n = is->len;
		*slot_at(op, op->head) = *is; /* mergeable as it was, as in Linux */
		op->head++;
		*is = (struct pipe_slot){0};
		ip->tail++;
		return n;
	}
	if (push_slot(op, is->page + is->off, len, is->packet) < 0)
		return -ENOMEM;
	is->off += (unsigned)len;
	is->len -= (unsigned)len;
	return (long)len;
}

long pipe_splice_pipes(struct file *in, struct file *out, size_t len, bool nonblock, bool consume)
{
	struct pipe *ip = in->priv, *op = out->priv;
	struct task *t = task_current();
	bool sigpipe = false, took = false;
	long ret;
	if (ip == op)
		return -EINVAL;
	if (len > LONG_MAX)
		len = LONG_MAX;
retry:
	/* Linux's ipipe_prep and opipe_prep: data (or no writer) in, then room out. */
	ret = pipe_splice_wait(in, false, nonblock);
	if (ret < 0)
		return ret;
	ret = pipe_splice_wait(out, true, nonblock);
	if (ret < 0)
		return ret;
	ret = 0;
	lock_two(ip, op);
	unsigned cursor = ip->tail; /* tee: the next input slot to duplicate */
	while ((size_t)ret < len) {
		if (!op->readers) {
			sigpipe = true;
			if (!ret)
				ret = -EPIPE;
			break;
		}
		bool full = occupancy(op) >= op->nslots;
		if (!consume) {
			/* link_pipe: every input slot once, while there is room. */
			if (cursor == ip->head || full)
				break;
			struct pipe_slot *is = slot_at(ip, cursor);
			size_t n = is->len < len - (size_t)ret ? is->len : len - (size_t)ret;
			if (push_slot(op, is->page + is->off, n, is->packet) < 0) {
				if (!ret)
					ret = -ENOMEM;
				break;
			}
			cursor++;
			ret += (long)n;
			continue;
		}
		bool empty = !occupancy(ip);
		if (empty && !ip->writers)
			break;
		if (empty || full) {
			if (ret)
				break;
			if (nonblock) {
				ret = -EAGAIN;
				break;
			}
			/* Raced with another reader or writer: wait again. */
			pthread_mutex_unlock(&ip->lock);
			pthread_mutex_unlock(&op->lock);
			goto retry;
		}
		long n = move_slot(ip, op, len - (size_t)ret);
		if (n < 0) {
			if (!ret)
				ret = n;
			break;
		}
		ret += n;
		took = true;
	}
	if (ret > 0)
		pushed_into(op);
	if (took) {
		now(&ip->atime);
		pthread_cond_broadcast(&ip->writable);
		vfs_io_source_bump(&ip->events, 0);
	}
	pthread_mutex_unlock(&ip->lock);
	pthread_mutex_unlock(&op->lock);
	if (ret > 0 || took)
		vfs_io_event();
	if (sigpipe && t)
		signal_send(t, SIGPIPE, NULL);
	return ret;
}
