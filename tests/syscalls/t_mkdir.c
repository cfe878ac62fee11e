/* mkdir, mkdirat, rmdir: modes after the umask, link counts of the new directory and its
 * parent, set-group-id directories, and the errno of every refusal, as root and as nobody. */
#define _GNU_SOURCE
#include "scratch.h"

static void nobody_checks(void)
{
	/* "ro" is root's 0755 directory: no write permission for nobody. */
	EXPECT_ERR("nobody_mkdir_in_0755", mkdir("ro/x", 0755), EACCES);
	EXPECT_ERR("nobody_rmdir_in_0755", rmdir("ro/sub"), EACCES);
	/* An existing name is EEXIST even where nobody may not write. */
	EXPECT_ERR("nobody_mkdir_existing_in_0755", mkdir("ro/sub", 0755), EEXIST);
	/* Search permission is needed to reach a name. */
	EXPECT_ERR("nobody_mkdir_under_0700", mkdir("priv/x", 0755), EACCES);
	EXPECT_OK("nobody_mkdir_in_0777", mkdir("open/mine", 0700));
	struct stat st = lst("open/mine");
	EXPECT_TRUE("nobody_dir_owned_by_nobody", st.st_uid == NOBODY && st.st_gid == NOBODY);
	EXPECT_OK("nobody_rmdir_own", rmdir("open/mine"));
	/* Not sticky: nobody may remove root's empty directory in a 0777 directory. */
	EXPECT_OK("nobody_rmdir_roots_in_0777", rmdir("open/roots"));
	/* Sticky: not someone else's. */
	EXPECT_ERR("nobody_rmdir_roots_in_sticky", rmdir("sticky/roots"), EPERM);
}

int main(void)
{
	char names[256];
	scratch_enter("mkdir");
	struct stat top0 = lst(".");

	/* A new directory: two links, the parent one more; the umask applies. */
	EXPECT_OK("mkdir", mkdir("d", 0777));
	struct stat st = lst("d");
	EXPECT_TRUE("is_dir", S_ISDIR(st.st_mode));
	EXPECT_MODE("mode_after_umask_022", st.st_mode & 07777, 0755);
	EXPECT_VAL("new_dir_nlink", st.st_nlink, 2);
	EXPECT_VAL("parent_nlink_grew", lst(".").st_nlink - top0.st_nlink, 1);
	EXPECT_TRUE("owned_by_root", st.st_uid == 0 && st.st_gid == 0);
	EXPECT_TRUE("dotdot_is_parent", lst("d/..").st_ino == top0.st_ino);

	umask(077);
	EXPECT_OK("mkdir_umask_077", mkdir("d077", 0777));
	EXPECT_MODE("mode_after_umask_077", lst("d077").st_mode & 07777, 0700);
	umask(0);
	EXPECT_OK("mkdir_sticky", mkdir("dsticky", 01777));
	EXPECT_MODE("sticky_bit_kept", lst("dsticky").st_mode & 07777, 01777);
	EXPECT_OK("mkdir_setid_bits", mkdir("dsetid", 06777));
	EXPECT_MODE("setid_bits_dropped", lst("dsetid").st_mode & 07777, 0777);
	EXPECT_OK("mkdir_mode_0", mkdir("d0", 0));
	EXPECT_VAL("mode_0", lst("d0").st_mode & 07777, 0);
	umask(022);

	/* Nested directories and link counts. */
	OK(mkdir("d/a", 0755));
	OK(mkdir("d/b", 0755));
	EXPECT_VAL("nlink_with_two_subdirs", lst("d").st_nlink, 4);
	OK(mknod("d/f", S_IFREG | 0644, 0));
	EXPECT_VAL("nlink_file_does_not_count", lst("d").st_nlink, 4);
	EXPECT_OK("mkdir_trailing_slash", mkdir("d/c/", 0755));
	EXPECT_OK("mkdir_trailing_slashes", mkdir("d/e//", 0755));
	EXPECT_OK("mkdir_dot_components", mkdir("./d/../d/./g", 0755));
	printf("listing: %s\n", list_names("d", names, sizeof(names)));

	/* mkdirat with directory fds. */
	int dfd = OK(open("d", O_RDONLY | O_DIRECTORY));
	EXPECT_OK("mkdirat_dirfd", mkdirat(dfd, "h", 0750));
	EXPECT_MODE("mkdirat_mode", lst("d/h").st_mode & 07777, 0750);
	int pfd = OK(open("d", O_PATH | O_DIRECTORY));
	EXPECT_OK("mkdirat_o_path_dirfd", mkdirat(pfd, "i", 0755));
	int ffd = OK(open("d/f", O_RDONLY));
	EXPECT_ERR("mkdirat_file_dirfd", mkdirat(ffd, "x", 0755), ENOTDIR);
	EXPECT_ERR("mkdirat_bad_dirfd", mkdirat(9999, "x", 0755), EBADF);
	EXPECT_OK(
	    "mkdirat_absolute_ignores_dirfd",
	    mkdirat(9999, (snprintf(names, sizeof(names), "%s/abs", scratch_path), names), 0755));
	OK(close(ffd));
	OK(close(pfd));

	/* Refusals. */
	EXPECT_ERR("exists_dir", mkdir("d", 0755), EEXIST);
	EXPECT_ERR("exists_file", mkdir("d/f", 0755), EEXIST);
	EXPECT_ERR("exists_file_trailing_slash", mkdir("d/f/", 0755), EEXIST);
	EXPECT_ERR("dot", mkdir(".", 0755), EEXIST);
	EXPECT_ERR("dotdot", mkdir("..", 0755), EEXIST);
	EXPECT_ERR("d_dot", mkdir("d/.", 0755), EEXIST);
	EXPECT_ERR("root", mkdir("/", 0755), EEXIST);
	EXPECT_ERR("empty", mkdir("", 0755), ENOENT);
	EXPECT_ERR("missing_parent", mkdir("nope/x", 0755), ENOENT);
	EXPECT_ERR("parent_is_file", mkdir("d/f/x", 0755), ENOTDIR);
	OK(symlink("nowhere", "dangling"));
	EXPECT_ERR("on_dangling_symlink", mkdir("dangling", 0755), EEXIST);
	EXPECT_ERR("on_dangling_symlink_slash", mkdir("dangling/", 0755), EEXIST);
	OK(symlink("d", "tod"));
	EXPECT_ERR("on_symlink_to_dir", mkdir("tod", 0755), EEXIST);
	EXPECT_OK("through_symlink_to_dir", mkdir("tod/viasym", 0755));
	EXPECT_TRUE("created_in_target", S_ISDIR(lst("d/viasym").st_mode));
	OK(symlink("loop", "loop"));
	EXPECT_ERR("through_symlink_loop", mkdir("loop/x", 0755), ELOOP);
	EXPECT_ERR("on_symlink_loop", mkdir("loop", 0755), EEXIST);
	char longname[300];
	memset(longname, 'n', 256);
	longname[256] = 0;
	EXPECT_ERR("name_256", mkdir(longname, 0755), ENAMETOOLONG);
	longname[255] = 0;
	EXPECT_OK("name_255", mkdir(longname, 0755));
	EXPECT_OK("rmdir_name_255", rmdir(longname));
	char *huge = malloc(5000);
	memset(huge, 'p', 4999);
	huge[4999] = 0;
	for (int i = 100; i < 4999; i += 100)
		huge[i] = '/';
	EXPECT_ERR("path_too_long", mkdir(huge, 0755), ENAMETOOLONG);
	free(huge);
	EXPECT_ERR("bad_pointer", syscall(SYS_mkdir, BADPTR, 0755), EFAULT);

	/* rmdir. */
	struct stat d0 = lst("d");
	EXPECT_OK("rmdir", rmdir("d/a"));
	EXPECT_ERR("rmdir_gone", lstat("d/a", &st), ENOENT);
	EXPECT_VAL("parent_nlink_after_rmdir", d0.st_nlink - lst("d").st_nlink, 1);
	EXPECT_OK("rmdir_trailing_slash", rmdir("d/b/"));
	EXPECT_ERR("rmdir_missing", rmdir("d/a"), ENOENT);
	EXPECT_ERR("rmdir_file", rmdir("d/f"), ENOTDIR);
	EXPECT_ERR("rmdir_file_slash", rmdir("d/f/"), ENOTDIR);
	EXPECT_ERR("rmdir_nonempty", rmdir("d"), ENOTEMPTY);
	EXPECT_ERR("rmdir_dot", rmdir("d/c/."), EINVAL);
	EXPECT_ERR("rmdir_plain_dot", rmdir("."), EINVAL);
	EXPECT_ERR("rmdir_dotdot", rmdir("d/c/.."), ENOTEMPTY);
	EXPECT_ERR("rmdir_root", rmdir("/"), EBUSY);
	EXPECT_ERR("rmdir_symlink_to_dir", rmdir("tod"), ENOTDIR);
	EXPECT_ERR("rmdir_through_symlink_slash", rmdir("tod/"), ENOTDIR);
	EXPECT_ERR("rmdir_empty", rmdir(""), ENOENT);
	EXPECT_ERR("rmdir_parent_is_file", rmdir("d/f/x"), ENOTDIR);
	EXPECT_OK("unlinkat_removedir", unlinkat(dfd, "c", AT_REMOVEDIR));
	EXPECT_OK("rmdir_mode_0", rmdir("d0"));

	/* A removed directory stays usable as an open fd, but nothing can be created in it. */
	OK(mkdir("doomed", 0755));
	int doomed = OK(open("doomed", O_RDONLY | O_DIRECTORY));
	EXPECT_OK("rmdir_open_dir", rmdir("doomed"));
	OK(fstat(doomed, &st));
	EXPECT_VAL("removed_dir_nlink", st.st_nlink, 0);
	EXPECT_ERR("mkdirat_in_removed", mkdirat(doomed, "x", 0755), ENOENT);
	EXPECT_OK("recreate_same_name", mkdir("doomed", 0755));
	EXPECT_TRUE("recreated_is_empty_dir", lst("doomed").st_nlink == 2);
	OK(close(doomed));
	OK(close(dfd));

	/* A set-group-id directory: children take its group, subdirectories its bit. */
	OK(mkdir("sgid", 0755));
	OK(chown("sgid", 0, NOBODY));
	OK(chmod("sgid", 02755));
	EXPECT_OK("mkdir_in_sgid", mkdir("sgid/sub", 0755));
	st = lst("sgid/sub");
	EXPECT_TRUE("sgid_child_group", st.st_gid == NOBODY);
	EXPECT_MODE("sgid_child_mode", st.st_mode & 07777, 02755);
	touch("sgid/file", 0644);
	st = lst("sgid/file");
	EXPECT_TRUE("sgid_file_group", st.st_gid == NOBODY);
	EXPECT_MODE("sgid_file_mode", st.st_mode & 07777, 0644);

	/* As nobody. */
	OK(mkdir("ro", 0755));
	OK(mkdir("ro/sub", 0755));
	OK(mkdir("priv", 0700));
	OK(mkdir("open", 0777));
	OK(chmod("open", 0777));
	OK(mkdir("open/roots", 0755));
	OK(mkdir("sticky", 0777));
	OK(chmod("sticky", 01777));
	OK(mkdir("sticky/roots", 0755));
	run_as_nobody("nobody", nobody_checks);

	scratch_leave();
	return done();
}
