/* MAP_SHARED mappings of regular files: stores through the mapping are seen by read(2) and
 * by another process's mapping, write(2) is seen through the mapping, msync succeeds, a
 * page wholly past the end of the file raises SIGBUS, and the access-mode rules (EACCES for
 * a writable shared map of a read-only fd). */
#define _GNU_SOURCE
#include "scratch.h"

#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

static sigjmp_buf jb;
static void on_bus(int sig)
{
	siglongjmp(jb, sig);
}

int main(void)
{
	scratch_enter("mmap_shared");
	int fd = (int)OK(open("f", O_RDWR | O_CREAT, 0644));
	OK(ftruncate(fd, 8192));
	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	memcpy(m + 100, "through-map", 11);
	char buf[32] = {0};
	OK(pread(fd, buf, 11, 100));
	EXPECT_TRUE("read_sees_store", memcmp(buf, "through-map", 11) == 0);
	OK(pwrite(fd, "via-write", 9, 5000));
	EXPECT_TRUE("map_sees_write", memcmp(m + 5000, "via-write", 9) == 0);

	/* A second mapping of the same file, in a child process. */
	pid_t pid = fork();
	if (pid == 0) {
		int cfd = open("f", O_RDWR);
		char *cm = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
		if (cm == MAP_FAILED)
			_exit(2);
		memcpy(cm + 200, "from-child", 10);
		_exit(msync(cm, 4096, MS_SYNC) == 0 ? 0 : 3);
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	EXPECT_VAL("child_exit", WEXITSTATUS(st), 0);
	EXPECT_TRUE("parent_sees_child_store", memcmp(m + 200, "from-child", 10) == 0);
	/* The mapping inherited over fork is the same memory too. */
	pid = fork();
	if (pid == 0) {
		memcpy(m + 300, "inherited", 9);
		_exit(0);
	}
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	EXPECT_TRUE("inherited_map_shared", memcmp(m + 300, "inherited", 9) == 0);
	EXPECT_OK("msync", msync(m, 8192, MS_SYNC));
	EXPECT_OK("msync_async", msync(m, 4096, MS_ASYNC));
	EXPECT_ERR("msync_bad_flags", msync(m, 4096, MS_SYNC | MS_ASYNC), EINVAL);

	/* Shrinking the file: the second page is now past the end. */
	OK(ftruncate(fd, 4096));
	signal(SIGBUS, on_bus);
	int sig = sigsetjmp(jb, 1);
	if (sig == 0) {
		volatile char c = m[4096 + 10];
		(void)c;
		printf("past_eof: no signal\n");
	} else {
		printf("past_eof: signal %d\n", sig);
	}
	signal(SIGBUS, SIG_DFL);
	OK(munmap(m, 8192));

	/* Access modes. */
	int ro = (int)OK(open("f", O_RDONLY));
	EXPECT_TRUE("ro_shared_read", mmap(NULL, 4096, PROT_READ, MAP_SHARED, ro, 0) != MAP_FAILED);
	errno = 0;
	EXPECT_TRUE("ro_shared_write_eacces",
		    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED &&
			errno == EACCES);
	char *r = mmap(NULL, 4096, PROT_READ, MAP_SHARED, ro, 0);
	CHECK(r != MAP_FAILED);
	EXPECT_ERR("mprotect_write_on_ro_shared", mprotect(r, 4096, PROT_READ | PROT_WRITE),
		   EACCES);
	OK(pwrite(fd, "late", 4, 0));
	EXPECT_TRUE("ro_map_sees_later_write", memcmp(r, "late", 4) == 0);
	close(ro);
	close(fd);
	scratch_leave();
	return done();
}
