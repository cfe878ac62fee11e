/* signalfd, signalfd4 (the files are fs/signalfd.c's). Checks in Linux's order. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/signalfd.h>

#include "fs/eventfd.h"
#include "fs/vfs.h"
#include "sentry/syscalls/sigmask_arg.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

static long do_signalfd4(struct task *t, int ufd, uint64_t umask, uint64_t size, int flags)
{
	uint64_t mask;
	struct file *f;
	long r;
	if (size != sizeof(mask))
		return -EINVAL;
	if (copy_from_guest(t, &mask, umask, sizeof(mask)) < 0)
		return -EFAULT;
	if (flags & ~(SFD_CLOEXEC | SFD_NONBLOCK))
		return -EINVAL;
	mask &= ~SIG_UNBLOCKABLE;
	if (ufd == -1) {
		r = signalfd_create(mask, flags & SFD_NONBLOCK, &f);
		if (r < 0)
			return r;
		r = fd_install(t->fdt, f, 0, flags & SFD_CLOEXEC);
		file_put(f); /* the table holds its own reference */
		return r;
	}
	f = fd_get(t->fdt, ufd);
	if (!f || (f->flags & O_PATH)) {
		file_put(f);
		return -EBADF;
	}
	r = -EINVAL;
	if (file_is_signalfd(f)) {
		signalfd_set_mask(f, mask);
		r = ufd;
	}
	file_put(f);
	return r;
}

long sys_signalfd(struct task *t, const uint64_t a[6])
{
	return do_signalfd4(t, (int)a[0], a[1], a[2], 0);
}

long sys_signalfd4(struct task *t, const uint64_t a[6])
{
	return do_signalfd4(t, (int)a[0], a[1], a[2], (int)a[3]);
}
