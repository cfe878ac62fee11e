/*
 * /proc/<pid>/fd and fdinfo.
 *
 * fd/<N> is a symlink: its text is the guest path of the file (as the reader sees it),
 * "pipe:[ino]", "socket:[ino]", or for the caller's stdio that cvisor passes in (host files
 * with no guest path) "/dev/null" and friends when they are such devices, "/dev/pts/<n>" for a
 * terminal, else "host:[ino]" (gVisor's name for such files).
 *
 * The walk follows symlinks by their text, so following fd/<N> reaches its file's path
 * again: the same file when it has one. A pathless file's text is relative ("pipe:[5]"),
 * so following it looks that name up in the same fd/ directory, and that lookup gives an
 * inode that opens the file anew: a guest pipe's other or same end through fifo_open (as
 * Linux opens /proc/<pid>/fd/<N> of a pipe), a host file of the caller as a second file
 * description sharing the first's host state (like a dup: host offset and O_NONBLOCK are
 * shared). Sockets answer ENXIO, as in Linux. "/dev/pts/<n>" reaches the guest's /dev/pts,
 * which has no terminals yet (ENOENT).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/pipe.h"
#include "fs/procfs_internal.h"

/* Linux's kernel O_CLOEXEC bit as fdinfo shows it. */
#define O_CLOEXEC_K 02000000
/* The mount id given to files on no mount (Linux's pipefs and anon_inode mounts). */
#define ANON_MNT_ID 0

const struct proc_entry proc_fd_link_entry = {
    .name = "", .kind = PK_FD_LINK, .mode = S_IFLNK | 0700};
const struct proc_entry proc_fdinfo_entry = {.name = "", .kind = PK_FDINFO, .mode = S_IFREG | 0444};
const struct proc_entry proc_fd_reopen_entry = {
    .name = "", .kind = PK_FD_REOPEN, .mode = S_IFREG | 0600};

/* The file at fd of the node's process, referenced. check: Linux's access rule for fd/
 * (ptrace-like). */
static int node_file(const struct proc_node *n, struct task *caller, int fd, bool check,
		     struct file **out, bool *cloexec)
{
	struct proc_view v;
	int err = proc_view_get(n, caller, PV_FILES, &v);
	if (err < 0)
		return err;
	if (check && !proc_may_access(caller, &v))
		err = -EACCES;
	else if (!v.fdt || !(*out = fd_get(v.fdt, fd)))
		err = -ENOENT;
	else if (cloexec)
		*cloexec = fd_get_cloexec(v.fdt, fd) > 0;
	proc_view_put(&v);
	return err;
}

int proc_list_fds(const struct proc_node *n, int **out, size_t *count)
{
	struct proc_view v;
	int err = proc_view_get(n, NULL, PV_FILES, &v);
	if (err < 0)
		return err;
	size_t k = 0;
	int *fds = NULL;
	if (v.fdt) {
		pthread_mutex_lock(&v.fdt->lock);
		fds = malloc((v.fdt->cap ? (size_t)v.fdt->cap : 1) * sizeof(*fds));
		for (int i = 0; fds && i < v.fdt->cap; i++)
			if (v.fdt->files[i])
				fds[k++] = i;
		pthread_mutex_unlock(&v.fdt->lock);
	} else {
		fds = malloc(sizeof(*fds));
	}
	proc_view_put(&v);
	if (!fds)
		return -ENOMEM;
	*out = fds;
	*count = k;
	return 0;
}

int proc_fd_stat(const struct proc_node *n, int *rw)
{
	struct file *f;
	int err = node_file(n, NULL, n->fd, false, &f, NULL);
	if (err < 0)
		return err;
	if (rw) {
		int acc = f->flags & O_ACCMODE;
		*rw =
		    (f->flags & O_PATH) ? 0 : (acc != O_WRONLY ? 4 : 0) | (acc != O_RDONLY ? 2 : 0);
	}
	file_put(f);
	return 0;
}

/* The name of a terminal or memory device the caller's stdio may be. */
static bool device_name(dev_t rdev, char *buf, size_t cap)
{
	unsigned ma = major(rdev), mi = minor(rdev);
	static const struct {
		unsigned major, minor;
		const char *name;
	} devs[] = {
	    {1, 3, "/dev/null"},    {1, 5, "/dev/zero"},    {1, 7, "/dev/full"},
	    {1, 8, "/dev/random"},  {1, 9, "/dev/urandom"}, {5, 0, "/dev/tty"},
	    {5, 1, "/dev/console"}, {5, 2, "/dev/ptmx"},
	};
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		if (devs[i].major == ma && devs[i].minor == mi) {
			snprintf(buf, cap, "%s", devs[i].name);
			return true;
		}
	}
	if (ma >= 136 && ma <= 143) { /* Unix98 pty slaves */
		snprintf(buf, cap, "/dev/pts/%u", (ma - 136) * 256 + mi);
		return true;
	}
	return false;
}

/* The link text of f; its length, or -errno. */
static long link_text(struct file *f, const struct path *root, char *buf, size_t cap)
{
	struct stat st;
	if (f->path.dentry && f->path.mnt)
		return path_to_string(&f->path, root, buf, cap);
	if (!f->ops || !f->ops->fstat || f->ops->fstat(f, &st) < 0)
		return snprintf(buf, cap, "anon_inode:[unknown]");
	if (file_is_pipe(f) || S_ISFIFO(st.st_mode))
		return snprintf(buf, cap, "pipe:[%llu]", (unsigned long long)st.st_ino);
	if (S_ISSOCK(st.st_mode))
		return snprintf(buf, cap, "socket:[%llu]", (unsigned long long)st.st_ino);
	if (S_ISCHR(st.st_mode) && device_name(st.st_rdev, buf, cap))
		return (long)strlen(buf);
	return snprintf(buf, cap, "host:[%llu]", (unsigned long long)st.st_ino);
}

long proc_fd_readlink(const struct proc_node *n, struct task *caller, char *buf, size_t cap)
{
	struct file *f;
	struct path root;
	long r = node_file(n, caller, n->fd, true, &f, NULL);
	if (r < 0)
		return r;
	char *tmp = malloc(PATH_MAX);
	if (!tmp) {
		file_put(f);
		return -ENOMEM;
	}
	proc_reader_root(caller, &root);
	r = link_text(f, &root, tmp, PATH_MAX);
	path_put(&root);
	file_put(f);
	if (r >= PATH_MAX)
		r = -ENAMETOOLONG;
	if (r > (long)cap)
		r = (long)cap;
	if (r > 0)
		memcpy(buf, tmp, (size_t)r);
	free(tmp);
	return r;
}

int proc_file_mnt_id(const struct file *f)
{
	return f->path.mnt ? mount_list_id(f->path.mnt) : ANON_MNT_ID;
}

int proc_render_fdinfo(const struct proc_node *n, struct task *caller, struct pbuf *b)
{
	struct file *f;
	bool cloexec = false;
	struct stat st = {0};
	int err = node_file(n, caller, n->fd, true, &f, &cloexec);
	if (err < 0)
		return err;
	if (f->ops && f->ops->fstat)
		f->ops->fstat(f, &st);
	else if (f->inode)
		vfs_getattr(f->inode, &st);
	int64_t pos = __atomic_load_n(&f->pos, __ATOMIC_RELAXED);
	pb_printf(b, "pos:\t%lld\nflags:\t0%o\nmnt_id:\t%d\nino:\t%llu\n", (long long)pos,
		  (unsigned)(f->flags | (cloexec ? O_CLOEXEC_K : 0)), proc_file_mnt_id(f),
		  (unsigned long long)st.st_ino);
	file_put(f);
	return 0;
}

/* --- following fd/<N> of a file with no path ---------------------------------------------- */

/* The pathless file of n's process whose link text is n->name, referenced. */
static int find_by_text(const struct proc_node *n, struct task *caller, struct file **out)
{
	struct proc_view v;
	char text[64];
	int err = proc_view_get(n, caller, PV_FILES, &v);
	if (err < 0)
		return err;
	err = -ENOENT;
	if (!proc_may_access(caller, &v))
		err = -EACCES;
	for (int fd = 0; v.fdt && err == -ENOENT; fd++) {
		pthread_mutex_lock(&v.fdt->lock);
		int cap = v.fdt->cap;
		pthread_mutex_unlock(&v.fdt->lock);
		if (fd >= cap)
			break;
		struct file *f = fd_get(v.fdt, fd);
		if (!f)
			continue;
		if (!f->path.dentry && link_text(f, NULL, text, sizeof(text)) > 0 &&
		    strcmp(text, n->name) == 0) {
			*out = f;
			err = 0;
		} else {
			file_put(f);
		}
	}
	proc_view_put(&v);
	return err;
}

int proc_fd_reopen_getattr(const struct proc_node *n, struct stat *st)
{
	struct file *f;
	int err = find_by_text(n, task_current(), &f);
	if (err < 0)
		return err;
	if (f->ops && f->ops->fstat)
		err = f->ops->fstat(f, st);
	file_put(f);
	return err;
}

/* A second file description over a host file of the caller's stdio: every call goes to the
 * first one (which holds the host fd). */
static long proxy_read(struct file *f, void *buf, size_t len, int64_t *off)
{
	struct file *g = f->priv;
	return g->ops->read ? g->ops->read(g, buf, len, off) : -EINVAL;
}

static long proxy_write(struct file *f, const void *buf, size_t len, int64_t *off)
{
	struct file *g = f->priv;
	return g->ops->write ? g->ops->write(g, buf, len, off) : -EINVAL;
}

static int64_t proxy_llseek(struct file *f, int64_t off, int whence)
{
	struct file *g = f->priv;
	return g->ops->llseek ? g->ops->llseek(g, off, whence) : -ESPIPE;
}

static long proxy_ioctl(struct file *f, struct task *t, unsigned long cmd, uint64_t arg)
{
	struct file *g = f->priv;
	return g->ops->ioctl ? g->ops->ioctl(g, t, cmd, arg) : -ENOTTY;
}

static int proxy_fstat(struct file *f, struct stat *st)
{
	struct file *g = f->priv;
	return g->ops->fstat ? g->ops->fstat(g, st) : -EBADF;
}

static unsigned proxy_poll(struct file *f, int *host_fd)
{
	struct file *g = f->priv;
	return g->ops->poll ? g->ops->poll(g, host_fd) : 0;
}

static void proxy_release(struct file *f)
{
	file_put(f->priv);
}

static const struct file_ops proxy_ops = {
    .read = proxy_read,
    .write = proxy_write,
    .llseek = proxy_llseek,
    .ioctl = proxy_ioctl,
    .fstat = proxy_fstat,
    .poll = proxy_poll,
    .release = proxy_release,
};

int proc_fd_reopen_open(const struct proc_node *n, struct file *f)
{
	struct file *g;
	int err = find_by_text(n, task_current(), &g);
	if (err < 0)
		return err;
	if (file_is_pipe(g)) {
		/* A pipe file's priv is its struct pipe (fs/pipe.c; fifo_open sets it so):
		 * opening it again is opening a FIFO on it, as Linux does. g is held until
		 * then, so the pipe cannot go meanwhile. Linux's fifo_open never waits for a
		 * partner on an anonymous pipe (its is_pipe case); fs/pipe.c's always would,
		 * so the open is made as a non-blocking one (the one difference: a write-only
		 * open with no reader left gets ENXIO instead of a file whose writes fail). */
		int flags = f->flags;
		f->flags |= O_NONBLOCK;
		err = fifo_open(g->priv, f);
		f->flags = flags;
		file_put(g);
		return err;
	}
	if (strncmp(n->name, "pipe:", 5) != 0 && strncmp(n->name, "host:", 5) != 0) {
		file_put(g);
		return -ENXIO; /* sockets, anonymous inodes: Linux refuses them too */
	}
	int want = f->flags & O_ACCMODE, has = g->flags & O_ACCMODE;
	if ((want != has && has != O_RDWR) || !g->ops) {
		/* More access than the first file has would need a real reopen. */
		file_put(g);
		return -ENXIO;
	}
	f->ops = &proxy_ops;
	f->priv = g;
	f->stream = g->stream;
	return 0;
}
