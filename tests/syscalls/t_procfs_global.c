/* /proc's global files and sys/, the listing of /proc, and what writing to /proc does. */
#define _GNU_SOURCE
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/utsname.h>

static char buf[1 << 16];

static size_t slurp(const char *path)
{
	int fd = OK(open(path, O_RDONLY));
	size_t n = 0;
	for (;;) {
		ssize_t r = OK(read(fd, buf + n, sizeof(buf) - 1 - n));
		if (r == 0)
			break;
		n += (size_t)r;
		CHECK(n < sizeof(buf) - 1);
	}
	buf[n] = 0;
	OK(close(fd));
	return n;
}

int main(void)
{
	struct utsname u;
	OK(uname(&u));
	slurp("/proc/sys/kernel/ostype");
	printf("ostype: %s", buf);
	slurp("/proc/sys/kernel/osrelease");
	EXPECT_TRUE("osrelease_is_uname", strncmp(buf, u.release, strlen(u.release)) == 0 &&
					      strcmp(buf + strlen(u.release), "\n") == 0);
	slurp("/proc/sys/kernel/hostname");
	EXPECT_TRUE("hostname_is_uname", strncmp(buf, u.nodename, strlen(u.nodename)) == 0);
	slurp("/proc/version");
	EXPECT_TRUE("version_starts", strncmp(buf, "Linux version ", 14) == 0);
	slurp("/proc/sys/kernel/pid_max");
	EXPECT_TRUE("pid_max_above_our_pid", atol(buf) > getpid());
	slurp("/proc/sys/kernel/cap_last_cap");
	EXPECT_TRUE("cap_last_cap", atoi(buf) >= 40);
	slurp("/proc/sys/kernel/random/boot_id");
	printf("boot_id_len: %zu\n", strlen(buf));

	double up, idle;
	slurp("/proc/uptime");
	EXPECT_VAL("uptime_two_floats", sscanf(buf, "%lf %lf", &up, &idle), 2);
	EXPECT_TRUE("uptime_nonnegative", up >= 0 && idle >= 0);
	double l1, l5, l15;
	int running, total, last;
	slurp("/proc/loadavg");
	EXPECT_VAL("loadavg_fields",
		   sscanf(buf, "%lf %lf %lf %d/%d %d", &l1, &l5, &l15, &running, &total, &last), 6);
	EXPECT_TRUE("loadavg_counts", running >= 1 && total >= running);
	slurp("/proc/stat");
	EXPECT_TRUE("stat_cpu_line", strncmp(buf, "cpu ", 4) == 0);
	EXPECT_TRUE("stat_btime", strstr(buf, "\nbtime ") != NULL);
	EXPECT_TRUE("stat_procs_running", strstr(buf, "\nprocs_running ") != NULL);
	slurp("/proc/cpuinfo");
	EXPECT_TRUE("cpuinfo_processor", strncmp(buf, "processor", 9) == 0);
	slurp("/proc/meminfo");
	EXPECT_TRUE("meminfo_memtotal", strncmp(buf, "MemTotal:", 9) == 0);
	slurp("/proc/filesystems");
	EXPECT_TRUE("filesystems_proc", strstr(buf, "nodev\tproc\n") != NULL);

	/* /proc/mounts is self/mounts; the root and /proc are in it. */
	char link[64];
	ssize_t n = OK(readlink("/proc/mounts", link, sizeof(link) - 1));
	link[n] = 0;
	printf("mounts_link: %s\n", link);
	slurp("/proc/self/mounts");
	EXPECT_TRUE("mounts_proc", strstr(buf, " /proc proc ") != NULL);
	slurp("/proc/self/mountinfo");
	EXPECT_TRUE("mountinfo_root", strstr(buf, " / / ") != NULL);

	/* The listing: our pid, self, thread-self, sys. */
	DIR *d = opendir("/proc");
	CHECK(d != NULL);
	int ours = 0, self = 0, sys = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		ours += atoi(e->d_name) == getpid() && e->d_type == DT_DIR;
		self += strcmp(e->d_name, "self") == 0 && e->d_type == DT_LNK;
		sys += strcmp(e->d_name, "sys") == 0 && e->d_type == DT_DIR;
	}
	closedir(d);
	EXPECT_VAL("lists_our_pid", ours, 1);
	EXPECT_VAL("lists_self", self, 1);
	EXPECT_VAL("lists_sys", sys, 1);
	struct stat st;
	EXPECT_ERR("no_such_pid", stat("/proc/999999999", &st), ENOENT);
	EXPECT_ERR("no_such_entry", stat("/proc/self/nonesuch", &st), ENOENT);
	EXPECT_ERR("leading_zero_pid", stat("/proc/01", &st), ENOENT);
	OK(stat("/proc/self/stat", &st));
	printf("stat_file: mode %o size %lld\n", (unsigned)st.st_mode, (long long)st.st_size);
	OK(stat("/proc/self", &st));
	printf("pid_dir: mode %o\n", (unsigned)st.st_mode);

	/* Reads are consistent snapshots and seekable; SEEK_END is refused. */
	int fd = OK(open("/proc/self/status", O_RDONLY));
	char a[8], b[8];
	OK(read(fd, a, sizeof(a)));
	EXPECT_VAL("lseek_set", lseek(fd, 0, SEEK_SET), 0);
	OK(read(fd, b, sizeof(b)));
	EXPECT_TRUE("reread_same", memcmp(a, b, sizeof(a)) == 0);
	EXPECT_VAL("pread", pread(fd, b, 4, 1), 4);
	EXPECT_TRUE("pread_data", memcmp(a + 1, b, 4) == 0);
	EXPECT_ERR("lseek_end", lseek(fd, 0, SEEK_END), EINVAL);
	OK(close(fd));

	/* Writing: per-process files take no writes (EINVAL), global ones EIO, read-only
	 * sysctls refuse the open; nothing can be created or removed. */
	fd = OK(open("/proc/self/stat", O_WRONLY));
	EXPECT_ERR("write_pid_file", write(fd, "x", 1), EINVAL);
	OK(close(fd));
	fd = OK(open("/proc/uptime", O_WRONLY));
	EXPECT_ERR("write_global_file", write(fd, "x", 1), EIO);
	OK(close(fd));
	EXPECT_ERR("open_sysctl_for_write", open("/proc/sys/kernel/ostype", O_WRONLY), EACCES);
	EXPECT_ERR("create", open("/proc/newfile", O_WRONLY | O_CREAT, 0644), ENOENT);
	EXPECT_ERR("mkdir", mkdir("/proc/self/newdir", 0755), ENOENT);
	EXPECT_ERR("unlink", unlink("/proc/self/stat"), EPERM);
	EXPECT_ERR("rmdir", rmdir("/proc/self/fd"), EPERM);
	EXPECT_ERR("write_dir", open("/proc/self", O_WRONLY), EISDIR);
	EXPECT_OK("trunc_open", fd = open("/proc/self/stat", O_RDWR | O_TRUNC));
	OK(close(fd));
	return done();
}
