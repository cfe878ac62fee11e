/* devfs: the guest's /dev (fs/devfs.c). */
#ifndef CVISOR_DEVFS_H
#define CVISOR_DEVFS_H

#include "fs/vfs.h"

int devfs_mount(struct mount **out);

#endif
