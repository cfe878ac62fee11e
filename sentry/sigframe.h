/* Signal frames on the guest stack (sentry/sigframe.c). */
#ifndef CVISOR_SIGFRAME_H
#define CVISOR_SIGFRAME_H

#include <signal.h>
#include <stdint.h>

struct task;
struct guest_sigaction;

/* Builds the frame for sig and points the task's registers at the handler. oldmask is the
 * mask the frame restores at sigreturn. -EFAULT when the stack is unusable. */
int sigframe_setup(struct task *t, int sig, const siginfo_t *info, const struct guest_sigaction *sa,
		   uint64_t oldmask);

#endif
