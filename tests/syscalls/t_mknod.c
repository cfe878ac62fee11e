/* mknod and mknodat: regular files, FIFOs, sockets and device nodes; the mode after the
 * umask, st_rdev, opening what was made, and the errno of every refusal. */
#define _GNU_SOURCE
#include "scratch.h"

#include <sys/sysmacros.h>

static void nobody_checks(void)
{
	EXPECT_ERR("nobody_char_device", mknod("open/null2", S_IFCHR | 0666, makedev(1, 3)), EPERM);
	EXPECT_ERR("nobody_block_device", mknod("open/blk", S_IFBLK | 0666, makedev(7, 0)), EPERM);
	EXPECT_OK("nobody_fifo", mknod("open/fifo", S_IFIFO | 0644, 0));
	EXPECT_OK("nobody_regular", mknod("open/reg", S_IFREG | 0644, 0));
	EXPECT_ERR("nobody_fifo_in_0755", mknod("ro/fifo", S_IFIFO | 0644, 0), EACCES);
	EXPECT_TRUE("nobody_owner", lst("open/fifo").st_uid == NOBODY);
}

int main(void)
{
	char buf[16];
	struct stat st;
	scratch_enter("mknod");

	/* Regular files: S_IFREG or no type at all. */
	EXPECT_OK("regular", mknod("reg", S_IFREG | 0666, 0));
	st = lst("reg");
	EXPECT_TRUE("is_regular", S_ISREG(st.st_mode));
	EXPECT_MODE("regular_mode", st.st_mode & 07777, 0644);
	EXPECT_VAL("regular_size", st.st_size, 0);
	EXPECT_VAL("regular_nlink", st.st_nlink, 1);
	EXPECT_OK("no_type", mknod("notype", 0640, 0));
	EXPECT_TRUE("no_type_is_regular", S_ISREG(lst("notype").st_mode));
	EXPECT_MODE("no_type_mode", lst("notype").st_mode & 07777, 0640);
	int fd = OK(open("reg", O_RDWR));
	EXPECT_VAL("regular_write", write(fd, "abc", 3), 3);
	OK(close(fd));

	/* FIFOs. */
	EXPECT_OK("fifo", mknod("fifo", S_IFIFO | 0666, 0));
	st = lst("fifo");
	EXPECT_TRUE("is_fifo", S_ISFIFO(st.st_mode));
	EXPECT_MODE("fifo_mode", st.st_mode & 07777, 0644);
	EXPECT_VAL("fifo_size", st.st_size, 0);
	EXPECT_ERR("fifo_no_reader", open("fifo", O_WRONLY | O_NONBLOCK), ENXIO);
	fd = OK(open("fifo", O_RDWR));
	EXPECT_VAL("fifo_write", write(fd, "xy", 2), 2);
	EXPECT_VAL("fifo_read", read(fd, buf, sizeof(buf)), 2);
	OK(close(fd));
	EXPECT_OK("mkfifo", mkfifo("fifo2", 0600));
	EXPECT_TRUE("mkfifo_is_fifo", S_ISFIFO(lst("fifo2").st_mode));

	/* Sockets: a name that cannot be opened. */
	EXPECT_OK("socket_node", mknod("sock", S_IFSOCK | 0644, 0));
	EXPECT_TRUE("is_socket", S_ISSOCK(lst("sock").st_mode));
	EXPECT_ERR("open_socket_node", open("sock", O_RDONLY), ENXIO);

	/* Device nodes (root): st_rdev as given. */
	EXPECT_OK("char_device", mknod("null", S_IFCHR | 0666, makedev(1, 3)));
	st = lst("null");
	EXPECT_TRUE("is_char_device", S_ISCHR(st.st_mode));
	EXPECT_VAL("rdev_major", major(st.st_rdev), 1);
	EXPECT_VAL("rdev_minor", minor(st.st_rdev), 3);
	EXPECT_OK("block_device", mknod("blk", S_IFBLK | 0600, makedev(7, 200)));
	st = lst("blk");
	EXPECT_TRUE("is_block_device", S_ISBLK(st.st_mode));
	EXPECT_VAL("block_rdev", st.st_rdev == makedev(7, 200), 1);
	/* The device number of a regular file or FIFO is ignored. */
	EXPECT_OK("fifo_with_dev", mknod("fifo3", S_IFIFO | 0644, makedev(1, 3)));
	EXPECT_VAL("fifo_rdev_0", lst("fifo3").st_rdev, 0);

	/* mknodat. */
	OK(mkdir("d", 0755));
	int dfd = OK(open("d", O_RDONLY | O_DIRECTORY));
	EXPECT_OK("mknodat", mknodat(dfd, "f", S_IFIFO | 0600, 0));
	EXPECT_TRUE("mknodat_made", S_ISFIFO(lst("d/f").st_mode));
	EXPECT_ERR("mknodat_bad_dirfd", mknodat(9999, "f", S_IFIFO | 0600, 0), EBADF);
	int rfd = OK(open("reg", O_RDONLY));
	EXPECT_ERR("mknodat_file_dirfd", mknodat(rfd, "f", S_IFIFO | 0600, 0), ENOTDIR);
	OK(close(rfd));
	OK(close(dfd));

	/* Refusals. */
	EXPECT_ERR("directory_type", mknod("dir", S_IFDIR | 0755, 0), EPERM);
	EXPECT_ERR("symlink_type", mknod("lnk", S_IFLNK | 0777, 0), EINVAL);
	EXPECT_ERR("bad_type", mknod("bad", 0170000 | 0644, 0), EINVAL);
	EXPECT_ERR("exists", mknod("reg", S_IFREG | 0644, 0), EEXIST);
	EXPECT_ERR("exists_dir", mknod("d", S_IFIFO | 0644, 0), EEXIST);
	EXPECT_ERR("exists_dangling_symlink",
		   (symlink("nowhere", "dl"), mknod("dl", S_IFIFO | 0644, 0)), EEXIST);
	EXPECT_ERR("trailing_slash", mknod("new/", S_IFIFO | 0644, 0), ENOENT);
	EXPECT_ERR("dot", mknod(".", S_IFIFO | 0644, 0), EEXIST);
	EXPECT_ERR("missing_parent", mknod("nope/x", S_IFIFO | 0644, 0), ENOENT);
	EXPECT_ERR("parent_is_file", mknod("reg/x", S_IFIFO | 0644, 0), ENOTDIR);
	EXPECT_ERR("empty", mknod("", S_IFIFO | 0644, 0), ENOENT);
	EXPECT_ERR("bad_pointer", syscall(SYS_mknod, BADPTR, S_IFIFO | 0644, 0), EFAULT);

	/* As nobody. */
	OK(mkdir("open", 0777));
	OK(chmod("open", 0777));
	OK(mkdir("ro", 0755));
	run_as_nobody("nobody", nobody_checks);

	char names[256];
	printf("top: %s\n", list_names(".", names, sizeof(names)));
	scratch_leave();
	return done();
}
