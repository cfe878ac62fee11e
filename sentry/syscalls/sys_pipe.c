/* pipe, pipe2. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>

#include "fs/pipe.h"
#include "fs/vfs.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

/* linux/watch_queue.h: pipe2's request for a notification pipe. */
#ifndef O_NOTIFICATION_PIPE
#define O_NOTIFICATION_PIPE O_EXCL
#endif

static long do_pipe2(struct task *t, uint64_t ufds, int flags)
{
	struct file *rd = NULL, *wr = NULL;
	int fds[2] = {-1, -1};
	long err;
	if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT | O_NOTIFICATION_PIPE))
		return -EINVAL;
	/* Notification pipes are not implemented: the answer of a kernel built without
	 * CONFIG_WATCH_QUEUE. */
	if (flags & O_NOTIFICATION_PIPE)
		return -ENOPKG;
	err = pipe_create(flags, &rd, &wr);
	if (err < 0)
		return err;
	bool cloexec = flags & O_CLOEXEC;
	err = fds[0] = fd_install(t->fdt, rd, 0, cloexec);
	if (err < 0)
		goto out;
	err = fds[1] = fd_install(t->fdt, wr, 0, cloexec);
	if (err < 0)
		goto out;
	/* Linux reserves the numbers, copies, then installs; with no reservation here the
	 * descriptors exist for a moment and are closed again if the copy faults. */
	err = copy_to_guest(t, ufds, fds, sizeof(fds));
out:
	if (err < 0) {
		if (fds[0] >= 0)
			fd_close(t->fdt, fds[0]);
		if (fds[1] >= 0)
			fd_close(t->fdt, fds[1]);
	}
	/* The fd table holds its own references. */
	file_put(rd);
	file_put(wr);
	return err;
}

long sys_pipe(struct task *t, const uint64_t a[6])
{
	return do_pipe2(t, a[0], 0);
}

long sys_pipe2(struct task *t, const uint64_t a[6])
{
	return do_pipe2(t, a[0], (int)a[1]);
}
