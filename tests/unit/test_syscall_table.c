/*
 * Unit tests of the syscall table generated from sentry/syscalls/syscalls.def: lookups by
 * number, and the invariants the dispatcher, --strace and docs/syscalls.md rely on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/syscall.h>

#include "sentry/syscalls/table.h"

/* Every argument format character sentry/strace.h documents. */
static const char strace_format_chars[] = "dDuxpfsbBomPMawcSiFARv";

static void test_lookup_known_numbers(void **state)
{
	(void)state;
	assert_non_null(syscall_lookup(0));
	assert_string_equal(syscall_lookup(0)->name, "read");
	assert_non_null(syscall_lookup(60));
	assert_string_equal(syscall_lookup(60)->name, "exit");
	assert_non_null(syscall_lookup(231));
	assert_string_equal(syscall_lookup(231)->name, "exit_group");
	/* A few more against the host's own numbering, so a shifted line shows up. */
	assert_string_equal(syscall_lookup(SYS_openat)->name, "openat");
	assert_string_equal(syscall_lookup(SYS_mmap)->name, "mmap");
	assert_string_equal(syscall_lookup(SYS_rseq)->name, "rseq");
	assert_string_equal(syscall_lookup(SYS_pidfd_send_signal)->name, "pidfd_send_signal");
	assert_string_equal(syscall_lookup(SYS_faccessat2)->name, "faccessat2");
}

static void test_lookup_unknown_numbers(void **state)
{
	(void)state;
	assert_null(syscall_lookup(1000));
	assert_null(syscall_lookup(-1));
	assert_null(syscall_lookup(SYSCALL_MAX));
	/* x32 numbers are not x86_64 syscalls: the dispatcher must not find them. */
	assert_null(syscall_lookup(0x40000000));
	assert_null(syscall_lookup(0x40000000 + 1));
	/* The gap between the last "old" number and the first shared with other ABIs. */
	assert_null(syscall_lookup(335));
	assert_null(syscall_lookup(423));
}

/* 0..334 are all assigned on x86_64: a missing line in the .def would leave a hole. */
static void test_no_holes_in_classic_range(void **state)
{
	(void)state;
	for (long nr = 0; nr <= 334; nr++) {
		if (!syscall_lookup(nr))
			fail_msg("syscall %ld has no entry", nr);
	}
}

static void test_args_formats(void **state)
{
	(void)state;
	for (long nr = 0; nr < SYSCALL_MAX; nr++) {
		const struct syscall_entry *e = syscall_lookup(nr);
		if (!e)
			continue;
		assert_non_null(e->args);
		size_t len = strlen(e->args);
		if (len > 6)
			fail_msg("%s: args \"%s\" has more than 6 characters", e->name, e->args);
		for (size_t i = 0; i < len; i++) {
			if (!strchr(strace_format_chars, e->args[i]))
				fail_msg("%s: undocumented format character '%c'", e->name,
					 e->args[i]);
		}
		/* 'b' takes its length from the next argument, so that argument must exist. */
		const char *b = strchr(e->args, 'b');
		if (b && b[1] == 0)
			fail_msg("%s: 'b' is the last argument, it has no length", e->name);
	}
}

static void test_status_matches_handler(void **state)
{
	(void)state;
	for (long nr = 0; nr < SYSCALL_MAX; nr++) {
		const struct syscall_entry *e = syscall_lookup(nr);
		if (!e)
			continue;
		switch (e->status) {
		case SC_STATUS_FULL:
		case SC_STATUS_PARTIAL:
			if (!e->fn)
				fail_msg("%s: implemented but has no handler", e->name);
			break;
		case SC_STATUS_NONE:
			if (e->fn)
				fail_msg("%s: unimplemented but has a handler", e->name);
			break;
		default:
			fail_msg("%s: unknown status %d", e->name, (int)e->status);
		}
	}
}

/* docs/syscalls.md publishes these notes: a partial or missing syscall must say why. */
static void test_notes_present(void **state)
{
	(void)state;
	for (long nr = 0; nr < SYSCALL_MAX; nr++) {
		const struct syscall_entry *e = syscall_lookup(nr);
		if (!e || e->status == SC_STATUS_FULL)
			continue;
		if (!e->note || e->note[0] == 0)
			fail_msg("%s: partial or unimplemented without a note", e->name);
	}
}

static void test_names_unique(void **state)
{
	(void)state;
	for (long i = 0; i < SYSCALL_MAX; i++) {
		const struct syscall_entry *a = syscall_lookup(i);
		if (!a)
			continue;
		assert_non_null(a->name);
		assert_true(a->name[0] != 0);
		for (long j = i + 1; j < SYSCALL_MAX; j++) {
			const struct syscall_entry *b = syscall_lookup(j);
			if (b && strcmp(a->name, b->name) == 0)
				fail_msg("%s: both %ld and %ld", a->name, i, j);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lookup_known_numbers),
	    cmocka_unit_test(test_lookup_unknown_numbers),
	    cmocka_unit_test(test_no_holes_in_classic_range),
	    cmocka_unit_test(test_args_formats),
	    cmocka_unit_test(test_status_matches_handler),
	    cmocka_unit_test(test_notes_present),
	    cmocka_unit_test(test_names_unique),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
