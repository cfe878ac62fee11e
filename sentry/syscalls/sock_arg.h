/* Socket syscall arguments, as Linux's net/socket.c takes them: a socket descriptor, and
 * addresses copied in and out (move_addr_to_kernel / move_addr_to_user). */
#ifndef CVISOR_SOCK_ARG_H
#define CVISOR_SOCK_ARG_H

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>

#include "fs/vfs.h"
#include "netstack/socket.h"
#include "sentry/task.h"

/* The socket behind fd, its file referenced in *fp (the caller puts it): -EBADF (no such
 * fd, or an O_PATH one), -ENOTSOCK. */
static inline struct socket *sockfd_get(struct task *t, int fd, struct file **fp, long *err)
{
	struct file *f = fd_get(t->fdt, fd);
	struct socket *s;
	if (!f || (f->flags & O_PATH)) {
		file_put(f);
		*err = -EBADF;
		return NULL;
	}
	s = file_socket(f);
	if (!s) {
		file_put(f);
		*err = -ENOTSOCK;
		return NULL;
	}
	*fp = f;
	return s;
}

/* Copies a guest address of len bytes into a zeroed *ss: -EINVAL beyond sockaddr_storage
 * (or negative), -EFAULT. */
static inline long addr_from_guest(struct task *t, uint64_t uaddr, int len,
				   struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (len < 0 || (size_t)len > sizeof(*ss))
		return -EINVAL;
	if (len == 0)
		return 0;
	return copy_from_guest(t, ss, uaddr, (size_t)len);
}

/* Gives the guest an address of klen bytes: at most the int at ulen's worth of it, and
 * klen in *ulen (Linux's move_addr_to_user). */
static inline long addr_to_guest(struct task *t, const struct sockaddr_storage *ss, int klen,
				 uint64_t uaddr, uint64_t ulen)
{
	int len;
	if (copy_from_guest(t, &len, ulen, sizeof(len)) < 0)
		return -EFAULT;
	if (len > klen)
		len = klen;
	if (len < 0)
		return -EINVAL;
	if (len && copy_to_guest(t, uaddr, ss, (size_t)len) < 0)
		return -EFAULT;
	return copy_to_guest(t, ulen, &klen, sizeof(klen));
}

#endif
