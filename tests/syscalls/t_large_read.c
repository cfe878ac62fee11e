/* A large (1 MiB+) read of a regular file in one call, checked against pread-based chunks. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>

/* Present on every Debian x86_64 system, and well over 1 MiB. */
#define FILE_PATH "/usr/lib/x86_64-linux-gnu/libc.so.6"

static uint64_t fnv1a64(const unsigned char *p, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

int main(void)
{
	int fd = OK(open(FILE_PATH, O_RDONLY | O_CLOEXEC));
	struct stat st;
	OK(fstat(fd, &st));
	EXPECT_TRUE("regular", S_ISREG(st.st_mode));
	EXPECT_TRUE("size_over_1MiB", st.st_size > (1 << 20));
	CHECK(st.st_size > (1 << 20));

	size_t size = st.st_size;
	unsigned char *big = malloc(size + 4096);
	unsigned char *chunk = malloc(65536);
	CHECK(big && chunk);

	/* One read() for everything, plus slack: a regular file gives it all at once. */
	ssize_t n = OK(read(fd, big, size + 4096));
	EXPECT_TRUE("single_read_complete", (size_t)n == size);
	CHECK_EQ(n, size);
	EXPECT_VAL("read_at_eof", read(fd, chunk, 1), 0);
	EXPECT_TRUE("elf_magic", memcmp(big, "\177ELF", 4) == 0);
	uint64_t h1 = fnv1a64(big, size, 14695981039346656037ull);

	/* The same bytes through pread in 4093-byte pieces (never page aligned). */
	uint64_t h2 = 14695981039346656037ull;
	size_t off = 0;
	while (off < size) {
		ssize_t m = OK(pread(fd, chunk, 4093, off));
		CHECK(m > 0);
		CHECK(memcmp(chunk, big + off, m) == 0);
		h2 = fnv1a64(chunk, m, h2);
		off += m;
	}
	EXPECT_TRUE("pread_total_matches", off == size);
	EXPECT_TRUE("checksums_match", h1 == h2);
	CHECK(h1 == h2);

	/* And again with sequential read() in 64 KiB pieces after a rewind. */
	OK(lseek(fd, 0, SEEK_SET));
	uint64_t h3 = 14695981039346656037ull;
	size_t total = 0;
	for (;;) {
		ssize_t m = OK(read(fd, chunk, 65536));
		if (m == 0)
			break;
		h3 = fnv1a64(chunk, m, h3);
		total += m;
	}
	CHECK_EQ(total, size);
	EXPECT_TRUE("sequential_checksum_matches", h3 == h1);
	CHECK(h3 == h1);

	free(big);
	free(chunk);
	OK(close(fd));
	return done();
}
