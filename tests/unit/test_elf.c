/* Tests for sentry/elf.c: real binaries from the host, and malformed files built in memory. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sentry/elf.h"

/* --- readers ------------------------------------------------------------------------------ */

struct mem {
	const unsigned char *p;
	size_t n;
	int fail_errno; /* nonzero: every read fails with it */
};

static long mem_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct mem *m = ctx;
	if (m->fail_errno)
		return -m->fail_errno;
	if (off >= m->n)
		return 0;
	size_t n = m->n - off < len ? m->n - off : len;
	memcpy(buf, m->p + off, n);
	return (long)n;
}

static long fd_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	ssize_t r = pread(*(int *)ctx, buf, len, (off_t)off);
	return r < 0 ? -errno : r;
}

/* --- real binaries ------------------------------------------------------------------------ */

/* Parses path with elf_parse; returns -1 when the file is absent. */
static int parse_file(const char *path, struct elf_image *img)
{
	char err[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	int rc = elf_parse(fd_read, &fd, (uint64_t)st.st_size, img, err, sizeof(err));
	if (rc)
		fail_msg("%s: %d (%s)", path, rc, err);
	close(fd);
	return rc;
}

/* Checks img against what libelf reads from the whole file on its own. */
static void cross_check(const char *path, const struct elf_image *img)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	assert_non_null(e);
	GElf_Ehdr eh;
	assert_non_null(gelf_getehdr(e, &eh));
	assert_int_equal(img->type, eh.e_type);
	assert_int_equal(img->entry, eh.e_entry);
	assert_int_equal(img->phnum, eh.e_phnum);
	assert_int_equal(img->phoff, eh.e_phoff);
	int nload = 0;
	bool interp = false;
	for (int i = 0; i < eh.e_phnum; i++) {
		GElf_Phdr ph;
		assert_non_null(gelf_getphdr(e, i, &ph));
		if (ph.p_type == PT_PHDR)
			assert_int_equal(img->phdr_vaddr, ph.p_vaddr);
		if (ph.p_type == PT_INTERP) {
			interp = true;
			char *s = elf_rawfile(e, NULL) + ph.p_offset;
			assert_string_equal(img->interp, s);
		}
		if (ph.p_type != PT_LOAD)
			continue;
		assert_true(nload < img->nsegs);
		const struct elf_seg *sg = &img->segs[nload++];
		assert_int_equal(sg->vaddr, ph.p_vaddr);
		assert_int_equal(sg->memsz, ph.p_memsz);
		assert_int_equal(sg->filesz, ph.p_filesz);
		assert_int_equal(sg->offset, ph.p_offset);
		assert_int_equal(!!(sg->prot & PROT_EXEC), !!(ph.p_flags & PF_X));
		assert_int_equal(!!(sg->prot & PROT_WRITE), !!(ph.p_flags & PF_W));
		assert_true(img->lo <= sg->vaddr && sg->vaddr + sg->memsz <= img->hi);
	}
	assert_int_equal(nload, img->nsegs);
	assert_int_equal(interp, img->has_interp);
	assert_int_equal(img->lo % 4096, 0);
	assert_int_equal(img->hi % 4096, 0);
	elf_end(e);
	close(fd);
}

static void test_bin_true(void **state)
{
	struct elf_image img;
	if (parse_file("/bin/true", &img) < 0)
		skip();
	assert_int_equal(img.type, ET_DYN);
	assert_true(img.has_interp);
	assert_string_equal(img.interp, "/lib64/ld-linux-x86-64.so.2");
	assert_int_equal(img.lo, 0);
	assert_int_equal(img.phdr_vaddr, img.phoff); /* PIE: the first PT_LOAD maps offset 0 at 0 */
	assert_int_equal(img.phentsize, sizeof(Elf64_Phdr));
	assert_false(img.exec_stack);
	cross_check("/bin/true", &img);
}

static void test_ld_so(void **state)
{
	struct elf_image img;
	if (parse_file("/lib64/ld-linux-x86-64.so.2", &img) < 0)
		skip();
	assert_int_equal(img.type, ET_DYN);
	assert_false(img.has_interp);
	assert_int_not_equal(img.entry, 0);
	cross_check("/lib64/ld-linux-x86-64.so.2", &img);
}

static void test_busybox(void **state)
{
	struct elf_image img;
	if (parse_file("/bin/busybox", &img) < 0)
		skip();
	cross_check("/bin/busybox", &img);
}

/* --- synthetic files ---------------------------------------------------------------------- */

#define SYN_SIZE   0x3000
#define SYN_INTERP 0xa00 /* after room for 40 program headers */
#define SYN_LDSO   "/lib/ld.so"

/* A valid static-looking ET_EXEC: PT_PHDR, PT_INTERP, two PT_LOADs, PT_GNU_STACK. */
struct syn {
	unsigned char buf[SYN_SIZE];
	uint64_t size;
};

static Elf64_Ehdr *eh(struct syn *s)
{
	return (Elf64_Ehdr *)s->buf;
}

static Elf64_Phdr *ph(struct syn *s, int i)
{
	return (Elf64_Phdr *)(s->buf + 64) + i;
}

static void set_ph(struct syn *s, int i, uint32_t type, uint32_t flags, uint64_t off,
		   uint64_t vaddr, uint64_t filesz, uint64_t memsz, uint64_t align)
{
	*ph(s, i) = (Elf64_Phdr){.p_type = type,
				 .p_flags = flags,
				 .p_offset = off,
				 .p_vaddr = vaddr,
				 .p_paddr = vaddr,
				 .p_filesz = filesz,
				 .p_memsz = memsz,
				 .p_align = align};
}

static struct syn *syn_new(void)
{
	struct syn *s = calloc(1, sizeof(*s));
	assert_non_null(s);
	s->size = SYN_SIZE;
	Elf64_Ehdr *e = eh(s);
	memcpy(e->e_ident, ELFMAG, SELFMAG);
	e->e_ident[EI_CLASS] = ELFCLASS64;
	e->e_ident[EI_DATA] = ELFDATA2LSB;
	e->e_ident[EI_VERSION] = EV_CURRENT;
	e->e_type = ET_EXEC;
	e->e_machine = EM_X86_64;
	e->e_version = EV_CURRENT;
	e->e_entry = 0x401000;
	e->e_phoff = 64;
	e->e_ehsize = 64;
	e->e_phentsize = sizeof(Elf64_Phdr);
	e->e_phnum = 5;
	set_ph(s, 0, PT_PHDR, PF_R, 64, 0x400040, 5 * 56, 5 * 56, 8);
	set_ph(s, 1, PT_INTERP, PF_R, SYN_INTERP, 0x400000 + SYN_INTERP, sizeof(SYN_LDSO),
	       sizeof(SYN_LDSO), 1);
	set_ph(s, 2, PT_LOAD, PF_R, 0, 0x400000, 0x1000, 0x1000, 0x1000);
	set_ph(s, 3, PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x1000, 0x3000, 0x1000);
	set_ph(s, 4, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16);
	memcpy(s->buf + SYN_INTERP, SYN_LDSO, sizeof(SYN_LDSO));
	return s;
}

/* Parses s, expects want; a failure must come with a reason. Frees s. */
static void expect(struct syn *s, int want, struct elf_image *img)
{
	struct elf_image local;
	char err[256];
	memset(err, 'x', sizeof(err));
	struct mem m = {.p = s->buf, .n = SYN_SIZE};
	int rc = elf_parse(mem_read, &m, s->size, img ? img : &local, err, sizeof(err));
	if (rc != want)
		fail_msg("elf_parse returned %d (%s), expected %d", rc, err, want);
	if (want) {
		assert_true(err[0] != '\0');
		assert_non_null(memchr(err, 0, sizeof(err)));
		print_message("    reason: %s\n", err);
	} else {
		assert_string_equal(err, "");
	}
	free(s);
}

static void test_syn_valid(void **state)
{
	struct elf_image img;
	expect(syn_new(), 0, &img);
	assert_int_equal(img.type, ET_EXEC);
	assert_int_equal(img.entry, 0x401000);
	assert_int_equal(img.nsegs, 2);
	assert_int_equal(img.lo, 0x400000);
	assert_int_equal(img.hi, 0x404000);
	assert_int_equal(img.phdr_vaddr, 0x400040);
	assert_int_equal(img.phnum, 5);
	assert_int_equal(img.align, 0x1000);
	assert_true(img.has_interp);
	assert_string_equal(img.interp, SYN_LDSO);
	assert_false(img.exec_stack);
	assert_int_equal(img.segs[0].prot, PROT_READ);
	assert_int_equal(img.segs[1].prot, PROT_READ | PROT_EXEC);
	assert_int_equal(img.segs[1].memsz, 0x3000);
}

static void test_syn_phdr_from_load(void **state)
{
	struct elf_image img;
	struct syn *s = syn_new();
	ph(s, 0)->p_type = PT_NULL; /* no PT_PHDR: found through the PT_LOAD mapping offset 0 */
	expect(s, 0, &img);
	assert_int_equal(img.phdr_vaddr, 0x400040);

	s = syn_new();
	ph(s, 0)->p_type = PT_NULL;
	ph(s, 2)->p_offset = 0x1000; /* now no PT_LOAD maps the table */
	ph(s, 2)->p_vaddr = 0x400000;
	ph(s, 3)->p_offset = 0x2000;
	ph(s, 3)->p_vaddr = 0x402000;
	ph(s, 3)->p_filesz = 0x1000;
	expect(s, 0, &img);
	assert_int_equal(img.phdr_vaddr, 0);
}

static void test_syn_exec_stack(void **state)
{
	struct elf_image img;
	struct syn *s = syn_new();
	ph(s, 4)->p_flags |= PF_X;
	expect(s, 0, &img);
	assert_true(img.exec_stack);
}

static void test_syn_shared_page(void **state)
{
	/* Two segments in one page, touching but not overlapping: Linux maps that. */
	struct elf_image img;
	struct syn *s = syn_new();
	set_ph(s, 2, PT_LOAD, PF_R, 0, 0x400000, 0x800, 0x800, 0x1000);
	set_ph(s, 3, PT_LOAD, PF_R | PF_W, 0x800, 0x400800, 0x100, 0x2000, 0x1000);
	expect(s, 0, &img);
	assert_int_equal(img.lo, 0x400000);
	assert_int_equal(img.hi, 0x403000);
}

static void test_syn_no_interp_dyn(void **state)
{
	struct elf_image img;
	struct syn *s = syn_new();
	eh(s)->e_type = ET_DYN;
	ph(s, 1)->p_type = PT_NOTE;
	set_ph(s, 2, PT_LOAD, PF_R, 0, 0, 0x1000, 0x1000, 0x200000);
	set_ph(s, 3, PT_LOAD, PF_R | PF_X, 0x1000, 0x201000, 0x1000, 0x1000, 0x200000);
	expect(s, 0, &img);
	assert_false(img.has_interp);
	assert_int_equal(img.lo, 0);
	assert_int_equal(img.align, 0x200000);
}

static void test_truncated(void **state)
{
	struct syn *s = syn_new();
	s->size = 10;
	expect(s, -ENOEXEC, NULL);
	s = syn_new();
	s->size = 0;
	expect(s, -ENOEXEC, NULL);
}

static void test_bad_ident(void **state)
{
	struct syn *s = syn_new();
	s->buf[1] = 'X';
	expect(s, -ENOEXEC, NULL);
	s = syn_new();
	eh(s)->e_ident[EI_CLASS] = ELFCLASS32;
	expect(s, -ENOEXEC, NULL);
	s = syn_new();
	eh(s)->e_ident[EI_DATA] = ELFDATA2MSB;
	expect(s, -ENOEXEC, NULL);
	s = syn_new();
	eh(s)->e_ident[EI_VERSION] = 2;
	expect(s, -ENOEXEC, NULL);
}

static void test_wrong_machine(void **state)
{
	struct syn *s = syn_new();
	eh(s)->e_machine = EM_AARCH64;
	expect(s, -ENOEXEC, NULL);
}

static void test_wrong_type(void **state)
{
	struct syn *s = syn_new();
	eh(s)->e_type = ET_REL;
	expect(s, -ENOEXEC, NULL);
	s = syn_new();
	eh(s)->e_type = ET_CORE;
	expect(s, -ENOEXEC, NULL);
}

static void test_bad_phentsize(void **state)
{
	struct syn *s = syn_new();
	eh(s)->e_phentsize = 32;
	expect(s, -ENOEXEC, NULL);
}

static void test_phnum(void **state)
{
	struct syn *s = syn_new();
	eh(s)->e_phnum = 0;
	expect(s, -ENOEXEC, NULL);
	s = syn_new();
	eh(s)->e_phnum = 60000;
	expect(s, -ENOEXEC, NULL);
	s = syn_new();
	eh(s)->e_phnum = 0xffff; /* PN_XNUM: no extended numbering for executables */
	expect(s, -ENOEXEC, NULL);
}

static void test_phoff(void **state)
{
	struct syn *s = syn_new();
	eh(s)->e_phoff = SYN_SIZE + 100;
	expect(s, -ENOEXEC, NULL);
	s = syn_new();
	eh(s)->e_phoff = SYN_SIZE - 100; /* starts inside, ends outside */
	expect(s, -ENOEXEC, NULL);
	s = syn_new();
	eh(s)->e_phoff = UINT64_MAX - 10;
	expect(s, -ENOEXEC, NULL);
}

static void test_phoff_far(void **state)
{
	/* Program headers at the end of a (claimed) large file: one bounded read, no allocation
	 * of [0, phoff). The reader has only SYN_SIZE bytes, so the read comes back short. */
	struct syn *s = syn_new();
	s->size = 1ULL << 40;
	eh(s)->e_phoff = (1ULL << 40) - 5 * 56;
	expect(s, -EIO, NULL);
}

static void test_load_filesz_gt_memsz(void **state)
{
	struct syn *s = syn_new();
	ph(s, 3)->p_filesz = 0x4000;
	expect(s, -EINVAL, NULL);
}

static void test_load_past_eof(void **state)
{
	struct syn *s = syn_new();
	ph(s, 3)->p_filesz = 0x2001; /* 0x1000 + 0x2001 > SYN_SIZE */
	ph(s, 3)->p_memsz = 0x3000;
	expect(s, -ENOEXEC, NULL);
	s = syn_new();
	ph(s, 3)->p_offset = UINT64_MAX - 0xfff; /* offset + filesz wraps */
	ph(s, 3)->p_vaddr = 0x401000;
	expect(s, -ENOEXEC, NULL);
}

static void test_load_vaddr_wrap(void **state)
{
	struct syn *s = syn_new();
	ph(s, 3)->p_vaddr = 0xfffffffffffff000;
	expect(s, -EINVAL, NULL);
	s = syn_new();
	ph(s, 3)->p_vaddr = 0x7ffffffff000; /* ends above user space */
	expect(s, -EINVAL, NULL);
	s = syn_new();
	ph(s, 3)->p_memsz = UINT64_MAX;
	expect(s, -EINVAL, NULL);
}

static void test_load_overlap(void **state)
{
	struct syn *s = syn_new();
	ph(s, 3)->p_vaddr = 0x400ff0; /* overlaps the first segment's last 16 bytes */
	ph(s, 3)->p_offset = 0xff0;
	expect(s, -ENOEXEC, NULL);
}

static void test_load_unsorted(void **state)
{
	struct syn *s = syn_new();
	set_ph(s, 2, PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x1000, 0x1000, 0x1000);
	set_ph(s, 3, PT_LOAD, PF_R, 0, 0x400000, 0x1000, 0x1000, 0x1000);
	expect(s, -ENOEXEC, NULL);
}

static void test_load_misaligned(void **state)
{
	struct syn *s = syn_new();
	ph(s, 3)->p_vaddr = 0x401010; /* offset 0x1000: not page-congruent */
	expect(s, -EINVAL, NULL);
	s = syn_new();
	ph(s, 3)->p_vaddr = 0x402000; /* page-congruent, but not modulo p_align */
	ph(s, 3)->p_align = 0x2000;
	expect(s, -ENOEXEC, NULL);
}

static void test_no_load(void **state)
{
	struct syn *s = syn_new();
	ph(s, 2)->p_type = PT_NOTE;
	ph(s, 3)->p_type = PT_NOTE;
	expect(s, -ENOEXEC, NULL);
}

static void test_too_many_loads(void **state)
{
	struct syn *s = syn_new();
	eh(s)->e_phnum = ELF_MAX_SEGS + 1;
	for (int i = 0; i < ELF_MAX_SEGS + 1; i++)
		set_ph(s, i, PT_LOAD, PF_R, 0, 0x400000 + 0x1000 * (uint64_t)i, 0x100, 0x100,
		       0x1000);
	expect(s, -ENOEXEC, NULL);
	/* ELF_MAX_SEGS of them is fine. */
	s = syn_new();
	eh(s)->e_phnum = ELF_MAX_SEGS;
	for (int i = 0; i < ELF_MAX_SEGS; i++)
		set_ph(s, i, PT_LOAD, PF_R, 0, 0x400000 + 0x1000 * (uint64_t)i, 0x100, 0x100,
		       0x1000);
	struct elf_image img;
	expect(s, 0, &img);
	assert_int_equal(img.nsegs, ELF_MAX_SEGS);
}

static void test_empty_span(void **state)
{
	struct syn *s = syn_new();
	ph(s, 2)->p_type = PT_NOTE;
	set_ph(s, 3, PT_LOAD, PF_R, 0x1000, 0x401000, 0, 0, 0x1000);
	expect(s, -EINVAL, NULL);
}

static void test_exec_below_min_addr(void **state)
{
	struct syn *s = syn_new();
	ph(s, 2)->p_vaddr = 0x1000;
	ph(s, 3)->p_vaddr = 0x2000;
	expect(s, -ENOEXEC, NULL);
}

static void test_interp_bad(void **state)
{
	struct syn *s = syn_new();
	s->buf[SYN_INTERP + sizeof(SYN_LDSO) - 1] = 'x'; /* not NUL-terminated */
	expect(s, -ENOEXEC, NULL);
	s = syn_new();
	memcpy(s->buf + SYN_INTERP, "lib/ld.so", 10); /* relative */
	ph(s, 1)->p_filesz = 10;
	expect(s, -ENOEXEC, NULL);
	s = syn_new();
	s->buf[SYN_INTERP + 4] = '\0'; /* embedded NUL */
	expect(s, -ENOEXEC, NULL);
	s = syn_new();
	ph(s, 1)->p_filesz = 100000;
	expect(s, -ENOEXEC, NULL);
	s = syn_new();
	ph(s, 1)->p_filesz = 1;
	expect(s, -ENOEXEC, NULL);
	s = syn_new();
	ph(s, 1)->p_offset = SYN_SIZE - 4; /* outside the file */
	expect(s, -ENOEXEC, NULL);
	s = syn_new();
	ph(s, 1)->p_offset = UINT64_MAX - 4;
	expect(s, -ENOEXEC, NULL);
}

static void test_interp_twice(void **state)
{
	struct syn *s = syn_new();
	*ph(s, 5) = *ph(s, 1);
	eh(s)->e_phnum = 6;
	expect(s, -ENOEXEC, NULL);
}

static void test_interp_max(void **state)
{
	/* 4095 characters and the NUL: the longest path Linux accepts. */
	struct elf_image img;
	struct syn *s = syn_new();
	memset(s->buf + SYN_INTERP, 'a', 4095);
	s->buf[SYN_INTERP] = '/';
	s->buf[SYN_INTERP + 4095] = '\0';
	ph(s, 1)->p_filesz = 4096;
	expect(s, 0, &img);
	assert_int_equal(strlen(img.interp), 4095);
}

static void test_read_error(void **state)
{
	struct elf_image img;
	char err[64];
	struct mem m = {.fail_errno = EACCES};
	assert_int_equal(elf_parse(mem_read, &m, SYN_SIZE, &img, err, sizeof(err)), -EACCES);
	assert_true(err[0] != '\0');
}

static void test_err_buffer(void **state)
{
	struct elf_image img;
	struct syn *s = syn_new();
	struct mem m = {.p = s->buf, .n = SYN_SIZE};
	eh(s)->e_machine = EM_AARCH64;
	assert_int_equal(elf_parse(mem_read, &m, s->size, &img, NULL, 0), -ENOEXEC);
	char err[8];
	assert_int_equal(elf_parse(mem_read, &m, s->size, &img, err, sizeof(err)), -ENOEXEC);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bin_true),
	    cmocka_unit_test(test_ld_so),
	    cmocka_unit_test(test_busybox),
	    cmocka_unit_test(test_syn_valid),
	    cmocka_unit_test(test_syn_phdr_from_load),
	    cmocka_unit_test(test_syn_exec_stack),
	    cmocka_unit_test(test_syn_shared_page),
	    cmocka_unit_test(test_syn_no_interp_dyn),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_bad_ident),
	    cmocka_unit_test(test_wrong_machine),
	    cmocka_unit_test(test_wrong_type),
	    cmocka_unit_test(test_bad_phentsize),
	    cmocka_unit_test(test_phnum),
	    cmocka_unit_test(test_phoff),
	    cmocka_unit_test(test_phoff_far),
	    cmocka_unit_test(test_load_filesz_gt_memsz),
	    cmocka_unit_test(test_load_past_eof),
	    cmocka_unit_test(test_load_vaddr_wrap),
	    cmocka_unit_test(test_load_overlap),
	    cmocka_unit_test(test_load_unsorted),
	    cmocka_unit_test(test_load_misaligned),
	    cmocka_unit_test(test_no_load),
	    cmocka_unit_test(test_too_many_loads),
	    cmocka_unit_test(test_empty_span),
	    cmocka_unit_test(test_exec_below_min_addr),
	    cmocka_unit_test(test_interp_bad),
	    cmocka_unit_test(test_interp_twice),
	    cmocka_unit_test(test_interp_max),
	    cmocka_unit_test(test_read_error),
	    cmocka_unit_test(test_err_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
