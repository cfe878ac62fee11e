/*
 * libFuzzer harness for elf_parse: the input is the whole file. Build:
 *   clang -fsanitize=fuzzer,address,undefined -I. sentry/elf.c tests/fuzz/fuzz_elf.c -lelf
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sentry/elf.h"

struct input {
	const uint8_t *p;
	size_t n;
};

static long input_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct input *in = ctx;
	if (off >= in->n)
		return 0;
	size_t n = in->n - off < len ? in->n - off : len;
	memcpy(buf, in->p + off, n);
	return (long)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct elf_image img;
	char err[256];
	struct input in = {.p = data, .n = size};
	int rc = elf_parse(input_read, &in, size, &img, err, sizeof(err));
	/* Every rejection must say why; a success must describe something mappable. */
	if (rc && (err[0] == '\0' || !memchr(err, 0, sizeof(err))))
		__builtin_trap();
	if (!rc && (img.nsegs < 1 || img.nsegs > ELF_MAX_SEGS || img.lo >= img.hi ||
		    img.hi > ELF_USER_END))
		__builtin_trap();
	return 0;
}
