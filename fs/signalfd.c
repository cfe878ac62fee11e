/*
 * signalfd, as Linux's fs/signalfd.c: reading takes pending signals of the file's mask from
 * the *reader's* queue (as they would otherwise be delivered to it) and returns each as a
 * struct signalfd_siginfo; the file is readable when one is pending for the task that asks.
 *
 * A signal becoming pending anywhere calls signalfd_notify() (sentry/signal.c), which bumps
 * one source shared by every signalfd and wakes pollers: signalfds are few, and a reader
 * re-checks its own queue. Blocked readers wait on the sandbox-wide readiness condition, so
 * both a new signal and a mask change wake them; a signal the reader does not block
 * interrupts the wait as any other (read restarts after it, as Linux's).
 *
 * There is no process-wide pending set in the Sentry yet: a process-directed signal is
 * queued on one thread (one that does not block it, else the main thread). As
 * rt_sigtimedwait does, a read also takes such signals from the reader's siblings, where
 * they block them; poll only sees the reader's own queue.
 */
#define _GNU_SOURCE
#include "fs/eventfd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>

#include "fs/anon_inode.h"
#include "fs/vfs.h"
#include "sentry/process.h"
#include "sentry/signal.h"
#include "sentry/task.h"

_Static_assert(sizeof(struct signalfd_siginfo) == 128, "Linux's record size");

/* Linux's NSIG* limits of the signal-specific si_codes (include/uapi/asm-generic/siginfo.h). */
#define NSIGILL_K	11
#define NSIGFPE_K	15
#define NSIGSEGV_K	10
#define NSIGBUS_K	5
#define NSIGTRAP_K	6
#define NSIGCHLD_K	6
#define NSIGPOLL_K	6
#define NSIGSYS_K	2
#define BUS_MCEERR_AR_K 4
#define BUS_MCEERR_AO_K 5

struct signalfd {
	uint64_t mask; /* bit sig - 1; never SIGKILL or SIGSTOP */
};

static int nsignalfds;
static struct vfs_io_source signals_src;

static bool nonblocking(const struct file *f)
{
	return __atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK;
}

void signalfd_notify(void)
{
	if (!__atomic_load_n(&nsignalfds, __ATOMIC_ACQUIRE))
		return;
	vfs_io_source_bump(&signals_src, POLLIN);
	vfs_io_event();
}

/* --- records --------------------------------------------------------------------------------- */

enum layout { L_KILL, L_TIMER, L_POLL, L_FAULT, L_FAULT_MCEERR, L_CHLD, L_RT, L_SYS };

/* Linux's siginfo_layout: which union member of the siginfo a (signal, code) uses. */
static enum layout siginfo_layout(int sig, int code)
{
	if (code > SI_USER && code < SI_KERNEL) {
		static const struct {
			int limit;
			enum layout layout;
		} specific[] = {
		    [SIGILL] = {NSIGILL_K, L_FAULT},   [SIGFPE] = {NSIGFPE_K, L_FAULT},
		    [SIGSEGV] = {NSIGSEGV_K, L_FAULT}, [SIGBUS] = {NSIGBUS_K, L_FAULT},
		    [SIGTRAP] = {NSIGTRAP_K, L_FAULT}, [SIGCHLD] = {NSIGCHLD_K, L_CHLD},
		    [SIGSYS] = {NSIGSYS_K, L_SYS},
		};
		if (sig < (int)(sizeof(specific) / sizeof(specific[0])) && specific[sig].limit &&
		    code <= specific[sig].limit) {
			if (sig == SIGBUS && code >= BUS_MCEERR_AR_K && code <= BUS_MCEERR_AO_K)
				return L_FAULT_MCEERR;
			return specific[sig].layout;
		}
		return code <= NSIGPOLL_K ? L_POLL : L_KILL;
	}
	if (code == SI_TIMER)
		return L_TIMER;
	if (code == SI_SIGIO)
		return L_POLL;
	return code < 0 ? L_RT : L_KILL;
}

/* Linux's signalfd_copyinfo. */
static void fill_record(struct signalfd_siginfo *r, const siginfo_t *si)
{
	memset(r, 0, sizeof(*r));
	r->ssi_signo = (uint32_t)si->si_signo;
	r->ssi_errno = si->si_errno;
	r->ssi_code = si->si_code;
	switch (siginfo_layout(si->si_signo, si->si_code)) {
	case L_KILL:
		r->ssi_pid = (uint32_t)si->si_pid;
		r->ssi_uid = si->si_uid;
		break;
	case L_TIMER:
		r->ssi_tid = (uint32_t)si->si_timerid;
		r->ssi_overrun = (uint32_t)si->si_overrun;
		r->ssi_ptr = (uint64_t)(uintptr_t)si->si_ptr;
		r->ssi_int = si->si_int;
		break;
	case L_POLL:
		r->ssi_band = (uint32_t)si->si_band;
		r->ssi_fd = si->si_fd;
		break;
	case L_FAULT:
		r->ssi_addr = (uint64_t)(uintptr_t)si->si_addr;
		break;
	case L_FAULT_MCEERR:
		r->ssi_addr = (uint64_t)(uintptr_t)si->si_addr;
		r->ssi_addr_lsb = (uint16_t)si->si_addr_lsb;
		break;
	case L_CHLD:
		r->ssi_pid = (uint32_t)si->si_pid;
		r->ssi_uid = si->si_uid;
		r->ssi_status = si->si_status;
		r->ssi_utime = (uint64_t)si->si_utime;
		r->ssi_stime = (uint64_t)si->si_stime;
		break;
	case L_RT:
		r->ssi_pid = (uint32_t)si->si_pid;
		r->ssi_uid = si->si_uid;
		r->ssi_ptr = (uint64_t)(uintptr_t)si->si_ptr;
		r->ssi_int = si->si_int;
		break;
	case L_SYS:
		r->ssi_call_addr = (uint64_t)(uintptr_t)si->si_call_addr;
		r->ssi_syscall = si->si_syscall;
		r->ssi_arch = si->si_arch;
		break;
	}
}

/* --- the file ------------------------------------------------------------------------------ */

static uint64_t mask_of(const struct file *f)
{
	const struct signalfd *s = f->priv;
	return __atomic_load_n(&s->mask, __ATOMIC_ACQUIRE);
}

/* Linux's signalfd_read: as many records as fit, waiting (unless O_NONBLOCK) for the first
 * only. */
static long sfd_read(struct file *f, void *buf, size_t len, int64_t *off)
{
	struct task *t = task_current();
	size_t n = len / sizeof(struct signalfd_siginfo), done = 0;
	siginfo_t info;
	if (!n)
		return -EINVAL;
	if (!t)
		return -EAGAIN;
	while (done < n) {
		uint64_t seq = vfs_io_seq(); /* before looking: a signal after it changes it */
		if (!signal_take_for_wait(t, mask_of(f), &info)) {
			if (done)
				break;
			if (nonblocking(f))
				return -EAGAIN;
			if (vfs_io_wait(t, seq, NULL) == -EINTR)
				return -EINTR;
			continue;
		}
		struct signalfd_siginfo rec;
		fill_record(&rec, &info);
		memcpy((char *)buf + done * sizeof(rec), &rec, sizeof(rec));
		done++;
	}
	return (long)(done * sizeof(struct signalfd_siginfo));
}

/* Readable when a signal of the mask is pending for the task that asks (Linux: current). */
static unsigned sfd_poll(struct file *f, int *host_fd)
{
	struct task *t = task_current();
	if (!t)
		return 0;
	pthread_mutex_lock(&t->sig_lock);
	bool any = t->pending & mask_of(f);
	pthread_mutex_unlock(&t->sig_lock);
	return any ? POLLIN : 0;
}

static uint64_t sfd_io_gen(struct file *f, unsigned events)
{
	return vfs_io_source_gen(&signals_src, events);
}

static int sfd_fstat(struct file *f, struct stat *st)
{
	return anon_inode_fstat(st);
}

/* noop_llseek: the position stays 0. */
static int64_t sfd_llseek(struct file *f, int64_t off, int whence)
{
	return 0;
}

static void sfd_release(struct file *f)
{
	free(f->priv);
	__atomic_sub_fetch(&nsignalfds, 1, __ATOMIC_ACQ_REL);
}

static const struct file_ops signalfd_ops = {
    .read = sfd_read,
    .llseek = sfd_llseek,
    .fstat = sfd_fstat,
    .poll = sfd_poll,
    .io_gen = sfd_io_gen,
    .release = sfd_release,
};

bool file_is_signalfd(const struct file *f)
{
	return f && f->ops == &signalfd_ops;
}

int signalfd_create(uint64_t mask, int flags, struct file **out)
{
	struct signalfd *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->mask = mask;
	struct file *f = file_new(&signalfd_ops, O_RDWR | (flags & O_NONBLOCK), s);
	if (!f) {
		free(s);
		return -ENOMEM;
	}
	f->stream = true;
	__atomic_add_fetch(&nsignalfds, 1, __ATOMIC_ACQ_REL);
	*out = f;
	return 0;
}

void signalfd_set_mask(struct file *f, uint64_t mask)
{
	struct signalfd *s = f->priv;
	__atomic_store_n(&s->mask, mask, __ATOMIC_RELEASE);
	/* Linux wakes the readers: what they wait for changed. */
	vfs_io_source_bump(&signals_src, POLLIN);
	vfs_io_event();
}
