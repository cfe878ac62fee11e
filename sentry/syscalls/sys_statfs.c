/* statfs, fstatfs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/statfs.h>

#include "fs/vfs.h"
#include "sentry/syscalls/path_arg.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

static int inode_statfs(struct inode *ino, struct statfs *st)
{
	if (ino->ops->statfs)
		return ino->ops->statfs(ino, st);
	memset(st, 0, sizeof(*st));
	st->f_bsize = 4096;
	st->f_namelen = 255;
	st->f_frsize = 4096;
	return 0;
}

long sys_statfs(struct task *t, const uint64_t a[6])
{
	char *path = NULL;
	struct path p;
	struct statfs st;
	long r = path_arg(t, a[0], &path);
	if (r < 0)
		return r;
	r = path_lookup_at(t, AT_FDCWD, path, LOOKUP_FOLLOW, &p);
	free(path);
	if (r < 0)
		return r;
	r = inode_statfs(p.dentry->inode, &st);
	path_put(&p);
	if (r < 0)
		return r;
	return copy_to_guest(t, a[1], &st, sizeof(st));
}

long sys_fstatfs(struct task *t, const uint64_t a[6])
{
	struct statfs st;
	struct file *f = fd_get(t->fdt, (int)a[0]);
	long r;
	if (!f)
		return -EBADF;
	if (f->inode) {
		r = inode_statfs(f->inode, &st);
	} else {
		/* Anonymous files (pipes, the caller's stdio): Linux answers with their
		 * pseudo-filesystem; an empty one serves. */
		memset(&st, 0, sizeof(st));
		st.f_bsize = 4096;
		st.f_namelen = 255;
		r = 0;
	}
	file_put(f);
	if (r < 0)
		return r;
	return copy_to_guest(t, a[1], &st, sizeof(st));
}
