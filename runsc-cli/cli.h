/* The cvisor command line: global options and one function per subcommand. */
#ifndef CVISOR_CLI_H
#define CVISOR_CLI_H

#include <stdbool.h>

struct global_opts {
	const char *root;	/* --root: state directory (default /run/cvisor) */
	const char *log;	/* --log FILE */
	const char *log_format; /* text | json */
	bool debug;
	bool systemd_cgroup;
};

/* Each returns the process exit status. */
int cmd_do(const struct global_opts *g, int argc, char **argv);
int cmd_run(const struct global_opts *g, int argc, char **argv);
int cmd_spec(const struct global_opts *g, int argc, char **argv);

/* Prints "cvisor: <message>" on stderr: the one clear error line for user mistakes. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
