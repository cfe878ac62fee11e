/*
 * sysfs: the guest's /sys, minimal and read-only. Programs read a handful of its files (glibc's
 * get_nprocs reads devices/system/cpu/online; allocators read transparent_hugepage/enabled),
 * and everything else of the host's /sys describes host devices the guest must not see.
 *
 * The tree is static for the sandbox's life, so it is a tmpfs instance filled once at mount
 * time (the CPU lists copied from the host's, which are facts about the machine, not handles
 * to it) and mounted read-only.
 */
#define _GNU_SOURCE
#include "fs/sysfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "fs/tmpfs.h"

/* Reads a small host sysfs file (a CPU list) into buf; the fallback when it cannot. */
static void host_text(const char *path, const char *fallback, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, cap - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		snprintf(buf, cap, "%s", fallback);
	else
		buf[n] = 0;
}

/* Makes dir/name (a directory when text is NULL, else a 0444 file holding text). */
static int put(struct inode *dir, const char *name, const char *text, struct inode **out)
{
	static const struct vfs_owner root = {0, 0};
	struct inode *ino;
	int err;
	if (!text)
		return dir->ops->create(dir, name, S_IFDIR | 0755, 0, &root, out);
	err = dir->ops->create(dir, name, S_IFREG | 0444, 0, &root, &ino);
	if (err < 0)
		return err;
	struct file *f = file_new(NULL, O_WRONLY, NULL);
	if (!f) {
		inode_put(ino);
		return -ENOMEM;
	}
	f->inode = ino;
	inode_get(ino);
	err = ino->ops->open(ino, f);
	int64_t off = 0;
	if (err == 0 && f->ops->write(f, text, strlen(text), &off) != (long)strlen(text))
		err = -EIO;
	file_put(f);
	if (out && err == 0)
		*out = ino;
	else
		inode_put(ino);
	return err;
}

/* Makes the directories of path (relative, '/'-separated) under root; *out the last one. */
static int mkdirs(struct inode *root, const char *path, struct inode **out)
{
	char buf[256], *save = NULL;
	struct inode *cur = root, *next;
	int err = 0;
	snprintf(buf, sizeof(buf), "%s", path);
	inode_get(cur);
	for (char *c = strtok_r(buf, "/", &save); c && err == 0; c = strtok_r(NULL, "/", &save)) {
		err = cur->ops->lookup(cur, c, &next);
		if (err == -ENOENT)
			err = put(cur, c, NULL, &next);
		inode_put(cur);
		cur = err == 0 ? next : NULL;
	}
	if (err == 0)
		*out = cur;
	return err;
}

static int fill(struct inode *root)
{
	static const char *dirs[] = {"block",	 "bus",	      "class/net", "dev/block", "dev/char",
				     "firmware", "fs/cgroup", "kernel/mm", "module",	"power"};
	char online[256], possible[256], present[256], thp[128], path[64];
	struct inode *d;
	int err = 0;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && err == 0; i++) {
		err = mkdirs(root, dirs[i], &d);
		if (err == 0)
			inode_put(d);
	}
	if (err < 0)
		return err;
	host_text("/sys/devices/system/cpu/online", "0\n", online, sizeof(online));
	host_text("/sys/devices/system/cpu/possible", online, possible, sizeof(possible));
	host_text("/sys/devices/system/cpu/present", online, present, sizeof(present));
	host_text("/sys/kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n", thp,
		  sizeof(thp));
	err = mkdirs(root, "devices/system/cpu", &d);
	if (err < 0)
		return err;
	err = put(d, "online", online, NULL);
	if (err == 0)
		err = put(d, "possible", possible, NULL);
	if (err == 0)
		err = put(d, "present", present, NULL);
	/* One cpuN directory per possible CPU ("0-3,6": ranges and singles). */
	for (char *s = possible, *end; err == 0 && *s && *s != '\n'; s = end + (*end == ',')) {
		long lo = strtol(s, &end, 10), hi = lo;
		if (end == s)
			break;
		if (*end == '-')
			hi = strtol(end + 1, &end, 10);
		for (long c = lo; c <= hi && c < 4096 && err == 0; c++) {
			struct inode *cd;
			snprintf(path, sizeof(path), "cpu%ld", c);
			err = put(d, path, NULL, &cd);
			if (err == 0)
				inode_put(cd);
		}
	}
	inode_put(d);
	if (err == 0)
		err = mkdirs(root, "kernel/mm/transparent_hugepage", &d);
	if (err == 0) {
		err = put(d, "enabled", thp, NULL);
		inode_put(d);
	}
	return err;
}

int sysfs_mount(struct mount **out)
{
	struct tmpfs_opts o = {.size_limit = 1 << 20, .root_mode = 0555};
	struct inode *root;
	int err = tmpfs_new(&o, &root);
	if (err < 0)
		return err;
	err = fill(root);
	if (err < 0) {
		inode_put(root);
		return err;
	}
	return mount_from_root_inode(root, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, out);
}
