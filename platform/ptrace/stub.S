/*
 * The stub: the whole program that a guest address space starts from.
 *
 * The Sentry forks, and the child execs this (from a memfd) under PTRACE_TRACEME, so the
 * address space holds nothing but these few bytes, the vDSO and a stack the Sentry unmaps.
 * The process stops at the exec; it never runs on its own. It holds two gadgets the Sentry
 * points rip at to run host system calls inside the address space on its own behalf:
 *
 *   _start (+0):   syscall; int3             any vetted call (mmap, munmap, ...)
 *   park   (+48):  pause() in a loop (see below).
 *   clone  (+16):  syscall; then the parent traps back to the Sentry, and the new thread or
 *                  process arms alarm(10) and parks in pause() until the Sentry thread that
 *                  will drive it adopts it (PTRACE_SEIZE + INTERRUPT) and disarms the alarm.
 *                  The alarm bounds the only moment a stub runs untraced: should the Sentry
 *                  die right then, the parked child dies by SIGALRM instead of lingering.
 * No stack is used: the new thread needs none.
 */
	.text
	.balign 16
	.globl _start
_start:
	syscall
	int3
	ud2

	.balign 16, 0xcc
	.globl stub_clone
stub_clone:
	syscall
	test %rax, %rax
	jz 1f
	int3			/* the caller: back to the Sentry with the result */
	ud2
1:	mov $37, %eax		/* alarm(10) */
	mov $10, %edi
	syscall
	jmp stub_park

	/* +48: pause() forever. Parked clones wait here to be adopted; a guest thread whose
	 * host thread leads its thread group waits here, detached, once the guest thread has
	 * exited (a group leader cannot leave before the others without becoming a zombie
	 * its tracer would wait on). */
	.balign 16, 0xcc
	.globl stub_park
stub_park:
	mov $34, %eax
	syscall
	jmp stub_park
	.section .note.GNU-stack,"",@progbits
