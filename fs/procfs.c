/*
 * procfs: inodes, directories and the generated-file machinery (see fs/procfs_internal.h
 * for the design). The contents live in procfs_pid.c, procfs_maps.c, procfs_fd.c and
 * procfs_sys.c.
 *
 * Inode numbers are stable per (pid, thread, entry, fd): the tgid in bits 42-63, the tid in
 * bits 20-41 (pids stay below Linux's 2^22), the entry's slot or the fd in bits 0-19.
 */
#define _GNU_SOURCE
#include "fs/procfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

#include "fs/namei_internal.h"
#include "fs/procfs_internal.h"

/* fd entries' part of the inode number: after the per-pid slots, two per fd (fd, fdinfo). */
#define FD_SLOT_BASE 64u
#define SLOT_MASK    ((1u << 20) - 1)

/* --- text being rendered ---------------------------------------------------------------- */

static bool pb_reserve(struct pbuf *b, size_t more)
{
	if (b->err)
		return false;
	if (more > PROC_CONTENT_MAX - b->len) {
		b->err = -EFBIG;
		return false;
	}
	if (b->len + more <= b->cap)
		return true;
	size_t ncap = b->cap ? b->cap : 4096;
	while (ncap < b->len + more)
		ncap *= 2;
	char *n = realloc(b->data, ncap);
	if (!n) {
		b->err = -ENOMEM;
		return false;
	}
	b->data = n;
	b->cap = ncap;
	return true;
}

void pb_write(struct pbuf *b, const void *p, size_t n)
{
	if (n && pb_reserve(b, n)) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
	}
}

void pb_puts(struct pbuf *b, const char *s)
{
	pb_write(b, s, strlen(s));
}

void pb_printf(struct pbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0 || !pb_reserve(b, (size_t)n + 1))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

long proc_parse_num(const char *name)
{
	long v = 0;
	if (!name[0] || (name[0] == '0' && name[1]))
		return -1;
	for (const char *c = name; *c; c++) {
		if (*c < '0' || *c > '9' || v > (INT_MAX - (*c - '0')) / 10)
			return -1;
		v = v * 10 + (*c - '0');
	}
	return v;
}

/* --- inodes ------------------------------------------------------------------------------ */

static const struct inode_ops proc_inode_ops;
static const struct file_ops proc_file_ops;
static const struct file_ops proc_dir_ops;

static uint64_t node_ino(const struct proc_node *n)
{
	uint64_t low;
	switch (n->ent->kind) {
	case PK_FD_LINK:
		low = FD_SLOT_BASE + 2u * (unsigned)n->fd;
		break;
	case PK_FDINFO:
		low = FD_SLOT_BASE + 2u * (unsigned)n->fd + 1;
		break;
	case PK_FD_REOPEN: {
		/* A name, not a number: an FNV-1a hash of it, above every fd's. */
		uint32_t h = 2166136261u;
		for (const char *c = n->name; *c; c++)
			h = (h ^ (uint8_t)*c) * 16777619u;
		low = (h | 0x80000u) & SLOT_MASK;
		break;
	}
	default:
		low = n->ent->slot;
	}
	return ((uint64_t)n->tgid << 42) | ((uint64_t)n->tid << 20) | (low & SLOT_MASK);
}

struct inode *proc_inode_new(struct procfs *fs, const struct proc_entry *ent, pid_t tgid, pid_t tid,
			     int fd, const char *name, mode_t mode)
{
	struct proc_node *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->fs = fs;
	n->ent = ent;
	n->tgid = tgid;
	n->tid = tid;
	n->fd = fd;
	if (name && !(n->name = strdup(name))) {
		free(n);
		return NULL;
	}
	clock_gettime(CLOCK_REALTIME, &n->ctime);
	struct inode *ino = inode_new(&proc_inode_ops, mode ? mode : ent->mode, n);
	if (!ino) {
		free(n->name);
		free(n);
		return NULL;
	}
	__atomic_add_fetch(&fs->refs, 1, __ATOMIC_RELAXED);
	ino->ino = node_ino(n);
	ino->dev = PROCFS_DEV;
	return ino;
}

static const struct proc_node *NODE(const struct inode *ino)
{
	return ino->priv;
}

static bool is_dir_kind(enum proc_kind k)
{
	return k == PK_DIR || k == PK_ROOT || k == PK_TASKS || k == PK_FDS || k == PK_FDINFOS;
}

static int make(const struct proc_node *d, const struct proc_entry *ent, pid_t tgid, pid_t tid,
		int fd, const char *name, mode_t mode, struct inode **out)
{
	*out = proc_inode_new(d->fs, ent, tgid, tid, fd, name, mode);
	return *out ? 0 : -ENOMEM;
}

/* What following fd/<N> reaches for a file with no path: the link text names it. */
static mode_t reopen_mode(const char *name)
{
	if (strncmp(name, "pipe:", 5) == 0)
		return S_IFIFO | 0600;
	if (strncmp(name, "socket:", 7) == 0)
		return S_IFSOCK | 0777;
	return S_IFREG | 0600;
}

/* The dentry cache calls this under its own lock, so only the process table's lock is
 * taken here (never an fd table's: fd tables come before the dentry cache in the lock
 * order). An fd entry is made without looking at the fd table: it answers ENOENT from
 * getattr, readlink and open when the fd is not open. */
static int proc_lookup(struct inode *dir, const char *name, struct inode **out)
{
	const struct proc_node *d = NODE(dir);
	const struct proc_entry *e = d->ent;
	long num = proc_parse_num(name);
	uid_t uid;
	gid_t gid;

	if (d->tgid && proc_owner(d, &uid, &gid) < 0)
		return -ENOENT;
	switch (e->kind) {
	case PK_ROOT:
	case PK_DIR:
		for (size_t i = 0; i < e->nchildren; i++)
			if (strcmp(e->children[i].name, name) == 0)
				return make(d, &e->children[i], d->tgid, d->tid, 0, NULL, 0, out);
		if (e->kind == PK_ROOT && num > 0) {
			struct proc_node probe = {.fs = d->fs, .tgid = (pid_t)num};
			if (proc_owner(&probe, &uid, &gid) == 0)
				return make(d, &proc_pid_entry, (pid_t)num, 0, 0, NULL, 0, out);
			/* A thread id that is no process's: Linux shows /proc/<tid> too. */
			pid_t tg = proc_tgid_of(d->fs, (pid_t)num);
			if (tg > 0)
				return make(d, &proc_pid_entry, tg, (pid_t)num, 0, NULL, 0, out);
		}
		return -ENOENT;
	case PK_TASKS:
		if (num > 0) {
			struct proc_node probe = {.fs = d->fs, .tgid = d->tgid, .tid = (pid_t)num};
			if (proc_owner(&probe, &uid, &gid) == 0)
				return make(d, &proc_tid_entry, d->tgid, (pid_t)num, 0, NULL, 0,
					    out);
		}
		return -ENOENT;
	case PK_FDS:
		if (num >= 0 && num < (long)(SLOT_MASK - FD_SLOT_BASE) / 2)
			return make(d, &proc_fd_link_entry, d->tgid, d->tid, (int)num, NULL, 0,
				    out);
		if (strchr(name, ':'))
			return make(d, &proc_fd_reopen_entry, d->tgid, d->tid, -1, name,
				    reopen_mode(name), out);
		return -ENOENT;
	case PK_FDINFOS:
		if (num >= 0 && num < (long)(SLOT_MASK - FD_SLOT_BASE) / 2)
			return make(d, &proc_fdinfo_entry, d->tgid, d->tid, (int)num, NULL, 0, out);
		return -ENOENT;
	default:
		return -ENOTDIR;
	}
}

static int proc_getattr(struct inode *ino, struct stat *st)
{
	const struct proc_node *n = NODE(ino);
	uid_t uid = 0;
	gid_t gid = 0;
	int err;
	memset(st, 0, sizeof(*st));
	if (n->tgid && (err = proc_owner(n, &uid, &gid)) < 0)
		return err;
	st->st_mode = ino->mode;
	st->st_size = 0;
	switch (n->ent->kind) {
	case PK_FD_LINK: {
		int rw;
		if ((err = proc_fd_stat(n, &rw)) < 0)
			return err;
		/* lr-x, l-wx or lrwx, as the fd was opened; Linux gives fd links the size 64. */
		st->st_mode = S_IFLNK | 0100 | (mode_t)(rw << 6);
		st->st_size = 64;
		break;
	}
	case PK_FDINFO:
		if ((err = proc_fd_stat(n, NULL)) < 0)
			return err;
		break;
	case PK_FD_REOPEN:
		/* Where following fd/<N> led: the file's own attributes, as Linux's. */
		return proc_fd_reopen_getattr(n, st);
	case PK_FDS: {
		/* Linux (since 6.2) gives fd/ the number of open fds as its size. */
		int *fds;
		size_t count;
		if (proc_list_fds(n, &fds, &count) == 0) {
			st->st_size = (off_t)count;
			free(fds);
		}
		break;
	}
	default:
		break;
	}
	st->st_dev = PROCFS_DEV;
	st->st_ino = ino->ino;
	st->st_nlink = is_dir_kind(n->ent->kind) ? 2 : 1;
	st->st_uid = uid;
	st->st_gid = gid;
	st->st_blksize = 1024;
	st->st_atim = st->st_mtim = st->st_ctim = n->ctime;
	return 0;
}

/* The generic mode-bit check (fs/namei.c's), after Linux's sysctl rule: a read-only sysctl
 * is not writable even by root. */
static int proc_permission(struct inode *ino, int mask, const struct task *t)
{
	const struct proc_node *n = NODE(ino);
	struct stat st;
	if ((mask & MAY_WRITE) && n->ent->sysctl)
		return -EACCES;
	int err = proc_getattr(ino, &st);
	if (err < 0)
		return err;
	if (!t || t->cred.fsuid == 0) {
		if ((mask & MAY_EXEC) && !S_ISDIR(st.st_mode) && !(st.st_mode & 0111))
			return -EACCES;
		return 0;
	}
	mode_t bits;
	if (st.st_uid == t->cred.fsuid)
		bits = (st.st_mode >> 6) & 7;
	else if (cred_in_group(t, st.st_gid))
		bits = (st.st_mode >> 3) & 7;
	else
		bits = st.st_mode & 7;
	return ((unsigned)mask & ~bits) ? -EACCES : 0;
}

static long proc_readlink(struct inode *ino, char *buf, size_t cap)
{
	const struct proc_node *n = NODE(ino);
	struct task *caller = task_current();
	if (n->ent->kind == PK_FD_LINK)
		return proc_fd_readlink(n, caller, buf, cap);
	if (n->ent->kind != PK_LINK || !n->ent->readlink)
		return -EINVAL;
	if (n->tgid) {
		uid_t uid;
		gid_t gid;
		if (proc_owner(n, &uid, &gid) < 0)
			return -ENOENT;
	}
	return n->ent->readlink(n, caller, buf, cap);
}

/* The contents of an open generated file. */
struct proc_content {
	char *data;
	size_t len;
};

/* A directory listing, taken when a listing starts (position 0). */
struct proc_dirent {
	char name[24];
	uint64_t ino;
	unsigned char type;
};
struct proc_listing {
	struct proc_dirent *v;
	size_t n;
};

static int proc_open(struct inode *ino, struct file *f)
{
	const struct proc_node *n = NODE(ino);
	struct task *caller = task_current();
	switch (n->ent->kind) {
	case PK_DIR:
	case PK_ROOT:
	case PK_TASKS:
	case PK_FDS:
	case PK_FDINFOS:
		f->priv = calloc(1, sizeof(struct proc_listing));
		if (!f->priv)
			return -ENOMEM;
		f->ops = &proc_dir_ops;
		return 0;
	case PK_FD_REOPEN:
		return proc_fd_reopen_open(n, f);
	case PK_FILE:
	case PK_FDINFO:
		break;
	default:
		return -ENXIO;
	}
	struct pbuf b = {0};
	/* A write-only open (comm) renders nothing: what would be read is never read. */
	if ((f->flags & O_ACCMODE) != O_WRONLY) {
		int err = n->ent->kind == PK_FDINFO ? proc_render_fdinfo(n, caller, &b)
						    : n->ent->render(n, caller, &b);
		if (err == 0)
			err = b.err;
		if (err < 0) {
			free(b.data);
			return err;
		}
	}
	struct proc_content *c = malloc(sizeof(*c));
	if (!c) {
		free(b.data);
		return -ENOMEM;
	}
	c->data = b.data;
	c->len = b.len;
	f->priv = c;
	f->ops = &proc_file_ops;
	return 0;
}

static int proc_statfs(struct inode *ino, struct statfs *st)
{
	memset(st, 0, sizeof(*st));
	st->f_type = PROC_SUPER_MAGIC_K;
	st->f_bsize = 4096;
	st->f_frsize = 4096;
	st->f_namelen = 255;
	st->f_flags = ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_RELATIME;
	return 0;
}

/* Nothing here can be created, linked or renamed: Linux's procfs answers ENOENT (its lookup
 * fails before the operation is tried). Removing answers EPERM (no method: the VFS's). */
static int proc_create(struct inode *dir, const char *name, mode_t mode, dev_t rdev,
		       const struct vfs_owner *who, struct inode **out)
{
	return -ENOENT;
}

static int proc_symlink(struct inode *dir, const char *name, const char *target,
			const struct vfs_owner *who, struct inode **out)
{
	return -ENOENT;
}

static int proc_link(struct inode *dir, const char *name, struct inode *target)
{
	return -ENOENT;
}

static int proc_rename(struct inode *odir, const char *oname, struct inode *ndir, const char *nname,
		       unsigned flags)
{
	return -ENOENT;
}

/* Truncation and new times are accepted and change nothing (every file reads as size 0, as
 * Linux's, and an O_TRUNC open must work); mode and owner changes are refused. */
static int proc_setattr(struct inode *ino, const struct vfs_setattr *sa)
{
	return (sa->mask & (SA_MODE | SA_UID | SA_GID)) ? -EPERM : 0;
}

static void proc_release_inode(struct inode *ino)
{
	struct proc_node *n = ino->priv;
	/* The instance goes with its last inode: file descriptions may outlive the mount. */
	if (__atomic_sub_fetch(&n->fs->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(n->fs);
	free(n->name);
	free(n);
}

static const struct inode_ops proc_inode_ops = {
    .lookup = proc_lookup,
    .getattr = proc_getattr,
    .readlink = proc_readlink,
    .open = proc_open,
    .permission = proc_permission,
    .statfs = proc_statfs,
    .release = proc_release_inode,
    .create = proc_create,
    .symlink = proc_symlink,
    .link = proc_link,
    .rename = proc_rename,
    .setattr = proc_setattr,
};

/* --- generated files --------------------------------------------------------------------- */

static long proc_read(struct file *f, void *buf, size_t len, int64_t *off)
{
	struct proc_content *c = f->priv;
	int64_t pos = off ? *off : 0;
	if (pos < 0)
		return -EINVAL;
	if ((uint64_t)pos >= c->len)
		return 0;
	size_t n = c->len - (size_t)pos < len ? c->len - (size_t)pos : len;
	memcpy(buf, c->data + pos, n);
	if (off)
		*off += (int64_t)n;
	return (long)n;
}

static long proc_write(struct file *f, const void *buf, size_t len, int64_t *off)
{
	const struct proc_node *n = NODE(f->inode);
	if (n->ent->write)
		return n->ent->write(n, task_current(), buf, len);
	return n->tgid ? -EINVAL : -EIO;
}

/* Linux's seq_lseek: from the start or the current position; SEEK_END is EINVAL. */
static int64_t proc_llseek(struct file *f, int64_t off, int whence)
{
	int64_t pos;
	if (whence == SEEK_SET)
		pos = off;
	else if (whence == SEEK_CUR && !__builtin_add_overflow(f->pos, off, &pos))
		;
	else
		return -EINVAL;
	return pos < 0 ? -EINVAL : pos;
}

static int proc_fstat(struct file *f, struct stat *st)
{
	return proc_getattr(f->inode, st);
}

static void proc_release_file(struct file *f)
{
	struct proc_content *c = f->priv;
	if (c)
		free(c->data);
	free(c);
}

static const struct file_ops proc_file_ops = {
    .read = proc_read,
    .write = proc_write,
    .llseek = proc_llseek,
    .fstat = proc_fstat,
    .release = proc_release_file,
};

/* --- directories ------------------------------------------------------------------------- */

static int listing_add(struct proc_listing *l, size_t *cap, const char *name, uint64_t ino,
		       unsigned char type)
{
	if (l->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 32;
		struct proc_dirent *v = realloc(l->v, ncap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		*cap = ncap;
	}
	struct proc_dirent *e = &l->v[l->n++];
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->ino = ino;
	e->type = type;
	return 0;
}

static unsigned char dtype_of(mode_t mode)
{
	return S_ISDIR(mode) ? DT_DIR : S_ISLNK(mode) ? DT_LNK : DT_REG;
}

static uint64_t ino_of(const struct proc_node *d, const struct proc_entry *e, pid_t tgid, pid_t tid,
		       int fd)
{
	struct proc_node n = {.fs = d->fs, .ent = e, .tgid = tgid, .tid = tid, .fd = fd};
	return node_ino(&n);
}

/* Everything a listing of the directory f shows, "." and ".." first. */
static int build_listing(struct file *f, struct proc_listing *l)
{
	const struct proc_node *d = NODE(f->inode);
	const struct proc_entry *e = d->ent;
	size_t cap = 0;
	char num[16];
	int err = 0;
	uint64_t self = f->inode->ino;
	uint64_t up = f->path.dentry ? f->path.dentry->parent->inode->ino : self;

	if ((err = listing_add(l, &cap, ".", self, DT_DIR)) < 0 ||
	    (err = listing_add(l, &cap, "..", up, DT_DIR)) < 0)
		return err;
	for (size_t i = 0; i < e->nchildren && err == 0; i++) {
		const struct proc_entry *c = &e->children[i];
		err = listing_add(l, &cap, c->name, ino_of(d, c, d->tgid, d->tid, 0),
				  dtype_of(c->mode));
	}
	if (err < 0 || e->kind == PK_DIR)
		return err;
	if (e->kind == PK_ROOT || e->kind == PK_TASKS) {
		pid_t *pids;
		size_t n;
		err = proc_list_pids(d->fs, e->kind == PK_TASKS ? d->tgid : 0, &pids, &n);
		if (err < 0)
			return err == -ENOENT ? 0 : err;
		for (size_t i = 0; err == 0 && i < n; i++) {
			snprintf(num, sizeof(num), "%d", (int)pids[i]);
			uint64_t ino = e->kind == PK_ROOT
					   ? ino_of(d, &proc_pid_entry, pids[i], 0, 0)
					   : ino_of(d, &proc_tid_entry, d->tgid, pids[i], 0);
			err = listing_add(l, &cap, num, ino, DT_DIR);
		}
		free(pids);
		return err;
	}
	/* fd/ and fdinfo/ */
	int *fds;
	size_t n;
	bool links = e->kind == PK_FDS;
	err = proc_list_fds(d, &fds, &n);
	if (err < 0)
		return err == -ENOENT || err == -ESRCH ? 0 : err;
	for (size_t i = 0; err == 0 && i < n; i++) {
		snprintf(num, sizeof(num), "%d", fds[i]);
		err = listing_add(l, &cap, num,
				  ino_of(d, links ? &proc_fd_link_entry : &proc_fdinfo_entry,
					 d->tgid, d->tid, fds[i]),
				  links ? DT_LNK : DT_REG);
	}
	free(fds);
	return err;
}

static long proc_getdents(struct file *f, struct dir_emit *de)
{
	struct proc_listing *l = f->priv;
	size_t used = 0;
	if (f->pos == 0) {
		/* A listing (re)starts: take a fresh one, as a rewinddir sees processes come
		 * and go. */
		free(l->v);
		l->v = NULL;
		l->n = 0;
		int err = build_listing(f, l);
		if (err < 0)
			return err;
	}
	while (f->pos >= 0 && (size_t)f->pos < l->n) {
		const struct proc_dirent *e = &l->v[f->pos];
		size_t reclen =
		    (offsetof(struct dirent64, d_name) + strlen(e->name) + 1 + 7) & ~7UL;
		if (used + reclen > de->cap)
			break;
		struct dirent64 *d = (struct dirent64 *)(de->buf + used);
		memset(d, 0, reclen);
		d->d_ino = e->ino;
		d->d_off = f->pos + 1;
		d->d_reclen = (unsigned short)reclen;
		d->d_type = e->type;
		strcpy(d->d_name, e->name);
		used += reclen;
		f->pos++;
	}
	if (!used && f->pos >= 0 && (size_t)f->pos < l->n)
		return -EINVAL; /* not even one entry fits */
	de->used = used;
	return (long)used;
}

static void proc_release_dir(struct file *f)
{
	struct proc_listing *l = f->priv;
	if (l)
		free(l->v);
	free(l);
}

static long proc_dir_read(struct file *f, void *buf, size_t len, int64_t *off)
{
	return -EISDIR;
}

static const struct file_ops proc_dir_ops = {
    .read = proc_dir_read,
    .getdents = proc_getdents,
    .llseek = proc_llseek,
    .fstat = proc_fstat,
    .release = proc_release_dir,
};

/* --- the mount ------------------------------------------------------------------------- */

static void make_boot_id(char out[37])
{
	uint8_t r[16];
	if (getrandom(r, sizeof(r), 0) != sizeof(r))
		memset(r, 0x5a, sizeof(r));
	r[6] = (r[6] & 0x0f) | 0x40; /* a version 4 (random) UUID */
	r[8] = (r[8] & 0x3f) | 0x80;
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12],
		 r[13], r[14], r[15]);
}

int procfs_mount(struct sandbox *sb, struct mount **out)
{
	struct procfs *fs = calloc(1, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	fs->sb = sb;
	clock_gettime(CLOCK_REALTIME, &fs->mount_time);
	make_boot_id(fs->boot_id);
	struct inode *root = proc_inode_new(fs, &proc_root_entry, 0, 0, 0, NULL, 0);
	if (!root) {
		free(fs);
		return -ENOMEM;
	}
	/* From here the root inode holds the instance (proc_release_inode frees it). */
	return mount_from_root_inode(root, MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME, out);
}
