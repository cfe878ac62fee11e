/*
 * ITIMER_REAL and the POSIX timers (timer_create) of every process of a sandbox, served by one
 * Sentry thread that sleeps until the earliest deadline (CLOCK_MONOTONIC) and then signals
 * through the process table, so a timer never holds a pointer to a task that may be gone.
 * A timer is (pid, id): id -1 is the process's ITIMER_REAL.
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
	int id;                   /* -1: ITIMER_REAL; else a timer_create id */
	bool armed;
	struct timespec deadline; /* CLOCK_MONOTONIC */
	struct timespec interval;
	/* POSIX timers: what expiry sends */
	int notify;               /* SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD_ID */
	clockid_t clock;
	int signo;
	pid_t target_tid;
	union sigval value;
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

static struct itimer **find_id(struct sandbox *sb, pid_t pid, int id)
{
	struct itimer **p = &sb->timers;
	while (*p && ((*p)->pid != pid || (*p)->id != id))
		p = &(*p)->next;
	return p;
}

static struct itimer **find(struct sandbox *sb, pid_t pid)
{
	return find_id(sb, pid, -1);
}

/* What an expiry sends, copied out of the timer so that it is used without the timer lock. */
struct expiry {
	pid_t pid;
	int id, notify, signo;
	pid_t target_tid;
	union sigval value;
};

static void fire(struct sandbox *sb, const struct expiry *e)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	if (e->id < 0) {
		si.si_signo = SIGALRM;
		si.si_code = SI_KERNEL;
	} else {
		if (e->notify == SIGEV_NONE)
			return;
		si.si_signo = e->signo;
		si.si_code = SI_TIMER;
		si._sifields._timer.si_tid = e->id;
		si.si_value = e->value;
	}
	pthread_mutex_lock(&sb->lock);
	struct process *p = process_find(sb, e->pid);
	if (p && p->state == PROC_ALIVE && p->task) {
		struct task *to = NULL;
		if (e->id >= 0 && e->notify == SIGEV_THREAD_ID) {
			to = process_find_thread(sb, e->target_tid);
			if (to && to->proc != p)
				to = NULL;
		} else {
			to = process_signal_target(p, si.si_signo);
		}
		if (to)
			signal_send(to, si.si_signo, &si);
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
			if (it->armed && (!first || ts_cmp(it->deadline, first->deadline) < 0))
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
		struct expiry e = {first->pid,	  first->id,	     first->notify,
				   first->signo, first->target_tid, first->value};
		if (first->interval.tv_sec || first->interval.tv_nsec) {
			first->deadline = ts_add(first->deadline, first->interval);
		} else if (first->id >= 0) {
			first->armed = false; /* a POSIX timer stays until timer_delete */
		} else {
			struct itimer **pp = find(sb, first->pid);
			*pp = first->next;
			free(first);
		}
		/* Lock order: the process table before the timer lock, so drop ours first. */
		pthread_mutex_unlock(&sb->timer_lock);
		fire(sb, &e);
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

static int start_thread_locked(struct sandbox *sb)
{
	if (sb->timer_thread_running)
		return 0;
	if (pthread_create(&sb->timer_thread, NULL, timer_main, sb) != 0)
		return -EAGAIN;
	sb->timer_thread_running = true;
	return 0;
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
		it->id = -1;
		it->armed = true;
		it->deadline = ts_add(now, tv_to_ts(nv->it_value));
		it->interval = tv_to_ts(nv->it_interval);
		it->next = sb->timers;
		sb->timers = it;
		err = start_thread_locked(sb);
		if (err < 0) {
			sb->timers = it->next;
			free(it);
			goto out;
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
	for (struct itimer **pp = &sb->timers; *pp;) {
		if ((*pp)->pid == pid) {
			struct itimer *it = *pp;
			*pp = it->next;
			free(it);
		} else {
			pp = &(*pp)->next;
		}
	}
	pthread_cond_broadcast(&sb->timer_cv);
	pthread_mutex_unlock(&sb->timer_lock);
}

/* --- POSIX timers ------------------------------------------------------------------------ */

#define TIMERS_PER_PROCESS 1024

int ptimer_clock(struct task *t, int id)
{
	struct sandbox *sb = t->sb;
	pthread_mutex_lock(&sb->timer_lock);
	struct itimer *it = *find_id(sb, t->tgid, id);
	int c = it ? (int)it->clock : -EINVAL;
	pthread_mutex_unlock(&sb->timer_lock);
	return c;
}

int ptimer_create(struct task *t, clockid_t clock, int notify, int signo, pid_t target_tid,
		  union sigval value)
{
	struct sandbox *sb = t->sb;
	int id = -EAGAIN;
	pthread_mutex_lock(&sb->timer_lock);
	for (int cand = 0; cand < TIMERS_PER_PROCESS; cand++) {
		if (!*find_id(sb, t->tgid, cand)) {
			id = cand;
			break;
		}
	}
	if (id >= 0) {
		struct itimer *it = calloc(1, sizeof(*it));
		if (!it) {
			id = -ENOMEM;
		} else {
			it->pid = t->tgid;
			it->id = id;
			it->notify = notify;
			it->clock = clock;
			it->signo = signo;
			it->target_tid = target_tid;
			it->value = value;
			it->next = sb->timers;
			sb->timers = it;
		}
	}
	pthread_mutex_unlock(&sb->timer_lock);
	return id;
}

static void remaining(const struct itimer *it, struct itimerspec *out)
{
	memset(out, 0, sizeof(*out));
	out->it_interval = it->interval;
	if (!it->armed)
		return;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	out->it_value = ts_sub(it->deadline, now);
	if (!out->it_value.tv_sec && !out->it_value.tv_nsec)
		out->it_value.tv_nsec = 1;
}

int ptimer_settime(struct task *t, int id, const struct timespec *deadline_mono,
		   const struct timespec *interval, struct itimerspec *old)
{
	struct sandbox *sb = t->sb;
	int err = 0;
	pthread_mutex_lock(&sb->timer_lock);
	struct itimer *it = *find_id(sb, t->tgid, id);
	if (!it) {
		err = -EINVAL;
		goto out;
	}
	if (old)
		remaining(it, old);
	it->armed = deadline_mono != NULL;
	if (deadline_mono) {
		it->deadline = *deadline_mono;
		it->interval = *interval;
		err = start_thread_locked(sb);
	}
	pthread_cond_broadcast(&sb->timer_cv);
out:
	pthread_mutex_unlock(&sb->timer_lock);
	return err;
}

int ptimer_gettime(struct task *t, int id, struct itimerspec *cur)
{
	struct sandbox *sb = t->sb;
	pthread_mutex_lock(&sb->timer_lock);
	struct itimer *it = *find_id(sb, t->tgid, id);
	if (it)
		remaining(it, cur);
	pthread_mutex_unlock(&sb->timer_lock);
	return it ? 0 : -EINVAL;
}

int ptimer_delete(struct task *t, int id)
{
	struct sandbox *sb = t->sb;
	pthread_mutex_lock(&sb->timer_lock);
	struct itimer **pp = find_id(sb, t->tgid, id);
	struct itimer *it = *pp;
	if (it) {
		*pp = it->next;
		free(it);
		pthread_cond_broadcast(&sb->timer_cv);
	}
	pthread_mutex_unlock(&sb->timer_lock);
	return it ? 0 : -EINVAL;
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
