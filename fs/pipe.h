/*
 * Anonymous pipes, kept entirely in Sentry memory.
 *
 * The buffer is modelled on Linux's: a ring of page-sized slots (16 for the default 64 KiB),
 * small writes merged into the last slot, one slot per O_DIRECT packet. Matching the slot
 * model rather than using a plain byte ring is what makes "how much fits before EAGAIN",
 * packet mode and F_SETPIPE_SZ's EBUSY come out as they do on Linux.
 */
#ifndef CVISOR_PIPE_H
#define CVISOR_PIPE_H

#include <stdbool.h>

struct file;

#define PIPE_PAGE_SIZE	  4096
#define PIPE_DEFAULT_SIZE 65536	    /* Linux's default capacity */
#define PIPE_MAX_SIZE	  (1 << 20) /* /proc/sys/fs/pipe-max-size */

/* Creates a pipe: *rd (O_RDONLY) and *wr (O_WRONLY), each with one reference. flags may hold
 * O_NONBLOCK and O_DIRECT (packet mode), which are kept in both files' f->flags, and
 * O_CLOEXEC, which is the caller's business; anything else is -EINVAL. */
int pipe_create(int flags, struct file **rd, struct file **wr);

/*
 * FIFOs (named pipes). The filesystem holding a FIFO inode keeps one struct pipe for it, made
 * with fifo_new() when the node is created and freed with fifo_free() when the inode goes;
 * every open of the inode shares it. Buffered data goes when the last end is closed, as in
 * Linux (whose pipe object lives only while the FIFO is open).
 */
struct pipe;
struct pipe *fifo_new(void);
void fifo_free(struct pipe *p);
/* Opens f (whose f->flags hold the access mode and O_NONBLOCK) as an end of the FIFO p, with
 * Linux's rules: O_RDONLY waits for a writer and O_WRONLY for a reader, unless O_NONBLOCK
 * (then a writer with no reader gets -ENXIO); O_RDWR never waits. The wait is on the calling
 * task (task_current()) and a signal ends it with -EINTR (restarted or EINTR as Linux's
 * ERESTARTSYS). Outside a task nothing waits, as if O_NONBLOCK. On success sets f->ops and
 * f->priv; f->inode (kept by the caller) answers fstat. */
int fifo_open(struct pipe *p, struct file *f);

bool file_is_pipe(const struct file *f);
/* F_GETPIPE_SZ: the capacity in bytes. */
long pipe_get_size(struct file *f);
/* F_SETPIPE_SZ: rounds size up to a power-of-two number of pages; returns the new capacity,
 * -EINVAL, -EPERM (above PIPE_MAX_SIZE), -EBUSY (less than what is buffered) or -ENOMEM. */
long pipe_set_size(struct file *f, unsigned long size);

#endif
