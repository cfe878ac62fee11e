/* path_to_string: the guest path of a struct path, as Linux's d_path (fs/vfs.h). */
#define _GNU_SOURCE
#include "fs/namei_internal.h"
#include "fs/vfs.h"

#include <errno.h>
#include <string.h>

#define DELETED_SUFFIX " (deleted)"

static int build_path(const struct path *p, const struct path *root, char *buf, size_t cap)
{
	if (!p->mnt || !p->dentry)
		return -ENOENT; /* an anonymous file: no path to give */
	size_t suffix = p->dentry->unhashed ? strlen(DELETED_SUFFIX) : 0;
	if (cap < 2 + suffix)
		return -ENAMETOOLONG;
	/* Built right to left at the end of buf, then moved to its start. */
	char *end = buf + cap - 1 - suffix, *s = end;
	struct mount *mnt = p->mnt;
	struct dentry *d = p->dentry;
	*end = 0;
	while (!(mnt == root->mnt && d == root->dentry)) {
		if (d == mnt->root) {
			if (!mnt->parent || !mnt->mountpoint)
				break; /* the top of the tree: root was not on the way */
			d = mnt->mountpoint;
			mnt = mnt->parent;
			continue;
		}
		if (d->parent == d)
			break; /* a detached filesystem root */
		size_t n = strlen(d->name);
		if ((size_t)(s - buf) < n + 1)
			return -ENAMETOOLONG;
		s -= n;
		memcpy(s, d->name, n);
		*--s = '/';
		d = d->parent;
	}
	if (s == end) {
		if (s == buf)
			return -ENAMETOOLONG;
		*--s = '/';
	}
	size_t len = (size_t)(end - s);
	memmove(buf, s, len + 1);
	if (suffix) {
		memcpy(buf + len, DELETED_SUFFIX, suffix + 1);
		len += suffix;
	}
	return (int)len;
}

/* Under the dentry cache's lock: a concurrent rename moves dentries and frees old names. */
int path_to_string(const struct path *p, const struct path *root, char *buf, size_t cap)
{
	dcache_read_lock();
	int r = build_path(p, root, buf, cap);
	dcache_read_unlock();
	return r;
}
