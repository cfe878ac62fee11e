/* openat2: the open_how checks (size, unknown flags, mode rules, E2BIG for non-zero tails)
 * and the RESOLVE_* scoping rules (BENEATH, IN_ROOT, NO_SYMLINKS, NO_XDEV, CACHED), and
 * O_TMPFILE through open. */
#define _GNU_SOURCE
#include "scratch.h"

#include <linux/openat2.h>
#include <stdint.h>

static long o2(int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve)
{
	struct open_how how = {.flags = flags, .mode = mode, .resolve = resolve};
	return syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

static void closeok(long fd)
{
	if (fd >= 0)
		close((int)fd);
}

int main(void)
{
	scratch_enter("openat2");
	OK(mkdir("d", 0755));
	OK(mkdir("d/sub", 0755));
	put("d/f", "x");
	put("outside", "y");
	OK(symlink("f", "d/rel"));
	OK(symlink("../outside", "d/up"));
	OK(symlink("/etc/passwd", "d/abs"));
	int d = (int)OK(open("d", O_PATH | O_DIRECTORY));

	long fd = o2(d, "f", O_RDONLY, 0, 0);
	EXPECT_TRUE("plain", fd >= 0);
	closeok(fd);
	struct open_how how = {.flags = O_RDONLY};
	EXPECT_ERR("size_small", syscall(SYS_openat2, d, "f", &how, 16), EINVAL);
	char big[64] = {0};
	memcpy(big, &how, sizeof(how));
	fd = syscall(SYS_openat2, d, "f", big, sizeof(big));
	EXPECT_TRUE("size_big_zero_tail", fd >= 0);
	closeok(fd);
	big[40] = 1;
	EXPECT_ERR("size_big_nonzero_tail", syscall(SYS_openat2, d, "f", big, sizeof(big)), E2BIG);
	EXPECT_ERR("size_huge", syscall(SYS_openat2, d, "f", big, 8192), E2BIG);
	EXPECT_ERR("bad_how_ptr", syscall(SYS_openat2, d, "f", (void *)8, sizeof(how)), EFAULT);
	EXPECT_ERR("unknown_flag", o2(d, "f", 1ULL << 40, 0, 0), EINVAL);
	EXPECT_ERR("unknown_resolve", o2(d, "f", O_RDONLY, 0, 1ULL << 20), EINVAL);
	EXPECT_ERR("mode_without_creat", o2(d, "f", O_RDONLY, 0644, 0), EINVAL);
	EXPECT_ERR("mode_bad_bits", o2(d, "g", O_CREAT | O_WRONLY, 010644, 0), EINVAL);
	EXPECT_ERR("beneath_and_in_root",
		   o2(d, "f", O_RDONLY, 0, RESOLVE_BENEATH | RESOLVE_IN_ROOT), EINVAL);

	/* RESOLVE_BENEATH */
	fd = o2(d, "sub/../f", O_RDONLY, 0, RESOLVE_BENEATH);
	EXPECT_TRUE("beneath_inner_dotdot", fd >= 0);
	closeok(fd);
	EXPECT_ERR("beneath_dotdot", o2(d, "../outside", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV);
	EXPECT_ERR("beneath_absolute", o2(d, "/etc/passwd", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV);
	EXPECT_ERR("beneath_symlink_up", o2(d, "up", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV);
	EXPECT_ERR("beneath_symlink_abs", o2(d, "abs", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV);
	fd = o2(d, "rel", O_RDONLY, 0, RESOLVE_BENEATH);
	EXPECT_TRUE("beneath_symlink_inside", fd >= 0);
	closeok(fd);

	/* RESOLVE_IN_ROOT: ".." and absolute paths stop at the directory. */
	fd = o2(d, "../../f", O_RDONLY, 0, RESOLVE_IN_ROOT);
	EXPECT_TRUE("in_root_dotdot_clamped", fd >= 0);
	closeok(fd);
	fd = o2(d, "/f", O_RDONLY, 0, RESOLVE_IN_ROOT);
	EXPECT_TRUE("in_root_absolute", fd >= 0);
	closeok(fd);
	EXPECT_ERR("in_root_abs_symlink", o2(d, "abs", O_RDONLY, 0, RESOLVE_IN_ROOT), ENOENT);
	EXPECT_ERR("in_root_up_symlink", o2(d, "up", O_RDONLY, 0, RESOLVE_IN_ROOT), ENOENT);

	/* RESOLVE_NO_SYMLINKS */
	EXPECT_ERR("no_symlinks", o2(d, "rel", O_RDONLY, 0, RESOLVE_NO_SYMLINKS), ELOOP);
	fd = o2(d, "rel", O_PATH | O_NOFOLLOW, 0, RESOLVE_NO_SYMLINKS);
	EXPECT_TRUE("no_symlinks_nofollow_path", fd >= 0);
	closeok(fd);

	/* RESOLVE_NO_XDEV: /dev is a mount below / in both worlds. */
	int root = (int)OK(open("/", O_PATH | O_DIRECTORY));
	EXPECT_ERR("no_xdev", o2(root, "dev/null", O_PATH, 0, RESOLVE_NO_XDEV), EXDEV);
	fd = o2(root, "etc/passwd", O_RDONLY, 0, RESOLVE_NO_XDEV);
	EXPECT_TRUE("no_xdev_same_mount", fd >= 0);
	closeok(fd);
	close(root);

	EXPECT_ERR("cached_creat", o2(d, "new", O_CREAT | O_WRONLY, 0644, RESOLVE_CACHED), EAGAIN);

	/* O_TMPFILE: a nameless file in the directory. */
	EXPECT_ERR("tmpfile_rdonly", open("d", O_TMPFILE | O_RDONLY, 0600), EINVAL);
	EXPECT_ERR("tmpfile_on_file", open("d/f", O_TMPFILE | O_RDWR, 0600), ENOTDIR);
	EXPECT_ERR("tmpfile_missing", open("nope", O_TMPFILE | O_RDWR, 0600), ENOENT);
	int t = (int)OK(open("d", O_TMPFILE | O_RDWR, 0640));
	EXPECT_VAL("tmpfile_write", write(t, "abc", 3), 3);
	struct stat st;
	OK(fstat(t, &st));
	EXPECT_VAL("tmpfile_size", (long)st.st_size, 3L);
	EXPECT_VAL("tmpfile_nlink", (long)st.st_nlink, 0L);
	EXPECT_MODE("tmpfile_mode", st.st_mode & 07777, 0640);
	char names[256];
	list_names("d", names, sizeof(names));
	printf("names_after_tmpfile: %s\n", names);
	close(t);
	close(d);
	scratch_leave();
	return done();
}
