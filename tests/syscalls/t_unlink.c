/* unlink and unlinkat: link counts, open files outliving their name, listings after removal,
 * symlinks removed rather than followed, trailing slashes, and the errno of every refusal. */
#define _GNU_SOURCE
#include "scratch.h"

static void nobody_checks(void)
{
	EXPECT_ERR("nobody_unlink_in_0755", unlink("ro/f"), EACCES);
	EXPECT_ERR("nobody_unlink_missing_in_0755", unlink("ro/missing"), ENOENT);
	EXPECT_ERR("nobody_unlink_under_0700", unlink("priv/f"), EACCES);
	/* Not sticky: anyone who may write the directory removes anyone's file. */
	EXPECT_OK("nobody_unlink_roots_in_0777", unlink("open/f"));
	/* Sticky: only the file's owner or the directory's. */
	EXPECT_ERR("nobody_unlink_roots_in_sticky", unlink("sticky/f"), EPERM);
	EXPECT_OK("nobody_unlink_own_in_sticky", unlink("sticky/nobodys"));
	EXPECT_OK("nobody_unlink_roots_in_own_sticky", unlink("nsticky/f"));
}

int main(void)
{
	char names[256], buf[16];
	struct stat st;
	scratch_enter("unlink");

	OK(mkdir("d", 0755));
	put("d/a", "alpha");
	touch("d/b", 0644);
	touch("d/c", 0644);
	printf("before: %s\n", list_names("d", names, sizeof(names)));
	struct stat d0 = lst("d");
	wait_past(d0.st_mtim);
	EXPECT_OK("unlink", unlink("d/b"));
	EXPECT_ERR("gone", lstat("d/b", &st), ENOENT);
	printf("after: %s\n", list_names("d", names, sizeof(names)));
	struct stat d1 = lst("d");
	EXPECT_TRUE("dir_mtime_moved", ts_cmp(d1.st_mtim, d0.st_mtim) > 0);
	EXPECT_TRUE("dir_ctime_moved", ts_cmp(d1.st_ctim, d0.st_ctim) > 0);
	EXPECT_VAL("dir_nlink_unchanged", d1.st_nlink, d0.st_nlink);
	EXPECT_OK("recreate", mknod("d/b", S_IFREG | 0600, 0));
	EXPECT_TRUE("recreated_is_new", lst("d/b").st_size == 0);

	/* Hard links: each unlink drops one, and the ctime of the file moves. */
	OK(link("d/a", "d/a2"));
	OK(link("d/a", "d/a3"));
	EXPECT_VAL("nlink_3", lst("d/a").st_nlink, 3);
	struct stat a0 = lst("d/a");
	wait_past(a0.st_ctim);
	EXPECT_OK("unlink_one_link", unlink("d/a3"));
	struct stat a1 = lst("d/a");
	EXPECT_VAL("nlink_2", a1.st_nlink, 2);
	EXPECT_TRUE("file_ctime_moved", ts_cmp(a1.st_ctim, a0.st_ctim) > 0);
	EXPECT_TRUE("file_mtime_kept", ts_cmp(a1.st_mtim, a0.st_mtim) == 0);

	/* An open file outlives its last name. */
	int fd = OK(open("d/a", O_RDWR));
	OK(unlink("d/a"));
	OK(unlink("d/a2"));
	OK(fstat(fd, &st));
	EXPECT_VAL("open_unlinked_nlink", st.st_nlink, 0);
	EXPECT_VAL("open_unlinked_read", pread(fd, buf, sizeof(buf), 0), 5);
	EXPECT_VAL("open_unlinked_write", pwrite(fd, "!", 1, 5), 1);
	OK(fstat(fd, &st));
	EXPECT_VAL("open_unlinked_size", st.st_size, 6);
	OK(close(fd));
	printf("after_links: %s\n", list_names("d", names, sizeof(names)));

	/* Symlinks are removed, never followed. */
	touch("target", 0644);
	OK(symlink("target", "link"));
	OK(symlink("d", "dirlink"));
	OK(symlink("nowhere", "dangling"));
	EXPECT_OK("unlink_symlink", unlink("link"));
	EXPECT_TRUE("target_kept", S_ISREG(lst("target").st_mode));
	EXPECT_OK("unlink_symlink_to_dir", unlink("dirlink"));
	EXPECT_TRUE("dir_kept", S_ISDIR(lst("d").st_mode));
	EXPECT_OK("unlink_dangling", unlink("dangling"));
	OK(symlink("d", "dirlink"));
	EXPECT_ERR("unlink_symlink_to_dir_slash", unlink("dirlink/"), ENOTDIR);
	OK(symlink("target", "link"));
	EXPECT_ERR("unlink_symlink_to_file_slash", unlink("link/"), ENOTDIR);

	/* Refusals. */
	EXPECT_ERR("missing", unlink("d/zzz"), ENOENT);
	EXPECT_ERR("missing_parent", unlink("nope/x"), ENOENT);
	EXPECT_ERR("parent_is_file", unlink("target/x"), ENOTDIR);
	EXPECT_ERR("directory", unlink("d"), EISDIR);
	EXPECT_ERR("directory_slash", unlink("d/"), EISDIR);
	EXPECT_ERR("file_slash", unlink("target/"), ENOTDIR);
	EXPECT_ERR("dot", unlink("."), EISDIR);
	EXPECT_ERR("dotdot", unlink("d/.."), EISDIR);
	EXPECT_ERR("root", unlink("/"), EISDIR);
	EXPECT_ERR("empty", unlink(""), ENOENT);
	EXPECT_ERR("bad_pointer", syscall(SYS_unlink, BADPTR), EFAULT);
	OK(symlink("loop", "loop"));
	EXPECT_ERR("through_loop", unlink("loop/x"), ELOOP);
	EXPECT_OK("loop_itself", unlink("loop"));
	char longname[300];
	memset(longname, 'n', 256);
	longname[256] = 0;
	EXPECT_ERR("name_256", unlink(longname), ENAMETOOLONG);
	longname[255] = 0;
	EXPECT_ERR("name_255_missing", unlink(longname), ENOENT);

	/* unlinkat. */
	int dfd = OK(open("d", O_RDONLY | O_DIRECTORY));
	EXPECT_OK("unlinkat_dirfd", unlinkat(dfd, "c", 0));
	EXPECT_ERR("unlinkat_bad_flag", unlinkat(dfd, "b", 0x1), EINVAL);
	EXPECT_ERR("unlinkat_removedir_on_file", unlinkat(dfd, "b", AT_REMOVEDIR), ENOTDIR);
	OK(mkdir("d/sub", 0755));
	EXPECT_ERR("unlinkat_dir_without_flag", unlinkat(dfd, "sub", 0), EISDIR);
	EXPECT_OK("unlinkat_removedir", unlinkat(dfd, "sub", AT_REMOVEDIR));
	int ffd = OK(open("target", O_RDONLY));
	EXPECT_ERR("unlinkat_file_dirfd", unlinkat(ffd, "x", 0), ENOTDIR);
	EXPECT_ERR("unlinkat_bad_dirfd", unlinkat(9999, "x", 0), EBADF);
	OK(close(ffd));
	printf("final: %s\n", list_names("d", names, sizeof(names)));
	OK(close(dfd));

	/* As nobody. */
	OK(mkdir("ro", 0755));
	touch("ro/f", 0644);
	OK(mkdir("priv", 0700));
	touch("priv/f", 0644);
	OK(mkdir("open", 0777));
	OK(chmod("open", 0777));
	touch("open/f", 0644);
	OK(mkdir("sticky", 0777));
	OK(chmod("sticky", 01777));
	touch("sticky/f", 0644);
	touch("sticky/nobodys", 0644);
	OK(chown("sticky/nobodys", NOBODY, NOBODY));
	OK(mkdir("nsticky", 0777));
	OK(chmod("nsticky", 01777));
	OK(chown("nsticky", NOBODY, NOBODY));
	touch("nsticky/f", 0644);
	run_as_nobody("nobody", nobody_checks);
	EXPECT_ERR("open_f_gone", lstat("open/f", &st), ENOENT);
	EXPECT_TRUE("sticky_f_kept", S_ISREG(lst("sticky/f").st_mode));

	scratch_leave();
	return done();
}
