/* Extended attributes read and written: set/get/list/remove in their path, l- and f- forms,
 * on a file in a fresh directory under /tmp. Linux's checks: name length (ERANGE), value
 * size (E2BIG), flags (EINVAL), XATTR_CREATE / XATTR_REPLACE, size 0 queries, ERANGE for
 * short buffers, namespaces (user.* only on regular files and directories; trusted.* and
 * security.* for root; unknown prefixes), and permissions for an unprivileged process. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>

static char dir[64], path[96], link_path[96], fifo_path[96], dir_path[96], sticky_path[96];

/* Prints the user.* and trusted.* names of list (n bytes), sorted, on one line. */
static void print_names(const char *label, const char *list, long n)
{
	const char *names[32];
	int count = 0;
	for (long i = 0; i < n && count < 32; i += (long)strlen(list + i) + 1)
		if (!strncmp(list + i, "user.", 5) || !strncmp(list + i, "trusted.", 8))
			names[count++] = list + i;
	for (int i = 0; i < count; i++)
		for (int j = i + 1; j < count; j++)
			if (strcmp(names[j], names[i]) < 0) {
				const char *x = names[i];
				names[i] = names[j];
				names[j] = x;
			}
	printf("%s:", label);
	for (int i = 0; i < count; i++)
		printf(" %s", names[i]);
	printf("\n");
}

/* The bytes the names of other namespaces (security.*, system.*: what the host's
 * filesystem may add) take in list. */
static long other_names_size(const char *list, long n)
{
	long other = 0;
	for (long i = 0; i < n; i += (long)strlen(list + i) + 1)
		if (strncmp(list + i, "user.", 5) && strncmp(list + i, "trusted.", 8))
			other += (long)strlen(list + i) + 1;
	return other;
}

static void unprivileged_checks(void)
{
	/* An unprivileged process: no CAP_SYS_ADMIN, and no DAC override. */
	CHECK(setresgid(65534, 65534, 65534) == 0);
	CHECK(setresuid(65534, 65534, 65534) == 0);
	char v[16];
	EXPECT_VAL("nobody_get_user", getxattr(path, "user.a", v, sizeof(v)), 5);
	EXPECT_ERR("nobody_set_user_no_write", setxattr(path, "user.b", "x", 1, 0), EACCES);
	EXPECT_ERR("nobody_remove_user_no_write", removexattr(path, "user.a"), EACCES);
	EXPECT_ERR("nobody_get_trusted", getxattr(path, "trusted.t", v, sizeof(v)), ENODATA);
	EXPECT_ERR("nobody_set_trusted", setxattr(path, "trusted.t", "x", 1, 0), EPERM);
	EXPECT_ERR("nobody_remove_trusted", removexattr(path, "trusted.t"), EPERM);
	EXPECT_ERR("nobody_set_security", setxattr(path, "security.s", "x", 1, 0), EPERM);
	char list[256];
	long n = listxattr(path, list, sizeof(list));
	CHECK(n >= 0);
	print_names("nobody_list_hides_trusted", list, n);
	/* A sticky directory anyone may write: only its owner may change its user.* names. */
	EXPECT_ERR("nobody_set_on_sticky_dir", setxattr(sticky_path, "user.s", "x", 1, 0), EPERM);
	EXPECT_VAL("nobody_get_on_sticky_dir", getxattr(sticky_path, "user.d", v, sizeof(v)), 3);
	fflush(stdout);
}

int main(void)
{
	char v[300], list[1024];
	strcpy(dir, "/tmp/t_xattr_rw.XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	OK(chmod(dir, 0755));
	snprintf(path, sizeof(path), "%s/f", dir);
	snprintf(link_path, sizeof(link_path), "%s/l", dir);
	snprintf(fifo_path, sizeof(fifo_path), "%s/p", dir);
	snprintf(dir_path, sizeof(dir_path), "%s/d", dir);
	snprintf(sticky_path, sizeof(sticky_path), "%s/s", dir);
	int fd = OK(open(path, O_RDWR | O_CREAT, 0644));
	OK(symlink("f", link_path));
	OK(mkfifo(fifo_path, 0644));
	OK(mkdir(dir_path, 0755));

	/* The host's /tmp must support user.* natively; else there is nothing to compare. */
	if (setxattr(path, "user.probe", "1", 1, 0) != 0) {
		printf("SKIP: no user xattrs on /tmp (%s)\n", errname(errno));
		unlink(path), unlink(link_path), unlink(fifo_path), rmdir(dir_path), rmdir(dir);
		return 0;
	}
	OK(removexattr(path, "user.probe"));

	/* Set, then read back: size queries, exact and short buffers. */
	EXPECT_VAL("set", setxattr(path, "user.a", "hello", 5, 0), 0);
	EXPECT_VAL("get_size_query", getxattr(path, "user.a", NULL, 0), 5);
	memset(v, 0, sizeof(v));
	EXPECT_VAL("get", getxattr(path, "user.a", v, sizeof(v)), 5);
	EXPECT_TRUE("get_value", memcmp(v, "hello", 5) == 0);
	EXPECT_VAL("get_exact", getxattr(path, "user.a", v, 5), 5);
	EXPECT_ERR("get_short", getxattr(path, "user.a", v, 4), ERANGE);
	EXPECT_ERR("get_missing", getxattr(path, "user.nope", v, sizeof(v)), ENODATA);
	EXPECT_ERR("get_bad_buf", syscall(SYS_getxattr, path, "user.a", BADPTR, 10), EFAULT);
	/* Replace, create, empty values. */
	EXPECT_VAL("set_replace", setxattr(path, "user.a", "bye", 3, XATTR_REPLACE), 0);
	EXPECT_VAL("get_replaced", getxattr(path, "user.a", NULL, 0), 3);
	EXPECT_ERR("create_existing", setxattr(path, "user.a", "x", 1, XATTR_CREATE), EEXIST);
	EXPECT_ERR("replace_missing", setxattr(path, "user.b", "x", 1, XATTR_REPLACE), ENODATA);
	EXPECT_VAL("create_new", setxattr(path, "user.b", "x", 1, XATTR_CREATE), 0);
	EXPECT_VAL("set_empty", setxattr(path, "user.empty", NULL, 0, 0), 0);
	EXPECT_VAL("get_empty", getxattr(path, "user.empty", v, sizeof(v)), 0);
	EXPECT_VAL("set_back_to_hello", setxattr(path, "user.a", "hello", 5, 0), 0);

	/* Argument checks. */
	EXPECT_ERR("bad_flags", setxattr(path, "user.a", "x", 1, 4), EINVAL);
	EXPECT_ERR("empty_name", setxattr(path, "", "x", 1, 0), ERANGE);
	EXPECT_ERR("get_empty_name", getxattr(path, "", v, sizeof(v)), ERANGE);
	char longname[300];
	memset(longname, 'n', sizeof(longname));
	memcpy(longname, "user.", 5);
	longname[256] = 0;
	EXPECT_ERR("name_256", setxattr(path, longname, "x", 1, 0), ERANGE);
	EXPECT_ERR("get_name_256", getxattr(path, longname, v, sizeof(v)), ERANGE);
	EXPECT_ERR("remove_name_256", removexattr(path, longname), ERANGE);
	longname[255] = 0;
	EXPECT_VAL("name_255", setxattr(path, longname, "x", 1, 0), 0);
	EXPECT_VAL("get_name_255", getxattr(path, longname, v, sizeof(v)), 1);
	EXPECT_VAL("remove_name_255", removexattr(path, longname), 0);
	EXPECT_ERR("value_too_big", syscall(SYS_setxattr, path, "user.a", BADPTR, 65537, 0), E2BIG);
	EXPECT_ERR("value_efault", syscall(SYS_setxattr, path, "user.a", BADPTR, 10, 0), EFAULT);
	EXPECT_ERR("name_efault", setxattr(path, BADPTR, "x", 1, 0), EFAULT);
	/* The name is checked before the path is walked. */
	EXPECT_ERR("name_before_path", getxattr("/nonexistent/x", "", v, sizeof(v)), ERANGE);
	EXPECT_ERR("set_name_before_path", setxattr("/nonexistent/x", "", "x", 1, 0), ERANGE);
	EXPECT_ERR("missing_path", getxattr("/nonexistent/x", "user.a", v, sizeof(v)), ENOENT);
	EXPECT_ERR("set_missing_path", setxattr("/nonexistent/x", "user.a", "x", 1, 0), ENOENT);
	EXPECT_ERR("empty_path", getxattr("", "user.a", v, sizeof(v)), ENOENT);
	/* Namespaces: no prefix, a bare prefix. */
	EXPECT_ERR("unknown_prefix", setxattr(path, "foo.bar", "x", 1, 0), EOPNOTSUPP);
	EXPECT_ERR("get_unknown_prefix", getxattr(path, "foo.bar", v, sizeof(v)), EOPNOTSUPP);
	EXPECT_ERR("no_prefix", setxattr(path, "plain", "x", 1, 0), EOPNOTSUPP);
	EXPECT_ERR("bare_user_prefix", setxattr(path, "user.", "x", 1, 0), EINVAL);
	EXPECT_ERR("get_bare_user_prefix", getxattr(path, "user.", v, sizeof(v)), EINVAL);

	/* Listing: size query, exact buffer, short buffer. */
	long n = listxattr(path, NULL, 0);
	CHECK(n > 0);
	long other = other_names_size(list, 0);
	CHECK_EQ(listxattr(path, list, sizeof(list)), n);
	other = other_names_size(list, n);
	EXPECT_VAL("list_size_of_ours", n - other,
		   sizeof("user.a") + sizeof("user.b") + sizeof("user.empty"));
	print_names("list", list, n);
	EXPECT_ERR("list_short", listxattr(path, list, 1), ERANGE);
	EXPECT_ERR("list_bad_buf", syscall(SYS_listxattr, path, BADPTR, sizeof(list)), EFAULT);
	EXPECT_ERR("list_missing_path", listxattr("/nonexistent/x", list, sizeof(list)), ENOENT);

	/* Remove. */
	EXPECT_VAL("remove", removexattr(path, "user.b"), 0);
	EXPECT_ERR("remove_again", removexattr(path, "user.b"), ENODATA);
	EXPECT_ERR("get_removed", getxattr(path, "user.b", v, sizeof(v)), ENODATA);
	EXPECT_ERR("remove_unknown_prefix", removexattr(path, "foo.bar"), EOPNOTSUPP);
	OK(removexattr(path, "user.empty"));

	/* Through the fd. */
	EXPECT_VAL("fset", fsetxattr(fd, "user.f", "fd", 2, 0), 0);
	EXPECT_VAL("fget", fgetxattr(fd, "user.f", v, sizeof(v)), 2);
	n = flistxattr(fd, list, sizeof(list));
	CHECK(n > 0);
	print_names("flist", list, n);
	EXPECT_VAL("fremove", fremovexattr(fd, "user.f"), 0);
	EXPECT_ERR("fget_bad_fd", fgetxattr(-1, "user.f", v, sizeof(v)), EBADF);
	/* Since Linux 6.13 the name and flags are checked before the fd. */
	EXPECT_ERR("fget_name_before_fd", fgetxattr(-1, "", v, sizeof(v)), ERANGE);
	EXPECT_ERR("fset_flags_before_fd", fsetxattr(-1, "user.f", "x", 1, 8), EINVAL);
	EXPECT_ERR("fremove_name_before_fd", fremovexattr(-1, ""), ERANGE);
	EXPECT_ERR("fset_bad_fd", fsetxattr(-1, "user.f", "x", 1, 0), EBADF);
	EXPECT_ERR("flist_bad_fd", flistxattr(-1, list, sizeof(list)), EBADF);
	EXPECT_ERR("fremove_bad_fd", fremovexattr(-1, "user.f"), EBADF);
	int pfd = OK(open(path, O_PATH));
	EXPECT_ERR("fget_o_path", fgetxattr(pfd, "user.a", v, sizeof(v)), EBADF);
	EXPECT_ERR("fset_o_path", fsetxattr(pfd, "user.a", "x", 1, 0), EBADF);
	OK(close(pfd));
	/* A read-only descriptor may still set them: the check is on the inode. */
	int rfd = OK(open(path, O_RDONLY));
	EXPECT_VAL("fset_via_rdonly_fd", fsetxattr(rfd, "user.r", "r", 1, 0), 0);
	OK(fremovexattr(rfd, "user.r"));
	OK(close(rfd));

	/* Symlinks: the path forms follow them, the l- forms do not (user.* is refused on a
	 * symlink itself). */
	EXPECT_VAL("get_through_symlink", getxattr(link_path, "user.a", v, sizeof(v)), 5);
	EXPECT_ERR("lget_on_symlink", lgetxattr(link_path, "user.a", v, sizeof(v)), ENODATA);
	EXPECT_ERR("lset_on_symlink", lsetxattr(link_path, "user.a", "x", 1, 0), EPERM);
	EXPECT_ERR("lremove_on_symlink", lremovexattr(link_path, "user.a"), EPERM);
	n = llistxattr(link_path, list, sizeof(list));
	CHECK(n >= 0);
	print_names("llist_symlink", list, n);
	EXPECT_VAL("lset_on_file", lsetxattr(path, "user.l", "l", 1, 0), 0);
	EXPECT_VAL("lget_on_file", lgetxattr(path, "user.l", v, sizeof(v)), 1);
	EXPECT_VAL("lremove_on_file", lremovexattr(path, "user.l"), 0);
	/* A FIFO: no user.* either; a directory has them. */
	EXPECT_ERR("set_on_fifo", setxattr(fifo_path, "user.a", "x", 1, 0), EPERM);
	EXPECT_ERR("get_on_fifo", getxattr(fifo_path, "user.a", v, sizeof(v)), ENODATA);
	EXPECT_VAL("set_on_dir", setxattr(dir_path, "user.d", "dir", 3, 0), 0);
	EXPECT_VAL("get_on_dir", getxattr(dir_path, "user.d", v, sizeof(v)), 3);
	OK(mkdir(sticky_path, 0755));
	OK(chmod(sticky_path, 01777));
	EXPECT_VAL("root_set_on_sticky_dir", setxattr(sticky_path, "user.d", "dir", 3, 0), 0);

	/* trusted.* for root. */
	EXPECT_VAL("root_set_trusted", setxattr(path, "trusted.t", "t", 1, 0), 0);
	EXPECT_VAL("root_get_trusted", getxattr(path, "trusted.t", v, sizeof(v)), 1);
	n = listxattr(path, list, sizeof(list));
	CHECK(n > 0);
	print_names("root_list", list, n);

	pid_t pid = xfork();
	if (pid == 0) {
		unprivileged_checks();
		_exit(0);
	}
	wait_and_print("unprivileged_child", pid);
	/* Write permission is what counts, not ownership: a 0444 file refuses its own
	 * unprivileged owner until it has a write bit. */
	OK(fchown(fd, 65534, 65534));
	OK(fchmod(fd, 0444));
	pid = xfork();
	if (pid == 0) {
		CHECK(setresuid(65534, 65534, 65534) == 0);
		EXPECT_ERR("owner_no_write_bit", setxattr(path, "user.o", "x", 1, 0), EACCES);
		OK(chmod(path, 0644));
		EXPECT_VAL("owner_with_write_bit", setxattr(path, "user.o", "x", 1, 0), 0);
		fflush(stdout);
		_exit(0);
	}
	wait_and_print("owner_child", pid);

	OK(close(fd));
	OK(unlink(path));
	OK(unlink(link_path));
	OK(unlink(fifo_path));
	OK(rmdir(dir_path));
	OK(rmdir(sticky_path));
	OK(rmdir(dir));
	return done();
}
