/* inotify and renames: IN_MOVED_FROM/IN_MOVED_TO pairs sharing one cookie (and each rename
 * its own), IN_MOVE_SELF, IN_ISDIR for directories, moves between two watched directories,
 * replacing a watched file (IN_ATTRIB, IN_DELETE_SELF, IN_IGNORED), RENAME_EXCHANGE, a watch
 * following its inode to the new name, hard links, and IN_EXCL_UNLINK. */
#define _GNU_SOURCE
#include "inotify_util.h"

#include <linux/fs.h>

/* Drains fd, prints the events, and checks that the moves among them come in pairs
 * (IN_MOVED_FROM then IN_MOVED_TO) with one cookie per pair and a new cookie per pair. */
static void show_moves(const char *label, int fd)
{
	struct ev evs[64];
	int n = drain(fd, evs, 64);
	uint32_t prev_cookie = 0;
	if (!n)
		printf("%s: (none)\n", label);
	for (int i = 0; i < n; i++) {
		printf("%s: %s %s%s%s\n", label, wd_str(evs[i].wd), mask_str(evs[i].mask),
		       evs[i].name[0] ? " " : "", evs[i].name);
		if (evs[i].mask & IN_MOVED_FROM) {
			CHECK(evs[i].cookie != 0 && evs[i].cookie != prev_cookie);
			CHECK(i + 1 < n && (evs[i + 1].mask & IN_MOVED_TO));
			CHECK_EQ(evs[i + 1].cookie, evs[i].cookie);
			prev_cookie = evs[i].cookie;
		} else if (!(evs[i].mask & IN_MOVED_TO)) {
			CHECK_EQ(evs[i].cookie, 0);
		}
	}
	if (prev_cookie)
		printf("%s: cookies paired\n", label);
}

int main(void)
{
	scratch_enter("inotify_move");
	OK(mkdir("a", 0755));
	OK(mkdir("b", 0755));
	int in = OK(inotify_init1(IN_NONBLOCK));
	int wa = OK(inotify_add_watch(in, "a", IN_ALL_EVENTS & ~(IN_OPEN | IN_CLOSE)));
	int wb = OK(inotify_add_watch(in, "b", IN_ALL_EVENTS & ~(IN_OPEN | IN_CLOSE)));
	wd_name(wa, "a");
	wd_name(wb, "b");

	put("a/f", "data");
	show("put", in);
	int wf = OK(inotify_add_watch(in, "a/f", IN_ALL_EVENTS));
	wd_name(wf, "f");

	OK(rename("a/f", "a/g"));
	show_moves("rename_in_dir", in);
	OK(rename("a/g", "b/h"));
	show_moves("rename_across", in);
	/* The watch followed the inode: writing through the new name reaches it. */
	int fd = OK(open("b/h", O_WRONLY | O_APPEND));
	OK(write(fd, "x", 1));
	show("write_new_name", in);
	OK(close(fd));
	show("close", in);
	EXPECT_TRUE("same_wd_new_name", inotify_add_watch(in, "b/h", IN_ALL_EVENTS) == wf);

	/* Directories: IN_ISDIR on the pair, none on IN_MOVE_SELF. */
	OK(mkdir("a/sub", 0755));
	int ws = OK(inotify_add_watch(in, "a/sub", IN_MOVE_SELF | IN_DELETE_SELF));
	wd_name(ws, "sub");
	show("mkdir", in);
	OK(rename("a/sub", "b/sub2"));
	show_moves("rename_dir", in);

	/* Replacing a watched file: the victim hears IN_ATTRIB, then its end. */
	put("a/new", "new");
	show("put_new", in);
	OK(rename("a/new", "b/h"));
	show_moves("replace_watched", in);
	EXPECT_ERR("victim_watch_gone", inotify_rm_watch(in, wf), EINVAL);

	/* RENAME_EXCHANGE: two moves, two cookies. */
	put("a/x", "x");
	put("b/y", "y");
	int wx = OK(inotify_add_watch(in, "a/x", IN_MOVE_SELF));
	int wy = OK(inotify_add_watch(in, "b/y", IN_MOVE_SELF));
	wd_name(wx, "x");
	wd_name(wy, "y");
	show("put_xy", in);
	OK(syscall(SYS_renameat2, AT_FDCWD, "a/x", AT_FDCWD, "b/y", RENAME_EXCHANGE));
	show_moves("exchange", in);

	/* A rename onto the same file, and a failed one: no events. */
	OK(link("b/y", "b/y2"));
	show("link", in);
	OK(rename("b/y", "b/y2"));
	EXPECT_ERR("rename_missing", rename("a/missing", "a/z"), ENOENT);
	show("no_op_renames", in);
	OK(unlink("b/y2"));
	show("unlink_one_link", in);

	/* IN_EXCL_UNLINK: nothing through an unlinked name's files. */
	put("a/e", "eee");
	int we = OK(inotify_add_watch(in, "a/e", IN_ACCESS | IN_EXCL_UNLINK));
	wd_name(we, "e");
	show("put_e", in);
	fd = OK(open("a/e", O_RDONLY));
	char c;
	OK(read(fd, &c, 1));
	show("read_linked", in);
	OK(unlink("a/e"));
	show("unlink_e", in);
	OK(read(fd, &c, 1));
	show("read_unlinked", in);
	OK(close(fd));
	show("close_e", in);

	OK(close(in));
	scratch_leave();
	return done();
}
