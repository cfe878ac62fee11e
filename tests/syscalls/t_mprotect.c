/* mprotect: changing protections back and forth keeps the contents; alignment, holes, bad
 * bits, and write access to a shared read-only file mapping are refused. No access here ever
 * faults (signal delivery is not part of this test). */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <sys/mman.h>

#define PG 4096UL

int main(void)
{
	unsigned char *p =
	    mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	for (size_t i = 0; i < 8 * PG; i += PG)
		p[i] = (unsigned char)(i / PG + 1);

	EXPECT_VAL("to_none", mprotect(p, 8 * PG, PROT_NONE), 0);
	EXPECT_VAL("to_read", mprotect(p, 8 * PG, PROT_READ), 0);
	int good = 1;
	for (size_t i = 0; i < 8 * PG; i += PG)
		good &= p[i] == (unsigned char)(i / PG + 1);
	EXPECT_TRUE("contents_kept_after_none_and_back", good);
	EXPECT_VAL("to_read_write", mprotect(p, 8 * PG, PROT_READ | PROT_WRITE), 0);
	p[5] = 99;
	EXPECT_TRUE("writable_again", p[5] == 99);

	/* Part of a mapping: the rest keeps its protection (and stays usable). */
	EXPECT_VAL("middle_read_only", mprotect(p + 2 * PG, 2 * PG, PROT_READ), 0);
	p[0] = 11;
	p[6 * PG] = 66;
	EXPECT_TRUE("outside_still_writable", p[0] == 11 && p[6 * PG] == 66 && p[2 * PG] == 3);
	EXPECT_VAL("exec", mprotect(p + 6 * PG, PG, PROT_READ | PROT_EXEC), 0);
	EXPECT_TRUE("exec_page_readable", p[6 * PG] == 66);
	/* An unaligned length is rounded up; zero length is a no-op. */
	EXPECT_VAL("length_rounded", mprotect(p + 7 * PG, 1, PROT_READ), 0);
	EXPECT_VAL("length_0", mprotect(p, 0, PROT_NONE), 0);
	EXPECT_TRUE("length_0_changed_nothing", p[0] == 11);

	/* Errors. */
	EXPECT_ERR("unaligned_addr", mprotect(p + 1, PG, PROT_READ), EINVAL);
	EXPECT_ERR("bad_prot_bits", syscall(SYS_mprotect, p, PG, 0x100), EINVAL);
	EXPECT_ERR("growsdown_on_normal_mapping", mprotect(p, PG, PROT_READ | PROT_GROWSDOWN),
		   EINVAL);
	EXPECT_ERR("growsup_and_growsdown",
		   mprotect(p, PG, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP), EINVAL);
	EXPECT_ERR("length_overflow", mprotect(p, (size_t)-PG, PROT_READ), ENOMEM);
	OK(munmap(p + 4 * PG, PG));
	EXPECT_ERR("unmapped_page", mprotect(p + 4 * PG, PG, PROT_READ), ENOMEM);
	EXPECT_ERR("range_with_hole", mprotect(p, 8 * PG, PROT_READ), ENOMEM);
	/* Whatever happened to the pages before the hole, they are still readable. */
	EXPECT_TRUE("before_hole_readable", p[0] == 11);
	OK(munmap(p, 8 * PG));
	EXPECT_ERR("fully_unmapped", mprotect(p, PG, PROT_READ), ENOMEM);

	int fd = OK(open("/usr/share/common-licenses/GPL-3", O_RDONLY));
	unsigned char *s = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(s != MAP_FAILED);
	EXPECT_ERR("shared_file_write_on_readonly_fd", mprotect(s, PG, PROT_READ | PROT_WRITE),
		   EACCES);
	EXPECT_VAL("shared_file_to_none", mprotect(s, PG, PROT_NONE), 0);
	EXPECT_VAL("shared_file_back_to_read", mprotect(s, PG, PROT_READ), 0);
	unsigned char first[16];
	CHECK_EQ(pread(fd, first, 16, 0), 16);
	EXPECT_TRUE("shared_file_contents", memcmp(s, first, 16) == 0);
	unsigned char *pr = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(pr != MAP_FAILED);
	EXPECT_VAL("private_file_to_write", mprotect(pr, PG, PROT_READ | PROT_WRITE), 0);
	pr[0] = 'X';
	EXPECT_TRUE("private_file_written", pr[0] == 'X' && pr[1] == first[1]);
	OK(munmap(pr, PG));
	OK(munmap(s, PG));
	OK(close(fd));
	return done();
}
