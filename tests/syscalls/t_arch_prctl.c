/* arch_prctl: ARCH_GET_FS is the TLS pointer (glibc keeps the TCB's self pointer at %fs:0),
 * ARCH_SET_GS/ARCH_GET_GS round trip, and bad codes/addresses. */
#define _GNU_SOURCE
#include "check.h"

#include <asm/prctl.h>
#include <stdint.h>

static uint64_t read_fs0(void)
{
	uint64_t v;
	__asm__ volatile("mov %%fs:0, %0" : "=r"(v));
	return v;
}

static uint64_t read_gs_at(uint64_t off)
{
	uint64_t v;
	__asm__ volatile("mov %%gs:(%1), %0" : "=r"(v) : "r"(off));
	return v;
}

static __thread int tls_var = 1234;

int main(void)
{
	uint64_t fs = 0;
	EXPECT_VAL("get_fs", syscall(SYS_arch_prctl, ARCH_GET_FS, &fs), 0);
	EXPECT_TRUE("fs_nonzero", fs != 0);
	EXPECT_TRUE("fs_is_tcb_self_pointer", fs == read_fs0());
	/* A TLS variable lives just below the thread pointer (x86_64 TLS variant II). */
	uintptr_t tv = (uintptr_t)&tls_var;
	EXPECT_TRUE("tls_var_below_fs", tv < fs && fs - tv < 65536 && tls_var == 1234);
	/* Setting FS to its current value is harmless. */
	EXPECT_VAL("set_fs_same", syscall(SYS_arch_prctl, ARCH_SET_FS, fs), 0);
	EXPECT_TRUE("tls_still_works", tls_var == 1234 && read_fs0() == fs);

	/* GS is unused by glibc on x86_64: point it at our own block and read through it. */
	static uint64_t block[4] = {0x1111, 0x2222, 0x3333, 0x4444};
	uint64_t gs = 1;
	EXPECT_VAL("get_gs_initial", syscall(SYS_arch_prctl, ARCH_GET_GS, &gs), 0);
	EXPECT_VAL("gs_initially_zero", gs, 0);
	EXPECT_VAL("set_gs", syscall(SYS_arch_prctl, ARCH_SET_GS, (uint64_t)block), 0);
	EXPECT_VAL("get_gs", syscall(SYS_arch_prctl, ARCH_GET_GS, &gs), 0);
	EXPECT_TRUE("gs_round_trip", gs == (uint64_t)block);
	EXPECT_TRUE("gs_relative_load", read_gs_at(8) == 0x2222 && read_gs_at(24) == 0x4444);
	/* Still set after a few syscalls (context switches keep it). */
	for (int i = 0; i < 100; i++)
		OK(syscall(SYS_getpid));
	EXPECT_TRUE("gs_survives_syscalls", read_gs_at(16) == 0x3333);
	EXPECT_VAL("set_gs_zero", syscall(SYS_arch_prctl, ARCH_SET_GS, 0), 0);
	EXPECT_VAL("get_gs_zero", (syscall(SYS_arch_prctl, ARCH_GET_GS, &gs), gs), 0);

	/* Errors. */
	EXPECT_ERR("bad_code", syscall(SYS_arch_prctl, 0x9999, 0), EINVAL);
	EXPECT_ERR("bad_code_0", syscall(SYS_arch_prctl, 0, 0), EINVAL);
	EXPECT_ERR("get_fs_bad_ptr", syscall(SYS_arch_prctl, ARCH_GET_FS, BADPTR), EFAULT);
	EXPECT_ERR("get_gs_bad_ptr", syscall(SYS_arch_prctl, ARCH_GET_GS, BADPTR), EFAULT);
	/* Non-canonical and kernel addresses are refused. */
	EXPECT_ERR("set_gs_kernel_address",
		   syscall(SYS_arch_prctl, ARCH_SET_GS, 0xffff800000000000UL), EPERM);
	EXPECT_ERR("set_gs_noncanonical", syscall(SYS_arch_prctl, ARCH_SET_GS, 1UL << 63), EPERM);
	EXPECT_ERR("set_fs_kernel_address",
		   syscall(SYS_arch_prctl, ARCH_SET_FS, 0xffffffffff600000UL), EPERM);
	EXPECT_TRUE("fs_unchanged_after_errors", read_fs0() == fs && tls_var == 1234);
	return done();
}
