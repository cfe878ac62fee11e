/* link and linkat: link counts, shared inodes, symlinks followed or not (AT_SYMLINK_FOLLOW),
 * AT_EMPTY_PATH, and the errno of every refusal (EPERM for directories, EXDEV across mounts). */
#define _GNU_SOURCE
#include "scratch.h"

static int roots_fd; /* opened by root before the child dropped its credentials */

static void nobody_checks(void)
{
	EXPECT_ERR("nobody_link_into_0755", link("mine", "ro/x"), EACCES);
	EXPECT_OK("nobody_link_own_file", link("mine", "open/mine2"));
	/* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH (since Linux 6.10, or an fd opened with the
	 * caller's own credentials: not tested, older kernels refuse that too). */
	EXPECT_ERR("nobody_empty_path", linkat(roots_fd, "", AT_FDCWD, "open/viafd", AT_EMPTY_PATH),
		   ENOENT);
}

int main(void)
{
	char names[256], buf[16];
	scratch_enter("link");

	put("f", "data");
	struct stat f0 = lst("f");
	EXPECT_VAL("nlink_1", f0.st_nlink, 1);
	wait_past(f0.st_ctim);
	EXPECT_OK("link", link("f", "g"));
	struct stat f1 = lst("f"), g = lst("g");
	EXPECT_TRUE("same_inode", f1.st_ino == g.st_ino && f1.st_dev == g.st_dev);
	EXPECT_VAL("nlink_2", f1.st_nlink, 2);
	EXPECT_TRUE("ctime_moved", ts_cmp(f1.st_ctim, f0.st_ctim) > 0);
	EXPECT_TRUE("mtime_kept", ts_cmp(f1.st_mtim, f0.st_mtim) == 0);
	/* A write through one name is seen through the other. */
	int fd = OK(open("g", O_WRONLY | O_APPEND));
	CHECK_EQ(write(fd, "+", 1), 1);
	OK(close(fd));
	fd = OK(open("f", O_RDONLY));
	EXPECT_VAL("shared_data", read(fd, buf, sizeof(buf)), 5);
	OK(close(fd));
	OK(mkdir("d", 0755));
	EXPECT_OK("link_into_subdir", link("f", "d/h"));
	EXPECT_VAL("nlink_3", lst("f").st_nlink, 3);
	EXPECT_VAL("dir_nlink_unchanged", lst("d").st_nlink, 2);
	OK(unlink("f"));
	EXPECT_VAL("nlink_after_unlink", lst("g").st_nlink, 2);
	printf("listing: %s\n", list_names(".", names, sizeof(names)));

	/* Symlinks: link() links the symlink itself; AT_SYMLINK_FOLLOW its target. */
	OK(symlink("g", "sl"));
	EXPECT_OK("link_symlink", link("sl", "sl_hard"));
	EXPECT_TRUE("symlink_itself", S_ISLNK(lst("sl_hard").st_mode));
	EXPECT_VAL("symlink_nlink", lst("sl").st_nlink, 2);
	EXPECT_OK("linkat_nofollow", linkat(AT_FDCWD, "sl", AT_FDCWD, "sl_hard2", 0));
	EXPECT_TRUE("linkat_nofollow_symlink", S_ISLNK(lst("sl_hard2").st_mode));
	EXPECT_OK("linkat_follow", linkat(AT_FDCWD, "sl", AT_FDCWD, "followed", AT_SYMLINK_FOLLOW));
	EXPECT_TRUE("linkat_follow_target", lst("followed").st_ino == lst("g").st_ino);
	EXPECT_VAL("target_nlink", lst("g").st_nlink, 3);
	OK(symlink("nowhere", "dangling"));
	EXPECT_OK("link_dangling", link("dangling", "dangling2"));
	EXPECT_ERR("follow_dangling",
		   linkat(AT_FDCWD, "dangling", AT_FDCWD, "x", AT_SYMLINK_FOLLOW), ENOENT);

	/* linkat with directory fds and AT_EMPTY_PATH. */
	int dfd = OK(open("d", O_RDONLY | O_DIRECTORY));
	EXPECT_OK("linkat_dirfds", linkat(dfd, "h", AT_FDCWD, "fromd", 0));
	EXPECT_OK("linkat_into_dirfd", linkat(AT_FDCWD, "g", dfd, "intod", 0));
	fd = OK(open("g", O_RDONLY));
	EXPECT_OK("linkat_empty_path", linkat(fd, "", AT_FDCWD, "viafd", AT_EMPTY_PATH));
	EXPECT_TRUE("viafd_same_inode", lst("viafd").st_ino == lst("g").st_ino);
	EXPECT_ERR("linkat_empty_without_flag", linkat(fd, "", AT_FDCWD, "viafd2", 0), ENOENT);
	OK(close(fd));
	fd = OK(open("g", O_PATH));
	EXPECT_OK("linkat_empty_path_o_path", linkat(fd, "", AT_FDCWD, "viaopath", AT_EMPTY_PATH));
	OK(close(fd));
	/* An open file whose last name is gone cannot get a new one. */
	put("temp", "t");
	fd = OK(open("temp", O_RDONLY));
	OK(unlink("temp"));
	EXPECT_ERR("linkat_unlinked_fd", linkat(fd, "", AT_FDCWD, "revived", AT_EMPTY_PATH),
		   ENOENT);
	OK(close(fd));
	EXPECT_ERR("linkat_bad_flag", linkat(AT_FDCWD, "g", AT_FDCWD, "x", 0x2), EINVAL);
	EXPECT_ERR("linkat_bad_dirfd", linkat(9999, "g", AT_FDCWD, "x", 0), EBADF);
	EXPECT_ERR("linkat_bad_new_dirfd", linkat(AT_FDCWD, "g", 9999, "x", 0), EBADF);

	/* Refusals. */
	EXPECT_ERR("exists", link("g", "d/h"), EEXIST);
	EXPECT_ERR("exists_self", link("g", "g"), EEXIST);
	EXPECT_ERR("exists_dangling_symlink", link("g", "dangling"), EEXIST);
	EXPECT_ERR("missing", link("nope", "x"), ENOENT);
	EXPECT_ERR("missing_new_parent", link("g", "nope/x"), ENOENT);
	EXPECT_ERR("new_parent_is_file", link("g", "g/x"), ENOTDIR);
	EXPECT_ERR("old_slash", link("g/", "x"), ENOTDIR);
	EXPECT_ERR("new_slash", link("g", "x/"), ENOENT);
	EXPECT_ERR("directory", link("d", "d2"), EPERM);
	EXPECT_ERR("directory_dot", link(".", "d2"), EPERM);
	EXPECT_ERR("new_dot", link("g", "."), EEXIST);
	EXPECT_ERR("new_dotdot", link("g", "d/.."), EEXIST);
	EXPECT_ERR("new_root", link("g", "/"), EEXIST);
	EXPECT_ERR("empty_old", link("", "x"), ENOENT);
	EXPECT_ERR("empty_new", link("g", ""), ENOENT);
	OK(symlink("loop", "loop"));
	EXPECT_ERR("through_loop", link("loop/x", "y"), ELOOP);
	EXPECT_ERR("follow_loop", linkat(AT_FDCWD, "loop", AT_FDCWD, "y", AT_SYMLINK_FOLLOW),
		   ELOOP);
	char longname[300];
	memset(longname, 'n', 256);
	longname[256] = 0;
	EXPECT_ERR("name_256", link("g", longname), ENAMETOOLONG);
	EXPECT_ERR("bad_pointer", syscall(SYS_link, "g", BADPTR), EFAULT);
	/* /dev/null is on another mount. */
	EXPECT_ERR("cross_mount", link("/dev/null", "null"), EXDEV);
	EXPECT_VAL("links_in_the_end", lst("g").st_nlink, 7);
	printf("d: %s\n", list_names("d", names, sizeof(names)));
	printf("top: %s\n", list_names(".", names, sizeof(names)));
	OK(close(dfd));

	/* As nobody. */
	OK(mkdir("ro", 0755));
	OK(mkdir("open", 0777));
	OK(chmod("open", 0777));
	touch("mine", 0644);
	OK(chown("mine", NOBODY, NOBODY));
	roots_fd = OK(open("mine", O_RDONLY));
	run_as_nobody("nobody", nobody_checks);
	OK(close(roots_fd));
	EXPECT_VAL("mine_nlink", lst("mine").st_nlink, 2);

	scratch_leave();
	return done();
}
