/*
 * sendfile, splice, tee, vmsplice, copy_file_range: data moved between files by the Sentry.
 *
 * Linux moves page references; here the bytes go through a bounce buffer, read with
 * f->ops->read and written with f->ops->write, and the pipe side goes through fs/pipe.c's
 * splice helpers, which keep Linux's slot accounting (so "how much fits" matches). The checks
 * and their order follow Linux's fs/splice.c and fs/read_write.c.
 *
 * Positions: like Linux, these calls read a file's position at the start and store it at the
 * end without holding the position lock across the transfer (a splice may wait on a pipe for
 * ever, and sendfile may read and write the same file).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "fs/pipe.h"
#include "fs/vfs.h"
#include "sentry/signal.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

#define MAX_RW_COUNT (INT_MAX & ~4095L) /* Linux's cap on one transfer */
#define COPY_CHUNK   (256 * 1024)	/* the bounce buffer between two files */
#define SPLICE_F_ALL (SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT)
#define IOV_MAX_SEGS 1024 /* UIO_MAXIOV */
#define USER_TOP     0x7ffffffff000ULL

static bool can_read(const struct file *f)
{
	int acc = f->flags & O_ACCMODE;
	return !(f->flags & O_PATH) && (acc == O_RDONLY || acc == O_RDWR);
}

static bool can_write(const struct file *f)
{
	int acc = f->flags & O_ACCMODE;
	return !(f->flags & O_PATH) && (acc == O_WRONLY || acc == O_RDWR);
}

/* The file type, from the inode when there is one (O_PATH files too), else from fstat. */
static mode_t file_type(struct file *f)
{
	struct stat st;
	if (f->inode)
		return f->inode->mode & S_IFMT;
	if (f->ops && f->ops->fstat && f->ops->fstat(f, &st) == 0)
		return st.st_mode & S_IFMT;
	return 0;
}

/* Files splice can read from: Linux's ->splice_read (no pipes, no directories). */
static bool splice_readable(struct file *f)
{
	return f->ops->read && !file_is_pipe(f) && file_type(f) != S_IFDIR;
}

/* Linux's FMODE_LSEEK, which sendfile asks of its source unless it writes to a pipe: pipes,
 * sockets and terminals have none; the caller's stdio (a stream here, whose reads use the host
 * fd's own offset) has one when it is a regular file. */
static bool seekable(struct file *f)
{
	mode_t type = f->stream ? file_type(f) : S_IFREG;
	return type == S_IFREG || type == S_IFBLK;
}

/* Linux's rw_verify_area: a count that fits ssize_t at a position that does not wrap. */
static int verify_area(int64_t pos, size_t count)
{
	if ((ssize_t)count < 0 || pos < 0 || (int64_t)((uint64_t)pos + count) < 0)
		return -EINVAL;
	return 0;
}

static int64_t pos_load(struct file *f)
{
	pthread_mutex_lock(&f->pos_lock);
	int64_t v = f->pos;
	pthread_mutex_unlock(&f->pos_lock);
	return v;
}

static void pos_store(struct file *f, int64_t v)
{
	pthread_mutex_lock(&f->pos_lock);
	f->pos = v;
	pthread_mutex_unlock(&f->pos_lock);
}

/* A pipe wait that a signal ended: Linux's ERESTARTSYS, so the call restarts after a
 * SA_RESTART handler (or when no handler runs) and fails with EINTR otherwise. */
static long restart_or(struct task *t, long r)
{
	if (r == -EINTR && task_signal_pending(t)) {
		t->restart_pending = true;
		return -ERESTARTSYS_K;
	}
	return r;
}

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Linux's splice_file_to_pipe: waits for room, then moves what in gives, up to the room
 * there is. pos: in's position, advanced by what went in; NULL for a stream file. */
static long file_to_pipe(struct file *in, int64_t *pos, struct file *pipe, size_t len,
			 bool nonblock)
{
	for (;;) {
		long room = pipe_splice_wait(pipe, true, nonblock);
		if (room < 0)
			return room;
		if (!len)
			return 0;
		if (!splice_readable(in))
			return -EINVAL;
		size_t want = min_size(len, (size_t)room * PIPE_PAGE_SIZE);
		char *buf = malloc(want);
		if (!buf)
			return -ENOMEM;
		int64_t at = pos ? *pos : 0;
		long n = in->ops->read(in, buf, want, pos ? &at : NULL);
		long put = 0;
		/* Page cache pages: the first slot starts at the position's offset in its page. */
		size_t page_off = pos ? (size_t)(*pos % PIPE_PAGE_SIZE) : 0;
		while (put < n) {
			long k = pipe_splice_push(pipe, buf + put, (size_t)(n - put), page_off);
			if (k < 0) {
				if (!put)
					put = k;
				break;
			}
			put += k;
			if (put == n || pos)
				break; /* a file with positions gives the rest again next time */
			/* Another writer took the room meanwhile: a stream cannot take its bytes
			 * back, so they wait for room. */
			page_off = 0;
			if (pipe_splice_wait(pipe, true, false) < 0)
				break;
		}
		if (pos && put == 0 && n > 0) {
			free(buf);
			continue; /* the room went to another writer: wait for it again */
		}
		if (pos && put > 0)
			*pos += put;
		free(buf);
		return n <= 0 ? n : put;
	}
}

/* Linux's iter_file_splice_write: what the pipe holds (waiting only for the first byte)
 * written to out at *pos (NULL: a stream file), consumed only as far as out took it. */
static long pipe_to_file(struct file *pipe, struct file *out, int64_t *pos, size_t len,
			 bool nonblock)
{
	if (!out->ops->write)
		return -EINVAL;
	size_t cap = min_size(len, PIPE_MAX_SIZE);
	char *buf = malloc(cap);
	long total = 0;
	if (!buf)
		return -ENOMEM;
	while ((size_t)total < len) {
		long r = pipe_splice_wait(pipe, false, total ? true : nonblock);
		if (r <= 0) {
			if (!total)
				total = r;
			break;
		}
		uint64_t cookie;
		size_t n =
		    pipe_splice_peek(pipe, buf, min_size(len - (size_t)total, cap), false, &cookie);
		if (!n)
			continue; /* another reader emptied it */
		int64_t at = pos ? *pos : 0;
		long w = out->ops->write(out, buf, n, pos ? &at : NULL);
		if (w <= 0) {
			if (!total)
				total = w;
			break;
		}
		pipe_splice_consume(pipe, (size_t)w, cookie);
		if (pos)
			*pos += w;
		total += w;
		if ((size_t)w < n)
			break;
	}
	free(buf);
	return total;
}

/* Copies len bytes from in at *ipos to out at *opos (NULL: a stream file) until the end of
 * in or a short write; the positions move by what was written. */
static long file_to_file(struct file *in, int64_t *ipos, struct file *out, int64_t *opos,
			 size_t len)
{
	size_t cap = min_size(len, COPY_CHUNK);
	long total = 0;
	if (!len)
		return 0;
	char *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	while ((size_t)total < len) {
		size_t want = min_size(len - (size_t)total, cap);
		int64_t at = ipos ? *ipos : 0;
		long n = in->ops->read(in, buf, want, ipos ? &at : NULL);
		if (n <= 0) {
			if (!total)
				total = n;
			break;
		}
		int64_t oat = opos ? *opos : 0;
		long w = out->ops->write(out, buf, (size_t)n, opos ? &oat : NULL);
		if (w <= 0) {
			if (!total)
				total = w;
			break;
		}
		if (ipos)
			*ipos += w;
		if (opos)
			*opos += w;
		total += w;
		if (w < n || (size_t)n < want)
			break;
	}
	free(buf);
	return total;
}

/* ---- sendfile ------------------------------------------------------------------------- */

static long do_sendfile(struct task *t, int out_fd, int in_fd, int64_t *upos, size_t count)
{
	struct file *in = fd_get(t->fdt, in_fd), *out = NULL;
	int64_t pos, opos;
	long r;
	if (!in)
		return -EBADF;
	if (!can_read(in)) {
		r = -EBADF;
		goto out;
	}
	if (upos && in->stream) {
		r = -ESPIPE; /* an offset needs a file with positions */
		goto out;
	}
	pos = upos ? *upos : in->stream ? 0 : pos_load(in);
	if ((r = verify_area(pos, count)) < 0)
		goto out;
	if (count > MAX_RW_COUNT)
		count = MAX_RW_COUNT;
	out = fd_get(t->fdt, out_fd);
	if (!out || !can_write(out)) {
		r = -EBADF;
		goto out;
	}
	if (file_is_pipe(out)) {
		r = file_to_pipe(in, in->stream ? NULL : &pos, out, count, out->flags & O_NONBLOCK);
	} else {
		opos = out->stream ? 0 : pos_load(out);
		if ((r = verify_area(opos, count)) < 0)
			goto out;
		/* Linux's do_splice_direct: no appending, and a seekable source (a pipe's or a
		 * socket's bytes would be lost when the destination takes fewer). */
		if ((out->flags & O_APPEND) || !seekable(in))
			r = -EINVAL;
		else if (!count)
			r = 0;
		else if (!splice_readable(in) || !out->ops->write)
			r = -EINVAL;
		else
			r = file_to_file(in, in->stream ? NULL : &pos, out,
					 out->stream ? NULL : &opos, count);
		if (r > 0 && !out->stream)
			pos_store(out, opos);
	}
	if (r > 0 && !in->stream) {
		if (upos)
			*upos = pos;
		else
			pos_store(in, pos);
	}
out:
	file_put(in);
	file_put(out);
	return r;
}

long sys_sendfile(struct task *t, const uint64_t a[6])
{
	uint64_t uoff = a[2];
	int64_t pos;
	long r;
	if (!uoff)
		return restart_or(t, do_sendfile(t, (int)a[0], (int)a[1], NULL, a[3]));
	if (copy_from_guest(t, &pos, uoff, sizeof(pos)) < 0)
		return -EFAULT;
	r = do_sendfile(t, (int)a[0], (int)a[1], &pos, a[3]);
	/* Written back whatever happened, as Linux's put_user. */
	if (copy_to_guest(t, uoff, &pos, sizeof(pos)) < 0)
		return -EFAULT;
	return restart_or(t, r);
}

/* ---- splice ---------------------------------------------------------------------------- */

/* Linux's do_splice, once the offsets are copied in (NULL: none given). */
static long do_splice(struct file *in, int64_t *off_in, struct file *out, int64_t *off_out,
		      size_t len, unsigned flags)
{
	bool ipipe = file_is_pipe(in), opipe = file_is_pipe(out);
	bool nonblock = flags & SPLICE_F_NONBLOCK;
	int64_t off;
	long r;
	if (!can_read(in) || !can_write(out))
		return -EBADF;
	if (ipipe && opipe) {
		nonblock |= ((in->flags | out->flags) & O_NONBLOCK) != 0;
		return pipe_splice_pipes(in, out, len, nonblock, true);
	}
	if (ipipe) {
		if (off_out && out->stream)
			return -EINVAL;
		off = off_out ? *off_out : out->stream ? 0 : pos_load(out);
		if (out->flags & O_APPEND)
			return -EINVAL;
		if ((r = verify_area(off, len)) < 0)
			return r;
		nonblock |= (in->flags & O_NONBLOCK) != 0;
		r = pipe_to_file(in, out, out->stream ? NULL : &off, len, nonblock);
		if (r > 0 && off_out)
			*off_out = off;
		else if (r > 0 && !out->stream)
			pos_store(out, off);
		return r;
	}
	if (opipe) {
		if (off_in && in->stream)
			return -EINVAL;
		off = off_in ? *off_in : in->stream ? 0 : pos_load(in);
		if ((r = verify_area(off, len)) < 0)
			return r;
		nonblock |= (out->flags & O_NONBLOCK) != 0;
		r = file_to_pipe(in, in->stream ? NULL : &off, out, len, nonblock);
		if (r > 0 && off_in)
			*off_in = off;
		else if (r > 0 && !in->stream)
			pos_store(in, off);
		return r;
	}
	return -EINVAL; /* one side must be a pipe */
}

long sys_splice(struct task *t, const uint64_t a[6])
{
	uint64_t uoff_in = a[1], uoff_out = a[3];
	size_t len = a[4];
	unsigned flags = (unsigned)a[5];
	int64_t off_in, off_out;
	struct file *in, *out = NULL;
	long r;
	if (!len)
		return 0;
	if (flags & ~SPLICE_F_ALL)
		return -EINVAL;
	in = fd_get(t->fdt, (int)a[0]);
	if (!in)
		return -EBADF;
	out = fd_get(t->fdt, (int)a[2]);
	if (!out) {
		r = -EBADF;
		goto out;
	}
	/* A pipe has no offsets. */
	if ((uoff_in && file_is_pipe(in)) || (uoff_out && file_is_pipe(out))) {
		r = -ESPIPE;
		goto out;
	}
	if ((uoff_out && copy_from_guest(t, &off_out, uoff_out, sizeof(off_out)) < 0) ||
	    (uoff_in && copy_from_guest(t, &off_in, uoff_in, sizeof(off_in)) < 0)) {
		r = -EFAULT;
		goto out;
	}
	r = do_splice(in, uoff_in ? &off_in : NULL, out, uoff_out ? &off_out : NULL, len, flags);
	if (r >= 0 && ((uoff_out && copy_to_guest(t, uoff_out, &off_out, sizeof(off_out)) < 0) ||
		       (uoff_in && copy_to_guest(t, uoff_in, &off_in, sizeof(off_in)) < 0)))
		r = -EFAULT;
out:
	file_put(in);
	file_put(out);
	return restart_or(t, r);
}

/* ---- tee ------------------------------------------------------------------------------- */

long sys_tee(struct task *t, const uint64_t a[6])
{
	size_t len = a[2];
	unsigned flags = (unsigned)a[3];
	struct file *in, *out = NULL;
	long r;
	if (flags & ~SPLICE_F_ALL)
		return -EINVAL;
	if (!len)
		return 0;
	in = fd_get(t->fdt, (int)a[0]);
	if (!in)
		return -EBADF;
	out = fd_get(t->fdt, (int)a[1]);
	if (!out || !can_read(in) || !can_write(out)) {
		r = -EBADF;
		goto out;
	}
	if (!file_is_pipe(in) || !file_is_pipe(out)) {
		r = -EINVAL;
		goto out;
	}
	bool nonblock = (flags & SPLICE_F_NONBLOCK) || ((in->flags | out->flags) & O_NONBLOCK);
	r = pipe_splice_pipes(in, out, len, nonblock, false);
out:
	file_put(in);
	file_put(out);
	return restart_or(t, r);
}

/* ---- vmsplice -------------------------------------------------------------------------- */

/* Linux's import_iovec: at most UIO_MAXIOV segments, none negative, each inside user space,
 * the total capped at MAX_RW_COUNT (later segments shortened). Returns the total. */
static long import_iov(struct task *t, uint64_t uiov, uint64_t nr, struct iovec **out)
{
	struct iovec *iov;
	size_t total = 0;
	*out = NULL;
	if (nr > IOV_MAX_SEGS)
		return -EINVAL;
	if (!nr)
		return 0;
	iov = calloc(nr, sizeof(*iov));
	if (!iov)
		return -ENOMEM;
	if (copy_from_guest(t, iov, uiov, nr * sizeof(*iov)) < 0) {
		free(iov);
		return -EFAULT;
	}
	for (size_t i = 0; i < nr; i++) {
		if ((ssize_t)iov[i].iov_len < 0) {
			free(iov);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < nr; i++) {
		uint64_t base = (uint64_t)(uintptr_t)iov[i].iov_base, len = iov[i].iov_len;
		if (len > USER_TOP || base > USER_TOP - len) {
			free(iov);
			return -EFAULT;
		}
		if (len > MAX_RW_COUNT - total)
			iov[i].iov_len = MAX_RW_COUNT - total;
		total += iov[i].iov_len;
	}
	*out = iov;
	return (long)total;
}

/* vmsplice_to_pipe: each user page becomes a slot of its own (iter_to_pipe), as far as the
 * pipe has room; a fault ends the copy. */
static long user_to_pipe(struct task *t, struct file *pipe, const struct iovec *iov, size_t nr,
			 bool nonblock)
{
	char page[PIPE_PAGE_SIZE];
	long total = 0;
	long r = pipe_splice_wait(pipe, true, nonblock);
	if (r < 0)
		return r;
	for (size_t i = 0; i < nr; i++) {
		uint64_t base = (uint64_t)(uintptr_t)iov[i].iov_base;
		size_t done = 0;
		while (done < iov[i].iov_len) {
			uint64_t addr = base + done;
			size_t n = min_size(iov[i].iov_len - done,
					    PIPE_PAGE_SIZE - (size_t)(addr % PIPE_PAGE_SIZE));
			if (copy_from_guest(t, page, addr, n) < 0)
				return total ? total : -EFAULT;
			r = pipe_splice_push(pipe, page, n, (size_t)(addr % PIPE_PAGE_SIZE));
			if (r <= 0)
				return total ? total : r ? r : -EAGAIN;
			total += r;
			done += n;
		}
	}
	return total;
}

/* Writes n bytes of buf to the iovec at (*seg, *segoff), moving the cursor; -EFAULT when a
 * piece does not land (the cursor then stays where it was). */
static int copy_to_iov(struct task *t, const struct iovec *iov, size_t nr, size_t *seg,
		       size_t *segoff, const char *buf, size_t n)
{
	size_t s = *seg, so = *segoff, done = 0;
	while (done < n && s < nr) {
		size_t k = min_size(n - done, iov[s].iov_len - so);
		if (k &&
		    copy_to_guest(t, (uint64_t)(uintptr_t)iov[s].iov_base + so, buf + done, k) < 0)
			return -EFAULT;
		done += k;
		so += k;
		if (so == iov[s].iov_len) {
			s++;
			so = 0;
		}
	}
	*seg = s;
	*segoff = so;
	return 0;
}

/* vmsplice_to_user: slot by slot (a slot that does not land whole stays in the pipe, as
 * Linux's pipe_to_user), waiting only for the first. */
static long pipe_to_user(struct task *t, struct file *pipe, const struct iovec *iov, size_t nr,
			 size_t len, bool nonblock)
{
	char page[PIPE_PAGE_SIZE];
	size_t seg = 0, segoff = 0;
	long total = 0;
	while ((size_t)total < len) {
		long r = pipe_splice_wait(pipe, false, total ? true : nonblock);
		if (r <= 0)
			return total ? total : r;
		uint64_t cookie;
		size_t n = pipe_splice_peek(pipe, page, min_size(len - (size_t)total, sizeof(page)),
					    true, &cookie);
		if (!n)
			continue;
		if (copy_to_iov(t, iov, nr, &seg, &segoff, page, n) < 0)
			return total ? total : -EFAULT;
		pipe_splice_consume(pipe, n, cookie);
		total += (long)n;
	}
	return total;
}

long sys_vmsplice(struct task *t, const uint64_t a[6])
{
	unsigned flags = (unsigned)a[3];
	struct iovec *iov = NULL;
	long r;
	if (flags & ~SPLICE_F_ALL)
		return -EINVAL;
	struct file *f = fd_get(t->fdt, (int)a[0]);
	if (!f)
		return -EBADF;
	/* The direction is the file's: into the pipe from a write end (O_RDWR FIFOs too). */
	bool to_pipe = can_write(f);
	if (!to_pipe && !can_read(f)) {
		r = -EBADF;
		goto out;
	}
	r = import_iov(t, a[1], a[2], &iov);
	if (r <= 0)
		goto out;
	if (!file_is_pipe(f)) {
		r = -EBADF;
		goto out;
	}
	/* Only SPLICE_F_NONBLOCK counts here, not the file's O_NONBLOCK (as in Linux).
	 * SPLICE_F_GIFT: the pages are copied, which a gift allows. */
	bool nonblock = flags & SPLICE_F_NONBLOCK;
	r = to_pipe ? user_to_pipe(t, f, iov, a[2], nonblock)
		    : pipe_to_user(t, f, iov, a[2], (size_t)r, nonblock);
out:
	free(iov);
	file_put(f);
	return restart_or(t, r);
}

/* ---- copy_file_range ------------------------------------------------------------------- */

/* Linux's generic_copy_file_checks, with count shortened to what in holds past pos_in. */
static int copy_checks(struct file *in, int64_t pos_in, struct file *out, int64_t pos_out,
		       size_t *count)
{
	mode_t tin = file_type(in), tout = file_type(out);
	struct stat st;
	if (tin == S_IFDIR || tout == S_IFDIR)
		return -EISDIR;
	if (tin != S_IFREG || tout != S_IFREG)
		return -EINVAL;
	if (!can_read(in) || !can_write(out) || (out->flags & O_APPEND))
		return -EBADF;
	if ((uint64_t)pos_in + *count < (uint64_t)pos_in ||
	    (uint64_t)pos_out + *count < (uint64_t)pos_out)
		return -EOVERFLOW;
	if (!in->ops->fstat || in->ops->fstat(in, &st) < 0 || !in->ops->read || !out->ops->write)
		return -EINVAL;
	if (pos_in >= st.st_size)
		*count = 0;
	else if (*count > (uint64_t)(st.st_size - pos_in))
		*count = (size_t)(st.st_size - pos_in);
	if (pos_out == INT64_MAX)
		return -EFBIG;
	/* No overlapping ranges within one file. */
	if (in->inode && in->inode == out->inode && pos_out + (int64_t)*count > pos_in &&
	    pos_out < pos_in + (int64_t)*count)
		return -EINVAL;
	return 0;
}

long sys_copy_file_range(struct task *t, const uint64_t a[6])
{
	uint64_t uoff_in = a[1], uoff_out = a[3];
	size_t len = a[4];
	int64_t pos_in, pos_out;
	struct file *in, *out = NULL;
	long r;
	in = fd_get(t->fdt, (int)a[0]);
	if (!in)
		return -EBADF;
	out = fd_get(t->fdt, (int)a[2]);
	if (!out) {
		r = -EBADF;
		goto out;
	}
	if ((uoff_in && copy_from_guest(t, &pos_in, uoff_in, sizeof(pos_in)) < 0) ||
	    (uoff_out && copy_from_guest(t, &pos_out, uoff_out, sizeof(pos_out)) < 0)) {
		r = -EFAULT;
		goto out;
	}
	if (!uoff_in)
		pos_in = pos_load(in);
	if (!uoff_out)
		pos_out = pos_load(out);
	if (a[5]) {
		r = -EINVAL;
		goto out;
	}
	if ((r = copy_checks(in, pos_in, out, pos_out, &len)) < 0 ||
	    (r = verify_area(pos_in, len)) < 0 || (r = verify_area(pos_out, len)) < 0)
		goto out;
	/* Same filesystem or not, the copy goes through the file operations: no EXDEV. */
	r = file_to_file(in, &pos_in, out, &pos_out, min_size(len, MAX_RW_COUNT));
	if (r <= 0)
		goto out;
	if (uoff_in ? copy_to_guest(t, uoff_in, &pos_in, sizeof(pos_in)) < 0
		    : (pos_store(in, pos_in), false))
		r = -EFAULT;
	if (uoff_out ? copy_to_guest(t, uoff_out, &pos_out, sizeof(pos_out)) < 0
		     : (pos_store(out, pos_out), false))
		r = -EFAULT;
out:
	file_put(in);
	file_put(out);
	return r;
}
