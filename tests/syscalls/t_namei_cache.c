/* Names looked up before a change must resolve to what is there after it: renames (plain
 * and RENAME_EXCHANGE) of directories whose children were looked up, names removed and made
 * again with another type, removed directories still open or still the cwd. */
#define _GNU_SOURCE
#include "scratch.h"

#include <linux/fs.h>
#include <stdbool.h>

static bool is_reg(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_missing(const char *path)
{
	struct stat st;
	return lstat(path, &st) == -1 && errno == ENOENT;
}

int main(void)
{
	char names[256], buf[256];
	struct stat st;
	scratch_enter("namei-cache");

	/* A renamed directory: its children move with it, its old name is free. */
	OK(mkdir("a", 0755));
	OK(mkdir("a/sub", 0755));
	put("a/sub/f", "f");
	CHECK(is_reg("a/sub/f"));
	OK(rename("a", "b"));
	EXPECT_TRUE("old_path_gone", is_missing("a/sub/f") && is_missing("a"));
	EXPECT_TRUE("new_path_there", is_reg("b/sub/f"));
	OK(mkdir("a", 0755));
	EXPECT_TRUE("new_a_empty", is_missing("a/sub"));
	printf("a: [%s]\n", list_names("a", names, sizeof(names)));
	printf("b: [%s]\n", list_names("b", names, sizeof(names)));

	/* RENAME_EXCHANGE of two directories with looked-up children. */
	put("a/x", "x");
	CHECK(is_reg("a/x") && is_reg("b/sub/f"));
	OK(syscall(SYS_renameat2, AT_FDCWD, "a", AT_FDCWD, "b", RENAME_EXCHANGE));
	EXPECT_TRUE("exchange_a_has_sub", is_reg("a/sub/f") && is_missing("a/x"));
	EXPECT_TRUE("exchange_b_has_x", is_reg("b/x") && is_missing("b/sub"));
	printf("a: [%s]\n", list_names("a", names, sizeof(names)));
	printf("b: [%s]\n", list_names("b", names, sizeof(names)));

	/* A file removed, its name made again as a directory, then as a symlink. */
	CHECK(is_reg("b/x"));
	OK(unlink("b/x"));
	OK(mkdir("b/x", 0755));
	EXPECT_TRUE("file_became_dir", S_ISDIR(lst("b/x").st_mode));
	OK(rmdir("b/x"));
	OK(symlink("../a/sub/f", "b/x"));
	EXPECT_TRUE("dir_became_symlink", S_ISLNK(lst("b/x").st_mode) && is_reg("b/x"));

	/* A file replaced by rename: the name gives the new file, an open fd the old one. */
	put("old", "old content");
	put("new", "new");
	int oldfd = OK(open("old", O_RDONLY));
	OK(rename("new", "old"));
	int fd = OK(open("old", O_RDONLY));
	EXPECT_VAL("name_gives_new", read(fd, buf, sizeof(buf)), 3);
	OK(close(fd));
	EXPECT_VAL("fd_keeps_old", read(oldfd, buf, sizeof(buf)), 11);
	OK(fstat(oldfd, &st));
	EXPECT_VAL("old_nlink", st.st_nlink, 0);
	OK(close(oldfd));
	EXPECT_TRUE("new_name_gone", is_missing("new"));

	/* A directory replaced by rename, still open: nothing can be made in it any more. */
	OK(mkdir("d1", 0755));
	OK(mkdir("d2", 0755));
	int d2 = OK(open("d2", O_RDONLY | O_DIRECTORY));
	OK(rename("d1", "d2"));
	OK(fstat(d2, &st));
	EXPECT_VAL("replaced_dir_nlink", st.st_nlink, 0);
	EXPECT_ERR("create_in_replaced_dir", openat(d2, "x", O_WRONLY | O_CREAT, 0644), ENOENT);
	EXPECT_ERR("mkdir_in_replaced_dir", mkdirat(d2, "x", 0755), ENOENT);
	EXPECT_OK("create_in_new_d2", mknod("d2/x", S_IFREG | 0644, 0));
	OK(close(d2));

	/* The cwd removed: nothing can be made in it. */
	OK(mkdir("gone", 0755));
	OK(chdir("gone"));
	OK(rmdir("../gone"));
	EXPECT_ERR("create_in_removed_cwd", open("x", O_WRONLY | O_CREAT, 0644), ENOENT);
	EXPECT_ERR("stat_dot_dot_dot", stat("./x", &st), ENOENT);
	EXPECT_TRUE("dot_is_empty_dir", stat(".", &st) == 0 && st.st_nlink == 0);
	OK(chdir(scratch_path));

	/* A hard link renamed: both names stay one file. */
	put("h1", "h");
	OK(link("h1", "h2"));
	OK(rename("h2", "a/h3"));
	EXPECT_TRUE("link_moved", lst("h1").st_ino == lst("a/h3").st_ino);
	EXPECT_VAL("link_count", lst("h1").st_nlink, 2);
	OK(unlink("h1"));
	EXPECT_VAL("link_count_after_unlink", lst("a/h3").st_nlink, 1);

	/* Many renames in a row through one directory. */
	put("r0", "r");
	for (int i = 0; i < 50; i++) {
		char from[16], to[16];
		snprintf(from, sizeof(from), "r%d", i);
		snprintf(to, sizeof(to), "r%d", i + 1);
		CHECK(rename(from, to) == 0);
		CHECK(is_missing(from) && is_reg(to));
	}
	EXPECT_TRUE("after_50_renames", is_reg("r50") && is_missing("r0"));
	printf("top: [%s]\n", list_names(".", names, sizeof(names)));
	printf("a: [%s]\n", list_names("a", names, sizeof(names)));

	scratch_leave();
	return done();
}
