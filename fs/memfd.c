/*
 * memfd files: each is created in the root of a private tmpfs instance under a unique name,
 * unlinked at once, and opened through the tmpfs inode's own open, so it is an ordinary tmpfs
 * file (shared mappings, fallocate, ftruncate all as for /tmp files) with nlink 0.
 *
 * Its path is a dentry of our own, never in any cache: "memfd:NAME" under the instance's
 * root, marked unhashed, so path_to_string gives Linux's "/memfd:NAME (deleted)" (NAME may
 * hold '/', which only the text ever sees).
 */
#define _GNU_SOURCE
#include "fs/memfd.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/tmpfs.h"

#define KERNEL_O_LARGEFILE 0100000

static pthread_once_t memfd_once = PTHREAD_ONCE_INIT;
static struct mount *memfd_mnt; /* kept for the life of the process */
static int memfd_init_err;

static void memfd_init(void)
{
	const struct tmpfs_opts o = {.root_mode = 01777};
	struct inode *root;
	memfd_init_err = tmpfs_new(&o, &root);
	if (memfd_init_err == 0)
		memfd_init_err = mount_from_root_inode(root, 0, &memfd_mnt);
}

/* An unhashed dentry named name under parent for ino (whose reference passes to it). */
static struct dentry *detached_dentry(struct dentry *parent, const char *name, struct inode *ino)
{
	struct dentry *d = calloc(1, sizeof(*d));
	if (!d || !(d->name = strdup(name))) {
		free(d);
		return NULL;
	}
	d->refs = 1;
	d->parent = parent;
	dentry_get(parent); /* an unhashed dentry holds its parent (see dentry_put) */
	d->inode = ino;
	d->unhashed = true;
	return d;
}

int memfd_file_new(const char *display_name, mode_t mode, const struct vfs_owner *who,
		   struct file **out)
{
	static unsigned long counter;
	struct inode *ino = NULL;
	struct file *f = NULL;
	char name[32];
	int err;
	pthread_once(&memfd_once, memfd_init);
	if (memfd_init_err < 0)
		return memfd_init_err;
	struct dentry *root = memfd_mnt->root;
	struct inode *dir = root->inode;
	snprintf(name, sizeof(name), "memfd.%lu",
		 __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
	err = dir->ops->create(dir, name, S_IFREG | (mode & 07777), 0, who, &ino);
	if (err < 0)
		return err;
	err = dir->ops->unlink(dir, name, ino);
	if (err < 0)
		goto fail;
	f = file_new(NULL, O_RDWR | KERNEL_O_LARGEFILE, NULL);
	if (!f) {
		err = -ENOMEM;
		goto fail;
	}
	f->inode = ino;
	inode_get(ino);
	struct dentry *d = detached_dentry(root, display_name, ino);
	if (!d) {
		err = -ENOMEM;
		goto fail;
	}
	ino = NULL; /* d's now */
	f->path.mnt = memfd_mnt;
	f->path.dentry = d;
	path_get(&f->path); /* the mount's reference; d's first reference is f's */
	dentry_put(d);
	err = f->inode->ops->open(f->inode, f);
	if (err < 0)
		goto fail;
	*out = f;
	return 0;
fail:
	file_put(f);
	inode_put(ino);
	return err;
}
