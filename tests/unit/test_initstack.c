/* Tests for sentry/initstack.c: the image is read back the way a guest's libc would. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sentry/initstack.h"

#define TOP 0x7ffffffde000ULL

static const uint8_t rnd[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const char *const argv_[] = {"prog", "a"};
static const char *const envp_[] = {"X=1"};
static const struct auxv_pair aux_[] = {{AT_PHDR, 0x400040}, {AT_PAGESZ, 4096}};

/* The image as the guest sees it: guest addresses map back to offsets in buf. */
struct view {
	const uint8_t *buf;
	uint64_t sp;
	size_t size;
};

static const void *at(const struct view *v, uint64_t addr, size_t len)
{
	assert_true(addr >= v->sp);
	assert_true(addr - v->sp + len <= v->size);
	return v->buf + (addr - v->sp);
}

static uint64_t word(const struct view *v, uint64_t addr)
{
	uint64_t w;
	memcpy(&w, at(v, addr, 8), 8);
	return w;
}

static const char *str(const struct view *v, uint64_t addr)
{
	const char *s = at(v, addr, 1);
	size_t room = v->size - (addr - v->sp);
	assert_non_null(memchr(s, 0, room));
	return s;
}

static struct initstack_in base_in(void)
{
	return (struct initstack_in){.stack_top = TOP,
				     .argv = argv_,
				     .argc = 2,
				     .envp = envp_,
				     .envc = 1,
				     .execfn = "/usr/bin/prog",
				     .platform = "x86_64",
				     .random16 = rnd,
				     .auxv = aux_,
				     .auxc = 2};
}

/* Finds type in the auxv at addr; returns its value, fails when absent. */
static uint64_t auxv_get(const struct view *v, uint64_t addr, uint64_t type)
{
	for (;; addr += 16) {
		uint64_t t = word(v, addr);
		if (t == type)
			return word(v, addr + 8);
		if (t == AT_NULL)
			fail_msg("auxv type %llu missing", (unsigned long long)type);
	}
}

static void test_layout(void **state)
{
	static uint8_t buf[8192];
	struct initstack_in in = base_in();
	uint64_t sp = 0;
	long n = initstack_build(&in, buf, sizeof(buf), &sp);
	assert_true(n > 0);
	assert_int_equal(sp % 16, 0);
	assert_int_equal(sp + (uint64_t)n, TOP);
	struct view v = {.buf = buf, .sp = sp, .size = (size_t)n};

	/* argc, argv, envp */
	assert_int_equal(word(&v, sp), 2);
	assert_string_equal(str(&v, word(&v, sp + 8)), "prog");
	assert_string_equal(str(&v, word(&v, sp + 16)), "a");
	assert_int_equal(word(&v, sp + 24), 0);
	assert_string_equal(str(&v, word(&v, sp + 32)), "X=1");
	assert_int_equal(word(&v, sp + 40), 0);

	/* Strings are contiguous, argv then envp, then execfn, then the 8-byte end marker. */
	uint64_t s0 = word(&v, sp + 8);
	assert_int_equal(word(&v, sp + 16), s0 + 5);
	assert_int_equal(word(&v, sp + 32), s0 + 7);
	uint64_t auxv = sp + 48;
	uint64_t execfn = auxv_get(&v, auxv, AT_EXECFN);
	assert_int_equal(execfn, s0 + 11);
	assert_string_equal(str(&v, execfn), "/usr/bin/prog");
	assert_int_equal(execfn + sizeof("/usr/bin/prog"), TOP - 8);
	assert_int_equal(word(&v, TOP - 8), 0);

	/* auxv: the caller's pairs first, in order, then the added ones, AT_NULL last. */
	assert_int_equal(word(&v, auxv), AT_PHDR);
	assert_int_equal(word(&v, auxv + 8), 0x400040);
	assert_int_equal(word(&v, auxv + 16), AT_PAGESZ);
	assert_int_equal(word(&v, auxv + 24), 4096);
	uint64_t random = auxv_get(&v, auxv, AT_RANDOM);
	assert_memory_equal(at(&v, random, 16), rnd, 16);
	uint64_t plat = auxv_get(&v, auxv, AT_PLATFORM);
	assert_string_equal(str(&v, plat), "x86_64");
	assert_int_equal(plat, random + 16); /* as create_elf_tables: random just below platform */
	assert_int_equal(plat + sizeof("x86_64"), s0 & ~15ULL); /* arch_align_stack */
	int count = 0;
	uint64_t a = auxv;
	while (word(&v, a) != AT_NULL) {
		a += 16;
		count++;
	}
	assert_int_equal(count, 5); /* PHDR, PAGESZ, RANDOM, EXECFN, PLATFORM */
	assert_int_equal(word(&v, a + 8), 0);
	assert_true(a + 16 <= random); /* auxv ends below the random bytes, never over them */
	assert_true(random - (a + 16) < 16);
}

static void test_no_platform_no_env(void **state)
{
	static uint8_t buf[4096];
	struct initstack_in in = base_in();
	in.platform = NULL;
	in.envp = NULL;
	in.envc = 0;
	in.auxv = NULL;
	in.auxc = 0;
	uint64_t sp;
	long n = initstack_build(&in, buf, sizeof(buf), &sp);
	assert_true(n > 0);
	assert_int_equal(sp % 16, 0);
	struct view v = {.buf = buf, .sp = sp, .size = (size_t)n};
	assert_int_equal(word(&v, sp + 24), 0); /* argv's NULL */
	assert_int_equal(word(&v, sp + 32), 0); /* envp: just its NULL */
	uint64_t auxv = sp + 40;
	assert_int_equal(word(&v, auxv), AT_RANDOM);
	assert_int_equal(word(&v, auxv + 16), AT_EXECFN);
	assert_int_equal(word(&v, auxv + 32), AT_NULL);
}

static void test_alignment_all_sizes(void **state)
{
	/* Whatever the string lengths, sp ends 16-aligned and everything fits. */
	static uint8_t buf[8192];
	char s[40];
	for (int len = 0; len < 33; len++) {
		memset(s, 'z', (size_t)len);
		s[len] = 0;
		const char *av[] = {s, "b", "cc"};
		struct initstack_in in = base_in();
		in.argv = av;
		in.argc = (size_t)(len % 3) + 1;
		uint64_t sp;
		long n = initstack_build(&in, buf, sizeof(buf), &sp);
		assert_true(n > 0);
		assert_int_equal(sp % 16, 0);
		struct view v = {.buf = buf, .sp = sp, .size = (size_t)n};
		assert_int_equal(word(&v, sp), in.argc);
		assert_string_equal(str(&v, word(&v, sp + 8)), s);
	}
}

static void test_e2big(void **state)
{
	static uint8_t buf[4096];
	struct initstack_in in = base_in();
	uint64_t sp = 0;
	long n = initstack_build(&in, buf, sizeof(buf), &sp);
	assert_true(n > 0);
	/* One byte short of the exact size fails; the exact size works. */
	assert_int_equal(initstack_build(&in, buf, (size_t)n - 1, &sp), -E2BIG);
	assert_int_equal(initstack_build(&in, buf, (size_t)n, &sp), n);
	assert_int_equal(initstack_build(&in, buf, 0, &sp), -E2BIG);

	/* A single string longer than MAX_ARG_STRLEN. */
	char *big = malloc(INITSTACK_MAX_STRLEN + 1);
	assert_non_null(big);
	memset(big, 'x', INITSTACK_MAX_STRLEN);
	big[INITSTACK_MAX_STRLEN] = 0;
	const char *av[] = {big};
	in.argv = av;
	in.argc = 1;
	assert_int_equal(initstack_build(&in, buf, sizeof(buf), &sp), -E2BIG);
	free(big);

	/* Counts whose pointers alone exceed cap fail before any string is looked at (argv has
	 * two entries: reading further would be caught by ASan). */
	in = base_in();
	in.argc = 1000;
	assert_int_equal(initstack_build(&in, buf, sizeof(buf), &sp), -E2BIG);
	in.argc = SIZE_MAX / 8;
	assert_int_equal(initstack_build(&in, buf, sizeof(buf), &sp), -E2BIG);
	in.argc = SIZE_MAX;
	assert_int_equal(initstack_build(&in, buf, sizeof(buf), &sp), -E2BIG);
	in = base_in();
	in.auxc = SIZE_MAX / 2;
	assert_int_equal(initstack_build(&in, buf, sizeof(buf), &sp), -E2BIG);
}

static void test_einval(void **state)
{
	static uint8_t buf[4096];
	uint64_t sp;
	struct initstack_in in = base_in();
	in.stack_top = TOP + 8;
	assert_int_equal(initstack_build(&in, buf, sizeof(buf), &sp), -EINVAL);
	in = base_in();
	in.stack_top = 64; /* the image would start below address 0 */
	assert_int_equal(initstack_build(&in, buf, sizeof(buf), &sp), -EINVAL);
	in = base_in();
	in.random16 = NULL;
	assert_int_equal(initstack_build(&in, buf, sizeof(buf), &sp), -EINVAL);
	in = base_in();
	in.execfn = NULL;
	assert_int_equal(initstack_build(&in, buf, sizeof(buf), &sp), -EINVAL);
	const struct auxv_pair bad[] = {{AT_PHDR, 1}, {AT_NULL, 0}};
	in = base_in();
	in.auxv = bad;
	assert_int_equal(initstack_build(&in, buf, sizeof(buf), &sp), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layout),
	    cmocka_unit_test(test_no_platform_no_env),
	    cmocka_unit_test(test_alignment_all_sizes),
	    cmocka_unit_test(test_e2big),
	    cmocka_unit_test(test_einval),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
