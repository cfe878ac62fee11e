/* copy_file_range: between regular files, with offsets (the positions stay) or at the
 * positions (they move), shortened at the end of the input, overlapping ranges of one file
 * refused, and the errno of every refusal in Linux's order. */
#define _GNU_SOURCE
#include "splice_util.h"

#include <limits.h>

static char buf[300000];

static long cfr(int in, loff_t *oin, int out, loff_t *oout, size_t len, unsigned flags)
{
	return syscall(SYS_copy_file_range, in, oin, out, oout, len, flags);
}

int main(void)
{
	loff_t a, b;
	scratch_enter("copy_file_range");
	make_pattern("src", 300000);
	int in = OK(open("src", O_RDONLY));
	int out = OK(open("dst", O_RDWR | O_CREAT, 0644));

	/* With offsets. */
	a = 10;
	b = 0;
	EXPECT_VAL("offsets", cfr(in, &a, out, &b, 1000, 0), 1000);
	EXPECT_VAL("offset_in_moved", a, 1010);
	EXPECT_VAL("offset_out_moved", b, 1000);
	EXPECT_VAL("positions_kept", lseek(in, 0, SEEK_CUR) + lseek(out, 0, SEEK_CUR), 0);
	EXPECT_VAL("offsets_read", pread(out, buf, sizeof(buf), 0), 1000);
	EXPECT_TRUE("offsets_data", is_pattern(buf, 1000, 10));
	/* At the positions, more than a bounce buffer's worth; shortened at the end. */
	OK(lseek(in, 50, SEEK_SET));
	OK(lseek(out, 1000, SEEK_SET));
	EXPECT_VAL("positions", cfr(in, NULL, out, NULL, 1 << 20, 0), 299950);
	EXPECT_VAL("position_in", lseek(in, 0, SEEK_CUR), 300000);
	EXPECT_VAL("position_out", lseek(out, 0, SEEK_CUR), 300950);
	EXPECT_VAL("positions_read", pread(out, buf, sizeof(buf), 1000), 299950);
	EXPECT_TRUE("positions_data", is_pattern(buf, 299950, 50));
	EXPECT_VAL("at_eof", cfr(in, NULL, out, NULL, 100, 0), 0);
	EXPECT_VAL("len_0", cfr(in, NULL, out, NULL, 0, 0), 0);
	a = LLONG_MAX - 5;
	EXPECT_VAL("far_past_eof", cfr(in, &a, out, NULL, 10, 0), 0);
	/* Mixed: an input offset, the output's position. */
	a = 0;
	OK(lseek(out, 0, SEEK_SET));
	EXPECT_VAL("mixed", cfr(in, &a, out, NULL, 5, 0), 5);
	EXPECT_VAL("mixed_out_pos", lseek(out, 0, SEEK_CUR), 5);
	/* A read-only host file in. */
	int host = OK(open("/etc/os-release", O_RDONLY));
	long n = OK(read(host, buf, sizeof(buf)));
	a = 0;
	b = 0;
	EXPECT_TRUE("host_file", cfr(host, &a, out, &b, sizeof(buf), 0) == n);
	static char again[4096];
	EXPECT_TRUE("host_same", pread(out, again, (size_t)n, 0) == n && !memcmp(buf, again, n));
	/* Growing the output past its end. */
	OK(ftruncate(out, 0));
	a = 0;
	b = 5000;
	EXPECT_VAL("grow", cfr(in, &a, out, &b, 10, 0), 10);
	struct stat st;
	OK(fstat(out, &st));
	EXPECT_VAL("grown_size", st.st_size, 5010);

	/* Within one file: apart is fine, overlapping is not (after shortening at the end). */
	int same = OK(open("src", O_RDWR));
	a = 0;
	b = 200000;
	EXPECT_VAL("same_apart", cfr(same, &a, same, &b, 100, 0), 100);
	a = 0;
	b = 50;
	EXPECT_ERR("same_overlap", cfr(same, &a, same, &b, 100, 0), EINVAL);
	a = 0;
	b = 0;
	EXPECT_ERR("same_identical", cfr(same, &a, same, &b, 10, 0), EINVAL);
	a = 299990;
	b = 0;
	EXPECT_VAL("same_shortened_apart", cfr(same, &a, same, &b, 100000, 0), 10);
	a = 0;
	b = 299000;
	EXPECT_ERR("same_overlap_past_end", cfr(same, &a, same, &b, 1000000, 0), EINVAL);

	/* Refusals. */
	int p[2];
	OK(pipe(p));
	int dir = OK(open(".", O_RDONLY)), path = OK(open("src", O_PATH));
	int wr = OK(open("src", O_WRONLY)), ro = OK(open("dst", O_RDONLY));
	int app = OK(open("dst", O_WRONLY | O_APPEND));
	int null = OK(open("/dev/null", O_WRONLY)), zero = OK(open("/dev/zero", O_RDONLY));
	EXPECT_ERR("flags", cfr(in, NULL, out, NULL, 10, 1), EINVAL);
	EXPECT_ERR("flags_after_bad_fd", cfr(-1, NULL, out, NULL, 10, 1), EBADF);
	EXPECT_ERR("bad_out", cfr(in, NULL, -1, NULL, 10, 0), EBADF);
	EXPECT_ERR("off_in_fault", cfr(in, BADPTR, out, NULL, 10, 0), EFAULT);
	EXPECT_ERR("off_out_fault", cfr(in, NULL, out, BADPTR, 10, 0), EFAULT);
	EXPECT_ERR("fault_before_flags", cfr(in, BADPTR, out, NULL, 10, 1), EFAULT);
	EXPECT_ERR("dir_in", cfr(dir, NULL, out, NULL, 10, 0), EISDIR);
	EXPECT_ERR("dir_out", cfr(in, NULL, dir, NULL, 10, 0), EISDIR);
	EXPECT_ERR("dir_before_access", cfr(dir, NULL, ro, NULL, 10, 0), EISDIR);
	EXPECT_ERR("pipe_in", cfr(p[0], NULL, out, NULL, 10, 0), EINVAL);
	EXPECT_ERR("pipe_out", cfr(in, NULL, p[1], NULL, 10, 0), EINVAL);
	EXPECT_ERR("zero_in", cfr(zero, NULL, out, NULL, 10, 0), EINVAL);
	EXPECT_ERR("null_out", cfr(in, NULL, null, NULL, 10, 0), EINVAL);
	EXPECT_ERR("in_write_only", cfr(wr, NULL, out, NULL, 10, 0), EBADF);
	EXPECT_ERR("in_o_path", cfr(path, NULL, out, NULL, 10, 0), EBADF);
	EXPECT_ERR("out_read_only", cfr(in, NULL, ro, NULL, 10, 0), EBADF);
	EXPECT_ERR("out_append", cfr(in, NULL, app, NULL, 10, 0), EBADF);
	a = -1;
	EXPECT_ERR("negative_in", cfr(in, &a, out, NULL, 10, 0), EOVERFLOW);
	EXPECT_ERR("negative_out", cfr(in, NULL, out, &a, 10, 0), EOVERFLOW);
	EXPECT_ERR("negative_in_len_0", cfr(in, &a, out, NULL, 0, 0), EINVAL);
	scratch_leave();
	return done();
}
