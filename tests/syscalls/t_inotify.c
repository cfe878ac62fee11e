/* inotify_init1, inotify_add_watch, inotify_rm_watch and reading events: the events of
 * create/write/read/close/attribute/delete sequences on a directory and on files, names and
 * their padding, coalescing, wd reuse, IN_IGNORED, IN_ONESHOT, IN_MASK_ADD/IN_MASK_CREATE,
 * IN_ONLYDIR/IN_DONT_FOLLOW, nonblocking and blocking reads (woken by an event, interrupted by
 * a signal), poll, FIONREAD, a buffer too small, queue overflow, and the errno of every
 * refusal. */
#define _GNU_SOURCE
#include "inotify_util.h"

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/time.h>

static void errors(int in)
{
	EXPECT_ERR("init1_bad_flag", inotify_init1(IN_NONBLOCK | 1), EINVAL);
	EXPECT_ERR("init1_rdwr", inotify_init1(O_RDWR), EINVAL);
	EXPECT_ERR("add_mask_0", inotify_add_watch(in, ".", 0), EINVAL);
	EXPECT_ERR("add_mask_unknown_bit", inotify_add_watch(in, ".", 0x00100000), EINVAL);
	/* The mask is checked before the fd, the flag pair after it. */
	EXPECT_ERR("add_bad_fd_mask_0", inotify_add_watch(-1, ".", 0), EINVAL);
	EXPECT_ERR("add_bad_fd", inotify_add_watch(-1, ".", IN_ACCESS), EBADF);
	EXPECT_ERR("add_bad_fd_add_create",
		   inotify_add_watch(-1, ".", IN_ACCESS | IN_MASK_ADD | IN_MASK_CREATE), EBADF);
	EXPECT_ERR("add_add_create",
		   inotify_add_watch(in, ".", IN_ACCESS | IN_MASK_ADD | IN_MASK_CREATE), EINVAL);
	int nul = OK(open("/dev/null", O_RDONLY));
	EXPECT_ERR("add_not_inotify", inotify_add_watch(nul, ".", IN_ACCESS), EINVAL);
	EXPECT_ERR("rm_not_inotify", inotify_rm_watch(nul, 1), EINVAL);
	OK(close(nul));
	EXPECT_ERR("add_missing", inotify_add_watch(in, "missing", IN_ACCESS), ENOENT);
	EXPECT_ERR("add_empty_path", inotify_add_watch(in, "", IN_ACCESS), ENOENT);
	EXPECT_ERR("add_bad_path", inotify_add_watch(in, BADPTR, IN_ACCESS), EFAULT);
	EXPECT_ERR("add_onlydir_file", inotify_add_watch(in, "file", IN_ACCESS | IN_ONLYDIR),
		   ENOTDIR);
	EXPECT_ERR("rm_bad_fd", inotify_rm_watch(-1, 1), EBADF);
	EXPECT_ERR("rm_unknown_wd", inotify_rm_watch(in, 12345), EINVAL);
	EXPECT_ERR("rm_negative_wd", inotify_rm_watch(in, -1), EINVAL);
	char c;
	EXPECT_ERR("write_to_inotify", write(in, "x", 1), EBADF);
	EXPECT_ERR("read_empty_nonblock", read(in, &c, 1), EAGAIN);
	EXPECT_VAL("fcntl_getfl", fcntl(in, F_GETFL), O_NONBLOCK);
	EXPECT_VAL("lseek", lseek(in, 5, SEEK_SET), 0);
	struct stat st;
	OK(fstat(in, &st));
	EXPECT_MODE("fstat_mode", st.st_mode, 0600);
}

static void watch_secret(void)
{
	int in = OK(inotify_init1(IN_NONBLOCK));
	EXPECT_ERR("nobody_add_unreadable", inotify_add_watch(in, "secret", IN_ALL_EVENTS), EACCES);
	EXPECT_OK("nobody_add_readable", inotify_add_watch(in, "file", IN_ALL_EVENTS));
	close(in);
}

static void dir_sequence(int in)
{
	int wd = OK(inotify_add_watch(in, "d", IN_ALL_EVENTS));
	wd_name(wd, "d");
	int fd = OK(open("d/a", O_CREAT | O_WRONLY, 0644));
	show("create", in);
	OK(write(fd, "hello", 5));
	OK(write(fd, "world", 5));
	show("two_writes_coalesce", in);
	OK(close(fd));
	show("close_write", in);
	char buf[16];
	fd = OK(open("d/a", O_RDONLY));
	OK(read(fd, buf, 4));
	OK(read(fd, buf, 0)); /* nothing read: no event */
	OK(close(fd));
	show("read", in);
	fd = OK(open("d/a", O_RDWR | O_TRUNC));
	OK(pwrite(fd, "x", 1, 0));
	OK(pread(fd, buf, 1, 0));
	OK(close(fd));
	show("rdwr_trunc", in);
	OK(chmod("d/a", 0600));
	OK(truncate("d/a", 3));
	OK(utimensat(AT_FDCWD, "d/a", NULL, 0));
	show("chmod_truncate_utimes", in);
	struct timespec ts[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
	OK(utimensat(AT_FDCWD, "d/a", ts, 0));
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_nsec = UTIME_NOW;
	OK(utimensat(AT_FDCWD, "d/a", ts, 0));
	show("atime_only_mtime_only", in);
	OK(mkdir("d/sub", 0755));
	OK(symlink("a", "d/link"));
	OK(mknod("d/fifo", S_IFIFO | 0644, 0));
	show("mkdir_symlink_mknod", in);
	fd = OK(open("d/sub", O_RDONLY | O_DIRECTORY));
	OK(close(fd));
	show("open_subdir", in);
	OK(unlink("d/link"));
	OK(unlink("d/fifo"));
	OK(rmdir("d/sub"));
	OK(unlink("d/a"));
	show("deletes", in);
	fd = OK(open("d", O_RDONLY | O_DIRECTORY));
	OK(close(fd));
	show("open_dir_itself", in);
	EXPECT_OK("rm_watch", inotify_rm_watch(in, wd));
	show("rm_watch", in);
	EXPECT_ERR("rm_watch_again", inotify_rm_watch(in, wd), EINVAL);
	put("d/after", "x");
	show("after_rm_watch", in);
	OK(unlink("d/after"));
}

static void file_and_dir(int in)
{
	int wdd = OK(inotify_add_watch(in, "d", IN_ALL_EVENTS));
	wd_name(wdd, "d");
	put("d/f", "data");
	show("put", in);
	int wdf = OK(inotify_add_watch(in, "d/f", IN_ALL_EVENTS));
	wd_name(wdf, "f");
	int fd = OK(open("d/f", O_WRONLY | O_APPEND));
	OK(write(fd, "more", 4));
	OK(close(fd));
	show("both_watched", in);
	OK(chmod("d/f", 0644));
	show("attrib_both", in);
	/* The last link goes: the file's own watch ends before the directory hears of it. */
	OK(unlink("d/f"));
	show("unlink_watched", in);

	/* Still open when unlinked: IN_DELETE_SELF waits for the last close. */
	put("d/g", "data");
	int wdg = OK(inotify_add_watch(in, "d/g", IN_ALL_EVENTS));
	wd_name(wdg, "g");
	fd = OK(open("d/g", O_RDONLY));
	show("open_g", in);
	OK(unlink("d/g"));
	show("unlink_open", in);
	char buf[8];
	OK(read(fd, buf, 2));
	show("read_unlinked", in);
	OK(close(fd));
	show("close_unlinked", in);

	/* A watched directory removed. */
	OK(mkdir("d/s", 0755));
	int wds = OK(inotify_add_watch(in, "d/s", IN_ALL_EVENTS));
	wd_name(wds, "s");
	show("mkdir_s", in);
	OK(rmdir("d/s"));
	show("rmdir_watched", in);
	OK(inotify_rm_watch(in, wdd));
	show("rm_d", in);
}

static void wd_rules(int in)
{
	put("w", "x");
	int a = OK(inotify_add_watch(in, "w", IN_MODIFY));
	wd_name(a, "w");
	EXPECT_TRUE("same_path_same_wd", inotify_add_watch(in, "w", IN_ACCESS) == a);
	EXPECT_TRUE("other_path_same_wd", inotify_add_watch(in, "./w", IN_ACCESS) == a);
	EXPECT_ERR("mask_create_exists", inotify_add_watch(in, "w", IN_ACCESS | IN_MASK_CREATE),
		   EEXIST);
	/* The mask was replaced by IN_ACCESS: a write is not reported any more. */
	put("w", "y");
	show("replaced_mask_write", in);
	EXPECT_TRUE("mask_add_same_wd", inotify_add_watch(in, "w", IN_MODIFY | IN_MASK_ADD) == a);
	int fd = OK(open("w", O_RDWR));
	char c;
	OK(write(fd, "z", 1));
	OK(pread(fd, &c, 1, 0));
	OK(close(fd));
	show("added_mask", in);
	int b = OK(inotify_add_watch(in, "d", IN_CREATE));
	wd_name(b, "d_first");
	EXPECT_TRUE("other_inode_other_wd", b != a);
	EXPECT_TRUE("wds_positive", a > 0 && b > 0);
	OK(inotify_rm_watch(in, b));
	/* wds are not reused at once: the next one is new. */
	int c2 = OK(inotify_add_watch(in, "d", IN_CREATE));
	wd_name(c2, "d_second");
	EXPECT_TRUE("new_wd_after_rm", c2 != b && c2 != a);
	OK(inotify_rm_watch(in, c2));
	OK(inotify_rm_watch(in, a));
	show("rm_both", in);

	/* IN_ONESHOT: one event, then the watch is gone. */
	int o = OK(inotify_add_watch(in, "w", IN_OPEN | IN_ONESHOT));
	wd_name(o, "oneshot");
	fd = OK(open("w", O_RDONLY));
	OK(close(fd));
	fd = OK(open("w", O_RDONLY));
	OK(close(fd));
	show("oneshot", in);
	EXPECT_ERR("oneshot_gone", inotify_rm_watch(in, o), EINVAL);

	/* IN_DONT_FOLLOW watches the symlink itself; otherwise its target. */
	OK(symlink("w", "wl"));
	int t = OK(inotify_add_watch(in, "wl", IN_ATTRIB));
	int l = OK(inotify_add_watch(in, "wl", IN_ATTRIB | IN_DONT_FOLLOW));
	EXPECT_TRUE("dont_follow_other_wd", t != l);
	EXPECT_TRUE("follow_is_target_wd", inotify_add_watch(in, "w", IN_ATTRIB) == t);
	EXPECT_OK("onlydir_dir", inotify_add_watch(in, "d", IN_ATTRIB | IN_ONLYDIR));
	wd_name(t, "target");
	wd_name(l, "symlink");
	OK(chmod("w", 0640));
	show("chmod_through_link", in);
	OK(unlink("wl"));
	show("unlink_symlink", in);
	OK(unlink("w"));
	show("unlink_target", in);
}

static void reading(int in)
{
	int wd = OK(inotify_add_watch(in, "d", IN_CREATE | IN_DELETE));
	wd_name(wd, "d");
	struct pollfd p = {in, POLLIN, 0};
	EXPECT_VAL("poll_empty", poll(&p, 1, 0), 0);
	int n = -1;
	OK(ioctl(in, FIONREAD, &n));
	EXPECT_VAL("fionread_empty", n, 0);
	put("d/abc", "");
	EXPECT_VAL("poll_ready", poll(&p, 1, 0), 1);
	EXPECT_VAL("poll_revents", p.revents, POLLIN);
	OK(ioctl(in, FIONREAD, &n));
	EXPECT_VAL("fionread_one_name", n, 32);
	/* "abc" and its NUL are padded to 16 bytes: 32 in all, and not one byte less. */
	char buf[64] __attribute__((aligned(4)));
	EXPECT_ERR("read_too_small", read(in, buf, 31), EINVAL);
	EXPECT_ERR("read_header_only", read(in, buf, sizeof(struct inotify_event)), EINVAL);
	memset(buf, 0x55, sizeof(buf));
	EXPECT_VAL("read_exact", read(in, buf, 32), 32);
	struct inotify_event *e = (struct inotify_event *)buf;
	EXPECT_VAL("event_len", e->len, 16);
	EXPECT_TRUE("name_padded_with_nuls",
		    strcmp(e->name, "abc") == 0 && e->name[3] == 0 && e->name[15] == 0);
	EXPECT_ERR("read_empty_again", read(in, buf, sizeof(buf)), EAGAIN);
	/* Several records in one read; a buffer that ends inside the second returns the first. */
	OK(unlink("d/abc"));
	put("d/abcdefghijklmnopq", "");
	OK(ioctl(in, FIONREAD, &n));
	EXPECT_VAL("fionread_two", n, 32 + 16 + 32);
	EXPECT_VAL("read_first_only", read(in, buf, 40), 32);
	EXPECT_VAL("read_second", read(in, buf, 64), 48);
	EXPECT_VAL("second_len", ((struct inotify_event *)buf)->len, 32);
	OK(unlink("d/abcdefghijklmnopq"));
	show("drain", in);
	OK(inotify_rm_watch(in, wd));
	show("rm", in);
}

static void on_alarm(int sig)
{
}

static void blocking(void)
{
	int in = OK(inotify_init1(0));
	int wd = OK(inotify_add_watch(in, "d", IN_CREATE));
	char buf[64];
	/* Interrupted by a signal whose handler has no SA_RESTART. */
	struct sigaction sa = {.sa_handler = on_alarm};
	OK(sigaction(SIGALRM, &sa, NULL));
	struct itimerval it = {{0, 0}, {0, 50000}};
	OK(setitimer(ITIMER_REAL, &it, NULL));
	EXPECT_ERR("blocking_read_eintr", read(in, buf, sizeof(buf)), EINTR);
	/* Woken by an event another process causes (whether it comes before or after the read
	 * blocks, the read returns that one event). */
	pid_t pid = xfork();
	if (pid == 0) {
		usleep(20000);
		put("d/wake", "");
		_exit(0);
	}
	alarm(5);
	long n = read(in, buf, sizeof(buf));
	alarm(0);
	EXPECT_VAL("blocking_read_woken", n, 32);
	struct inotify_event *e = (struct inotify_event *)buf;
	EXPECT_TRUE("woken_by_create",
		    e->wd == wd && e->mask == IN_CREATE && !strcmp(e->name, "wake"));
	wait_and_print("writer", pid);
	OK(unlink("d/wake"));
	OK(close(in));
}

static void overflow(void)
{
	int in = OK(inotify_init1(IN_NONBLOCK));
	put("d/x", "");
	put("d/y", "");
	int wd = OK(inotify_add_watch(in, "d", IN_MODIFY));
	int x = OK(open("d/x", O_WRONLY)), y = OK(open("d/y", O_WRONLY));
	/* Alternating files: no two neighbours can merge. */
	for (int i = 0; i < 16384 + 10; i++)
		CHECK(write(i % 2 ? y : x, "z", 1) == 1);
	int n = -1;
	OK(ioctl(in, FIONREAD, &n));
	EXPECT_VAL("fionread_full", n, 16384 * 32 + 16);
	char buf[4096] __attribute__((aligned(4)));
	long count = 0, bad = 0;
	struct inotify_event last = {0};
	for (;;) {
		long len = read(in, buf, sizeof(buf));
		if (len < 0)
			break;
		for (char *p = buf; p < buf + len;) {
			struct inotify_event *e = (struct inotify_event *)p;
			if (e->wd != -1 && (e->wd != wd || e->mask != IN_MODIFY))
				bad++;
			last = *e;
			count++;
			p += sizeof(*e) + e->len;
		}
	}
	int err = errno;
	EXPECT_VAL("overflow_read_eagain", err, EAGAIN);
	EXPECT_VAL("events_before_overflow", count - 1, 16384);
	EXPECT_VAL("unexpected_events", bad, 0);
	EXPECT_VAL("last_wd", last.wd, -1);
	EXPECT_VAL("last_mask", last.mask, IN_Q_OVERFLOW);
	EXPECT_VAL("last_len", last.len, 0);
	OK(close(x));
	OK(close(y));
	OK(close(in));
	OK(unlink("d/x"));
	OK(unlink("d/y"));
}

int main(void)
{
	scratch_enter("inotify");
	OK(mkdir("d", 0755));
	touch("file", 0644);
	touch("secret", 0);
	int in = OK(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
	EXPECT_VAL("cloexec", fcntl(in, F_GETFD), FD_CLOEXEC);
	int plain = OK(syscall(SYS_inotify_init));
	EXPECT_VAL("init_no_cloexec", fcntl(plain, F_GETFD), 0);
	OK(close(plain));
	errors(in);
	run_as_nobody("nobody", watch_secret);
	dir_sequence(in);
	file_and_dir(in);
	wd_rules(in);
	reading(in);
	blocking();
	overflow();
	OK(close(in));
	scratch_leave();
	return done();
}
