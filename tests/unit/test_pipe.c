/*
 * Unit tests of fs/pipe.c through its file ops, without a guest.
 *
 * Outside a task (task_current() NULL) a pipe never blocks and sends no SIGPIPE; the
 * blocking paths are tested from helper threads that run as a minimal fake task, which is
 * all task_wait() and signal_send() look at (a signal lock, a pending set, no platform
 * thread). Run under ASan, the release tests also show that a pipe is freed with its ends.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>

#include "fs/pipe.h"
#include "fs/vfs.h"
#include "sentry/signal.h"
#include "sentry/task.h"

static char big[200000];

static long rd(struct file *f, void *buf, size_t len)
{
	return f->ops->read(f, buf, len, NULL);
}

static long wr(struct file *f, const void *buf, size_t len)
{
	return f->ops->write(f, buf, len, NULL);
}

/* Writes chunk-sized pieces until EAGAIN; returns the total. */
static long fill(struct file *w, size_t chunk)
{
	long total = 0, n;
	while ((n = wr(w, big, chunk)) > 0)
		total += n;
	assert_int_equal(n, -EAGAIN);
	return total;
}

static long drain(struct file *r)
{
	static char buf[8192];
	long total = 0, n;
	while ((n = rd(r, buf, sizeof(buf))) > 0)
		total += n;
	assert_int_equal(n, -EAGAIN);
	return total;
}

static void test_create_flags(void **state)
{
	struct file *r, *w;
	assert_int_equal(pipe_create(O_APPEND, &r, &w), -EINVAL);
	assert_int_equal(pipe_create(O_RDWR, &r, &w), -EINVAL);
	assert_int_equal(pipe_create(O_NONBLOCK | O_DIRECT | O_CLOEXEC, &r, &w), 0);
	assert_int_equal(r->flags, O_RDONLY | O_NONBLOCK | O_DIRECT);
	assert_int_equal(w->flags, O_WRONLY | O_NONBLOCK | O_DIRECT);
	assert_true(r->stream && w->stream);
	assert_true(file_is_pipe(r) && file_is_pipe(w));
	assert_false(file_is_pipe(NULL));
	file_put(r);
	file_put(w);
}

static void test_write_read(void **state)
{
	struct file *r, *w;
	char buf[64];
	assert_int_equal(pipe_create(0, &r, &w), 0);
	/* No task: an empty pipe is EAGAIN rather than a wait. */
	assert_int_equal(rd(r, buf, sizeof(buf)), -EAGAIN);
	assert_int_equal(rd(r, buf, 0), 0);
	assert_int_equal(wr(w, "hello", 5), 5);
	assert_int_equal(wr(w, " world", 6), 6);
	assert_int_equal(rd(r, buf, 3), 3);
	assert_memory_equal(buf, "hel", 3);
	assert_int_equal(rd(r, buf, sizeof(buf)), 8);
	assert_memory_equal(buf, "lo world", 8);
	assert_int_equal(rd(r, buf, sizeof(buf)), -EAGAIN);
	assert_int_equal(r->ops->llseek(r, 0, SEEK_SET), -ESPIPE);
	assert_int_equal(r->ops->ioctl(r, NULL, TCGETS, 0), -ENOTTY);
	file_put(r);
	file_put(w);
}

static void test_capacity(void **state)
{
	struct file *r, *w;
	char buf[100];
	assert_int_equal(pipe_create(0, &r, &w), 0);
	assert_int_equal(pipe_get_size(r), PIPE_DEFAULT_SIZE);
	assert_int_equal(fill(w, 4096), 65536);
	/* A partly read page is still a used slot. */
	assert_int_equal(rd(r, buf, sizeof(buf)), 100);
	assert_int_equal(wr(w, "x", 1), -EAGAIN);
	assert_int_equal(drain(r), 65436);
	/* Small writes merge, but never straddle pages: 4 x 1000 bytes per page. */
	assert_int_equal(fill(w, 1000), 64000);
	assert_int_equal(drain(r), 64000);
	/* Large writes are partial when non-blocking; PIPE_BUF writes are whole or nothing. */
	assert_int_equal(wr(w, big, 70000), 65536);
	assert_int_equal(drain(r), 65536);
	assert_int_equal(wr(w, big, 65536 - 100), 65436);
	assert_int_equal(wr(w, big, 4096), -EAGAIN);
	assert_int_equal(wr(w, big, 100), 100);
	assert_int_equal(drain(r), 65536);
	file_put(r);
	file_put(w);
}

static void test_packets(void **state)
{
	struct file *r, *w;
	char buf[64];
	assert_int_equal(pipe_create(O_DIRECT, &r, &w), 0);
	assert_int_equal(wr(w, "hello", 5), 5);
	assert_int_equal(wr(w, "world!", 6), 6);
	assert_int_equal(rd(r, buf, sizeof(buf)), 5);
	assert_int_equal(rd(r, buf, 3), 3);
	assert_memory_equal(buf, "wor", 3);
	assert_int_equal(rd(r, buf, sizeof(buf)), -EAGAIN); /* "ld!" was dropped */
	assert_int_equal(fill(w, 1), 16);
	assert_int_equal(drain(r), 16);
	assert_int_equal(wr(w, big, 5000), 5000);
	assert_int_equal(rd(r, big, sizeof(big)), 4096);
	assert_int_equal(rd(r, big, sizeof(big)), 904);
	/* Byte mode again: writes merge and a read spans them. */
	w->flags &= ~O_DIRECT;
	assert_int_equal(wr(w, "ab", 2), 2);
	assert_int_equal(wr(w, "cd", 2), 2);
	assert_int_equal(rd(r, buf, sizeof(buf)), 4);
	file_put(r);
	file_put(w);
}

static void test_eof_epipe(void **state)
{
	struct file *r, *w, *w2;
	char buf[8];
	assert_int_equal(pipe_create(0, &r, &w), 0);
	w2 = w;
	file_get(w2); /* a second reference (a dup) keeps the write end open */
	assert_int_equal(wr(w, "tail", 4), 4);
	file_put(w);
	assert_int_equal(rd(r, buf, sizeof(buf)), 4);
	assert_int_equal(rd(r, buf, sizeof(buf)), -EAGAIN);
	file_put(w2);
	/* EOF, even though nothing could block here anyway. */
	assert_int_equal(rd(r, buf, sizeof(buf)), 0);
	file_put(r);

	assert_int_equal(pipe_create(0, &r, &w), 0);
	file_put(r);
	assert_int_equal(wr(w, "x", 1), -EPIPE);
	assert_int_equal(wr(w, big, 10000), -EPIPE);
	file_put(w);
}

static void test_fstat(void **state)
{
	struct file *r, *w, *r2, *w2;
	struct stat a, b, c;
	assert_int_equal(pipe_create(0, &r, &w), 0);
	assert_int_equal(pipe_create(0, &r2, &w2), 0);
	assert_int_equal(r->ops->fstat(r, &a), 0);
	assert_int_equal(w->ops->fstat(w, &b), 0);
	assert_int_equal(r2->ops->fstat(r2, &c), 0);
	assert_true(S_ISFIFO(a.st_mode));
	assert_int_equal(a.st_mode & 07777, 0600);
	assert_int_equal(a.st_nlink, 1);
	assert_int_equal(a.st_size, 0);
	assert_int_equal(a.st_blksize, 4096);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_dev, c.st_dev);
	assert_int_not_equal(a.st_ino, c.st_ino);
	file_put(r);
	file_put(w);
	file_put(r2);
	file_put(w2);
}

static void test_set_size(void **state)
{
	struct file *r, *w;
	char buf[16];
	assert_int_equal(pipe_create(0, &r, &w), 0);
	assert_int_equal(pipe_set_size(r, 8192), 8192);
	assert_int_equal(pipe_get_size(w), 8192);
	assert_int_equal(fill(w, 4096), 8192);
	assert_int_equal(pipe_set_size(r, 4096), -EBUSY);
	assert_int_equal(drain(r), 8192);
	assert_int_equal(pipe_set_size(r, 0), 4096);
	assert_int_equal(pipe_set_size(r, 5000), 8192);
	assert_int_equal(pipe_set_size(r, PIPE_MAX_SIZE), PIPE_MAX_SIZE);
	assert_int_equal(pipe_set_size(r, PIPE_MAX_SIZE + 1), -EPERM);
	assert_int_equal(pipe_set_size(r, 0x80000001UL), -EINVAL);
	assert_int_equal(pipe_set_size(r, 0x100002000UL), 8192); /* an unsigned int */
	assert_int_equal(pipe_set_size(r, 4UL << 20), -EPERM);
	/* Data survives a resize, also when the ring has wrapped. */
	assert_int_equal(pipe_set_size(r, 65536), 65536);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(wr(w, big, 4096), 4096);
		assert_int_equal(rd(r, big, 4096), 4096);
	}
	assert_int_equal(wr(w, "0123456789", 10), 10);
	assert_int_equal(wr(w, big, 4096 * 3), 4096 * 3);
	assert_int_equal(pipe_set_size(r, 16384), 16384);
	assert_int_equal(rd(r, buf, 10), 10);
	assert_memory_equal(buf, "0123456789", 10);
	assert_int_equal(drain(r), 4096 * 3);
	file_put(r);
	file_put(w);
}

/* --- blocking, with a fake task ----------------------------------------------------------- */

struct fake_task {
	struct task t;
	struct file *f;
	size_t len;
	long ret;
	char buf[200000];
};

static struct fake_task *fake_new(struct file *f, size_t len)
{
	struct fake_task *ft = calloc(1, sizeof(*ft));
	assert_non_null(ft);
	pthread_mutex_init(&ft->t.sig_lock, NULL);
	ft->f = f;
	ft->len = len;
	return ft;
}

static void fake_free(struct fake_task *ft)
{
	pthread_mutex_destroy(&ft->t.sig_lock);
	free(ft);
}

static void *reader_thread(void *arg)
{
	struct fake_task *ft = arg;
	task_set_current(&ft->t);
	ft->ret = rd(ft->f, ft->buf, ft->len);
	return NULL;
}

static void *writer_thread(void *arg)
{
	struct fake_task *ft = arg;
	task_set_current(&ft->t);
	ft->ret = wr(ft->f, big, ft->len);
	return NULL;
}

static void pause_a_little(void)
{
	struct timespec ts = {0, 1000000};
	nanosleep(&ts, NULL);
}

/* Waits until the fake task is asleep in task_wait() (it registers what it waits on first). */
static void wait_until_blocked(struct fake_task *ft)
{
	for (;;) {
		pthread_mutex_lock(&ft->t.sig_lock);
		bool blocked = ft->t.wait_m != NULL;
		pthread_mutex_unlock(&ft->t.sig_lock);
		if (blocked)
			return;
		pause_a_little();
	}
}

static bool sig_pending(struct fake_task *ft, int sig)
{
	pthread_mutex_lock(&ft->t.sig_lock);
	bool r = ft->t.pending & (1ULL << (sig - 1));
	pthread_mutex_unlock(&ft->t.sig_lock);
	return r;
}

static void test_blocking_read_woken_by_write(void **state)
{
	struct file *r, *w;
	pthread_t th;
	assert_int_equal(pipe_create(0, &r, &w), 0);
	struct fake_task *ft = fake_new(r, 100);
	assert_int_equal(pthread_create(&th, NULL, reader_thread, ft), 0);
	wait_until_blocked(ft);
	assert_int_equal(wr(w, "wake", 4), 4);
	pthread_join(th, NULL);
	assert_int_equal(ft->ret, 4);
	assert_memory_equal(ft->buf, "wake", 4);
	fake_free(ft);
	file_put(r);
	file_put(w);
}

static void test_blocking_read_eof_and_eintr(void **state)
{
	struct file *r, *w;
	pthread_t th;
	assert_int_equal(pipe_create(0, &r, &w), 0);
	struct fake_task *ft = fake_new(r, 100);
	assert_int_equal(pthread_create(&th, NULL, reader_thread, ft), 0);
	wait_until_blocked(ft);
	file_put(w); /* the last writer leaves: EOF */
	pthread_join(th, NULL);
	assert_int_equal(ft->ret, 0);
	fake_free(ft);
	file_put(r);

	assert_int_equal(pipe_create(0, &r, &w), 0);
	ft = fake_new(r, 100);
	assert_int_equal(pthread_create(&th, NULL, reader_thread, ft), 0);
	wait_until_blocked(ft);
	signal_send(&ft->t, SIGUSR2, NULL);
	pthread_join(th, NULL);
	assert_int_equal(ft->ret, -EINTR);
	fake_free(ft);
	file_put(r);
	file_put(w);
}

static void test_blocking_write(void **state)
{
	struct file *r, *w;
	pthread_t th;
	/* Woken by a reader making room: everything gets through. */
	assert_int_equal(pipe_create(0, &r, &w), 0);
	struct fake_task *ft = fake_new(w, 150000);
	assert_int_equal(pthread_create(&th, NULL, writer_thread, ft), 0);
	long total = 0;
	while (total < 150000) {
		long n = rd(r, ft->buf, 8192);
		if (n == -EAGAIN) {
			pause_a_little();
			continue;
		}
		assert_true(n > 0);
		total += n;
	}
	pthread_join(th, NULL);
	assert_int_equal(ft->ret, 150000);
	assert_int_equal(total, 150000);
	fake_free(ft);
	file_put(r);
	file_put(w);

	/* Interrupted after writing something: the partial count. */
	assert_int_equal(pipe_create(0, &r, &w), 0);
	ft = fake_new(w, 100000);
	assert_int_equal(pthread_create(&th, NULL, writer_thread, ft), 0);
	wait_until_blocked(ft);
	signal_send(&ft->t, SIGUSR2, NULL);
	pthread_join(th, NULL);
	assert_int_equal(ft->ret, 65536);
	fake_free(ft);
	file_put(r);
	file_put(w);

	/* The reader leaves while the writer waits: the partial count, and SIGPIPE. */
	assert_int_equal(pipe_create(0, &r, &w), 0);
	ft = fake_new(w, 100000);
	assert_int_equal(pthread_create(&th, NULL, writer_thread, ft), 0);
	wait_until_blocked(ft);
	file_put(r);
	pthread_join(th, NULL);
	assert_int_equal(ft->ret, 65536);
	assert_true(sig_pending(ft, SIGPIPE));
	fake_free(ft);
	file_put(w);

	/* No reader at all: EPIPE and SIGPIPE, unless SIGPIPE is ignored. */
	assert_int_equal(pipe_create(0, &r, &w), 0);
	file_put(r);
	ft = fake_new(w, 10);
	assert_int_equal(pthread_create(&th, NULL, writer_thread, ft), 0);
	pthread_join(th, NULL);
	assert_int_equal(ft->ret, -EPIPE);
	assert_true(sig_pending(ft, SIGPIPE));
	fake_free(ft);
	ft = fake_new(w, 10);
	ft->t.sigactions[SIGPIPE - 1].handler = (uint64_t)(uintptr_t)SIG_IGN;
	assert_int_equal(pthread_create(&th, NULL, writer_thread, ft), 0);
	pthread_join(th, NULL);
	assert_int_equal(ft->ret, -EPIPE);
	assert_false(sig_pending(ft, SIGPIPE));
	fake_free(ft);
	file_put(w);
}

int main(void)
{
	memset(big, 'x', sizeof(big));
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_create_flags),
	    cmocka_unit_test(test_write_read),
	    cmocka_unit_test(test_capacity),
	    cmocka_unit_test(test_packets),
	    cmocka_unit_test(test_eof_epipe),
	    cmocka_unit_test(test_fstat),
	    cmocka_unit_test(test_set_size),
	    cmocka_unit_test(test_blocking_read_woken_by_write),
	    cmocka_unit_test(test_blocking_read_eof_and_eintr),
	    cmocka_unit_test(test_blocking_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
