/* tee: duplicates what one pipe holds into another without consuming it; slot accounting,
 * waits, end of file, no reader, and the refusals. */
#define _GNU_SOURCE
#include "splice_util.h"

static char buf[70000];

static long tee_(int in, int out, size_t len, unsigned flags)
{
	return syscall(SYS_tee, in, out, len, flags);
}

int main(void)
{
	int p[2], q[2];
	scratch_enter("tee");
	watchdog();
	OK(pipe(p));
	OK(pipe(q));

	/* Duplicated, and still there to read from the input. */
	OK(write(p[1], "hello", 5));
	EXPECT_VAL("tee", tee_(p[0], q[1], 100, 0), 5);
	EXPECT_VAL("in_still", buffered(p[0]), 5);
	EXPECT_VAL("out_has", buffered(q[0]), 5);
	EXPECT_VAL("read_out", read(q[0], buf, sizeof(buf)), 5);
	EXPECT_TRUE("out_data", memcmp(buf, "hello", 5) == 0);
	EXPECT_VAL("tee_again", tee_(p[0], q[1], 3, SPLICE_F_MOVE | SPLICE_F_MORE), 3);
	EXPECT_VAL("read_again", read(q[0], buf, sizeof(buf)), 3);
	EXPECT_TRUE("again_data", memcmp(buf, "hel", 3) == 0);
	EXPECT_VAL("read_in", read(p[0], buf, sizeof(buf)), 5);
	EXPECT_TRUE("in_data", memcmp(buf, "hello", 5) == 0);

	/* Across pages; each duplicated piece takes a page of its own in the output. */
	for (int i = 0; i < 5000; i++)
		buf[i] = (char)('a' + i % 26);
	OK(write(p[1], buf, 5000));
	EXPECT_VAL("tee_part", tee_(p[0], q[1], 1000, 0), 1000);
	EXPECT_VAL("part_room_out", room_bytes(q[1]), 61440);
	EXPECT_VAL("part_drain_out", drain(q[0]), 62440);
	EXPECT_VAL("tee_more_than_held", tee_(p[0], q[1], 10000, 0), 5000);
	static char got[70000];
	EXPECT_VAL("read_dup", read(q[0], got, sizeof(got)), 5000);
	EXPECT_TRUE("dup_data", memcmp(got, buf, 5000) == 0);
	EXPECT_VAL("tee_huge_len", tee_(p[0], q[1], (size_t)-1, 0), 5000);
	EXPECT_VAL("drain_huge", drain(q[0]), 5000);
	EXPECT_VAL("in_kept", drain(p[0]), 5000);

	/* Flags before length, length before descriptors. */
	EXPECT_ERR("bad_flag", tee_(p[0], q[1], 10, 0x10), EINVAL);
	EXPECT_ERR("bad_flag_len_0", tee_(p[0], q[1], 0, 0x10), EINVAL);
	EXPECT_VAL("len_0_bad_fd", tee_(-1, -1, 0, 0), 0);
	EXPECT_ERR("bad_in", tee_(-1, q[1], 10, 0), EBADF);
	EXPECT_ERR("bad_out", tee_(p[0], -1, 10, 0), EBADF);
	EXPECT_ERR("in_write_end", tee_(p[1], q[1], 10, 0), EBADF);
	EXPECT_ERR("out_read_end", tee_(p[0], q[0], 10, 0), EBADF);
	EXPECT_ERR("same_pipe", tee_(p[0], p[1], 10, 0), EINVAL);
	int f = OK(open("file", O_RDWR | O_CREAT, 0644));
	EXPECT_ERR("file_in", tee_(f, q[1], 10, 0), EINVAL);
	EXPECT_ERR("file_out", tee_(p[0], f, 10, 0), EINVAL);
	int path = OK(open("file", O_PATH));
	EXPECT_ERR("o_path_in", tee_(path, q[1], 10, 0), EBADF);

	/* Empty input: EAGAIN for SPLICE_F_NONBLOCK or O_NONBLOCK on either pipe; otherwise a
	 * wait that a signal interrupts. */
	EXPECT_ERR("empty_flag", tee_(p[0], q[1], 10, SPLICE_F_NONBLOCK), EAGAIN);
	set_nonblock(p[0], true);
	EXPECT_ERR("empty_in_o_nonblock", tee_(p[0], q[1], 10, 0), EAGAIN);
	set_nonblock(p[0], false);
	set_nonblock(q[1], true);
	EXPECT_ERR("empty_out_o_nonblock", tee_(p[0], q[1], 10, 0), EAGAIN);
	set_nonblock(q[1], false);
	interrupt_soon(false);
	EXPECT_ERR("empty_interrupted", tee_(p[0], q[1], 10, 0), EINTR);
	watchdog();
	/* Full output. */
	OK(write(p[1], "x", 1));
	set_nonblock(q[1], true);
	while (write(q[1], buf, 4096) > 0)
		;
	set_nonblock(q[1], false);
	EXPECT_ERR("full_flag", tee_(p[0], q[1], 10, SPLICE_F_NONBLOCK), EAGAIN);
	interrupt_soon(false);
	EXPECT_ERR("full_interrupted", tee_(p[0], q[1], 10, 0), EINTR);
	watchdog();
	EXPECT_VAL("drain_full", drain(q[0]), 65536);
	/* A writer in another process wakes a blocked tee. */
	EXPECT_VAL("drain_in", drain(p[0]), 1);
	pid_t pid = xfork();
	if (pid == 0) {
		struct timespec ts = {0, 50000000};
		nanosleep(&ts, NULL);
		_exit(write(p[1], "late", 4) == 4 ? 0 : 1);
	}
	EXPECT_VAL("woken", tee_(p[0], q[1], 100, 0), 4);
	wait_and_print("writer", pid);
	EXPECT_VAL("woken_both", drain(p[0]) + drain(q[0]), 8);

	/* No writer: 0. No reader: EPIPE. */
	int r[2];
	OK(pipe(r));
	OK(close(r[1]));
	EXPECT_VAL("eof", tee_(r[0], q[1], 10, 0), 0);
	signal(SIGPIPE, SIG_IGN);
	OK(close(q[0]));
	OK(write(p[1], "abc", 3));
	EXPECT_ERR("no_reader", tee_(p[0], q[1], 10, 0), EPIPE);
	EXPECT_VAL("no_reader_kept", buffered(p[0]), 3);
	scratch_leave();
	return done();
}
