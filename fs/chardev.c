/*
 * Character devices by number (see chardev.h): the memory devices live here; the
 * terminals are fs/pty.c's, reached through devpts (ptmx, pty slaves) or the caller's
 * controlling terminal (/dev/tty).
 */
#define _GNU_SOURCE
#include "fs/chardev.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "fs/devpts.h"
#include "fs/tty.h"
#include "fs/vfs.h"
#include "sentry/task.h"

enum mem_kind { MEM_NULL = 3, MEM_ZERO = 5, MEM_FULL = 7, MEM_RANDOM = 8, MEM_URANDOM = 9 };

static long mem_read(struct file *f, void *buf, size_t len, int64_t *off)
{
	switch ((enum mem_kind)(uintptr_t)f->priv) {
	case MEM_NULL:
		return 0;
	case MEM_ZERO:
	case MEM_FULL:
		memset(buf, 0, len);
		return (long)len;
	case MEM_RANDOM:
	case MEM_URANDOM: {
		ssize_t r = getrandom(buf, len, 0);
		return r < 0 ? -errno : r;
	}
	}
	return -EINVAL;
}

static long mem_write(struct file *f, const void *buf, size_t len, int64_t *off)
{
	if ((enum mem_kind)(uintptr_t)f->priv == MEM_FULL)
		return -ENOSPC;
	return (long)len; /* null, zero, and random (which would only mix entropy in) */
}

static int64_t mem_llseek(struct file *f, int64_t off, int whence)
{
	return 0; /* the memory devices ignore seeks and stay at 0, as Linux's */
}

static const struct file_ops mem_ops = {
    .read = mem_read,
    .write = mem_write,
    .llseek = mem_llseek,
};

/* Whether the opener asked for no controlling terminal: the VFS keeps O_NOCTTY in f->flags
 * for the filesystem's open and drops it afterwards. The Sentry's own opens (no task) never
 * make a terminal controlling. */
static bool open_noctty(const struct task *t, const struct file *f)
{
	return !t || (f->flags & O_NOCTTY);
}

int chardev_open(dev_t rdev, struct task *t, struct file *f)
{
	unsigned maj = major(rdev), min = minor(rdev);
	bool noctty = open_noctty(t, f);
	f->flags &= ~O_NOCTTY; /* never shown by F_GETFL, as Linux */
	if (maj == 1) {
		switch (min) {
		case MEM_NULL:
		case MEM_ZERO:
		case MEM_FULL:
		case MEM_RANDOM:
		case MEM_URANDOM:
			f->ops = &mem_ops;
			f->priv = (void *)(uintptr_t)min;
			return 0;
		}
		return -ENXIO;
	}
	if (maj == 5) {
		switch (min) {
		case 0:
			return tty_open_ctty(t, f);
		case 1:
			return -ENXIO; /* no console in the sandbox (yet: an OCI terminal's pty) */
		case 2:
			return devpts_open_ptmx(t, f);
		}
		return -ENXIO;
	}
	if (maj == 136)
		return devpts_open_pts(t, f, noctty);
	return -ENXIO;
}
