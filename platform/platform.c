#include "platform/platform.h"

#include <string.h>

const struct platform_ops *platform_by_name(const char *name)
{
	if (strcmp(name, "ptrace") == 0)
		return &platform_ptrace;
	if (strcmp(name, "seccomp") == 0)
		return &platform_seccomp;
	return NULL;
}
