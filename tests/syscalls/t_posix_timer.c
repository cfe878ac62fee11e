/* POSIX timers: timer_create with SIGEV_SIGNAL (value and si_code SI_TIMER), SIGEV_NONE
 * (gettime counts down, nothing is delivered), SIGEV_THREAD_ID to a named thread, periodic
 * expirations, TIMER_ABSTIME, disarm, delete, and the errors. */
#define _GNU_SOURCE
#include "check.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>

static atomic_int hits, last_code, last_value;
static atomic_int handler_tid;

/* The count goes last: a waiter that sees it sees what the handler recorded. */
static void on_timer(int sig, siginfo_t *si, void *uc)
{
	atomic_store(&last_code, si->si_code);
	atomic_store(&last_value, si->si_value.sival_int);
	atomic_store(&handler_tid, (int)syscall(SYS_gettid));
	atomic_fetch_add(&hits, 1);
}

static void wait_hits(int n)
{
	for (int i = 0; i < 2000 && atomic_load(&hits) < n; i++) {
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
}

/* Lets a signal already on its way from a timer just disarmed arrive, then starts counting
 * afresh: each phase counts only its own expirations. */
static void settle(void)
{
	struct timespec ts = {0, 30000000};
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
	atomic_store(&hits, 0);
	atomic_store(&handler_tid, 0);
}

static atomic_int worker_tid, worker_done;
static void *worker(void *arg)
{
	atomic_store(&worker_tid, (int)syscall(SYS_gettid));
	while (!atomic_load(&worker_done)) {
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	return NULL;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_timer;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	OK(sigaction(SIGRTMIN, &sa, NULL));
	alarm(10);

	timer_t tm;
	struct sigevent ev;
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGRTMIN;
	ev.sigev_value.sival_int = 4242;
	OK(timer_create(CLOCK_MONOTONIC, &ev, &tm));
	struct itimerspec its = {{0, 0}, {0, 20000000}};
	OK(timer_settime(tm, 0, &its, NULL));
	wait_hits(1);
	EXPECT_VAL("oneshot_hits", atomic_load(&hits), 1);
	EXPECT_TRUE("si_code_timer", atomic_load(&last_code) == SI_TIMER);
	EXPECT_VAL("si_value", atomic_load(&last_value), 4242);
	struct itimerspec cur;
	OK(timer_gettime(tm, &cur));
	EXPECT_TRUE("disarmed_after_oneshot", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);

	/* Periodic: three expirations, then disarm. */
	settle();
	struct itimerspec per = {{0, 10000000}, {0, 10000000}};
	OK(timer_settime(tm, 0, &per, NULL));
	wait_hits(3);
	struct itimerspec zero = {{0, 0}, {0, 0}}, old;
	OK(timer_settime(tm, 0, &zero, &old));
	EXPECT_TRUE("periodic_at_least_3", atomic_load(&hits) >= 3);
	EXPECT_TRUE("old_interval", old.it_interval.tv_nsec == 10000000);
	EXPECT_VAL("getoverrun", timer_getoverrun(tm), 0);

	/* Absolute time on CLOCK_REALTIME. */
	settle();
	timer_t rt;
	OK(timer_create(CLOCK_REALTIME, &ev, &rt));
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	now.tv_nsec += 20000000;
	if (now.tv_nsec >= 1000000000L) {
		now.tv_sec++;
		now.tv_nsec -= 1000000000L;
	}
	struct itimerspec abs = {{0, 0}, now};
	OK(timer_settime(rt, TIMER_ABSTIME, &abs, NULL));
	wait_hits(1);
	EXPECT_VAL("abstime_hits", atomic_load(&hits), 1);
	OK(timer_delete(rt));

	/* SIGEV_NONE: counts down, delivers nothing. */
	timer_t none;
	struct sigevent evn;
	memset(&evn, 0, sizeof(evn));
	evn.sigev_notify = SIGEV_NONE;
	OK(timer_create(CLOCK_MONOTONIC, &evn, &none));
	struct itimerspec longone = {{0, 0}, {5, 0}};
	OK(timer_settime(none, 0, &longone, NULL));
	OK(timer_gettime(none, &cur));
	EXPECT_TRUE("none_counts_down", cur.it_value.tv_sec <= 5 && cur.it_value.tv_sec >= 4);
	OK(timer_delete(none));

	/* SIGEV_THREAD_ID: the named thread takes it. */
	pthread_t w;
	CHECK_EQ(pthread_create(&w, NULL, worker, NULL), 0);
	while (!atomic_load(&worker_tid))
		sched_yield();
	settle();
	timer_t tt;
	struct sigevent evt;
	memset(&evt, 0, sizeof(evt));
	evt.sigev_notify = SIGEV_THREAD_ID;
	evt.sigev_signo = SIGRTMIN;
	evt._sigev_un._tid = atomic_load(&worker_tid);
	OK(timer_create(CLOCK_MONOTONIC, &evt, &tt));
	OK(timer_settime(tt, 0, &its, NULL));
	wait_hits(1);
	EXPECT_TRUE("thread_id_target", atomic_load(&handler_tid) == atomic_load(&worker_tid));
	OK(timer_delete(tt));
	atomic_store(&worker_done, 1);
	CHECK_EQ(pthread_join(w, NULL), 0);

	/* Errors. */
	OK(timer_delete(tm));
	EXPECT_ERR("delete_again", syscall(SYS_timer_delete, tm), EINVAL);
	EXPECT_ERR("gettime_bad_id", syscall(SYS_timer_gettime, 12345, &cur), EINVAL);
	int id;
	EXPECT_ERR("bad_clock", syscall(SYS_timer_create, 1234, NULL, &id), EINVAL);
	struct sigevent bad;
	memset(&bad, 0, sizeof(bad));
	bad.sigev_notify = SIGEV_SIGNAL;
	bad.sigev_signo = 65;
	EXPECT_ERR("bad_signo", syscall(SYS_timer_create, CLOCK_MONOTONIC, &bad, &id), EINVAL);
	bad.sigev_notify = 99;
	bad.sigev_signo = SIGRTMIN;
	EXPECT_ERR("bad_notify", syscall(SYS_timer_create, CLOCK_MONOTONIC, &bad, &id), EINVAL);
	OK(syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, &id));
	struct itimerspec badts = {{0, 0}, {0, 1000000000L}};
	EXPECT_ERR("bad_nsec", syscall(SYS_timer_settime, id, 0, &badts, NULL), EINVAL);
	EXPECT_VAL("unknown_flags_ignored", syscall(SYS_timer_settime, id, 2, &its, NULL), 0);
	OK(syscall(SYS_timer_delete, id));
	alarm(0);
	return done();
}
