/* lseek: SEEK_SET/CUR/END, SEEK_DATA/SEEK_HOLE on a file without holes, and errors. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <sys/stat.h>

#define FILE_PATH "/usr/share/common-licenses/GPL-3"

int main(void)
{
	int fd = OK(open(FILE_PATH, O_RDONLY));
	struct stat st;
	OK(fstat(fd, &st));
	off_t size = st.st_size;
	printf("size: %lld\n", (long long)size);
	char c, c2;

	EXPECT_VAL("initial_offset", lseek(fd, 0, SEEK_CUR), 0);
	EXPECT_VAL("seek_set_100", lseek(fd, 100, SEEK_SET), 100);
	EXPECT_VAL("seek_cur_plus_50", lseek(fd, 50, SEEK_CUR), 150);
	EXPECT_VAL("seek_cur_minus_20", lseek(fd, -20, SEEK_CUR), 130);
	EXPECT_VAL("seek_end_0", lseek(fd, 0, SEEK_END), size);
	EXPECT_VAL("read_at_end", read(fd, &c, 1), 0);
	EXPECT_VAL("seek_end_minus_1", lseek(fd, -1, SEEK_END), size - 1);
	EXPECT_VAL("read_last_byte", read(fd, &c, 1), 1);
	CHECK_EQ(pread(fd, &c2, 1, size - 1), 1);
	CHECK_EQ(c, c2);
	EXPECT_TRUE("last_byte_is_newline", c == '\n');

	/* Past the end is allowed; reading there gives EOF. */
	EXPECT_VAL("seek_past_end", lseek(fd, size + 1000, SEEK_SET), size + 1000);
	EXPECT_VAL("read_past_end", read(fd, &c, 1), 0);
	EXPECT_VAL("seek_end_plus_10", lseek(fd, 10, SEEK_END), size + 10);

	/* The offset reads back where the data is. */
	OK(lseek(fd, 42, SEEK_SET));
	CHECK_EQ(read(fd, &c, 1), 1);
	CHECK_EQ(pread(fd, &c2, 1, 42), 1);
	CHECK_EQ(c, c2);
	EXPECT_VAL("offset_after_read", lseek(fd, 0, SEEK_CUR), 43);

	/* Errors leave the offset alone. */
	EXPECT_ERR("seek_negative_set", lseek(fd, -1, SEEK_SET), EINVAL);
	EXPECT_ERR("seek_negative_cur", lseek(fd, -44, SEEK_CUR), EINVAL);
	EXPECT_ERR("seek_negative_end", lseek(fd, -size - 1, SEEK_END), EINVAL);
	EXPECT_ERR("bad_whence_5", syscall(SYS_lseek, fd, 0, 5), EINVAL);
	EXPECT_ERR("bad_whence_minus1", syscall(SYS_lseek, fd, 0, -1), EINVAL);
	EXPECT_ERR("bad_whence_100", syscall(SYS_lseek, fd, 0, 100), EINVAL);
	EXPECT_VAL("offset_unchanged", lseek(fd, 0, SEEK_CUR), 43);
	EXPECT_ERR("bad_fd", lseek(-1, 0, SEEK_SET), EBADF);
	EXPECT_ERR("fd_9999", lseek(9999, 0, SEEK_SET), EBADF);

	/* A fully written file is one data extent: data at any offset, the hole at EOF. */
	EXPECT_VAL("seek_data_0", lseek(fd, 0, SEEK_DATA), 0);
	EXPECT_VAL("seek_data_100", lseek(fd, 100, SEEK_DATA), 100);
	EXPECT_VAL("seek_hole_0", lseek(fd, 0, SEEK_HOLE), size);
	EXPECT_VAL("seek_hole_100", lseek(fd, 100, SEEK_HOLE), size);
	EXPECT_ERR("seek_data_at_eof", lseek(fd, size, SEEK_DATA), ENXIO);
	EXPECT_ERR("seek_hole_at_eof", lseek(fd, size, SEEK_HOLE), ENXIO);
	EXPECT_ERR("seek_data_negative", lseek(fd, -1, SEEK_DATA), ENXIO);

	/* Directories can be rewound. */
	int dfd = OK(open("/usr/share/common-licenses", O_RDONLY | O_DIRECTORY));
	EXPECT_VAL("dir_seek_0", lseek(dfd, 0, SEEK_SET), 0);
	OK(close(dfd));

	OK(close(fd));
	EXPECT_ERR("closed_fd", lseek(fd, 0, SEEK_SET), EBADF);
	return done();
}
