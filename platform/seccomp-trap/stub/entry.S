/*
 * The seccomp-trap stub's stack-free parts.
 *
 * Everything here that runs with the permissive server filter (slot 0's, see filter.c) keeps
 * its state in registers and reads only the read-only half of the shared file: other host
 * threads of the process run guest code, and guest code can write the stub's writable memory
 * (stacks included), so any return address or saved value there could be turned against a
 * thread allowed to mmap or fetch the Sentry's fds. Guest threads only run C (handler.c) once
 * they have installed the strict guest filter on themselves.
 */
#include <asm/unistd.h>

#include "platform/seccomp-trap/stub_abi.h"

/* The few constants of other uapi headers, which do not all build as assembly. */
#define FUTEX_WAIT		0
#define FUTEX_WAKE		1
#define PR_SET_PDEATHSIG	1
#define SIGKILL			9
#define SECCOMP_SET_MODE_FILTER 1
#define ARCH_SET_GS		0x1001
#define ARCH_SET_FS		0x1002
#define PROT_READ		1
#define PROT_WRITE		2
#define MAP_SHARED		1
#define MAP_FIXED		0x10

	.text

/* The kernel starts the program here: C sets the process up (no guest code exists yet),
 * then this thread becomes the server for slot 0. */
	.globl _start
_start:
	mov %rsp, %rdi
	and $-16, %rsp
	call stub_main
	/* fall through */

/*
 * The server loop. r15: in-slot 0, r14: out-slot 0, r13d: the last command sequence done.
 * The Sentry writes a command as a sequence lock: odd while it writes, even when complete.
 */
server:
	movabs $SC_IN_SLOTS, %r15
	movabs $SC_OUT_BASE, %r14
	xor %r13d, %r13d
server_loop:
	mov SC_IN_CMD_SEQ(%r15), %eax
	cmp %eax, %r13d
	je server_wait
	test $1, %eax
	jnz server_busy
	mov %eax, %r12d
	mov SC_IN_CMD(%r15), %ebx
	mov SC_IN_SLOT_ARG(%r15), %rbp
	mov SC_IN_ARGS+0(%r15), %rdi
	mov SC_IN_ARGS+8(%r15), %rsi
	mov SC_IN_ARGS+16(%r15), %rdx
	mov SC_IN_ARGS+24(%r15), %r10
	mov SC_IN_ARGS+32(%r15), %r8
	mov SC_IN_ARGS+40(%r15), %r9
	mov SC_IN_NR(%r15), %rax
	cmp SC_IN_CMD_SEQ(%r15), %r12d
	jne server_loop		/* rewritten meanwhile: read it again */
	mov %r12d, %r13d
	cmp $SC_CMD_SYSCALL, %ebx
	je 1f
	cmp $SC_CMD_CLONE, %ebx
	je 2f
	cmp $SC_CMD_FORK, %ebx
	je 3f
	mov $-38, %rax		/* ENOSYS */
	jmp server_done
1:	syscall
	jmp server_done
2:	syscall
	test %rax, %rax
	jz thread_init		/* the child: guest thread slot rbp */
	jmp server_done
3:	syscall
	test %rax, %rax
	jz fork_child		/* the child: a new process; rbp is the Sentry's fd of its file */
server_done:
	mov %rax, SC_OUT_RESULT(%r14)
	mov %r13d, SC_OUT_DONE_SEQ(%r14)
	mfence			/* the result, then whether the Sentry sleeps (it may spin first) */
	cmpl $0, SC_IN_SENTRY_WAITING(%r15)
	je server_loop
	lea SC_OUT_DONE_SEQ(%r14), %rdi
	mov $FUTEX_WAKE, %esi
	mov $1, %edx
	mov $__NR_futex, %eax
	syscall
	jmp server_loop
server_busy:
	pause
	jmp server_loop
server_wait:
	movabs $SC_RO_BASE, %rcx	/* spin first, as the Sentry asks */
	mov SC_G_SERVER_SPIN(%rcx), %rcx
	test %rcx, %rcx
	jz 7f
4:	pause
	cmp SC_IN_CMD_SEQ(%r15), %r13d
	jne server_loop
	dec %rcx
	jnz 4b
	/* Then sleep, saying so first: the Sentry wakes only a sleeper. */
7:	movl $1, SC_OUT_STUB_WAITING(%r14)
	mfence
	cmp SC_IN_CMD_SEQ(%r15), %r13d
	jne 8f
	lea SC_IN_CMD_SEQ(%r15), %rdi
	mov $FUTEX_WAIT, %esi
	mov %r13d, %edx
	xor %r10d, %r10d
	mov $__NR_futex, %eax
	syscall
8:	movl $0, SC_OUT_STUB_WAITING(%r14)
	jmp server_loop

/*
 * A new guest thread (or a process sharing the address space), slot rbp, all signals
 * blocked, still under the server filter only: install the guest filter before anything
 * else, park, and enter the guest by rt_sigreturn through the frame the Sentry wrote, which
 * also sets the signal mask and the signal stack.
 */
thread_init:
	imul $SC_IN_SLOT_SZ, %rbp, %r15
	movabs $SC_IN_SLOTS, %rax
	add %rax, %r15
	imul $SC_OUT_SLOT_SZ, %rbp, %r14
	movabs $SC_OUT_BASE, %rax
	add %rax, %r14
	lea SC_IN_ALTSTACK(%r15), %rdi
	xor %esi, %esi
	mov $__NR_sigaltstack, %eax
	syscall
	test %rax, %rax
	jnz thread_failed
	/* A process of its own (vfork's child) must die with the Sentry too. */
	mov $PR_SET_PDEATHSIG, %edi
	mov $SIGKILL, %esi
	mov $__NR_prctl, %eax
	syscall
	mov $__NR_getppid, %eax
	syscall
	movabs $SC_RO_BASE, %rcx
	cmp SC_G_SENTRY_PID(%rcx), %rax
	jne thread_failed
	mov $SECCOMP_SET_MODE_FILTER, %edi
	xor %esi, %esi
	movabs $(SC_RO_BASE + SC_G_APP_PROG), %rdx
	mov $__NR_seccomp, %eax
	syscall
	test %rax, %rax
	jnz thread_failed
	movl $SC_PARKED_READY, SC_OUT_PARKED(%r14)
	lea SC_OUT_PARKED(%r14), %rdi
	mov $FUTEX_WAKE, %esi
	mov $1, %edx
	mov $__NR_futex, %eax
	syscall
5:	mov SC_IN_CMD_SEQ(%r15), %edx
	test %edx, %edx
	jnz 6f
	lea SC_IN_CMD_SEQ(%r15), %rdi
	mov $FUTEX_WAIT, %esi
	xor %r10d, %r10d
	mov $__NR_futex, %eax
	syscall
	jmp 5b
6:	cmpl $SC_CMD_RESUME, SC_IN_CMD(%r15)
	jne thread_exit
	mov $ARCH_SET_FS, %edi
	mov SC_IN_FS_BASE(%r15), %rsi
	mov $__NR_arch_prctl, %eax
	syscall
	mov $ARCH_SET_GS, %edi
	mov SC_IN_GS_BASE(%r15), %rsi
	mov $__NR_arch_prctl, %eax
	syscall
	lea SC_IN_FRAME_UC(%r15), %rsp
	mov $__NR_rt_sigreturn, %eax
	syscall
	ud2
thread_failed:
	movl $SC_PARKED_FAILED, SC_OUT_PARKED(%r14)
	lea SC_OUT_PARKED(%r14), %rdi
	mov $FUTEX_WAKE, %esi
	mov $1, %edx
	mov $__NR_futex, %eax
	syscall
thread_exit:
	xor %edi, %edi
	mov $__NR_exit, %eax
	syscall
	ud2

/*
 * The child of a fork, a copy of the server: its shared mappings are still the parent's
 * file. It must die with the Sentry, fetch its own file from the Sentry (fd rbp) and map it
 * over both halves before serving; until then it reads nothing the parent's Sentry thread
 * may rewrite (the globals never change).
 */
fork_child:
	mov $PR_SET_PDEATHSIG, %edi
	mov $SIGKILL, %esi
	mov $__NR_prctl, %eax
	syscall
	mov $__NR_getppid, %eax
	syscall
	movabs $SC_RO_BASE, %rcx
	cmp SC_G_SENTRY_PID(%rcx), %rax
	jne fork_failed
	mov %rax, %rdi
	xor %esi, %esi
	mov $__NR_pidfd_open, %eax
	syscall
	test %rax, %rax
	js fork_failed
	mov %rax, %rbx		/* the pidfd */
	mov %rax, %rdi
	mov %rbp, %rsi
	xor %edx, %edx
	mov $__NR_pidfd_getfd, %eax
	syscall
	test %rax, %rax
	js fork_failed
	mov %rax, %r12		/* the new file */
	movabs $SC_RO_BASE, %rdi
	movabs $SC_RO_LEN, %rsi
	mov $PROT_READ, %edx
	mov $(MAP_SHARED | MAP_FIXED), %r10d
	mov %r12, %r8
	xor %r9d, %r9d
	mov $__NR_mmap, %eax
	syscall
	movabs $SC_RO_BASE, %rcx
	cmp %rcx, %rax
	jne fork_failed
	movabs $SC_OUT_BASE, %rdi
	movabs $SC_OUT_LEN, %rsi
	mov $(PROT_READ | PROT_WRITE), %edx
	mov $(MAP_SHARED | MAP_FIXED), %r10d
	mov %r12, %r8
	movabs $SC_OUT_OFFSET, %r9
	mov $__NR_mmap, %eax
	syscall
	movabs $SC_OUT_BASE, %rcx
	cmp %rcx, %rax
	jne fork_failed
	mov %r12, %rdi
	mov $__NR_close, %eax
	syscall
	mov %rbx, %rdi
	mov $__NR_close, %eax
	syscall
	jmp server
fork_failed:
	mov $127, %edi
	mov $__NR_exit_group, %eax
	syscall
	ud2

/* Guest threads leave their signal handler through here (handler.c): rdi is the frame's
 * ucontext in the thread's in-slot. */
	.globl stub_resume
stub_resume:
	mov %rdi, %rsp
	mov $__NR_rt_sigreturn, %eax
	syscall
	ud2

/* sa_restorer, required by rt_sigaction; the handler never returns through it. */
	.globl stub_restorer
stub_restorer:
	mov $__NR_rt_sigreturn, %eax
	syscall
	ud2

	.section .note.GNU-stack,"",@progbits
