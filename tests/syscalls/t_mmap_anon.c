/* Anonymous mmap/munmap: zero-filled, writable, MAP_FIXED, MAP_FIXED_NOREPLACE, and EINVAL
 * cases. No address is printed. */
#define _GNU_SOURCE
#include "check.h"

#include <stdint.h>
#include <sys/mman.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PG 4096UL

static void *anon(void *addr, size_t len, int prot, int flags)
{
	return (void *)syscall(SYS_mmap, addr, len, prot, flags | MAP_ANONYMOUS, -1, 0);
}

int main(void)
{
	const int RW = PROT_READ | PROT_WRITE;
	unsigned char *p = anon(NULL, 16 * PG, RW, MAP_PRIVATE);
	CHECK(p != MAP_FAILED);
	EXPECT_TRUE("page_aligned", ((uintptr_t)p & (PG - 1)) == 0);
	int zero = 1;
	for (size_t i = 0; i < 16 * PG; i++)
		zero &= p[i] == 0;
	EXPECT_TRUE("zero_filled", zero);
	for (size_t i = 0; i < 16 * PG; i += 512)
		p[i] = (unsigned char)(i / 512);
	int good = 1;
	for (size_t i = 0; i < 16 * PG; i += 512)
		good &= p[i] == (unsigned char)(i / 512);
	EXPECT_TRUE("writes_stick", good);

	/* MAP_FIXED replaces part of an existing mapping with fresh zero pages. */
	unsigned char *q = anon(p + 4 * PG, 2 * PG, RW, MAP_PRIVATE | MAP_FIXED);
	EXPECT_TRUE("map_fixed_at_address", q == p + 4 * PG);
	EXPECT_TRUE("map_fixed_zeroed", q[0] == 0 && q[512] == 0 && q[PG + 512] == 0);
	EXPECT_TRUE("neighbours_intact", p[3 * PG + 512] == (unsigned char)((3 * PG + 512) / 512) &&
					     p[6 * PG] == (unsigned char)(6 * PG / 512));

	/* MAP_FIXED_NOREPLACE refuses to clobber; a hint without it is just a hint. */
	EXPECT_ERR("fixed_noreplace_taken",
		   (long)anon(p + 8 * PG, PG, RW, MAP_PRIVATE | MAP_FIXED_NOREPLACE), EEXIST);
	EXPECT_ERR("fixed_noreplace_overlap",
		   (long)anon(p - PG, 2 * PG, RW, MAP_PRIVATE | MAP_FIXED_NOREPLACE), EEXIST);
	unsigned char *h = anon(p + 8 * PG, PG, RW, MAP_PRIVATE);
	EXPECT_TRUE("hint_on_taken_range_moves", h != MAP_FAILED && h != p + 8 * PG);
	EXPECT_TRUE("hint_did_not_clobber", p[8 * PG] == (unsigned char)(8 * PG / 512));
	OK(munmap(h, PG));

	/* munmap a hole, then MAP_FIXED_NOREPLACE can fill it. */
	EXPECT_VAL("munmap_middle", munmap(p + 10 * PG, 2 * PG), 0);
	unsigned char *r = anon(p + 10 * PG, 2 * PG, RW, MAP_PRIVATE | MAP_FIXED_NOREPLACE);
	EXPECT_TRUE("fixed_noreplace_into_hole", r == p + 10 * PG);
	EXPECT_TRUE("hole_refilled_zero", r[0] == 0);
	EXPECT_VAL("munmap_unmapped_is_ok",
		   munmap(p + 10 * PG, 2 * PG) == 0 && munmap(p + 10 * PG, 2 * PG) == 0, 1);

	/* Shared anonymous memory and PROT_NONE reservations work too. */
	unsigned char *s = anon(NULL, 4 * PG, RW, MAP_SHARED);
	CHECK(s != MAP_FAILED);
	s[PG] = 42;
	EXPECT_TRUE("shared_anon_rw", s[PG] == 42 && s[0] == 0);
	OK(munmap(s, 4 * PG));
	void *none = anon(NULL, 64 * PG, PROT_NONE, MAP_PRIVATE | MAP_NORESERVE);
	EXPECT_TRUE("prot_none_reservation", none != MAP_FAILED);
	OK(munmap(none, 64 * PG));
	/* An unaligned length is rounded up to a page. */
	unsigned char *u = anon(NULL, 100, RW, MAP_PRIVATE);
	CHECK(u != MAP_FAILED);
	u[PG - 1] = 7;
	EXPECT_TRUE("length_rounded_up", u[PG - 1] == 7);
	OK(munmap(u, 100));
	/* A big mapping that is never touched. */
	void *big = anon(NULL, 1UL << 30, RW, MAP_PRIVATE | MAP_NORESERVE);
	EXPECT_TRUE("one_gib_noreserve", big != MAP_FAILED);
	OK(munmap(big, 1UL << 30));

	/* Errors. */
	EXPECT_ERR("length_0", (long)anon(NULL, 0, RW, MAP_PRIVATE), EINVAL);
	EXPECT_ERR("fixed_unaligned", (long)anon(p + 1, PG, RW, MAP_PRIVATE | MAP_FIXED), EINVAL);
	EXPECT_ERR("no_private_or_shared", (long)anon(NULL, PG, RW, 0), EINVAL);
	/* MAP_PRIVATE | MAP_SHARED is MAP_SHARED_VALIDATE, which anonymous memory rejects. */
	EXPECT_ERR("shared_validate_anon", (long)anon(NULL, PG, RW, MAP_PRIVATE | MAP_SHARED),
		   EINVAL);
	EXPECT_ERR("length_huge", (long)anon(NULL, (size_t)-4096, RW, MAP_PRIVATE), ENOMEM);
	EXPECT_ERR("length_beyond_address_space",
		   (long)anon(NULL, 1UL << 48, RW, MAP_PRIVATE | MAP_NORESERVE), ENOMEM);
	EXPECT_ERR("file_map_bad_fd", syscall(SYS_mmap, NULL, PG, PROT_READ, MAP_PRIVATE, -1, 0),
		   EBADF);
	EXPECT_ERR("file_map_fd_9999", syscall(SYS_mmap, NULL, PG, PROT_READ, MAP_PRIVATE, 9999, 0),
		   EBADF);
	EXPECT_ERR("munmap_unaligned", munmap(p + 1, PG), EINVAL);
	EXPECT_ERR("munmap_length_0", munmap(p, 0), EINVAL);
	EXPECT_ERR("munmap_kernel_range", munmap((void *)(~0UL - 2 * PG + 1), PG), EINVAL);

	EXPECT_VAL("munmap_all", munmap(p, 16 * PG), 0);
	return done();
}
