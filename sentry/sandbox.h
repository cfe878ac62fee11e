/* A sandbox: its kernel-wide state, and the creation of its first task. */
#ifndef CVISOR_SANDBOX_H
#define CVISOR_SANDBOX_H

#include "sentry/task.h"

struct mount;

struct init_spec {
	struct mount *root; /* the guest's root filesystem (a reference is taken) */
	const char *cwd;    /* guest path of the working directory */
	struct creds cred;
	const char *hostname;
	bool host_stdio; /* back fds 0-2 with the caller's own */
};

/* Creates the sandbox's first task with an empty address space; the caller then loads a
 * program with exec_load() and runs it with task_run(). */
int sandbox_new_init_task(struct sandbox *sb, const struct init_spec *spec, struct task **out,
			  char *err, size_t errlen);
/* Frees a task that never ran. */
void task_free(struct task *t);

/* Runs init until it exits, then ends every other process of the sandbox and waits for
 * their Sentry threads; returns init's wait status. Frees init. */
int sandbox_run_init(struct task *init);

/* How many processes a sandbox may hold unless configured otherwise (fork bombs get EAGAIN
 * beyond it). */
#define SANDBOX_PIDS_MAX_DEFAULT 4096

/* At exit under --debug: how often each unimplemented syscall was called. */
void sandbox_report_unimplemented(const struct sandbox *sb);

#endif
