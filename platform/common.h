/*
 * Helpers both platforms use: guest memory through the host's cross-process calls, the
 * host's view of an address space's mappings, and CPU pinning of a stub thread with the
 * Sentry thread that drives it.
 */
#ifndef CVISOR_PLATFORM_COMMON_H
#define CVISOR_PLATFORM_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "platform/platform.h"

/* process_vm_readv/writev in tid's address space, page by page so that a fault part-way
 * gives a short count: the number of bytes copied, or -EFAULT when none could be. */
long pl_vm_rw(pid_t tid, uint64_t addr, void *buf, size_t len, int write);

/* Writes through read-only protections (/proc/<tid>/mem, opened into *mem_fd on first use;
 * the caller closes it). */
int pl_mem_poke(pid_t tid, int *mem_fd, uint64_t addr, const void *buf, size_t len);

/* tid's mappings as platform_ops.regions returns them, leaving out the platform's own: those
 * whose name starts with skip_name (when not NULL) and those inside [skip_lo, skip_hi). */
long pl_read_regions(pid_t tid, const char *skip_name, uint64_t skip_lo, uint64_t skip_hi,
		     struct pl_region *out, size_t cap);

/* Finds the first mapping of pid named exactly name ("[stack]"): 0, or -ENOENT. */
int pl_find_mapping(pid_t pid, const char *name, uint64_t *lo, uint64_t *hi);

/* Pins the calling Sentry thread and stub_tid to one CPU, round-robin over the CPUs cvisor
 * started with (a hand-off between them across CPUs costs a cross-CPU wake-up each way). */
void pl_pin_pair(pid_t stub_tid);

#endif
