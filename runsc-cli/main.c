/* cvisor: the OCI runtime's entry point; global options, then a subcommand. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runsc-cli/cli.h"
#include "sentry/log.h"

void cli_error(const char *fmt, ...)
{
	va_list ap;
	fputs("cvisor: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage(FILE *out)
{
	fputs(
	    "usage: cvisor [global options] COMMAND [options] [ARGS...]\n"
	    "\n"
	    "commands:\n"
	    "  do [--platform=ptrace] [--strace] [--cwd DIR] [--pids-limit N] [--] CMD [ARGS...]\n"
	    "        run CMD sandboxed: the host's / is the read-only root\n"
	    "  run [--bundle DIR] [--pid-file FILE] ID\n"
	    "        run the container of an OCI bundle (DIR/config.json) in the foreground\n"
	    "  spec [--bundle DIR] [--rootless]\n"
	    "        write a default config.json into the bundle\n"
	    "\n"
	    "global options:\n"
	    "  --root DIR          state directory (default /run/cvisor)\n"
	    "  --log FILE          write the log to FILE instead of stderr\n"
	    "  --log-format FMT    text or json\n"
	    "  --debug             verbose log\n"
	    "  --systemd-cgroup    accepted for compatibility\n",
	    out);
}

int main(int argc, char **argv)
{
	struct global_opts g = {.root = "/run/cvisor", .log_format = "text"};
	enum { O_ROOT = 256, O_LOG, O_LOG_FORMAT, O_DEBUG, O_SYSTEMD };
	static const struct option opts[] = {
	    {"root", required_argument, NULL, O_ROOT},
	    {"log", required_argument, NULL, O_LOG},
	    {"log-format", required_argument, NULL, O_LOG_FORMAT},
	    {"debug", no_argument, NULL, O_DEBUG},
	    {"systemd-cgroup", no_argument, NULL, O_SYSTEMD},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	int c;
	/* '+': stop at the first non-option, the subcommand. */
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case O_ROOT:
			g.root = optarg;
			break;
		case O_LOG:
			g.log = optarg;
			break;
		case O_LOG_FORMAT:
			if (strcmp(optarg, "text") && strcmp(optarg, "json")) {
				cli_error("--log-format: '%s' is neither text nor json", optarg);
				return 1;
			}
			g.log_format = optarg;
			break;
		case O_DEBUG:
			g.debug = true;
			break;
		case O_SYSTEMD:
			g.systemd_cgroup = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (log_open(g.log, strcmp(g.log_format, "json") == 0) < 0) {
		cli_error("--log: cannot open %s", g.log);
		return 1;
	}
	if (g.debug)
		log_set_level(LOG_DEBUG);
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	const char *cmd = argv[optind];
	int sub_argc = argc - optind;
	char **sub_argv = argv + optind;
	optind = 0; /* re-initialize getopt for the subcommand */
	static const struct {
		const char *name;
		int (*fn)(const struct global_opts *g, int argc, char **argv);
	} commands[] = {
	    {"do", cmd_do},
	    {"run", cmd_run},
	    {"spec", cmd_spec},
	};
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(cmd, commands[i].name) == 0)
			return commands[i].fn(&g, sub_argc, sub_argv);
	}
	cli_error("unknown command '%s' (see cvisor --help)", cmd);
	return 1;
}
