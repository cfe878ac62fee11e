#define _GNU_SOURCE
#include "sentry/mm.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "fs/vfs.h"
#include "sentry/task.h"

struct mm *mm_new(void)
{
	return calloc(1, sizeof(struct mm));
}

void mm_free(struct mm *mm)
{
	free(mm);
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
		err = t->pl->poke(t->as, addr, buf, (size_t)n);
		if (err < 0)
			break;
		addr += (uint64_t)n;
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	free(buf);
	return err;
}
