#define _GNU_SOURCE
#include "sentry/elf.h"

#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* The raw header is read by copying the file's bytes into an Elf64_Ehdr. */
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "sentry/elf.c reads ELFDATA2LSB headers in place and needs a little-endian host"
#endif

#define PAGE_SZ	  4096ULL
#define MAX_PHNUM 1024
#define PATH_MAX_ 4096 /* Linux's PATH_MAX: the bound on a PT_INTERP */

/* Phdr fields the checks below need, gathered once. */
struct parse_state {
	elf_read_fn read;
	void *ctx;
	uint64_t file_size;
	char *err;
	size_t errlen;
	int ninterp;
	GElf_Phdr interp; /* the PT_INTERP, read once every header has passed */
	bool has_pt_phdr;
	uint64_t pt_phdr_vaddr;
};

__attribute__((format(printf, 3, 4))) static int fail(struct parse_state *st, int rc,
						      const char *fmt, ...)
{
	if (st->err && st->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(st->err, st->errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* Reads exactly len bytes: a short read of a range already checked against the file size means
 * the file changed or failed under us, hence -EIO (as Linux's elf_read). */
static int read_exact(struct parse_state *st, void *buf, size_t len, uint64_t off, const char *what)
{
	long r = st->read(st->ctx, buf, len, off);
	if (r < 0 && r >= -4095)
		return fail(st, (int)r, "reading %s: %s", what, strerror((int)-r));
	if (r < 0 || (size_t)r > len)
		return fail(st, -EIO, "reading %s: read callback returned %ld", what, r);
	if ((size_t)r != len)
		return fail(st, -EIO, "reading %s: short read (%ld of %zu bytes at 0x%llx)", what,
			    r, len, (unsigned long long)off);
	return 0;
}

static pthread_once_t libelf_once = PTHREAD_ONCE_INIT;
static bool libelf_ok;

/* elf_version sets libelf-global state: do it once, not racily from every exec. */
static void libelf_init(void)
{
	libelf_ok = elf_version(EV_CURRENT) != EV_NONE;
}

/* The identification bytes, machine and type: everything that says "not for us". */
static int check_ident(struct parse_state *st, const Elf64_Ehdr *eh)
{
	const unsigned char *id = eh->e_ident;
	if (id[EI_CLASS] != ELFCLASS64)
		return fail(st, -ENOEXEC, "not a 64-bit ELF (EI_CLASS %u)", id[EI_CLASS]);
	if (id[EI_DATA] != ELFDATA2LSB)
		return fail(st, -ENOEXEC, "not a little-endian ELF (EI_DATA %u)", id[EI_DATA]);
	if (id[EI_VERSION] != EV_CURRENT)
		return fail(st, -ENOEXEC, "unknown ELF version (EI_VERSION %u)", id[EI_VERSION]);
	if (eh->e_machine != EM_X86_64)
		return fail(st, -ENOEXEC, "wrong machine %u (not EM_X86_64)", eh->e_machine);
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return fail(st, -ENOEXEC, "e_type %u is neither ET_EXEC nor ET_DYN", eh->e_type);
	return 0;
}

/* The program header table must be sane in size and lie inside the file. */
static int check_phtab(struct parse_state *st, const Elf64_Ehdr *eh)
{
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return fail(st, -ENOEXEC, "e_phentsize %u, expected %zu", eh->e_phentsize,
			    sizeof(Elf64_Phdr));
	if (eh->e_phnum == 0)
		return fail(st, -ENOEXEC, "no program headers (e_phnum 0)");
	if (eh->e_phnum > MAX_PHNUM)
		return fail(st, -ENOEXEC, "absurd phnum %u (max %d)", eh->e_phnum, MAX_PHNUM);
	uint64_t size = (uint64_t)eh->e_phnum * eh->e_phentsize, end;
	if (__builtin_add_overflow(eh->e_phoff, size, &end) || end > st->file_size)
		return fail(st, -ENOEXEC,
			    "program header table (0x%llx + 0x%llx) outside the %llu-byte file",
			    (unsigned long long)eh->e_phoff, (unsigned long long)size,
			    (unsigned long long)st->file_size);
	return 0;
}

/* Reads and checks the ELF header into *eh. */
static int read_ehdr(struct parse_state *st, Elf64_Ehdr *eh)
{
	memset(eh, 0, sizeof(*eh));
	size_t n = st->file_size < sizeof(*eh) ? (size_t)st->file_size : sizeof(*eh);
	int rc = read_exact(st, eh, n, 0, "ELF header");
	if (rc)
		return rc;
	if (n < SELFMAG || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
		return fail(st, -ENOEXEC, "not an ELF file (bad magic)");
	if (n < sizeof(*eh))
		return fail(st, -ENOEXEC, "truncated: %zu bytes, shorter than the ELF header", n);
	rc = check_ident(st, eh);
	if (rc)
		return rc;
	return check_phtab(st, eh);
}

/*
 * Reads the program header table and opens it with libelf. libelf sees a synthetic image, the
 * header followed by the table, with the section headers dropped: so the allocation is bounded
 * by MAX_PHNUM however far into the file e_phoff points, and libelf never looks at anything
 * this parser has not bounds-checked. *bufp must be freed after elf_end.
 */
static int open_phdrs(struct parse_state *st, const Elf64_Ehdr *eh, Elf **ep, char **bufp)
{
	size_t tab = (size_t)eh->e_phnum * eh->e_phentsize;
	char *buf = malloc(sizeof(*eh) + tab);
	if (!buf)
		return fail(st, -ENOMEM, "out of memory for %zu bytes of program headers", tab);
	Elf64_Ehdr syn = *eh;
	syn.e_phoff = sizeof(syn);
	syn.e_shoff = 0;
	syn.e_shnum = 0;
	syn.e_shstrndx = SHN_UNDEF;
	syn.e_shentsize = 0;
	memcpy(buf, &syn, sizeof(syn));
	int rc = read_exact(st, buf + sizeof(syn), tab, eh->e_phoff, "program headers");
	if (rc) {
		free(buf);
		return rc;
	}
	Elf *e = elf_memory(buf, sizeof(syn) + tab);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		rc = fail(st, -ENOEXEC, "libelf: %s", elf_errmsg(-1));
		if (e)
			elf_end(e);
		free(buf);
		return rc;
	}
	*ep = e;
	*bufp = buf;
	return 0;
}

static int prot_of(uint32_t flags)
{
	return ((flags & PF_R) ? PROT_READ : 0) | ((flags & PF_W) ? PROT_WRITE : 0) |
	       ((flags & PF_X) ? PROT_EXEC : 0);
}

/* One PT_LOAD in isolation: sizes, file range, address range, alignment. */
static int check_load_fields(struct parse_state *st, const GElf_Phdr *ph, int i)
{
	uint64_t fend, vend;
	if (ph->p_filesz > ph->p_memsz)
		return fail(st, -EINVAL, "PT_LOAD #%d: p_filesz 0x%llx > p_memsz 0x%llx", i,
			    (unsigned long long)ph->p_filesz, (unsigned long long)ph->p_memsz);
	if (__builtin_add_overflow(ph->p_offset, ph->p_filesz, &fend) || fend > st->file_size)
		return fail(st, -ENOEXEC,
			    "PT_LOAD #%d: file range 0x%llx + 0x%llx outside the %llu-byte file", i,
			    (unsigned long long)ph->p_offset, (unsigned long long)ph->p_filesz,
			    (unsigned long long)st->file_size);
	if (__builtin_add_overflow(ph->p_vaddr, ph->p_memsz, &vend) || vend > ELF_USER_END)
		return fail(st, -EINVAL, "PT_LOAD #%d: 0x%llx + 0x%llx reaches past user space", i,
			    (unsigned long long)ph->p_vaddr, (unsigned long long)ph->p_memsz);
	if (ph->p_vaddr % PAGE_SZ != ph->p_offset % PAGE_SZ)
		return fail(
		    st, -EINVAL,
		    "PT_LOAD #%d: vaddr 0x%llx and offset 0x%llx differ modulo the page size", i,
		    (unsigned long long)ph->p_vaddr, (unsigned long long)ph->p_offset);
	/* Compared as remainders, not (vaddr - offset) % align: that is wrong for a
	 * non-power-of-two align once the subtraction wraps. */
	if (ph->p_align > 1 && ph->p_vaddr % ph->p_align != ph->p_offset % ph->p_align)
		return fail(
		    st, -ENOEXEC,
		    "PT_LOAD #%d: vaddr 0x%llx and offset 0x%llx differ modulo p_align 0x%llx", i,
		    (unsigned long long)ph->p_vaddr, (unsigned long long)ph->p_offset,
		    (unsigned long long)ph->p_align);
	return 0;
}

/* Validates a PT_LOAD and appends it. Segments must come sorted and must not overlap; two may
 * still share a page, as Linux allows. */
static int add_load(struct parse_state *st, struct elf_image *out, const GElf_Phdr *ph, int i)
{
	if (out->nsegs == ELF_MAX_SEGS)
		return fail(st, -ENOEXEC, "too many PT_LOAD segments (max %d)", ELF_MAX_SEGS);
	int rc = check_load_fields(st, ph, i);
	if (rc)
		return rc;
	if (out->nsegs > 0) {
		const struct elf_seg *prev = &out->segs[out->nsegs - 1];
		if (ph->p_vaddr < prev->vaddr + prev->memsz)
			return fail(st, -ENOEXEC,
				    "PT_LOAD #%d at 0x%llx overlaps or precedes the previous one "
				    "[0x%llx, 0x%llx)",
				    i, (unsigned long long)ph->p_vaddr,
				    (unsigned long long)prev->vaddr,
				    (unsigned long long)(prev->vaddr + prev->memsz));
	}
	out->segs[out->nsegs++] = (struct elf_seg){.vaddr = ph->p_vaddr,
						   .memsz = ph->p_memsz,
						   .filesz = ph->p_filesz,
						   .offset = ph->p_offset,
						   .prot = prot_of(ph->p_flags)};
	/* Linux ignores alignments that are not powers of two. */
	if (ph->p_align > out->align && (ph->p_align & (ph->p_align - 1)) == 0)
		out->align = ph->p_align;
	return 0;
}

/* Sorts one program header into the image; PT_INTERP is only noted, read later. */
static int take_phdr(struct parse_state *st, struct elf_image *out, const GElf_Phdr *ph, int i)
{
	switch (ph->p_type) {
	case PT_LOAD:
		return add_load(st, out, ph, i);
	case PT_INTERP:
		if (++st->ninterp > 1)
			return fail(st, -ENOEXEC, "bad interpreter: more than one PT_INTERP");
		st->interp = *ph;
		return 0;
	case PT_GNU_STACK:
		/* The last one wins, as in Linux. */
		out->exec_stack = (ph->p_flags & PF_X) != 0;
		return 0;
	case PT_PHDR:
		if (!st->has_pt_phdr) {
			st->has_pt_phdr = true;
			st->pt_phdr_vaddr = ph->p_vaddr;
		}
		return 0;
	default:
		return 0;
	}
}

/* Reads the PT_INTERP path and insists on a clean absolute path. */
static int read_interp(struct parse_state *st, struct elf_image *out)
{
	const GElf_Phdr *ph = &st->interp;
	uint64_t end;
	if (ph->p_filesz < 2 || ph->p_filesz > PATH_MAX_)
		return fail(st, -ENOEXEC, "bad interpreter: PT_INTERP size %llu not in [2, %d]",
			    (unsigned long long)ph->p_filesz, PATH_MAX_);
	if (__builtin_add_overflow(ph->p_offset, ph->p_filesz, &end) || end > st->file_size)
		return fail(st, -ENOEXEC, "bad interpreter: PT_INTERP outside the file");
	size_t n = (size_t)ph->p_filesz;
	int rc = read_exact(st, out->interp, n, ph->p_offset, "PT_INTERP");
	if (rc)
		return rc;
	if (out->interp[n - 1] != '\0')
		return fail(st, -ENOEXEC, "bad interpreter: path not NUL-terminated");
	if (strlen(out->interp) != n - 1)
		return fail(st, -ENOEXEC, "bad interpreter: path has an embedded NUL");
	/* The path itself stays out of the reason: it is the guest's bytes, newlines and all. */
	if (out->interp[0] != '/')
		return fail(st, -ENOEXEC, "bad interpreter: path is not absolute");
	out->has_interp = true;
	return 0;
}

/* Where the program headers appear in memory. PT_PHDR first; otherwise, as Linux computes
 * AT_PHDR, the first PT_LOAD whose file range holds e_phoff. */
static uint64_t find_phdr_vaddr(const struct parse_state *st, const struct elf_image *out)
{
	if (st->has_pt_phdr)
		return st->pt_phdr_vaddr;
	for (int i = 0; i < out->nsegs; i++) {
		const struct elf_seg *s = &out->segs[i];
		if (s->offset <= out->phoff && out->phoff - s->offset < s->filesz)
			return out->phoff - s->offset + s->vaddr;
	}
	return 0;
}

/* Walks the program headers through libelf. */
static int walk_phdrs(struct parse_state *st, Elf *e, struct elf_image *out)
{
	for (int i = 0; i < out->phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, i, &ph))
			return fail(st, -ENOEXEC, "program header #%d: libelf: %s", i,
				    elf_errmsg(-1));
		int rc = take_phdr(st, out, &ph, i);
		if (rc)
			return rc;
	}
	return 0;
}

/* The checks that need every PT_LOAD at once. */
static int finish_layout(struct parse_state *st, struct elf_image *out)
{
	if (out->nsegs == 0)
		return fail(st, -ENOEXEC, "no PT_LOAD segment");
	const struct elf_seg *last = &out->segs[out->nsegs - 1];
	out->lo = out->segs[0].vaddr & ~(PAGE_SZ - 1);
	/* Cannot overflow: every end was checked against ELF_USER_END, a page boundary. */
	out->hi = (last->vaddr + last->memsz + PAGE_SZ - 1) & ~(PAGE_SZ - 1);
	/* Linux refuses an empty total mapping (EINVAL); the mapper may rely on lo < hi. */
	if (out->hi == out->lo)
		return fail(st, -EINVAL, "the PT_LOAD segments span no memory (all p_memsz 0)");
	if (out->type == ET_EXEC && out->lo < ELF_MMAP_MIN_ADDR)
		return fail(st, -ENOEXEC, "ET_EXEC loads at 0x%llx, below mmap_min_addr 0x%llx",
			    (unsigned long long)out->lo, ELF_MMAP_MIN_ADDR);
	out->phdr_vaddr = find_phdr_vaddr(st, out);
	return 0;
}

static int parse_phdrs(struct parse_state *st, const Elf64_Ehdr *eh, struct elf_image *out)
{
	Elf *e = NULL;
	char *buf = NULL;
	int rc = open_phdrs(st, eh, &e, &buf);
	if (rc)
		return rc;
	GElf_Ehdr geh;
	if (!gelf_getehdr(e, &geh))
		rc = fail(st, -ENOEXEC, "libelf: %s", elf_errmsg(-1));
	else
		rc = walk_phdrs(st, e, out);
	elf_end(e);
	free(buf);
	return rc;
}

int elf_parse(elf_read_fn read, void *ctx, uint64_t file_size, struct elf_image *out, char *err,
	      size_t errlen)
{
	struct parse_state st = {
	    .read = read, .ctx = ctx, .file_size = file_size, .err = err, .errlen = errlen};
	if (err && errlen)
		err[0] = '\0';
	pthread_once(&libelf_once, libelf_init);
	if (!libelf_ok)
		return fail(&st, -ENOEXEC, "libelf: %s", elf_errmsg(-1));

	memset(out, 0, sizeof(*out));
	Elf64_Ehdr eh;
	int rc = read_ehdr(&st, &eh);
	if (rc)
		return rc;
	out->type = eh.e_type;
	out->entry = eh.e_entry;
	out->phoff = eh.e_phoff;
	out->phnum = eh.e_phnum;
	out->phentsize = eh.e_phentsize;
	out->align = PAGE_SZ;

	rc = parse_phdrs(&st, &eh, out);
	if (rc)
		return rc;
	rc = finish_layout(&st, out);
	if (rc)
		return rc;
	if (st.ninterp)
		return read_interp(&st, out);
	return 0;
}
