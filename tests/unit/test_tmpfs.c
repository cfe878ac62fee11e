/*
 * Unit tests of fs/tmpfs.c through its inode and file ops, without a guest, and of FIFO opens
 * (fs/pipe.c) on tmpfs nodes. Blocking FIFO opens run in helper threads as a minimal fake
 * task, as in test_pipe.c. Under ASan, every test also shows that a tree is freed with its
 * last reference.
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
#include <linux/falloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>

#include "fs/pipe.h"
#include "fs/tmpfs.h"
#include "fs/vfs.h"
#include "sentry/signal.h"
#include "sentry/task.h"

static const struct vfs_owner root_owner = {0, 0};

static struct inode *new_fs(uint64_t size_limit, uint64_t inode_limit)
{
	struct tmpfs_opts o = {.size_limit = size_limit,
			       .inode_limit = inode_limit,
			       .root_mode = 01777,
			       .uid = 7,
			       .gid = 8};
	struct inode *root = NULL;
	assert_int_equal(tmpfs_new(&o, &root), 0);
	assert_true(inode_is_tmpfs(root));
	return root;
}

/* Creates dir/name and returns its inode (referenced). */
static struct inode *mk(struct inode *dir, const char *name, mode_t mode)
{
	struct inode *ino = NULL;
	assert_int_equal(dir->ops->create(dir, name, mode, 0, &root_owner, &ino), 0);
	assert_non_null(ino);
	return ino;
}

static struct inode *look(struct inode *dir, const char *name)
{
	struct inode *ino = NULL;
	assert_int_equal(dir->ops->lookup(dir, name, &ino), 0);
	return ino;
}

static int open_err(struct inode *ino, int flags, struct file **out)
{
	struct file *f = file_new(NULL, flags, NULL);
	assert_non_null(f);
	f->inode = ino;
	inode_get(ino);
	int err = ino->ops->open(ino, f);
	if (err < 0) {
		file_put(f);
		return err;
	}
	*out = f;
	return 0;
}

static struct file *op(struct inode *ino, int flags)
{
	struct file *f = NULL;
	assert_int_equal(open_err(ino, flags, &f), 0);
	return f;
}

static long wr(struct file *f, const void *buf, size_t len)
{
	return f->ops->write(f, buf, len, f->stream ? NULL : &f->pos);
}

static long rd(struct file *f, void *buf, size_t len)
{
	return f->ops->read(f, buf, len, f->stream ? NULL : &f->pos);
}

static long pwr(struct file *f, const void *buf, size_t len, int64_t off)
{
	return f->ops->write(f, buf, len, &off);
}

static long prd(struct file *f, void *buf, size_t len, int64_t off)
{
	return f->ops->read(f, buf, len, &off);
}

static struct stat st_of(struct inode *ino)
{
	struct stat st;
	assert_int_equal(ino->ops->getattr(ino, &st), 0);
	return st;
}

static int truncate_to(struct inode *ino, int64_t size)
{
	struct vfs_setattr sa = {.mask = SA_SIZE, .size = size};
	return ino->ops->setattr(ino, &sa);
}

static void test_create_lookup_getattr(void **state)
{
	struct inode *root = new_fs(0, 0), *other = new_fs(0, 0);
	struct stat rs = st_of(root), os = st_of(other);
	assert_true(S_ISDIR(rs.st_mode));
	assert_int_equal(rs.st_mode & 07777, 01777);
	assert_int_equal(rs.st_uid, 7);
	assert_int_equal(rs.st_gid, 8);
	assert_int_equal(rs.st_nlink, 2);
	assert_int_equal(rs.st_size, 40);
	assert_int_equal(major(rs.st_dev), 0);
	assert_true(minor(rs.st_dev) >= 64);
	assert_int_not_equal(rs.st_dev, os.st_dev);
	assert_int_equal(root->dev, rs.st_dev);
	assert_int_equal(root->ino, rs.st_ino);

	struct inode *f = mk(root, "file", S_IFREG | 0640);
	struct stat fs = st_of(f);
	assert_int_equal(fs.st_mode, S_IFREG | 0640);
	assert_int_equal(fs.st_nlink, 1);
	assert_int_equal(fs.st_size, 0);
	assert_int_equal(fs.st_blocks, 0);
	assert_int_equal(fs.st_blksize, 4096);
	assert_int_equal(fs.st_dev, rs.st_dev);
	assert_int_not_equal(fs.st_ino, rs.st_ino);
	assert_int_equal(f->ino, fs.st_ino);
	assert_int_equal(f->dev, rs.st_dev);

	struct inode *again = look(root, "file");
	assert_ptr_equal(again, f);
	inode_put(again);
	struct inode *none = NULL;
	assert_int_equal(root->ops->lookup(root, "nope", &none), -ENOENT);
	assert_int_equal(f->ops->lookup(f, "x", &none), -ENOTDIR);
	assert_int_equal(root->ops->create(root, "file", S_IFREG | 0644, 0, &root_owner, &none),
			 -EEXIST);
	assert_int_equal(root->ops->create(root, "bad", 0170000, 0, &root_owner, &none), -EINVAL);

	/* A subdirectory: the parent gains a link; sizes count 20 bytes per entry. */
	struct inode *d = mk(root, "dir", S_IFDIR | 0755);
	assert_int_equal(st_of(root).st_nlink, 3);
	assert_int_equal(st_of(root).st_size, 80);
	assert_int_equal(st_of(d).st_nlink, 2);
	/* Creating changes the directory's mtime and ctime. */
	struct stat before = st_of(root);
	struct timespec pause = {0, 2000000};
	nanosleep(&pause, NULL);
	struct inode *g = mk(root, "g", S_IFREG | 0600);
	struct stat after = st_of(root);
	assert_true(after.st_mtim.tv_sec > before.st_mtim.tv_sec ||
		    after.st_mtim.tv_nsec > before.st_mtim.tv_nsec);
	assert_memory_equal(&after.st_mtim, &after.st_ctim, sizeof(after.st_ctim));

	/* Device nodes keep their number; FIFOs and sockets have none. */
	struct inode *c = NULL, *p = NULL;
	assert_int_equal(
	    root->ops->create(root, "chr", S_IFCHR | 0600, makedev(1, 3), &root_owner, &c), 0);
	assert_int_equal(st_of(c).st_rdev, makedev(1, 3));
	assert_int_equal(
	    root->ops->create(root, "fifo", S_IFIFO | 0600, makedev(1, 3), &root_owner, &p), 0);
	assert_int_equal(st_of(p).st_rdev, 0);
	assert_true(S_ISFIFO(st_of(p).st_mode));

	inode_put(c);
	inode_put(p);
	inode_put(g);
	inode_put(d);
	inode_put(f);
	inode_put(other);
	inode_put(root);
}

static void test_write_read(void **state)
{
	struct inode *root = new_fs(0, 0);
	struct inode *ino = mk(root, "f", S_IFREG | 0644);
	struct file *f = op(ino, O_RDWR), *a = op(ino, O_WRONLY | O_APPEND);
	char buf[64];
	assert_int_equal(wr(f, "hello world", 11), 11);
	assert_int_equal(f->pos, 11);
	assert_int_equal(st_of(ino).st_size, 11);
	assert_true(st_of(ino).st_blocks > 0);
	assert_int_equal(prd(f, buf, sizeof(buf), 0), 11);
	assert_memory_equal(buf, "hello world", 11);
	assert_int_equal(prd(f, buf, sizeof(buf), 11), 0);
	assert_int_equal(prd(f, buf, sizeof(buf), 1000), 0);
	assert_int_equal(prd(f, buf, 5, 6), 5);
	assert_memory_equal(buf, "world", 5);
	/* O_APPEND writes at the end, wherever the position is. */
	assert_int_equal(wr(a, "!", 1), 1);
	assert_int_equal(a->pos, 12);
	assert_int_equal(pwr(f, "H", 1, 0), 1);
	a->pos = 0;
	assert_int_equal(wr(a, "?", 1), 1);
	assert_int_equal(prd(f, buf, sizeof(buf), 0), 13);
	assert_memory_equal(buf, "Hello world!?", 13);
	assert_int_equal(f->ops->write(f, "x", 1, &(int64_t){-1}), -EINVAL);
	assert_int_equal(f->ops->write(f, "x", 1, &(int64_t){INT64_MAX}), -EFBIG);
	assert_int_equal(wr(f, "x", 0), 0);
	/* Seeks. */
	f->pos = 3;
	assert_int_equal(f->ops->llseek(f, 2, SEEK_CUR), 5);
	assert_int_equal(f->ops->llseek(f, -1, SEEK_END), 12);
	assert_int_equal(f->ops->llseek(f, -20, SEEK_END), -EINVAL);
	assert_int_equal(f->ops->llseek(f, 7, SEEK_SET), 7);
	struct stat st;
	assert_int_equal(f->ops->fstat(f, &st), 0);
	assert_int_equal(st.st_size, 13);
	file_put(a);
	file_put(f);
	inode_put(ino);
	inode_put(root);
}

static void test_sparse_truncate(void **state)
{
	struct inode *root = new_fs(0, 0);
	struct inode *ino = mk(root, "f", S_IFREG | 0644);
	struct file *f = op(ino, O_RDWR);
	char buf[8192];
	/* Truncating up allocates nothing, and needs no data store. */
	assert_int_equal(truncate_to(ino, 100000), 0);
	assert_int_equal(st_of(ino).st_size, 100000);
	assert_int_equal(st_of(ino).st_blocks, 0);
	assert_int_equal(prd(f, buf, 100, 500), 100);
	for (int i = 0; i < 100; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(f->ops->llseek(f, 0, SEEK_DATA), -ENXIO);
	assert_int_equal(f->ops->llseek(f, 10, SEEK_HOLE), 10);

	/* A write far out leaves a hole before it. */
	assert_int_equal(pwr(f, "end", 3, 1 << 20), 3);
	struct stat st = st_of(ino);
	assert_int_equal(st.st_size, (1 << 20) + 3);
	assert_true(st.st_blocks > 0 && st.st_blocks <= 16);
	assert_int_equal(prd(f, buf, sizeof(buf), 4096), sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(f->ops->llseek(f, 0, SEEK_DATA), 1 << 20);
	assert_int_equal(f->ops->llseek(f, 0, SEEK_HOLE), 0);
	assert_int_equal(f->ops->llseek(f, 1 << 20, SEEK_HOLE), (1 << 20) + 3);
	assert_int_equal(f->ops->llseek(f, (1 << 20) + 3, SEEK_DATA), -ENXIO);
	assert_int_equal(f->ops->llseek(f, -1, SEEK_DATA), -ENXIO);

	/* Truncating down drops data and its pages; up again reads zeros. */
	assert_int_equal(truncate_to(ino, 10), 0);
	assert_int_equal(st_of(ino).st_size, 10);
	assert_int_equal(st_of(ino).st_blocks, 0);
	assert_int_equal(pwr(f, "abcdefghij", 10, 0), 10);
	assert_int_equal(truncate_to(ino, 4), 0);
	assert_int_equal(truncate_to(ino, 8), 0);
	assert_int_equal(prd(f, buf, sizeof(buf), 0), 8);
	assert_memory_equal(buf, "abcd\0\0\0\0", 8);
	assert_int_equal(truncate_to(ino, -1), -EINVAL);
	assert_int_equal(truncate_to(root, 0), -EISDIR);

	/* fallocate: allocation extends (or not), punching frees. */
	assert_int_equal(f->ops->fallocate(f, 0, 0, 65536), 0);
	assert_int_equal(st_of(ino).st_size, 65536);
	assert_int_equal(st_of(ino).st_blocks, 128);
	assert_int_equal(f->ops->fallocate(f, FALLOC_FL_KEEP_SIZE, 65536, 4096), 0);
	assert_int_equal(st_of(ino).st_size, 65536);
	assert_int_equal(st_of(ino).st_blocks, 136);
	assert_int_equal(
	    f->ops->fallocate(f, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096, 8192), 0);
	assert_int_equal(st_of(ino).st_blocks, 120);
	assert_int_equal(st_of(ino).st_size, 65536);
	assert_int_equal(f->ops->fallocate(f, FALLOC_FL_PUNCH_HOLE, 0, 1), -EOPNOTSUPP);
	assert_int_equal(f->ops->fallocate(f, 0, 0, 0), -EINVAL);
	assert_int_equal(prd(f, buf, 4, 0), 4);
	assert_memory_equal(buf, "abcd", 4);
	file_put(f);
	inode_put(ino);
	inode_put(root);
}

static void test_size_limit(void **state)
{
	static char data[100000];
	struct inode *root = new_fs(65536, 0);
	struct inode *ino = mk(root, "f", S_IFREG | 0644);
	struct file *f = op(ino, O_RDWR);
	struct statfs sfs;
	assert_int_equal(root->ops->statfs(root, &sfs), 0);
	assert_int_equal(sfs.f_type, TMPFS_MAGIC_NUMBER);
	assert_int_equal(sfs.f_blocks, 16);
	assert_int_equal(sfs.f_bfree, 16);
	assert_int_equal(sfs.f_namelen, 255);

	/* The write stops at the first page that does not fit. */
	assert_int_equal(wr(f, data, sizeof(data)), 65536);
	assert_int_equal(wr(f, data, 1), -ENOSPC);
	assert_int_equal(root->ops->statfs(root, &sfs), 0);
	assert_int_equal(sfs.f_bfree, 0);
	/* Pages already there cost nothing; sparse extension neither. */
	assert_int_equal(pwr(f, data, 4096, 100), 4096);
	assert_int_equal(truncate_to(ino, 1 << 30), 0);
	assert_int_equal(pwr(f, data, 1, 1 << 29), -ENOSPC);
	assert_int_equal(f->ops->fallocate(f, 0, 0, 65536), 0);
	assert_int_equal(f->ops->fallocate(f, 0, 0, 65537), -ENOSPC);
	assert_int_equal(f->ops->fallocate(f, 0, 1 << 20, 4096), -ENOSPC);
	/* xattrs count too. */
	assert_int_equal(ino->ops->setxattr(ino, "user.a", data, 10, 0), -ENOSPC);

	/* Freeing pages makes room: a punched hole, a truncation, a file gone. */
	assert_int_equal(f->ops->fallocate(f, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 8192),
			 0);
	assert_int_equal(pwr(f, data, 10000, 1 << 25), 8192);
	assert_int_equal(truncate_to(ino, 0), 0);
	assert_int_equal(root->ops->statfs(root, &sfs), 0);
	assert_int_equal(sfs.f_bfree, 16);
	assert_int_equal(pwr(f, data, 65536, 0), 65536);
	struct inode *g = mk(root, "g", S_IFREG | 0644);
	struct file *gf = op(g, O_RDWR);
	assert_int_equal(wr(gf, data, 1), -ENOSPC);
	assert_int_equal(root->ops->unlink(root, "f", ino), 0);
	file_put(f);
	assert_int_equal(wr(gf, data, 1), -ENOSPC); /* ino is still referenced */
	inode_put(ino);
	assert_int_equal(wr(gf, data, 100), 100);
	file_put(gf);
	inode_put(g);
	inode_put(root);
}

static void test_inode_limit(void **state)
{
	struct inode *root = new_fs(0, 3);
	struct inode *a = mk(root, "a", S_IFREG | 0644), *b = mk(root, "b", S_IFDIR | 0755), *x;
	struct statfs sfs;
	assert_int_equal(root->ops->statfs(root, &sfs), 0);
	assert_int_equal(sfs.f_files, 3);
	assert_int_equal(sfs.f_ffree, 0);
	assert_int_equal(root->ops->create(root, "c", S_IFREG | 0644, 0, &root_owner, &x), -ENOSPC);
	assert_int_equal(root->ops->symlink(root, "c", "t", &root_owner, &x), -ENOSPC);
	/* A hard link counts as Linux's tmpfs counts it; unlinking it gives the count back. */
	assert_int_equal(root->ops->link(root, "a2", a), -ENOSPC);
	assert_int_equal(root->ops->rmdir(root, "b", b), 0);
	inode_put(b);
	assert_int_equal(root->ops->link(root, "a2", a), 0);
	assert_int_equal(root->ops->create(root, "c", S_IFREG | 0644, 0, &root_owner, &x), -ENOSPC);
	assert_int_equal(root->ops->unlink(root, "a2", a), 0);
	x = mk(root, "c", S_IFREG | 0644);
	inode_put(x);
	inode_put(a);
	inode_put(root);
}

static void test_link_unlink(void **state)
{
	struct inode *root = new_fs(0, 0);
	struct inode *d = mk(root, "d", S_IFDIR | 0755);
	struct inode *ino = mk(root, "f", S_IFREG | 0644);
	struct file *f = op(ino, O_RDWR);
	char buf[8];
	assert_int_equal(wr(f, "data", 4), 4);
	assert_int_equal(d->ops->link(d, "f2", ino), 0);
	assert_int_equal(st_of(ino).st_nlink, 2);
	assert_int_equal(d->ops->link(d, "f2", ino), -EEXIST);
	assert_int_equal(root->ops->link(root, "d2", d), -EPERM);
	struct inode *other = new_fs(0, 0);
	assert_int_equal(other->ops->link(other, "x", ino), -EXDEV);
	inode_put(other);
	struct inode *f2 = look(d, "f2");
	assert_ptr_equal(f2, ino);
	inode_put(f2);

	assert_int_equal(root->ops->unlink(root, "f", ino), 0);
	assert_int_equal(st_of(ino).st_nlink, 1);
	assert_int_equal(root->ops->unlink(root, "f", ino), -ENOENT);
	assert_int_equal(root->ops->unlink(root, "d", d), -EISDIR);
	assert_int_equal(d->ops->unlink(d, "f2", ino), 0);
	assert_int_equal(st_of(ino).st_nlink, 0);
	/* Still readable through the open file; no new name for it. */
	assert_int_equal(prd(f, buf, sizeof(buf), 0), 4);
	assert_memory_equal(buf, "data", 4);
	assert_int_equal(root->ops->link(root, "back", ino), -ENOENT);
	assert_int_equal(st_of(root).st_size, 60);
	file_put(f);
	inode_put(ino);
	inode_put(d);
	inode_put(root);
}

static void test_rmdir(void **state)
{
	struct inode *root = new_fs(0, 0);
	struct inode *d = mk(root, "d", S_IFDIR | 0755), *f = mk(d, "f", S_IFREG | 0644), *x;
	assert_int_equal(root->ops->rmdir(root, "d", d), -ENOTEMPTY);
	assert_int_equal(d->ops->rmdir(d, "f", f), -ENOTDIR);
	assert_int_equal(root->ops->rmdir(root, "nope", d), -ENOENT);
	struct file *df = op(d, O_RDONLY);
	assert_int_equal(d->ops->unlink(d, "f", f), 0);
	assert_int_equal(root->ops->rmdir(root, "d", d), 0);
	assert_int_equal(st_of(d).st_nlink, 0);
	assert_int_equal(st_of(root).st_nlink, 2);
	assert_int_equal(d->ops->create(d, "new", S_IFREG | 0644, 0, &root_owner, &x), -ENOENT);
	char buf[512];
	struct dir_emit de = {.buf = buf, .cap = sizeof(buf)};
	assert_int_equal(df->ops->getdents(df, &de), -ENOENT);
	file_put(df);
	inode_put(f);
	inode_put(d);
	inode_put(root);
}

/* --- getdents ------------------------------------------------------------------------------- */

struct listing {
	int count;
	char names[256][256];
	uint64_t inos[256];
};

/* One getdents call into l; returns its result. */
static long list_some(struct file *f, size_t cap, struct listing *l)
{
	char buf[4096];
	struct dir_emit de = {.buf = buf, .cap = cap};
	long n = f->ops->getdents(f, &de);
	for (long off = 0; off < n;) {
		struct dirent64 *d = (struct dirent64 *)(buf + off);
		assert_true(l->count < 256);
		snprintf(l->names[l->count], sizeof(l->names[0]), "%s", d->d_name);
		l->inos[l->count++] = d->d_ino;
		off += d->d_reclen;
	}
	return n;
}

static int seen(const struct listing *l, const char *name)
{
	int times = 0;
	for (int i = 0; i < l->count; i++)
		times += strcmp(l->names[i], name) == 0;
	return times;
}

static void test_getdents(void **state)
{
	struct inode *root = new_fs(0, 0);
	struct inode *d = mk(root, "d", S_IFDIR | 0755);
	char name[16];
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "e%03d", i);
		inode_put(mk(d, name, i % 10 ? S_IFREG | 0644 : S_IFDIR | 0755));
	}
	struct file *f = op(d, O_RDONLY);
	struct listing l = {0};
	/* Small reads: "." and ".." first, with the right inode numbers. */
	assert_int_equal(list_some(f, 30, &l), 24);
	assert_string_equal(l.names[0], ".");
	assert_int_equal(l.inos[0], d->ino);
	assert_int_equal(list_some(f, 30, &l), 24);
	assert_string_equal(l.names[1], "..");
	assert_int_equal(l.inos[1], root->ino);
	/* Remove entries behind, at and ahead of the position while listing; add some. */
	for (int round = 0; list_some(f, 200, &l) > 0; round++) {
		snprintf(name, sizeof(name), "e%03d", round * 3 + 40);
		if (round * 3 + 40 < 100) {
			struct inode *v = look(d, name);
			if (S_ISDIR(v->mode))
				assert_int_equal(d->ops->rmdir(d, name, v), 0);
			else
				assert_int_equal(d->ops->unlink(d, name, v), 0);
			inode_put(v);
		}
		if (round == 2)
			inode_put(mk(d, "late", S_IFREG | 0644));
		if (round == 3)
			inode_put(mk(d, "e000x", S_IFREG | 0644));
	}
	/* Every entry that stayed is seen exactly once; removed ahead ones never; the added one
	 * is left for the next listing. */
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "e%03d", i);
		struct inode *v = NULL;
		bool there = d->ops->lookup(d, name, &v) == 0;
		inode_put(v);
		if (there)
			assert_int_equal(seen(&l, name), 1);
		else
			assert_true(seen(&l, name) <= 1);
	}
	assert_int_equal(seen(&l, "late"), 0);
	assert_int_equal(seen(&l, "."), 1);
	assert_int_equal(seen(&l, ".."), 1);
	/* A buffer too small for one record. */
	assert_int_equal(f->ops->llseek(f, 0, SEEK_SET), 0);
	f->pos = 0;
	struct listing m = {0};
	assert_int_equal(list_some(f, 10, &m), -EINVAL);
	/* Rewound, the new entries show; a position from d_off resumes after its entry. */
	while (list_some(f, 4096, &m) > 0)
		;
	assert_int_equal(seen(&m, "late"), 1);
	assert_int_equal(seen(&m, "e000x"), 1);
	char buf[4096];
	struct dir_emit de = {.buf = buf, .cap = sizeof(buf)};
	f->pos = 0;
	assert_true(f->ops->getdents(f, &de) > 0);
	struct dirent64 *first = (struct dirent64 *)buf;
	struct dirent64 *third =
	    (struct dirent64 *)(buf + first->d_reclen +
				((struct dirent64 *)(buf + first->d_reclen))->d_reclen);
	char third_name[256];
	snprintf(third_name, sizeof(third_name), "%s", third->d_name);
	struct dirent64 *second = (struct dirent64 *)(buf + first->d_reclen);
	f->pos = f->ops->llseek(f, second->d_off, SEEK_SET);
	struct listing k = {0};
	assert_true(list_some(f, 200, &k) > 0);
	assert_string_equal(k.names[0], third_name);
	/* Directory seeks: no SEEK_END, nothing negative; reads are EISDIR. */
	assert_int_equal(f->ops->llseek(f, 0, SEEK_END), -EINVAL);
	assert_int_equal(f->ops->llseek(f, -1, SEEK_SET), -EINVAL);
	assert_int_equal(f->ops->read(f, buf, 1, &f->pos), -EISDIR);
	/* d_type follows the node type. */
	f->pos = 0;
	de.used = 0;
	long n = f->ops->getdents(f, &de);
	bool dir_seen = false, reg_seen = false;
	for (long off = 0; off < n;) {
		struct dirent64 *e = (struct dirent64 *)(buf + off);
		if (strcmp(e->d_name, "e010") == 0 || strcmp(e->d_name, "e001") == 0) {
			assert_int_equal(e->d_type, e->d_name[3] == '0' ? DT_DIR : DT_REG);
			dir_seen |= e->d_type == DT_DIR;
			reg_seen |= e->d_type == DT_REG;
		}
		off += e->d_reclen;
	}
	assert_true(dir_seen && reg_seen);
	file_put(f);
	inode_put(d);
	inode_put(root);
}

/* --- rename --------------------------------------------------------------------------------- */

static void test_rename(void **state)
{
	struct inode *root = new_fs(0, 0);
	struct inode *a = mk(root, "a", S_IFDIR | 0755), *b = mk(root, "b", S_IFDIR | 0755);
	struct inode *f = mk(a, "f", S_IFREG | 0644), *g = mk(b, "g", S_IFREG | 0644);
	struct inode *x;

	/* Plain move across directories. */
	assert_int_equal(root->ops->rename(a, "f", b, "f1", 0), 0);
	assert_int_equal(a->ops->lookup(a, "f", &x), -ENOENT);
	x = look(b, "f1");
	assert_ptr_equal(x, f);
	inode_put(x);
	assert_int_equal(root->ops->rename(a, "f", b, "f1", 0), -ENOENT);

	/* Replacing: the old target loses its name. */
	assert_int_equal(b->ops->rename(b, "f1", b, "g", 0), 0);
	assert_int_equal(st_of(g).st_nlink, 0);
	x = look(b, "g");
	assert_ptr_equal(x, f);
	inode_put(x);
	assert_int_equal(st_of(b).st_size, 60);
	inode_put(g);

	/* NOREPLACE. */
	g = mk(b, "h", S_IFREG | 0644);
	assert_int_equal(b->ops->rename(b, "g", b, "h", RENAME_NOREPLACE), -EEXIST);
	assert_int_equal(b->ops->rename(b, "g", b, "i", RENAME_NOREPLACE), 0);
	assert_int_equal(b->ops->rename(b, "i", b, "g", RENAME_NOREPLACE | RENAME_EXCHANGE),
			 -EINVAL);
	assert_int_equal(b->ops->rename(b, "i", b, "g", 0x8), -EINVAL);

	/* Two names of one inode: nothing happens, both stay. */
	assert_int_equal(b->ops->link(b, "i2", f), 0);
	assert_int_equal(b->ops->rename(b, "i", b, "i2", 0), 0);
	x = look(b, "i");
	inode_put(x);
	assert_int_equal(st_of(f).st_nlink, 2);
	assert_int_equal(b->ops->unlink(b, "i2", f), 0);

	/* Directories: moving one changes both parents' link counts and its "..". */
	struct inode *sub = mk(a, "sub", S_IFDIR | 0755);
	assert_int_equal(st_of(a).st_nlink, 3);
	assert_int_equal(a->ops->rename(a, "sub", b, "sub", 0), 0);
	assert_int_equal(st_of(a).st_nlink, 2);
	assert_int_equal(st_of(b).st_nlink, 3);
	struct file *sf = op(sub, O_RDONLY);
	struct listing l = {0};
	while (list_some(sf, 4096, &l) > 0)
		;
	assert_string_equal(l.names[1], "..");
	assert_int_equal(l.inos[1], b->ino);
	file_put(sf);

	/* Type mismatches and non-empty targets. */
	struct inode *e = mk(a, "empty", S_IFDIR | 0755), *full = mk(a, "full", S_IFDIR | 0755);
	inode_put(mk(full, "x", S_IFREG | 0644));
	assert_int_equal(b->ops->rename(b, "sub", a, "full", 0), -ENOTEMPTY);
	assert_int_equal(b->ops->rename(b, "sub", b, "h", 0), -ENOTDIR);
	assert_int_equal(b->ops->rename(b, "h", a, "empty", 0), -EISDIR);
	/* A directory over an empty one replaces it. */
	assert_int_equal(b->ops->rename(b, "sub", a, "empty", 0), 0);
	assert_int_equal(st_of(e).st_nlink, 0);
	assert_int_equal(st_of(a).st_nlink, 4); /* "empty" (now sub) and "full" */
	assert_int_equal(st_of(b).st_nlink, 2);
	inode_put(e);

	/* EXCHANGE: a file and a directory swap places across directories. */
	assert_int_equal(a->ops->rename(a, "empty", b, "h", RENAME_EXCHANGE), 0);
	x = look(a, "empty");
	assert_ptr_equal(x, g);
	inode_put(x);
	x = look(b, "h");
	assert_ptr_equal(x, sub);
	inode_put(x);
	assert_int_equal(st_of(a).st_nlink, 3);
	assert_int_equal(st_of(b).st_nlink, 3);
	sf = op(sub, O_RDONLY);
	memset(&l, 0, sizeof(l));
	while (list_some(sf, 4096, &l) > 0)
		;
	assert_int_equal(l.inos[1], b->ino);
	file_put(sf);
	assert_int_equal(a->ops->rename(a, "empty", b, "missing", RENAME_EXCHANGE), -ENOENT);

	struct inode *other = new_fs(0, 0);
	assert_int_equal(a->ops->rename(a, "empty", other, "x", 0), -EXDEV);
	inode_put(other);

	inode_put(sub);
	inode_put(full);
	inode_put(g);
	inode_put(f);
	inode_put(a);
	inode_put(b);
	inode_put(root);
}

/* --- attributes ------------------------------------------------------------------------------ */

static void test_setattr_symlink(void **state)
{
	struct inode *root = new_fs(0, 0);
	struct inode *f = mk(root, "f", S_IFREG | 0644);
	struct stat before = st_of(f);
	struct timespec pause = {0, 2000000};
	nanosleep(&pause, NULL);
	struct vfs_setattr sa = {
	    .mask = SA_MODE | SA_UID | SA_GID, .mode = 04711, .uid = 5, .gid = 6};
	assert_int_equal(f->ops->setattr(f, &sa), 0);
	struct stat st = st_of(f);
	assert_int_equal(st.st_mode, S_IFREG | 04711);
	assert_int_equal(f->mode, S_IFREG | 04711);
	assert_int_equal(st.st_uid, 5);
	assert_int_equal(st.st_gid, 6);
	assert_true(st.st_ctim.tv_sec > before.st_ctim.tv_sec ||
		    st.st_ctim.tv_nsec != before.st_ctim.tv_nsec);
	assert_memory_equal(&st.st_mtim, &before.st_mtim, sizeof(st.st_mtim));

	sa = (struct vfs_setattr){
	    .mask = SA_ATIME | SA_MTIME, .atime = {1000, 5}, .mtime = {.tv_nsec = UTIME_OMIT}};
	assert_int_equal(f->ops->setattr(f, &sa), 0);
	st = st_of(f);
	assert_int_equal(st.st_atim.tv_sec, 1000);
	assert_int_equal(st.st_atim.tv_nsec, 5);
	assert_memory_equal(&st.st_mtim, &before.st_mtim, sizeof(st.st_mtim));
	sa = (struct vfs_setattr){
	    .mask = SA_MTIME | SA_CTIME, .mtime = {2000, 0}, .ctime = {3000, 0}};
	assert_int_equal(f->ops->setattr(f, &sa), 0);
	st = st_of(f);
	assert_int_equal(st.st_mtim.tv_sec, 2000);
	assert_int_equal(st.st_ctim.tv_sec, 3000);
	/* Truncating to the same size changes nothing (truncate(2)); another size stamps. */
	assert_int_equal(truncate_to(f, 0), 0);
	assert_int_equal(st_of(f).st_mtim.tv_sec, 2000);
	assert_int_equal(truncate_to(f, 1), 0);
	assert_true(st_of(f).st_mtim.tv_sec > 2000);

	/* Symlinks. */
	struct inode *l = NULL;
	assert_int_equal(root->ops->symlink(root, "l", "some/target", &root_owner, &l), 0);
	st = st_of(l);
	assert_int_equal(st.st_mode, S_IFLNK | 0777);
	assert_int_equal(st.st_size, 11);
	char buf[64];
	assert_int_equal(l->ops->readlink(l, buf, sizeof(buf)), 11);
	assert_memory_equal(buf, "some/target", 11);
	assert_int_equal(l->ops->readlink(l, buf, 4), 4);
	assert_int_equal(f->ops->readlink(f, buf, sizeof(buf)), -EINVAL);
	struct file *lf;
	assert_int_equal(open_err(l, O_RDONLY, &lf), -ELOOP);
	struct inode *x;
	assert_int_equal(root->ops->symlink(root, "l", "t", &root_owner, &x), -EEXIST);
	assert_int_equal(root->ops->symlink(root, "e", "", &root_owner, &x), -ENOENT);
	char *longt = malloc(5000);
	memset(longt, 'a', 4999);
	longt[4999] = 0;
	assert_int_equal(root->ops->symlink(root, "long", longt, &root_owner, &x), -ENAMETOOLONG);
	free(longt);

	inode_put(l);
	inode_put(f);
	inode_put(root);
}

static void test_xattrs(void **state)
{
	struct inode *root = new_fs(0, 0);
	struct inode *f = mk(root, "f", S_IFREG | 0644), *l = NULL;
	assert_int_equal(root->ops->symlink(root, "l", "f", &root_owner, &l), 0);
	char buf[256];
	static char huge[65537];

	assert_int_equal(f->ops->getxattr(f, "user.a", buf, sizeof(buf)), -ENODATA);
	assert_int_equal(f->ops->setxattr(f, "user.a", "one", 3, 0), 0);
	assert_int_equal(f->ops->setxattr(f, "trusted.overlay.opaque", "y", 1, 0), 0);
	assert_int_equal(f->ops->getxattr(f, "user.a", NULL, 0), 3);
	assert_int_equal(f->ops->getxattr(f, "user.a", buf, 2), -ERANGE);
	assert_int_equal(f->ops->getxattr(f, "user.a", buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "one", 3);
	/* CREATE and REPLACE. */
	assert_int_equal(f->ops->setxattr(f, "user.a", "two", 3, XATTR_CREATE), -EEXIST);
	assert_int_equal(f->ops->setxattr(f, "user.b", "two", 3, XATTR_REPLACE), -ENODATA);
	assert_int_equal(f->ops->setxattr(f, "user.a", "three", 5, XATTR_REPLACE), 0);
	assert_int_equal(f->ops->getxattr(f, "user.a", buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "three", 5);
	assert_int_equal(f->ops->setxattr(f, "user.empty", NULL, 0, XATTR_CREATE), 0);
	assert_int_equal(f->ops->getxattr(f, "user.empty", buf, sizeof(buf)), 0);
	/* Names and sizes. */
	assert_int_equal(f->ops->setxattr(f, "security.x", "v", 1, 0), -EOPNOTSUPP);
	assert_int_equal(f->ops->setxattr(f, "other", "v", 1, 0), -EOPNOTSUPP);
	assert_int_equal(f->ops->getxattr(f, "system.posix_acl_access", buf, 8), -EOPNOTSUPP);
	assert_int_equal(f->ops->setxattr(f, "user.", "v", 1, 0), -EINVAL);
	assert_int_equal(f->ops->setxattr(f, "user.big", huge, sizeof(huge), 0), -E2BIG);
	assert_int_equal(f->ops->setxattr(f, "user.max", huge, sizeof(huge) - 1, 0), 0);
	assert_int_equal(f->ops->removexattr(f, "user.max"), 0);
	/* The list, in the order the names came. */
	const char want[] = "user.a\0trusted.overlay.opaque\0user.empty";
	assert_int_equal(f->ops->listxattr(f, NULL, 0), sizeof(want));
	assert_int_equal(f->ops->listxattr(f, buf, 5), -ERANGE);
	assert_int_equal(f->ops->listxattr(f, buf, sizeof(buf)), sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(f->ops->removexattr(f, "user.a"), 0);
	assert_int_equal(f->ops->removexattr(f, "user.a"), -ENODATA);
	assert_int_equal(f->ops->getxattr(f, "user.a", buf, sizeof(buf)), -ENODATA);
	/* user.* only on files and directories; trusted.* anywhere. */
	assert_int_equal(l->ops->setxattr(l, "user.a", "v", 1, 0), -EPERM);
	assert_int_equal(l->ops->getxattr(l, "user.a", buf, sizeof(buf)), -ENODATA);
	assert_int_equal(l->ops->removexattr(l, "user.a"), -EPERM);
	assert_int_equal(l->ops->setxattr(l, "trusted.a", "v", 1, 0), 0);
	assert_int_equal(root->ops->setxattr(root, "user.d", "v", 1, 0), 0);
	inode_put(l);
	inode_put(f);
	inode_put(root);
}

/* --- FIFOs and special files ---------------------------------------------------------------- */

struct fake_task {
	struct task t;
	struct inode *ino;
	int flags;
	int ret;
	struct file *f;
};

static struct fake_task *fake_new(struct inode *ino, int flags)
{
	struct fake_task *ft = calloc(1, sizeof(*ft));
	assert_non_null(ft);
	pthread_mutex_init(&ft->t.sig_lock, NULL);
	ft->ino = ino;
	ft->flags = flags;
	return ft;
}

static void fake_free(struct fake_task *ft)
{
	if (ft->f)
		file_put(ft->f);
	pthread_mutex_destroy(&ft->t.sig_lock);
	free(ft);
}

static void *opener_thread(void *arg)
{
	struct fake_task *ft = arg;
	task_set_current(&ft->t);
	ft->ret = open_err(ft->ino, ft->flags, &ft->f);
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

static void test_fifo(void **state)
{
	struct inode *root = new_fs(0, 0), *p = NULL;
	assert_int_equal(root->ops->create(root, "fifo", S_IFIFO | 0644, 0, &root_owner, &p), 0);
	struct file *r, *w, *rw;
	char buf[16];
	/* Without a task nothing waits: a writer needs a reader already there. */
	assert_int_equal(open_err(p, O_WRONLY | O_NONBLOCK, &w), -ENXIO);
	assert_int_equal(open_err(p, O_WRONLY, &w), -ENXIO);
	r = op(p, O_RDONLY | O_NONBLOCK);
	assert_true(file_is_pipe(r));
	assert_int_equal(rd(r, buf, sizeof(buf)), 0); /* no writer: EOF */
	w = op(p, O_WRONLY | O_NONBLOCK);
	assert_int_equal(wr(w, "abc", 3), 3);
	assert_int_equal(rd(r, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "abc", 3);
	/* fstat is the tmpfs inode's. */
	struct stat st;
	assert_int_equal(r->ops->fstat(r, &st), 0);
	assert_int_equal(st.st_ino, p->ino);
	assert_int_equal(st.st_dev, p->dev);
	assert_true(S_ISFIFO(st.st_mode));
	/* What is left unread goes with the last close. */
	assert_int_equal(wr(w, "left", 4), 4);
	file_put(w);
	file_put(r);
	rw = op(p, O_RDWR);
	assert_int_equal(rd(rw, buf, sizeof(buf)), -EAGAIN);
	file_put(rw);

	/* A blocking reader waits for a writer... */
	struct fake_task *ft = fake_new(p, O_RDONLY);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, opener_thread, ft), 0);
	wait_until_blocked(ft);
	w = op(p, O_WRONLY | O_NONBLOCK);
	pthread_join(th, NULL);
	assert_int_equal(ft->ret, 0);
	assert_int_equal(wr(w, "x", 1), 1);
	assert_int_equal(rd(ft->f, buf, sizeof(buf)), 1);
	fake_free(ft);
	file_put(w);

	/* ... and a blocking writer for a reader. */
	ft = fake_new(p, O_WRONLY);
	assert_int_equal(pthread_create(&th, NULL, opener_thread, ft), 0);
	wait_until_blocked(ft);
	r = op(p, O_RDONLY | O_NONBLOCK);
	pthread_join(th, NULL);
	assert_int_equal(ft->ret, 0);
	fake_free(ft);
	file_put(r);

	/* A signal ends the wait, and the half-opened end is not counted. */
	ft = fake_new(p, O_RDONLY);
	assert_int_equal(pthread_create(&th, NULL, opener_thread, ft), 0);
	wait_until_blocked(ft);
	signal_send(&ft->t, SIGUSR2, NULL);
	pthread_join(th, NULL);
	assert_int_equal(ft->ret, -EINTR);
	fake_free(ft);
	assert_int_equal(open_err(p, O_WRONLY | O_NONBLOCK, &w), -ENXIO);
	ft = fake_new(p, O_WRONLY);
	assert_int_equal(pthread_create(&th, NULL, opener_thread, ft), 0);
	wait_until_blocked(ft);
	signal_send(&ft->t, SIGUSR2, NULL);
	pthread_join(th, NULL);
	assert_int_equal(ft->ret, -EINTR);
	fake_free(ft);
	r = op(p, O_RDONLY | O_NONBLOCK);
	assert_int_equal(rd(r, buf, sizeof(buf)), 0); /* no writer left behind */
	file_put(r);

	inode_put(p);
	inode_put(root);
}

static void test_special_opens(void **state)
{
	struct inode *root = new_fs(0, 0), *b = NULL, *s = NULL, *c = NULL;
	struct file *f;
	assert_int_equal(
	    root->ops->create(root, "blk", S_IFBLK | 0600, makedev(8, 0), &root_owner, &b), 0);
	assert_int_equal(root->ops->create(root, "sock", S_IFSOCK | 0600, 0, &root_owner, &s), 0);
	assert_int_equal(
	    root->ops->create(root, "chr", S_IFCHR | 0600, makedev(250, 250), &root_owner, &c), 0);
	assert_int_equal(open_err(b, O_RDONLY, &f), -ENXIO);
	assert_int_equal(open_err(s, O_RDONLY, &f), -ENXIO);
	assert_int_equal(open_err(c, O_RDONLY, &f), -ENXIO); /* a number with no driver */
	inode_put(b);
	inode_put(s);
	inode_put(c);
	inode_put(root);
}

/* A deep tree goes with its root without deep recursion (freeing is queued). */
static void test_deep_tree_release(void **state)
{
	struct inode *root = new_fs(0, 0), *d = root;
	inode_get(d);
	for (int i = 0; i < 50000; i++) {
		struct inode *next = mk(d, "d", S_IFDIR | 0755);
		if (i % 7 == 0)
			inode_put(mk(d, "f", S_IFREG | 0644));
		inode_put(d);
		d = next;
	}
	inode_put(d);
	inode_put(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_create_lookup_getattr),
	    cmocka_unit_test(test_write_read),
	    cmocka_unit_test(test_sparse_truncate),
	    cmocka_unit_test(test_size_limit),
	    cmocka_unit_test(test_inode_limit),
	    cmocka_unit_test(test_link_unlink),
	    cmocka_unit_test(test_rmdir),
	    cmocka_unit_test(test_getdents),
	    cmocka_unit_test(test_rename),
	    cmocka_unit_test(test_setattr_symlink),
	    cmocka_unit_test(test_xattrs),
	    cmocka_unit_test(test_fifo),
	    cmocka_unit_test(test_special_opens),
	    cmocka_unit_test(test_deep_tree_release),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
