/*
 * What the terminal files share: struct tty (one pseudo-terminal pair), the line discipline
 * (fs/tty.c), the pair's files (fs/pty.c) and job control (fs/tty_jobctl.c).
 *
 * A pair is modelled as Linux builds one: the slave has the n_tty line discipline (a 4 KiB
 * read buffer with line marks, echo, signals), fed from the bytes written to the master
 * through a bounded queue (Linux's flip buffer, 8 KiB for a pty). The master's side is raw:
 * its termios can never be changed (termios ioctls on the master act on the slave), so what
 * the slave writes, after output processing, is simply queued for master reads.
 */
#ifndef CVISOR_TTY_INTERNAL_H
#define CVISOR_TTY_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <termios.h>

#include "fs/tty.h"
#include "fs/vfs.h"

#define N_TTY_BUF_SIZE 4096 /* n_tty's read buffer */
#define PTY_BUF_LIMIT  8192 /* a pty port's buffer before the line discipline */
#define TTY_ECHO_OPS   4096 /* pending echo operations */
#define KERNEL_NCCS    19
#define PTS_MAJOR      136

/* The kernel's struct termios2; TCGETS/TCSETS move its first 36 bytes (struct termios). */
struct kterm {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line;
	uint8_t c_cc[KERNEL_NCCS];
	uint32_t c_ispeed, c_ospeed;
};
_Static_assert(sizeof(struct kterm) == 44, "the kernel's struct termios2");
#define KTERMIOS_SIZE 36

/* A byte ring; head and tail run freely (head - tail bytes are queued). */
struct byteq {
	unsigned char *buf;
	size_t cap;
	uint64_t head, tail;
};

static inline size_t bq_count(const struct byteq *q)
{
	return (size_t)(q->head - q->tail);
}

static inline size_t bq_room(const struct byteq *q)
{
	return q->cap - bq_count(q);
}

/* Appends up to n bytes; returns how many fit. */
size_t bq_put(struct byteq *q, const void *src, size_t n);
/* Takes up to n bytes (dst NULL: drops them); returns how many. */
size_t bq_get(struct byteq *q, void *dst, size_t n);

/* n_tty's state for the slave. Indexes run freely; LD_MASK gives the buffer position. */
struct ldisc {
	unsigned char buf[N_TTY_BUF_SIZE];
	uint64_t eol[N_TTY_BUF_SIZE / 64]; /* where a line ends (Linux's read_flags) */
	uint64_t read_head, read_tail, canon_head;
	bool lnext;   /* the next character is literal (VLNEXT) */
	bool erasing; /* inside an ECHOPRT erase: "\...\" */
	bool push;    /* the last line was made by switching to ICANON */
	unsigned column, canon_column;
	uint16_t echo[TTY_ECHO_OPS]; /* echo operations not yet output (see tty.c) */
	size_t echo_len;
	size_t lookahead; /* queued input bytes whose START/STOP meaning was already acted on */
};
#define LD_MASK(i) ((size_t)(i) & (N_TTY_BUF_SIZE - 1))

/* Output flow control and exclusive mode, per end. */
struct tty_end {
	bool stopped;	  /* output stopped (VSTOP, TCOOFF) */
	bool tco_stopped; /* stopped by TCOOFF: only TCOON restarts it */
	bool exclusive;	  /* TIOCEXCL */
};

struct tty {
	int refs;
	struct sandbox *sb; /* whose processes it signals (NULL outside a sandbox) */
	struct devpts_fs *fs;
	unsigned index;

	pthread_mutex_t lock;
	pthread_cond_t cv; /* any change: readers, writers and openers re-check */
	struct kterm termios, termios_locked;
	struct winsize ws;
	struct ldisc ld;
	struct byteq in;  /* written to the master, not yet taken by the line discipline */
	struct byteq out; /* the slave's output and echoes, for master reads */
	bool ptlock;	  /* TIOCSPTLCK: the slave may not be opened */
	bool master_open;
	unsigned slave_opens;
	bool other_closed;   /* every slave file closed since one was open: master reads EIO */
	unsigned hangup_gen; /* slave files opened before a hangup are hung up */
	bool packet;	     /* TIOCPKT on the master */
	unsigned char pktstatus;
	struct tty_end me, se;	     /* master, slave */
	uint64_t pending_sigs;	     /* signals for the foreground group, sent by tty_unlock */
	bool changed;		     /* readiness may have changed: tty_unlock announces it */
	struct vfs_io_source events; /* ... and records it here, for epoll (key 0: any end) */

	/* Job control, under sb->lock: the session whose controlling terminal this is, and
	 * its foreground process group (0: none). */
	pid_t session, pgrp;
};

/* The file of one end: which pair, which end, and (slave) the hangup generation. */
struct tty_file {
	struct tty *tty;
	bool master;
	unsigned gen;
};

static inline bool tty_file_hung(const struct tty *tty, const struct tty_file *tf)
{
	return !tf->master && (!tty->master_open || tf->gen != tty->hangup_gen);
}

#define T_I(tty, f)  ((tty)->termios.c_iflag & (f))
#define T_O(tty, f)  ((tty)->termios.c_oflag & (f))
#define T_L(tty, f)  ((tty)->termios.c_lflag & (f))
#define T_CC(tty, i) ((tty)->termios.c_cc[i])

/* Unlocks tty->lock, then sends the signals the input raised (ISIG) to the foreground group
 * and announces readiness changes: neither may happen under the lock. */
void tty_unlock(struct tty *tty);
/* Waits for a change (tty->lock held) until the deadline (NULL: none): 0, -ETIMEDOUT, or
 * -EINTR for a signal. */
int tty_wait(struct tty *tty, struct task *t, const struct timespec *deadline);

/* --- the line discipline (fs/tty.c); tty->lock held for each --------------------------- */
void ldisc_init(struct tty *tty);
/* Takes what fits of tty->in into the line discipline. */
void ldisc_receive(struct tty *tty);
/* One character pushed in directly (TIOCSTI). */
void ldisc_receive_one(struct tty *tty, unsigned char c);
/* Outputs what pending echoes fit toward the master. */
void ldisc_echo_flush(struct tty *tty);
/* read(2) and write(2) on the slave (may wait, dropping the lock meanwhile). */
long ldisc_read(struct tty *tty, struct task *t, const struct tty_file *tf, bool nonblock,
		char *buf, size_t len);
long ldisc_write(struct tty *tty, struct task *t, const struct tty_file *tf, bool nonblock,
		 const char *buf, size_t len);
/* Applies a new termios (locked bits kept, the pty's fixed bits forced). */
void ldisc_set_termios(struct tty *tty, const struct kterm *new_termios);
/* Empties the read buffer (TCIFLUSH, a signal character without NOFLSH). */
void ldisc_flush_input(struct tty *tty);
/* FIONREAD on the slave; whether a read (or, for poll, a poll) would find input. */
int ldisc_inq(const struct tty *tty);
bool ldisc_readable(const struct tty *tty, bool for_poll);
void tty_stop(struct tty *tty, bool master);
void tty_start(struct tty *tty, bool master);
/* The speeds a termios names (Linux's tty_termios_baud_rate and input_baud_rate). */
uint32_t kterm_ospeed(const struct kterm *k);
uint32_t kterm_ispeed(const struct kterm *k);

/* --- job control (fs/tty_jobctl.c) --------------------------------------------------- */
/* Linux's __tty_check_change: may t's process read (SIGTTIN) or change/write (SIGTTOU) its
 * controlling terminal tty now? 0, -EIO, or -EINTR once sig went to its group. */
int tty_job_check(struct tty *tty, struct task *t, int sig);
/* Whether the file's end of tty is t's controlling terminal (a master never is). */
bool tty_is_ctty_of(struct tty *tty, bool master, struct task *t);
/* Signals (a mask of 1 << sig) to tty's foreground process group. */
void tty_signal_fg(struct tty *tty, uint64_t sigs);
/* After an open without O_NOCTTY: a session leader without one takes tty as its ctty. */
void tty_open_acquire_ctty(struct tty *tty, struct task *t, const struct file *f);
/* The hangup's job control part (the master closed, TIOCVHANGUP): the session loses tty,
 * its leader gets SIGHUP and SIGCONT. */
void tty_hangup_session(struct tty *tty);
/* TIOCSCTTY, TIOCNOTTY, TIOCGPGRP, TIOCSPGRP, TIOCGSID (on_master: through the master). */
long tty_jobctl_ioctl(struct tty *tty, bool on_master, struct task *t, const struct file *f,
		      unsigned long cmd, uint64_t arg);

/* --- devpts (fs/devpts.c) ------------------------------------------------------------ */
/* The pair's node disappears (the master closed); near: the master file's path, by which
 * the node's cached dentry is found and dropped. */
void devpts_pty_hide(struct devpts_fs *fs, unsigned index, const struct path *near);
/* Both ends are closed: the index is free again. */
void devpts_pty_release(struct devpts_fs *fs, unsigned index);
void devpts_fs_get(struct devpts_fs *fs);
void devpts_fs_put(struct devpts_fs *fs);
/* TIOCGPTPEER: opens the slave of tty as a new file (through the devpts instance near the
 * master file's path). */
int devpts_open_peer(struct tty *tty, struct task *t, const struct file *master, int flags,
		     struct file **out);

#endif
