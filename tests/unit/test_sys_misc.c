/*
 * Unit tests of the small syscall handlers (ids, time, misc, signal, futex) without a guest:
 * the task's platform is a fake whose "guest memory" is a buffer in this process, mapped at
 * FAKE_BASE; anything outside it faults, as an unmapped guest address does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <asm/prctl.h>
#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>

#include "sentry/syscalls/table.h"
#include "sentry/process.h"
#include "sentry/task.h"
#include "sentry/uts.h"

#define FAKE_BASE 0x10000ULL
#define FAKE_SIZE 0x4000ULL
#define FAKE_END  (FAKE_BASE + FAKE_SIZE)

struct fake_mem {
	uint8_t bytes[FAKE_SIZE];
};

/* The bytes of [addr, addr + len) that lie in the fake memory, from its start: a read or
 * write stops at the end of the mapping, as a real one stops at an unmapped page. */
static long fake_span(uint64_t addr, size_t len)
{
	if (addr < FAKE_BASE || addr >= FAKE_END)
		return -EFAULT;
	uint64_t room = FAKE_END - addr;
	return (long)(len < room ? len : room);
}

static long fake_read(struct pl_thread *as, uint64_t addr, void *buf, size_t len)
{
	struct fake_mem *m = (struct fake_mem *)as;
	long n = fake_span(addr, len);
	if (n > 0)
		memcpy(buf, m->bytes + (addr - FAKE_BASE), (size_t)n);
	return n;
}

static long fake_write(struct pl_thread *as, uint64_t addr, const void *buf, size_t len)
{
	struct fake_mem *m = (struct fake_mem *)as;
	long n = fake_span(addr, len);
	if (n > 0)
		memcpy(m->bytes + (addr - FAKE_BASE), buf, (size_t)n);
	return n;
}

static const struct platform_ops fake_ops = {
    .name = "fake",
    .read = fake_read,
    .write = fake_write,
};

struct fixture {
	struct fake_mem mem;
	struct sandbox sb;
	struct task t;
};

static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));
	if (!f)
		return -1;
	strcpy(f->sb.hostname, "box");
	strcpy(f->sb.domainname, "(none)");
	clock_gettime(CLOCK_MONOTONIC, &f->sb.boot_time);
	f->sb.pl = &fake_ops;
	f->t.sb = &f->sb;
	f->t.pl = &fake_ops;
	f->t.th = (struct pl_thread *)&f->mem;
	f->t.tid = f->t.tgid = 1;
	f->t.ppid = 0;
	f->t.pgid = f->t.sid = 1;
	f->t.cred.ruid = 1000;
	f->t.cred.euid = 1001;
	f->t.cred.suid = 1002;
	for (int i = 0; i < RLIM_NLIMITS; i++)
		f->t.rlim[i] = (struct rlimit){RLIM_INFINITY, RLIM_INFINITY};
	f->t.rlim[RLIMIT_NOFILE] = (struct rlimit){1024, 4096};
	/* The task is the sandbox's init (pid 1) in a process table of its own. */
	pthread_mutex_init(&f->sb.lock, NULL);
	pthread_cond_init(&f->sb.child_cv, NULL);
	pthread_mutex_init(&f->t.sig_lock, NULL);
	if (process_init(&f->sb, &f->t) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	f->sb.running = 0;
	process_wait_all_gone(&f->sb);
	test_free(*state);
	return 0;
}

/* A guest address in the fake memory, and the Sentry pointer to the same bytes. */
#define G(off) (FAKE_BASE + (off))
#define H(off) ((void *)(f->mem.bytes + (off)))
#define CALL(name, a0, a1, a2, a3, a4, a5)                                                         \
	sys_##name(&f->t, (const uint64_t[6]){(a0), (a1), (a2), (a3), (a4), (a5)})

static void test_uname(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(CALL(uname, G(0), 0, 0, 0, 0, 0), 0);
	const char *u = H(0);
	assert_string_equal(u + 0 * CVISOR_UTS_LEN, "Linux");
	assert_string_equal(u + 1 * CVISOR_UTS_LEN, "box");
	assert_string_equal(u + 2 * CVISOR_UTS_LEN, CVISOR_UTS_RELEASE);
	assert_string_equal(u + 3 * CVISOR_UTS_LEN, CVISOR_UTS_VERSION);
	assert_string_equal(u + 4 * CVISOR_UTS_LEN, "x86_64");
	assert_string_equal(u + 5 * CVISOR_UTS_LEN, "(none)");
	/* 390 bytes: one byte short of the end of guest memory is a fault */
	assert_int_equal(CALL(uname, FAKE_END - 6 * CVISOR_UTS_LEN + 1, 0, 0, 0, 0, 0), -EFAULT);
	assert_int_equal(CALL(uname, 0, 0, 0, 0, 0, 0), -EFAULT);
}

static void test_ids(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(CALL(getresuid, G(0), G(4), G(8), 0, 0, 0), 0);
	uint32_t ids[3];
	memcpy(ids, H(0), sizeof(ids));
	assert_int_equal(ids[0], 1000);
	assert_int_equal(ids[1], 1001);
	assert_int_equal(ids[2], 1002);
	assert_int_equal(CALL(getresuid, G(0), G(4), FAKE_END, 0, 0, 0), -EFAULT);
	assert_int_equal(CALL(getresuid, 8, G(4), G(8), 0, 0, 0), -EFAULT);
	assert_int_equal(CALL(getgroups, 0, 0, 0, 0, 0, 0), 0);
	assert_int_equal(CALL(getgroups, (uint32_t)-1, 0, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(CALL(getpgid, 0, 0, 0, 0, 0, 0), 1);
	assert_int_equal(CALL(getpgid, 2, 0, 0, 0, 0, 0), -ESRCH);
	/* only the low 32 bits are the pid */
	assert_int_equal(CALL(getsid, 0x100000001ULL, 0, 0, 0, 0, 0), 1);
}

static void test_rt_sigaction(void **state)
{
	struct fixture *f = *state;
	struct guest_sigaction act = {
	    .handler = 0x401000,
	    .flags = SA_SIGINFO | 0x04000000 /* SA_RESTORER */ | 0x400 /* SA_UNSUPPORTED */,
	    .restorer = 0x402000,
	    .mask = ~0ULL,
	};
	memcpy(H(0), &act, sizeof(act));
	assert_int_equal(CALL(rt_sigaction, SIGUSR1, G(0), 0, 8, 0, 0), 0);
	assert_int_equal(CALL(rt_sigaction, SIGUSR1, 0, G(64), 8, 0, 0), 0);
	struct guest_sigaction got;
	memcpy(&got, H(64), sizeof(got));
	assert_int_equal(got.handler, 0x401000);
	assert_int_equal(got.restorer, 0x402000);
	assert_int_equal(got.flags, SA_SIGINFO | 0x04000000); /* unknown bits cleared */
	assert_int_equal(got.mask, ~((1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1))));

	/* the old action comes back when act and oact are the same buffer */
	act.handler = 0x403000;
	memcpy(H(0), &act, sizeof(act));
	assert_int_equal(CALL(rt_sigaction, SIGUSR1, G(0), G(0), 8, 0, 0), 0);
	memcpy(&got, H(0), sizeof(got));
	assert_int_equal(got.handler, 0x401000);

	assert_int_equal(CALL(rt_sigaction, SIGUSR1, 0, G(64), 4, 0, 0), -EINVAL);
	assert_int_equal(CALL(rt_sigaction, 0, 0, G(64), 8, 0, 0), -EINVAL);
	assert_int_equal(CALL(rt_sigaction, 65, 0, G(64), 8, 0, 0), -EINVAL);
	assert_int_equal(CALL(rt_sigaction, SIGKILL, G(0), 0, 8, 0, 0), -EINVAL);
	assert_int_equal(CALL(rt_sigaction, SIGSTOP, G(0), 0, 8, 0, 0), -EINVAL);
	assert_int_equal(CALL(rt_sigaction, SIGKILL, 0, G(64), 8, 0, 0), 0);
	/* the new action is read before the signal number is checked */
	assert_int_equal(CALL(rt_sigaction, 0, FAKE_END - 8, 0, 8, 0, 0), -EFAULT);
}

static void test_rt_sigprocmask(void **state)
{
	struct fixture *f = *state;
	uint64_t set = ~0ULL;
	memcpy(H(0), &set, sizeof(set));
	assert_int_equal(CALL(rt_sigprocmask, SIG_SETMASK, G(0), G(8), 8, 0, 0), 0);
	assert_int_equal(f->t.sigmask, ~((1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1))));
	/* how is ignored without a new set */
	assert_int_equal(CALL(rt_sigprocmask, 99, 0, G(8), 8, 0, 0), 0);
	assert_int_equal(CALL(rt_sigprocmask, 99, G(0), 0, 8, 0, 0), -EINVAL);
	assert_int_equal(CALL(rt_sigprocmask, SIG_BLOCK, 0, 0, 16, 0, 0), -EINVAL);
}

static void test_sigaltstack(void **state)
{
	struct fixture *f = *state;
	struct {
		uint64_t sp;
		int32_t flags, pad;
		uint64_t size;
	} ss = {0x500000, 0, 0, 1024}, old;
	memcpy(H(0), &ss, sizeof(ss));
	assert_int_equal(CALL(sigaltstack, G(0), G(32), 0, 0, 0, 0), -ENOMEM);
	assert_int_equal(CALL(sigaltstack, 0, G(32), 0, 0, 0, 0), 0);
	memcpy(&old, H(32), sizeof(old));
	assert_int_equal(old.flags, SS_DISABLE);
	ss.size = 8192;
	ss.flags = 4;
	memcpy(H(0), &ss, sizeof(ss));
	assert_int_equal(CALL(sigaltstack, G(0), 0, 0, 0, 0, 0), -EINVAL);
	ss.flags = 0;
	memcpy(H(0), &ss, sizeof(ss));
	assert_int_equal(CALL(sigaltstack, G(0), 0, 0, 0, 0, 0), 0);
	f->t.regs.rsp = 0x501000; /* on the new stack: it cannot be changed now */
	assert_int_equal(CALL(sigaltstack, G(0), G(32), 0, 0, 0, 0), -EPERM);
	assert_int_equal(CALL(sigaltstack, 0, G(32), 0, 0, 0, 0), 0);
	memcpy(&old, H(32), sizeof(old));
	assert_int_equal(old.flags, SS_ONSTACK);
	assert_int_equal(old.sp, 0x500000);
	assert_int_equal(old.size, 8192);
}

static void test_prlimit64(void **state)
{
	struct fixture *f = *state;
	struct rlimit r = {200, 100};
	memcpy(H(0), &r, sizeof(r));
	assert_int_equal(CALL(prlimit64, 0, RLIMIT_NOFILE, G(0), 0, 0, 0), -EINVAL);
	assert_int_equal(CALL(prlimit64, 0, RLIM_NLIMITS, 0, G(16), 0, 0), -EINVAL);
	assert_int_equal(CALL(prlimit64, 2, RLIMIT_NOFILE, 0, G(16), 0, 0), -ESRCH);

	/* old is the value from before the new one */
	r = (struct rlimit){100, 200};
	memcpy(H(0), &r, sizeof(r));
	assert_int_equal(CALL(prlimit64, 1, RLIMIT_NOFILE, G(0), G(16), 0, 0), 0);
	memcpy(&r, H(16), sizeof(r));
	assert_int_equal(r.rlim_cur, 1024);
	assert_int_equal(r.rlim_max, 4096);
	assert_int_equal(CALL(getrlimit, RLIMIT_NOFILE, G(16), 0, 0, 0, 0), 0);
	memcpy(&r, H(16), sizeof(r));
	assert_int_equal(r.rlim_cur, 100);
	assert_int_equal(r.rlim_max, 200);

	/* raising the hard limit needs root; lowering it does not */
	r = (struct rlimit){100, 300};
	memcpy(H(0), &r, sizeof(r));
	assert_int_equal(CALL(setrlimit, RLIMIT_NOFILE, G(0), 0, 0, 0, 0), -EPERM);
	f->t.cred.euid = 0;
	assert_int_equal(CALL(setrlimit, RLIMIT_NOFILE, G(0), 0, 0, 0, 0), 0);
	r = (struct rlimit){100, 2000000};
	memcpy(H(0), &r, sizeof(r));
	assert_int_equal(CALL(setrlimit, RLIMIT_NOFILE, G(0), 0, 0, 0, 0), -EPERM);
	assert_int_equal(CALL(setrlimit, RLIMIT_NOFILE, FAKE_END - 8, 0, 0, 0, 0), -EFAULT);
}

static void test_getrandom(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(CALL(getrandom, G(0), 16, 0x8, 0, 0, 0), -EINVAL);
	assert_int_equal(CALL(getrandom, G(0), 16, GRND_RANDOM | GRND_INSECURE, 0, 0, 0), -EINVAL);
	assert_int_equal(CALL(getrandom, G(0), 16, GRND_NONBLOCK | GRND_INSECURE, 0, 0, 0), 16);
	assert_int_equal(CALL(getrandom, G(0), 0, 0, 0, 0, 0), 0);
	/* a fault part way: the bytes that fit are reported */
	assert_int_equal(CALL(getrandom, FAKE_END - 100, 4096, 0, 0, 0, 0), 100);
	assert_int_equal(CALL(getrandom, FAKE_END, 16, 0, 0, 0, 0), -EFAULT);
	assert_int_equal(CALL(getrandom, 0xffff800000000000ULL, 0, 0, 0, 0, 0), -EFAULT);
}

static void test_arch_prctl(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(CALL(arch_prctl, ARCH_SET_FS, 0x7f0000001000ULL, 0, 0, 0, 0), 0);
	assert_int_equal(f->t.regs.fs_base, 0x7f0000001000ULL);
	assert_int_equal(CALL(arch_prctl, ARCH_GET_FS, G(0), 0, 0, 0, 0), 0);
	uint64_t base;
	memcpy(&base, H(0), sizeof(base));
	assert_int_equal(base, 0x7f0000001000ULL);
	assert_int_equal(CALL(arch_prctl, ARCH_SET_FS, 0x800000000000ULL, 0, 0, 0, 0), -EPERM);
	assert_int_equal(CALL(arch_prctl, ARCH_SET_GS, 0x7ffffffff000ULL, 0, 0, 0, 0), -EPERM);
	assert_int_equal(CALL(arch_prctl, ARCH_GET_FS, FAKE_END, 0, 0, 0, 0), -EFAULT);
	assert_int_equal(CALL(arch_prctl, 0x9999, 0, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(CALL(arch_prctl, ARCH_GET_CPUID, 0, 0, 0, 0, 0), 1);
}

static void test_clocks(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(CALL(clock_gettime, 10, G(0), 0, 0, 0, 0), -EINVAL);
	assert_int_equal(CALL(clock_gettime, 12, G(0), 0, 0, 0, 0), -EINVAL);
	assert_int_equal(CALL(clock_gettime, (uint32_t)-2, G(0), 0, 0, 0, 0), -EINVAL);
	assert_int_equal(CALL(clock_gettime, CLOCK_MONOTONIC, G(0), 0, 0, 0, 0), 0);
	assert_int_equal(CALL(clock_gettime, CLOCK_PROCESS_CPUTIME_ID, G(0), 0, 0, 0, 0), 0);
	assert_int_equal(CALL(clock_gettime, CLOCK_BOOTTIME_ALARM, G(0), 0, 0, 0, 0), 0);
	assert_int_equal(CALL(clock_gettime, CLOCK_MONOTONIC, 0, 0, 0, 0, 0), -EFAULT);
	assert_int_equal(CALL(clock_getres, CLOCK_REALTIME, 0, 0, 0, 0, 0), 0);
	assert_int_equal(CALL(clock_getres, 10, 0, 0, 0, 0, 0), -EINVAL);

	struct timespec ts = {0, 1000000000L};
	memcpy(H(0), &ts, sizeof(ts));
	assert_int_equal(CALL(nanosleep, G(0), 0, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(CALL(clock_nanosleep, CLOCK_MONOTONIC, 0, G(0), 0, 0, 0), -EINVAL);
	assert_int_equal(CALL(clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, G(0), 0, 0, 0),
			 -EOPNOTSUPP);
	ts = (struct timespec){0, 1000};
	memcpy(H(0), &ts, sizeof(ts));
	assert_int_equal(CALL(nanosleep, G(0), 0, 0, 0, 0, 0), 0);
	assert_int_equal(CALL(clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, G(0), 0, 0, 0), 0);
	assert_int_equal(CALL(nanosleep, FAKE_END - 8, 0, 0, 0, 0, 0), -EFAULT);
}

static void test_futex(void **state)
{
	struct fixture *f = *state;
	uint32_t word = 5;
	memcpy(H(0), &word, sizeof(word));
	struct timespec ts = {0, 1000};
	memcpy(H(16), &ts, sizeof(ts));
	int wait = FUTEX_WAIT | FUTEX_PRIVATE_FLAG;
	assert_int_equal(CALL(futex, G(0), wait, 4, G(16), 0, 0), -EAGAIN);
	assert_int_equal(CALL(futex, G(0), wait, 5, G(16), 0, 0), -ETIMEDOUT);
	assert_int_equal(CALL(futex, G(2), wait, 5, G(16), 0, 0), -EINVAL);
	assert_int_equal(CALL(futex, FAKE_END, wait, 5, G(16), 0, 0), -EFAULT);
	assert_int_equal(CALL(futex, G(0), FUTEX_WAIT_BITSET, 5, 0, 0, 0), -EINVAL);
	assert_int_equal(CALL(futex, G(0), FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 5, 0, 0, 0), -ENOSYS);
	assert_int_equal(CALL(futex, G(0), FUTEX_WAKE, 1, 0, 0, 0), 0);
	assert_int_equal(CALL(futex, G(0), FUTEX_LOCK_PI, 0, 0, 0, 0), -ENOSYS);
	assert_int_equal(CALL(futex, G(0), FUTEX_CMP_REQUEUE, 1, 1, G(4), 6), -EAGAIN);
	assert_int_equal(CALL(futex, G(0), FUTEX_CMP_REQUEUE, 1, 1, G(4), 5), 0);

	/* WAKE_OP still does its operation: *uaddr2 += 3 */
	uint32_t op = FUTEX_OP(FUTEX_OP_ADD, 3, FUTEX_OP_CMP_EQ, 0);
	assert_int_equal(CALL(futex, G(0), FUTEX_WAKE_OP, 1, 1, G(0), op), 0);
	memcpy(&word, H(0), sizeof(word));
	assert_int_equal(word, 8);
}

static void test_misc(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(CALL(set_tid_address, G(0), 0, 0, 0, 0, 0), 1);
	assert_int_equal(f->t.clear_child_tid, G(0));
	assert_int_equal(CALL(set_robust_list, G(0), 24, 0, 0, 0, 0), 0);
	assert_int_equal(CALL(set_robust_list, G(0), 16, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(CALL(sysinfo, G(0), 0, 0, 0, 0, 0), 0);
	assert_int_equal(CALL(sched_getaffinity, 0, 7, G(0), 0, 0, 0), -EINVAL);
	assert_int_equal(CALL(sched_getaffinity, 0, 0, G(0), 0, 0, 0), -EINVAL);
	long n = CALL(sched_getaffinity, 0, 1024, G(0), 0, 0, 0);
	assert_true(n >= 8 && n <= 1024);
	assert_int_equal(CALL(sched_getaffinity, 2, 1024, G(0), 0, 0, 0), -ESRCH);
	/* len * 8 wraps to 0 in the kernel's 32-bit check */
	assert_int_equal(CALL(sched_getaffinity, 0, 0x20000000, G(0), 0, 0, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_uname, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ids, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rt_sigaction, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rt_sigprocmask, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sigaltstack, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_prlimit64, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_getrandom, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_arch_prctl, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_clocks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_futex, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_misc, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
