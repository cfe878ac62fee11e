/* Copying a path argument from the guest: once, bounded by PATH_MAX. */
#ifndef CVISOR_PATH_ARG_H
#define CVISOR_PATH_ARG_H

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "sentry/task.h"

/* On success *out is a malloc'd NUL-terminated copy (possibly ""); -EFAULT, -ENAMETOOLONG. */
static inline long path_arg(struct task *t, uint64_t upath, char **out)
{
	char *buf = malloc(PATH_MAX);
	if (!buf)
		return -ENOMEM;
	long n = copy_string_from_guest(t, buf, upath, PATH_MAX);
	if (n < 0) {
		free(buf);
		return n;
	}
	*out = buf;
	return 0;
}

#endif
