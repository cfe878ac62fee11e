/*
 * The x86_64 syscall table. sentry/syscalls/syscalls.def names every syscall number and says
 * whether cvisor implements it fully, partially (with a note) or not at all; the dispatcher,
 * --strace and docs/syscalls.md are all generated from that one file.
 */
#ifndef CVISOR_SYSCALL_TABLE_H
#define CVISOR_SYSCALL_TABLE_H

#include <stdint.h>

struct task;

enum sc_status { SC_STATUS_NONE = 0, SC_STATUS_PARTIAL, SC_STATUS_FULL };

typedef long (*syscall_fn)(struct task *t, const uint64_t a[6]);

struct syscall_entry {
	const char *name; /* NULL: no syscall has this number */
	syscall_fn fn;	  /* NULL: unimplemented, the guest gets ENOSYS */
	enum sc_status status;
	const char *args; /* strace format: one character per argument, see sentry/strace.h */
	const char *note;
};

#define SYSCALL_MAX 512

/* The entry for nr, or NULL when nr is not an x86_64 syscall number. */
const struct syscall_entry *syscall_lookup(long nr);

/* Services the system call the task is stopped at, and sets its return register. */
void syscall_dispatch(struct task *t);

/* A handler returns this when it has set the task's registers itself (execve, sigreturn):
 * the dispatcher then leaves rax alone. Outside any errno range. */
#define SYSCALL_REGS_SET (-100000L)

/* Declarations of every handler the table names. */
#define SC_FULL(nr, name, args)		 long sys_##name(struct task *t, const uint64_t a[6]);
#define SC_PARTIAL(nr, name, args, note) long sys_##name(struct task *t, const uint64_t a[6]);
#define SC_NONE(nr, name, args, note)
#include "sentry/syscalls/syscalls.def"
#undef SC_FULL
#undef SC_PARTIAL
#undef SC_NONE

#endif
