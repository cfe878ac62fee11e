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
#define STUB_REGION_LO	 0x7e0000000000ULL /* the stubs' images and memory (CMakeLists.txt, */
#define STUB_REGION_HI	 0x7e0004000000ULL /* platform/seccomp-trap/stub_abi.h) */
#define GUEST_STACK_SIZE (8UL << 20)

/* A file-backed range. Host memory under it is anonymous, so the Sentry remembers where
 * its bytes come from (to refill on MADV_DONTNEED, to grow it on mremap) and whether it may
 * ever be writable (a shared map of a file opened read-only: mprotect(PROT_WRITE) fails). */
struct file_vma {
	uint64_t start, end;
	struct file *file;
	uint64_t off; /* file offset of start */
	bool shared, maywrite;
	bool host_backed; /* a real host mapping of the file's pages (MAP_SHARED): no refills */
};

struct mm {
	int refs;		 /* tasks sharing it (CLONE_VM) */
	pthread_mutex_t lock;	 /* serializes the memory syscalls of the threads sharing it */
	uint64_t brk_start, brk; /* the program break: start and current end */
	uint64_t stack_top;
	uint64_t vdso;
	struct file_vma *vmas; /* sorted by start, not overlapping */
	size_t nvmas, capvmas;
	/* What execve laid out, for /proc/<pid>/cmdline, environ and exe: where the argument
	 * and environment strings are, and the program file (a reference; set under lock). */
	uint64_t arg_start, arg_end, env_start, env_end;
	struct file *exe_file;
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

/* For a shared futex: when addr lies in a shared file mapping (MAP_SHARED of a file, or
 * shared anonymous memory, which is a memfd underneath), the word's identity across address
 * spaces: the file's inode and the offset in it. False for private memory. Takes mm->lock. */
bool mm_shared_key(struct mm *mm, uint64_t addr, const void **obj, uint64_t *off);
/* Marks [start, end) as mapped straight from the file's host pages (see mm_map_host_fd). */
void mm_vma_mark_host(struct mm *mm, uint64_t start, uint64_t end);
/* A MAP_SHARED host mapping of the Sentry's host_fd (a tmpfs memfd, a host file) in the
 * task's address space: the stub takes its own copy of the fd (pidfd_getfd), maps it and
 * closes it. Returns the address or -errno. */
long mm_map_host_fd(struct task *t, uint64_t addr, uint64_t len, int prot, int flags, int host_fd,
		    uint64_t off);

/* Host mmap of anonymous memory in the task's address space; returns the address or -errno. */
long mm_map_anon(struct task *t, uint64_t addr, uint64_t len, int prot, int flags);
long mm_protect(struct task *t, uint64_t addr, uint64_t len, int prot);
long mm_unmap(struct task *t, uint64_t addr, uint64_t len);
/* Copies len bytes of f at off into guest memory at addr (through any protection);
 * bytes past the end of the file are left as they are (zero in fresh memory). */
int mm_fill_from_file(struct task *t, uint64_t addr, struct file *f, uint64_t off, uint64_t len);

#endif
