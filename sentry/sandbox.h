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

/* The first program's identity and limits (what an OCI config's process gives), applied
 * to init after the sandbox's mounts are in place, since its cwd may be inside one. */
struct init_identity {
	const char *cwd; /* guest path; NULL: unchanged */
	struct creds cred;
	const gid_t *groups; /* supplementary groups, any order */
	int ngroups;
	mode_t umask;
	struct rlimit rlim[RLIM_NLIMITS];
	uint32_t rlim_set; /* bit r: rlim[r] replaces the limit inherited from cvisor */
	bool caps_set;	   /* the sets below; else the default ones of cred.euid */
	uint64_t cap_eff, cap_prm, cap_inh;
	bool no_new_privs;
};

/* Gives init, which has not run yet, that identity: 0, or -errno with the reason in err. */
int sandbox_set_init_identity(struct task *init, const struct init_identity *id, char *err,
			      size_t errlen);

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
