/*
 * Unit tests of the pty pair and its line discipline (fs/pty.c, fs/tty.c) through devpts
 * (fs/devpts.c), without a guest: outside a task nothing blocks (EAGAIN) and no signal is
 * sent. Under ASan they also show that pairs, nodes and the instance are freed.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "fs/devpts.h"
#include "fs/tty_internal.h"
#include "fs/vfs.h"

struct fixture {
	struct mount *mnt;
	struct inode *root;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct devpts_opts o = {true, 5, 0620, 0, 2};
	assert_int_equal(devpts_mount(&o, &fx->mnt), 0);
	fx->root = fx->mnt->root->inode;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	struct path p = {fx->mnt, NULL};
	path_put(&p);
	free(fx);
	return 0;
}

/* Opens name in the devpts root as a file (what vfs_open does, without a task). */
static int open_name(struct fixture *fx, const char *name, struct file **out)
{
	struct inode *ino;
	int err = fx->root->ops->lookup(fx->root, name, &ino);
	if (err < 0)
		return err;
	struct file *f = file_new(NULL, O_RDWR | O_NOCTTY, NULL);
	f->inode = ino;
	err = ino->ops->open(ino, f);
	if (err < 0) {
		file_put(f);
		return err;
	}
	*out = f;
	return 0;
}

static long rd(struct file *f, char *buf, size_t len)
{
	return f->ops->read(f, buf, len, NULL);
}

static long wr(struct file *f, const char *s)
{
	return f->ops->write(f, s, strlen(s), NULL);
}

/* Reads what f has and checks it is exactly want. */
static void expect(struct file *f, const char *want)
{
	char buf[8192];
	long n = rd(f, buf, sizeof(buf));
	assert_int_equal(n, (long)strlen(want));
	assert_memory_equal(buf, want, strlen(want));
}

static struct file *open_master(struct fixture *fx, struct tty **tty)
{
	struct file *m;
	assert_int_equal(open_name(fx, "ptmx", &m), 0);
	*tty = tty_of_file(m);
	assert_non_null(*tty);
	assert_true(tty_is_master_file(m));
	return m;
}

static void unlock(struct tty *tty)
{
	pthread_mutex_lock(&tty->lock);
	tty->ptlock = false;
	pthread_mutex_unlock(&tty->lock);
}

static void test_lock_and_node(void **state)
{
	struct fixture *fx = *state;
	struct tty *tty;
	struct file *m = open_master(fx, &tty), *s;
	struct stat st;
	assert_int_equal(tty_index(tty), 0);
	assert_int_equal(open_name(fx, "0", &s), -EIO); /* locked */
	unlock(tty);
	assert_int_equal(open_name(fx, "0", &s), 0);
	assert_int_equal(vfs_getattr(s->inode, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(136, 0));
	assert_int_equal(st.st_mode & 07777, 0620);
	assert_int_equal(st.st_gid, 5);
	assert_int_equal(st.st_ino, 3);
	assert_int_equal(open_name(fx, "00", &s), -ENOENT);
	file_put(m);
	struct inode *ino;
	assert_int_equal(fx->root->ops->lookup(fx->root, "0", &ino), -ENOENT); /* node gone */
	char buf[4];
	assert_int_equal(rd(s, buf, sizeof(buf)), 0); /* hung up: end of file */
	assert_int_equal(wr(s, "x"), -EIO);
	file_put(s);
	/* Both ends closed: the index is free again. */
	m = open_master(fx, &tty);
	assert_int_equal(tty_index(tty), 0);
	file_put(m);
}

static void test_max(void **state)
{
	struct fixture *fx = *state;
	struct tty *t1, *t2;
	struct file *a = open_master(fx, &t1), *b = open_master(fx, &t2), *c;
	assert_int_equal(tty_index(t2), 1);
	assert_int_equal(open_name(fx, "ptmx", &c), -ENOSPC); /* max=2 */
	file_put(a);
	file_put(b);
}

static void test_canonical(void **state)
{
	struct fixture *fx = *state;
	struct tty *tty;
	struct file *m = open_master(fx, &tty), *s;
	char buf[64];
	unlock(tty);
	assert_int_equal(open_name(fx, "0", &s), 0);
	assert_int_equal(rd(s, buf, sizeof(buf)), -EAGAIN);
	assert_int_equal(rd(m, buf, sizeof(buf)), -EAGAIN);
	assert_int_equal(wr(m, "ab\x7f"
			       "c"),
			 4);
	expect(m, "ab\b \bc");
	assert_int_equal(rd(s, buf, sizeof(buf)), -EAGAIN); /* no line yet */
	assert_int_equal(wr(m, "\rnext\n"), 6);
	expect(m, "\r\nnext\r\n");
	expect(s, "ac\n");
	expect(s, "next\n");
	assert_int_equal(wr(s, "out\n"), 4);
	expect(m, "out\r\n");
	/* ^C without a sandbox: the line so far is dropped, ^C echoed, nothing signalled. */
	assert_int_equal(wr(m, "lost\x03kept\n"), 10);
	expect(m, "^Ckept\r\n");
	expect(s, "kept\n");
	file_put(s);
	/* Every slave closed: what is left, then EIO. */
	assert_int_equal(rd(m, buf, sizeof(buf)), -EIO);
	file_put(m);
}

static void test_raw_and_long_line(void **state)
{
	struct fixture *fx = *state;
	struct tty *tty;
	struct file *m = open_master(fx, &tty), *s;
	static char big[6000], buf[8192];
	unlock(tty);
	assert_int_equal(open_name(fx, "0", &s), 0);
	memset(big, 'x', sizeof(big));
	assert_int_equal(m->ops->write(m, big, 5000, NULL), 5000);
	assert_int_equal(rd(m, buf, sizeof(buf)), 5000); /* every character echoed */
	assert_int_equal(wr(m, "\n"), 1);
	assert_int_equal(rd(s, buf, sizeof(buf)), 4096); /* the line kept its first 4095 */
	assert_int_equal(buf[4095], '\n');
	assert_int_equal(rd(m, buf, sizeof(buf)), 2);

	struct kterm k = tty->termios;
	k.c_lflag &= ~(ICANON | ECHO | ISIG);
	k.c_cc[VMIN] = 1;
	pthread_mutex_lock(&tty->lock);
	ldisc_set_termios(tty, &k);
	tty_unlock(tty);
	assert_int_equal(wr(m, "a\x03"), 2);
	expect(s, "a\x03");
	/* The master cannot outrun the slave's buffers: 4095 in the line discipline, 8192
	 * waiting; then EAGAIN. */
	long total = 0, n;
	while ((n = m->ops->write(m, big, sizeof(big), NULL)) > 0)
		total += n;
	assert_int_equal(n, -EAGAIN);
	assert_int_equal(total, 4095 + 8192);
	file_put(s);
	file_put(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_lock_and_node, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_max, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_canonical, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_raw_and_long_line, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
