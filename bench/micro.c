/*
 * cvisor's micro-benchmarks, one case per row of issue 5. Static, so it runs in any root.
 * Usage: micro CASE [ITERATIONS [DIR]]; prints "CASE ns_per_op". For file_rw and tcp_loopback
 * one op is one MiB and ITERATIONS is the size in MiB; file_rw writes under DIR (default
 * /dev/shm, a tmpfs natively and in every sandbox bench/run.py drives). tcp_loopback exits
 * with EXIT_UNSUPPORTED when socket(AF_INET) fails, so the script can tell "no netstack" from
 * a failure. Container start-to-exit is timed by bench/run.py itself, not here.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB		 (1L << 20)
#define EXIT_UNSUPPORTED 3

static const char *file_dir = "/dev/shm";

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

/* Writes all of buf, whatever short writes the kernel (or the sandbox) makes. */
static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w <= 0) {
			perror("write");
			exit(1);
		}
		buf += w;
		len -= (size_t)w;
	}
}

/* Reads exactly len bytes; returns 0 at end of file before the first byte. */
static size_t read_full(int fd, char *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t r = read(fd, buf + got, len - got);
		if (r < 0) {
			perror("read");
			exit(1);
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return got;
}

/* Writes n MiB to a new file in file_dir, then reads it back: one op is one MiB both ways. */
static void file_rw(long n)
{
	static char buf[MIB];
	char path[4096];
	snprintf(path, sizeof(path), "%s/cvisor-bench-XXXXXX", file_dir);
	int fd = mkstemp(path);
	if (fd < 0) {
		perror(path);
		exit(1);
	}
	unlink(path); /* nothing left behind, even if we die half way */
	memset(buf, 0x5a, sizeof(buf));
	for (long i = 0; i < n; i++)
		write_all(fd, buf, sizeof(buf));
	if (lseek(fd, 0, SEEK_SET) != 0)
		exit(1);
	for (long i = 0; i < n; i++)
		if (read_full(fd, buf, sizeof(buf)) != sizeof(buf))
			exit(1);
	close(fd);
}

/* Sends n MiB from a child to its parent over a loopback TCP connection. */
static void tcp_loopback(long n)
{
	static char buf[MIB];
	struct sockaddr_in addr = {.sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(addr);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0) {
		printf("tcp_loopback unsupported: socket(AF_INET): %s\n", strerror(errno));
		exit(EXIT_UNSUPPORTED);
	}
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&addr, &alen)) {
		perror("tcp_loopback: bind/listen");
		exit(1);
	}
	pid_t pid = fork();
	if (pid == 0) {
		int cfd = socket(AF_INET, SOCK_STREAM, 0);
		if (cfd < 0 || connect(cfd, (struct sockaddr *)&addr, sizeof(addr)))
			_exit(1);
		memset(buf, 0x5a, sizeof(buf));
		for (long i = 0; i < n; i++)
			write_all(cfd, buf, sizeof(buf));
		_exit(0);
	}
	int afd = accept(lfd, NULL, NULL);
	if (afd < 0) {
		perror("tcp_loopback: accept");
		exit(1);
	}
	long total = 0;
	size_t got;
	while ((got = read_full(afd, buf, sizeof(buf))) > 0)
		total += (long)got;
	int status;
	waitpid(pid, &status, 0);
	if (total != n * MIB || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "tcp_loopback: received %ld of %ld bytes\n", total, n * MIB);
		exit(1);
	}
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
    {"file_rw", file_rw, 1024},
    {"tcp_loopback", tcp_loopback, 1024},
};

int main(int argc, char **argv)
{
	int ran = 0;
	if (argc > 3)
		file_dir = argv[3];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (argc > 1 && strcmp(argv[1], cases[i].name))
			continue;
		long n = argc > 2 ? atol(argv[2]) : cases[i].n;
		if (n <= 0) {
			fprintf(stderr, "micro: ITERATIONS must be a positive number\n");
			return 2;
		}
		double t0 = now_ns();
		cases[i].fn(n);
		printf("%s %.0f\n", cases[i].name, (now_ns() - t0) / n);
		fflush(stdout); /* before the next case forks */
		ran++;
	}
	if (!ran) {
		fprintf(stderr, "micro: unknown case '%s'\n", argv[1]);
		return 2;
	}
	return 0;
}
