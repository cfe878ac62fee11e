/* Threads: pthread_create/join of 8 threads returning values, gettid vs getpid in threads and
 * in main, pthread_exit values, detached threads, __thread variables being per thread. */
#define _GNU_SOURCE
#include "check.h"

#include <pthread.h>
#include <stdint.h>

#define N 8

static __thread long tls_val = 100;
static pid_t main_pid;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int detached_done;
static pid_t tids[N];
static pthread_barrier_t bar; /* all alive at once, so their tids must be distinct */

struct res {
	long sum;
	int tid_differs;
	int pid_same;
	int tls_initial;
	long tls_after;
};
static struct res results[N];

static void *worker(void *arg)
{
	long i = (long)arg, s = 0;
	struct res *r = &results[i];
	r->tls_initial = tls_val == 100;
	tls_val = 1000 + i;
	for (long k = 1; k <= 1000 * (i + 1); k++)
		s += k;
	r->sum = s;
	tids[i] = gettid();
	r->tid_differs = gettid() != getpid();
	r->pid_same = getpid() == main_pid;
	pthread_barrier_wait(&bar);
	r->tls_after = tls_val; /* still ours after other threads wrote theirs */
	return (void *)(intptr_t)(i * i);
}

static void *exiter(void *arg)
{
	pthread_exit((void *)(intptr_t)77);
	return NULL;
}

static void *detached(void *arg)
{
	pthread_mutex_lock(&mu);
	detached_done++;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	return NULL;
}

int main(void)
{
	pthread_t th[N];
	main_pid = getpid();
	EXPECT_TRUE("main_gettid_is_getpid", gettid() == getpid());
	tls_val = 5;
	CHECK_EQ(pthread_barrier_init(&bar, NULL, N), 0);
	for (long i = 0; i < N; i++)
		CHECK_EQ(pthread_create(&th[i], NULL, worker, (void *)i), 0);
	long retsum = 0;
	for (int i = 0; i < N; i++) {
		void *ret;
		CHECK_EQ(pthread_join(th[i], &ret), 0);
		CHECK_EQ((intptr_t)ret, (long)i * i);
		retsum += (intptr_t)ret;
	}
	EXPECT_VAL("join_return_values_sum", retsum, 140);
	for (int i = 0; i < N; i++) {
		long n = 1000L * (i + 1);
		printf(
		    "thread %d: sum %ld tid_differs %d pid_same %d tls_initial %d tls_after %ld\n",
		    i, results[i].sum, results[i].tid_differs, results[i].pid_same,
		    results[i].tls_initial, results[i].tls_after);
		CHECK_EQ(results[i].sum, n * (n + 1) / 2);
	}
	int distinct = 1;
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++)
			if (tids[i] == tids[j])
				distinct = 0;
	EXPECT_TRUE("thread_tids_distinct", distinct);
	EXPECT_VAL("main_tls_unchanged", tls_val, 5);

	pthread_t t;
	void *ret = NULL;
	CHECK_EQ(pthread_create(&t, NULL, exiter, NULL), 0);
	CHECK_EQ(pthread_join(t, &ret), 0);
	EXPECT_VAL("pthread_exit_value", (intptr_t)ret, 77);

	pthread_attr_t attr;
	CHECK_EQ(pthread_attr_init(&attr), 0);
	CHECK_EQ(pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED), 0);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(pthread_create(&t, &attr, detached, NULL), 0);
	CHECK_EQ(pthread_create(&t, NULL, detached, NULL), 0);
	CHECK_EQ(pthread_detach(t), 0);
	pthread_mutex_lock(&mu);
	while (detached_done < 5)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	EXPECT_VAL("detached_threads_ran", detached_done, 5);
	pthread_attr_destroy(&attr);
	return done();
}
