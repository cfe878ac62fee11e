/* madvise: MADV_DONTNEED zeroes private anonymous memory (and re-reads a private file mapping
 * from the file), harmless advice succeeds, and the EINVAL/ENOMEM cases. */
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
	memset(p, 0xab, 8 * PG);

	EXPECT_VAL("dontneed_middle", madvise(p + 2 * PG, 3 * PG, MADV_DONTNEED), 0);
	int zero = 1;
	for (size_t i = 2 * PG; i < 5 * PG; i++)
		zero &= p[i] == 0;
	EXPECT_TRUE("dontneed_zeroed", zero);
	EXPECT_TRUE("outside_kept", p[2 * PG - 1] == 0xab && p[5 * PG] == 0xab && p[0] == 0xab);
	p[3 * PG] = 7;
	EXPECT_TRUE("usable_after_dontneed", p[3 * PG] == 7);

	/* Harmless advice. */
	EXPECT_VAL("normal", madvise(p, 8 * PG, MADV_NORMAL), 0);
	EXPECT_VAL("random", madvise(p, 8 * PG, MADV_RANDOM), 0);
	EXPECT_VAL("sequential", madvise(p, 8 * PG, MADV_SEQUENTIAL), 0);
	EXPECT_VAL("willneed", madvise(p, 8 * PG, MADV_WILLNEED), 0);
	EXPECT_VAL("length_0", madvise(p, 0, MADV_DONTNEED), 0);
	EXPECT_TRUE("length_0_kept_data", p[0] == 0xab);
	EXPECT_TRUE("advice_kept_data", p[PG] == 0xab && p[3 * PG] == 7);
	/* An unaligned length is rounded up to whole pages. */
	EXPECT_VAL("dontneed_rounded", madvise(p + 6 * PG, 1, MADV_DONTNEED), 0);
	EXPECT_TRUE("rounded_page_zeroed",
		    p[6 * PG] == 0 && p[7 * PG - 1] == 0 && p[7 * PG] == 0xab);

	/* Shared anonymous memory keeps its contents (DONTNEED only drops our page tables). */
	unsigned char *s =
	    mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(s != MAP_FAILED);
	s[0] = 42;
	EXPECT_VAL("dontneed_shared", madvise(s, PG, MADV_DONTNEED), 0);
	EXPECT_TRUE("shared_kept", s[0] == 42);
	OK(munmap(s, PG));

	/* A private file mapping falls back to the file's contents. */
	int fd = OK(open("/usr/share/common-licenses/GPL-3", O_RDONLY));
	unsigned char orig[64];
	CHECK_EQ(pread(fd, orig, sizeof(orig), 0), sizeof(orig));
	unsigned char *f = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(f != MAP_FAILED);
	memset(f, 'x', 64);
	EXPECT_VAL("dontneed_private_file", madvise(f, PG, MADV_DONTNEED), 0);
	EXPECT_TRUE("private_file_reverted", memcmp(f, orig, sizeof(orig)) == 0);
	OK(munmap(f, PG));
	OK(close(fd));

	/* Errors. */
	EXPECT_ERR("unaligned", madvise(p + 1, PG, MADV_DONTNEED), EINVAL);
	EXPECT_ERR("bad_advice", syscall(SYS_madvise, p, PG, 12345), EINVAL);
	EXPECT_ERR("bad_advice_negative", syscall(SYS_madvise, p, PG, -1), EINVAL);
	EXPECT_ERR("length_wraps", madvise(p, (size_t)-PG, MADV_NORMAL), EINVAL);
	OK(munmap(p + 4 * PG, PG));
	EXPECT_ERR("range_with_hole", madvise(p, 8 * PG, MADV_NORMAL), ENOMEM);
	EXPECT_ERR("unmapped", madvise(p + 4 * PG, PG, MADV_NORMAL), ENOMEM);
	OK(munmap(p, 8 * PG));
	EXPECT_ERR("dontneed_unmapped", madvise(p, PG, MADV_DONTNEED), ENOMEM);
	return done();
}
