/* vmsplice: user memory into a pipe (a page of the pipe per user page) and out of it into
 * user memory (a piece that does not land stays in the pipe); only SPLICE_F_NONBLOCK makes
 * it non-blocking; the refusals. */
#define _GNU_SOURCE
#include "splice_util.h"

#include <sys/mman.h>
#include <sys/uio.h>

static char buf[70000] __attribute__((aligned(4096)));

static long vms(int fd, const struct iovec *iov, unsigned long nr, unsigned flags)
{
	return syscall(SYS_vmsplice, fd, iov, nr, flags);
}

int main(void)
{
	int p[2];
	char out[64];
	scratch_enter("vmsplice");
	watchdog();
	OK(pipe(p));

	/* Into the pipe, gathered from several pieces. */
	struct iovec two[2] = {{"hello ", 6}, {"world", 5}};
	EXPECT_VAL("to_pipe", vms(p[1], two, 2, 0), 11);
	EXPECT_VAL("to_pipe_read", read(p[0], out, sizeof(out)), 11);
	EXPECT_TRUE("to_pipe_data", memcmp(out, "hello world", 11) == 0);
	EXPECT_VAL("gift", vms(p[1], two, 1, SPLICE_F_GIFT), 6);
	EXPECT_VAL("drain_gift", drain(p[0]), 6);
	/* One pipe page per user page touched: 8192 bytes from the middle of a page take 3. */
	struct iovec mid = {buf + 100, 8192};
	EXPECT_VAL("unaligned_8192", vms(p[1], &mid, 1, 0), 8192);
	EXPECT_VAL("unaligned_room", room_bytes(p[1]), 53248);
	EXPECT_VAL("drain_unaligned", drain(p[0]), 61440);
	struct iovec ten = {buf, 10};
	EXPECT_VAL("ten", vms(p[1], &ten, 1, 0), 10);
	EXPECT_VAL("ten_room", room_bytes(p[1]), 61440);
	EXPECT_VAL("drain_ten", drain(p[0]), 61450);
	/* What fits of a large piece. */
	struct iovec big = {buf, sizeof(buf)};
	EXPECT_VAL("big_fits", vms(p[1], &big, 1, 0), 65536);
	/* Full: SPLICE_F_NONBLOCK gives EAGAIN; the pipe's own O_NONBLOCK does not count. */
	EXPECT_ERR("full_flag", vms(p[1], &ten, 1, SPLICE_F_NONBLOCK), EAGAIN);
	set_nonblock(p[1], true);
	interrupt_soon(false);
	EXPECT_ERR("full_o_nonblock_waits", vms(p[1], &ten, 1, 0), EINTR);
	watchdog();
	set_nonblock(p[1], false);
	EXPECT_VAL("drain_big", drain(p[0]), 65536);

	/* Out of the pipe, scattered. */
	OK(write(p[1], "hello", 5));
	memset(out, 0, sizeof(out));
	struct iovec scatter[2] = {{out, 2}, {out + 10, 10}};
	EXPECT_VAL("to_user", vms(p[0], scatter, 2, 0), 5);
	EXPECT_TRUE("to_user_data", memcmp(out, "he", 2) == 0 && memcmp(out + 10, "llo", 3) == 0);
	/* Less than is there: the rest stays. */
	OK(write(p[1], "abcdef", 6));
	struct iovec three = {out, 3};
	EXPECT_VAL("to_user_part", vms(p[0], &three, 1, 0), 3);
	EXPECT_VAL("part_left", buffered(p[0]), 3);
	EXPECT_VAL("part_rest", read(p[0], out, sizeof(out)), 3);
	EXPECT_TRUE("part_rest_data", memcmp(out, "def", 3) == 0);
	/* A fault: EFAULT, and the piece that did not land stays in the pipe. */
	OK(write(p[1], "hello", 5));
	struct iovec half_bad[2] = {{out, 2}, {BADPTR, 10}};
	EXPECT_ERR("to_user_fault_part", vms(p[0], half_bad, 2, 0), EFAULT);
	EXPECT_VAL("fault_kept", buffered(p[0]), 5);
	struct iovec bad = {BADPTR, 10};
	EXPECT_ERR("to_user_fault", vms(p[0], &bad, 1, 0), EFAULT);
	struct iovec ro = {(void *)"constant", 3};
	EXPECT_ERR("to_user_read_only", vms(p[0], &ro, 1, 0), EFAULT);
	EXPECT_VAL("fault_still_kept", drain(p[0]), 5);
	/* Empty: SPLICE_F_NONBLOCK gives EAGAIN, O_NONBLOCK does not count. */
	EXPECT_ERR("empty_flag", vms(p[0], &three, 1, SPLICE_F_NONBLOCK), EAGAIN);
	set_nonblock(p[0], true);
	interrupt_soon(false);
	EXPECT_ERR("empty_o_nonblock_waits", vms(p[0], &three, 1, 0), EINTR);
	watchdog();
	set_nonblock(p[0], false);

	/* Into the pipe with a bad piece: what came before it counts. */
	struct iovec good_bad[2] = {{"abc", 3}, {BADPTR, 10}};
	EXPECT_VAL("from_user_fault_part", vms(p[1], good_bad, 2, 0), 3);
	EXPECT_VAL("drain_fault_part", drain(p[0]), 3);
	EXPECT_ERR("from_user_fault", vms(p[1], &bad, 1, 0), EFAULT);

	/* Refusals. */
	int f = OK(open("file", O_RDWR | O_CREAT, 0644));
	int path = OK(open("file", O_PATH));
	EXPECT_ERR("bad_flag", vms(p[1], &ten, 1, 0x10), EINVAL);
	EXPECT_ERR("bad_fd", vms(-1, &ten, 1, 0), EBADF);
	EXPECT_ERR("o_path", vms(path, &ten, 1, 0), EBADF);
	EXPECT_ERR("not_a_pipe", vms(f, &ten, 1, 0), EBADF);
	EXPECT_VAL("nothing_not_a_pipe", vms(f, &ten, 0, 0), 0);
	EXPECT_VAL("nothing", vms(p[1], &ten, 0, 0), 0);
	struct iovec zero_len = {buf, 0};
	EXPECT_VAL("zero_length", vms(p[1], &zero_len, 1, 0), 0);
	EXPECT_ERR("too_many", vms(p[1], &ten, 1025, 0), EINVAL);
	EXPECT_ERR("iov_fault", vms(p[1], BADPTR, 1, 0), EFAULT);
	struct iovec neg = {buf, (size_t)-1};
	EXPECT_ERR("negative_length", vms(p[1], &neg, 1, 0), EINVAL);
	struct iovec beyond = {(void *)0x7ffffffff000UL, 8192};
	EXPECT_ERR("beyond_user_space", vms(p[1], &beyond, 1, 0), EFAULT);

	/* No writer: 0. No reader: EPIPE. */
	int r[2];
	OK(pipe(r));
	OK(close(r[1]));
	EXPECT_VAL("eof", vms(r[0], &three, 1, 0), 0);
	signal(SIGPIPE, SIG_IGN);
	OK(close(p[0]));
	EXPECT_ERR("no_reader", vms(p[1], &ten, 1, 0), EPIPE);
	scratch_leave();
	return done();
}
