/*
 * cvisor spec [--bundle DIR] [--rootless]
 *
 * Writes a starting config.json into the bundle, the one `runc spec` writes (with cvisor as
 * the hostname): `sh` on a terminal as root in a read-only "rootfs", the standard mounts,
 * the namespaces, three capabilities, 1024 open files. --rootless adapts it as runc's does:
 * a user namespace mapping the caller to root, no network namespace, the host's /sys bound
 * instead of a new sysfs, no uid=/gid= mount options. An existing config.json is never
 * overwritten.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runsc-cli/cli.h"

/* Mounts as runc's default spec has them: destination, type, source, options. */
static const char *const default_mounts[][4] = {
    {"/proc", "proc", "proc", ""},
    {"/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k"},
    {"/dev/pts", "devpts", "devpts", "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5"},
    {"/dev/shm", "tmpfs", "shm", "nosuid,noexec,nodev,mode=1777,size=65536k"},
    {"/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev"},
    {"/sys", "sysfs", "sysfs", "nosuid,noexec,nodev,ro"},
    {"/sys/fs/cgroup", "cgroup", "cgroup", "nosuid,noexec,nodev,relatime,ro"},
};

static const char *const masked_paths[] = {
    "/proc/acpi",	   "/proc/asound",     "/proc/kcore",	    "/proc/keys",
    "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
    "/sys/firmware",	   "/proc/scsi",
};

static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

static const char *const default_caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static json_t *string_array(const char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* "a,b,c" as ["a","b","c"]; rootless drops uid= and gid=. */
static json_t *option_array(const char *opts, bool rootless)
{
	json_t *a = json_array();
	char *copy = strdup(opts), *save = NULL;
	for (char *o = copy ? strtok_r(copy, ",", &save) : NULL; a && o;
	     o = strtok_r(NULL, ",", &save)) {
		if (!rootless || (strncmp(o, "uid=", 4) != 0 && strncmp(o, "gid=", 4) != 0))
			json_array_append_new(a, json_string(o));
	}
	free(copy);
	return a;
}

static json_t *mounts(bool rootless)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < COUNT(default_mounts); i++) {
		const char *const *m = default_mounts[i];
		if (rootless && strcmp(m[0], "/sys") == 0)
			json_array_append_new(
			    a, json_pack("{s:s, s:s, s:s, s:o}", "destination", "/sys", "type",
					 "none", "source", "/sys", "options",
					 option_array("rbind,nosuid,noexec,nodev,ro", false)));
		else
			json_array_append_new(
			    a, json_pack("{s:s, s:s, s:s, s:o}", "destination", m[0], "type", m[1],
					 "source", m[2], "options", option_array(m[3], rootless)));
	}
	return a;
}

static json_t *namespaces(bool rootless)
{
	static const char *const types[] = {"pid", "network", "ipc", "uts", "mount", "cgroup"};
	json_t *a = json_array();
	for (size_t i = 0; a && i < COUNT(types); i++) {
		if (!rootless || strcmp(types[i], "network") != 0)
			json_array_append_new(a, json_pack("{s:s}", "type", types[i]));
	}
	if (rootless)
		json_array_append_new(a, json_pack("{s:s}", "type", "user"));
	return a;
}

static json_t *default_spec(bool rootless)
{
	json_t *caps =
	    json_pack("{s:o, s:o, s:o}", "bounding", string_array(default_caps, 3), "effective",
		      string_array(default_caps, 3), "permitted", string_array(default_caps, 3));
	json_t *process =
	    json_pack("{s:b, s:{s:i, s:i}, s:[s], s:[s, s], s:s, s:o, s:[{s:s, s:i, s:i}], s:b}",
		      "terminal", 1, "user", "uid", 0, "gid", 0, "args", "sh", "env",
		      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		      "TERM=xterm", "cwd", "/", "capabilities", caps, "rlimits", "type",
		      "RLIMIT_NOFILE", "hard", 1024, "soft", 1024, "noNewPrivileges", 1);
	json_t *linux_ =
	    json_pack("{s:o, s:o, s:o}", "namespaces", namespaces(rootless), "maskedPaths",
		      string_array(masked_paths, COUNT(masked_paths)), "readonlyPaths",
		      string_array(readonly_paths, COUNT(readonly_paths)));
	if (linux_ && rootless) {
		json_object_set_new(linux_, "uidMappings",
				    json_pack("[{s:i, s:I, s:i}]", "containerID", 0, "hostID",
					      (json_int_t)geteuid(), "size", 1));
		json_object_set_new(linux_, "gidMappings",
				    json_pack("[{s:i, s:I, s:i}]", "containerID", 0, "hostID",
					      (json_int_t)getegid(), "size", 1));
	}
	return json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}", "ociVersion", "1.1.0",
			 "process", process, "root", "path", "rootfs", "readonly", 1, "hostname",
			 "cvisor", "mounts", mounts(rootless), "linux", linux_);
}

int cmd_spec(const struct global_opts *g, int argc, char **argv)
{
	enum { O_BUNDLE = 256, O_ROOTLESS };
	static const struct option opts[] = {
	    {"bundle", required_argument, NULL, O_BUNDLE},
	    {"rootless", no_argument, NULL, O_ROOTLESS},
	    {0},
	};
	const char *bundle = ".";
	bool rootless = false;
	char path[4096];
	int c, ret = 1;
	while ((c = getopt_long(argc, argv, "+b:", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
		case O_BUNDLE:
			bundle = optarg;
			break;
		case O_ROOTLESS:
			rootless = true;
			break;
		default:
			cli_error("spec: usage: cvisor spec [--bundle DIR] [--rootless]");
			return 1;
		}
	}
	if (optind < argc) {
		cli_error("spec: unexpected argument '%s' (usage: cvisor spec [--bundle DIR] "
			  "[--rootless])",
			  argv[optind]);
		return 1;
	}
	json_t *spec = default_spec(rootless);
	char *text = spec ? json_dumps(spec, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	if (!text) {
		cli_error("spec: out of memory");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0) {
		if (errno == EEXIST)
			cli_error("spec: %s exists: remove it first", path);
		else
			cli_error("spec: cannot create %s: %s", path, strerror(errno));
		goto out;
	}
	size_t len = strlen(text), done = 0;
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	if (done < len || write(fd, "\n", 1) != 1) {
		cli_error("spec: cannot write %s: %s", path, strerror(errno));
		unlink(path);
	} else {
		ret = 0;
	}
	close(fd);
out:
	free(text);
	json_decref(spec);
	return ret;
}
