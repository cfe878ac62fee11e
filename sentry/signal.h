/*
 * Guest signals: sending, pending sets, and the blocking primitive every Sentry wait uses.
 *
 * A task blocked in the Sentry (on a pipe, in wait4, ...) waits through task_wait(), so that
 * a signal sent to it wakes it; a task blocked in a host call (a read of the caller's tty, a
 * sleep) brackets the call with task_host_block_begin/end, and is woken by SIGUSR1 to its
 * Sentry thread; a task running guest code is stopped by the platform's interrupt().
 *
 * Lock order: the waited-on mutex (m), then t->sig_lock. Senders take t->sig_lock alone,
 * then m alone; a sender must not hold m unless m is the sandbox lock (an error-checking
 * mutex, so the sender's own hold is detected).
 */
#ifndef CVISOR_SIGNAL_H
#define CVISOR_SIGNAL_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct task;

/* The signal the Sentry uses to end a host call of one of its own threads. */
#define SENTRY_WAKE_SIGNAL SIGUSR1

/* Installs the Sentry's own handler for SENTRY_WAKE_SIGNAL (no SA_RESTART). */
int signal_sentry_init(void);

/* Initializes a condition for task_wait(): its deadlines are on CLOCK_MONOTONIC. */
void cond_init_monotonic(pthread_cond_t *cv);

/* Waits on cv (m held by the caller) until woken, the absolute CLOCK_MONOTONIC deadline
 * (NULL: none) passes (-ETIMEDOUT), or a signal the task must handle arrives (-EINTR).
 * Spurious wake-ups return 0: callers loop on their own condition. */
int task_wait(struct task *t, pthread_mutex_t *m, pthread_cond_t *cv,
	      const struct timespec *deadline);

/* As task_wait, but only a fatal signal interrupts it (a stopped process, vfork). */
int task_wait_killable(struct task *t, pthread_mutex_t *m, pthread_cond_t *cv);

/* True when a signal is pending that is not blocked (or the task is being killed). */
bool task_signal_pending(struct task *t);

/* Waits on the host for fd to be ready for events (fd < 0: only the timeout), with the
 * Sentry's wake signal unblocked for just that wait (ppoll), so a kick is never lost.
 * timeout: relative, NULL for none. Returns revents, 0 on timeout, -EINTR when a signal
 * for the task is pending. */
int task_host_poll(struct task *t, int fd, short events, const struct timespec *timeout);

/* Sleeps on clock clk (flags: 0 or TIMER_ABSTIME) unless a signal comes: 0 or -EINTR;
 * rem gets what was left of a relative sleep. */
int task_host_sleep(struct task *t, clockid_t clk, int flags, const struct timespec *req,
		    struct timespec *rem);

/* The siginfo of a signal sent by a guest task (kill, tgkill, a parent-death signal). */
void siginfo_from_sender(siginfo_t *si, int sig, int code, const struct task *sender);

/* Queues sig for t with info (NULL: SI_USER from the sandbox) and wakes t if it must act.
 * Ignored signals are discarded. Returns 0, or -EAGAIN when a queued real-time signal
 * (not SI_USER) finds the queue full. */
int signal_send(struct task *t, int sig, const siginfo_t *info);

/* Takes the lowest pending signal of set (caller holds t->sig_lock): its number, and its
 * info in *info; 0 when none. Real-time signals leave one queued instance at a time. */
int signal_dequeue(struct task *t, uint64_t set, siginfo_t *info);
/* For sigtimedwait and signalfd: the lowest pending signal of set for t, its own first, then
 * one parked on a sibling thread that blocks it (a process-directed signal that arrived before
 * the wait: there is no process-wide pending set yet). 0 when none. */
int signal_take_for_wait(struct task *t, uint64_t set, siginfo_t *info);

/* After a change of sig's action (caller holds t->sig_lock): if sig is now ignored, its
 * pending instances go. */
void signal_flush_if_ignored(struct task *t, int sig);

/* Frees the task's queued real-time signals (at exit). */
void signal_queue_free(struct task *t);

/* A synchronous signal the task caused (a fault, a bad sigreturn frame): if the guest
 * blocks or ignores it, the action becomes the default one, as Linux's force_sig. */
void signal_force(struct task *t, int sig);
void signal_force_info(struct task *t, int sig, const siginfo_t *info);

/* Makes t look at its signals soon, wherever it is (guest code, Sentry wait, host call). */
void task_kick(struct task *t);

/* The default action of a signal. */
enum sig_default { SIG_DFL_TERM, SIG_DFL_CORE, SIG_DFL_IGNORE, SIG_DFL_STOP, SIG_DFL_CONT };
enum sig_default signal_default_action(int sig);

#endif
