/* memfd_create: an unlinked 0777 regular file open O_RDWR, read/write/truncate, shared
 * mappings, /proc/self/fd's "/memfd:NAME (deleted)", inheritance by fork, flags and names.
 * (File seals are not checked: cvisor has none yet.) */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#define TMPFS_MAGIC_ 0x01021994

static long memfd(const void *name, unsigned flags)
{
	return syscall(SYS_memfd_create, name, flags);
}

static void link_of(int fd, char *out, size_t cap)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	long n = OK(readlink(path, out, cap - 1));
	out[n] = 0;
}

int main(void)
{
	char buf[8192], text[512];
	struct stat st;
	umask(077); /* not applied to memfds */

	int fd = EXPECT_OK("create", memfd("hello", 0));
	OK(fstat(fd, &st));
	EXPECT_VAL("mode", st.st_mode, S_IFREG | 0777);
	EXPECT_VAL("nlink", st.st_nlink, 0);
	EXPECT_VAL("size", st.st_size, 0);
	EXPECT_TRUE("owner", st.st_uid == geteuid() && st.st_gid == getegid());
	EXPECT_VAL("getfl", fcntl(fd, F_GETFL), O_RDWR | 0100000); /* O_LARGEFILE, 0 in glibc */
	EXPECT_VAL("getfd", fcntl(fd, F_GETFD), 0);
	link_of(fd, text, sizeof(text));
	printf("link: %s\n", text);
	struct statfs sfs;
	OK(fstatfs(fd, &sfs));
	EXPECT_TRUE("tmpfs", sfs.f_type == TMPFS_MAGIC_);

	/* An ordinary file. */
	EXPECT_VAL("write", write(fd, "hello world", 11), 11);
	EXPECT_VAL("lseek_end", lseek(fd, 0, SEEK_END), 11);
	EXPECT_VAL("pread", pread(fd, buf, sizeof(buf), 6), 5);
	EXPECT_TRUE("pread_data", memcmp(buf, "world", 5) == 0);
	EXPECT_OK("ftruncate", ftruncate(fd, 8192));
	OK(fstat(fd, &st));
	EXPECT_VAL("size_truncated", st.st_size, 8192);
	EXPECT_VAL("pread_zeros", pread(fd, buf, sizeof(buf), 0), 8192);
	EXPECT_TRUE("zeros_after", buf[11] == 0 && buf[8191] == 0);

	/* Shared mappings see writes, and writes through them reach the file. */
	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	EXPECT_TRUE("map_sees_write", memcmp(m, "hello world", 11) == 0);
	memcpy(m + 4096, "mapped", 6);
	EXPECT_VAL("pread_mapped", pread(fd, buf, 6, 4096), 6);
	EXPECT_TRUE("file_sees_store", memcmp(buf, "mapped", 6) == 0);

	/* A child shares the file (and the mapping). */
	pid_t pid = xfork();
	if (pid == 0) {
		if (pwrite(fd, "child", 5, 100) != 5 || memcmp(m + 4096, "mapped", 6))
			_exit(1);
		m[200] = 'M';
		_exit(0);
	}
	wait_and_print("child", pid);
	EXPECT_VAL("pread_child", pread(fd, buf, 5, 100), 5);
	EXPECT_TRUE("child_write_seen", memcmp(buf, "child", 5) == 0 && m[200] == 'M');
	OK(munmap(m, 8192));

	/* Each memfd is a file of its own, on the same filesystem. */
	int fd2 = EXPECT_OK("second", memfd("hello", MFD_CLOEXEC | MFD_ALLOW_SEALING));
	EXPECT_VAL("cloexec", fcntl(fd2, F_GETFD), FD_CLOEXEC);
	struct stat st2;
	OK(fstat(fd, &st));
	OK(fstat(fd2, &st2));
	EXPECT_TRUE("own_inode", st.st_ino != st2.st_ino);
	EXPECT_TRUE("same_dev", st.st_dev == st2.st_dev);
	EXPECT_VAL("second_empty", pread(fd2, buf, sizeof(buf), 0), 0);
	int fd3 = EXPECT_OK("exec_flag", memfd("x", MFD_EXEC));
	OK(fstat(fd3, &st));
	EXPECT_VAL("exec_mode", st.st_mode, S_IFREG | 0777);

	/* Names: up to 249 bytes, anything in them. */
	char name[300];
	memset(name, 'n', sizeof(name));
	name[249] = 0;
	int lng = EXPECT_OK("name_249", memfd(name, 0));
	link_of(lng, text, sizeof(text));
	EXPECT_VAL("name_249_link_len", strlen(text), 1 + 6 + 249 + 10);
	name[249] = 'n';
	name[250] = 0;
	EXPECT_ERR("name_250", memfd(name, 0), EINVAL);
	int sl = EXPECT_OK("name_slash", memfd("a/b c", 0));
	link_of(sl, text, sizeof(text));
	printf("slash_link: %s\n", text);
	int empty = EXPECT_OK("name_empty", memfd("", 0));
	link_of(empty, text, sizeof(text));
	printf("empty_link: %s\n", text);
	EXPECT_ERR("name_fault", memfd(BADPTR, 0), EFAULT);

	/* Flags. */
	EXPECT_ERR("bad_flag", memfd("x", 0x100), EINVAL);
	EXPECT_ERR("huge_bits_alone", memfd("x", 21U << 26), EINVAL);
	EXPECT_ERR("exec_and_noexec", memfd("x", MFD_EXEC | MFD_NOEXEC_SEAL), EINVAL);
	EXPECT_ERR("bad_flag_before_fault", memfd(BADPTR, 0x100), EINVAL);
	return done();
}
