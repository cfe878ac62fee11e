/*
 * devpts: the filesystem of pseudo-terminal slaves (fs/devpts.c), mounted on /dev/pts.
 * Opening its ptmx (or /dev/ptmx, which finds the devpts mounted at "pts" beside it, as
 * Linux's does) creates a pair numbered 0, 1, 2, ... and its node N; the node goes when the
 * master closes, the number when both ends are closed.
 */
#ifndef CVISOR_DEVPTS_H
#define CVISOR_DEVPTS_H

#include <stdbool.h>
#include <sys/types.h>

#include "fs/vfs.h"

#define DEVPTS_SUPER_MAGIC_NUMBER 0x1cd1

/* Mount options, as Linux's (gid=, mode=, ptmxmode=, max=). */
struct devpts_opts {
	bool setgid; /* nodes get gid (else the opener's fsgid) */
	gid_t gid;
	mode_t mode;	 /* permission bits of new nodes */
	mode_t ptmxmode; /* permission bits of pts/ptmx */
	unsigned max;	 /* pairs at most (ENOSPC beyond) */
};

/* A new instance; o NULL: gid=5 (tty), mode=0620, ptmxmode=0000, max=4096. */
int devpts_mount(const struct devpts_opts *o, struct mount **out);

/* chardev.c's entry points. f->inode and f->path are set: ptmx (5:2) opens a new pair in
 * the devpts instance f is on or beside; a slave (136:N) must be a devpts node (else EIO,
 * as Linux). */
int devpts_open_ptmx(struct task *t, struct file *f);
int devpts_open_pts(struct task *t, struct file *f, bool noctty);

bool inode_is_devpts(const struct inode *ino);

#endif
