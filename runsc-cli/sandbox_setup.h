/*
 * What `cvisor do` and `cvisor run` share when they build a sandbox: the sandbox and its
 * init over a guest root (a host directory, read-only, under an in-memory tmpfs), the
 * standard filesystems (/dev, /dev/pts, /dev/shm, /proc, /sys), host directories bound in,
 * loading the first program, running it and its exit status, and the teardown.
 */
#ifndef CVISOR_SANDBOX_SETUP_H
#define CVISOR_SANDBOX_SETUP_H

#include <stdbool.h>
#include <stddef.h>

#include "fs/devpts.h"
#include "fs/tmpfs.h"
#include "platform/platform.h"
#include "sentry/sandbox.h"

#define EXIT_CANNOT_EXEC 126
#define EXIT_NOT_FOUND	 127

#define SETUP_MAX_MOUNTS 128

struct setup {
	struct sandbox *sb;
	struct mount *root;
	struct task *init;
	struct mount *mounts[SETUP_MAX_MOUNTS]; /* unmounted in reverse order at teardown */
	int nmounts;
	char err[512]; /* why the last setup_* call failed */
};

struct setup_opts {
	const struct platform_ops *pl; /* NULL: ptrace */
	bool strace;
	int pids_max;	      /* 0: the default */
	const char *root_dir; /* host directory under the guest's root */
	const char *hostname;
	const char *cwd; /* guest path; NULL: / */
	struct creds cred;
};

/* The options of every command that builds a sandbox: --platform=P, --strace. */
enum { SETUP_O_PLATFORM = 0x1000, SETUP_O_STRACE };
#define SETUP_OPTIONS                                                                              \
	{"platform", required_argument, NULL, SETUP_O_PLATFORM},                                   \
	{                                                                                          \
		"strace", no_argument, NULL, SETUP_O_STRACE                                        \
	}

/* Applies getopt's result c when it is one of SETUP_OPTIONS: 1, or -1 with the error
 * printed (who: the command's name); 0 when c is another option. */
int setup_option(struct setup_opts *o, const char *who, int c, const char *arg);

/* Creates the sandbox and its init task over an overlay of o->root_dir. 0, or -errno with
 * the reason in s->err; setup_teardown() undoes what was done either way. */
int setup_sandbox(struct setup *s, const struct setup_opts *o);

/* The standard filesystems, in mount order. */
enum std_mount { STD_DEV, STD_DEVPTS, STD_SHM, STD_PROC, STD_SYS, STD_COUNT };

const char *std_mount_path(enum std_mount which);

/* What a config may change in a standard filesystem: flags added to its own, and the
 * options of /dev/shm's tmpfs and /dev/pts's devpts instead of the defaults. */
struct std_mount_opts {
	unsigned long flags;
	bool has_tmpfs;
	struct tmpfs_opts tmpfs;
	bool has_devpts;
	struct devpts_opts devpts;
};

/* Mounts the standard filesystems; opts: NULL, or STD_COUNT entries. */
int setup_mount_standard(struct setup *s, const struct std_mount_opts *opts);

/* Creates the guest directory path and its missing parents (mode 0755). */
int setup_mkdir(struct setup *s, const char *path);

/* Mounts m at the guest directory path, creating it and its missing parents first; the
 * mount is undone at teardown. On failure m is dropped. */
int setup_mount_at(struct setup *s, const char *path, struct mount *m);

/* The host directory host_dir at the guest path: read-only with MS_RDONLY in flags, which
 * also go on the mount (MS_NOSUID, MS_NODEV, MS_NOEXEC, ...). */
int setup_bind(struct setup *s, const char *host_dir, const char *guest, unsigned long flags);

/* Finds cmd in the guest as execvp would with path_env (NULL: a default PATH), loads it
 * into init and runs init to its end. Returns init's exit status as a shell reports it
 * (128+signal when killed), or, when cmd cannot be loaded, 127 (not found) or 126 with the
 * reason printed. */
int setup_exec_run(struct setup *s, const char *cmd, const char *path_env, const char *const *argv,
		   size_t argc, const char *const *envp, size_t envc, bool report_unimplemented);

/* A fraction of the machine's memory in bytes (0 when unknown: unlimited), for tmpfs
 * sizes: a quarter for the root's upper layer, Linux's half for a tmpfs mount. */
uint64_t memory_share(unsigned divisor);

void setup_teardown(struct setup *s);

#endif
