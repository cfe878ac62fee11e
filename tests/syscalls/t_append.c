/* O_APPEND: every write goes to the end, whatever the offset; dup'd descriptors share one
 * offset; pwrite on an O_APPEND file appends too (Linux's documented quirk); F_SETFL turns
 * O_APPEND on and off. */
#define _GNU_SOURCE
#include "scratch.h"

#include <sys/uio.h>

static void expect_content(const char *label, const char *path, const char *want)
{
	char buf[256];
	int fd = OK(open(path, O_RDONLY));
	long n = OK(read(fd, buf, sizeof(buf) - 1));
	OK(close(fd));
	buf[n] = 0;
	if (strcmp(buf, want) != 0)
		check_fail(__FILE__, __LINE__, "%s: content '%s', expected '%s'", label, buf, want);
	printf("%s: %s\n", label, want);
}

int main(void)
{
	scratch_enter("append");

	put("f", "abc");
	int fd = EXPECT_OK("open_append", open("f", O_WRONLY | O_APPEND));
	EXPECT_VAL("initial_offset", lseek(fd, 0, SEEK_CUR), 0);
	EXPECT_VAL("write", write(fd, "de", 2), 2);
	EXPECT_VAL("offset_after_write", lseek(fd, 0, SEEK_CUR), 5);
	expect_content("appended", "f", "abcde");
	/* Seeking back changes nothing for the next write. */
	OK(lseek(fd, 0, SEEK_SET));
	EXPECT_VAL("write_after_seek", write(fd, "f", 1), 1);
	EXPECT_VAL("offset_after_seek_write", lseek(fd, 0, SEEK_CUR), 6);
	expect_content("still_appended", "f", "abcdef");
	/* pwrite appends too, and leaves the offset alone. */
	OK(lseek(fd, 1, SEEK_SET));
	EXPECT_VAL("pwrite_at_0", pwrite(fd, "g", 1, 0), 1);
	EXPECT_VAL("offset_after_pwrite", lseek(fd, 0, SEEK_CUR), 1);
	expect_content("pwrite_appended", "f", "abcdefg");
	/* writev: all its pieces at the end. */
	struct iovec iov[2] = {{"h", 1}, {"ij", 2}};
	EXPECT_VAL("writev", writev(fd, iov, 2), 3);
	expect_content("writev_appended", "f", "abcdefghij");

	/* A dup shares the offset and the O_APPEND flag. */
	int dup_fd = OK(dup(fd));
	EXPECT_TRUE("dup_has_append", (fcntl(dup_fd, F_GETFL) & O_APPEND) != 0);
	EXPECT_VAL("dup_write", write(dup_fd, "k", 1), 1);
	EXPECT_VAL("offset_seen_by_original", lseek(fd, 0, SEEK_CUR), 11);
	EXPECT_VAL("original_write", write(fd, "l", 1), 1);
	EXPECT_VAL("offset_seen_by_dup", lseek(dup_fd, 0, SEEK_CUR), 12);
	expect_content("after_dups", "f", "abcdefghijkl");

	/* Another open file description writing in the middle: the append fd still goes to the
	 * end, which has moved. */
	int other = OK(open("f", O_WRONLY));
	OK(lseek(other, 12, SEEK_SET));
	EXPECT_VAL("other_extends", write(other, "MNO", 3), 3);
	EXPECT_VAL("append_after_other", write(fd, "p", 1), 1);
	EXPECT_VAL("append_offset_after_other", lseek(fd, 0, SEEK_CUR), 16);
	OK(lseek(other, 0, SEEK_SET));
	EXPECT_VAL("other_overwrites_start", write(other, "A", 1), 1);
	EXPECT_VAL("other_offset", lseek(other, 0, SEEK_CUR), 1);
	expect_content("mixed", "f", "AbcdefghijklMNOp");

	/* F_SETFL: off, then on again; the dup follows (one file description). */
	int fl = OK(fcntl(fd, F_GETFL));
	OK(fcntl(fd, F_SETFL, fl & ~O_APPEND));
	EXPECT_TRUE("dup_append_off", (fcntl(dup_fd, F_GETFL) & O_APPEND) == 0);
	OK(lseek(fd, 1, SEEK_SET));
	EXPECT_VAL("write_without_append", write(fd, "B", 1), 1);
	EXPECT_VAL("offset_without_append", lseek(fd, 0, SEEK_CUR), 2);
	expect_content("overwritten", "f", "ABcdefghijklMNOp");
	OK(fcntl(dup_fd, F_SETFL, fl | O_APPEND));
	EXPECT_TRUE("append_on_again", (fcntl(fd, F_GETFL) & O_APPEND) != 0);
	EXPECT_VAL("write_append_again", write(fd, "q", 1), 1);
	expect_content("appended_again", "f", "ABcdefghijklMNOpq");
	OK(close(other));
	OK(close(dup_fd));
	OK(close(fd));

	/* O_RDWR | O_APPEND: reads use the offset, writes go to the end. */
	fd = OK(open("f", O_RDWR | O_APPEND));
	char c;
	EXPECT_VAL("read_first", read(fd, &c, 1), 1);
	EXPECT_VAL("first_byte", c, 'A');
	EXPECT_VAL("write_rdwr", write(fd, "r", 1), 1);
	EXPECT_VAL("offset_after_rdwr_write", lseek(fd, 0, SEEK_CUR), 18);
	EXPECT_VAL("read_at_end", read(fd, &c, 1), 0);
	OK(close(fd));
	expect_content("final", "f", "ABcdefghijklMNOpqr");

	/* O_APPEND with O_TRUNC and O_CREAT. */
	fd = OK(open("g", O_WRONLY | O_APPEND | O_CREAT | O_TRUNC, 0644));
	EXPECT_VAL("write_new", write(fd, "1", 1), 1);
	OK(close(fd));
	fd = OK(open("g", O_WRONLY | O_APPEND | O_TRUNC));
	EXPECT_VAL("write_truncated", write(fd, "2", 1), 1);
	OK(close(fd));
	expect_content("truncated_then_appended", "g", "2");

	/* A fork shares the file description, and so the offset. */
	fd = OK(open("g", O_WRONLY | O_APPEND));
	pid_t pid = xfork();
	if (pid == 0) {
		CHECK_EQ(write(fd, "3", 1), 1);
		_exit(0);
	}
	wait_and_print("child", pid);
	EXPECT_VAL("offset_after_child", lseek(fd, 0, SEEK_CUR), 2);
	EXPECT_VAL("parent_write", write(fd, "4", 1), 1);
	OK(close(fd));
	expect_content("fork_shared", "g", "234");

	scratch_leave();
	return done();
}
