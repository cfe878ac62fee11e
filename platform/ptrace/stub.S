/*
 * The stub: the whole program that a guest address space starts from.
 *
 * The Sentry forks, and the child execs this (from a memfd) under PTRACE_TRACEME, so the
 * address space holds nothing but these few bytes, the vDSO and a stack the Sentry unmaps.
 * The process stops at the exec; it never runs on its own. The entry point is the gadget
 * the Sentry uses to run a host system call inside the address space on its own behalf
 * (mmap, munmap, mprotect, ...): it points rip here, loads the registers, and lets the
 * process run until the int3.
 */
	.text
	.globl _start
_start:
	syscall
	int3
	ud2
	.section .note.GNU-stack,"",@progbits
