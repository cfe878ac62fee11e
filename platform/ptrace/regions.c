/*
 * The mappings of a stub's address space, for the guest's /proc/<pid>/maps.
 *
 * The layout is read back from the host's maps of the stub (platform/common.c says why).
 * The stub's image is the platform's, not the guest's, and is left out.
 */
#include "platform/common.h"
#include "platform/platform.h"

long pt_regions(struct pl_thread *th, struct pl_region *out, size_t cap);

/* The stub's image is mapped from this memfd (see stub_image_fd in ptrace.c). */
#define STUB_IMAGE_NAME "/memfd:cvisor-stub"

long pt_regions(struct pl_thread *th, struct pl_region *out, size_t cap)
{
	return pl_read_regions(platform_ptrace.host_tid(th), STUB_IMAGE_NAME, 0, 0, out, cap);
}
