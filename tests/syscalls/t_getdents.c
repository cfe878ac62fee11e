/* getdents64: a full listing (sorted, with types checked against lstat), small-buffer reads,
 * rewinding with lseek, and the error cases. */
#define _GNU_SOURCE
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>

#define DIR_PATH "/usr/share/common-licenses"

struct dirent64_k {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static char names[256][256];
static int nnames;

/* Reads the whole directory with buffers of bufsize bytes; returns the number of entries and,
 * when store is set, keeps their names in names[]. */
static int list_dir(int fd, size_t bufsize, int store)
{
	static char buf[65536] __attribute__((aligned(8)));
	nnames = 0;
	memset(names, 0, sizeof(names));
	for (;;) {
		long n = OK(syscall(SYS_getdents64, fd, buf, bufsize));
		if (n == 0)
			break;
		CHECK(n > 0 && (size_t)n <= bufsize);
		for (long off = 0; off < n;) {
			struct dirent64_k *d = (struct dirent64_k *)(buf + off);
			CHECK(d->d_reclen > 0 && d->d_reclen % 8 == 0 && off + d->d_reclen <= n);
			CHECK(strlen(d->d_name) < 256);
			if (store) {
				CHECK(nnames < 256);
				strcpy(names[nnames], d->d_name);
			}
			/* d_type, when the filesystem gives one, matches lstat. */
			if (store && d->d_type != DT_UNKNOWN && strcmp(d->d_name, "..") != 0) {
				struct stat st;
				OK(fstatat(fd, d->d_name, &st, AT_SYMLINK_NOFOLLOW));
				CHECK_EQ(d->d_type, IFTODT(st.st_mode));
			}
			nnames++;
			off += d->d_reclen;
		}
	}
	return nnames;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

int main(void)
{
	int fd = OK(open(DIR_PATH, O_RDONLY | O_DIRECTORY));
	int n = list_dir(fd, 65536, 1);
	printf("entries: %d\n", n);
	qsort(names, n, sizeof(names[0]), cmp);
	for (int i = 0; i < n; i++) {
		struct stat st;
		OK(fstatat(fd, names[i], &st, AT_SYMLINK_NOFOLLOW));
		printf("  %s %s\n",
		       S_ISDIR(st.st_mode)   ? "d"
		       : S_ISLNK(st.st_mode) ? "l"
		       : S_ISREG(st.st_mode) ? "-"
					     : "?",
		       names[i]);
	}
	static char first[256][256];
	memcpy(first, names, sizeof(names));
	/* At the end, even a too-small buffer just reports the end: nothing needed to fit. */
	char tiny[8];
	EXPECT_VAL("count_1_at_eof", syscall(SYS_getdents64, fd, tiny, 1), 0);
	EXPECT_VAL("count_0_at_eof", syscall(SYS_getdents64, fd, tiny, 0), 0);

	/* Rewind and read again in small chunks: the same set. */
	EXPECT_VAL("rewind", lseek(fd, 0, SEEK_SET), 0);
	EXPECT_VAL("small_chunks_count", list_dir(fd, 64, 1), n);
	qsort(names, n, sizeof(names[0]), cmp);
	EXPECT_TRUE("small_chunks_same_names", memcmp(first, names, sizeof(names)) == 0);
	EXPECT_VAL("eof_after_listing", syscall(SYS_getdents64, fd, names, sizeof(names)), 0);

	/* A buffer too small for even one entry. */
	OK(lseek(fd, 0, SEEK_SET));
	EXPECT_ERR("count_1", syscall(SYS_getdents64, fd, tiny, 1), EINVAL);
	EXPECT_ERR("count_0", syscall(SYS_getdents64, fd, tiny, 0), EINVAL);
	EXPECT_ERR("bad_buffer", syscall(SYS_getdents64, fd, BADPTR, 4096), EFAULT);

	/* A fresh directory fd through a symlink lists the target. */
	int bin = OK(open("/bin", O_RDONLY | O_DIRECTORY));
	int usrbin = OK(open("/usr/bin", O_RDONLY | O_DIRECTORY));
	int nb = list_dir(bin, 65536, 0);
	int nu = list_dir(usrbin, 65536, 0);
	EXPECT_TRUE("bin_lists_like_usr_bin", nb == nu && nb > 10);
	OK(close(bin));
	OK(close(usrbin));

	/* Errors. */
	int file = OK(open(DIR_PATH "/GPL-3", O_RDONLY));
	EXPECT_ERR("not_a_directory", syscall(SYS_getdents64, file, names, sizeof(names)), ENOTDIR);
	EXPECT_ERR("bad_fd", syscall(SYS_getdents64, -1, names, sizeof(names)), EBADF);
	EXPECT_ERR("fd_9999", syscall(SYS_getdents64, 9999, names, sizeof(names)), EBADF);
	int pfd = OK(open(DIR_PATH, O_PATH));
	EXPECT_ERR("o_path_fd", syscall(SYS_getdents64, pfd, names, sizeof(names)), EBADF);
	OK(close(pfd));
	OK(close(file));
	OK(close(fd));
	return done();
}
