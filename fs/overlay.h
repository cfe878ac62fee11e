/* overlay: a writable upper tree over a read-only lower tree (fs/overlay.c). */
#ifndef CVISOR_OVERLAY_H
#define CVISOR_OVERLAY_H

#include "fs/vfs.h"

/* A new overlay of upper_root (a tmpfs root: writable, with trusted.* xattrs) over lower_root
 * (may be NULL: upper only). Takes its own references to both. */
int overlay_new(struct inode *lower_root, struct inode *upper_root, struct inode **root);
int overlay_mount(struct inode *lower_root, struct inode *upper_root, unsigned mnt_flags,
		  struct mount **out);

#endif
