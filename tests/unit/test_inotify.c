/*
 * Unit tests of fs/inotify.c without a guest: watches on bare inodes, the fsnotify entry
 * point, the records a read produces (padding, merging, too-small buffers), IN_ONESHOT,
 * IN_DELETE_SELF, the overflow record, and the release of everything with the instance's
 * file (under ASan: nothing leaks, every inode reference comes back).
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
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "fs/inotify.h"
#include "fs/vfs.h"

static const struct inode_ops bare_ops = {0};

static struct inode *bare(mode_t mode)
{
	struct inode *ino = inode_new(&bare_ops, mode, NULL);
	assert_non_null(ino);
	return ino;
}

static struct file *instance(void)
{
	struct file *f = NULL;
	assert_int_equal(inotify_create(O_NONBLOCK, &f), 0);
	assert_true(file_is_inotify(f));
	return f;
}

static long rd(struct file *f, void *buf, size_t len)
{
	return f->ops->read(f, buf, len, NULL);
}

/* Reads one record and checks it. */
static void expect(struct file *f, int wd, uint32_t mask, uint32_t cookie, const char *name)
{
	char buf[sizeof(struct inotify_event) + 256] __attribute__((aligned(8)));
	size_t want = sizeof(struct inotify_event);
	if (name)
		want += (strlen(name) + 1 + 15) & ~(size_t)15;
	/* One record at a time: a buffer of exactly its size. */
	assert_int_equal(rd(f, buf, want), (long)want);
	struct inotify_event *e = (struct inotify_event *)buf;
	assert_int_equal(e->wd, wd);
	assert_int_equal(e->mask, mask);
	assert_int_equal(e->cookie, cookie);
	assert_int_equal(e->len, want - sizeof(*e));
	if (name) {
		assert_string_equal(e->name, name);
		for (size_t i = strlen(name); i < e->len; i++)
			assert_int_equal(e->name[i], 0);
	}
}

static void expect_empty(struct file *f)
{
	char buf[64];
	assert_int_equal(rd(f, buf, sizeof(buf)), -EAGAIN);
}

static void test_watches_and_records(void **state)
{
	struct inode *dir = bare(S_IFDIR | 0755), *file = bare(S_IFREG | 0644);
	struct file *f = instance();
	assert_false(fsnotify_active());
	int wd = inotify_watch_add(f, dir, IN_ALL_EVENTS);
	assert_int_equal(wd, 1);
	assert_true(fsnotify_active());
	assert_int_equal(dir->refs, 2); /* the watch holds one */
	assert_int_equal(inotify_watch_add(f, dir, IN_CREATE), wd);
	assert_int_equal(inotify_watch_add(f, dir, IN_CREATE | IN_MASK_CREATE), -EEXIST);
	int fwd = inotify_watch_add(f, file, IN_MODIFY | IN_ATTRIB);
	assert_int_equal(fwd, 2);

	/* The mask was replaced by IN_CREATE: IN_DELETE is not reported. */
	fsnotify(dir, NULL, IN_DELETE, "gone", 0);
	expect_empty(f);
	assert_int_equal(inotify_watch_add(f, dir, IN_DELETE | IN_MASK_ADD), wd);
	fsnotify(dir, NULL, IN_CREATE, "abc", 0);
	fsnotify(dir, NULL, IN_CREATE, "abc", 0); /* merged with the last one */
	fsnotify(dir, NULL, IN_DELETE, "abc", 0);
	fsnotify(dir, NULL, IN_CREATE, "abc", 0); /* not: the last one differs */
	fsnotify(dir, file, IN_MODIFY, "0123456789abcdef", 0);
	fsnotify(dir, file, IN_MODIFY, "0123456789abcdef", 0);
	fsnotify(NULL, file, IN_CREATE, NULL, 0); /* not in file's mask */

	char small[31];
	assert_int_equal(rd(f, small, sizeof(small)), -EINVAL);
	expect(f, wd, IN_CREATE, 0, "abc");
	expect(f, wd, IN_DELETE, 0, "abc");
	expect(f, wd, IN_CREATE, 0, "abc");
	/* The directory's watch does not want IN_MODIFY; the file's own watch does, unnamed.
	 * Identical events for the file merge too. */
	expect(f, fwd, IN_MODIFY, 0, NULL);
	expect_empty(f);

	assert_int_equal(inotify_watch_remove(f, fwd), 0);
	assert_int_equal(inotify_watch_remove(f, fwd), -EINVAL);
	expect(f, fwd, IN_IGNORED, 0, NULL);
	assert_int_equal(file->refs, 1);

	/* Several records fit one read; one that does not fit stays for the next read. */
	fsnotify(dir, NULL, IN_CREATE, "a", 0);
	fsnotify(dir, NULL, IN_DELETE, "a", 0);
	char buf[100] __attribute__((aligned(8)));
	assert_int_equal(rd(f, buf, 63), 32);
	assert_int_equal(rd(f, buf, 64), 32);
	expect_empty(f);

	file_put(f); /* the instance ends: its watches with it */
	assert_false(fsnotify_active());
	assert_int_equal(dir->refs, 1);
	inode_put(dir);
	inode_put(file);
}

static void test_oneshot_and_delete_self(void **state)
{
	struct inode *a = bare(S_IFREG | 0644), *d = bare(S_IFDIR | 0755);
	struct file *f = instance(), *g = instance();
	int wa = inotify_watch_add(f, a, IN_OPEN | IN_ONESHOT);
	fsnotify(NULL, a, IN_OPEN, NULL, 0);
	fsnotify(NULL, a, IN_OPEN, NULL, 0);
	expect(f, wa, IN_OPEN, 0, NULL);
	expect(f, wa, IN_IGNORED, 0, NULL);
	expect_empty(f);
	assert_int_equal(a->refs, 1);

	/* IN_DELETE_SELF ends every watch on the inode, in every instance; IN_ISDIR is never
	 * reported with it. */
	int wf = inotify_watch_add(f, d, IN_DELETE_SELF);
	int wg = inotify_watch_add(g, d, IN_ATTRIB);
	assert_int_equal(d->refs, 2);
	fsnotify(NULL, d, IN_DELETE_SELF | IN_ISDIR, NULL, 0);
	expect(f, wf, IN_DELETE_SELF, 0, NULL);
	expect(f, wf, IN_IGNORED, 0, NULL);
	expect(g, wg, IN_IGNORED, 0, NULL); /* g did not ask for IN_DELETE_SELF */
	assert_int_equal(d->refs, 1);
	assert_false(fsnotify_active());

	/* Moves keep their cookie; wds keep counting up (cyclic, not reused at once). */
	int w2 = inotify_watch_add(f, d, IN_MOVE);
	assert_true(w2 > wf);
	fsnotify(d, NULL, IN_MOVED_FROM | IN_ISDIR, "x", 7);
	expect(f, w2, IN_MOVED_FROM | IN_ISDIR, 7, "x");
	/* INOTIFY_IOC_SETNEXTWD picks the next wd. */
	assert_int_equal(f->ops->ioctl(f, NULL, _IOW('I', 0, int32_t), 0), -EINVAL);
	assert_int_equal(f->ops->ioctl(f, NULL, _IOW('I', 0, int32_t), 40), 0);
	assert_int_equal(inotify_watch_add(f, a, IN_OPEN), 40);
	assert_int_equal(f->ops->ioctl(f, NULL, TCGETS, 0), -ENOTTY);
	file_put(f);
	file_put(g);
	assert_int_equal(a->refs, 1);
	assert_int_equal(d->refs, 1);
	inode_put(a);
	inode_put(d);
}

static void test_overflow(void **state)
{
	struct inode *d = bare(S_IFDIR | 0755);
	struct file *f = instance();
	int wd = inotify_watch_add(f, d, IN_CREATE);
	for (int i = 0; i < 16384 + 100; i++)
		fsnotify(d, NULL, IN_CREATE, i % 2 ? "odd" : "even", 0);
	char buf[4096] __attribute__((aligned(8)));
	long n, records = 0;
	struct inotify_event last = {0};
	while ((n = rd(f, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *e = (struct inotify_event *)p;
			if (e->wd != -1)
				assert_int_equal(e->wd, wd);
			last = *e;
			records++;
			p += sizeof(*e) + e->len;
		}
	}
	assert_int_equal(n, -EAGAIN);
	assert_int_equal(records, 16384 + 1);
	assert_int_equal(last.wd, -1);
	assert_int_equal(last.mask, IN_Q_OVERFLOW);
	assert_int_equal(last.len, 0);
	/* After the queue drained, events are queued again (and so could overflow again). */
	fsnotify(d, NULL, IN_CREATE, "again", 0);
	expect(f, wd, IN_CREATE, 0, "again");
	file_put(f);
	inode_put(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_watches_and_records),
	    cmocka_unit_test(test_oneshot_and_delete_self),
	    cmocka_unit_test(test_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
