/*
 * A bounded thread bomb for the sandbox only: creates threads that wait until pthread_create
 * fails, reports the error and the count, then releases and joins them. The pids limit
 * counts threads as Linux's pids controller does.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t go = PTHREAD_COND_INITIALIZER;
static int released;

static void *wait_release(void *arg)
{
	pthread_mutex_lock(&m);
	while (!released)
		pthread_cond_wait(&go, &m);
	pthread_mutex_unlock(&m);
	return arg;
}

int main(void)
{
	static pthread_t t[100000];
	int n = 0, err = 0;
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 64 * 1024);
	while (n < 100000 && (err = pthread_create(&t[n], &a, wait_release, NULL)) == 0)
		n++;
	printf("pthread_create failed: %s after %d threads\n", strerror(err), n);
	pthread_mutex_lock(&m);
	released = 1;
	pthread_cond_broadcast(&go);
	pthread_mutex_unlock(&m);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	printf("all joined\n");
	return 0;
}
