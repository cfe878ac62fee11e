#include "sentry/initstack.h"

#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Guest addresses of everything in the image, computed before a byte is written. */
struct layout {
	uint64_t sp;	   /* argc */
	uint64_t strings;  /* argv[0]'s string; envp's follow the argv strings */
	uint64_t execfn;   /* AT_EXECFN */
	uint64_t platform; /* AT_PLATFORM, 0 when there is none */
	uint64_t random;   /* AT_RANDOM */
	uint64_t auxv;	   /* the first auxv pair */
	size_t nauxv;	   /* pairs, AT_NULL included */
	size_t size;	   /* stack_top - sp */
};

/* Adds a string's size (NUL included) to the running depth below stack_top. */
static int add_string(size_t *depth, const char *s)
{
	if (!s)
		return -EINVAL;
	size_t n = strnlen(s, INITSTACK_MAX_STRLEN) + 1;
	/* Linux's valid_arg_len: E2BIG for one string longer than MAX_ARG_STRLEN. */
	if (n > INITSTACK_MAX_STRLEN)
		return -E2BIG;
	if (__builtin_add_overflow(*depth, n, depth))
		return -E2BIG;
	return 0;
}

static int add_strings(size_t *depth, const char *const *v, size_t n)
{
	if (n && !v)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int rc = add_string(depth, v[i]);
		if (rc)
			return rc;
	}
	return 0;
}

/* Adds n words to the depth, with overflow checks. */
static int add_words(size_t *depth, size_t n)
{
	size_t bytes;
	if (__builtin_mul_overflow(n, sizeof(uint64_t), &bytes) ||
	    __builtin_add_overflow(*depth, bytes, depth))
		return -E2BIG;
	return 0;
}

static int round16(size_t *depth)
{
	if (__builtin_add_overflow(*depth, 15, depth))
		return -E2BIG;
	*depth &= ~(size_t)15;
	return 0;
}

/* The auxv entries initstack_build adds itself may not come from the caller: a stray AT_NULL
 * would cut the vector short for the guest's reader. */
static int check_auxv(const struct initstack_in *in)
{
	if (in->auxc && !in->auxv)
		return -EINVAL;
	for (size_t i = 0; i < in->auxc; i++) {
		uint64_t t = in->auxv[i].type;
		if (t == AT_NULL || t == AT_RANDOM || t == AT_EXECFN || t == AT_PLATFORM)
			return -EINVAL;
	}
	return 0;
}

/* The strings block at the top, as fs/exec.c copies them: execfn first (highest), then envp,
 * then argv, each vector from its last string down. */
static int plan_strings(const struct initstack_in *in, struct layout *l, size_t *depth)
{
	int rc;
	*depth = sizeof(uint64_t); /* bprm->p starts one pointer below the top */
	if ((rc = add_string(depth, in->execfn)))
		return rc;
	l->execfn = in->stack_top - *depth; /* may wrap for now; checked once the size is known */
	if ((rc = add_strings(depth, in->envp, in->envc)) ||
	    (rc = add_strings(depth, in->argv, in->argc)))
		return rc;
	l->strings = in->stack_top - *depth;
	return 0;
}

/* create_elf_tables: platform, random bytes, then auxv, envp, argv, argc below them. */
static int plan_tables(const struct initstack_in *in, struct layout *l, size_t depth)
{
	int rc;
	if ((rc = round16(&depth))) /* arch_align_stack */
		return rc;
	if (in->platform) {
		if ((rc = add_string(&depth, in->platform)))
			return rc;
		l->platform = in->stack_top - depth;
	}
	if (__builtin_add_overflow(depth, 16, &depth))
		return -E2BIG;
	l->random = in->stack_top - depth;
	/* check_counts has bounded argc, envc and auxc by cap / 8: no sum below can wrap. */
	l->nauxv = in->auxc + 3 + (in->platform ? 1 : 0); /* RANDOM, EXECFN, [PLATFORM], NULL */
	size_t items = in->argc + 1 + in->envc + 1 + 1;
	/* STACK_ADD then STACK_ROUND: the padding goes between auxv and the random bytes. */
	if ((rc = add_words(&depth, l->nauxv * 2)) || (rc = add_words(&depth, items)) ||
	    (rc = round16(&depth)))
		return rc;
	l->size = depth;
	l->sp = in->stack_top - depth;
	l->auxv = l->sp + items * sizeof(uint64_t);
	return 0;
}

/* Like Linux's bprm_stack_limits, the pointers are weighed first: a count that cannot fit is
 * refused before a single string (or auxv entry) is looked at. */
static int check_counts(const struct initstack_in *in, size_t cap)
{
	size_t words = 16, pairs; /* argc, the three NULLs, the four auxv pairs added here */
	if (__builtin_mul_overflow(in->auxc, 2, &pairs) ||
	    __builtin_add_overflow(words, pairs, &words) ||
	    __builtin_add_overflow(words, in->argc, &words) ||
	    __builtin_add_overflow(words, in->envc, &words) || words > cap / sizeof(uint64_t))
		return -E2BIG;
	return 0;
}

static int plan(const struct initstack_in *in, struct layout *l, size_t cap)
{
	size_t depth;
	memset(l, 0, sizeof(*l));
	if (in->stack_top % 16 || !in->random16)
		return -EINVAL;
	int rc = check_counts(in, cap);
	if (!rc)
		rc = check_auxv(in);
	if (!rc)
		rc = plan_strings(in, l, &depth);
	if (!rc)
		rc = plan_tables(in, l, depth);
	if (rc)
		return rc;
	if (l->size > cap)
		return -E2BIG;
	if (l->size > in->stack_top)
		return -EINVAL;
	return 0;
}

/* The writer: addresses are turned into offsets from sp. */
struct img {
	unsigned char *buf;
	uint64_t sp;
};

static void put_bytes(struct img *m, uint64_t addr, const void *p, size_t n)
{
	memcpy(m->buf + (addr - m->sp), p, n);
}

static uint64_t put_word(struct img *m, uint64_t addr, uint64_t v)
{
	put_bytes(m, addr, &v, sizeof(v));
	return addr + sizeof(v);
}

/* Copies a vector's strings from *str up, and their addresses from at up; NULL-terminated. */
static uint64_t put_vector(struct img *m, uint64_t at, const char *const *v, size_t n,
			   uint64_t *str)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(v[i]) + 1;
		put_bytes(m, *str, v[i], len);
		at = put_word(m, at, *str);
		*str += len;
	}
	return put_word(m, at, 0);
}

static void put_auxv(struct img *m, const struct initstack_in *in, const struct layout *l)
{
	uint64_t at = l->auxv;
	for (size_t i = 0; i < in->auxc; i++) {
		at = put_word(m, at, in->auxv[i].type);
		at = put_word(m, at, in->auxv[i].val);
	}
	at = put_word(m, at, AT_RANDOM);
	at = put_word(m, at, l->random);
	at = put_word(m, at, AT_EXECFN);
	at = put_word(m, at, l->execfn);
	if (in->platform) {
		at = put_word(m, at, AT_PLATFORM);
		at = put_word(m, at, l->platform);
	}
	at = put_word(m, at, AT_NULL);
	put_word(m, at, 0);
}

long initstack_build(const struct initstack_in *in, void *out, size_t cap, uint64_t *sp)
{
	struct layout l;
	int rc = plan(in, &l, cap);
	if (rc)
		return rc;
	struct img m = {.buf = out, .sp = l.sp};
	memset(out, 0, l.size); /* padding and the top end marker are zeros, as on fresh pages */
	put_bytes(&m, l.execfn, in->execfn, strlen(in->execfn) + 1);
	if (in->platform)
		put_bytes(&m, l.platform, in->platform, strlen(in->platform) + 1);
	put_bytes(&m, l.random, in->random16, 16);

	uint64_t str = l.strings;
	uint64_t at = put_word(&m, l.sp, in->argc);
	at = put_vector(&m, at, in->argv, in->argc, &str);
	put_vector(&m, at, in->envp, in->envc, &str);
	put_auxv(&m, in, &l);
	*sp = l.sp;
	return (long)l.size;
}
