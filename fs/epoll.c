/*
 * epoll instances, modelled on Linux's fs/eventpoll.c.
 *
 * Items. Each instance has its items (file, fd) in insertion order and in a hash, and a
 * ready list, in the order things became ready, of the items epoll_wait will look at: an
 * item joins it when its file signals a readiness event that concerns it (below), when
 * EPOLL_CTL_ADD or EPOLL_CTL_MOD finds it ready, and (level-triggered items only) again
 * after each report. epoll_wait takes items off the front, polls each and reports those whose
 * poll bits meet their events: a level-triggered item goes back at the tail, an
 * edge-triggered one stays off until its file signals again, a one-shot one is disarmed
 * until EPOLL_CTL_MOD. Items that are not ready when polled just leave the list. This is
 * Linux's rdllist, so the order of the reported events is Linux's.
 *
 * Events. Linux learns "this file signalled" from a wake-up callback on the file's wait
 * queue. The Sentry has one sandbox-wide wake-up (vfs_io_event) instead, and per object a
 * struct vfs_io_source (fs/vfs.h) whose stamps say when it last signalled, per class of
 * wake-up key; file_ops.io_gen reads them. An item remembers the stamp it last saw
 * (seen): a different one puts it on the ready list, which newly ready items join in stamp
 * order. Files without io_gen fall back on the sandbox-wide stamp (a spurious report now and
 * then for edge-triggered items, never a lost one). Every waiter sleeps on the sandbox-wide
 * wake-up and rescans, as poll does.
 *
 * Files backed by a host fd (the caller's stdio) signal on the host: each instance keeps a
 * host epoll fd in which every such item is registered edge-triggered (through a duplicate
 * of the file's host fd), and the edges it reports are the items' events. Waiters then also
 * wait on that host epoll fd (10 ms at a time, as poll does). A nested instance's poll op
 * names its host epoll fd when it has host items, so the outer instance registers that.
 *
 * Locking: each instance's mtx covers its items and lists, and is held while its items'
 * files are polled (which takes their own locks, and an inner instance's mtx: outer before
 * inner, as Linux's nested locking). An item does not hold its file: the file's last put
 * removes the item (epoll_file_released) and must take the instance's mtx to do it, so a
 * file is valid while an instance holding its mtx looks at it. links_lock (a leaf) covers
 * every file's list of items. nest_lock serializes the ADDs that nest instances, so that the
 * cycle and depth check and the insertion are one step.
 */
#define _GNU_SOURCE
#include "fs/epoll.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/anon_inode.h"
#include "fs/vfs.h"
#include "sentry/signal.h"
#include "sentry/task.h"

/* Bits an item keeps when a one-shot report disarms it (Linux's EP_PRIVATE_BITS). */
#define EP_PRIVATE_BITS (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)
/* The longest chain of nested instances Linux accepts (EP_MAX_NESTS + 1 levels). */
#define EP_CHAIN_MAX 5
/* The deepest nesting of instance locks one thread may hold (a guard, never reached). */
#define EP_HELD_MAX 16
/* The longest host wait: bounds the delay for Sentry events, as poll's. */
#define HOST_SLICE_NS 10000000L
#define NSEC_PER_SEC  1000000000L
/* The bits asked of the host for a host-backed item. */
#define HOST_EVENT_BITS                                                                            \
	(EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLRDNORM | EPOLLRDBAND | EPOLLWRNORM | EPOLLWRBAND |   \
	 EPOLLMSG | EPOLLRDHUP)

struct eventpoll;

struct epitem {
	struct eventpoll *ep;
	struct file *file; /* not referenced: the file's last put removes the item */
	int fd;
	uint32_t events; /* asked for, with EPOLLERR | EPOLLHUP; EP_PRIVATE_BITS once disarmed */
	uint64_t data;
	struct epitem *next, *prev; /* ep->items, in insertion order */
	struct epitem *hnext;	    /* ep->hash chain */
	struct epitem *rd_next, *rd_prev;
	bool on_rdlist;
	struct epitem *file_next; /* file->epoll_items, under links_lock */
	uint64_t seen;		  /* the file's event stamp when last looked at */
	int host_src;		  /* the host fd the file's poll op named, -1: none */
	int host_dup;		  /* our duplicate of it in ep->host_epfd, -1: none */
	uint64_t host_stamp;	  /* the last edge the host reported for it */
};

struct eventpoll {
	int refs; /* the file's, and epoll_file_released()'s while it works */
	pthread_mutex_t mtx;
	struct file *file;
	struct epitem *items, *items_tail;
	unsigned nitems;
	struct epitem **hash;
	unsigned hash_cap; /* a power of two, >= nitems */
	struct epitem *rd_head, *rd_tail;
	struct epitem **scratch; /* room for nitems pointers: sorting newly ready items */
	int host_epfd;		 /* -1 until a host-backed item comes */
	unsigned nhost;		 /* items registered there */
	uint64_t ctl_stamp;	 /* the last ADD/MOD that found its item ready */
};

static pthread_mutex_t links_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t nest_lock = PTHREAD_MUTEX_INITIALIZER;

/* The instances whose mtx this thread holds: nesting through something that hides an
 * instance (a /proc fd reopen) must never make a thread lock one twice. */
static __thread struct eventpoll *held[EP_HELD_MAX];
static __thread int nheld;

static bool ep_lock(struct eventpoll *ep)
{
	for (int i = 0; i < nheld; i++)
		if (held[i] == ep)
			return false;
	if (nheld == EP_HELD_MAX)
		return false;
	pthread_mutex_lock(&ep->mtx);
	held[nheld++] = ep;
	return true;
}

static void ep_unlock(struct eventpoll *ep)
{
	nheld--;
	pthread_mutex_unlock(&ep->mtx);
}

static void ep_get(struct eventpoll *ep)
{
	__atomic_add_fetch(&ep->refs, 1, __ATOMIC_ACQ_REL);
}

static void ep_put(struct eventpoll *ep)
{
	if (__atomic_sub_fetch(&ep->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	if (ep->host_epfd >= 0)
		close(ep->host_epfd);
	pthread_mutex_destroy(&ep->mtx);
	free(ep->hash);
	free(ep->scratch);
	free(ep);
}

/* --- the ready list -------------------------------------------------------------------- */

static void rd_append(struct eventpoll *ep, struct epitem *it)
{
	it->rd_next = NULL;
	it->rd_prev = ep->rd_tail;
	if (ep->rd_tail)
		ep->rd_tail->rd_next = it;
	else
		ep->rd_head = it;
	ep->rd_tail = it;
	it->on_rdlist = true;
}

static void rd_push_front(struct eventpoll *ep, struct epitem *it)
{
	it->rd_prev = NULL;
	it->rd_next = ep->rd_head;
	if (ep->rd_head)
		ep->rd_head->rd_prev = it;
	else
		ep->rd_tail = it;
	ep->rd_head = it;
	it->on_rdlist = true;
}

static void rd_remove(struct eventpoll *ep, struct epitem *it)
{
	if (!it->on_rdlist)
		return;
	if (it->rd_prev)
		it->rd_prev->rd_next = it->rd_next;
	else
		ep->rd_head = it->rd_next;
	if (it->rd_next)
		it->rd_next->rd_prev = it->rd_prev;
	else
		ep->rd_tail = it->rd_prev;
	it->rd_next = it->rd_prev = NULL;
	it->on_rdlist = false;
}

/* --- host-backed items ------------------------------------------------------------------ */

static uint32_t host_interest(uint32_t events)
{
	return (events & HOST_EVENT_BITS) | EPOLLET;
}

static void host_forget(struct eventpoll *ep, struct epitem *it)
{
	if (it->host_dup >= 0) {
		/* Explicitly: the duplicate shares the file description with the file's own
		 * fd, so closing it alone would leave the registration behind. */
		epoll_ctl(ep->host_epfd, EPOLL_CTL_DEL, it->host_dup, NULL);
		close(it->host_dup);
		ep->nhost--;
	}
	it->host_dup = -1;
	it->host_src = -1;
}

/* Registers the item's host fd hfd (edge-triggered) in ep's host epoll fd: 0 or -errno (-EPERM:
 * the host cannot poll that file, a regular file for instance). */
static int host_track(struct eventpoll *ep, struct epitem *it, int hfd)
{
	if (it->host_src == hfd && it->host_dup >= 0)
		return 0;
	host_forget(ep, it);
	if (ep->host_epfd < 0) {
		ep->host_epfd = epoll_create1(EPOLL_CLOEXEC);
		if (ep->host_epfd < 0)
			return -errno;
	}
	int d = fcntl(hfd, F_DUPFD_CLOEXEC, 0);
	if (d < 0)
		return -errno;
	struct epoll_event hev = {.events = host_interest(it->events), .data.ptr = it};
	if (epoll_ctl(ep->host_epfd, EPOLL_CTL_ADD, d, &hev) < 0) {
		int err = -errno;
		close(d);
		return err;
	}
	it->host_src = hfd;
	it->host_dup = d;
	ep->nhost++;
	return 0;
}

/* Takes the edges the host has queued: each stamps its item. */
static void host_harvest(struct eventpoll *ep)
{
	struct epoll_event hev[64];
	if (!ep->nhost)
		return;
	for (;;) {
		int n = epoll_wait(ep->host_epfd, hev, 64, 0);
		for (int i = 0; i < n; i++)
			((struct epitem *)hev[i].data.ptr)->host_stamp = vfs_io_next_stamp();
		if (n < 64)
			break;
	}
}

/* --- looking at an item ----------------------------------------------------------------- */

/* The item's file's poll bits now (all of them; the caller masks). *err gets a failure to
 * register a host fd (ignored but at EPOLL_CTL_ADD). */
static unsigned item_poll(struct eventpoll *ep, struct epitem *it, int *err)
{
	struct file *f = it->file;
	int hfd = -1;
	unsigned mask = f->ops->poll(f, &hfd);
	if (hfd < 0)
		return mask;
	int r = host_track(ep, it, hfd);
	if (err)
		*err = r;
	struct pollfd p = {.fd = hfd, .events = (short)(it->events & 0x7fff)};
	if (poll(&p, 1, 0) <= 0)
		return 0;
	return (unsigned short)p.revents;
}

static bool f_has_io_gen(const struct file *f)
{
	return f->ops->io_gen != NULL;
}

static bool armed(const struct epitem *it)
{
	return (it->events & ~EP_PRIVATE_BITS) != 0;
}

/* The stamp of the last event of the item's file that concerns it. */
static uint64_t item_gen(const struct epitem *it)
{
	struct file *f = it->file;
	unsigned ev = it->events & ~EP_PRIVATE_BITS;
	uint64_t g;
	if (f->ops->io_gen)
		g = f->ops->io_gen(f, ev);
	else if (it->host_src >= 0)
		g = 0; /* only the host's edges count */
	else
		g = __atomic_load_n(&vfs_io_stamp, __ATOMIC_SEQ_CST);
	return g > it->host_stamp ? g : it->host_stamp;
}

static int by_seen(const void *a, const void *b)
{
	const struct epitem *x = *(struct epitem *const *)a, *y = *(struct epitem *const *)b;
	return x->seen < y->seen ? -1 : x->seen > y->seen;
}

/* Puts the items whose files signalled since they were last looked at on the ready list, in
 * the order they signalled (Linux's callbacks append as they come). The stamp is read before
 * the item is polled, so an event during the scan is seen now or on the next one. */
static void ep_refresh(struct eventpoll *ep)
{
	unsigned n = 0;
	host_harvest(ep);
	for (struct epitem *it = ep->items; it; it = it->next) {
		uint64_t g = item_gen(it);
		if (g == it->seen)
			continue;
		it->seen = g;
		if (!it->on_rdlist && armed(it))
			ep->scratch[n++] = it;
	}
	if (n > 1)
		qsort(ep->scratch, n, sizeof(ep->scratch[0]), by_seen);
	for (unsigned i = 0; i < n; i++)
		rd_append(ep, ep->scratch[i]);
}

/* Whether an item of the ready list is ready, dropping the ones in front of it that are not
 * (Linux's ep_eventpoll_poll). */
static bool ep_any_ready(struct eventpoll *ep)
{
	ep_refresh(ep);
	while (ep->rd_head) {
		struct epitem *it = ep->rd_head;
		if (item_poll(ep, it, NULL) & it->events)
			return true;
		rd_remove(ep, it);
	}
	return false;
}

/* Linux's ep_send_events: up to maxevents reports copied to the guest at uevents. Returns
 * the count, or -EFAULT when not even the first could be stored. */
static long ep_send(struct eventpoll *ep, struct task *t, uint64_t uevents, int maxevents)
{
	struct epitem *again = NULL, *again_tail = NULL; /* level-triggered: back at the tail */
	long n = 0;
	ep_refresh(ep);
	while (n < maxevents && ep->rd_head) {
		struct epitem *it = ep->rd_head;
		rd_remove(ep, it);
		uint32_t revents = item_poll(ep, it, NULL) & it->events;
		if (!revents)
			continue;
		struct guest_epoll_event ge = {.events = revents, .data = it->data};
		if (copy_to_guest(t, uevents + (uint64_t)n * sizeof(ge), &ge, sizeof(ge)) < 0) {
			rd_push_front(ep, it);
			if (!n)
				n = -EFAULT;
			break;
		}
		n++;
		if (it->events & EPOLLONESHOT) {
			it->events &= EP_PRIVATE_BITS;
		} else if (!(it->events & EPOLLET)) {
			it->rd_next = NULL;
			if (again_tail)
				again_tail->rd_next = it;
			else
				again = it;
			again_tail = it;
		}
	}
	while (again) {
		struct epitem *next = again->rd_next;
		rd_append(ep, again);
		again = next;
	}
	return n;
}

/* --- items ------------------------------------------------------------------------------- */

static size_t item_hash(const struct file *f, int fd, unsigned cap)
{
	uintptr_t v = (uintptr_t)f;
	return ((v >> 4) ^ (v >> 16) ^ ((unsigned)fd * 2654435761u)) & (cap - 1);
}

static struct epitem *ep_find(struct eventpoll *ep, const struct file *f, int fd)
{
	if (!ep->hash_cap)
		return NULL;
	for (struct epitem *it = ep->hash[item_hash(f, fd, ep->hash_cap)]; it; it = it->hnext)
		if (it->file == f && it->fd == fd)
			return it;
	return NULL;
}

/* Room for one more item: the hash and the scratch array grow together. */
static int ep_reserve(struct eventpoll *ep)
{
	if (ep->nitems < ep->hash_cap)
		return 0;
	unsigned cap = ep->hash_cap ? ep->hash_cap * 2 : 16;
	struct epitem **hash = calloc(cap, sizeof(*hash));
	struct epitem **scratch = realloc(ep->scratch, cap * sizeof(*scratch));
	if (scratch)
		ep->scratch = scratch;
	if (!hash || !scratch) {
		free(hash);
		return -ENOMEM;
	}
	for (struct epitem *it = ep->items; it; it = it->next) {
		size_t h = item_hash(it->file, it->fd, cap);
		it->hnext = hash[h];
		hash[h] = it;
	}
	free(ep->hash);
	ep->hash = hash;
	ep->hash_cap = cap;
	return 0;
}

/* Takes it out of ep (but not out of its file's list: the caller does, under links_lock)
 * and frees it. */
static void item_destroy(struct eventpoll *ep, struct epitem *it)
{
	rd_remove(ep, it);
	host_forget(ep, it);
	struct epitem **pp = &ep->hash[item_hash(it->file, it->fd, ep->hash_cap)];
	while (*pp != it)
		pp = &(*pp)->hnext;
	*pp = it->hnext;
	if (it->prev)
		it->prev->next = it->next;
	else
		ep->items = it->next;
	if (it->next)
		it->next->prev = it->prev;
	else
		ep->items_tail = it->prev;
	ep->nitems--;
	free(it);
}

static void file_unlink_item(struct epitem *it)
{
	pthread_mutex_lock(&links_lock);
	struct epitem **pp = &it->file->epoll_items;
	while (*pp && *pp != it)
		pp = &(*pp)->file_next;
	if (*pp)
		__atomic_store_n(pp, it->file_next, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&links_lock);
}

/* After ADD or MOD: a ready item goes on the ready list at once, and the instance counts as
 * having signalled (for an instance watching this one). */
static void item_check_ready(struct eventpoll *ep, struct epitem *it, unsigned mask)
{
	if ((mask & it->events) && !it->on_rdlist) {
		rd_append(ep, it);
		ep->ctl_stamp = vfs_io_next_stamp();
	}
}

static int ep_insert(struct eventpoll *ep, struct file *tf, int fd,
		     const struct guest_epoll_event *ev)
{
	int err = ep_reserve(ep);
	if (err < 0)
		return err;
	struct epitem *it = calloc(1, sizeof(*it));
	if (!it)
		return -ENOMEM;
	it->ep = ep;
	it->file = tf;
	it->fd = fd;
	it->events = ev->events | EPOLLERR | EPOLLHUP;
	it->data = ev->data;
	it->host_src = it->host_dup = -1;
	size_t h = item_hash(tf, fd, ep->hash_cap);
	it->hnext = ep->hash[h];
	ep->hash[h] = it;
	it->prev = ep->items_tail;
	if (ep->items_tail)
		ep->items_tail->next = it;
	else
		ep->items = it;
	ep->items_tail = it;
	ep->nitems++;
	pthread_mutex_lock(&links_lock);
	it->file_next = tf->epoll_items;
	__atomic_store_n(&tf->epoll_items, it, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&links_lock);

	int herr = 0;
	it->seen = item_gen(it);
	unsigned mask = item_poll(ep, it, &herr);
	if (herr == -EPERM) {
		/* The host cannot poll it (a regular file behind the caller's stdio): neither
		 * could Linux. */
		file_unlink_item(it);
		item_destroy(ep, it);
		return -EPERM;
	}
	if (it->host_src >= 0 && !f_has_io_gen(tf))
		it->seen = it->host_stamp; /* from now on only the host's edges count */
	item_check_ready(ep, it, mask);
	return 0;
}

static int ep_modify(struct eventpoll *ep, struct epitem *it, const struct guest_epoll_event *ev)
{
	it->events = ev->events | EPOLLERR | EPOLLHUP;
	it->data = ev->data;
	if (it->host_dup >= 0) {
		struct epoll_event hev = {.events = host_interest(it->events), .data.ptr = it};
		epoll_ctl(ep->host_epfd, EPOLL_CTL_MOD, it->host_dup, &hev);
	}
	it->seen = item_gen(it);
	item_check_ready(ep, it, item_poll(ep, it, NULL));
	return 0;
}

/* --- nesting ------------------------------------------------------------------------------ */

/* The longest chain of instances from ep down through the instances it watches (ep counts
 * 1); more than EP_CHAIN_MAX when it meets stop (a cycle) or is too long. nest_lock held. */
static int depth_down(struct eventpoll *ep, struct eventpoll *stop, int level)
{
	int best = 1;
	if (ep == stop || level > EP_CHAIN_MAX || !ep_lock(ep))
		return EP_CHAIN_MAX + 1;
	for (struct epitem *it = ep->items; it && best <= EP_CHAIN_MAX; it = it->next) {
		if (!file_is_epoll(it->file))
			continue;
		int d = 1 + depth_down(it->file->priv, stop, level + 1);
		if (d > best)
			best = d;
	}
	ep_unlock(ep);
	return best;
}

/* The longest chain of instances from ep up through those watching it (ep counts 1).
 * links_lock held: every item on a file's list has a live instance. */
static int depth_up(struct eventpoll *ep, int level)
{
	int best = 1;
	if (level > EP_CHAIN_MAX)
		return EP_CHAIN_MAX + 1;
	for (struct epitem *it = ep->file->epoll_items; it && best <= EP_CHAIN_MAX;
	     it = it->file_next) {
		int d = 1 + depth_up(it->ep, level + 1);
		if (d > best)
			best = d;
	}
	return best;
}

/* -ELOOP when watching tep from ep would close a cycle or make a chain of instances longer
 * than Linux allows (the host's 6.x counts the chain both ways). nest_lock held. */
static int loop_check(struct eventpoll *ep, struct eventpoll *tep)
{
	int down = depth_down(tep, ep, 1);
	pthread_mutex_lock(&links_lock);
	int up = depth_up(ep, 1);
	pthread_mutex_unlock(&links_lock);
	return up + down > EP_CHAIN_MAX ? -ELOOP : 0;
}

/* --- the file ------------------------------------------------------------------------------ */

static unsigned ep_poll_op(struct file *f, int *host_fd)
{
	struct eventpoll *ep = f->priv;
	if (!ep_lock(ep))
		return 0;
	bool ready = ep_any_ready(ep);
	int hfd = !ready && ep->nhost ? ep->host_epfd : -1;
	ep_unlock(ep);
	if (ready)
		return POLLIN | POLLRDNORM;
	if (hfd >= 0)
		*host_fd = hfd; /* the host says when one of the host-backed items has news */
	return 0;
}

/* An instance signals when one of its armed items' files does, or an ADD/MOD made an item
 * ready (Linux wakes the instance's own poll queue then). */
static uint64_t ep_io_gen(struct file *f, unsigned events)
{
	struct eventpoll *ep = f->priv;
	if (!ep_lock(ep))
		return 0;
	uint64_t g = ep->ctl_stamp;
	for (struct epitem *it = ep->items; it; it = it->next) {
		if (!armed(it))
			continue;
		uint64_t v = item_gen(it);
		if (v > g)
			g = v;
	}
	ep_unlock(ep);
	return g;
}

static int ep_fstat(struct file *f, struct stat *st)
{
	return anon_inode_fstat(st);
}

/* noop_llseek: the position stays 0. */
static int64_t ep_llseek(struct file *f, int64_t off, int whence)
{
	return 0;
}

static void ep_release(struct file *f)
{
	struct eventpoll *ep = f->priv;
	pthread_mutex_lock(&ep->mtx);
	while (ep->items) {
		struct epitem *it = ep->items;
		file_unlink_item(it);
		item_destroy(ep, it);
	}
	pthread_mutex_unlock(&ep->mtx);
	ep_put(ep);
}

static const struct file_ops epoll_ops = {
    .llseek = ep_llseek,
    .fstat = ep_fstat,
    .poll = ep_poll_op,
    .io_gen = ep_io_gen,
    .release = ep_release,
};

bool file_is_epoll(const struct file *f)
{
	return f && f->ops == &epoll_ops;
}

int epoll_create_file(struct file **out)
{
	struct eventpoll *ep = calloc(1, sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	ep->refs = 1;
	ep->host_epfd = -1;
	pthread_mutex_init(&ep->mtx, NULL);
	struct file *f = file_new(&epoll_ops, O_RDWR, ep);
	if (!f) {
		ep_put(ep);
		return -ENOMEM;
	}
	f->stream = true;
	ep->file = f;
	*out = f;
	return 0;
}

bool file_can_poll(const struct file *f)
{
	if (!f->ops || !f->ops->poll)
		return false;
	/* Some wrappers (the overlay's files) have a poll op for every file they wrap. */
	return !f->inode || !(S_ISREG(f->inode->mode) || S_ISDIR(f->inode->mode));
}

int epoll_ctl_file(struct file *epf, int op, int fd, struct file *tf,
		   const struct guest_epoll_event *ev)
{
	struct eventpoll *ep = epf->priv;
	bool nesting = op == EPOLL_CTL_ADD && file_is_epoll(tf);
	int err;
	if (nesting) {
		pthread_mutex_lock(&nest_lock);
		err = loop_check(ep, tf->priv);
		if (err < 0) {
			pthread_mutex_unlock(&nest_lock);
			return err;
		}
	}
	if (!ep_lock(ep)) {
		err = -EINVAL;
		goto out;
	}
	struct epitem *it = ep_find(ep, tf, fd);
	switch (op) {
	case EPOLL_CTL_ADD:
		err = it ? -EEXIST : ep_insert(ep, tf, fd, ev);
		break;
	case EPOLL_CTL_DEL:
		if (it) {
			file_unlink_item(it);
			item_destroy(ep, it);
			err = 0;
		} else {
			err = -ENOENT;
		}
		break;
	case EPOLL_CTL_MOD:
		if (!it)
			err = -ENOENT;
		else if (it->events & EPOLLEXCLUSIVE)
			err = -EINVAL;
		else
			err = ep_modify(ep, it, ev);
		break;
	default:
		err = -EINVAL;
	}
	ep_unlock(ep);
out:
	if (nesting)
		pthread_mutex_unlock(&nest_lock);
	if (err == 0)
		vfs_io_event(); /* an item may be ready now: waiters look again */
	return err;
}

void epoll_file_released(struct file *f)
{
	pthread_mutex_lock(&links_lock);
	while (f->epoll_items) {
		struct eventpoll *ep = f->epoll_items->ep;
		ep_get(ep); /* the item may go meanwhile; ep must not */
		pthread_mutex_unlock(&links_lock);
		pthread_mutex_lock(&ep->mtx);
		pthread_mutex_lock(&links_lock);
		struct epitem *gone = NULL;
		for (struct epitem **pp = &f->epoll_items; *pp;) {
			struct epitem *it = *pp;
			if (it->ep != ep) {
				pp = &it->file_next;
				continue;
			}
			*pp = it->file_next;
			it->file_next = gone;
			gone = it;
		}
		pthread_mutex_unlock(&links_lock);
		while (gone) {
			struct epitem *it = gone;
			gone = it->file_next;
			item_destroy(ep, it);
		}
		pthread_mutex_unlock(&ep->mtx);
		ep_put(ep);
		pthread_mutex_lock(&links_lock);
	}
	pthread_mutex_unlock(&links_lock);
}

/* --- waiting ------------------------------------------------------------------------------ */

static bool ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Sleeps until something may have changed since seq was read: a Sentry event, an edge on
 * the host epoll fd hfd (if >= 0), a signal, or the deadline. */
static void wait_once(struct task *t, uint64_t seq, int hfd, const struct timespec *end)
{
	struct timespec now = {0, 0};
	if (end) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!ts_before(&now, end))
			return;
	}
	if (hfd < 0) {
		/* A far deadline is cut to a day: it only bounds this one sleep. */
		struct timespec cap = now;
		cap.tv_sec += 86400;
		if (end && ts_before(end, &cap))
			cap = *end;
		vfs_io_wait(t, seq, end ? &cap : NULL);
		return;
	}
	if (vfs_io_seq() != seq)
		return;
	struct timespec left = {0, HOST_SLICE_NS};
	if (end) {
		struct timespec d = {end->tv_sec - now.tv_sec, end->tv_nsec - now.tv_nsec};
		if (d.tv_nsec < 0) {
			d.tv_sec--;
			d.tv_nsec += NSEC_PER_SEC;
		}
		if (ts_before(&d, &left))
			left = d;
	}
	task_host_poll(t, hfd, POLLIN, &left);
}

long epoll_wait_file(struct task *t, struct file *epf, uint64_t uevents, int maxevents,
		     const struct timespec *deadline)
{
	struct eventpoll *ep = epf->priv;
	bool timed_out = deadline && !deadline->tv_sec && !deadline->tv_nsec;
	for (;;) {
		/* Read before the scan: an event after it changes the sequence. */
		uint64_t seq = vfs_io_seq();
		if (!ep_lock(ep))
			return -EINVAL;
		long n = ep_send(ep, t, uevents, maxevents);
		int hfd = ep->nhost ? ep->host_epfd : -1;
		ep_unlock(ep);
		/* Linux's ep_poll: events first, then the timeout, then signals. */
		if (n)
			return n;
		if (timed_out)
			return 0;
		if (task_signal_pending(t))
			return -EINTR;
		wait_once(t, seq, hfd, deadline);
		if (deadline) {
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			timed_out = !ts_before(&now, deadline); /* one more scan, as Linux */
		}
	}
}
