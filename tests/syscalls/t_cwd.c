/* getcwd, chdir, fchdir. The starting directory is whatever the harness used: never printed. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>

static void show(const char *label)
{
	char buf[4096];
	long n = OK(syscall(SYS_getcwd, buf, sizeof(buf)));
	/* The raw syscall returns the length including the NUL. */
	CHECK_EQ(n, strlen(buf) + 1);
	printf("%s: %s (%ld)\n", label, buf, n);
}

int main(void)
{
	char buf[4096];
	OK(syscall(SYS_getcwd, buf, sizeof(buf)));
	EXPECT_TRUE("initial_cwd_absolute", buf[0] == '/');

	EXPECT_VAL("chdir_usr", chdir("/usr"), 0);
	show("after_chdir_usr");
	int fd = EXPECT_OK("relative_open", open("share/common-licenses/GPL-3", O_RDONLY));
	OK(close(fd));
	EXPECT_VAL("chdir_relative", chdir("share/common-licenses"), 0);
	show("after_relative_chdir");
	EXPECT_VAL("chdir_dotdot", chdir(".."), 0);
	show("after_dotdot");
	EXPECT_VAL("chdir_dot", chdir("."), 0);
	show("after_dot");
	EXPECT_VAL("chdir_root", chdir("/"), 0);
	show("root");
	EXPECT_VAL("chdir_root_dotdot", chdir(".."), 0);
	show("root_dotdot");
	/* A symlink is resolved: the cwd is the target. */
	EXPECT_VAL("chdir_symlink", chdir("/bin"), 0);
	show("after_chdir_bin");
	EXPECT_VAL("chdir_messy_path", chdir("//usr/./share//../share/common-licenses/"), 0);
	show("after_messy_path");

	/* Small buffers. */
	char small[32];
	long need = strlen("/usr/share/common-licenses") + 1;
	EXPECT_ERR("getcwd_size_1", syscall(SYS_getcwd, small, 1), ERANGE);
	EXPECT_ERR("getcwd_size_0", syscall(SYS_getcwd, small, 0), ERANGE);
	EXPECT_ERR("getcwd_one_short", syscall(SYS_getcwd, small, need - 1), ERANGE);
	EXPECT_VAL("getcwd_exact", syscall(SYS_getcwd, small, need), need);
	EXPECT_ERR("getcwd_bad_buffer", syscall(SYS_getcwd, BADPTR, 4096), EFAULT);

	/* chdir errors leave the cwd alone. */
	EXPECT_ERR("chdir_missing", chdir("/no/such/dir"), ENOENT);
	EXPECT_ERR("chdir_file", chdir("/usr/share/common-licenses/GPL-3"), ENOTDIR);
	EXPECT_ERR("chdir_through_file", chdir("/usr/share/common-licenses/GPL-3/x"), ENOTDIR);
	EXPECT_ERR("chdir_empty", chdir(""), ENOENT);
	EXPECT_ERR("chdir_bad_path", syscall(SYS_chdir, BADPTR), EFAULT);
	show("after_failed_chdirs");

	/* fchdir. */
	int dfd = OK(open("/usr/share", O_RDONLY | O_DIRECTORY));
	EXPECT_VAL("fchdir", fchdir(dfd), 0);
	show("after_fchdir");
	fd = EXPECT_OK("relative_open_after_fchdir", open("common-licenses/GPL", O_RDONLY));
	int pfd = OK(open("/usr/lib", O_PATH | O_DIRECTORY));
	EXPECT_VAL("fchdir_o_path", fchdir(pfd), 0);
	show("after_fchdir_o_path");
	EXPECT_ERR("fchdir_file", fchdir(fd), ENOTDIR);
	EXPECT_ERR("fchdir_bad_fd", fchdir(-1), EBADF);
	EXPECT_ERR("fchdir_9999", fchdir(9999), EBADF);
	show("after_failed_fchdirs");
	OK(close(fd));
	OK(close(pfd));
	OK(close(dfd));
	/* The directory fd being closed does not matter to the cwd. */
	OK(fchdir(OK(open("/usr/share/common-licenses", O_RDONLY | O_DIRECTORY))));
	show("after_fchdir_again");
	return done();
}
