/* dup, dup2, dup3, fcntl, ioctl: operations on descriptors rather than on files. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>

#include "fs/pipe.h"
#include "fs/vfs.h"
#include "sentry/log.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

static long dup_from(struct task *t, int oldfd, int min, bool cloexec)
{
	struct file *f = fd_get(t->fdt, oldfd);
	if (!f)
		return -EBADF;
	long r = fd_install(t->fdt, f, min, cloexec);
	file_put(f);
	return r;
}

static long dup_to(struct task *t, int oldfd, int newfd, bool cloexec)
{
	struct file *f = fd_get(t->fdt, oldfd);
	if (!f)
		return -EBADF;
	long r = fd_install_at(t->fdt, newfd, f, cloexec);
	file_put(f);
	return r;
}

long sys_dup(struct task *t, const uint64_t a[6])
{
	return dup_from(t, (int)a[0], 0, false);
}

long sys_dup2(struct task *t, const uint64_t a[6])
{
	int oldfd = (int)a[0], newfd = (int)a[1];
	if (oldfd == newfd) {
		struct file *f = fd_get(t->fdt, oldfd);
		if (!f)
			return -EBADF;
		file_put(f);
		return newfd;
	}
	return dup_to(t, oldfd, newfd, false);
}

long sys_dup3(struct task *t, const uint64_t a[6])
{
	int oldfd = (int)a[0], newfd = (int)a[1], flags = (int)a[2];
	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	if (oldfd == newfd)
		return -EINVAL;
	return dup_to(t, oldfd, newfd, flags & O_CLOEXEC);
}

/* The status flags F_SETFL may change (Linux's SETFL_MASK). */
#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_NDELAY | O_DIRECT | O_NOATIME | O_ASYNC)

long sys_fcntl(struct task *t, const uint64_t a[6])
{
	int fd = (int)a[0], cmd = (int)a[1];
	long r;
	struct file *f = fd_get(t->fdt, fd);
	if (!f)
		return -EBADF;
	/* O_PATH descriptors allow only the descriptor-level commands. */
	if ((f->flags & O_PATH) && cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC && cmd != F_GETFD &&
	    cmd != F_SETFD && cmd != F_GETFL) {
		file_put(f);
		return -EBADF;
	}
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if ((unsigned long)a[2] >= t->fdt->limit)
			r = -EINVAL;
		else
			r = fd_install(t->fdt, f, (int)a[2], cmd == F_DUPFD_CLOEXEC);
		break;
	case F_GETFD:
		r = fd_get_cloexec(t->fdt, fd);
		break;
	case F_SETFD:
		r = fd_set_cloexec(t->fdt, fd, a[2] & FD_CLOEXEC);
		break;
	case F_GETFL:
		r = f->flags;
		break;
	case F_SETFL:
		pthread_mutex_lock(&f->pos_lock);
		f->flags = (f->flags & ~SETFL_MASK) | ((int)a[2] & SETFL_MASK);
		pthread_mutex_unlock(&f->pos_lock);
		r = 0;
		break;
	case F_GETPIPE_SZ:
		r = file_is_pipe(f) ? pipe_get_size(f) : -EBADF;
		break;
	case F_SETPIPE_SZ:
		r = file_is_pipe(f) ? pipe_set_size(f, a[2]) : -EBADF;
		break;
	default:
		log_info("fcntl: command %d not supported yet", cmd);
		r = -EINVAL;
	}
	file_put(f);
	return r;
}

long sys_ioctl(struct task *t, const uint64_t a[6])
{
	unsigned long cmd = (unsigned)a[1];
	long r;
	struct file *f = fd_get(t->fdt, (int)a[0]);
	if (!f)
		return -EBADF;
	if (f->flags & O_PATH) {
		file_put(f);
		return -EBADF;
	}
	switch (cmd) {
	case FIOCLEX:
	case FIONCLEX:
		r = fd_set_cloexec(t->fdt, (int)a[0], cmd == FIOCLEX);
		break;
	case FIONBIO: {
		/* Every file type: the same flag F_SETFL sets. */
		int on;
		r = copy_from_guest(t, &on, a[2], sizeof(on));
		if (r == 0) {
			pthread_mutex_lock(&f->pos_lock);
			f->flags = on ? f->flags | O_NONBLOCK : f->flags & ~O_NONBLOCK;
			pthread_mutex_unlock(&f->pos_lock);
		}
		break;
	}
	default:
		r = f->ops && f->ops->ioctl ? f->ops->ioctl(f, t, cmd, a[2]) : -ENOTTY;
	}
	file_put(f);
	return r;
}
