/* read, write, pread64, pwrite64 on a read-only regular file, and their error cases. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>

#define FILE_PATH "/usr/share/common-licenses/GPL-3"

static uint32_t fnv1a(const unsigned char *p, size_t n, uint32_t h)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

int main(void)
{
	static unsigned char all[1 << 17], buf[4096];
	int fd = EXPECT_OK("open", open(FILE_PATH, O_RDONLY));
	struct stat st;
	OK(fstat(fd, &st));
	CHECK(st.st_size > 8192 && (size_t)st.st_size < sizeof(all));
	printf("size: %lld\n", (long long)st.st_size);

	/* A short read advances the offset by exactly what it returned. */
	EXPECT_VAL("read_100", read(fd, all, 100), 100);
	EXPECT_VAL("offset_after_read", lseek(fd, 0, SEEK_CUR), 100);

	/* pread neither uses nor moves the file offset. */
	EXPECT_VAL("pread_10_at_0", pread(fd, buf, 10, 0), 10);
	CHECK(memcmp(buf, all, 10) == 0);
	EXPECT_VAL("offset_after_pread", lseek(fd, 0, SEEK_CUR), 100);

	/* Read the rest in odd-sized chunks; the total is the file size. */
	size_t total = 100;
	for (;;) {
		ssize_t n = OK(read(fd, all + total, 777));
		if (n == 0)
			break;
		total += n;
	}
	EXPECT_VAL("total_read", total, st.st_size);
	printf("fnv1a: %08x\n", fnv1a(all, total, 2166136261u));
	printf("first_line_prefix: %.46s\n", all);
	EXPECT_VAL("read_at_eof", read(fd, buf, sizeof(buf)), 0);
	EXPECT_VAL("read_count_0", read(fd, buf, 0), 0);
	EXPECT_VAL("read_count_0_null_buf", syscall(SYS_read, fd, NULL, 0), 0);

	/* pread at various offsets agrees with the sequential read. */
	for (off_t off = 0; off < st.st_size; off += 4093) {
		ssize_t n = OK(pread(fd, buf, sizeof(buf), off));
		off_t want =
		    st.st_size - off < (off_t)sizeof(buf) ? st.st_size - off : (off_t)sizeof(buf);
		CHECK_EQ(n, want);
		CHECK(memcmp(buf, all + off, n) == 0);
	}
	printf("pread_chunks_match: yes\n");
	EXPECT_VAL("pread_past_eof", pread(fd, buf, 10, st.st_size + 100), 0);
	EXPECT_VAL("pread_huge_offset", syscall(SYS_pread64, fd, buf, 10, 1L << 62), 0);
	EXPECT_VAL("pread_last_byte", pread(fd, buf, 10, st.st_size - 1), 1);
	CHECK_EQ(buf[0], all[st.st_size - 1]);

	/* Error cases. */
	EXPECT_ERR("read_fd_minus1", syscall(SYS_read, -1, buf, 10), EBADF);
	EXPECT_ERR("read_fd_9999", syscall(SYS_read, 9999, buf, 10), EBADF);
	EXPECT_ERR("read_bad_buf", syscall(SYS_pread64, fd, BADPTR, 10, 0), EFAULT);
	OK(lseek(fd, 0, SEEK_SET));
	EXPECT_ERR("read_bad_buf_seq", syscall(SYS_read, fd, BADPTR, 10), EFAULT);
	EXPECT_ERR("read_huge_count", syscall(SYS_read, fd, buf, (size_t)-1), EFAULT);
	EXPECT_ERR("pread_negative_offset", syscall(SYS_pread64, fd, buf, 10, -1L), EINVAL);
	EXPECT_ERR("pread_fd_minus1", syscall(SYS_pread64, -1, buf, 10, 0), EBADF);
	EXPECT_ERR("write_readonly_fd", syscall(SYS_write, fd, "x", 1), EBADF);
	EXPECT_ERR("write_readonly_fd_huge", syscall(SYS_write, fd, buf, (size_t)-1), EBADF);
	EXPECT_ERR("pwrite_readonly_fd", syscall(SYS_pwrite64, fd, "x", 1, 0), EBADF);
	/* The negative offset is rejected before the fd's mode is looked at. */
	EXPECT_ERR("pwrite_negative_offset", syscall(SYS_pwrite64, fd, "x", 1, -1L), EINVAL);
	EXPECT_ERR("write_fd_9999", syscall(SYS_write, 9999, "x", 1), EBADF);
	EXPECT_ERR("write_fd_minus1", syscall(SYS_write, -1, "x", 1), EBADF);
	/* The offset did not move on any failure. */
	EXPECT_VAL("offset_after_errors", lseek(fd, 0, SEEK_CUR), 0);

	int dfd = OK(open("/usr/share/common-licenses", O_RDONLY | O_DIRECTORY));
	EXPECT_ERR("read_directory", syscall(SYS_read, dfd, buf, 10), EISDIR);
	EXPECT_ERR("pread_directory", syscall(SYS_pread64, dfd, buf, 10, 0), EISDIR);
	OK(close(dfd));

	OK(close(fd));
	EXPECT_ERR("read_closed_fd", syscall(SYS_read, fd, buf, 10), EBADF);

	/* A write to stdout returns its length (fd 1 is whatever the harness gave us). */
	fflush(stdout);
	EXPECT_VAL("write_stdout", write(1, "hello via write\n", 16), 16);
	EXPECT_VAL("write_stdout_0", write(1, "", 0), 0);
	return done();
}
