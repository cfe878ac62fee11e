/* sendfile: file to pipe and file to file, the offset pointer (the input's position then
 * stays), the 64 KiB a pipe takes counted in pages from the offset, and the errno of every
 * refusal in Linux's order. */
#define _GNU_SOURCE
#include "splice_util.h"

#include <limits.h>
#include <sys/sendfile.h>

static char buf[200000];

static long sf(int out, int in, off_t *off, size_t count)
{
	return syscall(SYS_sendfile, out, in, off, count);
}

int main(void)
{
	int p[2];
	off_t off;
	scratch_enter("sendfile");
	watchdog();
	make_pattern("src", 100000);
	int in = OK(open("src", O_RDONLY));
	int dst = OK(open("dst", O_RDWR | O_CREAT, 0644));
	OK(pipe(p));

	/* With an offset: it moves, the file's position does not. */
	off = 10;
	EXPECT_VAL("to_pipe_offset", sf(p[1], in, &off, 1000), 1000);
	EXPECT_VAL("offset_moved", off, 1010);
	EXPECT_VAL("position_kept", lseek(in, 0, SEEK_CUR), 0);
	EXPECT_VAL("pipe_holds", read(p[0], buf, sizeof(buf)), 1000);
	EXPECT_TRUE("pipe_data", is_pattern(buf, 1000, 10));

	/* Without: the position moves. */
	EXPECT_VAL("to_pipe_position", sf(p[1], in, NULL, 500), 500);
	EXPECT_VAL("position_moved", lseek(in, 0, SEEK_CUR), 500);
	EXPECT_VAL("pipe_holds_2", read(p[0], buf, sizeof(buf)), 500);
	EXPECT_TRUE("pipe_data_2", is_pattern(buf, 500, 0));

	/* A pipe takes what fits: 16 pages, counted from the offset's place in its page. */
	off = 0;
	EXPECT_VAL("fill_aligned", sf(p[1], in, &off, 100000), 65536);
	EXPECT_VAL("drain_aligned", drain(p[0]), 65536);
	off = 100;
	EXPECT_VAL("fill_unaligned", sf(p[1], in, &off, 100000), 65436);
	EXPECT_VAL("fill_unaligned_offset", off, 65536);
	EXPECT_VAL("drain_unaligned", drain(p[0]), 65436);
	/* Spliced pages are not merged into by later writes: 15 pages of room after 10 bytes. */
	off = 0;
	EXPECT_VAL("ten_bytes", sf(p[1], in, &off, 10), 10);
	EXPECT_VAL("room_after_ten", room_bytes(p[1]), 61440);
	EXPECT_VAL("drain_room", drain(p[0]), 61450);

	/* File to file: the output's position moves too. */
	OK(lseek(in, 0, SEEK_SET));
	OK(lseek(dst, 5, SEEK_SET));
	EXPECT_VAL("to_file", sf(dst, in, NULL, 100000), 100000);
	EXPECT_VAL("to_file_in_pos", lseek(in, 0, SEEK_CUR), 100000);
	EXPECT_VAL("to_file_out_pos", lseek(dst, 0, SEEK_CUR), 100005);
	EXPECT_VAL("to_file_read", pread(dst, buf, sizeof(buf), 5), 100000);
	EXPECT_TRUE("to_file_data", is_pattern(buf, 100000, 0));
	/* At the end of the input: nothing. */
	EXPECT_VAL("at_eof", sf(dst, in, NULL, 10), 0);
	off = 99990;
	EXPECT_VAL("near_eof", sf(dst, in, &off, 100), 10);
	EXPECT_VAL("near_eof_offset", off, 100000);
	/* The same file in and out, through an offset. */
	off = 0;
	OK(lseek(dst, 0, SEEK_SET));
	EXPECT_VAL("same_file", sf(dst, dst, &off, 5), 5);
	EXPECT_VAL("same_file_offset", off, 5);
	EXPECT_VAL("same_file_pos", lseek(dst, 0, SEEK_CUR), 5);

	/* A read-only host file into a pipe, compared with a read. */
	int host = OK(open("/etc/os-release", O_RDONLY));
	long n = OK(read(host, buf, sizeof(buf)));
	CHECK(n > 0 && n < 4096);
	off = 0;
	EXPECT_TRUE("host_file", sf(p[1], host, &off, sizeof(buf)) == n);
	static char again[4096];
	EXPECT_TRUE("host_file_same",
		    read(p[0], again, sizeof(again)) == n && memcmp(buf, again, (size_t)n) == 0);
	/* Devices. */
	int zero = OK(open("/dev/zero", O_RDONLY)), null = OK(open("/dev/null", O_WRONLY));
	EXPECT_VAL("zero_to_null", sf(null, zero, NULL, 3000), 3000);
	EXPECT_VAL("zero_to_pipe", sf(p[1], zero, NULL, 3), 3);
	EXPECT_VAL("drain_zero", drain(p[0]), 3);

	/* Count 0. */
	EXPECT_VAL("count_0", sf(dst, in, NULL, 0), 0);
	EXPECT_VAL("count_0_to_pipe", sf(p[1], in, NULL, 0), 0);
	EXPECT_ERR("count_0_bad_out", sf(-1, in, NULL, 0), EBADF);

	/* Refusals. */
	int wr = OK(open("src", O_WRONLY)), app = OK(open("dst", O_WRONLY | O_APPEND));
	int dir = OK(open(".", O_RDONLY)), path = OK(open("src", O_PATH));
	EXPECT_ERR("bad_in", sf(dst, -1, NULL, 10), EBADF);
	EXPECT_ERR("bad_out", sf(-1, in, NULL, 10), EBADF);
	EXPECT_ERR("in_write_only", sf(dst, wr, NULL, 10), EBADF);
	EXPECT_ERR("in_o_path", sf(dst, path, NULL, 10), EBADF);
	EXPECT_ERR("out_read_only", sf(in, in, NULL, 10), EBADF);
	EXPECT_ERR("out_dir", sf(dir, in, NULL, 10), EBADF);
	EXPECT_ERR("out_append", sf(app, in, NULL, 10), EINVAL);
	EXPECT_ERR("out_append_count_0", sf(app, in, NULL, 0), EINVAL);
	EXPECT_ERR("in_dir", sf(p[1], dir, NULL, 10), EINVAL);
	EXPECT_VAL("in_dir_count_0", sf(p[1], dir, NULL, 0), 0);
	OK(write(p[1], "abc", 3));
	EXPECT_ERR("in_pipe", sf(dst, p[0], NULL, 3), EINVAL);
	EXPECT_ERR("in_pipe_to_pipe", sf(p[1], p[0], NULL, 3), EINVAL);
	off = 0;
	EXPECT_ERR("in_pipe_offset", sf(dst, p[0], &off, 3), ESPIPE);
	EXPECT_VAL("pipe_untouched", drain(p[0]), 3);
	off = -1;
	EXPECT_ERR("negative_offset", sf(dst, in, &off, 10), EINVAL);
	EXPECT_ERR("negative_offset_before_out", sf(-1, in, &off, 10), EINVAL);
	off = LLONG_MAX - 5;
	EXPECT_ERR("offset_wraps", sf(dst, in, &off, 10), EINVAL);
	off = 0;
	EXPECT_ERR("count_negative", sf(p[1], in, &off, (size_t)-1), EINVAL);
	EXPECT_ERR("offset_fault", sf(dst, in, BADPTR, 10), EFAULT);
	/* Counts above MAX_RW_COUNT are capped, not refused. */
	off = 0;
	EXPECT_VAL("count_capped", sf(null, in, &off, 0x80000000UL), 100000);

	/* A full pipe: EAGAIN when the pipe is non-blocking (even for count 0), and a wait a
	 * signal interrupts otherwise. */
	set_nonblock(p[1], true);
	while (write(p[1], buf, 4096) > 0)
		;
	EXPECT_ERR("full_nonblock", sf(p[1], in, NULL, 10), EAGAIN);
	EXPECT_ERR("full_nonblock_count_0", sf(p[1], in, NULL, 0), EAGAIN);
	set_nonblock(p[1], false);
	interrupt_soon(false);
	EXPECT_ERR("full_interrupted", sf(p[1], in, NULL, 10), EINTR);
	EXPECT_VAL("one_alarm", alarms, 1);
	watchdog();
	EXPECT_VAL("drain_full", drain(p[0]), 65536);

	/* No reader: EPIPE, and SIGPIPE (which kills a child that keeps the default action). */
	OK(close(p[0]));
	signal(SIGPIPE, SIG_IGN);
	EXPECT_ERR("no_reader", sf(p[1], in, NULL, 10), EPIPE);
	pid_t pid = xfork();
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		sf(p[1], in, NULL, 10);
		_exit(0);
	}
	wait_and_print("no_reader_child", pid);
	OK(close(p[1]));
	scratch_leave();
	return done();
}
