/* Guest memory access for syscall handlers: each call is one copy, checked as a whole. */
#include <errno.h>
#include <string.h>

#include "sentry/task.h"

int copy_from_guest(struct task *t, void *dst, uint64_t src, size_t len)
{
	if (len == 0)
		return 0;
	long n = t->pl->read(t->th, src, dst, len);
	return n == (long)len ? 0 : -EFAULT;
}

int copy_to_guest(struct task *t, uint64_t dst, const void *src, size_t len)
{
	if (len == 0)
		return 0;
	long n = t->pl->write(t->th, dst, src, len);
	return n == (long)len ? 0 : -EFAULT;
}

/* Reads up to the end of each page at a time, so a string that ends just before an unmapped
 * page is still read, and stops at the first NUL. */
long copy_string_from_guest(struct task *t, char *dst, uint64_t src, size_t max)
{
	size_t done = 0;
	if (max == 0)
		return -ENAMETOOLONG;
	while (done < max) {
		uint64_t a = src + done;
		size_t chunk = 4096 - (a & 4095);
		if (chunk > max - done)
			chunk = max - done;
		long n = t->pl->read(t->th, a, dst + done, chunk);
		if (n <= 0)
			return -EFAULT;
		char *nul = memchr(dst + done, 0, (size_t)n);
		if (nul)
			return nul - dst;
		done += (size_t)n;
		if ((size_t)n < chunk)
			return -EFAULT;
	}
	dst[max - 1] = 0;
	return -ENAMETOOLONG;
}
