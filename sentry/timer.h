/* Interval timers (alarm, setitimer ITIMER_REAL): SIGALRM to the process when they expire. */
#ifndef CVISOR_TIMER_H
#define CVISOR_TIMER_H

#include <sys/time.h>
#include <sys/types.h>

struct task;
struct sandbox;

/* Sets the calling process's real timer (zero value: disarm); *old gets the previous. */
int itimer_real_set(struct task *t, const struct itimerval *nv, struct itimerval *old);
void itimer_real_get(struct task *t, struct itimerval *cur);
/* The process is gone: its timer with it. */
void itimer_process_gone(struct sandbox *sb, pid_t pid);
/* Stops the sandbox's timer thread (at the end of the sandbox). */
void timers_shutdown(struct sandbox *sb);

#endif
