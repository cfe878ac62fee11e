/* Robust mutexes: a thread that exits holding one leaves it EOWNERDEAD for the next locker,
 * including a locker already waiting when the owner dies. */
#define _GNU_SOURCE
#include "check.h"

#include <pthread.h>
#include <time.h>

static pthread_mutex_t m;

static void *hold_and_exit(void *arg)
{
	pthread_mutex_lock(&m);
	if (arg) {
		struct timespec ts = {0, 50000000};
		nanosleep(&ts, NULL); /* the main thread is waiting on the lock by now */
	}
	return NULL; /* exits holding it */
}

int main(void)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	CHECK_EQ(pthread_mutex_init(&m, &a), 0);
	alarm(10);

	pthread_t t;
	CHECK_EQ(pthread_create(&t, NULL, hold_and_exit, NULL), 0);
	CHECK_EQ(pthread_join(t, NULL), 0);
	int r = pthread_mutex_lock(&m);
	EXPECT_TRUE("owner_died_after_exit", r == EOWNERDEAD);
	CHECK_EQ(pthread_mutex_consistent(&m), 0);
	CHECK_EQ(pthread_mutex_unlock(&m), 0);

	CHECK_EQ(pthread_create(&t, NULL, hold_and_exit, (void *)1), 0);
	struct timespec ts = {0, 10000000};
	nanosleep(&ts, NULL);
	r = pthread_mutex_lock(&m); /* blocks until the holder dies */
	EXPECT_TRUE("waiter_sees_owner_died", r == EOWNERDEAD);
	CHECK_EQ(pthread_mutex_consistent(&m), 0);
	CHECK_EQ(pthread_mutex_unlock(&m), 0);
	CHECK_EQ(pthread_join(t, NULL), 0);
	alarm(0);
	return done();
}
