/*
 * Helpers for the unix socket tests.
 *
 *   abstract_name(a, tag)     fills a with "\0cvisor-TAG-<pid>-<random>"; returns its length
 *   path_name(a, path)        fills a with path; returns Linux's length for it
 *   send_fds(s, fds, n, data) sendmsg of one data byte with SCM_RIGHTS for fds
 *   recv_fds(s, fds, max, &flags) recvmsg into fds (returns the count received, -1 on error)
 *   read_all(fd, buf, n)      reads exactly n bytes (failing the test otherwise)
 *   pipe_eof(fd, ms)          1 if fd reads EOF within ms milliseconds (poll), else 0
 */
#ifndef CVISOR_TEST_UNIX_UTIL_H
#define CVISOR_TEST_UNIX_UTIL_H

#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

__attribute__((unused)) static socklen_t abstract_name(struct sockaddr_un *a, const char *tag)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	int n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "cvisor-%s-%d-%ld", tag,
			 (int)getpid(), (long)ts.tv_nsec);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

__attribute__((unused)) static socklen_t path_name(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path, sizeof(a->sun_path), "%s", path);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(a->sun_path) + 1);
}

__attribute__((unused)) static ssize_t send_fds(int s, const int *fds, int n, char data)
{
	char ctl[CMSG_SPACE(sizeof(int) * 16)];
	struct iovec iov = {&data, 1};
	struct msghdr mh = {0};
	memset(ctl, 0, sizeof(ctl));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (n) {
		mh.msg_control = ctl;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	}
	return sendmsg(s, &mh, 0);
}

/* Receives one byte and up to max passed fds (with room for max); *flags gets msg_flags. */
__attribute__((unused)) static int recv_fds(int s, int *fds, int max, int rflags, int *flags)
{
	char ctl[CMSG_SPACE(sizeof(int) * 16)];
	char data;
	struct iovec iov = {&data, 1};
	struct msghdr mh = {0};
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl;
	mh.msg_controllen = CMSG_LEN(sizeof(int) * max); /* room for exactly max */
	if (recvmsg(s, &mh, rflags) < 0)
		return -1;
	*flags = mh.msg_flags;
	int n = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(fds + n, CMSG_DATA(c), sizeof(int) * k);
			n += k;
		}
	}
	return n;
}

__attribute__((unused)) static void read_all(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r <= 0)
			check_fail(__FILE__, __LINE__, "read_all: %zd after %zu of %zu (errno %s)",
				   r, got, n, errname(errno));
		got += (size_t)r;
	}
}

__attribute__((unused)) static int pipe_eof(int fd, int ms)
{
	struct pollfd p = {fd, POLLIN, 0};
	if (poll(&p, 1, ms) != 1)
		return 0;
	char c;
	return read(fd, &c, 1) == 0;
}

#endif
