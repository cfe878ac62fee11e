/*
 * ELF parsing for execve: reads and validates the headers of an executable (or of its
 * interpreter) and describes what must be mapped. Nothing is mapped here.
 *
 * The file is hostile: every field is bounded before it is used, nothing is allocated from an
 * unchecked size, and each rejection comes with a one-line reason for the log.
 *
 * Errors: -ENOEXEC for a malformed or foreign file. -EINVAL for the conditions Linux itself
 * reports as EINVAL (a PT_LOAD with p_filesz > p_memsz, a PT_LOAD reaching past the top of
 * user space, a PT_LOAD whose vaddr and offset are not congruent modulo the page size, which
 * Linux's mmap refuses). -EIO when the file reads short of its size, -ENOMEM, or the errno the
 * read callback returned.
 */
#ifndef CVISOR_ELF_H
#define CVISOR_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGS 32
/* Linux's TASK_SIZE on x86_64 (47-bit user space less the guard page): no segment may reach
 * past it. */
#define ELF_USER_END 0x7ffffffff000ULL
/* The default vm.mmap_min_addr: an ET_EXEC cannot be mapped below it. */
#define ELF_MMAP_MIN_ADDR 0x10000ULL

struct elf_seg {
	uint64_t vaddr, memsz, filesz, offset;
	int prot; /* PROT_READ|PROT_WRITE|PROT_EXEC */
};

struct elf_image {
	int type;	/* ET_EXEC or ET_DYN */
	uint64_t entry; /* e_entry (unbiased) */
	uint64_t phoff;
	uint16_t phnum, phentsize;
	/* vaddr of the program headers in memory (PT_PHDR, or derived from the PT_LOAD that
	 * covers phoff), 0 if not mapped */
	uint64_t phdr_vaddr;
	uint64_t lo, hi; /* page-aligned span of all PT_LOAD segments (lo rounded down, hi up) */
	/* Largest power-of-two p_align of the PT_LOADs, at least 4096: Linux aligns the load bias
	 * of an ET_DYN to it. */
	uint64_t align;
	int nsegs;
	struct elf_seg segs[ELF_MAX_SEGS]; /* sorted by vaddr, not overlapping */
	bool has_interp;
	char interp[4096]; /* PT_INTERP path, NUL-terminated, absolute, no embedded NUL */
	bool exec_stack;   /* PT_GNU_STACK has PF_X */
};

/* Reads len bytes at off from the file; returns bytes read (short at EOF) or -errno. */
typedef long (*elf_read_fn)(void *ctx, void *buf, size_t len, uint64_t off);

/*
 * Parses and validates the ELF file of file_size bytes that read reads. Returns 0 and fills
 * *out, or a negative errno (see above) and writes a one-line reason into err (errlen bytes;
 * err may be NULL). *out is meaningful only on success.
 */
int elf_parse(elf_read_fn read, void *ctx, uint64_t file_size, struct elf_image *out, char *err,
	      size_t errlen);

#endif
