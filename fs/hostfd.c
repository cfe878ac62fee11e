/*
 * The caller's stdio as guest files: `cvisor do` backs guest fds 0-2 with its own fds 0-2,
 * so a guest's output lands where the caller's would. Reads and writes use the host fd and
 * its shared offset, exactly as the inherited fd of a native child would. Only read-only,
 * pointer-free terminal queries reach the host as ioctls.
 */
#define _GNU_SOURCE
#include "fs/vfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "sentry/process.h"
#include "sentry/task.h"

struct hostfd {
	int fd;
};

static int HFD(struct file *f)
{
	return ((struct hostfd *)f->priv)->fd;
}

static long hostfd_read(struct file *f, void *buf, size_t len, int64_t *off)
{
	ssize_t n = off ? pread(HFD(f), buf, len, *off) : read(HFD(f), buf, len);
	if (n < 0)
		return -errno;
	if (off)
		*off += n;
	return n;
}

static long hostfd_write(struct file *f, const void *buf, size_t len, int64_t *off)
{
	ssize_t n = off ? pwrite(HFD(f), buf, len, *off) : write(HFD(f), buf, len);
	if (n < 0)
		return errno == EPIPE ? -EPIPE : -errno;
	if (off)
		*off += n;
	return n;
}

static int64_t hostfd_llseek(struct file *f, int64_t off, int whence)
{
	off_t r = lseek(HFD(f), off, whence);
	return r < 0 ? -errno : r;
}

static long hostfd_ioctl(struct file *f, struct task *t, unsigned long cmd, uint64_t arg)
{
	int fd = HFD(f);
	switch (cmd) {
	case TCGETS: {
		/* The kernel's struct termios (36 bytes), not glibc's larger one: the guest's
		 * buffer is the kernel's size. */
		struct {
			uint32_t iflag, oflag, cflag, lflag;
			uint8_t line, cc[19];
		} ktio;
		_Static_assert(sizeof(ktio) == 36, "kernel termios");
		if (ioctl(fd, TCGETS, &ktio) < 0)
			return -errno;
		return copy_to_guest(t, arg, &ktio, sizeof(ktio));
	}
	case TIOCGWINSZ: {
		struct winsize ws;
		if (ioctl(fd, TIOCGWINSZ, &ws) < 0)
			return -errno;
		return copy_to_guest(t, arg, &ws, sizeof(ws));
	}
	case TIOCGPGRP: {
		/* The host's process group is a host pid: answer with the guest's own. */
		struct termios tio;
		if (ioctl(fd, TCGETS, &tio) < 0)
			return -ENOTTY;
		int pgrp = t->proc ? t->proc->pgid : 1;
		return copy_to_guest(t, arg, &pgrp, sizeof(pgrp));
	}
	case FIONREAD: {
		int n;
		if (ioctl(fd, FIONREAD, &n) < 0)
			return -errno;
		return copy_to_guest(t, arg, &n, sizeof(n));
	}
	default:
		return -ENOTTY;
	}
}

static int hostfd_fstat(struct file *f, struct stat *st)
{
	return fstat(HFD(f), st) < 0 ? -errno : 0;
}

/* Readiness is the host's to say (a tty, a pipe of the caller): the waiter polls the fd. */
static unsigned hostfd_poll(struct file *f, int *host_fd)
{
	*host_fd = HFD(f);
	return 0;
}

static void hostfd_release(struct file *f)
{
	struct hostfd *h = f->priv;
	if (h->fd > 2)
		close(h->fd);
	free(h);
}

static const struct file_ops hostfd_ops = {
    .read = hostfd_read,
    .write = hostfd_write,
    .llseek = hostfd_llseek,
    .ioctl = hostfd_ioctl,
    .fstat = hostfd_fstat,
    .poll = hostfd_poll,
    .release = hostfd_release,
};

struct file *hostfd_file_new(int host_fd, int flags)
{
	struct hostfd *h = malloc(sizeof(*h));
	if (!h)
		return NULL;
	h->fd = host_fd;
	struct file *f = file_new(&hostfd_ops, flags, h);
	if (!f)
		free(h);
	else
		f->stream = true; /* the host fd's own offset, shared with the caller, is used */
	return f;
}
