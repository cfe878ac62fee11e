/* Thread and process exits: exit_group (and exit()) from one thread ends every thread, wherever
 * they are blocked; the exit syscall from one thread leaves the others running, and its
 * CLONE_CHILD_CLEARTID wake lets pthread_join return; the last thread's return ends the
 * process with 0; with only raw exits, the status is the main thread's. Process-ending cases
 * run in forked children. */
#define _GNU_SOURCE
#include "check.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int pipefd[2];
static atomic_int started, ticks, stop;

static void sleep_ms(int ms)
{
	struct timespec ts = {0, ms * 1000000L};
	nanosleep(&ts, NULL);
}
/* Blockers: a condition variable, a long sleep, a pipe read, a busy loop. */
static void *blocker(void *arg)
{
	char c;
	struct timespec ts = {100, 0};
	atomic_fetch_add(&started, 1);
	switch ((long)arg) {
	case 0:
		pthread_mutex_lock(&mu);
		for (;;)
			pthread_cond_wait(&cv, &mu);
	case 1:
		nanosleep(&ts, NULL);
		break;
	case 2:
		read(pipefd[0], &c, 1);
		break;
	default:
		for (;;)
			atomic_fetch_add(&ticks, 1);
	}
	return NULL;
}
static void *ender(void *arg)
{
	while (atomic_load(&started) < 4)
		sleep_ms(1);
	sleep_ms(10);
	if ((long)arg == 1)
		exit(4); /* libc exit: atexit, stdio, then exit_group */
	syscall(SYS_exit_group, (long)arg);
	return NULL;
}
static void group_case(long how)
{
	pthread_t t, e;
	OK(pipe(pipefd));
	for (long i = 0; i < 4; i++)
		pthread_create(&t, NULL, blocker, (void *)i);
	pthread_create(&e, NULL, ender, (void *)how);
	pthread_join(t, NULL); /* main blocks in pthread_join (a futex wait) */
	_exit(99);
}
static void *ticker(void *arg)
{
	while (!atomic_load(&stop)) {
		atomic_fetch_add(&ticks, 1);
		sleep_ms(1);
	}
	return NULL;
}
static void *raw_exit(void *arg)
{
	syscall(SYS_exit, (long)arg);
	return NULL;
}
static void *raw_exit_later(void *arg)
{
	sleep_ms(30);
	syscall(SYS_exit, (long)arg);
	return NULL;
}
static void *ret_later(void *arg)
{
	sleep_ms(30);
	return NULL;
}

int main(void)
{
	pid_t pid;
	if ((pid = xfork()) == 0)
		group_case(5);
	wait_and_print("exit_group_from_thread", pid);
	if ((pid = xfork()) == 0)
		group_case(1);
	wait_and_print("libc_exit_from_thread", pid);

	/* A raw thread exit: join returns (the kernel clears the tid and wakes the futex), and
	 * the other threads keep going. */
	pthread_t tk, tr;
	CHECK_EQ(pthread_create(&tk, NULL, ticker, NULL), 0);
	CHECK_EQ(pthread_create(&tr, NULL, raw_exit, (void *)9L), 0);
	CHECK_EQ(pthread_join(tr, NULL), 0);
	printf("join_after_raw_exit: yes\n");
	int before = atomic_load(&ticks);
	for (int i = 0; i < 5000 && atomic_load(&ticks) < before + 3; i++)
		sleep_ms(1);
	EXPECT_TRUE("other_thread_still_runs", atomic_load(&ticks) >= before + 3);
	atomic_store(&stop, 1);
	CHECK_EQ(pthread_join(tk, NULL), 0);

	if ((pid = xfork()) == 0) {
		pthread_t t;
		pthread_create(&t, NULL, ret_later, NULL);
		syscall(SYS_exit, 6); /* main goes first; the thread's return ends the process */
		_exit(99);
	}
	wait_and_print("last_thread_returns", pid);
	if ((pid = xfork()) == 0) {
		pthread_t t;
		pthread_create(&t, NULL, raw_exit, (void *)8L);
		sleep_ms(30);
		syscall(SYS_exit, 6); /* the other thread went first with a raw exit of its own */
		_exit(99);
	}
	wait_and_print("raw_exits_main_last", pid);
	if ((pid = xfork()) == 0) {
		pthread_t t;
		pthread_create(&t, NULL, raw_exit_later, (void *)8L);
		syscall(SYS_exit, 6); /* main first: the status is the last thread's */
		_exit(99);
	}
	wait_and_print("raw_exits_main_first", pid);
	return done();
}
