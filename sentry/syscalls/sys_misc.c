/*
 * Small per-task syscalls: uname, getrandom, sysinfo, scheduling queries, thread-library
 * registrations (set_tid_address, set_robust_list, arch_prctl) and resource limits.
 *
 * A pid argument can only name the caller until the process table exists: any other pid is
 * answered ESRCH, as for a pid no process has.
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "fs/vfs.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"
#include "sentry/uts.h"

#define GUEST_PAGE_SIZE 4096UL

/* The kernel's MAX_RW_COUNT: no single read-like call moves more than this. */
#define MAX_RW_COUNT ((size_t)INT_MAX & ~(GUEST_PAGE_SIZE - 1))

/* x86_64's TASK_SIZE_MAX with 4-level paging: the first address no user pointer reaches. */
#define TASK_SIZE_MAX 0x7ffffffff000ULL

/* fs.nr_open's default: the kernel refuses an RLIMIT_NOFILE hard limit above it (EPERM). */
#define NR_OPEN_MAX 1048576UL

static int is_self(const struct task *t, pid_t pid)
{
	return pid == 0 || pid == t->tid || pid == t->tgid;
}

/* ---- uname ------------------------------------------------------------------------------ */

struct guest_utsname {
	char sysname[CVISOR_UTS_LEN];
	char nodename[CVISOR_UTS_LEN];
	char release[CVISOR_UTS_LEN];
	char version[CVISOR_UTS_LEN];
	char machine[CVISOR_UTS_LEN];
	char domainname[CVISOR_UTS_LEN];
};

/* Copies at most CVISOR_UTS_LEN - 1 bytes so the field stays NUL-terminated even if the
 * source is not. */
static void uts_set(char *field, const char *s)
{
	size_t n = strnlen(s, CVISOR_UTS_LEN - 1);
	memcpy(field, s, n);
	field[n] = 0;
}

long sys_uname(struct task *t, const uint64_t a[6])
{
	struct guest_utsname u;
	memset(&u, 0, sizeof(u)); /* the whole struct is copied: no stale Sentry bytes */
	uts_set(u.sysname, CVISOR_UTS_SYSNAME);
	uts_set(u.nodename, t->sb->hostname);
	uts_set(u.release, CVISOR_UTS_RELEASE);
	uts_set(u.version, CVISOR_UTS_VERSION);
	uts_set(u.machine, CVISOR_UTS_MACHINE);
	uts_set(u.domainname, t->sb->domainname);
	return copy_to_guest(t, a[0], &u, sizeof(u));
}

/* ---- getrandom -------------------------------------------------------------------------- */

/* The most the Sentry holds in memory for one getrandom call at a time. */
#define GETRANDOM_CHUNK (1UL << 20)

/* Copies len bytes and returns how many reached the guest. copy_to_guest is all or nothing,
 * so after a fault the chunk is redone page by page to find where the guest's memory ends,
 * which is what the kernel reports (it stops at the faulting page). */
static size_t copy_to_guest_partial(struct task *t, uint64_t dst, const uint8_t *src, size_t len)
{
	size_t done = 0;
	if (copy_to_guest(t, dst, src, len) == 0)
		return len;
	while (done < len) {
		size_t n = GUEST_PAGE_SIZE - ((dst + done) & (GUEST_PAGE_SIZE - 1));
		if (n > len - done)
			n = len - done;
		if (copy_to_guest(t, dst + done, src + done, n))
			break;
		done += n;
	}
	return done;
}

/*
 * Linux 6.6: flags within NONBLOCK|RANDOM|INSECURE, RANDOM and INSECURE not together; the
 * length is cut to MAX_RW_COUNT and the whole range must be user addresses (access_ok);
 * a fault part way returns the bytes written so far, or EFAULT when there are none.
 */
long sys_getrandom(struct task *t, const uint64_t a[6])
{
	uint64_t buf = a[0];
	size_t len = a[1];
	unsigned flags = (unsigned)a[2];
	size_t done = 0;
	long err = 0;

	if (flags & ~(unsigned)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if ((flags & (GRND_RANDOM | GRND_INSECURE)) == (GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if (len > MAX_RW_COUNT)
		len = MAX_RW_COUNT;
	if (buf + len < buf || (int64_t)(buf + len) < 0)
		return -EFAULT;
	if (len == 0)
		return 0;

	uint8_t *tmp = malloc(len < GETRANDOM_CHUNK ? len : GETRANDOM_CHUNK);
	if (!tmp)
		return -ENOMEM;
	while (done < len) {
		size_t want = len - done < GETRANDOM_CHUNK ? len - done : GETRANDOM_CHUNK;
		/* The guest's flags mean the same to the host's pool. */
		ssize_t got = getrandom(tmp, want, flags);
		if (got < 0) {
			err = -errno;
			break;
		}
		size_t put = copy_to_guest_partial(t, buf + done, tmp, (size_t)got);
		done += put;
		if (put < (size_t)got) {
			err = -EFAULT;
			break;
		}
	}
	explicit_bzero(tmp, len < GETRANDOM_CHUNK ? len : GETRANDOM_CHUNK);
	free(tmp);
	return done ? (long)done : err;
}

/* ---- sysinfo ---------------------------------------------------------------------------- */

/* The kernel's struct sysinfo on x86_64 (112 bytes, _f[] is empty there). */
struct guest_sysinfo {
	int64_t uptime;
	uint64_t loads[3];
	uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint16_t procs, pad;
	uint64_t totalhigh, freehigh;
	uint32_t mem_unit;
};
_Static_assert(sizeof(struct guest_sysinfo) == 112, "struct sysinfo layout");

long sys_sysinfo(struct task *t, const uint64_t a[6])
{
	struct guest_sysinfo si;
	struct sysinfo host;
	struct timespec now;

	memset(&si, 0, sizeof(si)); /* the padding reaches the guest too */
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t sec = now.tv_sec - t->sb->boot_time.tv_sec;
	long nsec = now.tv_nsec - t->sb->boot_time.tv_nsec;
	if (nsec < 0) {
		sec--;
		nsec += 1000000000L;
	}
	si.uptime = sec + (nsec ? 1 : 0); /* the kernel rounds a started second up */
	if (sysinfo(&host) == 0) {
		si.totalram = (uint64_t)host.totalram * host.mem_unit;
		si.freeram = (uint64_t)host.freeram * host.mem_unit;
	}
	si.procs = 1; /* no process table yet: the caller is the only process */
	si.mem_unit = 1;
	return copy_to_guest(t, a[0], &si, sizeof(si));
}

/* ---- scheduling ------------------------------------------------------------------------- */

long sys_sched_yield(struct task *t, const uint64_t a[6])
{
	sched_yield();
	return 0;
}

/* NR_CPUS is at most 8192 on x86_64, so the kernel's cpumask never exceeds this. */
#define AFFINITY_MAX_BYTES 1024U

/*
 * The guest's affinity is the Sentry's. The kernel rejects len when len * 8 (a 32-bit
 * product that wraps for huge len) < nr_cpu_ids or when len is not a multiple of 8, and
 * returns min(len, cpumask_size()). The host applies those same rules, so its answer for the
 * same length is the guest's; only the buffer is bounded here, with an extra host call when
 * the kernel's product wraps, so that it sees the wrapped value.
 */
long sys_sched_getaffinity(struct task *t, const uint64_t a[6])
{
	pid_t pid = (pid_t)a[0];
	unsigned len = (unsigned)a[1];
	uint64_t mask[AFFINITY_MAX_BYTES / sizeof(uint64_t)];
	unsigned use = len < AFFINITY_MAX_BYTES ? len : AFFINITY_MAX_BYTES;
	unsigned check = (len * 8U) / 8U; /* == len unless the kernel's len * 8 wraps */
	long n;

	if (len & (sizeof(long) - 1))
		return -EINVAL;
	if (check < use) {
		n = syscall(SYS_sched_getaffinity, 0, check, mask);
		if (n < 0)
			return -errno;
	}
	n = syscall(SYS_sched_getaffinity, 0, use, mask);
	if (n < 0)
		return -errno;
	/* The lengths are the host's answer; the CPUs are the sandbox's, as it started: the
	 * Sentry pins its own threads (platform/ptrace), which is no business of the guest. */
	memset(mask, 0, sizeof(mask));
	memcpy(mask, &t->sb->cpus, (size_t)n < sizeof(t->sb->cpus) ? (size_t)n : sizeof(t->sb->cpus));
	/* The kernel checks the length before it looks the pid up. */
	if (!is_self(t, pid))
		return -ESRCH;
	if (copy_to_guest(t, a[2], mask, (size_t)n))
		return -EFAULT;
	return n;
}

/* ---- thread-library registrations ------------------------------------------------------ */

long sys_set_tid_address(struct task *t, const uint64_t a[6])
{
	t->clear_child_tid = a[0];
	return t->tid;
}

/* sizeof(struct robust_list_head) on x86_64: list.next, futex_offset, list_op_pending. */
#define ROBUST_LIST_HEAD_SIZE 24

long sys_set_robust_list(struct task *t, const uint64_t a[6])
{
	if (a[1] != ROBUST_LIST_HEAD_SIZE)
		return -EINVAL;
	t->robust_list = a[0];
	t->robust_len = a[1];
	return 0;
}

/* The set of Linux 6.6 as built without shadow stacks, LAM, AMX permissions or
 * checkpoint/restore: everything else is EINVAL, as from such a kernel. */
long sys_arch_prctl(struct task *t, const uint64_t a[6])
{
	int option = (int)a[0];
	uint64_t arg = a[1];

	switch (option) {
	case ARCH_SET_FS:
		if (arg >= TASK_SIZE_MAX)
			return -EPERM;
		t->regs.fs_base = arg;
		t->regs.fs = 0; /* the kernel clears the selector so the base is what loads */
		return 0;
	case ARCH_SET_GS:
		if (arg >= TASK_SIZE_MAX)
			return -EPERM;
		t->regs.gs_base = arg;
		t->regs.gs = 0;
		return 0;
	case ARCH_GET_FS:
		return copy_to_guest(t, arg, &t->regs.fs_base, sizeof(t->regs.fs_base));
	case ARCH_GET_GS:
		return copy_to_guest(t, arg, &t->regs.gs_base, sizeof(t->regs.gs_base));
	case ARCH_GET_CPUID:
		return 1; /* cpuid executes normally */
	case ARCH_SET_CPUID:
		return -ENODEV; /* as on a CPU without cpuid faulting */
	default:
		return -EINVAL;
	}
}

/* ---- resource limits -------------------------------------------------------------------- */

/* The kernel's do_prlimit: old is the value from before new is applied. Raising a hard limit
 * needs CAP_SYS_RESOURCE, which the guest holds exactly when it is root. */
static int do_prlimit(struct task *t, unsigned resource, const struct rlimit *new,
		      struct rlimit *old)
{
	if (resource >= RLIM_NLIMITS)
		return -EINVAL;
	if (new) {
		if (new->rlim_cur > new->rlim_max)
			return -EINVAL;
		if (resource == RLIMIT_NOFILE && new->rlim_max > NR_OPEN_MAX)
			return -EPERM;
		if (new->rlim_max > t->rlim[resource].rlim_max && t->cred.euid != 0)
			return -EPERM;
	}
	if (old)
		*old = t->rlim[resource];
	if (new) {
		t->rlim[resource] = *new;
		/* The fd table enforces the soft RLIMIT_NOFILE (at most NR_OPEN_MAX here). */
		if (resource == RLIMIT_NOFILE && t->fdt) {
			pthread_mutex_lock(&t->fdt->lock);
			t->fdt->limit = (unsigned)new->rlim_cur;
			pthread_mutex_unlock(&t->fdt->lock);
		}
	}
	return 0;
}

/* struct rlimit64 and struct rlimit are both two u64 on x86_64, RLIM_INFINITY ~0 in each,
 * and the same as the host's struct rlimit. */
_Static_assert(sizeof(struct rlimit) == 16, "guest and host rlimit differ");

/* Kernel order: new is copied in first (EFAULT), then the pid (ESRCH), then do_prlimit;
 * old is copied out last, so a fault there still leaves new applied, as in Linux. */
long sys_prlimit64(struct task *t, const uint64_t a[6])
{
	pid_t pid = (pid_t)a[0];
	unsigned resource = (unsigned)a[1];
	struct rlimit new, old;

	if (a[2] && copy_from_guest(t, &new, a[2], sizeof(new)))
		return -EFAULT;
	if (!is_self(t, pid))
		return -ESRCH;
	int err = do_prlimit(t, resource, a[2] ? &new : NULL, a[3] ? &old : NULL);
	if (err)
		return err;
	if (a[3] && copy_to_guest(t, a[3], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

long sys_getrlimit(struct task *t, const uint64_t a[6])
{
	struct rlimit old;
	int err = do_prlimit(t, (unsigned)a[0], NULL, &old);
	if (err)
		return err;
	return copy_to_guest(t, a[1], &old, sizeof(old));
}

long sys_setrlimit(struct task *t, const uint64_t a[6])
{
	struct rlimit new;
	if (copy_from_guest(t, &new, a[1], sizeof(new)))
		return -EFAULT;
	return do_prlimit(t, (unsigned)a[0], &new, NULL);
}

/* Restartable sequences need the Sentry to watch preemption of guest threads, which it
 * cannot yet; glibc treats ENOSYS as "no rseq" and runs without it. */
long sys_rseq(struct task *t, const uint64_t a[6])
{
	return -ENOSYS;
}
