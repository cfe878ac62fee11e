/* /proc/self/maps, smaps and statm: the program, the stack, the heap, anonymous and file maps. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/mman.h>

static char maps[1 << 20];

static void load(const char *path)
{
	int fd = OK(open(path, O_RDONLY));
	size_t n = 0;
	for (;;) {
		ssize_t r = OK(read(fd, maps + n, sizeof(maps) - 1 - n));
		if (r == 0)
			break;
		n += (size_t)r;
		CHECK(n < sizeof(maps) - 1);
	}
	maps[n] = 0;
	OK(close(fd));
}

struct line {
	unsigned long lo, hi, off;
	char perms[5];
	char name[PATH_MAX];
};

/* The maps line containing addr (0 if none). */
static int find_addr(unsigned long addr, struct line *out)
{
	for (char *p = maps; *p; p = strchr(p, '\n') + 1) {
		struct line l = {0};
		char text[PATH_MAX + 128];
		int at = 0;
		snprintf(text, sizeof(text), "%.*s", (int)strcspn(p, "\n"), p);
		CHECK(sscanf(text, "%lx-%lx %4s %lx %*x:%*x %*u %n", &l.lo, &l.hi, l.perms, &l.off,
			     &at) >= 4);
		if (at)
			snprintf(l.name, sizeof(l.name), "%s", text + at);
		if (l.lo <= addr && addr < l.hi) {
			*out = l;
			return 1;
		}
		if (!strchr(p, '\n'))
			break;
	}
	return 0;
}

static int count_named(const char *name, const char *perms)
{
	int n = 0;
	for (char *p = maps; *p; p = strchr(p, '\n') + 1) {
		char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[PATH_MAX + 128];
		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		size_t ln = strlen(line), nn = strlen(name);
		if (ln > nn && strcmp(line + ln - nn, name) == 0 && line[ln - nn - 1] == ' ' &&
		    (!perms || strstr(line, perms)))
			n++;
		if (!nl)
			break;
	}
	return n;
}

int main(int argc, char **argv)
{
	char exe[PATH_MAX];
	ssize_t n = OK(readlink("/proc/self/exe", exe, sizeof(exe) - 1));
	exe[n] = 0;

	/* Something on the heap (glibc takes small blocks from brk). */
	char *heap = malloc(100);
	CHECK(heap != NULL);
	void *anon = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(anon != MAP_FAILED);
	int fd = OK(open("/etc/passwd", O_RDONLY));
	void *fmap = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(fmap != MAP_FAILED);
	OK(close(fd));

	load("/proc/self/maps");
	EXPECT_TRUE("program_text_r_xp", count_named(exe, "r-xp") >= 1);
	EXPECT_TRUE("program_mapped_more_than_once", count_named(exe, NULL) >= 2);
	struct line l;
	EXPECT_TRUE("main_is_in_the_program", find_addr((unsigned long)&main, &l) &&
						  strcmp(l.name, exe) == 0 &&
						  strcmp(l.perms, "r-xp") == 0);
	int local = 0;
	EXPECT_TRUE("stack_line", find_addr((unsigned long)&local, &l));
	printf("stack_name: %s perms %s\n", l.name, l.perms);
	EXPECT_TRUE("heap_line", find_addr((unsigned long)heap, &l));
	printf("heap_name: %s perms %s\n", l.name, l.perms);
	EXPECT_TRUE("anon_line", find_addr((unsigned long)anon, &l));
	printf("anon: perms %s size %lu name '%s'\n", l.perms, l.hi - l.lo, l.name);
	EXPECT_TRUE("anon_exact",
		    l.lo == (unsigned long)anon && l.hi == (unsigned long)anon + 3 * 4096);
	EXPECT_TRUE("file_line", find_addr((unsigned long)fmap, &l));
	printf("file: perms %s off %lu name %s\n", l.perms, l.off, l.name);
	EXPECT_TRUE("vdso_listed", count_named("[vdso]", "r-xp") == 1);
	EXPECT_TRUE("libc_listed", strstr(maps, "libc.so.6") != NULL);

	/* After munmap the range is gone. */
	OK(munmap(anon, 3 * 4096));
	load("/proc/self/maps");
	EXPECT_TRUE("anon_gone", !find_addr((unsigned long)anon, &l) ||
				     l.lo != (unsigned long)anon || l.hi - l.lo != 3 * 4096);

	/* smaps: each range followed by its figures; Size is the range's size. */
	load("/proc/self/smaps");
	unsigned long lo, hi, kb;
	CHECK_EQ(sscanf(maps, "%lx-%lx", &lo, &hi), 2);
	char *size = strstr(maps, "\nSize:");
	CHECK(size != NULL);
	CHECK_EQ(sscanf(size, "\nSize: %lu kB", &kb), 1);
	EXPECT_TRUE("smaps_size_is_the_range", kb * 1024 == hi - lo);
	EXPECT_TRUE("smaps_has_rss", strstr(maps, "\nRss:") != NULL);
	EXPECT_TRUE("smaps_has_vmflags", strstr(maps, "\nVmFlags:") != NULL);

	/* statm: seven numbers, the size at least the resident count. */
	load("/proc/self/statm");
	unsigned long v[7];
	EXPECT_VAL("statm_fields",
		   sscanf(maps, "%lu %lu %lu %lu %lu %lu %lu", &v[0], &v[1], &v[2], &v[3], &v[4],
			  &v[5], &v[6]),
		   7);
	EXPECT_TRUE("statm_size_ge_resident", v[0] >= v[1] && v[0] > 0);
	(void)argc;
	(void)argv;
	return done();
}
