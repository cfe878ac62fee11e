/*
 * epoll instances (fs/epoll.c): the interest lists, ready lists and waits behind
 * epoll_create1, epoll_ctl and the epoll_wait family, as Linux's fs/eventpoll.c.
 *
 * An item is (file, fd) as in Linux: it does not hold the file, it stays while the file lives
 * even if the fd is closed (the file may be open elsewhere), and the file's last put removes
 * it (epoll_file_released, called by file_put).
 */
#ifndef CVISOR_EPOLL_H
#define CVISOR_EPOLL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct file;
struct task;

/* The guest's struct epoll_event: packed on x86_64, 12 bytes. */
struct guest_epoll_event {
	uint32_t events;
	uint64_t data;
} __attribute__((packed));

/* Linux's EP_MAX_EVENTS: the most events one epoll_wait may ask for. */
#define EP_MAX_EVENTS ((int)(0x7fffffff / sizeof(struct guest_epoll_event)))

/* A new epoll instance's file, with one reference. */
int epoll_create_file(struct file **out);
bool file_is_epoll(const struct file *f);

/* Linux's file_can_poll: whether f may be watched at all (else epoll_ctl says EPERM).
 * Regular files and directories cannot, nor files without a poll method. */
bool file_can_poll(const struct file *f);

/* EPOLL_CTL_ADD / MOD / DEL of (tf, fd) on the instance epf, after the syscall's own checks
 * (descriptors, EPERM, epf != tf, EPOLLEXCLUSIVE rules). ev is NULL for DEL. Returns 0,
 * -EEXIST, -ENOENT, -ELOOP (a cycle, or nesting deeper than Linux allows), -EINVAL (an
 * unknown op, MOD of an exclusive item), -EPERM (a host file the host cannot poll), -ENOMEM. */
int epoll_ctl_file(struct file *epf, int op, int fd, struct file *tf,
		   const struct guest_epoll_event *ev);

/* epoll_wait on epf for t: up to maxevents events copied to the guest array at uevents.
 * deadline: NULL for none, {0, 0} for no wait, else CLOCK_MONOTONIC. Returns the count, 0 on
 * timeout, -EINTR (a signal for t; never restarted, as Linux) or -EFAULT (no event could be
 * stored; the item stays ready). */
long epoll_wait_file(struct task *t, struct file *epf, uint64_t uevents, int maxevents,
		     const struct timespec *deadline);

/* f's last reference is going: every epoll item watching it goes (from file_put). */
void epoll_file_released(struct file *f);

#endif
