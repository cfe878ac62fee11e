/*
 * eventfd, as Linux's fs/eventfd.c: a 64-bit counter that writes add to and reads take
 * (all of it, or 1 in semaphore mode): a read needs room for 8 bytes, a write gives exactly 8. The
 * counter never reaches UINT64_MAX: a write that would make it do so waits (or fails with EAGAIN),
 * so 0xfffffffffffffffe is the most it holds, and writing UINT64_MAX itself is EINVAL.
 *
 * Blocked readers and writers wait on the instance's condition through task_wait (signals
 * interrupt them: read and write restart as Linux's); every change is announced to poll,
 * select and epoll with the wake-up key Linux uses (POLLIN after a write, POLLOUT after a
 * read).
 */
#define _GNU_SOURCE
#include "fs/eventfd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fs/anon_inode.h"
#include "fs/vfs.h"
#include "sentry/signal.h"
#include "sentry/task.h"

struct eventfd {
	pthread_mutex_t lock;
	pthread_cond_t cv; /* the counter changed: blocked readers and writers look again */
	uint64_t count;
	bool semaphore;
	struct vfs_io_source src;
};

static bool nonblocking(const struct file *f)
{
	/* F_SETFL may change it at any time: look at the flag as of this call. */
	return __atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK;
}

/* The counter changed (e->lock held): wake sleepers here, pollers once it is dropped. */
static void changed(struct eventfd *e, unsigned key)
{
	vfs_io_source_bump(&e->src, key);
	pthread_cond_broadcast(&e->cv);
}

/* Sleeps until the counter changes (e->lock held): 0, -EAGAIN for a non-blocking file (or
 * outside a task), -EINTR for a signal. */
static int wait_change(struct eventfd *e, struct file *f, struct task *t)
{
	if (!t || nonblocking(f))
		return -EAGAIN;
	return task_wait(t, &e->lock, &e->cv, NULL) == -EINTR ? -EINTR : 0;
}

static long efd_read(struct file *f, void *buf, size_t len, int64_t *off)
{
	struct eventfd *e = f->priv;
	struct task *t = task_current();
	uint64_t v;
	if (len < sizeof(v))
		return -EINVAL;
	pthread_mutex_lock(&e->lock);
	while (!e->count) {
		int r = wait_change(e, f, t);
		if (r < 0) {
			pthread_mutex_unlock(&e->lock);
			return r;
		}
	}
	v = e->semaphore ? 1 : e->count;
	e->count -= v;
	changed(e, POLLOUT);
	pthread_mutex_unlock(&e->lock);
	vfs_io_event();
	memcpy(buf, &v, sizeof(v));
	return sizeof(v);
}

static long efd_write(struct file *f, const void *buf, size_t len, int64_t *off)
{
	struct eventfd *e = f->priv;
	struct task *t = task_current();
	uint64_t v;
	if (len != sizeof(v)) /* exactly 8 bytes (Linux 6.x; reads take 8 or more) */
		return -EINVAL;
	memcpy(&v, buf, sizeof(v));
	if (v == UINT64_MAX)
		return -EINVAL;
	pthread_mutex_lock(&e->lock);
	while (UINT64_MAX - e->count <= v) {
		int r = wait_change(e, f, t);
		if (r < 0) {
			pthread_mutex_unlock(&e->lock);
			return r;
		}
	}
	e->count += v;
	changed(e, POLLIN); /* even for 0, as Linux: an edge for epoll */
	pthread_mutex_unlock(&e->lock);
	vfs_io_event();
	return sizeof(v);
}

/* Linux's eventfd_poll: POLLIN and POLLOUT without their RDNORM/WRNORM twins. */
static unsigned efd_poll(struct file *f, int *host_fd)
{
	struct eventfd *e = f->priv;
	unsigned mask = 0;
	pthread_mutex_lock(&e->lock);
	if (e->count)
		mask |= POLLIN;
	if (e->count == UINT64_MAX)
		mask |= POLLERR;
	if (UINT64_MAX - 1 > e->count)
		mask |= POLLOUT;
	pthread_mutex_unlock(&e->lock);
	return mask;
}

static uint64_t efd_io_gen(struct file *f, unsigned events)
{
	struct eventfd *e = f->priv;
	return vfs_io_source_gen(&e->src, events);
}

static int efd_fstat(struct file *f, struct stat *st)
{
	return anon_inode_fstat(st);
}

/* noop_llseek: the position stays 0. */
static int64_t efd_llseek(struct file *f, int64_t off, int whence)
{
	return 0;
}

static void efd_free(struct eventfd *e)
{
	pthread_cond_destroy(&e->cv);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

static void efd_release(struct file *f)
{
	efd_free(f->priv);
}

static const struct file_ops eventfd_ops = {
    .read = efd_read,
    .write = efd_write,
    .llseek = efd_llseek,
    .fstat = efd_fstat,
    .poll = efd_poll,
    .io_gen = efd_io_gen,
    .release = efd_release,
};

int eventfd_create(unsigned initval, int flags, bool semaphore, struct file **out)
{
	struct eventfd *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	pthread_mutex_init(&e->lock, NULL);
	cond_init_monotonic(&e->cv);
	e->count = initval;
	e->semaphore = semaphore;
	struct file *f = file_new(&eventfd_ops, O_RDWR | (flags & O_NONBLOCK), e);
	if (!f) {
		efd_free(e);
		return -ENOMEM;
	}
	f->stream = true;
	*out = f;
	return 0;
}
