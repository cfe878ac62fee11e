/*
 * cvisor run [--bundle DIR] [--pid-file FILE] ID
 *
 * Runs the container of an OCI bundle in the foreground, as `runc run` does: the root is the
 * bundle's rootfs (read-only below an in-memory upper layer, so the host directory never
 * changes; the whole root read-only when root.readonly says so), the standard filesystems
 * (/dev, /dev/pts, /dev/shm, /proc, /sys: config mounts of those take their options), the
 * config's other mounts on top, then process.args with its env, cwd, user, rlimits and
 * capabilities. cvisor's stdio is the container's; its exit status is the container's
 * (128+signal when killed; 127 when args[0] is not found, 126 when it cannot be executed).
 * A mistake in the bundle is one line naming the field: `cvisor: config.json: <path>: ...`.
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
#include <sys/stat.h>
#include <unistd.h>

#include "fs/procfs.h"
#include "fs/sysfs.h"
#include "runsc-cli/cli.h"
#include "runsc-cli/oci_config.h"
#include "runsc-cli/sandbox_setup.h"
#include "sentry/log.h"

/* The per-mount flags the VFS keeps; the others (sync, atime variants) change nothing in
 * the sandbox's filesystems. */
#define MOUNT_FLAGS_KEPT                                                                           \
	(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME)

struct run_opts {
	struct setup_opts so; /* --platform, --strace */
	const char *bundle;
	const char *pid_file;
	const char *id;
};

static int parse_run(int argc, char **argv, struct run_opts *o)
{
	enum { O_BUNDLE = 256, O_PID_FILE, O_DETACH, O_CONSOLE, O_IGNORED };
	static const struct option opts[] = {
	    SETUP_OPTIONS,
	    {"bundle", required_argument, NULL, O_BUNDLE},
	    {"pid-file", required_argument, NULL, O_PID_FILE},
	    {"detach", no_argument, NULL, O_DETACH},
	    {"console-socket", required_argument, NULL, O_CONSOLE},
	    /* runc's switches that mean nothing for a sandbox: its root is never pivoted
	     * into, it has no keyrings, its init reaps its own. */
	    {"no-pivot", no_argument, NULL, O_IGNORED},
	    {"no-new-keyring", no_argument, NULL, O_IGNORED},
	    {"no-subreaper", no_argument, NULL, O_IGNORED},
	    {"keep", no_argument, NULL, O_IGNORED},
	    {0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "+b:d", opts, NULL)) != -1) {
		int r = setup_option(&o->so, "run", c, optarg);
		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		switch (c) {
		case 'b':
		case O_BUNDLE:
			o->bundle = optarg;
			break;
		case O_PID_FILE:
			o->pid_file = optarg;
			break;
		case 'd':
		case O_DETACH:
			cli_error("run: --detach is not supported yet: cvisor run keeps the "
				  "container in the foreground");
			return -1;
		case O_CONSOLE:
			cli_error("run: --console-socket is not supported yet (no terminal for "
				  "the container)");
			return -1;
		case O_IGNORED:
			break;
		default:
			cli_error("run: usage: cvisor run [--bundle DIR] [--pid-file FILE] ID");
			return -1;
		}
	}
	if (optind != argc - 1) {
		cli_error("run: %s (usage: cvisor run [--bundle DIR] [--pid-file FILE] ID)",
			  optind >= argc ? "no container ID given" : "one container ID expected");
		return -1;
	}
	o->id = argv[optind];
	if (!oci_id_valid(o->id)) {
		cli_error("run: invalid container ID '%s' (letters, digits, '_', '+', '-' and '.' "
			  "only)",
			  o->id);
		return -1;
	}
	return 0;
}

/* A path of config.json made absolute: relative ones are relative to the bundle. */
static void bundle_path(const char *bundle, const char *p, char *out, size_t cap)
{
	if (p[0] == '/')
		snprintf(out, cap, "%s", p);
	else
		snprintf(out, cap, "%s/%s", bundle, p);
}

/* path without "//", "." and trailing slashes, ".." folded lexically (Go's filepath.Clean,
 * which runc applies to mount destinations). */
static void clean_path(const char *path, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = 0;
	for (const char *p = path; *p;) {
		size_t len = strcspn(p, "/");
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (n > 0 && out[--n] != '/')
				;
			out[n] = 0;
		} else if (len && !(len == 1 && p[0] == '.') && n + len + 2 <= cap) {
			out[n++] = '/';
			memcpy(out + n, p, len);
			n += len;
			out[n] = 0;
		}
		p += len;
		p += *p == '/';
	}
	if (n == 0)
		snprintf(out, cap, "/");
}

/* Which standard filesystem a config mount stands for, or -1. */
static int standard_slot(const struct oci_mount *m)
{
	char dest[PATH_MAX];
	clean_path(m->destination, dest, sizeof(dest));
	for (int i = 0; i < STD_COUNT; i++) {
		if (strcmp(dest, std_mount_path((enum std_mount)i)) != 0)
			continue;
		switch (i) {
		case STD_DEV:
		case STD_SHM:
			return m->kind == OCI_MOUNT_TMPFS ? i : -1;
		case STD_DEVPTS:
			return m->kind == OCI_MOUNT_DEVPTS ? i : -1;
		case STD_PROC:
			return m->kind == OCI_MOUNT_PROC ? i : -1;
		default: /* /sys: runc's rootless spec binds the host's; the guest gets its own */
			return m->kind == OCI_MOUNT_SYSFS ||
				       (m->kind == OCI_MOUNT_BIND && strcmp(m->source, "/sys") == 0)
				   ? i
				   : -1;
		}
	}
	return -1;
}

static struct tmpfs_opts tmpfs_options(const struct oci_mount *m, uint64_t default_size)
{
	return (struct tmpfs_opts){
	    .size_limit = m->has_size ? m->size : default_size,
	    .inode_limit = m->nr_inodes,
	    .root_mode = m->has_mode ? m->mode : 01777,
	    .uid = m->has_uid ? m->uid : 0,
	    .gid = m->has_gid ? m->gid : 0,
	};
}

/* devpts as Linux mounts it when the options say nothing (nodes 0600 in the opener's group,
 * ptmx 0000). */
static struct devpts_opts devpts_options(const struct oci_mount *m)
{
	return (struct devpts_opts){
	    .setgid = m->has_gid,
	    .gid = m->gid,
	    .mode = m->has_mode ? m->mode : 0600,
	    .ptmxmode = m->has_ptmxmode ? m->ptmxmode : 0,
	    .max = m->max ? m->max : 4096,
	};
}

/* NULL when path is a host directory, else why not. */
static const char *not_a_directory(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return strerror(errno);
	return S_ISDIR(st.st_mode) ? NULL : "not a directory";
}

/* The refusals that need the bundle: the root and every bind source must be host
 * directories, every mount type one cvisor has. One line naming the field. */
static int check_bundle(const struct oci_config *c, const char *bundle)
{
	char path[PATH_MAX];
	const char *why;
	bundle_path(bundle, c->root_path, path, sizeof(path));
	if ((why = not_a_directory(path))) {
		cli_error("config.json: root.path: %s: %s", path, why);
		return -1;
	}
	for (size_t i = 0; i < c->nmounts; i++) {
		const struct oci_mount *m = &c->mounts[i];
		if (m->kind == OCI_MOUNT_OTHER) {
			cli_error(
			    "config.json: mounts[%zu].type: unsupported mount type \"%s\" "
			    "(cvisor mounts bind, tmpfs, proc, sysfs, devpts, mqueue, cgroup)",
			    i, m->type);
			return -1;
		}
		if (m->kind != OCI_MOUNT_BIND || standard_slot(m) >= 0)
			continue;
		bundle_path(bundle, m->source, path, sizeof(path));
		if ((why = not_a_directory(path))) {
			cli_error("config.json: mounts[%zu].source: %s: %s%s", i, path, why,
				  strcmp(why, "not a directory") == 0
				      ? " (binding a file is not supported yet)"
				      : "");
			return -1;
		}
	}
	return 0;
}

/* What cvisor does not apply yet, each said once in the log rather than silently. */
static void log_unapplied(const struct oci_config *c)
{
	if (c->process.terminal)
		log_warn("process.terminal: no pseudo-terminal yet: the container uses cvisor's "
			 "own stdio");
	for (int k = 0; k < OCI_HOOK_KINDS; k++) {
		if (c->nhooks[k]) {
			log_warn("hooks: not run yet (%zu given)", c->nhooks[k]);
			break;
		}
	}
	if (c->nmasked_paths || c->nreadonly_paths)
		log_info("linux.maskedPaths, linux.readonlyPaths: not applied yet (the guest's "
			 "/proc and /sys are the Sentry's own)");
	if (c->nsysctl)
		log_info("linux.sysctl: not applied yet");
	if (c->process.has_oom_score_adj)
		log_info("process.oomScoreAdj: not applied yet");
	for (size_t i = 0; i < c->nnamespaces; i++) {
		if (c->namespaces[i].path)
			log_info("linux.namespaces[%zu]: joining %s is not supported yet: the "
				 "sandbox has its own %s namespace",
				 i, c->namespaces[i].path, oci_ns_name(c->namespaces[i].type));
	}
}

/* A new instance of the filesystem a (non-bind) config mount names. */
static int make_filesystem(struct setup *s, const struct oci_mount *m, unsigned flags,
			   struct mount **out)
{
	switch (m->kind) {
	case OCI_MOUNT_TMPFS: {
		struct tmpfs_opts to = tmpfs_options(m, memory_share(2));
		return tmpfs_mount(&to, flags, out);
	}
	case OCI_MOUNT_PROC:
		return procfs_mount(s->sb, out);
	case OCI_MOUNT_SYSFS:
		return sysfs_mount(out);
	case OCI_MOUNT_DEVPTS: {
		struct devpts_opts po = devpts_options(m);
		return devpts_mount(&po, out);
	}
	default:
		return -ENODEV;
	}
}

/* A config mount that is not one of the standard filesystems, on top of those. */
static int mount_config_one(struct setup *s, const struct oci_mount *m, size_t i,
			    const char *bundle)
{
	char src[PATH_MAX];
	unsigned flags = m->flags & MOUNT_FLAGS_KEPT;
	struct mount *mnt = NULL;
	int e;
	if (m->kind == OCI_MOUNT_MQUEUE || m->kind == OCI_MOUNT_CGROUP) {
		log_info("mounts[%zu]: %s on %s skipped: no %s filesystem in the sandbox yet", i,
			 m->type, m->destination, m->type);
		return 0;
	}
	if (m->kind == OCI_MOUNT_TMPFS && m->tmpcopyup)
		log_info("mounts[%zu]: tmpcopyup is not supported yet: %s starts empty", i,
			 m->destination);
	if (m->kind == OCI_MOUNT_BIND) {
		bundle_path(bundle, m->source, src, sizeof(src));
		e = setup_bind(s, src, m->destination, flags);
	} else if ((e = make_filesystem(s, m, flags, &mnt)) < 0) {
		snprintf(s->err, sizeof(s->err), "cannot make the %s filesystem: %s", m->type,
			 strerror(-e));
	} else {
		mnt->flags |= flags;
		e = setup_mount_at(s, m->destination, mnt);
	}
	if (e < 0)
		cli_error("config.json: mounts[%zu]: %s", i, s->err);
	return e;
}

/* The standard filesystems with what the config says of them, then the config's others. */
static int mount_all(struct setup *s, const struct oci_config *c, const char *bundle)
{
	struct std_mount_opts std[STD_COUNT] = {0};
	bool taken[STD_COUNT] = {0}, *is_std = calloc(c->nmounts + 1, sizeof(bool));
	int e = -ENOMEM;
	if (!is_std) {
		cli_error("run: out of memory");
		goto out;
	}
	for (size_t i = 0; i < c->nmounts; i++) {
		const struct oci_mount *m = &c->mounts[i];
		int slot = standard_slot(m);
		if (slot < 0 || taken[slot])
			continue; /* a second one goes on top of the first */
		taken[slot] = is_std[i] = true;
		std[slot].flags = m->flags & MOUNT_FLAGS_KEPT;
		if (slot == STD_SHM) {
			std[slot].has_tmpfs = true;
			std[slot].tmpfs = tmpfs_options(m, memory_share(8));
		} else if (slot == STD_DEVPTS) {
			std[slot].has_devpts = true;
			std[slot].devpts = devpts_options(m);
		}
	}
	e = setup_mount_standard(s, std);
	if (e < 0) {
		cli_error("run: %s", s->err);
		goto out;
	}
	for (size_t i = 0; i < c->nmounts && e == 0; i++) {
		if (!is_std[i])
			e = mount_config_one(s, &c->mounts[i], i, bundle);
	}
out:
	free(is_std);
	return e;
}

/* The capability sets the container's process has once runc's final execve is done:
 * root's become its bounding and inheritable sets (limited to the permitted one under
 * noNewPrivileges); anyone else's the ambient set. cvisor loads the program directly, so
 * it starts with these. */
static void exec_caps(const struct oci_process *pr, struct init_identity *id)
{
	const struct oci_caps *c = &pr->caps;
	id->caps_set = true;
	id->cap_inh = c->inheritable;
	if (pr->user.uid == 0) {
		id->cap_prm = c->bounding | c->inheritable;
		if (pr->no_new_privileges)
			id->cap_prm &= c->permitted;
		id->cap_eff = id->cap_prm;
	} else {
		id->cap_prm = id->cap_eff = c->ambient & c->permitted & c->inheritable;
	}
}

static void build_identity(const struct oci_config *c, struct init_identity *id)
{
	const struct oci_process *pr = &c->process;
	uid_t u = pr->user.uid;
	gid_t g = pr->user.gid;
	*id = (struct init_identity){
	    .cwd = pr->cwd,
	    .cred = {u, u, u, u, g, g, g, g},
	    .groups = pr->user.additional_gids,
	    .ngroups = (int)pr->user.n_additional_gids,
	    .umask = pr->user.umask,
	    .no_new_privs = pr->no_new_privileges,
	};
	for (size_t i = 0; i < pr->nrlimits; i++) {
		const struct oci_rlimit *rl = &pr->rlimits[i];
		id->rlim[rl->resource] = (struct rlimit){rl->soft, rl->hard};
		id->rlim_set |= 1u << rl->resource;
	}
	if (pr->has_caps)
		exec_caps(pr, id);
}

/* The pid of the container as runc reports it: here the Sentry's own. Written to a
 * temporary name and renamed, so a reader never sees half of it. */
static int write_pid_file(const char *path)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	FILE *f = fopen(tmp, "we");
	if (!f || fprintf(f, "%d", (int)getpid()) < 0 || fclose(f) != 0 || rename(tmp, path) < 0) {
		cli_error("run: --pid-file %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int cmd_run(const struct global_opts *g, int argc, char **argv)
{
	struct run_opts o = {.bundle = "."};
	struct oci_config c;
	struct setup s = {0};
	char cfg[PATH_MAX], rootfs[PATH_MAX], err[512], host[65] = "";
	int ret = EXIT_FAILURE;

	if (parse_run(argc, argv, &o) < 0)
		return EXIT_FAILURE;
	snprintf(cfg, sizeof(cfg), "%s/config.json", o.bundle);
	if (oci_config_load(cfg, &c, err, sizeof(err)) < 0) {
		cli_error("config.json: %s", err);
		return EXIT_FAILURE;
	}
	if (check_bundle(&c, o.bundle) < 0)
		goto out;
	log_unapplied(&c);
	bundle_path(o.bundle, c.root_path, rootfs, sizeof(rootfs));
	gethostname(host, sizeof(host) - 1);
	/* Set up as root (mountpoints, cwd are created in the in-memory upper layer), then
	 * the process's own identity. */
	o.so.root_dir = rootfs;
	o.so.hostname = c.hostname ? c.hostname : host;
	if (setup_sandbox(&s, &o.so) < 0) {
		cli_error("run: %s", s.err);
		goto out;
	}
	if (c.domainname)
		snprintf(s.sb->domainname, sizeof(s.sb->domainname), "%s", c.domainname);
	if (mount_all(&s, &c, o.bundle) < 0)
		goto out;
	if (setup_mkdir(&s, c.process.cwd) < 0) {
		cli_error("config.json: process.cwd: %s", s.err);
		goto out;
	}
	struct init_identity id;
	build_identity(&c, &id);
	if (sandbox_set_init_identity(s.init, &id, s.err, sizeof(s.err)) < 0) {
		cli_error("config.json: process: %s", s.err);
		goto out;
	}
	if (c.root_readonly)
		s.root->flags |= MS_RDONLY;
	if (o.pid_file && write_pid_file(o.pid_file) < 0)
		goto out;
	ret = setup_exec_run(&s, c.process.args[0], oci_config_getenv(&c, "PATH"), c.process.args,
			     c.process.nargs, c.process.env, c.process.nenv, g->debug);
out:
	setup_teardown(&s);
	oci_config_free(&c);
	return ret;
}
