/*
 * Files of the event-notification syscalls, each on Linux's anonymous inode: eventfd
 * (fs/eventfd.c), timerfd (fs/timerfd.c) and signalfd (fs/signalfd.c). Their readiness
 * changes are announced with vfs_io_event() and their own struct vfs_io_source, so poll,
 * select and epoll (edge-triggered too) see them.
 */
#ifndef CVISOR_EVENTFD_H
#define CVISOR_EVENTFD_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct file;
struct task;

/* --- eventfd ------------------------------------------------------------------------------ */
/* A new eventfd with counter initval; flags: O_NONBLOCK, and semaphore for EFD_SEMAPHORE. */
int eventfd_create(unsigned initval, int flags, bool semaphore, struct file **out);

/* --- timerfd ------------------------------------------------------------------------------ */
/* A new timerfd on clock (CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME or their _ALARM
 * forms, already checked); flags: O_NONBLOCK. */
int timerfd_create_file(clockid_t clock, int flags, struct file **out);
bool file_is_timerfd(const struct file *f);
/* Linux's timerfd_settime once the arguments are checked: abstime for TFD_TIMER_ABSTIME;
 * old (may be NULL) gets the setting it replaces, as timerfd_gettime would have. */
int timerfd_set(struct file *f, bool abstime, const struct itimerspec *nv, struct itimerspec *old);
void timerfd_get(struct file *f, struct itimerspec *cur);
/* The clock a timerfd was made with (for the CAP_WAKE_ALARM check). */
clockid_t timerfd_clock(const struct file *f);

/* --- signalfd ----------------------------------------------------------------------------- */
/* A new signalfd for the signals of mask (bit sig - 1); flags: O_NONBLOCK. */
int signalfd_create(uint64_t mask, int flags, struct file **out);
bool file_is_signalfd(const struct file *f);
/* Replaces the mask of an existing signalfd. */
void signalfd_set_mask(struct file *f, uint64_t mask);
/* A signal became pending for some task (sentry/signal.c): signalfd readers and pollers
 * look again. Cheap while the sandbox has no signalfd. */
void signalfd_notify(void);

#endif
