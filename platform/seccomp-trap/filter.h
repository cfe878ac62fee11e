/*
 * The seccomp filters of the seccomp-trap platform's stub (see filter.c).
 */
#ifndef CVISOR_SECCOMP_FILTER_H
#define CVISOR_SECCOMP_FILTER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "platform/seccomp-trap/stub_abi.h"

/* The clone flags the server uses, the only ones its filter lets through. */
#define SC_CLONE_THREAD_FLAGS                                                                      \
	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |        \
	 CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)
#define SC_CLONE_VM_PROC_FLAGS                                                                     \
	(CLONE_VM | CLONE_PARENT | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD)
#define SC_CLONE_FORK_FLAGS (CLONE_PARENT | SIGCHLD)

/* Builds both programs into g (app_prog/server_prog point at the stub's copy of g): every
 * system call traps unless it comes from the stub's code [code_lo, code_hi) and is one the
 * stub needs, with its arguments checked. Returns 0 or -errno. */
int sc_build_filters(struct sc_globals *g, uint64_t code_lo, uint64_t code_hi, pid_t sentry);

/* True for the host system calls the Sentry may ask the server for (host_syscall). */
bool sc_host_syscall_allowed(long nr);

#endif
