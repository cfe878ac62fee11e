/* Interval timers (alarm, setitimer ITIMER_REAL): SIGALRM to the process when they expire. */
#ifndef CVISOR_TIMER_H
#define CVISOR_TIMER_H

#include <signal.h>
#include <sys/time.h>
#include <time.h>
#include <sys/types.h>

struct task;
struct sandbox;

/* Sets the calling process's real timer (zero value: disarm); *old gets the previous. */
int itimer_real_set(struct task *t, const struct itimerval *nv, struct itimerval *old);
void itimer_real_get(struct task *t, struct itimerval *cur);
/* The process is gone: its timer with it. */
void itimer_process_gone(struct sandbox *sb, pid_t pid);
/* POSIX timers of the calling process (ids from 0). settime takes a CLOCK_MONOTONIC
 * deadline (NULL: disarm); old/cur get the time left and the interval. -EINVAL for an
 * unknown id, -EAGAIN when the process has 1024 timers. */
int ptimer_create(struct task *t, clockid_t clock, int notify, int signo, pid_t target_tid,
		  union sigval value);
int ptimer_clock(struct task *t, int id); /* the clock id, or -EINVAL */
int ptimer_settime(struct task *t, int id, const struct timespec *deadline_mono,
		   const struct timespec *interval, struct itimerspec *old);
int ptimer_gettime(struct task *t, int id, struct itimerspec *cur);
int ptimer_delete(struct task *t, int id);

/* Stops the sandbox's timer thread (at the end of the sandbox). */
void timers_shutdown(struct sandbox *sb);

#endif
