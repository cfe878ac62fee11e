/* brk, mmap, munmap, mprotect, mremap, madvise: see sentry/mm.h for the model. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "fs/memfd.h"
#include "fs/vfs.h"
#include "sentry/log.h"
#include "sentry/mm.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

/* From the kernel's uapi headers, which glibc's <sys/mman.h> leaves out. */
#ifndef PROT_SEM
#define PROT_SEM 0x8
#endif
#ifndef MAP_UNINITIALIZED
#define MAP_UNINITIALIZED 0x4000000
#endif

static long brk_locked(struct task *t, const uint64_t a[6])
{
	struct mm *mm = t->mm;
	uint64_t want = a[0];
	uint64_t old_end = PAGE_UP(mm->brk), new_end = PAGE_UP(want);

	if (want < mm->brk_start || want >= GUEST_TOP)
		return (long)mm->brk;
	if (new_end > old_end) {
		long r = mm_map_anon(t, old_end, new_end - old_end, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_FIXED_NOREPLACE);
		if (r < 0)
			return (long)mm->brk; /* no room: Linux reports failure as the old break */
	} else if (new_end < old_end) {
		mm_unmap(t, new_end, old_end - new_end);
	}
	mm->brk = want;
	return (long)want;
}

#define MAP_KNOWN                                                                                  \
	(MAP_SHARED | MAP_PRIVATE | MAP_SHARED_VALIDATE | MAP_FIXED | MAP_ANONYMOUS | MAP_32BIT |  \
	 MAP_GROWSDOWN | MAP_DENYWRITE | MAP_EXECUTABLE | MAP_LOCKED | MAP_NORESERVE |             \
	 MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB | MAP_SYNC | MAP_FIXED_NOREPLACE |  \
	 MAP_UNINITIALIZED | (0x3fU << MAP_HUGE_SHIFT))
/* What the host is asked for: the placement flags and harmless hints, nothing else. */
#define MAP_TO_HOST                                                                                \
	(MAP_PRIVATE | MAP_SHARED | MAP_FIXED | MAP_FIXED_NOREPLACE | MAP_32BIT | MAP_GROWSDOWN |  \
	 MAP_NORESERVE | MAP_POPULATE | MAP_STACK)

static int map_file(struct task *t, uint64_t addr, uint64_t len, int prot, int flags, int fd,
		    uint64_t off, long *out)
{
	struct file *f = fd_get(t->fdt, fd);
	struct stat st;
	int err;
	if (!f)
		return -EBADF;
	int acc = f->flags & O_ACCMODE;
	if ((f->flags & O_PATH) || !f->ops || !f->ops->read || f->stream) {
		err = (f->flags & O_PATH) ? -EBADF : -ENODEV;
		goto out;
	}
	if (acc == O_WRONLY) {
		err = -EACCES;
		goto out;
	}
	if (f->ops->fstat && f->ops->fstat(f, &st) == 0 && !S_ISREG(st.st_mode)) {
		err = -ENODEV;
		goto out;
	}
	bool shared = (flags & MAP_TYPE) != MAP_PRIVATE;
	if (shared && (prot & PROT_WRITE) && acc != O_RDWR) {
		err = -EACCES; /* a shared writable map needs a file open for reading and writing */
		goto out;
	}
	/* Shared maps of files with host pages (tmpfs, host files): the very pages, so stores
	 * and read/write see each other, across processes too. */
	int hfd = shared && f->ops->host_fd ? f->ops->host_fd(f) : -ENODEV;
	if (hfd >= 0) {
		long r = mm_map_host_fd(t, addr, len, prot, flags & MAP_TO_HOST, hfd, off);
		if (r < 0) {
			err = (int)r;
			goto out;
		}
		err =
		    mm_vma_add(t->mm, (uint64_t)r, (uint64_t)r + len, f, off, true, acc == O_RDWR);
		if (err < 0) {
			mm_unmap(t, (uint64_t)r, len);
			goto out;
		}
		mm_vma_mark_host(t->mm, (uint64_t)r, (uint64_t)r + len);
		*out = r;
		goto out;
	}
	if (shared && (prot & PROT_WRITE)) {
		err = -ENODEV; /* no pages to share: a file type that cannot be mapped so */
		goto out;
	}
	/* Shared read-only maps of read-only files read the same as private copies. */
	long r = mm_map_anon(t, addr, len, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | (flags & MAP_TO_HOST & ~MAP_SHARED));
	if (r < 0) {
		err = (int)r;
		goto out;
	}
	err = mm_fill_from_file(t, (uint64_t)r, f, off, len);
	if (err == 0 && prot != (PROT_READ | PROT_WRITE))
		err = (int)mm_protect(t, (uint64_t)r, len, prot);
	if (err == 0)
		err = mm_vma_add(t->mm, (uint64_t)r, (uint64_t)r + len, f, off, shared,
				 !shared || acc == O_RDWR);
	if (err < 0)
		mm_unmap(t, (uint64_t)r, len);
	else
		*out = r;
out:
	file_put(f);
	return err;
}

/* Shared anonymous memory is, as in Linux, an unlinked in-memory file ("/dev/zero
 * (deleted)" in maps): its pages are shared across fork by the host, and a shared futex in
 * it has the same key in every process that maps it. */
static long map_shared_anon(struct task *t, uint64_t addr, uint64_t len, int prot, int flags)
{
	static const struct vfs_owner root = {0, 0};
	struct file *f;
	int err = memfd_file_new("dev/zero", 0600, &root, &f);
	if (err < 0)
		return err;
	struct vfs_setattr sa = {.mask = SA_SIZE, .size = (int64_t)len};
	err = f->inode->ops->setattr(f->inode, &sa);
	int hfd = err == 0 ? f->ops->host_fd(f) : err;
	long r = hfd < 0 ? hfd : mm_map_host_fd(t, addr, len, prot, flags & MAP_TO_HOST, hfd, 0);
	if (r >= 0) {
		err = mm_vma_add(t->mm, (uint64_t)r, (uint64_t)r + len, f, 0, true, true);
		if (err < 0) {
			mm_unmap(t, (uint64_t)r, len);
			r = err;
		} else {
			mm_vma_mark_host(t->mm, (uint64_t)r, (uint64_t)r + len);
		}
	}
	file_put(f);
	return r;
}

static long mmap_locked(struct task *t, const uint64_t a[6])
{
	uint64_t addr = a[0], len = a[1], off = a[5];
	int prot = (int)a[2], flags = (int)a[3], fd = (int)a[4];
	int type = flags & MAP_TYPE;

	if (len == 0 || (off & (GUEST_PAGE_SIZE - 1)))
		return -EINVAL;
	if (type != MAP_PRIVATE && type != MAP_SHARED && type != MAP_SHARED_VALIDATE)
		return -EINVAL;
	if (type == MAP_SHARED_VALIDATE && (flags & MAP_ANONYMOUS))
		return -EINVAL; /* anonymous memory knows only MAP_SHARED and MAP_PRIVATE */
	if (type == MAP_SHARED_VALIDATE && (flags & ~MAP_KNOWN))
		return -EOPNOTSUPP;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM | PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	prot &= PROT_READ | PROT_WRITE | PROT_EXEC;
	len = PAGE_UP(len);
	if (len == 0 || len > GUEST_TOP)
		return -ENOMEM;
	if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && (addr & (GUEST_PAGE_SIZE - 1)))
		return -EINVAL;
	if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && mm_range_forbidden(addr, len))
		return (flags & MAP_FIXED_NOREPLACE) ? -EEXIST : -ENOMEM;
	if (!(flags & MAP_ANONYMOUS) && off + len < off)
		return -EOVERFLOW;
	if (flags & MAP_HUGETLB) {
		log_info("mmap: MAP_HUGETLB refused");
		return -EINVAL;
	}
	if (type == MAP_SHARED_VALIDATE)
		flags = (flags & ~MAP_TYPE) | MAP_SHARED;
	if ((flags & MAP_ANONYMOUS) && (flags & MAP_TYPE) == MAP_SHARED)
		return map_shared_anon(t, addr, len, prot, flags);
	if (flags & MAP_ANONYMOUS) {
		long r = mm_map_anon(t, addr, len, prot, flags & MAP_TO_HOST);
		if (r >= 0)
			mm_vma_remove(t->mm, (uint64_t)r, (uint64_t)r + len);
		return r;
	}
	long r = 0;
	int err = map_file(t, addr, len, prot, flags, fd, off, &r);
	return err < 0 ? err : r;
}

static long munmap_locked(struct task *t, const uint64_t a[6])
{
	uint64_t addr = a[0], len = PAGE_UP(a[1]);
	if ((addr & (GUEST_PAGE_SIZE - 1)) || a[1] == 0 || len == 0)
		return -EINVAL;
	if (mm_range_forbidden(addr, len))
		return -EINVAL;
	long r = mm_unmap(t, addr, len);
	if (r == 0)
		mm_vma_remove(t->mm, addr, addr + len);
	return r;
}

static long mprotect_locked(struct task *t, const uint64_t a[6])
{
	uint64_t addr = a[0], len = PAGE_UP(a[1]);
	int prot = (int)a[2];
	if (addr & (GUEST_PAGE_SIZE - 1))
		return -EINVAL;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM | PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	if (a[1] && len == 0)
		return -ENOMEM;
	if (mm_range_forbidden(addr, len))
		return -ENOMEM;
	if ((prot & PROT_WRITE) && mm_vma_write_forbidden(t->mm, addr, addr + len))
		return -EACCES; /* a shared map of a file opened read-only */
	return mm_protect(t, addr, len, prot & ~PROT_SEM);
}

/* Carries the file bookkeeping of a remapped range along; a grown file-backed range gets
 * the file's next bytes, as Linux maps more of the file. */
static void remap_file_vma(struct task *t, uint64_t old, uint64_t old_len, uint64_t new_addr,
			   uint64_t new_len, int flags)
{
	struct mm *mm = t->mm;
	struct file_vma v = {0};
	for (size_t i = 0; i < mm->nvmas; i++) {
		if (mm->vmas[i].start <= old && mm->vmas[i].end > old) {
			v = mm->vmas[i];
			break;
		}
	}
	if (!v.file)
		return;
	file_get(v.file);
	uint64_t off = v.off + (old - v.start);
	if (!(flags & MREMAP_DONTUNMAP))
		mm_vma_remove(mm, old, old + old_len);
	mm_vma_add(mm, new_addr, new_addr + new_len, v.file, off, v.shared, v.maywrite);
	if (v.host_backed) {
		mm_vma_mark_host(mm, new_addr, new_addr + new_len);
	} else if (new_len > old_len)
		mm_fill_from_file(t, new_addr + old_len, v.file, off + old_len, new_len - old_len);
	file_put(v.file);
}

static long mremap_locked(struct task *t, const uint64_t a[6])
{
	uint64_t old = a[0], old_len = PAGE_UP(a[1]), new_len = PAGE_UP(a[2]), new_addr = a[4];
	int flags = (int)a[3];
	if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP))
		return -EINVAL;
	if (old & (GUEST_PAGE_SIZE - 1))
		return -EINVAL;
	if (mm_range_forbidden(old, old_len))
		return -EFAULT;
	if ((flags & MREMAP_FIXED) && mm_range_forbidden(new_addr, new_len))
		return -EINVAL;
	/* Without MREMAP_FIXED the host picks the new place, never over an existing map. */
	long r = task_host_syscall(t, SYS_mremap, old, a[1], a[2], (uint64_t)flags, new_addr, 0);
	if (r >= 0 && mm_range_forbidden((uint64_t)r, new_len)) {
		log_error("mremap: host placed guest memory over the stub");
		return -ENOMEM;
	}
	if (r >= 0)
		remap_file_vma(t, old, old_len, (uint64_t)r, new_len, flags);
	return r;
}

static long madvise_locked(struct task *t, const uint64_t a[6])
{
	uint64_t addr = a[0], len = a[1];
	int advice = (int)a[2];
	if (addr & (GUEST_PAGE_SIZE - 1))
		return -EINVAL;
	if (PAGE_UP(len) < len || addr + PAGE_UP(len) < addr)
		return -EINVAL;
	if (mm_range_forbidden(addr, PAGE_UP(len)))
		return -ENOMEM;
	switch (advice) {
	case MADV_NORMAL:
	case MADV_RANDOM:
	case MADV_SEQUENTIAL:
	case MADV_WILLNEED:
	case MADV_DONTNEED:
	case MADV_FREE:
	case MADV_DONTFORK:
	case MADV_DOFORK:
	case MADV_DONTDUMP:
	case MADV_DODUMP:
	case MADV_HUGEPAGE:
	case MADV_NOHUGEPAGE:
	case MADV_COLD:
	case MADV_PAGEOUT:
	case MADV_POPULATE_READ:
	case MADV_POPULATE_WRITE:
	case MADV_WIPEONFORK:
	case MADV_KEEPONFORK: {
		long r = task_host_syscall(t, SYS_madvise, addr, len, (uint64_t)advice, 0, 0, 0);
		/* Dropped pages of a file map read the file again, as Linux's do. */
		if (r == 0 && (advice == MADV_DONTNEED || advice == MADV_FREE))
			r = mm_vma_refill(t, addr, addr + PAGE_UP(len));
		return r;
	}
	default:
		/* MADV_REMOVE, MADV_HWPOISON, MERGEABLE, ...: not for a guest. */
		return -EINVAL;
	}
}

/* msync: private and anonymous memory have nothing to write back, and shared file maps are
 * the file's own pages (tmpfs memfds, host files): the host checks the range and does the
 * rest. */
static long msync_locked(struct task *t, const uint64_t a[6])
{
	uint64_t addr = a[0], len = a[1];
	int flags = (int)a[2];
	if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC))
		return -EINVAL;
	if (addr & (GUEST_PAGE_SIZE - 1))
		return -EINVAL;
	if ((flags & MS_ASYNC) && (flags & MS_SYNC))
		return -EINVAL;
	if (mm_range_forbidden(addr, PAGE_UP(len)))
		return -ENOMEM;
	return task_host_syscall(t, SYS_msync, addr, len, (uint64_t)flags, 0, 0, 0);
}

/* Each memory syscall runs under its address space's lock: threads share the bookkeeping. */
#define LOCKED(name)                                                                               \
	long sys_##name(struct task *t, const uint64_t a[6])                                       \
	{                                                                                          \
		pthread_mutex_lock(&t->mm->lock);                                                  \
		long r = name##_locked(t, a);                                                      \
		pthread_mutex_unlock(&t->mm->lock);                                                \
		return r;                                                                          \
	}
LOCKED(brk)
LOCKED(mmap)
LOCKED(munmap)
LOCKED(mprotect)
LOCKED(mremap)
LOCKED(madvise)
LOCKED(msync)
