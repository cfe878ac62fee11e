/* rename, renameat, renameat2 (RENAME_NOREPLACE, RENAME_EXCHANGE): replacing files and empty
 * directories, link counts of the directories involved, the names seen afterwards through
 * paths, directory fds and listings, and the errno of every refusal. */
#define _GNU_SOURCE
#include "scratch.h"

#include <linux/fs.h>

static long renameat2_raw(int od, const char *o, int nd, const char *n, unsigned flags)
{
	return syscall(SYS_renameat2, od, o, nd, n, flags);
}

static void nobody_checks(void)
{
	EXPECT_ERR("nobody_rename_in_0755", rename("ro/f", "ro/g"), EACCES);
	EXPECT_ERR("nobody_rename_out_of_0755", rename("ro/f", "open/g"), EACCES);
	EXPECT_ERR("nobody_rename_into_0755", rename("open/mine", "ro/mine"), EACCES);
	EXPECT_ERR("nobody_rename_roots_in_sticky", rename("sticky/f", "sticky/g"), EPERM);
	EXPECT_ERR("nobody_replace_roots_in_sticky", rename("sticky/nobodys", "sticky/f"), EPERM);
	EXPECT_OK("nobody_rename_own_in_sticky", rename("sticky/nobodys", "sticky/n2"));
	EXPECT_OK("nobody_rename_roots_in_0777", rename("open/f", "open/g"));
	/* A directory changing parent has its ".." rewritten: it needs write permission on the
	 * directory itself, which nobody lacks on root's 0755 directory. */
	EXPECT_ERR("nobody_move_roots_dir", rename("open/rootdir", "open2/rootdir"), EACCES);
	EXPECT_OK("nobody_rename_roots_dir_same_parent", rename("open/rootdir", "open/rootdir2"));
	EXPECT_OK("nobody_move_own_dir", rename("open/nobodydir", "open2/nobodydir"));
}

int main(void)
{
	char names[256], buf[64];
	struct stat st;
	scratch_enter("rename");

	/* A file to a new name: the same inode, the old name gone. */
	OK(mkdir("d", 0755));
	put("d/a", "alpha");
	put("d/b", "beta");
	struct stat a0 = lst("d/a");
	struct stat d0 = lst("d");
	wait_past(a0.st_ctim);
	EXPECT_OK("rename_file", rename("d/a", "d/x"));
	struct stat x = lst("d/x");
	EXPECT_TRUE("same_inode", x.st_ino == a0.st_ino);
	EXPECT_ERR("old_name_gone", lstat("d/a", &st), ENOENT);
	printf("listing: %s\n", list_names("d", names, sizeof(names)));
	EXPECT_TRUE("file_ctime_moved", ts_cmp(x.st_ctim, a0.st_ctim) > 0);
	EXPECT_TRUE("file_mtime_kept", ts_cmp(x.st_mtim, a0.st_mtim) == 0);
	EXPECT_TRUE("dir_mtime_moved", ts_cmp(lst("d").st_mtim, d0.st_mtim) > 0);

	/* Replacing a file: the target's inode loses its name, an open fd keeps it. */
	int bfd = OK(open("d/b", O_RDONLY));
	EXPECT_OK("replace_file", rename("d/x", "d/b"));
	EXPECT_TRUE("target_is_source_inode", lst("d/b").st_ino == a0.st_ino);
	OK(fstat(bfd, &st));
	EXPECT_VAL("replaced_nlink", st.st_nlink, 0);
	EXPECT_VAL("replaced_still_readable", pread(bfd, buf, sizeof(buf), 0), 4);
	OK(close(bfd));
	printf("after_replace: %s\n", list_names("d", names, sizeof(names)));
	EXPECT_VAL("content", (OK(bfd = open("d/b", O_RDONLY)), read(bfd, buf, sizeof(buf))), 5);
	OK(close(bfd));

	/* Directories: link counts of the old and new parents, "..", and the subtree moving. */
	OK(mkdir("p1", 0755));
	OK(mkdir("p2", 0755));
	OK(mkdir("p1/sub", 0755));
	put("p1/sub/inner", "in");
	EXPECT_VAL("p1_nlink_before", lst("p1").st_nlink, 3);
	EXPECT_OK("move_dir", rename("p1/sub", "p2/moved"));
	EXPECT_VAL("p1_nlink_after", lst("p1").st_nlink, 2);
	EXPECT_VAL("p2_nlink_after", lst("p2").st_nlink, 3);
	EXPECT_TRUE("dotdot_is_new_parent", lst("p2/moved/..").st_ino == lst("p2").st_ino);
	EXPECT_TRUE("subtree_moved", S_ISREG(lst("p2/moved/inner").st_mode));
	EXPECT_ERR("old_subtree_gone", lstat("p1/sub/inner", &st), ENOENT);
	EXPECT_OK("rename_dir_same_parent", rename("p2/moved", "p2/m2"));
	EXPECT_VAL("p2_nlink_same", lst("p2").st_nlink, 3);

	/* A directory fd, and the cwd, follow their directory. */
	int dfd = OK(open("p2/m2", O_RDONLY | O_DIRECTORY));
	OK(rename("p2", "p3"));
	EXPECT_TRUE("dirfd_follows", fstatat(dfd, "inner", &st, 0) == 0 && S_ISREG(st.st_mode));
	int up = OK(openat(dfd, "..", O_RDONLY | O_DIRECTORY));
	OK(fstat(up, &st));
	EXPECT_TRUE("dirfd_parent_is_renamed", st.st_ino == lst("p3").st_ino);
	OK(close(up));
	OK(chdir("p3/m2"));
	OK(rename("../../p3", "../../p4"));
	CHECK(getcwd(buf, sizeof(buf)) != NULL);
	size_t bl = strlen(buf);
	EXPECT_TRUE("getcwd_after_rename", bl > 6 && strcmp(buf + bl - 6, "/p4/m2") == 0);
	EXPECT_TRUE("dotdot_from_cwd", lst("..").st_ino == lst("../../p4").st_ino);
	OK(chdir(scratch_path));
	/* The old name is free again and takes a new directory. */
	EXPECT_OK("reuse_old_name", mkdir("p2", 0755));
	EXPECT_VAL("reused_is_empty", lst("p2").st_nlink, 2);
	EXPECT_ERR("reused_has_no_m2", lstat("p2/m2", &st), ENOENT);
	OK(close(dfd));

	/* A directory over an empty directory; over a non-empty one. */
	OK(mkdir("e1", 0755));
	OK(mkdir("e2", 0755));
	OK(mkdir("full", 0755));
	touch("full/f", 0644);
	struct stat e1 = lst("e1"), top0 = lst(".");
	EXPECT_OK("dir_over_empty_dir", rename("e1", "e2"));
	EXPECT_TRUE("replaced_by_source", lst("e2").st_ino == e1.st_ino);
	EXPECT_VAL("top_nlink_dropped", top0.st_nlink - lst(".").st_nlink, 1);
	EXPECT_ERR("dir_over_nonempty", rename("e2", "full"), ENOTEMPTY);
	EXPECT_ERR("file_over_dir", rename("d/b", "e2"), EISDIR);
	EXPECT_ERR("dir_over_file", rename("e2", "d/b"), ENOTDIR);
	EXPECT_ERR("dir_into_itself", rename("e2", "e2/x"), EINVAL);
	OK(mkdir("e2/deep", 0755));
	EXPECT_ERR("dir_into_descendant", rename("e2", "e2/deep/x"), EINVAL);
	EXPECT_ERR("dir_over_its_parent", rename("e2/deep", "e2"), ENOTEMPTY);
	EXPECT_ERR("dir_over_its_ancestor", rename("e2/deep", "."), EBUSY);

	/* Renaming onto itself or onto another link of the same inode: nothing happens. */
	EXPECT_OK("same_name", rename("d/b", "d/b"));
	OK(link("d/b", "d/hard"));
	EXPECT_OK("onto_hard_link", rename("d/b", "d/hard"));
	EXPECT_TRUE("both_links_kept", lst("d/b").st_nlink == 2 && lst("d/hard").st_nlink == 2);
	EXPECT_OK("dir_same_name", rename("e2", "e2"));

	/* Symlinks are renamed, not followed. */
	OK(symlink("d", "sl"));
	EXPECT_OK("rename_symlink", rename("sl", "sl2"));
	EXPECT_TRUE("still_symlink", S_ISLNK(lst("sl2").st_mode));
	EXPECT_TRUE("target_untouched", S_ISDIR(lst("d").st_mode));
	EXPECT_OK("file_over_symlink", rename("d/hard", "sl2"));
	EXPECT_TRUE("symlink_replaced", S_ISREG(lst("sl2").st_mode));

	/* Trailing slashes: directories only. */
	EXPECT_OK("dir_slash_both", rename("e2/", "e3/"));
	EXPECT_ERR("file_slash_old", rename("sl2/", "zz"), ENOTDIR);
	EXPECT_ERR("file_slash_new", rename("sl2", "zz/"), ENOTDIR);
	EXPECT_ERR("file_slash_new_exists", rename("sl2", "d/b/"), ENOTDIR);
	OK(symlink("e3", "tod"));
	EXPECT_ERR("symlink_to_dir_slash", rename("tod/", "tod2"), ENOTDIR);

	/* Other refusals. */
	EXPECT_ERR("missing", rename("nope", "x"), ENOENT);
	EXPECT_ERR("missing_new_parent", rename("e3", "nope/x"), ENOENT);
	EXPECT_ERR("new_parent_is_file", rename("e3", "d/b/x"), ENOTDIR);
	EXPECT_ERR("old_dot", rename(".", "x"), EBUSY);
	EXPECT_ERR("old_dotdot", rename("e3/..", "x"), EBUSY);
	EXPECT_ERR("new_dot", rename("e3", "d/."), EBUSY);
	EXPECT_ERR("new_dotdot", rename("e3", "d/.."), EBUSY);
	EXPECT_ERR("old_root", rename("/", "x"), EBUSY);
	EXPECT_ERR("empty_old", rename("", "x"), ENOENT);
	EXPECT_ERR("empty_new", rename("e3", ""), ENOENT);
	OK(symlink("loop", "loop"));
	EXPECT_ERR("through_loop", rename("loop/x", "y"), ELOOP);
	EXPECT_OK("loop_itself", rename("loop", "loop2"));
	char longname[300];
	memset(longname, 'n', 256);
	longname[256] = 0;
	EXPECT_ERR("name_256", rename("e3", longname), ENAMETOOLONG);
	longname[255] = 0;
	EXPECT_OK("name_255", rename("e3", longname));
	EXPECT_OK("name_255_back", rename(longname, "e3"));
	EXPECT_ERR("bad_pointer", syscall(SYS_rename, "e3", BADPTR), EFAULT);
	/* /dev is another mount: EXDEV before anything else is looked at. */
	EXPECT_ERR("cross_mount", rename("d/b", "/dev/cvisor-rename-test"), EXDEV);
	EXPECT_ERR("cross_mount_missing", rename("d/nope", "/dev/cvisor-rename-test"), EXDEV);
	/* A mountpoint cannot be renamed. */
	EXPECT_ERR("mountpoint", rename("/dev", "mnt"), EBUSY);

	/* renameat with directory fds. */
	int d = OK(open("d", O_RDONLY | O_DIRECTORY));
	int e = OK(open("e3", O_RDONLY | O_DIRECTORY));
	EXPECT_OK("renameat_across_dirfds", renameat(d, "b", e, "b"));
	EXPECT_TRUE("renameat_result", S_ISREG(lst("e3/b").st_mode));
	EXPECT_OK("renameat_back_cwd", renameat(e, "b", AT_FDCWD, "d/b"));
	EXPECT_ERR("renameat_bad_dirfd", renameat(9999, "b", d, "c"), EBADF);
	int f = OK(open("d/b", O_RDONLY));
	EXPECT_ERR("renameat_file_dirfd", renameat(f, "b", d, "c"), ENOTDIR);
	OK(close(f));

	/* RENAME_NOREPLACE. */
	put("n1", "one");
	put("n2", "two");
	EXPECT_ERR("noreplace_exists",
		   renameat2_raw(AT_FDCWD, "n1", AT_FDCWD, "n2", RENAME_NOREPLACE), EEXIST);
	EXPECT_ERR("noreplace_dot", renameat2_raw(AT_FDCWD, "n1", AT_FDCWD, ".", RENAME_NOREPLACE),
		   EEXIST);
	EXPECT_OK("noreplace_new", renameat2_raw(AT_FDCWD, "n1", AT_FDCWD, "n3", RENAME_NOREPLACE));
	EXPECT_ERR("noreplace_moved", lstat("n1", &st), ENOENT);

	/* RENAME_EXCHANGE: two files; a file and a directory in different parents. */
	struct stat n2 = lst("n2"), n3 = lst("n3");
	EXPECT_OK("exchange_files", renameat2_raw(AT_FDCWD, "n2", AT_FDCWD, "n3", RENAME_EXCHANGE));
	EXPECT_TRUE("exchanged", lst("n2").st_ino == n3.st_ino && lst("n3").st_ino == n2.st_ino);
	OK(mkdir("xa", 0755));
	OK(mkdir("xb", 0755));
	OK(mkdir("xa/dir", 0755));
	touch("xb/file", 0644);
	EXPECT_OK("exchange_dir_and_file",
		  renameat2_raw(AT_FDCWD, "xa/dir", AT_FDCWD, "xb/file", RENAME_EXCHANGE));
	EXPECT_TRUE("dir_now_in_xb", S_ISDIR(lst("xb/file").st_mode));
	EXPECT_TRUE("file_now_in_xa", S_ISREG(lst("xa/dir").st_mode));
	EXPECT_VAL("xa_nlink", lst("xa").st_nlink, 2);
	EXPECT_VAL("xb_nlink", lst("xb").st_nlink, 3);
	EXPECT_TRUE("exchanged_dir_dotdot", lst("xb/file/..").st_ino == lst("xb").st_ino);
	printf("xa: %s\n", list_names("xa", names, sizeof(names)));
	printf("xb: %s\n", list_names("xb", names, sizeof(names)));
	EXPECT_ERR("exchange_missing",
		   renameat2_raw(AT_FDCWD, "n2", AT_FDCWD, "nope", RENAME_EXCHANGE), ENOENT);
	EXPECT_ERR("exchange_with_ancestor",
		   renameat2_raw(AT_FDCWD, "xb/file", AT_FDCWD, "xb", RENAME_EXCHANGE), EINVAL);
	EXPECT_ERR("exchange_with_descendant",
		   renameat2_raw(AT_FDCWD, "xb", AT_FDCWD, "xb/file", RENAME_EXCHANGE), EINVAL);
	EXPECT_OK("exchange_same", renameat2_raw(AT_FDCWD, "n2", AT_FDCWD, "n2", RENAME_EXCHANGE));
	EXPECT_ERR(
	    "exchange_and_noreplace",
	    renameat2_raw(AT_FDCWD, "n2", AT_FDCWD, "n3", RENAME_EXCHANGE | RENAME_NOREPLACE),
	    EINVAL);
	EXPECT_ERR("unknown_flag", renameat2_raw(AT_FDCWD, "n2", AT_FDCWD, "n3", 0x80), EINVAL);
	EXPECT_OK("flags_0", renameat2_raw(AT_FDCWD, "n2", AT_FDCWD, "n4", 0));

	printf("top: %s\n", list_names(".", names, sizeof(names)));
	OK(close(d));
	OK(close(e));

	/* As nobody. */
	OK(mkdir("ro", 0755));
	touch("ro/f", 0644);
	OK(mkdir("open", 0777));
	OK(chmod("open", 0777));
	OK(mkdir("open2", 0777));
	OK(chmod("open2", 0777));
	touch("open/f", 0644);
	touch("open/mine", 0644);
	OK(chown("open/mine", NOBODY, NOBODY));
	OK(mkdir("open/rootdir", 0755));
	OK(mkdir("open/nobodydir", 0755));
	OK(chown("open/nobodydir", NOBODY, NOBODY));
	OK(mkdir("sticky", 0777));
	OK(chmod("sticky", 01777));
	touch("sticky/f", 0644);
	touch("sticky/nobodys", 0644);
	OK(chown("sticky/nobodys", NOBODY, NOBODY));
	run_as_nobody("nobody", nobody_checks);
	printf("open: %s\n", list_names("open", names, sizeof(names)));
	printf("open2: %s\n", list_names("open2", names, sizeof(names)));
	printf("sticky: %s\n", list_names("sticky", names, sizeof(names)));

	scratch_leave();
	return done();
}
