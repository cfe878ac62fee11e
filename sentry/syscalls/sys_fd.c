/* dup, dup2, dup3, fcntl (with record locks: fs/locks.c), ioctl: operations on descriptors
 * rather than on files. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>

#include "fs/locks.h"
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

static bool is_record_lock_cmd(int cmd)
{
	return cmd == F_GETLK || cmd == F_SETLK || cmd == F_SETLKW || cmd == F_OFD_GETLK ||
	       cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
}

/* F_GETLK, F_SETLK, F_SETLKW and their OFD forms, with Linux's checks in Linux's order
 * (fcntl_getlk, fcntl_setlk). POSIX locks belong to the fd table, OFD locks to f. */
static long fcntl_record_lock(struct task *t, int fd, struct file *f, int cmd, uint64_t uarg)
{
	struct guest_flock gl;
	int64_t start, end;
	bool ofd = cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
	bool get = cmd == F_GETLK || cmd == F_OFD_GETLK;
	if (copy_from_guest(t, &gl, uarg, sizeof(gl)) < 0)
		return -EFAULT;
	if (cmd == F_GETLK && gl.l_type != F_RDLCK && gl.l_type != F_WRLCK)
		return -EINVAL;
	long r = locks_flock_range(f, &gl, &start, &end);
	if (r < 0)
		return r;
	if (gl.l_type != F_RDLCK && gl.l_type != F_WRLCK && gl.l_type != F_UNLCK)
		return -EINVAL;
	int acc = f->flags & O_ACCMODE;
	if (!get && gl.l_type == F_RDLCK && acc != O_RDONLY && acc != O_RDWR)
		return -EBADF;
	if (!get && gl.l_type == F_WRLCK && acc != O_WRONLY && acc != O_RDWR)
		return -EBADF;
	if (ofd && gl.l_pid != 0)
		return -EINVAL;
	struct lock_owner o = {ofd ? (const void *)f : (const void *)t->fdt, t->tgid, ofd};
	if (get) {
		locks_posix_test(f, &o, gl.l_type, start, end, &gl);
		return copy_to_guest(t, uarg, &gl, sizeof(gl)) < 0 ? -EFAULT : 0;
	}
	r = locks_posix_set(t, f, &o, gl.l_type, start, end,
			    cmd == F_SETLKW || cmd == F_OFD_SETLKW);
	if (r == 0 && !ofd && gl.l_type != F_UNLCK) {
		/* fd was closed while we locked: the lock must not outlive it (Linux's check). */
		struct file *now = fd_get(t->fdt, fd);
		if (now != f) {
			locks_remove_posix(f, t->fdt);
			r = -EBADF;
		}
		file_put(now);
	}
	return r;
}

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
		if (is_record_lock_cmd(cmd)) {
			r = fcntl_record_lock(t, fd, f, cmd, a[2]);
			break;
		}
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
