/*
 * ITIMER_REAL for every process of a sandbox, served by one Sentry thread that sleeps until
 * the earliest deadline (CLOCK_MONOTONIC) and then sends SIGALRM through the process table,
 * so a timer never holds a pointer to a task that may be gone.
 */
#define _GNU_SOURCE
#include "sentry/timer.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "sentry/process.h"
#include "sentry/signal.h"
#include "sentry/task.h"

struct itimer {
	pid_t pid;
	struct timespec deadline; /* CLOCK_MONOTONIC */
	struct timespec interval;
	struct itimer *next;
};

static struct timespec tv_to_ts(struct timeval tv)
{
	struct timespec ts = {tv.tv_sec, tv.tv_usec * 1000};
	return ts;
}

static struct timeval ts_to_tv(struct timespec ts)
{
	/* Round up, so a timer that has not expired never reads as zero. */
	struct timeval tv = {ts.tv_sec, (ts.tv_nsec + 999) / 1000};
	if (tv.tv_usec >= 1000000) {
		tv.tv_sec++;
		tv.tv_usec -= 1000000;
	}
	return tv;
}

static int ts_cmp(struct timespec a, struct timespec b)
{
	if (a.tv_sec != b.tv_sec)
		return a.tv_sec < b.tv_sec ? -1 : 1;
	return a.tv_nsec < b.tv_nsec ? -1 : a.tv_nsec > b.tv_nsec;
}

static struct timespec ts_add(struct timespec a, struct timespec b)
{
	struct timespec r = {a.tv_sec + b.tv_sec, a.tv_nsec + b.tv_nsec};
	if (r.tv_nsec >= 1000000000L) {
		r.tv_sec++;
		r.tv_nsec -= 1000000000L;
	}
	return r;
}

static struct timespec ts_sub(struct timespec a, struct timespec b)
{
	struct timespec r = {a.tv_sec - b.tv_sec, a.tv_nsec - b.tv_nsec};
	if (r.tv_nsec < 0) {
		r.tv_sec--;
		r.tv_nsec += 1000000000L;
	}
	if (r.tv_sec < 0)
		r.tv_sec = r.tv_nsec = 0;
	return r;
}

static struct itimer **find(struct sandbox *sb, pid_t pid)
{
	struct itimer **p = &sb->timers;
	while (*p && (*p)->pid != pid)
		p = &(*p)->next;
	return p;
}

static void fire(struct sandbox *sb, pid_t pid)
{
	pthread_mutex_lock(&sb->lock);
	struct process *p = process_find(sb, pid);
	if (p && p->state == PROC_ALIVE && p->task) {
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		si.si_signo = SIGALRM;
		si.si_code = SI_KERNEL;
		signal_send(process_signal_target(p, SIGALRM), SIGALRM, &si);
	}
	pthread_mutex_unlock(&sb->lock);
}

static void *timer_main(void *arg)
{
	struct sandbox *sb = arg;
	pthread_mutex_lock(&sb->timer_lock);
	while (!sb->timer_stop) {
		struct itimer *first = NULL;
		for (struct itimer *it = sb->timers; it; it = it->next)
			if (!first || ts_cmp(it->deadline, first->deadline) < 0)
				first = it;
		if (!first) {
			pthread_cond_wait(&sb->timer_cv, &sb->timer_lock);
			continue;
		}
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (ts_cmp(now, first->deadline) < 0) {
			struct timespec dl = first->deadline;
			pthread_cond_clockwait(&sb->timer_cv, &sb->timer_lock, CLOCK_MONOTONIC,
					       &dl);
			continue;
		}
		pid_t pid = first->pid;
		if (first->interval.tv_sec || first->interval.tv_nsec) {
			first->deadline = ts_add(first->deadline, first->interval);
		} else {
			struct itimer **pp = find(sb, pid);
			*pp = first->next;
			free(first);
		}
		/* Lock order: the process table before the timer lock, so drop ours first. */
		pthread_mutex_unlock(&sb->timer_lock);
		fire(sb, pid);
		pthread_mutex_lock(&sb->timer_lock);
	}
	pthread_mutex_unlock(&sb->timer_lock);
	return NULL;
}

static void itimerval_of(const struct itimer *it, struct itimerval *out)
{
	memset(out, 0, sizeof(*out));
	if (!it)
		return;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	out->it_value = ts_to_tv(ts_sub(it->deadline, now));
	if (!out->it_value.tv_sec && !out->it_value.tv_usec)
		out->it_value.tv_usec = 1;
	out->it_interval = ts_to_tv(it->interval);
}

void itimer_real_get(struct task *t, struct itimerval *cur)
{
	struct sandbox *sb = t->sb;
	pthread_mutex_lock(&sb->timer_lock);
	itimerval_of(*find(sb, t->tgid), cur);
	pthread_mutex_unlock(&sb->timer_lock);
}

int itimer_real_set(struct task *t, const struct itimerval *nv, struct itimerval *old)
{
	struct sandbox *sb = t->sb;
	int err = 0;
	pthread_mutex_lock(&sb->timer_lock);
	struct itimer **pp = find(sb, t->tgid);
	if (old)
		itimerval_of(*pp, old);
	if (*pp) {
		struct itimer *it = *pp;
		*pp = it->next;
		free(it);
	}
	if (nv->it_value.tv_sec || nv->it_value.tv_usec) {
		struct itimer *it = calloc(1, sizeof(*it));
		if (!it) {
			err = -ENOMEM;
			goto out;
		}
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		it->pid = t->tgid;
		it->deadline = ts_add(now, tv_to_ts(nv->it_value));
		it->interval = tv_to_ts(nv->it_interval);
		it->next = sb->timers;
		sb->timers = it;
		if (!sb->timer_thread_running) {
			if (pthread_create(&sb->timer_thread, NULL, timer_main, sb) != 0) {
				sb->timers = it->next;
				free(it);
				err = -EAGAIN;
				goto out;
			}
			sb->timer_thread_running = true;
		}
	}
	pthread_cond_broadcast(&sb->timer_cv);
out:
	pthread_mutex_unlock(&sb->timer_lock);
	return err;
}

void itimer_process_gone(struct sandbox *sb, pid_t pid)
{
	pthread_mutex_lock(&sb->timer_lock);
	struct itimer **pp = find(sb, pid);
	if (*pp) {
		struct itimer *it = *pp;
		*pp = it->next;
		free(it);
		pthread_cond_broadcast(&sb->timer_cv);
	}
	pthread_mutex_unlock(&sb->timer_lock);
}

void timers_shutdown(struct sandbox *sb)
{
	pthread_mutex_lock(&sb->timer_lock);
	bool running = sb->timer_thread_running;
	sb->timer_stop = true;
	pthread_cond_broadcast(&sb->timer_cv);
	pthread_mutex_unlock(&sb->timer_lock);
	if (running)
		pthread_join(sb->timer_thread, NULL);
	while (sb->timers) {
		struct itimer *it = sb->timers;
		sb->timers = it->next;
		free(it);
	}
}
