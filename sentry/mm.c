#define _GNU_SOURCE
#include "sentry/mm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "fs/vfs.h"
#include "sentry/task.h"

struct mm *mm_new(void)
{
	struct mm *mm = calloc(1, sizeof(struct mm));
	if (mm) {
		mm->refs = 1;
		pthread_mutex_init(&mm->lock, NULL);
	}
	return mm;
}

void mm_get(struct mm *mm)
{
	__atomic_add_fetch(&mm->refs, 1, __ATOMIC_RELAXED);
}

void mm_free(struct mm *mm)
{
	if (!mm || __atomic_sub_fetch(&mm->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (size_t i = 0; i < mm->nvmas; i++)
		file_put(mm->vmas[i].file);
	file_put(mm->exe_file);
	free(mm->vmas);
	pthread_mutex_destroy(&mm->lock);
	free(mm);
}

struct mm *mm_fork(const struct mm *mm)
{
	struct mm *c = malloc(sizeof(*c));
	if (!c)
		return NULL;
	*c = *mm;
	c->refs = 1;
	pthread_mutex_init(&c->lock, NULL);
	c->vmas = NULL;
	c->capvmas = c->nvmas;
	if (mm->nvmas) {
		c->vmas = malloc(mm->nvmas * sizeof(*c->vmas));
		if (!c->vmas) {
			free(c);
			return NULL;
		}
		memcpy(c->vmas, mm->vmas, mm->nvmas * sizeof(*c->vmas));
		for (size_t i = 0; i < c->nvmas; i++)
			file_get(c->vmas[i].file);
	}
	if (c->exe_file)
		file_get(c->exe_file);
	return c;
}

static int vma_insert_at(struct mm *mm, size_t i, const struct file_vma *v)
{
	if (mm->nvmas == mm->capvmas) {
		size_t ncap = mm->capvmas ? mm->capvmas * 2 : 16;
		struct file_vma *n = realloc(mm->vmas, ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		mm->vmas = n;
		mm->capvmas = ncap;
	}
	memmove(&mm->vmas[i + 1], &mm->vmas[i], (mm->nvmas - i) * sizeof(*v));
	mm->vmas[i] = *v;
	mm->nvmas++;
	return 0;
}

void mm_vma_remove(struct mm *mm, uint64_t start, uint64_t end)
{
	for (size_t i = 0; i < mm->nvmas;) {
		struct file_vma *v = &mm->vmas[i];
		if (v->end <= start || v->start >= end) {
			i++;
			continue;
		}
		if (v->start < start && v->end > end) {
			/* A hole in the middle: split in two. */
			struct file_vma tail = *v;
			tail.off += end - v->start;
			tail.start = end;
			v->end = start;
			file_get(tail.file);
			if (vma_insert_at(mm, i + 1, &tail) < 0)
				file_put(
				    tail.file); /* the tail is forgotten: it reads as anonymous */
			return;
		}
		if (v->start < start) {
			v->end = start;
			i++;
		} else if (v->end > end) {
			v->off += end - v->start;
			v->start = end;
			i++;
		} else {
			file_put(v->file);
			memmove(v, v + 1, (mm->nvmas - i - 1) * sizeof(*v));
			mm->nvmas--;
		}
	}
}

int mm_vma_add(struct mm *mm, uint64_t start, uint64_t end, struct file *f, uint64_t off,
	       bool shared, bool maywrite)
{
	struct file_vma v = {start, end, f, off, shared, maywrite, false};
	size_t i = 0;
	mm_vma_remove(mm, start, end);
	while (i < mm->nvmas && mm->vmas[i].start < start)
		i++;
	file_get(f);
	int err = vma_insert_at(mm, i, &v);
	if (err < 0)
		file_put(f);
	return err;
}

bool mm_vma_write_forbidden(const struct mm *mm, uint64_t start, uint64_t end)
{
	for (size_t i = 0; i < mm->nvmas; i++) {
		const struct file_vma *v = &mm->vmas[i];
		if (v->start < end && v->end > start && !v->maywrite)
			return true;
	}
	return false;
}

int mm_vma_refill(struct task *t, uint64_t start, uint64_t end)
{
	struct mm *mm = t->mm;
	for (size_t i = 0; i < mm->nvmas; i++) {
		const struct file_vma *v = &mm->vmas[i];
		uint64_t lo = v->start > start ? v->start : start;
		uint64_t hi = v->end < end ? v->end : end;
		if (lo >= hi || v->host_backed)
			continue;
		int err = mm_fill_from_file(t, lo, v->file, v->off + (lo - v->start), hi - lo);
		if (err < 0)
			return err;
	}
	return 0;
}

bool mm_shared_key(struct mm *mm, uint64_t addr, const void **obj, uint64_t *off)
{
	bool found = false;
	pthread_mutex_lock(&mm->lock);
	for (size_t i = 0; i < mm->nvmas; i++) {
		const struct file_vma *v = &mm->vmas[i];
		if (addr >= v->start && addr < v->end) {
			if (v->shared && v->host_backed && v->file->inode) {
				*obj = v->file->inode;
				*off = v->off + (addr - v->start);
				found = true;
			}
			break;
		}
	}
	pthread_mutex_unlock(&mm->lock);
	return found;
}

void mm_vma_mark_host(struct mm *mm, uint64_t start, uint64_t end)
{
	for (size_t i = 0; i < mm->nvmas; i++)
		if (mm->vmas[i].start >= start && mm->vmas[i].end <= end)
			mm->vmas[i].host_backed = true;
}

long mm_map_host_fd(struct task *t, uint64_t addr, uint64_t len, int prot, int flags, int host_fd,
		    uint64_t off)
{
	/* The stub cannot name the Sentry's fd: it fetches a duplicate through a pidfd of the
	 * Sentry, maps it, and drops both descriptors again. */
	long pidfd = task_host_syscall(t, SYS_pidfd_open, (uint64_t)getpid(), 0, 0, 0, 0, 0);
	if (pidfd < 0)
		return pidfd;
	long fd =
	    task_host_syscall(t, SYS_pidfd_getfd, (uint64_t)pidfd, (uint64_t)host_fd, 0, 0, 0, 0);
	task_host_syscall(t, SYS_close, (uint64_t)pidfd, 0, 0, 0, 0, 0);
	if (fd < 0)
		return fd;
	long r = task_host_syscall(t, SYS_mmap, addr, len, (uint64_t)prot, (uint64_t)flags,
				   (uint64_t)fd, off);
	task_host_syscall(t, SYS_close, (uint64_t)fd, 0, 0, 0, 0, 0);
	if (r >= 0 && mm_range_forbidden((uint64_t)r, len)) {
		task_host_syscall(t, SYS_munmap, (uint64_t)r, len, 0, 0, 0, 0);
		return -ENOMEM;
	}
	return r;
}

bool mm_range_forbidden(uint64_t addr, uint64_t len)
{
	uint64_t end = addr + len;
	if (end < addr)
		return true;
	return addr < STUB_REGION_HI && end > STUB_REGION_LO;
}

long mm_map_anon(struct task *t, uint64_t addr, uint64_t len, int prot, int flags)
{
	long r = task_host_syscall(t, SYS_mmap, addr, len, (uint64_t)prot,
				   (uint64_t)(flags | MAP_ANONYMOUS), (uint64_t)-1, 0);
	if (r < 0)
		return r;
	/* The host picks free addresses, never the stub's; a hint-less map cannot land there,
	 * but check anyway: the gadget page must stay the Sentry's. */
	if (mm_range_forbidden((uint64_t)r, len)) {
		task_host_syscall(t, SYS_munmap, (uint64_t)r, len, 0, 0, 0, 0);
		return -ENOMEM;
	}
	return r;
}

long mm_protect(struct task *t, uint64_t addr, uint64_t len, int prot)
{
	return task_host_syscall(t, SYS_mprotect, addr, len, (uint64_t)prot, 0, 0, 0);
}

long mm_unmap(struct task *t, uint64_t addr, uint64_t len)
{
	return task_host_syscall(t, SYS_munmap, addr, len, 0, 0, 0, 0);
}

int mm_fill_from_file(struct task *t, uint64_t addr, struct file *f, uint64_t off, uint64_t len)
{
	enum { CHUNK = 1 << 20 };
	char *buf;
	int err = 0;
	if (!f->ops || !f->ops->read)
		return -ENODEV;
	buf = malloc(len < CHUNK ? len : CHUNK);
	if (!buf)
		return -ENOMEM;
	while (len > 0) {
		size_t want = len < CHUNK ? len : CHUNK;
		int64_t pos = (int64_t)off;
		long n = f->ops->read(f, buf, want, &pos);
		if (n < 0) {
			err = (int)n;
			break;
		}
		if (n == 0)
			break; /* past the end of the file: the rest stays zero */
		err = t->pl->poke(t->th, addr, buf, (size_t)n);
		if (err < 0)
			break;
		addr += (uint64_t)n;
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	free(buf);
	return err;
}
