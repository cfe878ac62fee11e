/*
 * cvisor do [--platform=P] [--strace] [--cwd DIR] [--] CMD [ARGS...]
 *
 * Runs CMD in a sandbox without a bundle: the host's / is the read-only root, the caller's
 * environment and stdio are the guest's. The exit status is CMD's (128+signal when killed);
 * 127 when CMD is missing or not found, 126 when it cannot be executed, as a shell would.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs/devfs.h"
#include "fs/devpts.h"
#include "fs/procfs.h"
#include "fs/sysfs.h"
#include "fs/overlay.h"
#include "fs/tmpfs.h"
#include "fs/vfs.h"
#include "platform/platform.h"
#include "runsc-cli/cli.h"
#include "sentry/exec.h"
#include "sentry/log.h"
#include "sentry/sandbox.h"

#define EXIT_CANNOT_EXEC 126
#define EXIT_NOT_FOUND	 127
#define EXIT_RUNTIME	 125 /* cvisor itself failed, as docker and podman report it */

extern char **environ;

struct do_opts {
	const char *platform;
	const char *cwd;
	bool strace;
	int pids_limit;
	const char *volumes[16]; /* --volume HOST:GUEST[:ro|:rw] */
	int nvolumes;
};

static int parse_do(int argc, char **argv, struct do_opts *o)
{
	enum { O_PLATFORM = 256, O_STRACE, O_CWD, O_PIDS, O_VOLUME };
	static const struct option opts[] = {
	    {"platform", required_argument, NULL, O_PLATFORM},
	    {"strace", no_argument, NULL, O_STRACE},
	    {"cwd", required_argument, NULL, O_CWD},
	    {"pids-limit", required_argument, NULL, O_PIDS},
	    {"volume", required_argument, NULL, O_VOLUME},
	    {0},
	};
	char *end;
	int c;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case O_PLATFORM:
			o->platform = optarg;
			break;
		case O_STRACE:
			o->strace = true;
			break;
		case O_CWD:
			o->cwd = optarg;
			break;
		case O_PIDS:
			o->pids_limit = (int)strtol(optarg, &end, 10);
			if (*end || o->pids_limit < 1) {
				cli_error("do: --pids-limit: '%s' is not a positive number",
					  optarg);
				return -1;
			}
			break;
		case O_VOLUME:
			if (o->nvolumes == (int)(sizeof(o->volumes) / sizeof(o->volumes[0]))) {
				cli_error("do: --volume: at most 16 volumes");
				return -1;
			}
			o->volumes[o->nvolumes++] = optarg;
			break;
		default:
			return -1;
		}
	}
	return optind;
}

/* The embedded default root: host_dir read-only below, an in-memory tmpfs above for every
 * write (at most a quarter of the machine's memory, so a guest filling it gets ENOSPC, not
 * the host's OOM killer). */
static int overlay_root(const char *host_dir, struct mount **out)
{
	struct mount *host = NULL;
	struct inode *upper = NULL;
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
	struct tmpfs_opts to = {.root_mode = 0755};
	if (pages > 0 && psz > 0)
		to.size_limit = (uint64_t)pages * (uint64_t)psz / 4;
	int e = hostfs_mount(host_dir, true, &host);
	if (e == 0)
		e = tmpfs_new(&to, &upper);
	if (e == 0)
		e = overlay_mount(host->root->inode, upper, 0, out);
	inode_put(upper);
	if (host) {
		struct path p = {host, NULL};
		path_put(&p);
	}
	return e;
}

/* --volume HOST:GUEST[:ro|:rw]: the host directory HOST bound at GUEST (created in the
 * guest's root if missing), read-write unless :ro. One error line naming the volume. */
static int mount_volume(struct task *t, const char *spec)
{
	char buf[PATH_MAX * 2 + 4];
	bool ro = false;
	if (strlen(spec) >= sizeof(buf)) {
		cli_error("do: --volume '%s': too long", spec);
		return -ENAMETOOLONG;
	}
	strcpy(buf, spec);
	char *guest = strchr(buf, ':');
	if (!guest || guest == buf || guest[1] != '/') {
		cli_error("do: --volume '%s': expected HOST:GUEST[:ro|:rw] with an absolute GUEST",
			  spec);
		return -EINVAL;
	}
	*guest++ = 0;
	char *mode = strchr(guest, ':');
	if (mode) {
		*mode++ = 0;
		if (strcmp(mode, "ro") == 0) {
			ro = true;
		} else if (strcmp(mode, "rw") != 0) {
			cli_error("do: --volume '%s': unknown mode '%s' (ro or rw)", spec, mode);
			return -EINVAL;
		}
	}
	struct mount *m;
	int e = hostfs_mount(buf, ro, &m);
	if (e < 0) {
		cli_error("do: --volume '%s': cannot open host directory '%s': %s", spec, buf,
			  strerror(-e));
		return e;
	}
	e = vfs_mkdirat(t, AT_FDCWD, guest, 0755);
	if (e == -EEXIST)
		e = 0;
	if (e == 0)
		e = vfs_mount_at(t, guest, m);
	if (e < 0) {
		cli_error("do: --volume '%s': cannot mount on '%s': %s", spec, guest, strerror(-e));
		struct path p = {m, NULL};
		path_put(&p);
	}
	return e;
}

struct mounted {
	struct mount *m[8];
	int n;
};

/* Mounts m (made by make(), which returned err) on path and records it for the unmount at
 * exit; one error line naming the path. */
static int mount_one(struct task *t, const char *path, int err, struct mount *m,
		     struct mounted *list)
{
	if (err == 0)
		err = vfs_mount_at(t, path, m);
	if (err < 0) {
		if (m) {
			struct path p = {m, NULL};
			path_put(&p);
		}
		cli_error("do: cannot mount %s: %s", path, strerror(-err));
		return err;
	}
	list->m[list->n++] = m;
	return 0;
}

/* The guest's standard filesystems over its root: /dev (with pts/ and shm/), /proc, /sys. */
static int mount_standard(struct task *t, struct sandbox *sb, struct mounted *list)
{
	struct tmpfs_opts shm = {.root_mode = 01777};
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
	if (pages > 0 && psz > 0)
		shm.size_limit = (uint64_t)pages * (uint64_t)psz / 8; /* Docker's is 64 MiB */
	struct mount *m = NULL;
	int e = devfs_mount(&m);
	if ((e = mount_one(t, "/dev", e, m, list)) < 0)
		return e;
	m = NULL;
	e = devpts_mount(NULL, &m);
	if ((e = mount_one(t, "/dev/pts", e, m, list)) < 0)
		return e;
	m = NULL;
	e = tmpfs_mount(&shm, MS_NOSUID | MS_NODEV, &m);
	if ((e = mount_one(t, "/dev/shm", e, m, list)) < 0)
		return e;
	m = NULL;
	e = procfs_mount(sb, &m);
	if ((e = mount_one(t, "/proc", e, m, list)) < 0)
		return e;
	m = NULL;
	e = sysfs_mount(&m);
	return mount_one(t, "/sys", e, m, list);
}

static int exit_code_of(int status)
{
	if (status & 0x7f)
		return 128 + (status & 0x7f);
	return (status >> 8) & 0xff;
}

int cmd_do(const struct global_opts *g, int argc, char **argv)
{
	struct do_opts o = {.platform = "ptrace"};
	struct sandbox *sb = NULL;
	struct mount *root = NULL;
	struct mounted mnts = {0};
	struct task *t = NULL;
	char err[512] = "", found[PATH_MAX], cwd[PATH_MAX];
	int ret = EXIT_RUNTIME, e;

	int first = parse_do(argc, argv, &o);
	if (first < 0) {
		cli_error("do: usage: cvisor do [--platform=ptrace] [--strace] [--cwd DIR] "
			  "[--pids-limit N] [--volume HOST:GUEST[:ro]] [--] CMD [ARGS...]");
		return EXIT_NOT_FOUND;
	}
	if (first >= argc) {
		cli_error("do: no command given (usage: cvisor do [--] CMD [ARGS...])");
		return EXIT_NOT_FOUND;
	}
	const struct platform_ops *pl = platform_by_name(o.platform);
	if (!pl) {
		cli_error("do: --platform: unknown platform '%s' (known: ptrace)", o.platform);
		return EXIT_RUNTIME;
	}
	if (!o.cwd)
		o.cwd = getcwd(cwd, sizeof(cwd)) ? cwd : "/";

	sb = calloc(1, sizeof(*sb));
	if (!sb)
		goto out;
	sb->pl = pl;
	sb->strace = o.strace;
	sb->pids_max = o.pids_limit;
	e = overlay_root("/", &root);
	if (e < 0) {
		cli_error("do: cannot make the guest root over the host's /: %s", strerror(-e));
		goto out;
	}
	char host[65] = "";
	gethostname(host, sizeof(host) - 1);
	struct init_spec spec = {
	    .root = root,
	    .cwd = o.cwd,
	    .cred = {getuid(), geteuid(), geteuid(), geteuid(), getgid(), getegid(), getegid(),
		     getegid()},
	    .hostname = host,
	    .host_stdio = true,
	};
	e = sandbox_new_init_task(sb, &spec, &t, err, sizeof(err));
	if (e < 0) {
		cli_error("do: %s", err[0] ? err : strerror(-e));
		goto out;
	}
	e = mount_standard(t, sb, &mnts);
	if (e < 0)
		goto out;
	for (int i = 0; i < o.nvolumes; i++) {
		if (mount_volume(t, o.volumes[i]) < 0)
			goto out;
	}
	const char *cmd = argv[first];
	e = exec_find(t, cmd, getenv("PATH"), found, sizeof(found));
	if (e < 0) {
		if (e == -ENOENT)
			cli_error("%s: command not found", cmd);
		else
			cli_error("%s: %s", cmd, strerror(-e));
		ret = e == -ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
		goto out;
	}
	size_t envc = 0;
	while (environ[envc])
		envc++;
	e = exec_program(t, found, (const char *const *)argv + first, (size_t)(argc - first),
			 (const char *const *)environ, envc, err, sizeof(err));
	if (e < 0) {
		cli_error("%s", err[0] ? err : strerror(-e));
		ret = e == -ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
		goto out;
	}
	ret = exit_code_of(sandbox_run_init(t));
	t = NULL;
	if (g->debug)
		sandbox_report_unimplemented(sb);
out:
	task_free(t);
	while (mnts.n > 0)
		vfs_unmount(mnts.m[--mnts.n]);
	if (root) {
		struct path p = {root, NULL};
		path_put(&p);
	}
	free(sb);
	return ret;
}
