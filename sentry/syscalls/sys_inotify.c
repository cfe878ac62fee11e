/* inotify_init, inotify_init1, inotify_add_watch, inotify_rm_watch (the instances, watches and
 * events are fs/inotify.c's). Checks are made in Linux's order (fs/notify/inotify/inotify_user.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/inotify.h>

#include "fs/inotify.h"
#include "fs/namei_internal.h"
#include "fs/vfs.h"
#include "sentry/syscalls/path_arg.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

static long do_init(struct task *t, int flags)
{
	struct file *f;
	if (flags & ~(IN_CLOEXEC | IN_NONBLOCK))
		return -EINVAL;
	long r = inotify_create(flags & IN_NONBLOCK, &f);
	if (r < 0)
		return r;
	r = fd_install(t->fdt, f, 0, flags & IN_CLOEXEC);
	file_put(f); /* the table holds its own reference */
	return r;
}

long sys_inotify_init(struct task *t, const uint64_t a[6])
{
	return do_init(t, 0);
}

long sys_inotify_init1(struct task *t, const uint64_t a[6])
{
	return do_init(t, (int)a[0]);
}

/* fdget(): O_PATH descriptors count as no descriptor. */
static struct file *get_fd(struct task *t, int fd)
{
	struct file *f = fd_get(t->fdt, fd);
	if (f && (f->flags & O_PATH)) {
		file_put(f);
		f = NULL;
	}
	return f;
}

long sys_inotify_add_watch(struct task *t, const uint64_t a[6])
{
	uint32_t mask = (uint32_t)a[2];
	char *name = NULL;
	struct path p = {0};
	long r = inotify_check_mask(mask);
	if (r < 0)
		return r;
	struct file *f = get_fd(t, (int)a[0]);
	if (!f)
		return -EBADF;
	if ((mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE)) {
		r = -EINVAL; /* they contradict each other */
		goto out;
	}
	if (!file_is_inotify(f)) {
		r = -EINVAL;
		goto out;
	}
	r = path_arg(t, a[1], &name);
	if (r < 0)
		goto out;
	int lflags = (mask & IN_DONT_FOLLOW ? 0 : LOOKUP_FOLLOW) |
		     (mask & IN_ONLYDIR ? LOOKUP_DIRECTORY : 0);
	r = path_lookup_at(t, AT_FDCWD, name, lflags, &p);
	if (r < 0)
		goto out;
	/* Only what the caller may read may be watched. */
	r = inode_permission(p.dentry->inode, MAY_READ, t);
	if (r < 0)
		goto out;
	r = inotify_watch_add(f, p.dentry->inode, mask);
out:
	path_put(&p);
	free(name);
	file_put(f);
	return r;
}

long sys_inotify_rm_watch(struct task *t, const uint64_t a[6])
{
	struct file *f = get_fd(t, (int)a[0]);
	if (!f)
		return -EBADF;
	long r = file_is_inotify(f) ? inotify_watch_remove(f, (int)a[1]) : -EINVAL;
	file_put(f);
	return r;
}
