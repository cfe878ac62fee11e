/* mremap: grow in place or with MREMAP_MAYMOVE (contents preserved), shrink, MREMAP_FIXED,
 * and the EINVAL/ENOMEM cases. */
#define _GNU_SOURCE
#include "check.h"

#include <stdint.h>
#include <sys/mman.h>

#define PG 4096UL

static void *anon(void *addr, size_t len, int flags)
{
	return mmap(addr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
}

static void fill(unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 7 + i / 4096);
}

static int check_fill(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != (unsigned char)(i * 7 + i / 4096))
			return 0;
	return 1;
}

int main(void)
{
	/* stdout's buffer gets allocated now, not between a munmap and a MAP_FIXED_NOREPLACE. */
	printf("start\n");
	/* Reserve 16 pages, keep 4 mapped: growing in place has room. */
	unsigned char *r = anon(NULL, 16 * PG, 0);
	CHECK(r != MAP_FAILED);
	OK(munmap(r + 4 * PG, 12 * PG));
	fill(r, 4 * PG);
	unsigned char *g = mremap(r, 4 * PG, 8 * PG, 0);
	EXPECT_TRUE("grow_in_place", g == r);
	EXPECT_TRUE("grow_in_place_kept", check_fill(g, 4 * PG));
	EXPECT_TRUE("grown_part_zero", g[4 * PG] == 0 && g[8 * PG - 1] == 0);
	g[8 * PG - 1] = 1;

	/* A neighbour blocks in-place growth: without MAYMOVE that is ENOMEM. */
	unsigned char *blk = anon(r + 8 * PG, PG, MAP_FIXED_NOREPLACE);
	CHECK(blk == r + 8 * PG);
	EXPECT_ERR("grow_blocked_no_maymove", (long)mremap(r, 8 * PG, 12 * PG, 0), ENOMEM);
	unsigned char *m = mremap(r, 8 * PG, 64 * PG, MREMAP_MAYMOVE);
	CHECK(m != MAP_FAILED);
	EXPECT_TRUE("maymove_moved", m != r);
	EXPECT_TRUE("maymove_content_preserved", check_fill(m, 4 * PG) && m[8 * PG - 1] == 1);
	EXPECT_TRUE("maymove_tail_zero", m[8 * PG] == 0 && m[64 * PG - 1] == 0);
	m[64 * PG - 1] = 5;
	/* The old range is gone: a NOREPLACE map there succeeds. */
	unsigned char *old = anon(r, PG, MAP_FIXED_NOREPLACE);
	EXPECT_TRUE("old_range_unmapped", old == r);
	OK(munmap(old, PG));
	OK(munmap(blk, PG));

	/* Shrink: same address, the cut-off part is unmapped. */
	unsigned char *s = mremap(m, 64 * PG, 2 * PG, 0);
	EXPECT_TRUE("shrink_same_address", s == m);
	EXPECT_TRUE("shrink_kept", check_fill(s, 2 * PG));
	unsigned char *cut = anon(m + 2 * PG, PG, MAP_FIXED_NOREPLACE);
	EXPECT_TRUE("shrunk_part_unmapped", cut == m + 2 * PG);
	OK(munmap(cut, PG));

	/* MREMAP_FIXED moves to a chosen address, replacing what was there. */
	unsigned char *dst = anon(NULL, 4 * PG, 0);
	CHECK(dst != MAP_FAILED);
	memset(dst, 0xee, 4 * PG);
	unsigned char *f = mremap(s, 2 * PG, 4 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	EXPECT_TRUE("fixed_at_target", f == dst);
	EXPECT_TRUE("fixed_content", check_fill(f, 2 * PG) && f[2 * PG] == 0 && f[4 * PG - 1] == 0);
	unsigned char *gone = anon(s, PG, MAP_FIXED_NOREPLACE);
	EXPECT_TRUE("fixed_source_unmapped", gone == s);
	OK(munmap(gone, PG));

	/* Errors. */
	EXPECT_ERR("unaligned_old", (long)mremap(f + 1, PG, 2 * PG, MREMAP_MAYMOVE), EINVAL);
	EXPECT_ERR("new_len_0", (long)mremap(f, PG, 0, MREMAP_MAYMOVE), EINVAL);
	EXPECT_ERR("bad_flags", (long)mremap(f, PG, 2 * PG, 0x80), EINVAL);
	EXPECT_ERR("fixed_without_maymove", (long)mremap(f, PG, 2 * PG, MREMAP_FIXED, f + 8 * PG),
		   EINVAL);
	EXPECT_ERR("fixed_unaligned_target",
		   (long)mremap(f, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, f + 8 * PG + 1), EINVAL);
	EXPECT_ERR("fixed_overlapping_target",
		   (long)mremap(f, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, f + PG), EINVAL);
	EXPECT_ERR("old_len_0_private", (long)mremap(f, 0, PG, MREMAP_MAYMOVE), EINVAL);
	OK(munmap(f, 4 * PG));
	EXPECT_ERR("unmapped_source", (long)mremap(f, PG, 2 * PG, MREMAP_MAYMOVE), EFAULT);
	return done();
}
