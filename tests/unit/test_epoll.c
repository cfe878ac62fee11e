/*
 * Unit tests of fs/epoll.c, fs/eventfd.c and fs/timerfd.c through their file ops, without a
 * guest (task_current() NULL: nothing blocks), and of struct vfs_io_source. The epoll tests
 * work on the instance's own poll op (what poll(2) on an epoll fd and nesting use); under
 * ASan the release tests also show that items go with their file, or with their instance,
 * whichever is released first.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "fs/epoll.h"
#include "fs/eventfd.h"
#include "fs/pipe.h"
#include "fs/vfs.h"

static unsigned poll_of(struct file *f)
{
	int hfd = -1;
	unsigned m = f->ops->poll(f, &hfd);
	assert_int_equal(hfd, -1);
	return m;
}

static int add(struct file *ep, struct file *f, int fd, uint32_t events)
{
	struct guest_epoll_event ev = {.events = events, .data = (uint64_t)fd};
	return epoll_ctl_file(ep, EPOLL_CTL_ADD, fd, f, &ev);
}

static void test_io_source(void **state)
{
	struct vfs_io_source s = {0};
	assert_int_equal(vfs_io_source_gen(&s, POLLIN | POLLOUT | POLLHUP), 0);
	vfs_io_source_bump(&s, POLLIN);
	uint64_t in = vfs_io_source_gen(&s, POLLIN);
	assert_true(in > 0);
	assert_int_equal(vfs_io_source_gen(&s, POLLOUT), 0);
	assert_int_equal(vfs_io_source_gen(&s, POLLHUP | POLLERR), 0);
	vfs_io_source_bump(&s, POLLOUT | POLLWRNORM);
	assert_int_equal(vfs_io_source_gen(&s, POLLIN | POLLRDNORM), in);
	assert_true(vfs_io_source_gen(&s, POLLOUT) > in);
	/* Key 0: every class; stamps only grow, across sources too. */
	struct vfs_io_source t = {0};
	vfs_io_source_bump(&t, 0);
	assert_true(vfs_io_source_gen(&t, POLLHUP) > vfs_io_source_gen(&s, POLLOUT));
	assert_int_equal(vfs_io_source_gen(&t, POLLIN), vfs_io_source_gen(&t, POLLHUP));
}

static void test_ctl_and_readiness(void **state)
{
	struct file *ep, *r, *w;
	assert_int_equal(epoll_create_file(&ep), 0);
	assert_true(file_is_epoll(ep));
	assert_int_equal(pipe_create(0, &r, &w), 0);
	assert_false(file_is_epoll(r));
	assert_true(file_can_poll(r));
	assert_int_equal(add(ep, r, 3, EPOLLIN), 0);
	assert_int_equal(add(ep, r, 3, EPOLLIN), -EEXIST);
	assert_int_equal(add(ep, r, 4, EPOLLIN), 0); /* another fd: another item */
	struct guest_epoll_event ev = {.events = EPOLLIN};
	assert_int_equal(epoll_ctl_file(ep, EPOLL_CTL_MOD, 5, r, &ev), -ENOENT);
	assert_int_equal(epoll_ctl_file(ep, EPOLL_CTL_DEL, 4, r, NULL), 0);
	assert_int_equal(epoll_ctl_file(ep, EPOLL_CTL_DEL, 4, r, NULL), -ENOENT);
	assert_int_equal(epoll_ctl_file(ep, 9, 3, r, &ev), -EINVAL);
	assert_int_equal(poll_of(ep), 0);
	assert_int_equal(w->ops->write(w, "x", 1, NULL), 1);
	assert_int_equal(poll_of(ep), POLLIN | POLLRDNORM);
	char c;
	assert_int_equal(r->ops->read(r, &c, 1, NULL), 1);
	assert_int_equal(poll_of(ep), 0);
	/* One-shot and exclusive items: MOD re-arms the first; the second refuses MOD. */
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	assert_int_equal(epoll_ctl_file(ep, EPOLL_CTL_DEL, 3, r, NULL), 0);
	assert_int_equal(epoll_ctl_file(ep, EPOLL_CTL_ADD, 3, r, &ev), 0);
	ev.events = EPOLLIN;
	assert_int_equal(epoll_ctl_file(ep, EPOLL_CTL_MOD, 3, r, &ev), -EINVAL);
	file_put(w);
	/* The writer is gone: EPOLLHUP counts as readiness for the instance. */
	assert_int_equal(poll_of(ep), POLLIN | POLLRDNORM);
	file_put(r);
	/* The reader's last put removed its item. */
	assert_int_equal(poll_of(ep), 0);
	file_put(ep);
}

static void test_instance_released_first(void **state)
{
	struct file *ep, *r, *w;
	assert_int_equal(epoll_create_file(&ep), 0);
	assert_int_equal(pipe_create(0, &r, &w), 0);
	assert_int_equal(add(ep, r, 3, EPOLLIN), 0);
	assert_int_equal(add(ep, w, 4, EPOLLOUT), 0);
	file_put(ep);
	assert_null(r->epoll_items);
	assert_null(w->epoll_items);
	assert_int_equal(w->ops->write(w, "x", 1, NULL), 1);
	file_put(r);
	file_put(w);
}

static void test_nesting(void **state)
{
	struct file *e[7], *r, *w;
	for (int i = 0; i < 7; i++)
		assert_int_equal(epoll_create_file(&e[i]), 0);
	assert_int_equal(pipe_create(0, &r, &w), 0);
	assert_int_equal(add(e[0], r, 3, EPOLLIN), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(add(e[i + 1], e[i], 10 + i, EPOLLIN), 0);
	/* A cycle, and chains of more than five instances, either way round. */
	assert_int_equal(add(e[0], e[4], 20, EPOLLIN), -ELOOP);
	assert_int_equal(add(e[5], e[4], 21, EPOLLIN), -ELOOP);
	assert_int_equal(add(e[0], e[5], 22, EPOLLIN), -ELOOP);
	assert_int_equal(add(e[1], e[6], 23, EPOLLIN), 0);
	/* Readiness and events travel up the chain. */
	uint64_t before = e[4]->ops->io_gen(e[4], EPOLLIN);
	assert_int_equal(poll_of(e[4]), 0);
	assert_int_equal(w->ops->write(w, "x", 1, NULL), 1);
	assert_true(e[4]->ops->io_gen(e[4], EPOLLIN) > before);
	assert_int_equal(poll_of(e[4]), POLLIN | POLLRDNORM);
	/* Releasing a middle instance takes it out of its parent. */
	file_put(e[2]);
	assert_int_equal(poll_of(e[4]), 0);
	assert_int_equal(poll_of(e[1]), POLLIN | POLLRDNORM);
	for (int i = 0; i < 7; i++)
		if (i != 2)
			file_put(e[i]);
	file_put(r);
	file_put(w);
}

static long rd64(struct file *f, uint64_t *v)
{
	return f->ops->read(f, v, sizeof(*v), NULL);
}

static long wr64(struct file *f, uint64_t v)
{
	return f->ops->write(f, &v, sizeof(v), NULL);
}

static void test_eventfd(void **state)
{
	struct file *f;
	uint64_t v;
	assert_int_equal(eventfd_create(2, 0, false, &f), 0);
	assert_int_equal(poll_of(f), POLLIN | POLLOUT);
	uint64_t g = f->ops->io_gen(f, POLLIN);
	assert_int_equal(rd64(f, &v), 8);
	assert_int_equal(v, 2);
	assert_int_equal(f->ops->io_gen(f, POLLIN), g); /* a read is no event for readers */
	assert_int_equal(rd64(f, &v), -EAGAIN);		/* outside a task: never a wait */
	assert_int_equal(wr64(f, 0), 8);
	assert_true(f->ops->io_gen(f, POLLIN) > g);
	assert_int_equal(wr64(f, UINT64_MAX), -EINVAL);
	assert_int_equal(wr64(f, UINT64_MAX - 1), 8);
	assert_int_equal(poll_of(f), POLLIN);
	assert_int_equal(wr64(f, 1), -EAGAIN);
	assert_int_equal(f->ops->write(f, &v, 4, NULL), -EINVAL);
	assert_int_equal(f->ops->read(f, &v, 4, NULL), -EINVAL);
	file_put(f);
	assert_int_equal(eventfd_create(2, 0, true, &f), 0);
	assert_int_equal(rd64(f, &v), 8);
	assert_int_equal(v, 1);
	assert_int_equal(rd64(f, &v), 8);
	assert_int_equal(rd64(f, &v), -EAGAIN);
	file_put(f);
}

static void test_timerfd(void **state)
{
	struct file *f, *ep;
	struct itimerspec s = {.it_value = {0, 2000000}, .it_interval = {0, 1000000}}, cur;
	uint64_t v;
	assert_int_equal(timerfd_create_file(CLOCK_MONOTONIC, 0, &f), 0);
	assert_true(file_is_timerfd(f));
	assert_int_equal(poll_of(f), 0);
	assert_int_equal(rd64(f, &v), -EAGAIN);
	assert_int_equal(epoll_create_file(&ep), 0);
	assert_int_equal(add(ep, f, 3, EPOLLIN | EPOLLET), 0);
	uint64_t g = f->ops->io_gen(f, POLLIN);
	assert_int_equal(timerfd_set(f, false, &s, NULL), 0);
	/* The announcer thread marks the expiration as an event. */
	for (int i = 0; i < 2000 && f->ops->io_gen(f, POLLIN) == g; i++)
		usleep(1000);
	assert_true(f->ops->io_gen(f, POLLIN) > g);
	assert_int_equal(poll_of(f), POLLIN);
	assert_int_equal(poll_of(ep), POLLIN | POLLRDNORM);
	usleep(5000);
	assert_int_equal(rd64(f, &v), 8);
	assert_true(v >= 5);
	timerfd_get(f, &cur);
	assert_true(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec <= 1000000);
	assert_int_equal(cur.it_interval.tv_nsec, 1000000);
	struct itimerspec off = {{0, 0}, {0, 0}}, old;
	assert_int_equal(timerfd_set(f, false, &off, &old), 0);
	assert_int_equal(old.it_interval.tv_nsec, 1000000);
	assert_int_equal(rd64(f, &v), -EAGAIN);
	file_put(ep);
	file_put(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_io_source),
	    cmocka_unit_test(test_ctl_and_readiness),
	    cmocka_unit_test(test_instance_released_first),
	    cmocka_unit_test(test_nesting),
	    cmocka_unit_test(test_eventfd),
	    cmocka_unit_test(test_timerfd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
