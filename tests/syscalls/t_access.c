/* access, faccessat, faccessat2. W_OK is not tested: root may write anywhere natively, while
 * the sandbox root is read-only. Only world-readable files are used. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>

#ifndef AT_EACCESS
#define AT_EACCESS 0x200
#endif

int main(void)
{
	EXPECT_VAL("true_f_ok", access("/bin/true", F_OK), 0);
	EXPECT_VAL("true_r_ok", access("/bin/true", R_OK), 0);
	EXPECT_VAL("true_x_ok", access("/bin/true", X_OK), 0);
	EXPECT_VAL("true_r_x_ok", access("/bin/true", R_OK | X_OK), 0);
	EXPECT_VAL("dir_x_ok", access("/usr/share", X_OK), 0);
	EXPECT_VAL("dir_r_ok", access("/usr/share", R_OK), 0);
	EXPECT_VAL("symlink_dir_f_ok", access("/bin", F_OK), 0);
	EXPECT_VAL("license_r_ok", access("/usr/share/common-licenses/GPL-3", R_OK), 0);
	/* Even root needs an execute bit somewhere to pass X_OK on a regular file. */
	EXPECT_ERR("license_x_ok", access("/usr/share/common-licenses/GPL-3", X_OK), EACCES);
	EXPECT_ERR("license_r_x_ok", access("/usr/share/common-licenses/GPL-3", R_OK | X_OK),
		   EACCES);

	EXPECT_ERR("missing", access("/no/such/file", F_OK), ENOENT);
	EXPECT_ERR("missing_r_ok", access("/usr/share/nope", R_OK), ENOENT);
	EXPECT_ERR("enotdir", access("/usr/share/common-licenses/GPL-3/x", F_OK), ENOTDIR);
	EXPECT_ERR("empty_path", access("", F_OK), ENOENT);
	EXPECT_ERR("bad_mode", syscall(SYS_access, "/bin/true", 8), EINVAL);
	EXPECT_ERR("bad_mode_high", syscall(SYS_access, "/bin/true", 0x100), EINVAL);
	EXPECT_ERR("bad_path", syscall(SYS_access, BADPTR, F_OK), EFAULT);

	/* faccessat: relative to a dirfd or AT_FDCWD. */
	int dfd = OK(open("/usr/bin", O_RDONLY | O_DIRECTORY));
	EXPECT_VAL("faccessat_dirfd_x_ok", syscall(SYS_faccessat, dfd, "true", X_OK), 0);
	EXPECT_ERR("faccessat_dirfd_missing",
		   syscall(SYS_faccessat, dfd, "no-such-program-xyz", F_OK), ENOENT);
	EXPECT_VAL("faccessat_absolute_bad_dirfd", syscall(SYS_faccessat, 9999, "/bin/true", X_OK),
		   0);
	EXPECT_ERR("faccessat_bad_dirfd", syscall(SYS_faccessat, 9999, "true", F_OK), EBADF);
	int fd = OK(open("/usr/share/common-licenses/GPL-3", O_RDONLY));
	EXPECT_ERR("faccessat_file_dirfd", syscall(SYS_faccessat, fd, "x", F_OK), ENOTDIR);
	EXPECT_ERR("faccessat_empty", syscall(SYS_faccessat, fd, "", R_OK), ENOENT);
	OK(chdir("/usr"));
	EXPECT_VAL("faccessat_cwd", syscall(SYS_faccessat, AT_FDCWD, "bin/true", X_OK), 0);
	OK(chdir("/"));
	EXPECT_ERR("faccessat_cwd_after_chdir",
		   syscall(SYS_faccessat, AT_FDCWD, "bin/true-not", X_OK), ENOENT);
	EXPECT_ERR("faccessat_bad_mode", syscall(SYS_faccessat, AT_FDCWD, "/bin/true", 8), EINVAL);

	/* faccessat2: the flags argument. */
	EXPECT_VAL("faccessat2_no_flags", syscall(SYS_faccessat2, dfd, "true", X_OK, 0), 0);
	EXPECT_VAL("faccessat2_eaccess", syscall(SYS_faccessat2, dfd, "true", X_OK, AT_EACCESS), 0);
	EXPECT_VAL("faccessat2_nofollow",
		   syscall(SYS_faccessat2, AT_FDCWD, "/bin", X_OK, AT_SYMLINK_NOFOLLOW), 0);
	EXPECT_VAL("faccessat2_empty_path", syscall(SYS_faccessat2, fd, "", R_OK, AT_EMPTY_PATH),
		   0);
	EXPECT_ERR("faccessat2_empty_path_x", syscall(SYS_faccessat2, fd, "", X_OK, AT_EMPTY_PATH),
		   EACCES);
	EXPECT_ERR("faccessat2_empty_no_flag", syscall(SYS_faccessat2, fd, "", R_OK, 0), ENOENT);
	EXPECT_ERR("faccessat2_bad_flags", syscall(SYS_faccessat2, dfd, "true", X_OK, 0x1), EINVAL);
	EXPECT_ERR("faccessat2_bad_flags_high", syscall(SYS_faccessat2, dfd, "true", X_OK, 0x80000),
		   EINVAL);
	EXPECT_ERR("faccessat2_bad_mode", syscall(SYS_faccessat2, dfd, "true", 8, 0), EINVAL);
	EXPECT_ERR(
	    "faccessat2_license_x",
	    syscall(SYS_faccessat2, AT_FDCWD, "/usr/share/common-licenses/GPL-3", X_OK, AT_EACCESS),
	    EACCES);
	OK(close(fd));
	OK(close(dfd));
	return done();
}
