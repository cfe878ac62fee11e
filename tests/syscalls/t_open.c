/* open/openat flags and errors that are deterministic for root on a writable or read-only root
 * (nothing here may create a file: O_CREAT is used only on paths that already exist). */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>

int main(void)
{
	char c;
	int fd = EXPECT_OK("open_rdonly", open("/etc/os-release", O_RDONLY));
	EXPECT_VAL("accmode_rdonly", fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	EXPECT_VAL("read_one", read(fd, &c, 1), 1);
	EXPECT_VAL("cloexec_default_off", fcntl(fd, F_GETFD), 0);
	OK(close(fd));

	/* The lowest free descriptor is reused. */
	int a = OK(open("/etc/os-release", O_RDONLY));
	int b = OK(open("/etc/os-release", O_RDONLY));
	CHECK(b > a);
	OK(close(a));
	int a2 = OK(open("/etc/os-release", O_RDONLY));
	EXPECT_TRUE("lowest_fd_reused", a2 == a);
	CHECK_EQ(a2, a);
	OK(close(a2));
	OK(close(b));

	fd = EXPECT_OK("open_cloexec", open("/etc/os-release", O_RDONLY | O_CLOEXEC));
	EXPECT_VAL("cloexec_set", fcntl(fd, F_GETFD), FD_CLOEXEC);
	OK(close(fd));
	fd = EXPECT_OK("open_nonblock", open("/etc/os-release", O_RDONLY | O_NONBLOCK));
	EXPECT_VAL("nonblock_in_getfl", !!(fcntl(fd, F_GETFL) & O_NONBLOCK), 1);
	OK(close(fd));

	/* Directories. */
	fd = EXPECT_OK("open_dir", open("/usr/share/common-licenses", O_RDONLY | O_DIRECTORY));
	OK(close(fd));
	fd = EXPECT_OK("open_dir_without_o_directory", open("/usr", O_RDONLY));
	OK(close(fd));
	fd = EXPECT_OK("open_dir_through_symlink", open("/bin", O_RDONLY | O_DIRECTORY));
	OK(close(fd));
	EXPECT_ERR("o_directory_on_file", open("/etc/os-release", O_RDONLY | O_DIRECTORY), ENOTDIR);
	EXPECT_ERR("wronly_dir", open("/etc", O_WRONLY), EISDIR);
	EXPECT_ERR("rdwr_dir", open("/etc", O_RDWR), EISDIR);
	EXPECT_ERR("creat_on_existing_dir", open("/etc", O_RDONLY | O_CREAT, 0644), EISDIR);

	/* O_NOFOLLOW looks only at the last component. */
	EXPECT_ERR("nofollow_symlink", open("/bin", O_RDONLY | O_NOFOLLOW), ELOOP);
	EXPECT_ERR("nofollow_directory_symlink", open("/bin", O_RDONLY | O_NOFOLLOW | O_DIRECTORY),
		   ENOTDIR);
	fd = EXPECT_OK("nofollow_through_symlink_dir", open("/bin/true", O_RDONLY | O_NOFOLLOW));
	OK(close(fd));

	/* Missing paths and bad path strings. */
	EXPECT_ERR("missing_file", open("/etc/os-release-does-not-exist", O_RDONLY), ENOENT);
	EXPECT_ERR("missing_dir_component", open("/no-such-dir/file", O_RDONLY), ENOENT);
	EXPECT_ERR("empty_path", open("", O_RDONLY), ENOENT);
	EXPECT_ERR("file_as_dir_component", open("/etc/os-release/x", O_RDONLY), ENOTDIR);
	EXPECT_ERR("trailing_slash_on_file", open("/etc/os-release/", O_RDONLY), ENOTDIR);
	EXPECT_ERR("bad_path_pointer", syscall(SYS_open, BADPTR, O_RDONLY), EFAULT);
	EXPECT_ERR("null_path_pointer", syscall(SYS_open, NULL, O_RDONLY), EFAULT);
	static char longpath[5001];
	memset(longpath, 'a', 5000);
	longpath[0] = '/';
	EXPECT_ERR("path_5000_chars", open(longpath, O_RDONLY), ENAMETOOLONG);
	static char longname[300];
	memcpy(longname, "/usr/", 5);
	memset(longname + 5, 'b', 280);
	EXPECT_ERR("component_280_chars", open(longname, O_RDONLY), ENAMETOOLONG);

	/* Path normalisation. */
	const char *same[] = {"/etc/./os-release", "/etc/../etc/os-release",
			      "/../../etc/os-release", "//etc//os-release",
			      "/usr/../etc/os-release"};
	for (unsigned i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		char label[64];
		snprintf(label, sizeof(label), "open %s", same[i]);
		fd = EXPECT_OK(label, open(same[i], O_RDONLY));
		OK(close(fd));
	}

	/* O_CREAT on something that exists opens it without creating; with O_EXCL it fails. */
	fd = EXPECT_OK("creat_existing_file", open("/etc/os-release", O_RDONLY | O_CREAT, 0644));
	EXPECT_VAL("creat_existing_read", read(fd, &c, 1), 1);
	OK(close(fd));
	EXPECT_ERR("creat_excl_existing",
		   open("/etc/os-release", O_RDONLY | O_CREAT | O_EXCL, 0644), EEXIST);

	/* Flag combinations the kernel rejects before looking at the path. */
	EXPECT_ERR("creat_and_directory", open("/etc", O_RDONLY | O_CREAT | O_DIRECTORY, 0755),
		   EINVAL);
	EXPECT_ERR("tmpfile_readonly", open("/etc", O_RDONLY | O_TMPFILE, 0600), EINVAL);

	/* Unknown high flag bits are ignored by open (only openat2 rejects them). */
	fd = EXPECT_OK("unknown_flag_bits_ignored",
		       syscall(SYS_open, "/etc/os-release", O_RDONLY | 0x40000000));
	OK(close(fd));
	return done();
}
