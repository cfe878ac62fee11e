/*
 * Escape attempts through other syscall ABIs, for the sandbox only (natively, int 0x80 works on
 * a kernel with IA32 emulation). Each must fail cleanly with ENOSYS and nothing else happen:
 * int 0x80 (i386 getpid, then i386 exit which must not end us), the x32 bit on a real call, a
 * syscall number far out of range, io_uring_setup, bpf, ptrace.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

static long int80(long nr, long a1)
{
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a1) : "memory");
	return ret;
}

static void report(const char *what, long r)
{
	printf("%s: %s\n", what, r == -ENOSYS ? "ENOSYS" : r < 0 ? "other error" : "SUCCEEDED");
}

int main(void)
{
	report("int80_getpid", int80(20, 0));
	report("int80_exit", int80(1, 42)); /* i386 exit: must not end this process */
	long r = syscall(0x40000000 | SYS_getpid);
	report("x32_getpid", r < 0 ? -errno : r);
	r = syscall(100000);
	report("nr_100000", r < 0 ? -errno : r);
	r = syscall(SYS_io_uring_setup, 8, (void *)0);
	report("io_uring_setup", r < 0 ? -errno : r);
	r = syscall(SYS_bpf, 0, (void *)0, 0);
	report("bpf", r < 0 ? -errno : r);
	r = ptrace(PTRACE_TRACEME, 0, 0, 0);
	report("ptrace_traceme", r < 0 ? -errno : r);
	r = ptrace(PTRACE_ATTACH, 1, 0, 0);
	report("ptrace_attach_init", r < 0 ? -errno : r);
	printf("still here\n");
	return 0;
}
