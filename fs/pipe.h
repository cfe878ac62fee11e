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

/*
 * splice, tee and vmsplice (sentry/syscalls/sys_splice.c). f is a pipe file (file_is_pipe);
 * the waits are on the calling task and a signal ends them with -EINTR; outside a task
 * nothing waits.
 */
#include <stddef.h>
#include <stdint.h>

/* Waits for data to read (for_write false: > 0, or 0 when the pipe is empty and has no
 * writer) or for a free slot (for_write: the number of free slots, or -EPIPE with SIGPIPE
 * when there is no reader); -EAGAIN when it would wait and nonblock is set. */
long pipe_splice_wait(struct file *f, bool for_write, bool nonblock);
/* Copies up to len buffered bytes (only the first slot's if one_slot) without consuming
 * them; never waits. *cookie names the front of the pipe for pipe_splice_consume. */
size_t pipe_splice_peek(struct file *f, void *buf, size_t len, bool one_slot, uint64_t *cookie);
/* Drops len bytes from the front, if it is still where cookie says; returns what it dropped. */
size_t pipe_splice_consume(struct file *f, size_t len, uint64_t cookie);
/* Appends buf as spliced data: one unmergeable slot per page, the first page starting at
 * page_off (the source's offset in its page); never waits. Returns the bytes that fit (0 when
 * full), or -EPIPE with SIGPIPE when there is no reader. */
long pipe_splice_push(struct file *f, const void *buf, size_t len, size_t page_off);
/* tee (consume false: duplicates) and splice between two pipes (consume: moves), with
 * Linux's waits, SIGPIPE and slot accounting; -EINVAL when in and out are the same pipe. */
long pipe_splice_pipes(struct file *in, struct file *out, size_t len, bool nonblock, bool consume);

#endif
