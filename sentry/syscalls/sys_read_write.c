/* read, write, pread64, pwrite64, readv, writev, lseek. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fs/inotify.h"
#include "fs/vfs.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

#define MAX_RW_COUNT (INT_MAX & ~4095L) /* Linux's cap on one read or write */
#define RW_CHUNK     (1L << 20)		/* the Sentry's bounce buffer */

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

/* Reads into guest memory at buf, through a bounce buffer. off: the position to use, or
 * NULL for the file's own. Stream files get one underlying read, like Linux. */
static long do_read(struct task *t, struct file *f, uint64_t buf, size_t len, int64_t *off)
{
	long total = 0;
	char *bounce;
	if (!f->ops->read)
		return -EINVAL;
	if (len > MAX_RW_COUNT)
		len = MAX_RW_COUNT;
	if (len == 0)
		return 0;
	bounce = malloc(len < RW_CHUNK ? len : RW_CHUNK);
	if (!bounce)
		return -ENOMEM;
	while ((size_t)total < len) {
		size_t want = len - (size_t)total;
		if (want > RW_CHUNK)
			want = RW_CHUNK;
		/* The position moves only by what reached the guest, as with a fault in Linux's
		 * copy_to_user. */
		int64_t pos = off ? *off : 0;
		long n = f->ops->read(f, bounce, want, f->stream ? NULL : &pos);
		if (n < 0) {
			if (!total)
				total = n;
			break;
		}
		if (n > 0 && copy_to_guest(t, buf + (uint64_t)total, bounce, (size_t)n) < 0) {
			if (!total)
				total = -EFAULT;
			break;
		}
		if (off)
			*off = pos;
		total += n;
		if ((size_t)n < want || f->stream)
			break;
	}
	free(bounce);
	return total;
}

static long do_write(struct task *t, struct file *f, uint64_t buf, size_t len, int64_t *off)
{
	long total = 0;
	char *bounce;
	if (!f->ops->write)
		return -EINVAL;
	if (len > MAX_RW_COUNT)
		len = MAX_RW_COUNT;
	if (len == 0)
		return 0;
	bounce = malloc(len < RW_CHUNK ? len : RW_CHUNK);
	if (!bounce)
		return -ENOMEM;
	while ((size_t)total < len) {
		size_t want = len - (size_t)total;
		if (want > RW_CHUNK)
			want = RW_CHUNK;
		if (copy_from_guest(t, bounce, buf + (uint64_t)total, want) < 0) {
			if (!total)
				total = -EFAULT;
			break;
		}
		long n = f->ops->write(f, bounce, want, f->stream ? NULL : off);
		if (n < 0) {
			if (!total)
				total = n;
			break;
		}
		total += n;
		if ((size_t)n < want)
			break;
	}
	free(bounce);
	return total;
}

/* Reads or writes at the file's own position, holding its lock as Linux's f_pos_lock. */
static long rw_at_pos(struct task *t, int fd, uint64_t buf, size_t len, bool write)
{
	struct file *f = fd_get(t->fdt, fd);
	long r;
	if (!f)
		return -EBADF;
	if (write ? !can_write(f) : !can_read(f)) {
		file_put(f);
		return -EBADF;
	}
	if (!guest_range_ok(buf, len)) {
		file_put(f);
		return -EFAULT;
	}
	/* The position lock, as Linux's f_pos_lock, only for files with a position: a reader
	 * blocked on a pipe must not hold up an fcntl or another reader. */
	if (!f->stream)
		pthread_mutex_lock(&f->pos_lock);
	r = write ? do_write(t, f, buf, len, &f->pos) : do_read(t, f, buf, len, &f->pos);
	if (!f->stream)
		pthread_mutex_unlock(&f->pos_lock);
	fsnotify_rw(f, r, write);
	file_put(f);
	return r;
}

long sys_read(struct task *t, const uint64_t a[6])
{
	return rw_at_pos(t, (int)a[0], a[1], a[2], false);
}

long sys_write(struct task *t, const uint64_t a[6])
{
	return rw_at_pos(t, (int)a[0], a[1], a[2], true);
}

static long prw(struct task *t, const uint64_t a[6], bool write)
{
	int64_t off = (int64_t)a[3];
	long r;
	if (off < 0) /* checked before the fd, as Linux does */
		return -EINVAL;
	struct file *f = fd_get(t->fdt, (int)a[0]);
	if (!f)
		return -EBADF;
	if (write ? !can_write(f) : !can_read(f))
		r = -EBADF;
	else if (!guest_range_ok(a[1], a[2]))
		r = -EFAULT;
	else if (f->stream)
		r = -ESPIPE;
	else
		r = write ? do_write(t, f, a[1], a[2], &off) : do_read(t, f, a[1], a[2], &off);
	fsnotify_rw(f, r, write);
	file_put(f);
	return r;
}

long sys_pread64(struct task *t, const uint64_t a[6])
{
	return prw(t, a, false);
}

long sys_pwrite64(struct task *t, const uint64_t a[6])
{
	return prw(t, a, true);
}

/* Copies in and checks an iovec array once: count within IOV_MAX, total within ssize_t. */
static int import_iovec(struct task *t, uint64_t uiov, uint64_t cnt, struct iovec **out)
{
	struct iovec *iov;
	size_t total = 0;
	if ((int)cnt < 0 || cnt > IOV_MAX)
		return -EINVAL;
	*out = NULL;
	if (cnt == 0)
		return 0;
	iov = calloc(cnt, sizeof(*iov));
	if (!iov)
		return -ENOMEM;
	if (copy_from_guest(t, iov, uiov, cnt * sizeof(*iov)) < 0) {
		free(iov);
		return -EFAULT;
	}
	for (size_t i = 0; i < cnt; i++) {
		if ((ssize_t)iov[i].iov_len < 0 || total + iov[i].iov_len > SSIZE_MAX) {
			free(iov);
			return -EINVAL;
		}
		total += iov[i].iov_len;
	}
	*out = iov;
	return 0;
}

static long rwv(struct task *t, const uint64_t a[6], bool write)
{
	struct iovec *iov;
	long total = 0;
	struct file *f = fd_get(t->fdt, (int)a[0]);
	if (!f)
		return -EBADF;
	if (write ? !can_write(f) : !can_read(f)) {
		file_put(f);
		return -EBADF;
	}
	int err = import_iovec(t, a[1], a[2], &iov);
	if (err < 0) {
		file_put(f);
		return err;
	}
	if (!f->stream)
		pthread_mutex_lock(&f->pos_lock);
	for (size_t i = 0; i < a[2]; i++) {
		if (!iov[i].iov_len)
			continue;
		uint64_t base = (uint64_t)(uintptr_t)iov[i].iov_base;
		long n = write ? do_write(t, f, base, iov[i].iov_len, &f->pos)
			       : do_read(t, f, base, iov[i].iov_len, &f->pos);
		if (n < 0) {
			if (!total)
				total = n;
			break;
		}
		total += n;
		if ((size_t)n < iov[i].iov_len)
			break;
	}
	if (!f->stream)
		pthread_mutex_unlock(&f->pos_lock);
	fsnotify_rw(f, total, write);
	free(iov);
	file_put(f);
	return total;
}

long sys_readv(struct task *t, const uint64_t a[6])
{
	return rwv(t, a, false);
}

long sys_writev(struct task *t, const uint64_t a[6])
{
	return rwv(t, a, true);
}

long sys_lseek(struct task *t, const uint64_t a[6])
{
	int64_t off = (int64_t)a[1], r;
	int whence = (int)a[2];
	struct file *f = fd_get(t->fdt, (int)a[0]);
	if (!f)
		return -EBADF;
	if ((unsigned)whence > SEEK_HOLE) {
		file_put(f);
		return -EINVAL;
	}
	if (f->flags & O_PATH) {
		file_put(f);
		return -EBADF;
	}
	pthread_mutex_lock(&f->pos_lock);
	r = f->ops->llseek ? f->ops->llseek(f, off, whence) : (f->stream ? -ESPIPE : -ENOSYS);
	if (r == -ENOSYS) {
		/* The generic position: ours, with the size from the inode for SEEK_END. */
		struct stat st;
		switch (whence) {
		case SEEK_SET:
			r = off;
			break;
		case SEEK_CUR:
			r = f->pos + off;
			break;
		case SEEK_END:
			r = f->ops->fstat && f->ops->fstat(f, &st) == 0 ? st.st_size + off
									: -EINVAL;
			break;
		default:
			r = -EINVAL;
		}
		if (r < 0)
			r = -EINVAL;
	}
	if (r >= 0 && !f->stream)
		f->pos = r;
	pthread_mutex_unlock(&f->pos_lock);
	file_put(f);
	return r;
}

/* Advice only: checked as Linux checks it, then nothing to do (reads go to the host). */
long sys_fadvise64(struct task *t, const uint64_t a[6])
{
	int advice = (int)a[3];
	struct file *f = fd_get(t->fdt, (int)a[0]);
	long r = 0;
	if (!f)
		return -EBADF;
	if (f->flags & O_PATH)
		r = -EBADF;
	else if (f->stream)
		r = -ESPIPE;
	else if (advice < POSIX_FADV_NORMAL || advice > POSIX_FADV_NOREUSE || (int64_t)a[2] < 0)
		r = -EINVAL;
	file_put(f);
	return r;
}
