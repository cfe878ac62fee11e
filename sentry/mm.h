/*
 * The guest address space, as the Sentry sees it.
 *
 * Guest mappings are host mappings in the stub, made by host calls the Sentry injects with
 * arguments it chose and checked (platform host_syscall). The host kernel is the allocator
 * of addresses and gives copy-on-write; file-backed private mappings are anonymous host
 * memory filled from the Sentry's file at map time. The stub's own page is off limits: no
 * guest mmap, munmap, mprotect or mremap may touch it (it holds the gadget the Sentry runs
 * host calls through).
 */
#ifndef CVISOR_MM_H
#define CVISOR_MM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct task;
struct file;

#define GUEST_PAGE_SIZE	 4096UL
#define PAGE_DOWN(x)	 ((x) & ~(GUEST_PAGE_SIZE - 1))
#define PAGE_UP(x)	 (((x) + GUEST_PAGE_SIZE - 1) & ~(GUEST_PAGE_SIZE - 1))
#define GUEST_TOP	 0x7ffffffff000ULL /* TASK_SIZE: the end of user space */
#define STUB_REGION_LO	 0x7e0000000000ULL /* the stub's image (see CMakeLists.txt) */
#define STUB_REGION_HI	 0x7e0000010000ULL
#define GUEST_STACK_SIZE (8UL << 20)

/* A file-backed range. Host memory under it is anonymous, so the Sentry remembers where
 * its bytes come from (to refill on MADV_DONTNEED, to grow it on mremap) and whether it may
 * ever be writable (a shared map of a file opened read-only: mprotect(PROT_WRITE) fails). */
struct file_vma {
	uint64_t start, end;
	struct file *file;
	uint64_t off; /* file offset of start */
	bool shared, maywrite;
};

struct mm {
	int refs;		 /* tasks sharing it (CLONE_VM) */
	pthread_mutex_t lock;	 /* serializes the memory syscalls of the threads sharing it */
	uint64_t brk_start, brk; /* the program break: start and current end */
	uint64_t stack_top;
	uint64_t vdso;
	struct file_vma *vmas; /* sorted by start, not overlapping */
	size_t nvmas, capvmas;
};

struct mm *mm_new(void);
void mm_free(struct mm *mm); /* drops a reference; the last one frees */
void mm_get(struct mm *mm);

/* A copy for fork (file references taken); NULL on allocation failure. */
struct mm *mm_fork(const struct mm *mm);

/* File-backed range bookkeeping (see struct file_vma). */
int mm_vma_add(struct mm *mm, uint64_t start, uint64_t end, struct file *f, uint64_t off,
	       bool shared, bool maywrite);
void mm_vma_remove(struct mm *mm, uint64_t start, uint64_t end);
/* True when some page of [start, end) may never become writable. */
bool mm_vma_write_forbidden(const struct mm *mm, uint64_t start, uint64_t end);
/* Refills the file-backed pages of [start, end) from their files (after MADV_DONTNEED). */
int mm_vma_refill(struct task *t, uint64_t start, uint64_t end);

/* True when [addr, addr+len) overlaps the stub's region (or wraps). */
bool mm_range_forbidden(uint64_t addr, uint64_t len);

/* Host mmap of anonymous memory in the task's address space; returns the address or -errno. */
long mm_map_anon(struct task *t, uint64_t addr, uint64_t len, int prot, int flags);
long mm_protect(struct task *t, uint64_t addr, uint64_t len, int prot);
long mm_unmap(struct task *t, uint64_t addr, uint64_t len);
/* Copies len bytes of f at off into guest memory at addr (through any protection);
 * bytes past the end of the file are left as they are (zero in fresh memory). */
int mm_fill_from_file(struct task *t, uint64_t addr, struct file *f, uint64_t off, uint64_t len);

#endif
