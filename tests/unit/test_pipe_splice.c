/*
 * Unit tests of fs/pipe.c's splice helpers (pipe_splice_*) and of fs/memfd.c, without a
 * guest. Outside a task nothing waits (EAGAIN instead) and no SIGPIPE is sent; the waits
 * themselves are covered by the syscall tests (t_splice, t_tee, t_vmsplice).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "fs/memfd.h"
#include "fs/pipe.h"
#include "fs/vfs.h"

static char big[70000];

static long wr(struct file *f, const void *buf, size_t len)
{
	return f->ops->write(f, buf, len, NULL);
}

static long rd(struct file *f, void *buf, size_t len)
{
	return f->ops->read(f, buf, len, NULL);
}

/* 1-byte writes until the pipe is full. */
static long room(struct file *w)
{
	long n = 0;
	while (wr(w, "x", 1) == 1)
		n++;
	return n;
}

static long drain(struct file *r)
{
	long total = 0, n;
	while ((n = rd(r, big, sizeof(big))) > 0)
		total += n;
	assert_int_equal(n, -EAGAIN);
	return total;
}

static void test_wait(void **state)
{
	struct file *r, *w;
	assert_int_equal(pipe_create(0, &r, &w), 0);
	assert_int_equal(pipe_splice_wait(r, false, false), -EAGAIN); /* empty: no task waits */
	assert_int_equal(pipe_splice_wait(w, true, true), 16);	      /* free slots */
	assert_int_equal(wr(w, "abc", 3), 3);
	assert_true(pipe_splice_wait(r, false, true) > 0);
	assert_int_equal(pipe_splice_wait(w, true, true), 15);
	file_put(w);
	assert_true(pipe_splice_wait(r, false, true) > 0); /* data before EOF */
	assert_int_equal(rd(r, big, sizeof(big)), 3);
	assert_int_equal(pipe_splice_wait(r, false, false), 0); /* EOF */
	file_put(r);

	assert_int_equal(pipe_create(0, &r, &w), 0);
	file_put(r);
	assert_int_equal(pipe_splice_wait(w, true, false), -EPIPE);
	file_put(w);
}

static void test_peek_consume(void **state)
{
	struct file *r, *w;
	char buf[16];
	uint64_t cookie, other;
	assert_int_equal(pipe_create(0, &r, &w), 0);
	assert_int_equal(wr(w, big, 4096), 4096);
	assert_int_equal(wr(w, "hello", 5), 5);
	/* A peek spans slots unless told otherwise; nothing is consumed. */
	static char out[8192];
	assert_int_equal(pipe_splice_peek(r, out, sizeof(out), false, &cookie), 4101);
	assert_memory_equal(out + 4096, "hello", 5);
	assert_int_equal(pipe_splice_peek(r, out, sizeof(out), true, &cookie), 4096);
	assert_int_equal(pipe_splice_consume(r, 4096, cookie), 4096);
	assert_int_equal(pipe_splice_peek(r, buf, 3, false, &cookie), 3);
	assert_memory_equal(buf, "hel", 3);
	/* Another reader took bytes since the peek: the consume drops nothing. */
	assert_int_equal(rd(r, buf, 1), 1);
	assert_int_equal(pipe_splice_consume(r, 3, cookie), 0);
	assert_int_equal(pipe_splice_peek(r, buf, sizeof(buf), false, &other), 4);
	assert_memory_equal(buf, "ello", 4);
	assert_int_equal(pipe_splice_consume(r, 2, other), 2);
	assert_int_equal(rd(r, buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "lo", 2);
	assert_int_equal(pipe_splice_peek(r, buf, sizeof(buf), false, &cookie), 0);
	file_put(r);
	file_put(w);
}

static void test_push_accounting(void **state)
{
	struct file *r, *w;
	assert_int_equal(pipe_create(0, &r, &w), 0);
	/* A pushed chunk is never merged into: 10 bytes leave 15 pages of room. */
	assert_int_equal(pipe_splice_push(w, big, 10, 0), 10);
	assert_int_equal(room(w), 15 * 4096);
	assert_int_equal(drain(r), 10 + 15 * 4096);
	/* Pages counted from page_off: 8192 bytes from offset 100 take 3 slots. */
	assert_int_equal(pipe_splice_push(w, big, 8192, 100), 8192);
	assert_int_equal(pipe_splice_wait(w, true, true), 13);
	/* What fits of more than the room. */
	assert_int_equal(pipe_splice_push(w, big, sizeof(big), 0), 13 * 4096);
	assert_int_equal(pipe_splice_push(w, big, 1, 0), 0);
	assert_int_equal(drain(r), 8192 + 13 * 4096);
	file_put(r);
	assert_int_equal(pipe_splice_push(w, big, 1, 0), -EPIPE);
	file_put(w);
}

static void test_tee_and_move(void **state)
{
	struct file *r1, *w1, *r2, *w2;
	char buf[64];
	assert_int_equal(pipe_create(0, &r1, &w1), 0);
	assert_int_equal(pipe_create(0, &r2, &w2), 0);
	assert_int_equal(pipe_splice_pipes(r1, w2, 10, true, false), -EAGAIN);
	assert_int_equal(pipe_splice_pipes(r1, w1, 10, true, true), -EINVAL);
	assert_int_equal(wr(w1, "hello", 5), 5);
	/* tee: duplicated, still in the input. */
	assert_int_equal(pipe_splice_pipes(r1, w2, 100, true, false), 5);
	assert_int_equal(rd(r2, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "hello", 5);
	/* splice: a part is copied, a whole slot moves (and stays mergeable). */
	assert_int_equal(pipe_splice_pipes(r1, w2, 2, true, true), 2);
	assert_int_equal(pipe_splice_pipes(r1, w2, 100, true, true), 3);
	assert_int_equal(rd(r2, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(pipe_splice_pipes(r1, w2, 100, true, true), -EAGAIN);
	assert_int_equal(wr(w1, "abc", 3), 3);
	assert_int_equal(pipe_splice_pipes(r1, w2, 100, true, true), 3);
	assert_int_equal(room(w2), 4093 + 15 * 4096);
	assert_int_equal(drain(r2), 65536);
	/* End of file, then no reader. */
	file_put(w1);
	assert_int_equal(pipe_splice_pipes(r1, w2, 100, false, true), 0);
	assert_int_equal(pipe_splice_pipes(r1, w2, 100, false, false), 0);
	file_put(r2);
	assert_int_equal(pipe_splice_pipes(r1, w2, 100, false, true), -EPIPE);
	file_put(r1);
	file_put(w2);
}

static void test_memfd_file(void **state)
{
	struct vfs_owner who = {1000, 1000};
	struct file *f;
	struct stat st;
	char buf[64];
	assert_int_equal(memfd_file_new("memfd:a/b", 0777, &who, &f), 0);
	assert_int_equal(f->flags & O_ACCMODE, O_RDWR);
	assert_int_equal(f->ops->fstat(f, &st), 0);
	assert_int_equal(st.st_mode, S_IFREG | 0777);
	assert_int_equal(st.st_nlink, 0);
	assert_int_equal(st.st_uid, 1000);
	int64_t pos = 0;
	assert_int_equal(f->ops->write(f, "data", 4, &pos), 4);
	pos = 0;
	assert_int_equal(f->ops->read(f, buf, sizeof(buf), &pos), 4);
	assert_memory_equal(buf, "data", 4);
	struct path none = {0};
	assert_int_equal(path_to_string(&f->path, &none, buf, sizeof(buf)), 20);
	assert_string_equal(buf, "/memfd:a/b (deleted)");
	file_put(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wait),
	    cmocka_unit_test(test_peek_consume),
	    cmocka_unit_test(test_push_accounting),
	    cmocka_unit_test(test_tee_and_move),
	    cmocka_unit_test(test_memfd_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
