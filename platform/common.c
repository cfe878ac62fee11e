/*
 * Helpers both platforms use (see common.h).
 */
#define _GNU_SOURCE
#include "platform/common.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

long pl_vm_rw(pid_t tid, uint64_t addr, void *buf, size_t len, int write)
{
	enum { MAXV = 256 };
	struct iovec local, remote[MAXV];
	size_t done = 0;
	while (done < len) {
		size_t n = 0, chunk = 0;
		uint64_t a = addr + done;
		if (a < addr) /* wrapped */
			break;
		while (n < MAXV && done + chunk < len) {
			size_t in_page = 4096 - ((a + chunk) & 4095);
			size_t want = len - done - chunk;
			size_t take = want < in_page ? want : in_page;
			remote[n].iov_base = (void *)(uintptr_t)(a + chunk);
			remote[n].iov_len = take;
			chunk += take;
			n++;
		}
		local.iov_base = (char *)buf + done;
		local.iov_len = chunk;
		ssize_t r = write ? process_vm_writev(tid, &local, 1, remote, n, 0)
				  : process_vm_readv(tid, &local, 1, remote, n, 0);
		if (r <= 0)
			break;
		done += (size_t)r;
		if ((size_t)r < chunk)
			break;
	}
	return done ? (long)done : (len ? -EFAULT : 0);
}

int pl_mem_poke(pid_t tid, int *mem_fd, uint64_t addr, const void *buf, size_t len)
{
	size_t done = 0;
	if (*mem_fd < 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/mem", tid);
		*mem_fd = open(path, O_RDWR | O_CLOEXEC);
		if (*mem_fd < 0)
			return -errno;
	}
	while (done < len) {
		ssize_t r =
		    pwrite(*mem_fd, (const char *)buf + done, len - done, (off_t)(addr + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -EFAULT;
		done += (size_t)r;
	}
	return 0;
}

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

/* The host kernel places every guest mapping (the Sentry asks for anonymous memory and fills
 * file-backed ranges itself), so the layout is read back from the host's maps of the stub.
 * Only addresses, protections and the kernel's special mappings are taken from it: the names
 * the guest sees come from the Sentry's own bookkeeping (sentry/mm.h). */
long pl_read_regions(pid_t tid, const char *skip_name, uint64_t skip_lo, uint64_t skip_hi,
		     struct pl_region *out, size_t cap)
{
	char path[64], line[4096 + 128];
	size_t n = 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)tid);
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
		if (skip_name && strncmp(name, skip_name, strlen(skip_name)) == 0)
			continue;
		if (lo >= skip_lo && hi <= skip_hi)
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

int pl_find_mapping(pid_t pid, const char *name, uint64_t *lo, uint64_t *hi)
{
	char path[64], line[4096 + 128];
	int err = -ENOENT;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	while (err < 0 && fgets(line, sizeof(line), f)) {
		unsigned long l, h;
		int name_at = 0;
		if (sscanf(line, "%lx-%lx %*s %*x %*x:%*x %*u %n", &l, &h, &name_at) < 2)
			continue;
		char *n = line + name_at;
		n[strcspn(n, "\n")] = 0;
		if (strcmp(n, name) == 0) {
			*lo = l;
			*hi = h;
			err = 0;
		}
	}
	fclose(f);
	return err;
}

/*
 * Each guest thread and its Sentry thread run on one CPU: every trap is a hand-off between
 * the two, and a hand-off across CPUs costs a cross-CPU wake-up each way (measured here with
 * ptrace: getppid 47 us unpinned, 11.5 us pinned; bench/run.sh). Pairs are spread
 * round-robin over the CPUs cvisor was started with, so threads still run in parallel.
 */
static cpu_set_t start_cpus;
static int start_ncpus;
static pthread_once_t cpus_once = PTHREAD_ONCE_INIT;
static unsigned next_cpu;

static void cpus_init(void)
{
	if (sched_getaffinity(0, sizeof(start_cpus), &start_cpus) < 0)
		CPU_ZERO(&start_cpus);
	start_ncpus = CPU_COUNT(&start_cpus);
}

void pl_pin_pair(pid_t stub_tid)
{
	pthread_once(&cpus_once, cpus_init);
	if (start_ncpus < 2)
		return;
	unsigned k = __atomic_fetch_add(&next_cpu, 1, __ATOMIC_RELAXED) % (unsigned)start_ncpus;
	int cpu = -1;
	for (int c = 0; c < CPU_SETSIZE && cpu < 0; c++)
		if (CPU_ISSET(c, &start_cpus) && k-- == 0)
			cpu = c;
	if (cpu < 0)
		return;
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	/* Best effort: a failure only costs speed. */
	if (sched_setaffinity(0, sizeof(one), &one) == 0)
		sched_setaffinity(stub_tid, sizeof(one), &one);
}
