/*
 * Unit tests of procfs's pieces that need no guest: path_to_string over a hand-made tree of
 * dentries and mounts, the mount list's ids, name parsing, and a procfs instance over an
 * empty sandbox (its fixed files, its listing, lookups of pids that do not exist).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/procfs.h"
#include "fs/procfs_internal.h"
#include "fs/vfs.h"
#include "sentry/task.h"

/* A child dentry of parent (the tree is freed with its root). */
static struct dentry *child(struct dentry *parent, const char *name)
{
	struct dentry *d = calloc(1, sizeof(*d));
	assert_non_null(d);
	d->name = strdup(name);
	d->parent = parent;
	d->refs = 1;
	d->next_sibling = parent->children;
	parent->children = d;
	return d;
}

static struct mount *new_mount(void)
{
	struct dentry *root = dentry_new_root(NULL);
	assert_non_null(root);
	struct mount *m = mount_new(root, 0);
	assert_non_null(m);
	return m;
}

static void put_mount(struct mount *m)
{
	struct path p = {m, NULL};
	path_put(&p);
}

static void test_path_to_string(void **state)
{
	(void)state;
	char buf[256];
	struct mount *top = new_mount(), *sub = new_mount();
	struct dentry *usr = child(top->root, "usr"), *share = child(usr, "share");
	struct dentry *mnt = child(top->root, "mnt"), *inner = child(sub->root, "inner");
	sub->parent = top;
	sub->mountpoint = mnt;
	struct path root = {top, top->root};

	struct path p = {top, share};
	assert_int_equal(path_to_string(&p, &root, buf, sizeof(buf)), 10);
	assert_string_equal(buf, "/usr/share");
	p = (struct path){top, top->root};
	assert_int_equal(path_to_string(&p, &root, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "/");
	/* Across a mount: up to the mountpoint, then on in the parent. */
	p = (struct path){sub, inner};
	path_to_string(&p, &root, buf, sizeof(buf));
	assert_string_equal(buf, "/mnt/inner");
	p = (struct path){sub, sub->root};
	path_to_string(&p, &root, buf, sizeof(buf));
	assert_string_equal(buf, "/mnt");
	/* Seen from a root lower down (a chroot). */
	struct path low = {top, usr};
	p = (struct path){top, share};
	path_to_string(&p, &low, buf, sizeof(buf));
	assert_string_equal(buf, "/share");
	/* Outside the root: from the top of the tree, as Linux's d_path. */
	p = (struct path){sub, inner};
	path_to_string(&p, &low, buf, sizeof(buf));
	assert_string_equal(buf, "/mnt/inner");
	/* Unlinked: " (deleted)". */
	share->unhashed = true;
	p = (struct path){top, share};
	path_to_string(&p, &root, buf, sizeof(buf));
	assert_string_equal(buf, "/usr/share (deleted)");
	share->unhashed = false;
	/* Too small a buffer, and an anonymous file. */
	assert_int_equal(path_to_string(&p, &root, buf, 6), -ENAMETOOLONG);
	assert_int_equal(path_to_string(&p, &root, buf, 11), 10);
	p = (struct path){NULL, NULL};
	assert_int_equal(path_to_string(&p, &root, buf, sizeof(buf)), -ENOENT);

	sub->parent = NULL;
	sub->mountpoint = NULL;
	put_mount(sub);
	put_mount(top);
}

static int seen_ids[8], seen_parents[8], nseen;

static void collect(struct mount *m, int id, int parent_id, void *arg)
{
	(void)m;
	(void)arg;
	seen_ids[nseen] = id;
	seen_parents[nseen++] = parent_id;
}

static void test_mount_list(void **state)
{
	(void)state;
	struct mount *a = new_mount(), *b = new_mount(), *root = new_mount();
	a->parent = root;
	b->parent = a;
	mount_list_register(a);
	mount_list_register(b);
	int ida = mount_list_id(a), idb = mount_list_id(b);
	assert_true(ida > 1 && idb > ida);
	assert_int_equal(mount_list_id(root), 1); /* never registered: the root's id */
	nseen = 0;
	mount_list_each(collect, NULL);
	assert_int_equal(nseen, 2);
	assert_int_equal(seen_ids[0], ida);
	assert_int_equal(seen_parents[0], 1);
	assert_int_equal(seen_parents[1], ida);
	mount_list_unregister(a);
	nseen = 0;
	mount_list_each(collect, NULL);
	assert_int_equal(nseen, 1);
	assert_int_equal(seen_ids[0], idb);
	mount_list_unregister(b);
	a->parent = b->parent = NULL;
	put_mount(a);
	put_mount(b);
	put_mount(root);
}

static void test_parse_num(void **state)
{
	(void)state;
	assert_int_equal(proc_parse_num("0"), 0);
	assert_int_equal(proc_parse_num("42"), 42);
	assert_int_equal(proc_parse_num("2147483647"), 2147483647);
	assert_int_equal(proc_parse_num("2147483648"), -1);
	assert_int_equal(proc_parse_num("01"), -1);
	assert_int_equal(proc_parse_num("-1"), -1);
	assert_int_equal(proc_parse_num("+1"), -1);
	assert_int_equal(proc_parse_num("1a"), -1);
	assert_int_equal(proc_parse_num(""), -1);
}

static void test_pbuf(void **state)
{
	(void)state;
	struct pbuf b = {0};
	for (int i = 0; i < 10000; i++)
		pb_printf(&b, "%d,", i);
	assert_int_equal(b.err, 0);
	assert_true(b.len > 40000);
	assert_memory_equal(b.data, "0,1,2,", 6);
	free(b.data);
	/* Past the cap: an error, and nothing more is added. */
	struct pbuf c = {0};
	static char chunk[1 << 20];
	for (unsigned i = 0; i <= PROC_CONTENT_MAX / sizeof(chunk); i++)
		pb_write(&c, chunk, sizeof(chunk));
	assert_int_equal(c.err, -EFBIG);
	assert_true(c.len <= PROC_CONTENT_MAX);
	free(c.data);
}

/* --- a procfs over an empty sandbox --------------------------------------------------- */

static struct sandbox sb;
static struct mount *proc;

static int setup(void **state)
{
	(void)state;
	memset(&sb, 0, sizeof(sb));
	pthread_mutex_init(&sb.lock, NULL);
	clock_gettime(CLOCK_MONOTONIC, &sb.boot_time);
	snprintf(sb.hostname, sizeof(sb.hostname), "unit-host");
	CPU_SET(0, &sb.cpus);
	return procfs_mount(&sb, &proc);
}

static int teardown(void **state)
{
	(void)state;
	put_mount(proc);
	pthread_mutex_destroy(&sb.lock);
	return 0;
}

static struct inode *lookup(struct inode *dir, const char *name, int *err)
{
	struct inode *ino = NULL;
	*err = dir->ops->lookup(dir, name, &ino);
	return ino;
}

/* Opens and reads a file inode whole. */
static long read_all(struct inode *ino, char *buf, size_t cap)
{
	struct file *f = file_new(NULL, O_RDONLY, NULL);
	assert_non_null(f);
	f->inode = ino;
	inode_get(ino);
	int err = ino->ops->open(ino, f);
	if (err < 0) {
		file_put(f);
		return err;
	}
	int64_t off = 0;
	long n = f->ops->read(f, buf, cap - 1, &off);
	if (n >= 0)
		buf[n] = 0;
	file_put(f);
	return n;
}

static void test_fixed_files(void **state)
{
	(void)state;
	struct inode *root = proc->root->inode;
	char buf[4096];
	int err;
	struct inode *sys = lookup(root, "sys", &err);
	assert_int_equal(err, 0);
	struct inode *kernel = lookup(sys, "kernel", &err);
	assert_int_equal(err, 0);
	struct inode *ostype = lookup(kernel, "ostype", &err);
	assert_int_equal(err, 0);
	assert_int_equal(read_all(ostype, buf, sizeof(buf)), 6);
	assert_string_equal(buf, "Linux\n");
	struct inode *host = lookup(kernel, "hostname", &err);
	read_all(host, buf, sizeof(buf));
	assert_string_equal(buf, "unit-host\n");
	/* A read-only sysctl: not writable, even by root. */
	assert_int_equal(host->ops->permission(host, 2, NULL), -EACCES);
	assert_int_equal(host->ops->permission(host, 4, NULL), 0);
	struct inode *up = lookup(root, "uptime", &err);
	double a, b;
	read_all(up, buf, sizeof(buf));
	assert_int_equal(sscanf(buf, "%lf %lf", &a, &b), 2);
	struct stat st;
	assert_int_equal(up->ops->getattr(up, &st), 0);
	assert_int_equal(st.st_mode, S_IFREG | 0444);
	assert_int_equal(st.st_size, 0);
	/* No task: /proc/self has nothing to point at. */
	struct inode *self = lookup(root, "self", &err);
	assert_int_equal(err, 0);
	assert_true(S_ISLNK(self->mode));
	assert_int_equal(self->ops->readlink(self, buf, sizeof(buf)), -ENOENT);
	/* No processes: pids are not found; names that are no numbers neither. */
	assert_null(lookup(root, "1", &err));
	assert_int_equal(err, -ENOENT);
	assert_null(lookup(root, "nonesuch", &err));
	assert_int_equal(err, -ENOENT);
	assert_null(lookup(kernel, "ostype2", &err));
	assert_int_equal(err, -ENOENT);
	/* Stable inode numbers. */
	struct inode *again = lookup(kernel, "ostype", &err);
	assert_int_equal(again->ino, ostype->ino);
	assert_int_not_equal(ostype->ino, host->ino);
	inode_put(again);
	inode_put(self);
	inode_put(up);
	inode_put(host);
	inode_put(ostype);
	inode_put(kernel);
	inode_put(sys);
}

static void test_root_listing(void **state)
{
	(void)state;
	struct path p = {proc, proc->root};
	struct file *f = file_new(NULL, O_RDONLY | O_DIRECTORY, NULL);
	assert_non_null(f);
	f->path = p;
	path_get(&f->path);
	f->inode = proc->root->inode;
	inode_get(f->inode);
	assert_int_equal(f->inode->ops->open(f->inode, f), 0);
	char buf[4096];
	struct dir_emit de = {.buf = buf, .cap = sizeof(buf)};
	long n = f->ops->getdents(f, &de);
	assert_true(n > 0);
	bool dot = false, self = false, sys = false;
	for (long off = 0; off < n;) {
		struct dirent64 *d = (struct dirent64 *)(buf + off);
		dot |= strcmp(d->d_name, ".") == 0;
		self |= strcmp(d->d_name, "self") == 0 && d->d_type == DT_LNK;
		sys |= strcmp(d->d_name, "sys") == 0 && d->d_type == DT_DIR;
		off += d->d_reclen;
	}
	assert_true(dot && self && sys);
	/* At the end: nothing more. */
	de.used = 0;
	assert_int_equal(f->ops->getdents(f, &de), 0);
	file_put(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_path_to_string),
	    cmocka_unit_test(test_mount_list),
	    cmocka_unit_test(test_parse_num),
	    cmocka_unit_test(test_pbuf),
	    cmocka_unit_test_setup_teardown(test_fixed_files, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_root_listing, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
