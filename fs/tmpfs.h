/*
 * tmpfs: a filesystem kept in Sentry memory (fs/tmpfs.c). Used for /tmp, /dev/shm, OCI tmpfs
 * mounts and as the writable upper layer of the overlay root.
 *
 * Regular file data lives in a host memfd per file, created on the first write or extension:
 * sparse files cost nothing, and a shared mapping can later map the same pages into the guest.
 * Directories, symlinks, FIFOs, sockets and device nodes live in Sentry memory. Device nodes
 * open only the devices devfs serves; sockets refuse open (ENXIO); FIFOs open through fs/pipe.c.
 *
 * Extended attributes: user.* and trusted.* are kept (trusted.* only for the Sentry's own use:
 * the overlay marks opaque directories with trusted.overlay.opaque).
 */
#ifndef CVISOR_TMPFS_H
#define CVISOR_TMPFS_H

#include "fs/vfs.h"

#define TMPFS_MAGIC_NUMBER 0x01021994

struct tmpfs_opts {
	uint64_t size_limit;  /* bytes of file data (rounded up to pages); 0: unlimited */
	uint64_t inode_limit; /* 0: unlimited */
	mode_t root_mode;     /* permission bits of the root directory (e.g. 01777 for /tmp) */
	uid_t uid;	      /* owner of the root directory */
	gid_t gid;
};

/* A new, empty tmpfs instance; *root is its root directory inode, referenced. */
int tmpfs_new(const struct tmpfs_opts *o, struct inode **root);
/* The same, as a mount (mnt_flags: MS_RDONLY, MS_NOSUID, ...). */
int tmpfs_mount(const struct tmpfs_opts *o, unsigned mnt_flags, struct mount **out);
bool inode_is_tmpfs(const struct inode *ino);

#endif
