/* chmod, fchmod, fchmodat: permission bits set exactly, the type kept, ctime moving, symlinks
 * followed, O_PATH descriptors refused, and the owner / set-group-id rules as nobody. */
#define _GNU_SOURCE
#include "scratch.h"

static void nobody_checks(void)
{
	EXPECT_ERR("nobody_chmod_roots", chmod("rootfile", 0777), EPERM);
	EXPECT_ERR("nobody_chmod_roots_dir", chmod("open", 0700), EPERM);
	EXPECT_OK("nobody_chmod_own", chmod("mine", 0600));
	EXPECT_MODE("nobody_own_mode", lst("mine").st_mode & 07777, 0600);
	/* Set-group-id is dropped when the caller is not in the file's group... */
	EXPECT_OK("nobody_chmod_sgid_foreign_group", chmod("mine_rootgroup", 02755));
	EXPECT_MODE("nobody_sgid_dropped", lst("mine_rootgroup").st_mode & 07777, 0755);
	/* ...and kept when it is. */
	EXPECT_OK("nobody_chmod_sgid_own_group", chmod("mine", 02755));
	EXPECT_MODE("nobody_sgid_kept", lst("mine").st_mode & 07777, 02755);
	EXPECT_OK("nobody_chmod_setuid", chmod("mine", 04700));
	EXPECT_MODE("nobody_setuid_kept", lst("mine").st_mode & 07777, 04700);
	int fd = OK(open("mine", O_RDONLY));
	EXPECT_OK("nobody_fchmod_own", fchmod(fd, 0644));
	OK(close(fd));
	fd = OK(open("rootfile", O_RDONLY));
	EXPECT_ERR("nobody_fchmod_roots", fchmod(fd, 0600), EPERM);
	OK(close(fd));
	/* Search permission on the way. */
	EXPECT_ERR("nobody_chmod_under_0700", chmod("priv/f", 0600), EACCES);
}

int main(void)
{
	scratch_enter("chmod");

	touch("f", 0644);
	struct stat f0 = lst("f");
	wait_past(f0.st_ctim);
	EXPECT_OK("chmod", chmod("f", 0600));
	struct stat f1 = lst("f");
	EXPECT_MODE("mode", f1.st_mode & 07777, 0600);
	EXPECT_TRUE("still_regular", S_ISREG(f1.st_mode));
	EXPECT_TRUE("ctime_moved", ts_cmp(f1.st_ctim, f0.st_ctim) > 0);
	EXPECT_TRUE("mtime_kept", ts_cmp(f1.st_mtim, f0.st_mtim) == 0);
	EXPECT_OK("chmod_all_bits", chmod("f", 07777));
	EXPECT_MODE("all_bits", lst("f").st_mode & 07777, 07777);
	EXPECT_OK("chmod_type_bits_ignored", chmod("f", S_IFDIR | 0640));
	EXPECT_MODE("type_bits_ignored", lst("f").st_mode & 07777, 0640);
	EXPECT_TRUE("type_unchanged", S_ISREG(lst("f").st_mode));
	EXPECT_OK("chmod_high_bits_ignored", syscall(SYS_chmod, "f", 0xffff0000u | 0444));
	EXPECT_MODE("high_bits_ignored", lst("f").st_mode & 07777, 0444);
	EXPECT_OK("chmod_0", chmod("f", 0));
	EXPECT_MODE("mode_0", lst("f").st_mode & 07777, 0);
	/* Root still opens a mode-0 file for reading and writing. */
	int fd = EXPECT_OK("root_opens_mode_0", open("f", O_RDWR));
	OK(close(fd));

	OK(mkdir("d", 0755));
	EXPECT_OK("chmod_dir", chmod("d", 01770));
	EXPECT_MODE("dir_mode", lst("d").st_mode & 07777, 01770);
	EXPECT_TRUE("dir_still_dir", S_ISDIR(lst("d").st_mode));

	/* A symlink: chmod follows it; the link's own mode stays 0777. */
	OK(symlink("f", "sl"));
	EXPECT_OK("chmod_through_symlink", chmod("sl", 0604));
	EXPECT_MODE("target_changed", lst("f").st_mode & 07777, 0604);
	EXPECT_MODE("link_unchanged", lst("sl").st_mode & 07777, 0777);
	OK(symlink("nowhere", "dl"));
	EXPECT_ERR("chmod_dangling", chmod("dl", 0600), ENOENT);

	/* fchmod and fchmodat. */
	fd = OK(open("f", O_RDONLY));
	EXPECT_OK("fchmod", fchmod(fd, 0640));
	EXPECT_MODE("fchmod_mode", lst("f").st_mode & 07777, 0640);
	OK(close(fd));
	fd = OK(open("f", O_WRONLY));
	EXPECT_OK("fchmod_write_only_fd", fchmod(fd, 0641));
	OK(close(fd));
	int dfd = OK(open("d", O_RDONLY | O_DIRECTORY));
	EXPECT_OK("fchmod_dir_fd", fchmod(dfd, 0711));
	EXPECT_MODE("fchmod_dir_mode", lst("d").st_mode & 07777, 0711);
	touch("d/g", 0644);
	EXPECT_OK("fchmodat_dirfd", syscall(SYS_fchmodat, dfd, "g", 0604));
	EXPECT_MODE("fchmodat_mode", lst("d/g").st_mode & 07777, 0604);
	EXPECT_OK("fchmodat_cwd", syscall(SYS_fchmodat, AT_FDCWD, "d/g", 0606));
	EXPECT_MODE("fchmodat_cwd_mode", lst("d/g").st_mode & 07777, 0606);
	int pfd = OK(open("d", O_PATH | O_DIRECTORY));
	EXPECT_OK("fchmodat_o_path_dirfd", syscall(SYS_fchmodat, pfd, "g", 0600));
	OK(close(pfd));
	pfd = OK(open("f", O_PATH));
	EXPECT_ERR("fchmod_o_path_fd", fchmod(pfd, 0600), EBADF);
	EXPECT_MODE("o_path_mode_unchanged", lst("f").st_mode & 07777, 0641);
	OK(close(pfd));
	EXPECT_ERR("fchmod_bad_fd", fchmod(9999, 0600), EBADF);
	EXPECT_ERR("fchmodat_bad_dirfd", syscall(SYS_fchmodat, 9999, "g", 0600), EBADF);
	fd = OK(open("f", O_RDONLY));
	EXPECT_ERR("fchmodat_file_dirfd", syscall(SYS_fchmodat, fd, "g", 0600), ENOTDIR);
	OK(close(fd));
	OK(close(dfd));

	/* Refusals. */
	EXPECT_ERR("missing", chmod("nope", 0600), ENOENT);
	EXPECT_ERR("empty", chmod("", 0600), ENOENT);
	EXPECT_ERR("parent_is_file", chmod("f/x", 0600), ENOTDIR);
	EXPECT_ERR("file_slash", chmod("f/", 0600), ENOTDIR);
	OK(symlink("loop", "loop"));
	EXPECT_ERR("loop", chmod("loop", 0600), ELOOP);
	EXPECT_ERR("bad_pointer", syscall(SYS_chmod, BADPTR, 0600), EFAULT);

	/* As nobody. */
	touch("rootfile", 0644);
	touch("mine", 0644);
	OK(chown("mine", NOBODY, NOBODY));
	touch("mine_rootgroup", 0644);
	OK(chown("mine_rootgroup", NOBODY, 0));
	OK(mkdir("open", 0777));
	OK(mkdir("priv", 0700));
	touch("priv/f", 0644);
	run_as_nobody("nobody", nobody_checks);
	EXPECT_MODE("rootfile_unchanged", lst("rootfile").st_mode & 07777, 0644);
	EXPECT_MODE("mine_changed", lst("mine").st_mode & 07777, 0644);

	scratch_leave();
	return done();
}
