/* /proc/<pid> of other processes and threads: a child's stat and cmdline, a zombie, a
 * reaped pid, and a second thread in task/. */
#define _GNU_SOURCE
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>

static char buf[8192];

static ssize_t slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = OK(read(fd, buf, sizeof(buf) - 1));
	buf[n] = 0;
	OK(close(fd));
	return n;
}

static char state_of(pid_t pid, int *ppid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (slurp(path) < 0)
		return '?';
	char *close = strrchr(buf, ')');
	char s = '?';
	CHECK(close && sscanf(close + 2, "%c %d", &s, ppid) == 2);
	return s;
}

static int task_count(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	DIR *d = opendir(path);
	CHECK(d != NULL);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static int go[2], back[2];
static pid_t thread_tid;

static void *thread_main(void *arg)
{
	char c;
	thread_tid = gettid();
	char link[64];
	ssize_t n = readlink("/proc/thread-self", link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	char want[64];
	snprintf(want, sizeof(want), "%d/task/%d", getpid(), gettid());
	*(int *)arg = strcmp(link, want) == 0;
	OK(write(back[1], "r", 1));
	OK(read(go[0], &c, 1));
	return NULL;
}

int main(void)
{
	char path[64], c;
	int ppid = 0;
	OK(pipe(go));
	OK(pipe(back));

	/* A child blocked in read: sleeping, our child, its own cmdline. */
	pid_t child = xfork();
	if (child == 0) {
		OK(close(go[1]));
		OK(write(back[1], "r", 1));
		OK(read(go[0], &c, 1));
		char *args[] = {"/bin/true", "one", "two", NULL};
		execv("/bin/true", args);
		_exit(127);
	}
	OK(read(back[0], &c, 1));
	/* The child is in (or about to be in) its read: wait until it shows as sleeping. */
	char s = '?';
	for (int i = 0; i < 2000 && (s = state_of(child, &ppid)) != 'S'; i++)
		usleep(1000);
	printf("child_state: %c\n", s);
	EXPECT_TRUE("child_ppid", ppid == getpid());
	snprintf(path, sizeof(path), "/proc/%d", child);
	struct stat st;
	EXPECT_OK("child_dir", stat(path, &st));
	EXPECT_TRUE("child_dir_is_dir", S_ISDIR(st.st_mode));
	snprintf(path, sizeof(path), "/proc/%d/cmdline", child);
	ssize_t n = slurp(path);
	EXPECT_TRUE("child_cmdline_is_ours", n > 0 && strstr(buf, "t_procfs_proc") != NULL);
	snprintf(path, sizeof(path), "/proc/%d/status", child);
	EXPECT_TRUE("child_status", slurp(path) > 0 && strstr(buf, "State:\tS (sleeping)"));

	/* After exec: the new program's cmdline; then exited and not reaped: a zombie. */
	OK(write(go[1], "g", 1));
	for (int i = 0; i < 5000 && (s = state_of(child, &ppid)) != 'Z'; i++)
		usleep(1000);
	printf("zombie_state: %c\n", s);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", child);
	EXPECT_VAL("zombie_cmdline_empty", slurp(path), 0);
	snprintf(path, sizeof(path), "/proc/%d/status", child);
	EXPECT_TRUE("zombie_status", slurp(path) > 0 && strstr(buf, "State:\tZ (zombie)"));
	wait_and_print("child", child);
	snprintf(path, sizeof(path), "/proc/%d", child);
	EXPECT_ERR("reaped_is_gone", stat(path, &st), ENOENT);
	snprintf(path, sizeof(path), "/proc/%d/stat", child);
	EXPECT_ERR("reaped_stat_is_gone", open(path, O_RDONLY), ENOENT);

	/* A second thread: in task/, with its own thread-self, reachable as /proc/<tid>. */
	int thread_ok = 0;
	pthread_t th;
	CHECK(pthread_create(&th, NULL, thread_main, &thread_ok) == 0);
	OK(read(back[0], &c, 1));
	EXPECT_VAL("tasks_with_thread", task_count(getpid()), 2);
	EXPECT_TRUE("thread_self_in_thread", thread_ok);
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", thread_tid);
	EXPECT_TRUE("thread_stat", slurp(path) > 0 && atoi(buf) == thread_tid);
	snprintf(path, sizeof(path), "/proc/%d/status", thread_tid);
	EXPECT_TRUE("tid_dir", slurp(path) > 0 && strstr(buf, "Threads:\t2\n"));
	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", getpid(), thread_tid);
	EXPECT_TRUE("thread_comm", slurp(path) > 0);
	OK(write(go[1], "g", 1));
	CHECK(pthread_join(th, NULL) == 0);
	EXPECT_VAL("tasks_after_join", task_count(getpid()), 1);
	snprintf(path, sizeof(path), "/proc/self/task/%d", thread_tid);
	EXPECT_ERR("joined_thread_gone", stat(path, &st), ENOENT);
	return done();
}
