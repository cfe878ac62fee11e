/* fork in a multi-threaded process: the child has only the forking thread (the others do not
 * run in it), can start and join new threads and exits normally; the parent's threads keep
 * running; fork from a non-main thread. */
#define _GNU_SOURCE
#include "check.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>

#define NWORK 4

static atomic_long ticks;
static atomic_int stop;

static void sleep_ms(int ms)
{
	struct timespec ts = {0, ms * 1000000L};
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}
static void *ticker(void *arg)
{
	while (!atomic_load(&stop)) {
		atomic_fetch_add(&ticks, 1);
		sleep_ms(1);
	}
	return NULL;
}
static void *add_one(void *arg)
{
	return (void *)((long)arg + 1);
}
static int status_of(pid_t pid)
{
	int st = 0;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}
/* The child's checks; its exit code says which failed (0: all passed). */
static int child_checks(void)
{
	if (gettid() != getpid())
		return 1;
	long before = atomic_load(&ticks);
	sleep_ms(30);
	if (atomic_load(&ticks) != before) /* no ticker threads in the child */
		return 2;
	pthread_t th[4];
	long sum = 0;
	for (long i = 0; i < 4; i++)
		if (pthread_create(&th[i], NULL, add_one, (void *)i) != 0)
			return 3;
	for (int i = 0; i < 4; i++) {
		void *r;
		if (pthread_join(th[i], &r) != 0)
			return 4;
		sum += (long)r;
	}
	return sum == 10 ? 0 : 5;
}
static void *forker(void *arg)
{
	pid_t pid = xfork();
	if (pid == 0)
		_exit(child_checks() == 0 ? 42 : 1);
	return (void *)(long)status_of(pid);
}

int main(void)
{
	pthread_t w[NWORK];
	for (int i = 0; i < NWORK; i++)
		CHECK_EQ(pthread_create(&w[i], NULL, ticker, NULL), 0);
	while (atomic_load(&ticks) < NWORK)
		sleep_ms(1);

	pid_t pid = xfork();
	if (pid == 0)
		_exit(child_checks());
	EXPECT_VAL("child_of_threaded_process", status_of(pid), 0);
	long before = atomic_load(&ticks);
	for (int i = 0; i < 5000 && atomic_load(&ticks) < before + NWORK; i++)
		sleep_ms(1);
	EXPECT_TRUE("parent_threads_still_run", atomic_load(&ticks) >= before + NWORK);

	pthread_t f;
	void *ret;
	CHECK_EQ(pthread_create(&f, NULL, forker, NULL), 0);
	CHECK_EQ(pthread_join(f, &ret), 0);
	EXPECT_VAL("fork_from_thread_child_status", (long)ret, 42);

	/* Several children at once, each starting threads. */
	pid_t kids[4];
	for (int i = 0; i < 4; i++)
		if ((kids[i] = xfork()) == 0)
			_exit(child_checks() + 10 * i);
	for (int i = 0; i < 4; i++)
		printf("child %d: status %d\n", i, status_of(kids[i]));

	atomic_store(&stop, 1);
	for (int i = 0; i < NWORK; i++)
		CHECK_EQ(pthread_join(w[i], NULL), 0);
	EXPECT_TRUE("main_tid_is_pid", gettid() == getpid());
	return done();
}
