/*
 * cvisor's micro-benchmarks, one case per row of the design brief. Static, so it runs in any
 * root. Usage: micro CASE [ITERATIONS]; prints "CASE ns_per_op". The cases that need pieces
 * cvisor does not have yet (TCP, a writable tmpfs) are left to bench/run.sh to skip.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void getppid_case(long n)
{
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
}

static void open_read_close(long n)
{
	char buf[4096];
	for (long i = 0; i < n; i++) {
		int fd = open("/etc/os-release", O_RDONLY);
		if (fd < 0 || read(fd, buf, sizeof(buf)) < 0)
			exit(1);
		close(fd);
	}
}

static void stat_case(long n)
{
	struct stat st;
	for (long i = 0; i < n; i++)
		if (stat("/usr/bin/env", &st) < 0)
			exit(1);
}

static void pipe_rtt(long n)
{
	int a[2], b[2];
	char c = 0;
	if (pipe(a) || pipe(b))
		exit(1);
	pid_t pid = fork();
	if (pid == 0) {
		for (long i = 0; i < n; i++)
			if (read(a[0], &c, 1) != 1 || write(b[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	for (long i = 0; i < n; i++)
		if (write(a[1], &c, 1) != 1 || read(b[0], &c, 1) != 1)
			exit(1);
	waitpid(pid, NULL, 0);
}

static void fork_exec_wait(long n)
{
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
	}
}

static void mmap_touch(long n)
{
	for (long i = 0; i < n; i++) {
		char *p =
		    mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			exit(1);
		for (int off = 0; off < 65536; off += 4096)
			p[off] = 1;
		munmap(p, 65536);
	}
}

static void cpu_loop(long n)
{
	volatile unsigned long x = 1;
	for (long i = 0; i < n * 1000; i++)
		x = x * 6364136223846793005UL + 1442695040888963407UL;
}

static const struct {
	const char *name;
	void (*fn)(long);
	long n;
} cases[] = {
    {"getppid", getppid_case, 20000},
    {"open_read_close", open_read_close, 5000},
    {"stat", stat_case, 10000},
    {"pipe_rtt", pipe_rtt, 2000},
    {"fork_exec_wait", fork_exec_wait, 50},
    {"mmap_64k", mmap_touch, 1000},
    {"cpu_loop", cpu_loop, 20000},
};

int main(int argc, char **argv)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (argc > 1 && strcmp(argv[1], cases[i].name))
			continue;
		long n = argc > 2 ? atol(argv[2]) : cases[i].n;
		double t0 = now_ns();
		cases[i].fn(n);
		printf("%s %.0f\n", cases[i].name, (now_ns() - t0) / n);
	}
	return 0;
}
