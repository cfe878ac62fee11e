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

#include "platform/platform.h"
#include "runsc-cli/cli.h"
#include "runsc-cli/sandbox_setup.h"

#define EXIT_RUNTIME 125 /* cvisor itself failed, as docker and podman report it */

extern char **environ;

struct do_opts {
	struct setup_opts so; /* --platform, --strace */
	const char *cwd;
	const char *volumes[16]; /* --volume HOST:GUEST[:ro|:rw] */
	int nvolumes;
};

static int parse_do(int argc, char **argv, struct do_opts *o)
{
	enum { O_CWD = 256, O_PIDS, O_VOLUME };
	static const struct option opts[] = {
	    SETUP_OPTIONS,
	    {"cwd", required_argument, NULL, O_CWD},
	    {"pids-limit", required_argument, NULL, O_PIDS},
	    {"volume", required_argument, NULL, O_VOLUME},
	    {0},
	};
	char *end;
	int c;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		int r = setup_option(&o->so, "do", c, optarg);
		if (r < 0)
			return -2; /* a bad --platform, already said */
		if (r > 0)
			continue;
		switch (c) {
		case O_CWD:
			o->cwd = optarg;
			break;
		case O_PIDS:
			o->so.pids_max = (int)strtol(optarg, &end, 10);
			if (*end || o->so.pids_max < 1) {
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

/* --volume HOST:GUEST[:ro|:rw]: the host directory HOST bound at GUEST (created in the
 * guest's root if missing), read-write unless :ro. One error line naming the volume. */
static int mount_volume(struct setup *s, const char *spec)
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
	int e = setup_bind(s, buf, guest, ro ? MS_RDONLY : 0);
	if (e < 0)
		cli_error("do: --volume '%s': %s", spec, s->err);
	return e;
}

int cmd_do(const struct global_opts *g, int argc, char **argv)
{
	struct do_opts o = {0};
	struct setup s = {0};
	char cwd[PATH_MAX], host[65] = "";
	int ret = EXIT_RUNTIME;

	int first = parse_do(argc, argv, &o);
	if (first == -2)
		return EXIT_RUNTIME;
	if (first < 0) {
		cli_error("do: usage: cvisor do [--platform=ptrace|seccomp] [--strace] [--cwd DIR] "
			  "[--pids-limit N] [--volume HOST:GUEST[:ro]] [--] CMD [ARGS...]");
		return EXIT_NOT_FOUND;
	}
	if (first >= argc) {
		cli_error("do: no command given (usage: cvisor do [--] CMD [ARGS...])");
		return EXIT_NOT_FOUND;
	}
	gethostname(host, sizeof(host) - 1);
	o.so.root_dir = "/";
	o.so.hostname = host;
	o.so.cwd = o.cwd ? o.cwd : getcwd(cwd, sizeof(cwd)) ? cwd : "/";
	o.so.cred = (struct creds){getuid(), geteuid(), geteuid(), geteuid(),
				   getgid(), getegid(), getegid(), getegid()};
	if (setup_sandbox(&s, &o.so) < 0 || setup_mount_standard(&s, NULL) < 0) {
		cli_error("do: %s", s.err);
		goto out;
	}
	for (int i = 0; i < o.nvolumes; i++) {
		if (mount_volume(&s, o.volumes[i]) < 0)
			goto out;
	}
	size_t envc = 0;
	while (environ[envc])
		envc++;
	ret = setup_exec_run(&s, argv[first], getenv("PATH"), (const char *const *)argv + first,
			     (size_t)(argc - first), (const char *const *)environ, envc, g->debug);
out:
	setup_teardown(&s);
	return ret;
}
