/* getrandom: lengths, flags, and that the bytes look random (two draws differ). */
#define _GNU_SOURCE
#include "check.h"

#include <sys/random.h>

#ifndef GRND_INSECURE
#define GRND_INSECURE 0x0004
#endif

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

int main(void)
{
	static unsigned char a[65536], b[65536];

	EXPECT_VAL("len_0", syscall(SYS_getrandom, a, 0, 0), 0);
	EXPECT_VAL("len_1", syscall(SYS_getrandom, a, 1, 0), 1);
	EXPECT_VAL("len_16", syscall(SYS_getrandom, a, 16, 0), 16);
	EXPECT_VAL("len_256", syscall(SYS_getrandom, a, 256, 0), 256);
	/* Up to 256 bytes never come back short; larger requests from the urandom source
	 * are filled completely too unless interrupted. */
	EXPECT_VAL("len_4096", syscall(SYS_getrandom, a, 4096, 0), 4096);
	EXPECT_VAL("len_65536", syscall(SYS_getrandom, a, sizeof(a), 0), sizeof(a));
	OK(syscall(SYS_getrandom, b, sizeof(b), 0));
	EXPECT_TRUE("two_draws_differ", memcmp(a, b, sizeof(a)) != 0);
	EXPECT_TRUE("not_all_zero", !all_zero(a, sizeof(a)));

	/* Roughly half the bits are set. */
	long bits = 0;
	for (size_t i = 0; i < sizeof(a); i++)
		bits += __builtin_popcount(a[i]);
	EXPECT_TRUE("bit_balance_plausible",
		    bits > 8 * 65536 * 45 / 100 && bits < 8 * 65536 * 55 / 100);

	/* Small draws differ too. */
	unsigned long long x = 0, y = 0;
	OK(syscall(SYS_getrandom, &x, sizeof(x), 0));
	OK(syscall(SYS_getrandom, &y, sizeof(y), 0));
	EXPECT_TRUE("small_draws_differ", x != y);

	/* Flags. */
	EXPECT_VAL("nonblock", syscall(SYS_getrandom, a, 16, GRND_NONBLOCK), 16);
	EXPECT_VAL("random", syscall(SYS_getrandom, a, 16, GRND_RANDOM), 16);
	EXPECT_VAL("random_nonblock", syscall(SYS_getrandom, a, 16, GRND_RANDOM | GRND_NONBLOCK),
		   16);
	EXPECT_VAL("insecure", syscall(SYS_getrandom, a, 16, GRND_INSECURE), 16);
	EXPECT_VAL("insecure_nonblock",
		   syscall(SYS_getrandom, a, 16, GRND_INSECURE | GRND_NONBLOCK), 16);
	EXPECT_ERR("insecure_and_random",
		   syscall(SYS_getrandom, a, 16, GRND_INSECURE | GRND_RANDOM), EINVAL);
	EXPECT_ERR("unknown_flag_0x8", syscall(SYS_getrandom, a, 16, 0x8), EINVAL);
	EXPECT_ERR("unknown_flag_0x100", syscall(SYS_getrandom, a, 16, 0x100), EINVAL);
	EXPECT_ERR("unknown_flag_high", syscall(SYS_getrandom, a, 16, 0x80000000u), EINVAL);

	/* Bad buffers. */
	EXPECT_ERR("bad_buffer", syscall(SYS_getrandom, BADPTR, 16, 0), EFAULT);
	EXPECT_ERR("null_buffer", syscall(SYS_getrandom, NULL, 16, 0), EFAULT);
	EXPECT_VAL("bad_buffer_len_0", syscall(SYS_getrandom, BADPTR, 0, 0), 0);

	/* libc wrapper. */
	EXPECT_VAL("libc_getrandom", getrandom(a, 32, 0), 32);
	return done();
}
