/*
 * Character devices the Sentry serves, by device number (fs/chardev.c): whichever
 * filesystem holds the node (devfs, a tmpfs after mknod, the overlay), opening it comes here.
 * Only Linux's numbers for the devices cvisor implements are known: null 1:3, zero 1:5,
 * full 1:7, random 1:8, urandom 1:9, tty 5:0, console 5:1, ptmx 5:2, pty slaves 136:N.
 * Anything else is -ENXIO (as Linux for a device with no driver).
 */
#ifndef CVISOR_CHARDEV_H
#define CVISOR_CHARDEV_H

#include <sys/types.h>

struct inode;
struct file;
struct task;

/* Sets f->ops and f->priv for the device rdev; t is the opener (for /dev/tty, O_NOCTTY). */
int chardev_open(dev_t rdev, struct task *t, struct file *f);

#endif
