/* /proc/self/fd and fdinfo: link texts, following them, listing, modes, fdinfo fields. */
#define _GNU_SOURCE
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <sys/stat.h>

static ssize_t link_of(int fd, char *buf, size_t cap)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, buf, cap - 1);
	if (n >= 0)
		buf[n] = 0;
	return n;
}

static void fdinfo(int fd, char *buf, size_t cap)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	int f = OK(open(path, O_RDONLY));
	ssize_t n = OK(read(f, buf, cap - 1));
	buf[n] = 0;
	OK(close(f));
}

static bool listed(int fd)
{
	DIR *d = opendir("/proc/self/fd");
	CHECK(d != NULL);
	bool found = false;
	struct dirent *e;
	while ((e = readdir(d)))
		found |= e->d_name[0] != '.' && atoi(e->d_name) == fd;
	closedir(d);
	return found;
}

int main(void)
{
	char buf[PATH_MAX], path[64];

	int fd = OK(open("/etc/passwd", O_RDONLY));
	EXPECT_TRUE("readlink_passwd", link_of(fd, buf, sizeof(buf)) > 0);
	printf("passwd_link: %s\n", buf);
	struct stat a, b, l;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	OK(stat(path, &a));
	OK(fstat(fd, &b));
	EXPECT_TRUE("stat_follows_to_the_file", a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	OK(lstat(path, &l));
	EXPECT_TRUE("lstat_is_link", S_ISLNK(l.st_mode));
	printf("rdonly_link_mode: %o\n", (unsigned)(l.st_mode & 0777));
	EXPECT_TRUE("listed", listed(fd));

	/* Opening the link opens the file afresh: its own offset. */
	char c;
	OK(read(fd, &c, 1));
	int again = OK(open(path, O_RDONLY));
	EXPECT_VAL("reopened_offset", lseek(again, 0, SEEK_CUR), 0);
	OK(fstat(again, &a));
	EXPECT_TRUE("reopened_same_file", a.st_ino == b.st_ino);
	OK(close(again));

	/* fdinfo: position, flags in octal (O_LARGEFILE is 0100000 on x86_64), mnt_id. */
	char more[9];
	OK(read(fd, more, sizeof(more)));
	fdinfo(fd, buf, sizeof(buf));
	long long pos = -1;
	unsigned flags = 0;
	int mnt = -1;
	CHECK_EQ(sscanf(buf, "pos:\t%lld\nflags:\t%o\nmnt_id:\t%d", &pos, &flags, &mnt), 3);
	EXPECT_VAL("fdinfo_pos", pos, 10);
	printf("fdinfo_flags: 0%o\n", flags);
	int cfd = OK(open("/etc/passwd", O_RDONLY | O_CLOEXEC));
	fdinfo(cfd, buf, sizeof(buf));
	CHECK_EQ(sscanf(buf, "pos:\t%lld\nflags:\t%o", &pos, &flags), 2);
	printf("fdinfo_cloexec_flags: 0%o\n", flags);
	OK(close(cfd));

	/* A directory and a write-only file. */
	char dir[] = "/tmp/t_procfs_fd.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	int dfd = OK(open(dir, O_RDONLY | O_DIRECTORY));
	link_of(dfd, buf, sizeof(buf));
	EXPECT_TRUE("dir_link_is_its_path", strcmp(buf, dir) == 0);
	char file[PATH_MAX];
	snprintf(file, sizeof(file), "%s/f", dir);
	int wfd = OK(open(file, O_WRONLY | O_CREAT, 0600));
	link_of(wfd, buf, sizeof(buf));
	EXPECT_TRUE("file_link_is_its_path", strcmp(buf, file) == 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", wfd);
	OK(lstat(path, &l));
	printf("wronly_link_mode: %o\n", (unsigned)(l.st_mode & 0777));
	/* Writing through the link reaches the same file. */
	int w2 = OK(open(path, O_WRONLY | O_APPEND));
	EXPECT_VAL("write_through_link", write(w2, "hello", 5), 5);
	OK(close(w2));
	OK(fstat(wfd, &a));
	EXPECT_VAL("file_size_after", a.st_size, 5);
	OK(close(wfd));
	OK(unlink(file));
	OK(close(dfd));
	OK(rmdir(dir));

	/* Pipes: "pipe:[ino]" with fstat's inode; opening the link gives the pipe. */
	int p[2];
	OK(pipe(p));
	link_of(p[0], buf, sizeof(buf));
	OK(fstat(p[0], &a));
	char want[64];
	snprintf(want, sizeof(want), "pipe:[%llu]", (unsigned long long)a.st_ino);
	EXPECT_TRUE("pipe_link_text", strcmp(buf, want) == 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[1]);
	OK(stat(path, &b));
	EXPECT_TRUE("stat_follows_to_the_pipe", S_ISFIFO(b.st_mode) && b.st_ino == a.st_ino);
	int pw = OK(open(path, O_WRONLY));
	EXPECT_VAL("write_to_reopened_pipe", write(pw, "xyz", 3), 3);
	char got[4] = "";
	EXPECT_VAL("read_from_pipe", read(p[0], got, 3), 3);
	printf("pipe_data: %s\n", got);
	OK(close(pw));
	OK(close(p[0]));
	OK(close(p[1]));

	/* A closed fd is gone from both directories (a high one: opendir takes the lowest). */
	int high = OK(fcntl(fd, F_DUPFD, 60));
	OK(close(fd));
	OK(close(high));
	fd = high;
	EXPECT_ERR("closed_fd_readlink", link_of(fd, buf, sizeof(buf)), ENOENT);
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	EXPECT_ERR("closed_fdinfo_open", open(path, O_RDONLY), ENOENT);
	EXPECT_TRUE("not_listed", !listed(fd));
	EXPECT_ERR("bad_fd_name", open("/proc/self/fd/abc", O_RDONLY), ENOENT);
	return done();
}
