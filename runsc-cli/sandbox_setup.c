/* Building, running and tearing down a sandbox: what cvisor do and cvisor run share. */
#define _GNU_SOURCE
#include "runsc-cli/sandbox_setup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "fs/devfs.h"
#include "fs/overlay.h"
#include "fs/procfs.h"
#include "fs/sysfs.h"
#include "fs/vfs.h"
#include "runsc-cli/cli.h"
#include "sentry/exec.h"

static void mount_drop(struct mount *m)
{
	if (m) {
		struct path p = {m, NULL};
		path_put(&p);
	}
}

uint64_t memory_share(unsigned divisor)
{
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
	if (pages <= 0 || psz <= 0)
		return 0;
	return (uint64_t)pages * (uint64_t)psz / divisor;
}

/* host_dir read-only below, an in-memory tmpfs above for every write (at most a quarter of
 * the machine's memory, so a guest filling it gets ENOSPC, not the host's OOM killer). */
static int overlay_root(const char *host_dir, struct mount **out)
{
	struct mount *host = NULL;
	struct inode *upper = NULL;
	struct tmpfs_opts to = {.root_mode = 0755, .size_limit = memory_share(4)};
	int e = hostfs_mount(host_dir, true, &host);
	if (e == 0)
		e = tmpfs_new(&to, &upper);
	if (e == 0)
		e = overlay_mount(host->root->inode, upper, 0, out);
	inode_put(upper);
	mount_drop(host);
	return e;
}

int setup_option(struct setup_opts *o, const char *who, int c, const char *arg)
{
	switch (c) {
	case SETUP_O_PLATFORM:
		o->pl = platform_by_name(arg);
		if (!o->pl) {
			cli_error("%s: --platform: unknown platform '%s' (known: ptrace, seccomp)", who,
				  arg);
			return -1;
		}
		return 1;
	case SETUP_O_STRACE:
		o->strace = true;
		return 1;
	default:
		return 0;
	}
}

int setup_sandbox(struct setup *s, const struct setup_opts *o)
{
	memset(s, 0, sizeof(*s));
	s->sb = calloc(1, sizeof(*s->sb));
	if (!s->sb)
		return -ENOMEM;
	s->sb->pl = o->pl ? o->pl : platform_by_name("ptrace");
	s->sb->strace = o->strace;
	s->sb->pids_max = o->pids_max;
	int e = overlay_root(o->root_dir, &s->root);
	if (e < 0) {
		snprintf(s->err, sizeof(s->err), "cannot make the guest root over %s: %s",
			 o->root_dir, strerror(-e));
		return e;
	}
	struct init_spec spec = {
	    .root = s->root,
	    .cwd = o->cwd,
	    .cred = o->cred,
	    .hostname = o->hostname,
	    .host_stdio = true,
	};
	e = sandbox_new_init_task(s->sb, &spec, &s->init, s->err, sizeof(s->err));
	if (e < 0 && !s->err[0])
		snprintf(s->err, sizeof(s->err), "%s", strerror(-e));
	return e;
}

const char *std_mount_path(enum std_mount which)
{
	static const char *const paths[STD_COUNT] = {
	    [STD_DEV] = "/dev",	  [STD_DEVPTS] = "/dev/pts", [STD_SHM] = "/dev/shm",
	    [STD_PROC] = "/proc", [STD_SYS] = "/sys",
	};
	return (unsigned)which < STD_COUNT ? paths[which] : NULL;
}

/* Creates the missing directories of the guest path (mkdir -p). The first failure other
 * than EEXIST ends it. */
static int mkdir_parents(struct task *t, const char *path)
{
	char buf[PATH_MAX];
	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	for (char *q = buf + 1;; q++) {
		if (*q != '/' && *q)
			continue;
		char saved = *q;
		*q = 0;
		int e = q > buf && q[-1] != '/' ? vfs_mkdirat(t, AT_FDCWD, buf, 0755) : -EEXIST;
		*q = saved;
		if (e < 0 && e != -EEXIST)
			return e;
		if (!saved)
			return 0;
	}
}

int setup_mkdir(struct setup *s, const char *path)
{
	int e = mkdir_parents(s->init, path);
	if (e < 0)
		snprintf(s->err, sizeof(s->err), "cannot create %s: %s", path, strerror(-e));
	return e;
}

int setup_mount_at(struct setup *s, const char *path, struct mount *m)
{
	int e = s->nmounts < SETUP_MAX_MOUNTS ? mkdir_parents(s->init, path) : -ENOSPC;
	if (e == 0)
		e = vfs_mount_at(s->init, path, m);
	if (e < 0) {
		mount_drop(m);
		snprintf(s->err, sizeof(s->err), "cannot mount on %s: %s", path,
			 e == -ENOSPC ? "too many mounts" : strerror(-e));
		return e;
	}
	s->mounts[s->nmounts++] = m;
	return 0;
}

/* A standard filesystem, with what the config changes in it. */
static int make_standard(struct setup *s, enum std_mount which, const struct std_mount_opts *o,
			 struct mount **m)
{
	struct tmpfs_opts shm = {.root_mode = 01777, .size_limit = memory_share(8)};
	switch (which) {
	case STD_DEV:
		return devfs_mount(m);
	case STD_DEVPTS:
		return devpts_mount(o && o->has_devpts ? &o->devpts : NULL, m);
	case STD_SHM:
		return tmpfs_mount(o && o->has_tmpfs ? &o->tmpfs : &shm, MS_NOSUID | MS_NODEV, m);
	case STD_PROC:
		return procfs_mount(s->sb, m);
	case STD_SYS:
		return sysfs_mount(m);
	default:
		return -EINVAL;
	}
}

int setup_mount_standard(struct setup *s, const struct std_mount_opts *opts)
{
	for (int i = 0; i < STD_COUNT; i++) {
		const struct std_mount_opts *o = opts ? &opts[i] : NULL;
		struct mount *m = NULL;
		int e = make_standard(s, (enum std_mount)i, o, &m);
		if (e < 0) {
			snprintf(s->err, sizeof(s->err), "cannot make %s: %s",
				 std_mount_path((enum std_mount)i), strerror(-e));
			return e;
		}
		if (o)
			m->flags |= (unsigned)o->flags;
		if ((e = setup_mount_at(s, std_mount_path((enum std_mount)i), m)) < 0)
			return e;
	}
	return 0;
}

int setup_bind(struct setup *s, const char *host_dir, const char *guest, unsigned long flags)
{
	struct mount *m;
	int e = hostfs_mount(host_dir, (flags & MS_RDONLY) != 0, &m);
	if (e < 0) {
		snprintf(s->err, sizeof(s->err), "cannot open host directory %s: %s", host_dir,
			 strerror(-e));
		return e;
	}
	m->flags |= (unsigned)flags;
	return setup_mount_at(s, guest, m);
}

int setup_exec_run(struct setup *s, const char *cmd, const char *path_env, const char *const *argv,
		   size_t argc, const char *const *envp, size_t envc, bool report_unimplemented)
{
	char found[PATH_MAX];
	s->err[0] = 0;
	int e = exec_find(s->init, cmd, path_env, found, sizeof(found));
	if (e == -ENOENT)
		snprintf(s->err, sizeof(s->err), "%s: command not found", cmd);
	else if (e == 0)
		e = exec_program(s->init, found, argv, argc, envp, envc, s->err, sizeof(s->err));
	if (e < 0) {
		cli_error("%s", s->err[0] ? s->err : strerror(-e));
		return e == -ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
	}
	int status = sandbox_run_init(s->init);
	s->init = NULL;
	if (report_unimplemented)
		sandbox_report_unimplemented(s->sb);
	if (status & 0x7f)
		return 128 + (status & 0x7f);
	return (status >> 8) & 0xff;
}

void setup_teardown(struct setup *s)
{
	task_free(s->init);
	s->init = NULL;
	while (s->nmounts > 0)
		vfs_unmount(s->mounts[--s->nmounts]);
	mount_drop(s->root);
	s->root = NULL;
	free(s->sb);
	s->sb = NULL;
}
