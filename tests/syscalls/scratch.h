/*
 * A scratch directory for the tests that change the filesystem, and small helpers around it.
 *
 *   scratch_enter("name")   creates /tmp/cvisor-name.XXXXXX (mode 0755, so that an
 *                           unprivileged child can reach it), chdirs into it, sets umask 022
 *   scratch_leave()         chdirs back to / and removes the whole tree
 *   EXPECT_MODE(l, m, w)    like EXPECT_VAL, printing permission bits in octal
 *   lst(path)               lstat, failing the test if it fails
 *   touch(path, mode)       creates (or truncates) a regular file
 *   put(path, text)         creates a file holding text
 *   as_nobody()             in a forked child: drops to uid/gid 65534 with no groups
 *   run_as_nobody(l, fn)    runs fn() in a child as nobody and prints "l: exited 0"
 *   wait_past(ts)           sleeps until the coarse realtime clock is past ts, so that the next
 *                           change of a file gives it a later timestamp (the kernel stamps
 *                           files with the coarse clock)
 *   ts_cmp(a, b)            <0, 0, >0
 *   list_names(dir, out)    the sorted names in dir (without . and ..), joined by spaces
 *
 * Natively the tests run as root; under cvisor the guest is root too, and the Sentry honours
 * setresuid, so "as nobody" checks mean the same in both runs.
 */
#ifndef CVISOR_TEST_SCRATCH_H
#define CVISOR_TEST_SCRATCH_H

#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <time.h>

#define NOBODY 65534

/* Like EXPECT_VAL, for permission bits: printed in octal. */
#define EXPECT_MODE(label, got, want)                                                              \
	do {                                                                                       \
		unsigned _mg = (unsigned)(got), _mw = (unsigned)(want);                            \
		if (_mg != _mw)                                                                    \
			check_fail(__FILE__, __LINE__, "%s: %s: mode %o, expected %o", label,      \
				   #got, _mg, _mw);                                                \
		printf("%s: %o\n", label, _mw);                                                    \
	} while (0)

static char scratch_path[64];
static pid_t scratch_owner;

/* Removes path and everything below it; errors are ignored (best effort at the end). */
static void remove_tree_at(int at, const char *name)
{
	struct stat st;
	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		fchmodat(at, name, 0700, 0);
		int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
		if (fd >= 0) {
			DIR *d = fdopendir(fd);
			if (d) {
				struct dirent *e;
				while ((e = readdir(d)))
					if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
						remove_tree_at(dirfd(d), e->d_name);
				closedir(d);
			} else {
				close(fd);
			}
		}
		unlinkat(at, name, AT_REMOVEDIR);
	} else {
		unlinkat(at, name, 0);
	}
}

/* A failing check exits: the tree goes then too (but not when a forked child exits). */
static void scratch_atexit(void)
{
	if (scratch_path[0] && getpid() == scratch_owner) {
		if (chdir("/") == 0)
			remove_tree_at(AT_FDCWD, scratch_path);
	}
}

__attribute__((unused)) static void scratch_enter(const char *name)
{
	snprintf(scratch_path, sizeof(scratch_path), "/tmp/cvisor-%s.XXXXXX", name);
	CHECK(mkdtemp(scratch_path) != NULL);
	OK(chmod(scratch_path, 0755));
	scratch_owner = getpid();
	atexit(scratch_atexit);
	OK(chdir(scratch_path));
	umask(022);
}

__attribute__((unused)) static void scratch_leave(void)
{
	OK(chdir("/"));
	remove_tree_at(AT_FDCWD, scratch_path);
	struct stat st;
	CHECK(lstat(scratch_path, &st) == -1 && errno == ENOENT);
	scratch_path[0] = 0;
}

__attribute__((unused)) static struct stat lst(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		check_fail(__FILE__, __LINE__, "lstat(%s): %s", path, errname(errno));
	return st;
}

__attribute__((unused)) static void touch(const char *path, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0)
		check_fail(__FILE__, __LINE__, "touch(%s): %s", path, errname(errno));
	close(fd);
}

__attribute__((unused)) static void put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		check_fail(__FILE__, __LINE__, "put(%s): %s", path, errname(errno));
	size_t len = strlen(text);
	CHECK_EQ(write(fd, text, len), len);
	close(fd);
}

__attribute__((unused)) static void as_nobody(void)
{
	OK(setgroups(0, NULL));
	OK(setresgid(NOBODY, NOBODY, NOBODY));
	OK(setresuid(NOBODY, NOBODY, NOBODY));
}

__attribute__((unused)) static void run_as_nobody(const char *label, void (*fn)(void))
{
	pid_t pid = xfork();
	if (pid == 0) {
		as_nobody();
		fn();
		fflush(stdout);
		_exit(0);
	}
	wait_and_print(label, pid);
}

__attribute__((unused)) static int ts_cmp(struct timespec a, struct timespec b)
{
	if (a.tv_sec != b.tv_sec)
		return a.tv_sec < b.tv_sec ? -1 : 1;
	if (a.tv_nsec != b.tv_nsec)
		return a.tv_nsec < b.tv_nsec ? -1 : 1;
	return 0;
}

__attribute__((unused)) static void wait_past(struct timespec ts)
{
	for (int i = 0; i < 2000; i++) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME_COARSE, &now);
		if (ts_cmp(now, ts) > 0)
			return;
		struct timespec ms = {0, 1000000};
		nanosleep(&ms, NULL);
	}
	check_fail(__FILE__, __LINE__, "the clock did not move past a timestamp in 2 s");
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir, sorted, space-separated, into out (cap bytes). */
__attribute__((unused)) static const char *list_names(const char *dir, char *out, size_t cap)
{
	char *names[128];
	int n = 0;
	DIR *d = opendir(dir);
	if (!d)
		check_fail(__FILE__, __LINE__, "opendir(%s): %s", dir, errname(errno));
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		CHECK(n < 128);
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_names);
	out[0] = 0;
	for (int i = 0; i < n; i++) {
		if (i)
			strncat(out, " ", cap - strlen(out) - 1);
		strncat(out, names[i], cap - strlen(out) - 1);
		free(names[i]);
	}
	return out;
}

#endif
