/* brk: query, grow, touch, shrink. The raw syscall returns the (new or unchanged) break;
 * only relations are printed, never addresses. */
#define _GNU_SOURCE
#include "check.h"

#include <stdint.h>

static uintptr_t sys_brk(uintptr_t addr)
{
	return (uintptr_t)syscall(SYS_brk, addr);
}

int main(void)
{
	/* The first printf allocates stdout's buffer, maybe with brk: get that done first. */
	printf("start\n");
	uintptr_t cur = sys_brk(0);
	EXPECT_TRUE("brk0_nonzero", cur != 0);
	EXPECT_TRUE("brk0_stable", sys_brk(0) == cur);

	/* Grow by 1 MiB and touch every page. */
	uintptr_t want = cur + (1 << 20);
	EXPECT_TRUE("grow_returns_new_break", sys_brk(want) == want);
	EXPECT_TRUE("brk0_after_grow", sys_brk(0) == want);
	volatile unsigned char *p = (unsigned char *)cur;
	int zero = 1;
	for (uintptr_t off = 0; off < (1 << 20); off += 4096) {
		if (p[off] != 0)
			zero = 0;
		p[off] = (unsigned char)((off >> 12) + 1);
	}
	EXPECT_TRUE("new_memory_zeroed", zero);
	int good = 1;
	for (uintptr_t off = 0; off < (1 << 20); off += 4096)
		if (p[off] != (unsigned char)((off >> 12) + 1))
			good = 0;
	EXPECT_TRUE("memory_holds_writes", good);

	/* An unaligned break is kept exactly as asked. */
	EXPECT_TRUE("unaligned_break_kept", sys_brk(want + 123) == want + 123);
	EXPECT_TRUE("brk0_unaligned", sys_brk(0) == want + 123);

	/* Shrink back, then grow again: the re-grown memory is zero again. */
	EXPECT_TRUE("shrink", sys_brk(cur + 4096) == cur + 4096);
	EXPECT_TRUE("first_page_kept", p[0] == 1);
	EXPECT_TRUE("regrow", sys_brk(want) == want);
	EXPECT_TRUE("regrown_memory_zeroed", p[8192] == 0 && p[(1 << 20) - 4096] == 0);

	/* Requests that cannot be met leave the break where it was. */
	EXPECT_TRUE("below_start_unchanged", sys_brk(4096) == want);
	EXPECT_TRUE("huge_unchanged", sys_brk((uintptr_t)1 << 62) == want);
	EXPECT_TRUE("kernel_address_unchanged", sys_brk(~(uintptr_t)0 - 4095) == want);

	EXPECT_TRUE("shrink_to_start", sys_brk(cur) == cur);
	EXPECT_TRUE("brk0_final", sys_brk(0) == cur);

	/* malloc still works (it may use brk). */
	char *m = malloc(100000);
	CHECK(m != NULL);
	memset(m, 1, 100000);
	free(m);
	return done();
}
