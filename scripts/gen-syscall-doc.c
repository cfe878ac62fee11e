/*
 * Prints docs/syscalls.md from sentry/syscalls/syscalls.def. A standalone host program: it
 * includes the .def with its own macro definitions rather than linking the Sentry, so the doc
 * can be generated before (and independently of) the rest of the build. The output depends on
 * the .def only, never on the time or the host, so regenerating it changes nothing unless the
 * table did.
 */
#include <stdio.h>
#include <stdlib.h>

enum status { ST_FULL, ST_PARTIAL, ST_NONE };

struct row {
	int nr;
	const char *name;
	enum status status;
	const char *note;
};

static const struct row rows[] = {
#define SC_FULL(nr, nm, args)	       {nr, #nm, ST_FULL, ""},
#define SC_PARTIAL(nr, nm, args, note) {nr, #nm, ST_PARTIAL, note},
#define SC_NONE(nr, nm, args, note)    {nr, #nm, ST_NONE, note},
#include "sentry/syscalls/syscalls.def"
#undef SC_FULL
#undef SC_PARTIAL
#undef SC_NONE
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

static const char *status_name(enum status s)
{
	switch (s) {
	case ST_FULL:
		return "full";
	case ST_PARTIAL:
		return "partial";
	case ST_NONE:
		return "unimplemented";
	}
	return "?";
}

/* A note in a table cell: '|' would end the cell early, so it is escaped. Underscores need
 * nothing (GitHub markdown ignores intraword emphasis) and names go in code spans. */
static void put_cell(const char *s)
{
	for (; *s; s++) {
		if (*s == '|' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
}

int main(void)
{
	size_t count[3] = {0, 0, 0};
	for (size_t i = 0; i < NROWS; i++) {
		/* The .def promises numeric order; a slip would make the doc misleading. */
		if (i > 0 && rows[i].nr <= rows[i - 1].nr) {
			fprintf(stderr,
				"gen-syscall-doc: %s (%d) is out of order in syscalls.def\n",
				rows[i].name, rows[i].nr);
			return EXIT_FAILURE;
		}
		count[rows[i].status]++;
	}

	printf("# cvisor system calls (x86_64)\n\n");
	printf("This file is generated from `sentry/syscalls/syscalls.def` by the build "
	       "(`scripts/gen-syscall-doc.c`); never edit it by hand, edit the table and "
	       "rebuild. Every number the x86_64 kernel headers define is listed. "
	       "Unimplemented system calls return `ENOSYS` to the guest.\n\n");
	printf("- full: %zu\n", count[ST_FULL]);
	printf("- partial: %zu\n", count[ST_PARTIAL]);
	printf("- unimplemented: %zu\n", count[ST_NONE]);
	printf("- total: %zu\n\n", (size_t)NROWS);

	printf("| number | name | status | note |\n");
	printf("|-------:|------|--------|------|\n");
	for (size_t i = 0; i < NROWS; i++) {
		printf("| %d | `%s` | %s | ", rows[i].nr, rows[i].name,
		       status_name(rows[i].status));
		put_cell(rows[i].note);
		printf(" |\n");
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("gen-syscall-doc: stdout");
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
