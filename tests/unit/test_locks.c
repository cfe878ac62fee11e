/*
 * Unit tests of fs/locks.c without a guest: record-lock ranges (split, merge, conflicts,
 * F_GETLK's answer), POSIX/OFD interplay, flock conversions, the release hooks, and the
 * blocking paths from helper threads running as a minimal fake task (a signal lock, a
 * pending set: all task_wait() and signal_send() look at). Every test ends with no lock
 * record left, which ASan's leak check confirms.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "fs/locks.h"
#include "fs/vfs.h"
#include "sentry/signal.h"
#include "sentry/task.h"

static int size_of_file = 100;

static int fake_getattr(struct inode *ino, struct stat *st)
{
	(void)ino;
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFREG | 0644;
	st->st_size = size_of_file;
	return 0;
}

static const struct inode_ops fake_inode_ops = {.getattr = fake_getattr};

/* Two descriptions of one file (one inode). */
static struct inode *ino;
static struct file *f1, *f2;

static struct file *open_fake(void)
{
	struct file *f = file_new(NULL, O_RDWR, NULL);
	assert_non_null(f);
	f->inode = ino;
	inode_get(ino);
	return f;
}

static int setup(void **state)
{
	(void)state;
	ino = inode_new(&fake_inode_ops, S_IFREG | 0644, NULL);
	assert_non_null(ino);
	f1 = open_fake();
	f2 = open_fake();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	file_put(f1);
	file_put(f2);
	inode_put(ino);
	assert_int_equal(locks_count(), 0);
	return 0;
}

static char tag_a, tag_b;
static const struct lock_owner A = {&tag_a, 100, false}, B = {&tag_b, 200, false};

static int set(const struct lock_owner *o, int type, int64_t s, int64_t len)
{
	return locks_posix_set(NULL, f1, o, type, s, len ? s + len - 1 : LOCK_OFFSET_MAX, false);
}

/* What F_GETLK by owner o for a write lock on [s, EOF) answers: "TYPE start len pid". */
static const char *probe(const struct lock_owner *o, int type, int64_t s)
{
	static char out[64];
	struct guest_flock gl = {.l_type = (int16_t)type, .l_whence = SEEK_SET, .l_start = s};
	locks_posix_test(f2, o, type, s, LOCK_OFFSET_MAX, &gl);
	if (gl.l_type == F_UNLCK)
		return "UN";
	snprintf(out, sizeof(out), "%s %lld %lld %d", gl.l_type == F_WRLCK ? "W" : "R",
		 (long long)gl.l_start, (long long)gl.l_len, gl.l_pid);
	return out;
}

static void test_split_and_merge(void **state)
{
	(void)state;
	assert_int_equal(set(&A, F_WRLCK, 0, 100), 0);
	assert_string_equal(probe(&A, F_WRLCK, 0), "UN"); /* never our own */
	assert_int_equal(set(&A, F_UNLCK, 40, 20), 0);
	assert_string_equal(probe(&B, F_WRLCK, 0), "W 0 40 100");
	assert_string_equal(probe(&B, F_WRLCK, 40), "W 60 40 100");
	assert_int_equal(locks_count(), 2);
	assert_int_equal(set(&A, F_WRLCK, 40, 20), 0); /* fills the hole: one lock */
	assert_int_equal(locks_count(), 1);
	assert_string_equal(probe(&B, F_WRLCK, 0), "W 0 100 100");
	assert_int_equal(set(&A, F_RDLCK, 20, 10), 0); /* in three */
	assert_int_equal(locks_count(), 3);
	assert_string_equal(probe(&B, F_RDLCK, 20), "W 30 70 100");
	assert_string_equal(probe(&B, F_WRLCK, 20), "R 20 10 100");
	/* Same-type neighbours merge, to the end of the file too. */
	assert_int_equal(set(&A, F_WRLCK, 20, 0), 0);
	assert_int_equal(locks_count(), 1);
	assert_string_equal(probe(&B, F_RDLCK, 5), "W 0 0 100");
	locks_remove_posix(f2, &tag_a); /* any description of the file */
	assert_int_equal(locks_count(), 0);
}

static void test_conflicts_and_order(void **state)
{
	(void)state;
	assert_int_equal(set(&A, F_RDLCK, 0, 10), 0);
	assert_int_equal(set(&B, F_RDLCK, 5, 10), 0); /* readers share */
	assert_int_equal(set(&B, F_WRLCK, 5, 1), -EAGAIN);
	assert_int_equal(set(&B, F_WRLCK, 10, 5), 0); /* converts B's part beyond A's */
	/* Owners are listed in the order they first locked: A's lock comes first. */
	struct lock_owner c = {&c, 300, false};
	assert_string_equal(probe(&c, F_WRLCK, 0), "R 0 10 100");
	assert_string_equal(probe(&c, F_WRLCK, 10), "W 10 5 200");
	/* A's new lock takes its place in A's group, before B's locks. */
	assert_int_equal(set(&A, F_WRLCK, 0, 5), 0);
	assert_string_equal(probe(&c, F_RDLCK, 0), "W 0 5 100");
	locks_remove_posix(f1, &tag_a);
	locks_remove_posix(f1, &tag_b);
}

static void test_ofd_and_posix(void **state)
{
	(void)state;
	struct lock_owner o1 = {f1, 0, true}, o2 = {f2, 0, true};
	assert_int_equal(locks_posix_set(NULL, f1, &o1, F_WRLCK, 0, 9, false), 0);
	assert_int_equal(locks_posix_set(NULL, f2, &o2, F_RDLCK, 5, 5, false), -EAGAIN);
	assert_int_equal(set(&A, F_RDLCK, 0, 1), -EAGAIN);
	assert_string_equal(probe(&A, F_WRLCK, 0), "W 0 10 -1");
	locks_remove_posix(f1, &tag_a); /* closing an fd does nothing to OFD locks */
	assert_int_equal(locks_count(), 1);
	locks_remove_file(f2); /* nor does another description going */
	assert_int_equal(locks_count(), 1);
	locks_remove_file(f1);
	assert_int_equal(locks_count(), 0);
}

static void test_flock(void **state)
{
	(void)state;
	assert_int_equal(locks_flock(NULL, f1, LOCK_SH), 0);
	assert_int_equal(locks_flock(NULL, f2, LOCK_SH | LOCK_NB), 0);
	/* A failed conversion loses the lock it had. */
	assert_int_equal(locks_flock(NULL, f2, LOCK_EX | LOCK_NB), -EWOULDBLOCK);
	assert_int_equal(locks_count(), 1);
	assert_int_equal(locks_flock(NULL, f1, LOCK_EX | LOCK_NB), 0);
	assert_int_equal(locks_count(), 1);
	/* flock and record locks never meet. */
	assert_int_equal(set(&A, F_WRLCK, 0, 0), 0);
	assert_int_equal(locks_flock(NULL, f1, LOCK_UN), 0);
	assert_int_equal(locks_flock(NULL, f1, LOCK_UN), 0);
	assert_int_equal(locks_flock(NULL, f2, LOCK_EX | LOCK_NB), 0);
	locks_remove_file(f2);
	locks_remove_posix(f1, &tag_a);
}

static void test_range_conversion(void **state)
{
	(void)state;
	int64_t s, e;
	struct guest_flock gl = {.l_whence = SEEK_END, .l_start = -10, .l_len = 0};
	assert_int_equal(locks_flock_range(f1, &gl, &s, &e), 0);
	assert_int_equal(s, 90);
	assert_true(e == LOCK_OFFSET_MAX);
	f1->pos = 30;
	gl = (struct guest_flock){.l_whence = SEEK_CUR, .l_start = 10, .l_len = -5};
	assert_int_equal(locks_flock_range(f1, &gl, &s, &e), 0);
	assert_int_equal(s, 35);
	assert_int_equal(e, 39);
	gl = (struct guest_flock){.l_whence = SEEK_SET, .l_start = INT64_MAX, .l_len = 2};
	assert_int_equal(locks_flock_range(f1, &gl, &s, &e), -EOVERFLOW);
	gl = (struct guest_flock){.l_whence = SEEK_SET, .l_start = 3, .l_len = INT64_MIN};
	assert_int_equal(locks_flock_range(f1, &gl, &s, &e), -EINVAL);
	gl = (struct guest_flock){.l_whence = 3};
	assert_int_equal(locks_flock_range(f1, &gl, &s, &e), -EINVAL);
}

/* --- blocking, with fake tasks ------------------------------------------------------- */

struct fake_task {
	struct task t;
	const struct lock_owner *o;
	int64_t start;
	bool use_flock;
	int ret;
};

static struct fake_task *fake_new(const struct lock_owner *o, int64_t start, bool use_flock)
{
	struct fake_task *ft = calloc(1, sizeof(*ft));
	assert_non_null(ft);
	pthread_mutex_init(&ft->t.sig_lock, NULL);
	ft->o = o;
	ft->start = start;
	ft->use_flock = use_flock;
	return ft;
}

static void fake_free(struct fake_task *ft)
{
	pthread_mutex_destroy(&ft->t.sig_lock);
	free(ft);
}

static void *locker_thread(void *arg)
{
	struct fake_task *ft = arg;
	task_set_current(&ft->t);
	if (ft->use_flock)
		ft->ret = locks_flock(&ft->t, f2, LOCK_EX);
	else
		ft->ret = locks_posix_set(&ft->t, f1, ft->o, F_WRLCK, ft->start, ft->start, true);
	return NULL;
}

static void wait_until_blocked(struct fake_task *ft)
{
	for (;;) {
		pthread_mutex_lock(&ft->t.sig_lock);
		bool blocked = ft->t.wait_m != NULL;
		pthread_mutex_unlock(&ft->t.sig_lock);
		if (blocked)
			return;
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
}

static void test_setlkw_woken_and_deadlock(void **state)
{
	(void)state;
	pthread_t th;
	assert_int_equal(set(&A, F_WRLCK, 0, 1), 0);
	assert_int_equal(set(&B, F_WRLCK, 1, 1), 0);
	/* A waits for B's byte... */
	struct fake_task *fa = fake_new(&A, 1, false);
	assert_int_equal(pthread_create(&th, NULL, locker_thread, fa), 0);
	wait_until_blocked(fa);
	/* ... so B waiting for A's would close a cycle. */
	struct fake_task *fb = fake_new(&B, 0, false);
	assert_int_equal(locks_posix_set(&fb->t, f1, &B, F_WRLCK, 0, 0, true), -EDEADLK);
	/* OFD waiters are not checked for cycles; a plain conflict without waiting is EAGAIN. */
	assert_int_equal(locks_posix_set(&fb->t, f1, &B, F_WRLCK, 0, 0, false), -EAGAIN);
	assert_int_equal(set(&B, F_UNLCK, 0, 0), 0);
	pthread_join(th, NULL);
	assert_int_equal(fa->ret, 0);
	assert_string_equal(probe(&B, F_WRLCK, 0), "W 0 2 100");
	fake_free(fa);
	fake_free(fb);
	locks_remove_posix(f1, &tag_a);
}

static void test_waits_interrupted(void **state)
{
	(void)state;
	pthread_t th;
	assert_int_equal(set(&A, F_WRLCK, 0, 0), 0);
	struct fake_task *fb = fake_new(&B, 5, false);
	assert_int_equal(pthread_create(&th, NULL, locker_thread, fb), 0);
	wait_until_blocked(fb);
	signal_send(&fb->t, SIGUSR2, NULL);
	pthread_join(th, NULL);
	assert_int_equal(fb->ret, -EINTR);
	fake_free(fb);
	locks_remove_posix(f1, &tag_a);

	/* flock: blocked behind f1's lock until it is released, or interrupted. */
	assert_int_equal(locks_flock(NULL, f1, LOCK_EX), 0);
	struct fake_task *ff = fake_new(NULL, 0, true);
	assert_int_equal(pthread_create(&th, NULL, locker_thread, ff), 0);
	wait_until_blocked(ff);
	signal_send(&ff->t, SIGUSR2, NULL);
	pthread_join(th, NULL);
	assert_int_equal(ff->ret, -EINTR);
	fake_free(ff);
	ff = fake_new(NULL, 0, true);
	assert_int_equal(pthread_create(&th, NULL, locker_thread, ff), 0);
	wait_until_blocked(ff);
	locks_remove_file(f1); /* f1's last reference going */
	pthread_join(th, NULL);
	assert_int_equal(ff->ret, 0);
	fake_free(ff);
	locks_remove_file(f2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_split_and_merge, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_conflicts_and_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ofd_and_posix, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flock, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_range_conversion, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_setlkw_woken_and_deadlock, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_waits_interrupted, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
