/* The Sentry's futex wait queue (sentry/syscalls/sys_futex.c). */
#ifndef CVISOR_FUTEX_H
#define CVISOR_FUTEX_H

#include <stdint.h>

struct task;

/* Wakes up to n waiters of the futex word at addr of t's address space. */
void futex_wake_addr(struct task *t, uint64_t addr, int n);

/* Releases the robust futexes a dying thread holds (Linux's exit_robust_list). */
void futex_exit_robust_list(struct task *t);

#endif
