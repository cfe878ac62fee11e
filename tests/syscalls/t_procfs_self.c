/* /proc/self: stat, status, cmdline, comm, exe, task/, the self and thread-self links. */
#define _GNU_SOURCE
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

extern char **environ;

/* Reads a whole (small) file; returns its length. */
static size_t slurp(const char *path, char *buf, size_t cap)
{
	int fd = OK(open(path, O_RDONLY));
	size_t n = 0;
	for (;;) {
		ssize_t r = OK(read(fd, buf + n, cap - 1 - n));
		if (r == 0)
			break;
		n += (size_t)r;
		CHECK(n < cap - 1);
	}
	buf[n] = 0;
	OK(close(fd));
	return n;
}

/* The value of "Key:" in a status text, or NULL. */
static const char *field(const char *text, const char *key)
{
	static char val[256];
	size_t kl = strlen(key);
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, key, kl) == 0 && p[kl] == ':') {
			p += kl + 1;
			while (*p == '\t' || *p == ' ')
				p++;
			size_t n = strcspn(p, "\n");
			snprintf(val, sizeof(val), "%.*s", (int)n, p);
			return val;
		}
	}
	return NULL;
}

static void check_stat(void)
{
	char buf[4096];
	slurp("/proc/self/stat", buf, sizeof(buf));
	int pid, ppid, pgrp, session;
	char state;
	char *close = strrchr(buf, ')');
	CHECK(close != NULL);
	CHECK_EQ(sscanf(buf, "%d", &pid), 1);
	CHECK_EQ(sscanf(close + 2, "%c %d %d %d", &state, &ppid, &pgrp, &session), 4);
	EXPECT_TRUE("stat_pid_is_getpid", pid == getpid());
	EXPECT_TRUE("stat_state_running", state == 'R');
	EXPECT_TRUE("stat_ppid_is_getppid", ppid == getppid());
	EXPECT_TRUE("stat_pgrp_is_getpgrp", pgrp == getpgrp());
	EXPECT_TRUE("stat_session_is_getsid", session == getsid(0));
	char comm[32];
	CHECK_EQ(sscanf(buf, "%*d (%31[^)])", comm), 1);
	printf("stat_comm: %s\n", comm);
	/* 52 fields in all (Linux 6.x), the last one the exit code. */
	int fields = 0;
	for (char *p = close + 1; *p; p++)
		fields += *p == ' ';
	printf("stat_fields: %d\n", fields + 2);
}

static void check_status(void)
{
	char buf[8192], want[64];
	slurp("/proc/self/status", buf, sizeof(buf));
	printf("status_name: %s\n", field(buf, "Name"));
	snprintf(want, sizeof(want), "%d", getpid());
	EXPECT_TRUE("status_pid", strcmp(field(buf, "Pid"), want) == 0);
	EXPECT_TRUE("status_tgid", strcmp(field(buf, "Tgid"), want) == 0);
	snprintf(want, sizeof(want), "%d", getppid());
	EXPECT_TRUE("status_ppid", strcmp(field(buf, "PPid"), want) == 0);
	uid_t r, e, s;
	gid_t gr, ge, gs;
	OK(getresuid(&r, &e, &s));
	OK(getresgid(&gr, &ge, &gs));
	snprintf(want, sizeof(want), "%u\t%u\t%u\t%u", r, e, s, e);
	EXPECT_TRUE("status_uid", strcmp(field(buf, "Uid"), want) == 0);
	snprintf(want, sizeof(want), "%u\t%u\t%u\t%u", gr, ge, gs, ge);
	EXPECT_TRUE("status_gid", strcmp(field(buf, "Gid"), want) == 0);
	printf("status_state: %s\n", field(buf, "State"));
	printf("status_threads: %s\n", field(buf, "Threads"));
	mode_t um = umask(022);
	umask(um);
	snprintf(want, sizeof(want), "%04o", (unsigned)um);
	EXPECT_TRUE("status_umask", strcmp(field(buf, "Umask"), want) == 0);
	EXPECT_TRUE("status_has_vmrss", field(buf, "VmRSS") != NULL);
	EXPECT_TRUE("status_has_sigblk", field(buf, "SigBlk") != NULL);
}

static void check_cmdline(int argc, char **argv)
{
	char buf[8192], want[8192];
	size_t n = slurp("/proc/self/cmdline", buf, sizeof(buf)), w = 0;
	for (int i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]) + 1;
		memcpy(want + w, argv[i], l);
		w += l;
	}
	EXPECT_TRUE("cmdline_is_argv", n == w && memcmp(buf, want, n) == 0);

	/* environ: the environment execve gave us, NUL-separated. */
	static char env[1 << 17], wenv[1 << 17];
	size_t en = slurp("/proc/self/environ", env, sizeof(env));
	w = 0;
	for (char **e = environ; *e; e++) {
		size_t l = strlen(*e) + 1;
		CHECK(w + l < sizeof(wenv));
		memcpy(wenv + w, *e, l);
		w += l;
	}
	EXPECT_TRUE("environ_is_envp", en == w && memcmp(env, wenv, en) == 0);
}

static void check_links(const char *argv0)
{
	char buf[PATH_MAX], want[PATH_MAX];
	ssize_t n = OK(readlink("/proc/self", buf, sizeof(buf) - 1));
	buf[n] = 0;
	snprintf(want, sizeof(want), "%d", getpid());
	EXPECT_TRUE("self_link_is_pid", strcmp(buf, want) == 0);
	n = OK(readlink("/proc/thread-self", buf, sizeof(buf) - 1));
	buf[n] = 0;
	snprintf(want, sizeof(want), "%d/task/%d", getpid(), gettid());
	EXPECT_TRUE("thread_self_link", strcmp(buf, want) == 0);

	n = OK(readlink("/proc/self/exe", buf, sizeof(buf) - 1));
	buf[n] = 0;
	CHECK(realpath(argv0, want) != NULL);
	EXPECT_TRUE("exe_is_the_binary", strcmp(buf, want) == 0);
	struct stat a, b;
	OK(stat("/proc/self/exe", &a));
	OK(stat(argv0, &b));
	EXPECT_TRUE("exe_follows_to_the_binary", a.st_ino == b.st_ino && a.st_dev == b.st_dev);

	n = OK(readlink("/proc/self/cwd", buf, sizeof(buf) - 1));
	buf[n] = 0;
	CHECK(getcwd(want, sizeof(want)) != NULL);
	EXPECT_TRUE("cwd_link_is_getcwd", strcmp(buf, want) == 0);
	OK(chdir("/usr/share"));
	n = OK(readlink("/proc/self/cwd", buf, sizeof(buf) - 1));
	buf[n] = 0;
	printf("cwd_after_chdir: %s\n", buf);
	n = OK(readlink("/proc/self/root", buf, sizeof(buf) - 1));
	buf[n] = 0;
	printf("root_link: %s\n", buf);
	EXPECT_OK("stat_through_cwd_link", stat("/proc/self/cwd/common-licenses", &a));
	struct stat lst;
	OK(lstat("/proc/self/exe", &lst));
	EXPECT_TRUE("exe_is_a_symlink", S_ISLNK(lst.st_mode));
}

static void check_task_dir(void)
{
	DIR *d = opendir("/proc/self/task");
	CHECK(d != NULL);
	int entries = 0, ours = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		entries++;
		ours += atoi(e->d_name) == gettid();
	}
	closedir(d);
	EXPECT_VAL("task_entries", entries, 1);
	EXPECT_VAL("task_entry_is_our_tid", ours, 1);
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", gettid());
	slurp(path, buf, sizeof(buf));
	EXPECT_TRUE("task_stat_pid", atoi(buf) == gettid());
}

static void check_comm(void)
{
	char buf[64];
	int fd = OK(open("/proc/self/comm", O_WRONLY));
	EXPECT_VAL("comm_write", write(fd, "renamed-by-proc", 15), 15);
	OK(close(fd));
	char name[17] = "";
	OK(prctl(PR_GET_NAME, name));
	printf("prctl_name: %s\n", name);
	slurp("/proc/self/comm", buf, sizeof(buf));
	printf("comm_read: %s", buf);
	OK(prctl(PR_SET_NAME, "via-prctl"));
	slurp("/proc/self/comm", buf, sizeof(buf));
	printf("comm_after_prctl: %s", buf);
}

static void check_limits(void)
{
	char buf[8192];
	struct rlimit rl;
	OK(getrlimit(RLIMIT_NOFILE, &rl));
	slurp("/proc/self/limits", buf, sizeof(buf));
	char *line = strstr(buf, "Max open files");
	CHECK(line != NULL);
	unsigned long long soft, hard;
	CHECK_EQ(sscanf(line + 25, "%llu %llu", &soft, &hard), 2);
	EXPECT_TRUE("limits_nofile", soft == rl.rlim_cur && hard == rl.rlim_max);
	printf("limits_header: %.*s\n", (int)strcspn(buf, "\n"), buf);
}

int main(int argc, char **argv)
{
	check_stat();
	check_status();
	check_cmdline(argc, argv);
	check_links(argv[0]);
	check_task_dir();
	check_limits();
	check_comm();
	return done();
}
