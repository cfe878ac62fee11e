/*
 * The mappings of a stub's address space, for the guest's /proc/<pid>/maps.
 *
 * The host kernel places every guest mapping (the Sentry asks for anonymous memory and fills
 * file-backed ranges itself), so the layout is read back from the host's maps of the stub.
 * Only addresses, protections and the kernel's special mappings are taken from it: the names
 * the guest sees come from the Sentry's own bookkeeping (sentry/mm.h). The stub's image is
 * the platform's, not the guest's, and is left out.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "platform/platform.h"

long pt_regions(struct pl_thread *th, struct pl_region *out, size_t cap);

/* The stub's image is mapped from this memfd (see stub_image_fd in ptrace.c). */
#define STUB_IMAGE_NAME "/memfd:cvisor-stub"

static enum pl_region_kind kind_of(const char *name)
{
	if (strcmp(name, "[vdso]") == 0)
		return PL_REGION_VDSO;
	/* [vvar], and [vvar_vclock] of newer hosts: both are the vDSO's data pages. */
	if (strncmp(name, "[vvar", 5) == 0)
		return PL_REGION_VVAR;
	if (strcmp(name, "[vsyscall]") == 0)
		return PL_REGION_VSYSCALL;
	return PL_REGION_PLAIN;
}

long pt_regions(struct pl_thread *th, struct pl_region *out, size_t cap)
{
	char path[64], line[4096 + 128];
	size_t n = 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)platform_ptrace.host_tid(th));
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char perms[8] = "";
		int name_at = 0;
		if (sscanf(line, "%lx-%lx %7s %*x %*x:%*x %*u %n", &lo, &hi, perms, &name_at) < 3)
			continue;
		char *name = line + name_at;
		name[strcspn(name, "\n")] = 0;
		if (strncmp(name, STUB_IMAGE_NAME, strlen(STUB_IMAGE_NAME)) == 0)
			continue;
		if (n < cap) {
			struct pl_region *r = &out[n];
			r->start = lo;
			r->end = hi;
			r->prot = (perms[0] == 'r' ? PROT_READ : 0) |
				  (perms[1] == 'w' ? PROT_WRITE : 0) |
				  (perms[2] == 'x' ? PROT_EXEC : 0);
			r->shared = perms[3] == 's';
			r->kind = kind_of(name);
		}
		n++;
	}
	fclose(f);
	return (long)n;
}
