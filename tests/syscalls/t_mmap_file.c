/* mmap of a read-only file: contents equal read(), offsets, the zero tail of the last page,
 * private copy-on-write, and the errors for write-shared and bad offsets. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define FILE_PATH "/usr/share/common-licenses/GPL-3"
#define PG	  4096L

int main(void)
{
	static unsigned char data[1 << 17];
	int fd = OK(open(FILE_PATH, O_RDONLY));
	struct stat st;
	OK(fstat(fd, &st));
	long size = st.st_size;
	CHECK(size > 2 * PG && size < (long)sizeof(data));
	CHECK_EQ(pread(fd, data, sizeof(data), 0), size);
	printf("size: %ld\n", size);

	unsigned char *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(m != MAP_FAILED);
	EXPECT_TRUE("private_map_matches_read", memcmp(m, data, size) == 0);
	/* The rest of the last page reads as zeros. */
	long end = (size + PG - 1) / PG * PG;
	int zero = 1;
	for (long i = size; i < end; i++)
		zero &= m[i] == 0;
	EXPECT_TRUE("tail_of_last_page_zero", zero);
	OK(munmap(m, size));

	unsigned char *s = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(s != MAP_FAILED);
	EXPECT_TRUE("shared_readonly_map_matches", memcmp(s, data, size) == 0);
	OK(munmap(s, size));

	/* A page-aligned offset. */
	unsigned char *o = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE, fd, PG);
	CHECK(o != MAP_FAILED);
	EXPECT_TRUE("offset_map_matches", memcmp(o, data + PG, 2 * PG) == 0);
	OK(munmap(o, 2 * PG));

	/* A private writable mapping of a read-only fd: writes stay in our copy. */
	unsigned char *w = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(w != MAP_FAILED);
	memset(w, 'Z', 100);
	w[size - 1] = 'Q';
	EXPECT_TRUE("private_write_visible", w[0] == 'Z' && w[99] == 'Z' && w[size - 1] == 'Q');
	unsigned char back[100];
	CHECK_EQ(pread(fd, back, 100, 0), 100);
	EXPECT_TRUE("file_unchanged", memcmp(back, data, 100) == 0);
	EXPECT_TRUE("untouched_bytes_intact", memcmp(w + 100, data + 100, size - 101) == 0);
	OK(munmap(w, size));

	/* MAP_FIXED over anonymous memory. */
	unsigned char *a =
	    mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(a != MAP_FAILED);
	memset(a, 0x55, 4 * PG);
	unsigned char *f = mmap(a + PG, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 2 * PG);
	EXPECT_TRUE("fixed_file_map", f == a + PG && memcmp(f, data + 2 * PG, PG) == 0);
	EXPECT_TRUE("fixed_neighbours_intact", a[0] == 0x55 && a[2 * PG] == 0x55);
	OK(munmap(a, 4 * PG));

	/* The mapping outlives the descriptor. */
	unsigned char *k = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(k != MAP_FAILED);

	/* Errors. */
	EXPECT_ERR("shared_write_on_readonly_fd",
		   (long)mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), EACCES);
	EXPECT_ERR("unaligned_offset", (long)mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 100),
		   EINVAL);
	/* A negative offset is a huge page offset that overflows with the length. */
	EXPECT_ERR("negative_offset", syscall(SYS_mmap, NULL, PG, PROT_READ, MAP_PRIVATE, fd, -PG),
		   EOVERFLOW);
	EXPECT_ERR("length_0", (long)mmap(NULL, 0, PROT_READ, MAP_PRIVATE, fd, 0), EINVAL);
	int dfd = OK(open("/usr/share/common-licenses", O_RDONLY | O_DIRECTORY));
	EXPECT_ERR("directory", (long)mmap(NULL, PG, PROT_READ, MAP_PRIVATE, dfd, 0), ENODEV);
	OK(close(dfd));
	int pfd = OK(open(FILE_PATH, O_PATH));
	EXPECT_ERR("o_path_fd", (long)mmap(NULL, PG, PROT_READ, MAP_PRIVATE, pfd, 0), EBADF);
	OK(close(pfd));
	EXPECT_ERR("closed_fd", (long)mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 9999, 0), EBADF);
	OK(close(fd));
	EXPECT_TRUE("mapping_survives_close", memcmp(k, data, PG) == 0);
	OK(munmap(k, PG));
	return done();
}
