/* Futexes under load: 64 threads incrementing a counter under a pthread mutex, a raw futex
 * ping-pong between two threads, FUTEX_WAIT's EAGAIN and ETIMEDOUT, FUTEX_WAKE with no
 * waiters, FUTEX_CMP_REQUEUE with a wrong val3, pthread_cond_broadcast waking 16 waiters. */
#define _GNU_SOURCE
#include "check.h"

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#define NTHREADS 64
#define NINC	 2000
#define NPING	 1000
#define NWAITERS 16

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static long futex(atomic_int *uaddr, int op, int val, const struct timespec *ts, atomic_int *uaddr2,
		  int val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

static void *incr(void *arg)
{
	for (int i = 0; i < NINC; i++) {
		pthread_mutex_lock(&mu);
		counter++;
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

/* turn is 0 when it is the pinger's go, 1 when it is the ponger's. */
static atomic_int turn;
static int pings, pongs;

static void play(int me, int *count)
{
	for (int i = 0; i < NPING; i++) {
		int v;
		while ((v = atomic_load(&turn)) != me) {
			long r = futex(&turn, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
			if (r == -1 && errno != EAGAIN && errno != EINTR)
				check_fail(__FILE__, __LINE__, "futex wait: %s", errname(errno));
		}
		(*count)++;
		atomic_store(&turn, !me);
		futex(&turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	}
}
static void *ponger(void *arg)
{
	play(1, &pongs);
	return NULL;
}

static pthread_mutex_t cmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER, ready_cv = PTHREAD_COND_INITIALIZER;
static int waiting, go, woken;

static void *cond_waiter(void *arg)
{
	pthread_mutex_lock(&cmu);
	waiting++;
	pthread_cond_signal(&ready_cv);
	while (!go)
		pthread_cond_wait(&cv, &cmu);
	woken++;
	pthread_mutex_unlock(&cmu);
	return NULL;
}

int main(void)
{
	pthread_t th[NTHREADS];
	for (int i = 0; i < NTHREADS; i++)
		CHECK_EQ(pthread_create(&th[i], NULL, incr, NULL), 0);
	for (int i = 0; i < NTHREADS; i++)
		CHECK_EQ(pthread_join(th[i], NULL), 0);
	EXPECT_VAL("mutex_counter", counter, (long)NTHREADS * NINC);

	pthread_t p;
	CHECK_EQ(pthread_create(&p, NULL, ponger, NULL), 0);
	play(0, &pings);
	CHECK_EQ(pthread_join(p, NULL), 0);
	printf("ping_pong: pings %d pongs %d\n", pings, pongs);

	atomic_int word = 5, other = 0;
	EXPECT_ERR("futex_wait_wrong_value", futex(&word, FUTEX_WAIT_PRIVATE, 4, NULL, NULL, 0),
		   EAGAIN);
	struct timespec ts = {0, 10 * 1000 * 1000}, t0, t1;
	OK(clock_gettime(CLOCK_MONOTONIC, &t0));
	EXPECT_ERR("futex_wait_timeout", futex(&word, FUTEX_WAIT_PRIVATE, 5, &ts, NULL, 0),
		   ETIMEDOUT);
	OK(clock_gettime(CLOCK_MONOTONIC, &t1));
	long ns = (t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec);
	EXPECT_TRUE("futex_wait_timeout_waited_10ms", ns >= 10 * 1000 * 1000);
	EXPECT_VAL("futex_wake_no_waiters", futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), 0);
	EXPECT_VAL("futex_wake_shared_no_waiters", futex(&word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0),
		   0);
	EXPECT_ERR(
	    "futex_cmp_requeue_wrong_val3",
	    futex(&word, FUTEX_CMP_REQUEUE_PRIVATE, 1, (struct timespec *)(long)INT_MAX, &other, 6),
	    EAGAIN);
	EXPECT_VAL(
	    "futex_cmp_requeue_right_val3_no_waiters",
	    futex(&word, FUTEX_CMP_REQUEUE_PRIVATE, 1, (struct timespec *)(long)INT_MAX, &other, 5),
	    0);

	pthread_t w[NWAITERS];
	for (int i = 0; i < NWAITERS; i++)
		CHECK_EQ(pthread_create(&w[i], NULL, cond_waiter, NULL), 0);
	pthread_mutex_lock(&cmu);
	while (waiting < NWAITERS)
		pthread_cond_wait(&ready_cv, &cmu);
	go = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&cmu);
	for (int i = 0; i < NWAITERS; i++)
		CHECK_EQ(pthread_join(w[i], NULL), 0);
	EXPECT_VAL("cond_broadcast_woken", woken, NWAITERS);
	return done();
}
