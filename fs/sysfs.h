/* sysfs: the guest's /sys, minimal and read-only (fs/sysfs.c). */
#ifndef CVISOR_SYSFS_H
#define CVISOR_SYSFS_H

#include "fs/vfs.h"

int sysfs_mount(struct mount **out);

#endif
