/* splice: file to pipe, pipe to file, pipe to pipe; offsets and positions, Linux's slot
 * accounting (what fits afterwards), waits that signals interrupt or restart, and the errno
 * of every refusal in Linux's order. */
#define _GNU_SOURCE
#include "splice_util.h"

#include <limits.h>

static char buf[200000];

static long sp(int in, loff_t *oin, int out, loff_t *oout, size_t len, unsigned flags)
{
	return syscall(SYS_splice, in, oin, out, oout, len, flags);
}

static int restart_pipe[2];

/* A SA_RESTART handler that feeds the pipe the interrupted splice waits on. */
static void feed(int sig)
{
	(void)sig;
	alarms++;
	if (write(restart_pipe[1], "fed", 3) != 3)
		_exit(3);
}

int main(void)
{
	int p[2], q[2];
	loff_t off, off2;
	scratch_enter("splice");
	watchdog();
	make_pattern("src", 100000);
	int in = OK(open("src", O_RDONLY));
	int dst = OK(open("dst", O_RDWR | O_CREAT, 0644));
	OK(pipe(p));
	OK(pipe(q));

	/* File to pipe, with an offset (the position stays) and without (it moves). */
	off = 7;
	EXPECT_VAL("file_to_pipe_off", sp(in, &off, p[1], NULL, 100, 0), 100);
	EXPECT_VAL("off_moved", off, 107);
	EXPECT_VAL("pos_kept", lseek(in, 0, SEEK_CUR), 0);
	EXPECT_VAL("file_to_pipe_pos", sp(in, NULL, p[1], NULL, 50, SPLICE_F_MOVE), 50);
	EXPECT_VAL("pos_moved", lseek(in, 0, SEEK_CUR), 50);
	EXPECT_VAL("read_both", read(p[0], buf, sizeof(buf)), 150);
	EXPECT_TRUE("data_both", is_pattern(buf, 100, 7) && is_pattern(buf + 100, 50, 0));
	/* What fits: 16 pages from the offset's place in its page. */
	off = 100;
	EXPECT_VAL("fill_unaligned", sp(in, &off, p[1], NULL, 100000, 0), 65436);
	EXPECT_VAL("drain_unaligned", drain(p[0]), 65436);
	off = 100000;
	EXPECT_VAL("at_eof", sp(in, &off, p[1], NULL, 10, 0), 0);
	/* A spliced page is never merged into. */
	off = 0;
	EXPECT_VAL("ten", sp(in, &off, p[1], NULL, 10, SPLICE_F_MORE), 10);
	EXPECT_VAL("room_after_ten", room_bytes(p[1]), 61440);
	EXPECT_VAL("drain_ten", drain(p[0]), 61450);

	/* Pipe to file: with an offset, and at the position. */
	OK(write(p[1], "hello", 5));
	off = 3;
	EXPECT_VAL("pipe_to_file_off", sp(p[0], NULL, dst, &off, 100, 0), 5);
	EXPECT_VAL("out_off_moved", off, 8);
	EXPECT_VAL("out_pos_kept", lseek(dst, 0, SEEK_CUR), 0);
	OK(write(p[1], "world", 5));
	OK(lseek(dst, 8, SEEK_SET));
	EXPECT_VAL("pipe_to_file_pos", sp(p[0], NULL, dst, NULL, 3, 0), 3);
	EXPECT_VAL("out_pos_moved", lseek(dst, 0, SEEK_CUR), 11);
	EXPECT_VAL("rest_in_pipe", buffered(p[0]), 2);
	EXPECT_VAL("pipe_to_file_rest", sp(p[0], NULL, dst, NULL, 100, 0), 2);
	EXPECT_VAL("file_content_len", pread(dst, buf, sizeof(buf), 0), 13);
	EXPECT_TRUE("file_content", memcmp(buf, "\0\0\0helloworld", 13) == 0);
	/* Everything buffered goes, across pages. */
	off = 0;
	EXPECT_VAL("fill_for_out", sp(in, &off, p[1], NULL, 65536, 0), 65536);
	EXPECT_VAL("pipe_to_file_big", sp(p[0], NULL, dst, NULL, 1 << 20, 0), 65536);
	EXPECT_VAL("big_read", pread(dst, buf, 65536, 13), 65536);
	EXPECT_TRUE("big_data", is_pattern(buf, 65536, 0));
	/* Into /dev/null. */
	int null = OK(open("/dev/null", O_WRONLY));
	OK(write(p[1], "abc", 3));
	EXPECT_VAL("pipe_to_null", sp(p[0], NULL, null, NULL, 10, 0), 3);

	/* Pipe to pipe: part of a page is copied (the rest stays, and merges), a whole page
	 * moves. */
	OK(write(p[1], buf, 100));
	EXPECT_VAL("pipe_to_pipe_part", sp(p[0], NULL, q[1], NULL, 50, 0), 50);
	EXPECT_VAL("part_left", buffered(p[0]), 50);
	EXPECT_VAL("part_moved", buffered(q[0]), 50);
	EXPECT_VAL("part_room_out", room_bytes(q[1]), 61440);
	EXPECT_VAL("part_room_in", room_bytes(p[1]), 65436);
	EXPECT_VAL("part_drain_in", drain(p[0]), 65486);
	EXPECT_VAL("part_drain_out", drain(q[0]), 61490);
	OK(write(p[1], "0123456789", 10));
	EXPECT_VAL("pipe_to_pipe_whole", sp(p[0], NULL, q[1], NULL, 1000, 0), 10);
	EXPECT_VAL("whole_room_out", room_bytes(q[1]), 65526);
	EXPECT_VAL("whole_drain_out", drain(q[0]), 65536);
	OK(write(p[1], "0123456789", 10));
	EXPECT_VAL("pipe_to_pipe_huge_len", sp(p[0], NULL, q[1], NULL, (size_t)-1, 0), 10);
	EXPECT_VAL("huge_len_read", read(q[0], buf, sizeof(buf)), 10);
	EXPECT_TRUE("huge_len_data", memcmp(buf, "0123456789", 10) == 0);

	/* Flags and length come first. */
	EXPECT_ERR("bad_flag", sp(in, NULL, p[1], NULL, 10, 0x10), EINVAL);
	EXPECT_VAL("len_0_bad_flag", sp(in, NULL, p[1], NULL, 0, 0x10), 0);
	EXPECT_VAL("len_0_bad_fd", sp(-1, NULL, -1, NULL, 0, 0), 0);
	/* Refusals. */
	int wr = OK(open("src", O_WRONLY)), app = OK(open("dst", O_WRONLY | O_APPEND));
	int ro = OK(open("dst", O_RDONLY)), path = OK(open("src", O_PATH));
	int dir = OK(open(".", O_RDONLY));
	EXPECT_ERR("bad_in", sp(-1, NULL, p[1], NULL, 10, 0), EBADF);
	EXPECT_ERR("bad_out", sp(in, NULL, -1, NULL, 10, 0), EBADF);
	EXPECT_ERR("no_pipe", sp(in, NULL, dst, NULL, 10, 0), EINVAL);
	EXPECT_ERR("same_pipe", sp(p[0], NULL, p[1], NULL, 10, 0), EINVAL);
	off = 0;
	EXPECT_ERR("pipe_off_in", sp(p[0], &off, dst, NULL, 10, 0), ESPIPE);
	EXPECT_ERR("pipe_off_out", sp(in, NULL, p[1], &off, 10, 0), ESPIPE);
	EXPECT_ERR("pipe_off_before_fault", sp(p[0], BADPTR, dst, NULL, 10, 0), ESPIPE);
	EXPECT_ERR("off_in_fault", sp(in, BADPTR, p[1], NULL, 10, 0), EFAULT);
	EXPECT_ERR("off_out_fault", sp(p[0], NULL, dst, BADPTR, 10, 0), EFAULT);
	EXPECT_ERR("in_write_only", sp(wr, NULL, p[1], NULL, 10, 0), EBADF);
	EXPECT_ERR("in_o_path", sp(path, NULL, p[1], NULL, 10, 0), EBADF);
	EXPECT_ERR("in_write_end", sp(p[1], NULL, dst, NULL, 10, 0), EBADF);
	EXPECT_ERR("out_read_only", sp(p[0], NULL, ro, NULL, 10, 0), EBADF);
	EXPECT_ERR("out_read_end", sp(in, NULL, p[0], NULL, 10, 0), EBADF);
	EXPECT_ERR("out_append", sp(p[0], NULL, app, NULL, 10, 0), EINVAL);
	EXPECT_ERR("in_dir", sp(dir, NULL, p[1], NULL, 10, 0), EINVAL);
	off = -1;
	EXPECT_ERR("negative_off_in", sp(in, &off, p[1], NULL, 10, 0), EINVAL);
	EXPECT_ERR("negative_off_out", sp(p[0], NULL, dst, &off, 10, 0), EINVAL);
	off = LLONG_MAX - 1;
	EXPECT_ERR("off_wraps", sp(in, &off, p[1], NULL, 10, 0), EINVAL);
	EXPECT_ERR("len_negative_from_file", sp(in, NULL, p[1], NULL, (size_t)-1, 0), EINVAL);
	EXPECT_ERR("len_negative_to_file", sp(p[0], NULL, null, NULL, (size_t)-1, 0), EINVAL);
	EXPECT_VAL("pipes_empty", buffered(p[0]) + buffered(q[0]), 0);

	/* An empty pipe: EAGAIN with SPLICE_F_NONBLOCK or O_NONBLOCK on the pipe. */
	EXPECT_ERR("empty_flag", sp(p[0], NULL, dst, NULL, 10, SPLICE_F_NONBLOCK), EAGAIN);
	EXPECT_ERR("empty_to_pipe_flag", sp(p[0], NULL, q[1], NULL, 10, SPLICE_F_NONBLOCK), EAGAIN);
	set_nonblock(p[0], true);
	EXPECT_ERR("empty_o_nonblock", sp(p[0], NULL, dst, NULL, 10, 0), EAGAIN);
	set_nonblock(p[0], false);
	/* Between pipes, O_NONBLOCK on either counts. */
	set_nonblock(q[1], true);
	EXPECT_ERR("empty_out_o_nonblock", sp(p[0], NULL, q[1], NULL, 10, 0), EAGAIN);
	set_nonblock(q[1], false);
	/* A full pipe out. */
	set_nonblock(q[1], true);
	while (write(q[1], buf, 4096) > 0)
		;
	EXPECT_ERR("full_o_nonblock", sp(in, NULL, q[1], NULL, 10, 0), EAGAIN);
	set_nonblock(q[1], false);
	EXPECT_ERR("full_flag", sp(in, NULL, q[1], NULL, 10, SPLICE_F_NONBLOCK), EAGAIN);
	interrupt_soon(false);
	EXPECT_ERR("full_interrupted", sp(in, NULL, q[1], NULL, 10, 0), EINTR);
	watchdog();
	EXPECT_VAL("drain_full", drain(q[0]), 65536);

	/* Waiting on an empty pipe: a signal interrupts (EINTR without SA_RESTART) ... */
	alarms = 0;
	interrupt_soon(false);
	EXPECT_ERR("empty_interrupted", sp(p[0], NULL, dst, NULL, 10, 0), EINTR);
	EXPECT_VAL("interrupted_once", alarms, 1);
	/* ... or the splice goes on after a SA_RESTART handler, here the one that feeds it. */
	restart_pipe[0] = p[0];
	restart_pipe[1] = p[1];
	struct sigaction sa = {.sa_handler = feed, .sa_flags = SA_RESTART};
	OK(sigaction(SIGALRM, &sa, NULL));
	struct itimerval it = {.it_value = {0, 300000}};
	OK(setitimer(ITIMER_REAL, &it, NULL));
	off2 = 0;
	EXPECT_VAL("empty_restarted", sp(p[0], NULL, dst, &off2, 10, 0), 3);
	EXPECT_VAL("restarted_after_one", alarms, 2);
	watchdog();
	/* A writer in another process wakes a blocked splice. */
	pid_t pid = xfork();
	if (pid == 0) {
		struct timespec ts = {0, 50000000};
		nanosleep(&ts, NULL);
		_exit(write(p[1], "late", 4) == 4 ? 0 : 1);
	}
	EXPECT_VAL("woken_by_writer", sp(p[0], NULL, q[1], NULL, 100, 0), 4);
	wait_and_print("writer", pid);
	EXPECT_VAL("woken_data", read(q[0], buf, sizeof(buf)), 4);

	/* End of file: no writer left. */
	int r[2];
	OK(pipe(r));
	OK(close(r[1]));
	EXPECT_VAL("eof_to_file", sp(r[0], NULL, dst, NULL, 10, 0), 0);
	EXPECT_VAL("eof_to_pipe", sp(r[0], NULL, q[1], NULL, 10, 0), 0);
	/* No reader: EPIPE (SIGPIPE ignored here). */
	signal(SIGPIPE, SIG_IGN);
	OK(close(q[0]));
	OK(write(p[1], "abc", 3));
	EXPECT_ERR("no_reader_pipe", sp(p[0], NULL, q[1], NULL, 10, 0), EPIPE);
	EXPECT_ERR("no_reader_eof", sp(r[0], NULL, q[1], NULL, 10, 0), EPIPE);
	EXPECT_ERR("no_reader_file", sp(in, NULL, q[1], NULL, 10, 0), EPIPE);
	EXPECT_VAL("no_reader_kept", buffered(p[0]), 3);
	scratch_leave();
	return done();
}
