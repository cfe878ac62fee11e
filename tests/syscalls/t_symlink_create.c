/* symlink and symlinkat: what a new symlink looks like (lstat, readlink), following it,
 * loops and the 40-link limit, O_CREAT through a dangling symlink, and the errno of every
 * refusal. (t_symlink reads the host's existing symlinks.) */
#define _GNU_SOURCE
#include "scratch.h"

static void expect_link(const char *label, const char *path, const char *target)
{
	char buf[4096];
	long n = readlink(path, buf, sizeof(buf));
	CHECK(n >= 0);
	buf[n] = 0;
	if (strcmp(buf, target) != 0)
		check_fail(__FILE__, __LINE__, "%s: readlink(%s) = '%s', expected '%s'", label,
			   path, buf, target);
	printf("%s: %s\n", label, strlen(target) < 64 ? target : "(long)");
}

int main(void)
{
	char names[512], buf[64], path[128];
	struct stat st;
	scratch_enter("symlink");

	put("file", "data");
	OK(mkdir("d", 0755));
	struct stat top0 = lst(".");
	umask(077);
	EXPECT_OK("symlink", symlink("file", "sl"));
	umask(022);
	st = lst("sl");
	EXPECT_TRUE("is_symlink", S_ISLNK(st.st_mode));
	EXPECT_MODE("mode_ignores_umask", st.st_mode & 07777, 0777);
	EXPECT_VAL("size_is_target_length", st.st_size, 4);
	EXPECT_VAL("nlink", st.st_nlink, 1);
	EXPECT_TRUE("owned_by_root", st.st_uid == 0 && st.st_gid == 0);
	EXPECT_VAL("parent_nlink_unchanged", lst(".").st_nlink, top0.st_nlink);
	expect_link("readlink", "sl", "file");
	OK(stat("sl", &st));
	EXPECT_TRUE("stat_follows", S_ISREG(st.st_mode) && st.st_size == 4);
	int fd = EXPECT_OK("open_follows", open("sl", O_RDONLY));
	EXPECT_VAL("read_through", read(fd, buf, sizeof(buf)), 4);
	OK(close(fd));

	/* Targets are stored as given: relative to the link's directory, absolute, odd. */
	EXPECT_OK("relative_up", symlink("../file", "d/up"));
	EXPECT_TRUE("relative_to_link_dir", stat("d/up", &st) == 0 && S_ISREG(st.st_mode));
	snprintf(path, sizeof(path), "%s/file", scratch_path);
	EXPECT_OK("absolute", symlink(path, "abs"));
	EXPECT_TRUE("absolute_follows", stat("abs", &st) == 0 && S_ISREG(st.st_mode));
	EXPECT_OK("odd_target", symlink("a//b/../c/", "odd"));
	expect_link("odd_readlink", "odd", "a//b/../c/");
	EXPECT_VAL("odd_size", lst("odd").st_size, 10);
	EXPECT_OK("to_dir", symlink("d", "sd"));
	EXPECT_TRUE("dir_through_link", stat("sd/up", &st) == 0 && S_ISREG(st.st_mode));
	EXPECT_OK("to_dir_slash_target", symlink("d/", "sd2"));
	EXPECT_TRUE("dir_slash_target", stat("sd2", &st) == 0 && S_ISDIR(st.st_mode));
	EXPECT_OK("to_file_slash_target", symlink("file/", "sf2"));
	EXPECT_ERR("file_slash_target", stat("sf2", &st), ENOTDIR);
	char longtarget[1100];
	memset(longtarget, 'x', 1000);
	longtarget[1000] = 0;
	EXPECT_OK("long_target", symlink(longtarget, "long"));
	EXPECT_VAL("long_size", lst("long").st_size, 1000);
	expect_link("long_readlink", "long", longtarget);

	/* Dangling symlinks. */
	EXPECT_OK("dangling", symlink("nowhere", "dl"));
	EXPECT_ERR("stat_dangling", stat("dl", &st), ENOENT);
	EXPECT_TRUE("lstat_dangling", S_ISLNK(lst("dl").st_mode));
	EXPECT_ERR("open_dangling", open("dl", O_RDONLY), ENOENT);
	EXPECT_ERR("creat_excl_dangling", open("dl", O_WRONLY | O_CREAT | O_EXCL, 0600), EEXIST);
	/* O_CREAT through a dangling symlink creates its target (relative to the link). */
	OK(symlink("created-by-open", "d/dl2"));
	fd = open("d/dl2", O_WRONLY | O_CREAT, 0600);
	printf("creat_through_dangling: %s\n", fd >= 0 ? "ok" : errname(errno));
	if (fd >= 0) {
		OK(close(fd));
		st = lst("d/created-by-open");
		EXPECT_TRUE("target_created_regular", S_ISREG(st.st_mode));
		EXPECT_MODE("target_created_mode", st.st_mode & 07777, 0600);
		EXPECT_TRUE("link_still_symlink", S_ISLNK(lst("d/dl2").st_mode));
	}
	OK(symlink("missing-dir/x", "dl3"));
	EXPECT_ERR("creat_through_dangling_missing_dir", open("dl3", O_WRONLY | O_CREAT, 0600),
		   ENOENT);
	OK(symlink("newdir/", "dl4"));
	EXPECT_ERR("creat_through_dangling_slash", open("dl4", O_WRONLY | O_CREAT, 0600), EISDIR);
	EXPECT_ERR("creat_nofollow_symlink", open("sl", O_WRONLY | O_CREAT | O_NOFOLLOW, 0600),
		   ELOOP);
	EXPECT_ERR("open_nofollow_symlink", open("sl", O_RDONLY | O_NOFOLLOW), ELOOP);

	/* Loops and the limit of 40 symlinks per lookup. */
	OK(symlink("self", "self"));
	EXPECT_ERR("self_loop", stat("self", &st), ELOOP);
	EXPECT_ERR("self_loop_open", open("self", O_RDONLY), ELOOP);
	EXPECT_ERR("self_loop_creat", open("self", O_RDWR | O_CREAT, 0600), ELOOP);
	OK(symlink("pong", "ping"));
	OK(symlink("ping", "pong"));
	EXPECT_ERR("two_link_loop", stat("ping", &st), ELOOP);
	EXPECT_ERR("loop_in_middle", stat("ping/x", &st), ELOOP);
	EXPECT_TRUE("lstat_loop", S_ISLNK(lst("ping").st_mode));
	OK(symlink("file", "c0"));
	for (int i = 1; i <= 41; i++) {
		char from[16], to[16];
		snprintf(from, sizeof(from), "c%d", i - 1);
		snprintf(to, sizeof(to), "c%d", i);
		OK(symlink(from, to));
	}
	EXPECT_OK("chain_of_40", stat("c39", &st));
	EXPECT_ERR("chain_of_41", stat("c40", &st), ELOOP);
	EXPECT_ERR("chain_of_42", stat("c41", &st), ELOOP);

	/* symlinkat. */
	int dfd = OK(open("d", O_RDONLY | O_DIRECTORY));
	EXPECT_OK("symlinkat_dirfd", symlinkat("../file", dfd, "viafd"));
	EXPECT_TRUE("symlinkat_follows", stat("d/viafd", &st) == 0 && S_ISREG(st.st_mode));
	EXPECT_ERR("symlinkat_bad_dirfd", symlinkat("x", 9999, "y"), EBADF);
	int ffd = OK(open("file", O_RDONLY));
	EXPECT_ERR("symlinkat_file_dirfd", symlinkat("x", ffd, "y"), ENOTDIR);
	OK(close(ffd));
	OK(close(dfd));

	/* Refusals. */
	EXPECT_ERR("exists", symlink("x", "file"), EEXIST);
	EXPECT_ERR("exists_symlink", symlink("x", "sl"), EEXIST);
	EXPECT_ERR("exists_dangling", symlink("x", "dl"), EEXIST);
	EXPECT_ERR("exists_dir", symlink("x", "d"), EEXIST);
	EXPECT_ERR("exists_dir_slash", symlink("x", "d/"), EEXIST);
	EXPECT_ERR("new_slash", symlink("x", "newname/"), ENOENT);
	EXPECT_ERR("dot", symlink("x", "."), EEXIST);
	EXPECT_ERR("empty_target", symlink("", "empty"), ENOENT);
	EXPECT_ERR("empty_name", symlink("x", ""), ENOENT);
	EXPECT_ERR("missing_parent", symlink("x", "nope/y"), ENOENT);
	EXPECT_ERR("parent_is_file", symlink("x", "file/y"), ENOTDIR);
	EXPECT_ERR("through_loop", symlink("x", "self/y"), ELOOP);
	char longname[300];
	memset(longname, 'n', 256);
	longname[256] = 0;
	EXPECT_ERR("name_256", symlink("x", longname), ENAMETOOLONG);
	char *huge = malloc(5000);
	memset(huge, 'h', 4999);
	huge[4999] = 0;
	EXPECT_ERR("target_too_long", symlink(huge, "huge"), ENAMETOOLONG);
	free(huge);
	EXPECT_ERR("bad_target_pointer", syscall(SYS_symlink, BADPTR, "y"), EFAULT);
	EXPECT_ERR("bad_name_pointer", syscall(SYS_symlink, "x", BADPTR), EFAULT);

	printf("top: %s\n", list_names(".", names, sizeof(names)));
	printf("d: %s\n", list_names("d", names, sizeof(names)));
	scratch_leave();
	return done();
}
