/*
 * Files for memfd_create(2): unlinked regular files of one Sentry-wide tmpfs instance, as
 * Linux's memfds are unlinked files of its internal shmem mount.
 */
#ifndef CVISOR_MEMFD_H
#define CVISOR_MEMFD_H

#include <sys/types.h>

#include "fs/vfs.h"

/* A new, empty, unlinked regular file (mode: the permission bits, taken as they are) owned by
 * who, open O_RDWR in *out. Its path reads "/<display_name> (deleted)", Linux's text for a
 * memfd ("memfd:NAME"). 0, -ENOMEM or the filesystem's error. */
int memfd_file_new(const char *display_name, mode_t mode, const struct vfs_owner *who,
		   struct file **out);

#endif
