/* chown, fchown, lchown, fchownat: owners set and left alone (-1), ctime moving, symlinks
 * followed or not, set-id bits dropped by a change of owner, and the ownership rules for an
 * unprivileged caller. */
#define _GNU_SOURCE
#include "scratch.h"

#define IDS(st, u, g) ((st).st_uid == (uid_t)(u) && (st).st_gid == (gid_t)(g))

static void nobody_checks(void)
{
	EXPECT_ERR("nobody_give_away", chown("mine", 0, -1), EPERM);
	EXPECT_ERR("nobody_chgrp_foreign_group", chown("mine", -1, 0), EPERM);
	EXPECT_OK("nobody_chown_to_self", chown("mine", NOBODY, NOBODY));
	EXPECT_OK("nobody_chown_nothing", chown("mine", -1, -1));
	EXPECT_ERR("nobody_chown_roots", chown("rootfile", NOBODY, -1), EPERM);
	EXPECT_ERR("nobody_chgrp_roots", chown("rootfile", -1, NOBODY), EPERM);
	/* Even "changing" to the ids it already has needs ownership. */
	EXPECT_ERR("nobody_chown_roots_same_uid", chown("rootfile", 0, -1), EPERM);
	EXPECT_ERR("nobody_chgrp_roots_same_gid", chown("rootfile", -1, 0), EPERM);
	EXPECT_OK("nobody_chown_roots_nothing", chown("rootfile", -1, -1));
	/* A file owned by nobody but in root's group: nobody may move it to its own group. */
	EXPECT_OK("nobody_chgrp_to_own_group", chown("mine_rootgroup", -1, NOBODY));
	int fd = OK(open("rootfile", O_RDONLY));
	EXPECT_ERR("nobody_fchown_roots", fchown(fd, NOBODY, NOBODY), EPERM);
	OK(close(fd));
	EXPECT_ERR("nobody_lchown_roots_link", lchown("rootlink", NOBODY, -1), EPERM);
}

int main(void)
{
	scratch_enter("chown");

	touch("f", 0644);
	struct stat f0 = lst("f");
	wait_past(f0.st_ctim);
	EXPECT_OK("chown", chown("f", NOBODY, NOBODY));
	struct stat f1 = lst("f");
	EXPECT_TRUE("owner_changed", IDS(f1, NOBODY, NOBODY));
	EXPECT_TRUE("ctime_moved", ts_cmp(f1.st_ctim, f0.st_ctim) > 0);
	EXPECT_TRUE("mtime_kept", ts_cmp(f1.st_mtim, f0.st_mtim) == 0);
	EXPECT_MODE("mode_kept", f1.st_mode & 07777, 0644);
	EXPECT_OK("chown_uid_only", chown("f", 1, -1));
	EXPECT_TRUE("uid_only", IDS(lst("f"), 1, NOBODY));
	EXPECT_OK("chown_gid_only", chown("f", -1, 2));
	EXPECT_TRUE("gid_only", IDS(lst("f"), 1, 2));
	wait_past(lst("f").st_ctim);
	struct stat f2 = lst("f");
	EXPECT_OK("chown_nothing", chown("f", -1, -1));
	EXPECT_TRUE("nothing_changed", IDS(lst("f"), 1, 2));
	EXPECT_TRUE("nothing_ctime_moved", ts_cmp(lst("f").st_ctim, f2.st_ctim) > 0);
	EXPECT_OK("chown_large_ids", chown("f", 4000000, 4000001));
	EXPECT_TRUE("large_ids", IDS(lst("f"), 4000000, 4000001));
	OK(chown("f", 0, 0));

	/* A change of owner drops set-user-id, and set-group-id with group execute. */
	OK(chmod("f", 06755));
	EXPECT_OK("chown_setid_file", chown("f", NOBODY, -1));
	EXPECT_MODE("setid_dropped", lst("f").st_mode & 07777, 0755);
	OK(chmod("f", 06745));
	EXPECT_OK("chgrp_setid_no_group_exec", chown("f", -1, NOBODY));
	EXPECT_MODE("sgid_without_group_exec_kept", lst("f").st_mode & 07777, 02745);
	OK(chmod("f", 04755));
	EXPECT_OK("chown_same_owner_setuid", chown("f", NOBODY, NOBODY));
	EXPECT_MODE("same_owner_setuid_dropped", lst("f").st_mode & 07777, 0755);
	OK(chmod("f", 04755));
	EXPECT_OK("chown_nothing_setuid", chown("f", -1, -1));
	EXPECT_MODE("nothing_setuid_dropped", lst("f").st_mode & 07777, 0755);
	OK(mkdir("d", 0755));
	OK(chmod("d", 06755));
	EXPECT_OK("chown_setid_dir", chown("d", NOBODY, NOBODY));
	EXPECT_MODE("dir_setid_kept", lst("d").st_mode & 07777, 06755);

	/* Symlinks: chown follows, lchown and AT_SYMLINK_NOFOLLOW do not. */
	touch("t", 0644);
	OK(symlink("t", "sl"));
	EXPECT_OK("chown_through_symlink", chown("sl", 5, 6));
	EXPECT_TRUE("target_owner", IDS(lst("t"), 5, 6));
	EXPECT_TRUE("link_owner_kept", IDS(lst("sl"), 0, 0));
	EXPECT_OK("lchown", lchown("sl", 7, 8));
	EXPECT_TRUE("lchown_link_owner", IDS(lst("sl"), 7, 8));
	EXPECT_TRUE("lchown_target_kept", IDS(lst("t"), 5, 6));
	EXPECT_OK("fchownat_nofollow", fchownat(AT_FDCWD, "sl", 9, 10, AT_SYMLINK_NOFOLLOW));
	EXPECT_TRUE("fchownat_nofollow_link", IDS(lst("sl"), 9, 10));
	EXPECT_OK("fchownat_follow", fchownat(AT_FDCWD, "sl", 11, 12, 0));
	EXPECT_TRUE("fchownat_follow_target", IDS(lst("t"), 11, 12));
	OK(symlink("nowhere", "dl"));
	EXPECT_ERR("chown_dangling", chown("dl", 1, 1), ENOENT);
	EXPECT_OK("lchown_dangling", lchown("dl", 1, 1));

	/* Through descriptors. */
	int fd = OK(open("t", O_RDONLY));
	EXPECT_OK("fchown", fchown(fd, 13, 14));
	EXPECT_TRUE("fchown_ids", IDS(lst("t"), 13, 14));
	EXPECT_OK("fchownat_empty_path", fchownat(fd, "", 15, 16, AT_EMPTY_PATH));
	EXPECT_TRUE("empty_path_ids", IDS(lst("t"), 15, 16));
	EXPECT_ERR("fchownat_empty_without_flag", fchownat(fd, "", 1, 1, 0), ENOENT);
	EXPECT_ERR("fchownat_file_dirfd", fchownat(fd, "x", 1, 1, 0), ENOTDIR);
	OK(close(fd));
	int pfd = OK(open("t", O_PATH));
	EXPECT_ERR("fchown_o_path", fchown(pfd, 1, 1), EBADF);
	EXPECT_OK("fchownat_empty_path_o_path", fchownat(pfd, "", 17, 18, AT_EMPTY_PATH));
	EXPECT_TRUE("o_path_ids", IDS(lst("t"), 17, 18));
	OK(close(pfd));
	pfd = OK(open("sl", O_PATH | O_NOFOLLOW));
	EXPECT_OK("fchownat_empty_path_symlink", fchownat(pfd, "", 19, 20, AT_EMPTY_PATH));
	EXPECT_TRUE("o_path_symlink_ids", IDS(lst("sl"), 19, 20));
	OK(close(pfd));
	int dfd = OK(open("d", O_RDONLY | O_DIRECTORY));
	OK(chown("t", 0, 0));
	OK(rename("t", "d/t"));
	EXPECT_OK("fchownat_dirfd", fchownat(dfd, "t", 21, 22, 0));
	EXPECT_TRUE("dirfd_ids", IDS(lst("d/t"), 21, 22));
	EXPECT_ERR("fchownat_bad_flag", fchownat(dfd, "t", 1, 1, 0x2), EINVAL);
	EXPECT_ERR("fchownat_bad_dirfd", fchownat(9999, "t", 1, 1, 0), EBADF);
	EXPECT_ERR("fchown_bad_fd", fchown(9999, 1, 1), EBADF);
	OK(close(dfd));

	/* Refusals. */
	EXPECT_ERR("missing", chown("nope", 1, 1), ENOENT);
	EXPECT_ERR("empty", chown("", 1, 1), ENOENT);
	EXPECT_ERR("parent_is_file", chown("f/x", 1, 1), ENOTDIR);
	EXPECT_ERR("bad_pointer", syscall(SYS_chown, BADPTR, 1, 1), EFAULT);

	/* As nobody. */
	touch("mine", 0644);
	OK(chown("mine", NOBODY, NOBODY));
	touch("mine_rootgroup", 0644);
	OK(chown("mine_rootgroup", NOBODY, 0));
	touch("rootfile", 0644);
	OK(symlink("rootfile", "rootlink"));
	run_as_nobody("nobody", nobody_checks);
	EXPECT_TRUE("rootfile_kept", IDS(lst("rootfile"), 0, 0));
	EXPECT_TRUE("mine_rootgroup_moved", IDS(lst("mine_rootgroup"), NOBODY, NOBODY));

	scratch_leave();
	return done();
}
