/* open/openat/creat creating files: O_CREAT, O_EXCL, O_TRUNC; the mode after the umask, the
 * owner, the access the new fd has, and the errno of every refusal, as root and as nobody. */
#define _GNU_SOURCE
#include "scratch.h"

static void nobody_checks(void)
{
	EXPECT_ERR("nobody_creat_in_0755", open("ro/new", O_WRONLY | O_CREAT, 0644), EACCES);
	/* An existing file in a directory nobody may not write: O_CREAT just opens it. */
	int fd = EXPECT_OK("nobody_creat_existing_in_0755", open("ro/f", O_RDONLY | O_CREAT, 0644));
	OK(close(fd));
	EXPECT_ERR("nobody_creat_excl_existing_in_0755",
		   open("ro/f", O_RDONLY | O_CREAT | O_EXCL, 0644), EEXIST);
	EXPECT_ERR("nobody_creat_under_0700", open("priv/new", O_WRONLY | O_CREAT, 0644), EACCES);
	/* A new file is opened with the access asked for, whatever its mode says. */
	fd = EXPECT_OK("nobody_creat_mode_0", open("open/mine", O_RDWR | O_CREAT, 0));
	EXPECT_VAL("nobody_write_mode_0", write(fd, "abc", 3), 3);
	OK(close(fd));
	struct stat st = lst("open/mine");
	EXPECT_TRUE("nobody_owner", st.st_uid == NOBODY && st.st_gid == NOBODY);
	EXPECT_MODE("nobody_mode", st.st_mode & 07777, 0);
	/* Opened again, the mode counts. */
	EXPECT_ERR("nobody_reopen_mode_0", open("open/mine", O_RDWR | O_CREAT, 0644), EACCES);
	EXPECT_ERR("nobody_open_roots_0644_write", open("open/roots", O_WRONLY | O_CREAT, 0644),
		   EACCES);
}

int main(void)
{
	char buf[64];
	struct stat st;
	scratch_enter("creat");
	struct stat top0 = lst(".");
	wait_past(top0.st_mtim);

	int fd = EXPECT_OK("creat_new", open("f", O_WRONLY | O_CREAT, 0666));
	st = lst("f");
	EXPECT_TRUE("regular", S_ISREG(st.st_mode));
	EXPECT_MODE("mode_after_umask", st.st_mode & 07777, 0644);
	EXPECT_VAL("size", st.st_size, 0);
	EXPECT_VAL("nlink", st.st_nlink, 1);
	EXPECT_TRUE("owned_by_root", st.st_uid == 0 && st.st_gid == 0);
	EXPECT_TRUE("dir_mtime_moved", ts_cmp(lst(".").st_mtim, top0.st_mtim) > 0);
	EXPECT_VAL("dir_nlink_unchanged", lst(".").st_nlink, top0.st_nlink);
	EXPECT_VAL("write", write(fd, "hello", 5), 5);
	EXPECT_ERR("read_on_wronly", read(fd, buf, 1), EBADF);
	OK(close(fd));
	/* The times of a new file are all the same. */
	EXPECT_TRUE("new_times_equal",
		    ts_cmp(st.st_atim, st.st_mtim) == 0 && ts_cmp(st.st_mtim, st.st_ctim) == 0);

	/* O_CREAT on an existing file opens it and leaves it alone (mode argument ignored). */
	fd = EXPECT_OK("creat_existing", open("f", O_RDWR | O_CREAT, 0600));
	EXPECT_VAL("existing_content", read(fd, buf, sizeof(buf)), 5);
	EXPECT_MODE("existing_mode_kept", lst("f").st_mode & 07777, 0644);
	OK(close(fd));
	EXPECT_ERR("creat_excl_existing", open("f", O_RDWR | O_CREAT | O_EXCL, 0600), EEXIST);
	fd = EXPECT_OK("creat_excl_new", open("g", O_RDWR | O_CREAT | O_EXCL, 0600));
	EXPECT_MODE("excl_new_mode", lst("g").st_mode & 07777, 0600);
	OK(close(fd));
	/* O_EXCL without O_CREAT is ignored for regular files. */
	fd = EXPECT_OK("excl_without_creat", open("g", O_RDONLY | O_EXCL));
	OK(close(fd));
	/* O_TRUNC with O_CREAT on an existing file. */
	fd = EXPECT_OK("creat_trunc_existing", open("f", O_WRONLY | O_CREAT | O_TRUNC, 0600));
	EXPECT_VAL("creat_trunc_size", lst("f").st_size, 0);
	OK(close(fd));

	/* creat(): O_CREAT | O_WRONLY | O_TRUNC. */
	put("c", "old content");
	fd = EXPECT_OK("creat_syscall_existing", syscall(SYS_creat, "c", 0600));
	EXPECT_VAL("creat_truncated", lst("c").st_size, 0);
	EXPECT_ERR("creat_fd_write_only", read(fd, buf, 1), EBADF);
	OK(close(fd));
	fd = EXPECT_OK("creat_syscall_new", syscall(SYS_creat, "c2", 0751));
	EXPECT_MODE("creat_new_mode", lst("c2").st_mode & 07777, 0751 & ~022);
	OK(close(fd));

	/* Mode bits: the umask, and what survives of the set-id and sticky bits. */
	umask(0);
	fd = OK(open("m1", O_WRONLY | O_CREAT, 07777));
	EXPECT_MODE("all_bits_umask_0", lst("m1").st_mode & 07777, 07777);
	OK(close(fd));
	umask(027);
	fd = OK(open("m2", O_WRONLY | O_CREAT, 0777));
	EXPECT_MODE("umask_027", lst("m2").st_mode & 07777, 0750);
	OK(close(fd));
	umask(022);
	fd = OK(open("m3", O_WRONLY | O_CREAT, S_IFDIR | 0644));
	EXPECT_TRUE("type_bits_ignored", S_ISREG(lst("m3").st_mode));
	OK(close(fd));

	/* A file created read-only is still opened for writing by the creating call. */
	fd = EXPECT_OK("creat_mode_0444_rdwr", open("ro_new", O_RDWR | O_CREAT, 0444));
	EXPECT_VAL("write_new_0444", write(fd, "x", 1), 1);
	OK(close(fd));

	/* openat. */
	OK(mkdir("d", 0755));
	int dfd = OK(open("d", O_RDONLY | O_DIRECTORY));
	fd = EXPECT_OK("openat_creat", openat(dfd, "h", O_WRONLY | O_CREAT | O_EXCL, 0640));
	OK(close(fd));
	EXPECT_MODE("openat_creat_mode", lst("d/h").st_mode & 07777, 0640);
	int ffd = OK(open("f", O_RDONLY));
	EXPECT_ERR("openat_creat_file_dirfd", openat(ffd, "x", O_WRONLY | O_CREAT, 0644), ENOTDIR);
	OK(close(ffd));
	EXPECT_ERR("openat_creat_bad_dirfd", openat(9999, "x", O_WRONLY | O_CREAT, 0644), EBADF);
	OK(close(dfd));

	/* Refusals. */
	EXPECT_ERR("creat_dir", open("d", O_RDONLY | O_CREAT, 0644), EISDIR);
	EXPECT_ERR("creat_dir_excl", open("d", O_RDONLY | O_CREAT | O_EXCL, 0644), EEXIST);
	EXPECT_ERR("creat_slash", open("newname/", O_RDONLY | O_CREAT, 0644), EISDIR);
	EXPECT_ERR("creat_dir_slash", open("d/", O_RDONLY | O_CREAT, 0644), EISDIR);
	EXPECT_ERR("creat_file_slash", open("f/", O_RDONLY | O_CREAT, 0644), EISDIR);
	EXPECT_ERR("creat_dot", open(".", O_RDONLY | O_CREAT, 0644), EISDIR);
	EXPECT_ERR("creat_dotdot", open("d/..", O_RDONLY | O_CREAT, 0644), EISDIR);
	EXPECT_ERR("creat_root", open("/", O_RDONLY | O_CREAT, 0644), EISDIR);
	EXPECT_ERR("creat_missing_dir", open("nope/x", O_WRONLY | O_CREAT, 0644), ENOENT);
	EXPECT_ERR("creat_parent_is_file", open("f/x", O_WRONLY | O_CREAT, 0644), ENOTDIR);
	EXPECT_ERR("creat_empty", open("", O_WRONLY | O_CREAT, 0644), ENOENT);
	EXPECT_ERR("creat_wr_dir", open("d", O_WRONLY | O_CREAT, 0644), EISDIR);
	char longname[300];
	memset(longname, 'n', 256);
	longname[256] = 0;
	EXPECT_ERR("creat_name_256", open(longname, O_WRONLY | O_CREAT, 0644), ENAMETOOLONG);
	longname[255] = 0;
	fd = EXPECT_OK("creat_name_255", open(longname, O_WRONLY | O_CREAT, 0644));
	OK(close(fd));
	OK(unlink(longname));
	EXPECT_ERR("creat_bad_pointer", syscall(SYS_open, BADPTR, O_WRONLY | O_CREAT, 0644),
		   EFAULT);
	OK(symlink("loop", "loop"));
	EXPECT_ERR("creat_through_loop", open("loop/x", O_WRONLY | O_CREAT, 0644), ELOOP);
	EXPECT_ERR("creat_excl_on_loop", open("loop", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
	OK(symlink("f", "sl"));
	EXPECT_ERR("creat_excl_on_symlink", open("sl", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
	fd = EXPECT_OK("creat_through_symlink", open("sl", O_WRONLY | O_CREAT, 0644));
	OK(close(fd));
	OK(mkfifo("fifo", 0644));
	fd = EXPECT_OK("creat_existing_fifo", open("fifo", O_RDWR | O_CREAT, 0644));
	OK(close(fd));

	/* As nobody. */
	OK(mkdir("ro", 0755));
	touch("ro/f", 0644);
	OK(mkdir("priv", 0700));
	OK(mkdir("open", 0777));
	OK(chmod("open", 0777));
	touch("open/roots", 0644);
	run_as_nobody("nobody", nobody_checks);

	char names[512];
	printf("top: %s\n", list_names(".", names, sizeof(names)));
	scratch_leave();
	return done();
}
