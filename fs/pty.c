/*
 * Pseudo-terminal pairs: the master and slave files and their ioctls (Linux's tty_io.c,
 * tty_ioctl.c and pty.c for Unix98 ptys). The line discipline is fs/tty.c, controlling
 * terminals and job control fs/tty_jobctl.c, the names under /dev/pts fs/devpts.c.
 *
 * Linux semantics kept here: termios and window-size ioctls on the master act on the
 * slave; the slave cannot open until TIOCSPTLCK unlocks it (EIO); once the master closes,
 * the slave is hung up (reads 0, writes and ioctls EIO, the session loses it); once every
 * slave file is closed the master reads what is left, then EIO, and polls POLLHUP.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "fs/tty_internal.h"
#include "fs/vfs.h"
#include "sentry/log.h"
#include "sentry/signal.h"
#include "sentry/task.h"

#define CAP_SYS_ADMIN_K 21
#define N_TTY_K		0
#define NR_LDISCS_K	31

/* The termios2 ioctls: <asm/ioctls.h> spells them with a struct glibc does not have. */
#define K_TCGETS2  0x802C542AUL
#define K_TCSETS2  0x402C542BUL
#define K_TCSETSW2 0x402C542CUL
#define K_TCSETSF2 0x402C542DUL

#define TERMIOS_FLUSH  1
#define TERMIOS_WAIT   2
#define TERMIOS_TERMIO 4
#define TERMIOS_OLD    8

static const struct file_ops pty_master_ops, pty_slave_ops;

void tty_get(struct tty *tty)
{
	__atomic_add_fetch(&tty->refs, 1, __ATOMIC_RELAXED);
}

void tty_put(struct tty *tty)
{
	if (!tty || __atomic_sub_fetch(&tty->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	free(tty->in.buf);
	free(tty->out.buf);
	pthread_cond_destroy(&tty->cv);
	pthread_mutex_destroy(&tty->lock);
	devpts_fs_put(tty->fs);
	free(tty);
}

unsigned tty_index(const struct tty *tty)
{
	return tty->index;
}

int pty_new(struct devpts_fs *fs, unsigned index, struct sandbox *sb, struct tty **out)
{
	struct tty *tty = calloc(1, sizeof(*tty));
	if (!tty)
		return -ENOMEM;
	tty->in.cap = PTY_BUF_LIMIT;
	tty->out.cap = N_TTY_BUF_SIZE - 1 + PTY_BUF_LIMIT; /* the master's n_tty and port */
	tty->in.buf = malloc(tty->in.cap);
	tty->out.buf = malloc(tty->out.cap);
	if (!tty->in.buf || !tty->out.buf) {
		free(tty->in.buf);
		free(tty->out.buf);
		free(tty);
		return -ENOMEM;
	}
	tty->refs = 1;
	tty->sb = sb;
	tty->fs = fs;
	devpts_fs_get(fs);
	tty->index = index;
	pthread_mutex_init(&tty->lock, NULL);
	cond_init_monotonic(&tty->cv);
	ldisc_init(tty);
	tty->ptlock = true; /* ptmx_open locks the slave until unlockpt() */
	*out = tty;
	return 0;
}

void tty_unlock(struct tty *tty)
{
	uint64_t sigs = tty->pending_sigs;
	bool changed = tty->changed;
	tty->pending_sigs = 0;
	tty->changed = false;
	if (changed)
		vfs_io_source_bump(&tty->events, 0);
	pthread_mutex_unlock(&tty->lock);
	if (sigs)
		tty_signal_fg(tty, sigs);
	if (changed)
		vfs_io_event();
}

int tty_wait(struct tty *tty, struct task *t, const struct timespec *deadline)
{
	if (tty->pending_sigs || tty->changed) {
		/* Signals and readiness news go out before sleeping; the caller looks again. */
		tty_unlock(tty);
		pthread_mutex_lock(&tty->lock);
		return 0;
	}
	return task_wait(t, &tty->lock, &tty->cv, deadline);
}

static struct tty_file *tty_file_new(struct tty *tty, bool master)
{
	struct tty_file *tf = malloc(sizeof(*tf));
	if (!tf)
		return NULL;
	tf->tty = tty;
	tf->master = master;
	tf->gen = tty->hangup_gen;
	return tf;
}

int pty_attach_master(struct tty *tty, struct file *f)
{
	struct tty_file *tf = tty_file_new(tty, true);
	if (!tf)
		return -ENOMEM;
	tty_get(tty);
	pthread_mutex_lock(&tty->lock);
	tty->master_open = true;
	pthread_mutex_unlock(&tty->lock);
	f->ops = &pty_master_ops;
	f->priv = tf;
	f->stream = true;
	return 0;
}

int pty_open_slave(struct tty *tty, struct task *t, struct file *f, bool noctty)
{
	int err = 0;
	pthread_mutex_lock(&tty->lock);
	if (tty->se.exclusive && !(t && task_capable(t, CAP_SYS_ADMIN_K)))
		err = -EBUSY;
	else if (!tty->master_open || tty->ptlock)
		err = -EIO;
	struct tty_file *tf = err ? NULL : tty_file_new(tty, false);
	if (!err && !tf)
		err = -ENOMEM;
	if (!err) {
		tty->slave_opens++;
		tty->other_closed = false;
		tty->changed = true;
		tty_get(tty);
	}
	tty_unlock(tty);
	if (err)
		return err;
	f->ops = &pty_slave_ops;
	f->priv = tf;
	f->stream = true;
	if (!noctty)
		tty_open_acquire_ctty(tty, t, f);
	return 0;
}

struct tty *tty_of_file(const struct file *f)
{
	if (!f || (f->ops != &pty_master_ops && f->ops != &pty_slave_ops))
		return NULL;
	return ((struct tty_file *)f->priv)->tty;
}

bool tty_is_master_file(const struct file *f)
{
	return f && f->ops == &pty_master_ops;
}

static bool nonblocking(const struct file *f)
{
	return __atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK;
}

/* --- master ------------------------------------------------------------------------------ */

static long master_read(struct file *f, void *buf, size_t len, int64_t *off)
{
	struct tty_file *tf = f->priv;
	struct tty *tty = tf->tty;
	struct task *t = task_current();
	unsigned char *out = buf;
	size_t done = 0;
	long err = 0;
	if (!len)
		return 0;
	pthread_mutex_lock(&tty->lock);
	for (;;) {
		if (tty->packet && tty->pktstatus) {
			/* Packet mode: a status change is a one-byte read of its own. */
			out[done++] = tty->pktstatus;
			tty->pktstatus = 0;
			break;
		}
		if (bq_count(&tty->out)) {
			if (tty->packet)
				out[done++] = TIOCPKT_DATA;
			done += bq_get(&tty->out, out + done, len - done);
			ldisc_echo_flush(tty); /* room for echoes that waited */
			tty->changed = true;
			pthread_cond_broadcast(&tty->cv);
			break;
		}
		if (tty->other_closed) {
			err = -EIO;
			break;
		}
		if (!t || nonblocking(f)) {
			err = -EAGAIN;
			break;
		}
		if (tty_wait(tty, t, NULL) == -EINTR) {
			err = -EINTR;
			break;
		}
	}
	tty_unlock(tty);
	return done ? (long)done : err;
}

static long master_write(struct file *f, const void *buf, size_t len, int64_t *off)
{
	struct tty_file *tf = f->priv;
	struct tty *tty = tf->tty;
	struct task *t = task_current();
	const char *in = buf;
	size_t done = 0;
	long err = 0;
	if (!len)
		return 0;
	pthread_mutex_lock(&tty->lock);
	for (;;) {
		if (!tty->me.stopped) {
			size_t n = bq_put(&tty->in, in + done, len - done);
			done += n;
			if (n)
				ldisc_receive(tty);
		}
		if (done == len)
			break;
		if (!t || nonblocking(f)) {
			err = -EAGAIN;
			break;
		}
		if (tty_wait(tty, t, NULL) == -EINTR) {
			err = -EINTR;
			break;
		}
	}
	tty_unlock(tty);
	return done ? (long)done : err;
}

static unsigned master_poll(struct file *f, int *host_fd)
{
	struct tty *tty = ((struct tty_file *)f->priv)->tty;
	unsigned mask = 0;
	pthread_mutex_lock(&tty->lock);
	if (bq_count(&tty->out))
		mask |= POLLIN | POLLRDNORM;
	if (tty->packet && tty->pktstatus)
		mask |= POLLPRI | POLLIN | POLLRDNORM;
	if (tty->other_closed)
		mask |= POLLHUP;
	if (!tty->me.stopped && bq_room(&tty->in))
		mask |= POLLOUT | POLLWRNORM;
	pthread_mutex_unlock(&tty->lock);
	return mask;
}

/* Both ends: every change of the pair counts as an event of each (Linux is finer). */
static uint64_t pty_io_gen(struct file *f, unsigned events)
{
	struct tty *tty = ((struct tty_file *)f->priv)->tty;
	return vfs_io_source_gen(&tty->events, events);
}

static void master_release(struct file *f)
{
	struct tty_file *tf = f->priv;
	struct tty *tty = tf->tty;
	pthread_mutex_lock(&tty->lock);
	tty->master_open = false; /* every slave file is hung up */
	bool both = tty->slave_opens == 0;
	tty->changed = true;
	pthread_cond_broadcast(&tty->cv);
	tty_unlock(tty);
	devpts_pty_hide(tty->fs, tty->index, &f->path);
	tty_hangup_session(tty);
	if (both)
		devpts_pty_release(tty->fs, tty->index);
	free(tf);
	tty_put(tty);
}

/* --- slave ------------------------------------------------------------------------------- */

static long slave_read(struct file *f, void *buf, size_t len, int64_t *off)
{
	struct tty_file *tf = f->priv;
	struct tty *tty = tf->tty;
	struct task *t = task_current();
	pthread_mutex_lock(&tty->lock);
	bool hung = tty_file_hung(tty, tf);
	pthread_mutex_unlock(&tty->lock);
	if (hung)
		return 0;
	long r = tty_job_check(tty, t, SIGTTIN);
	if (r < 0)
		return r;
	pthread_mutex_lock(&tty->lock);
	r = ldisc_read(tty, t, tf, nonblocking(f), buf, len);
	tty_unlock(tty);
	return r;
}

static long slave_write(struct file *f, const void *buf, size_t len, int64_t *off)
{
	struct tty_file *tf = f->priv;
	struct tty *tty = tf->tty;
	struct task *t = task_current();
	pthread_mutex_lock(&tty->lock);
	bool hung = tty_file_hung(tty, tf);
	bool tostop = T_L(tty, TOSTOP);
	pthread_mutex_unlock(&tty->lock);
	if (hung)
		return -EIO;
	if (tostop) {
		long r = tty_job_check(tty, t, SIGTTOU);
		if (r < 0)
			return r;
	}
	if (!len)
		return 0;
	pthread_mutex_lock(&tty->lock);
	long r = ldisc_write(tty, t, tf, nonblocking(f), buf, len);
	tty_unlock(tty);
	return r;
}

static unsigned slave_poll(struct file *f, int *host_fd)
{
	struct tty_file *tf = f->priv;
	struct tty *tty = tf->tty;
	unsigned mask = 0;
	pthread_mutex_lock(&tty->lock);
	if (tty_file_hung(tty, tf))
		mask = POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDNORM | POLLWRNORM;
	else {
		if (ldisc_readable(tty, true))
			mask |= POLLIN | POLLRDNORM;
		if (!tty->se.stopped && bq_room(&tty->out))
			mask |= POLLOUT | POLLWRNORM;
	}
	pthread_mutex_unlock(&tty->lock);
	return mask;
}

static void slave_release(struct file *f)
{
	struct tty_file *tf = f->priv;
	struct tty *tty = tf->tty;
	pthread_mutex_lock(&tty->lock);
	if (--tty->slave_opens == 0)
		tty->other_closed = true;
	bool both = !tty->master_open && tty->slave_opens == 0;
	tty->changed = true;
	pthread_cond_broadcast(&tty->cv);
	tty_unlock(tty);
	if (both)
		devpts_pty_release(tty->fs, tty->index);
	free(tf);
	tty_put(tty);
}

static int64_t pty_llseek(struct file *f, int64_t off, int whence)
{
	return -ESPIPE;
}

/* --- ioctls ------------------------------------------------------------------------------ */

/* The old System V struct termio (TCGETA/TCSETA). */
struct kterm_io {
	uint16_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line;
	uint8_t c_cc[8];
};

static long get_int(struct task *t, uint64_t arg, int *v)
{
	return copy_from_guest(t, v, arg, sizeof(*v));
}

static long put_int(struct task *t, uint64_t arg, int v)
{
	return copy_to_guest(t, arg, &v, sizeof(v));
}

/* Linux's set_termios: job control first, then the new settings (the caller's struct as
 * termio, termios or termios2), speeds taken from the baud bits unless BOTHER. */
static long set_termios(struct tty *tty, struct task *t, uint64_t arg, int opt)
{
	long err = tty_job_check(tty, t, SIGTTOU);
	if (err < 0)
		return err;
	struct kterm k;
	pthread_mutex_lock(&tty->lock);
	k = tty->termios;
	pthread_mutex_unlock(&tty->lock);
	if (opt & TERMIOS_TERMIO) {
		struct kterm_io io;
		if (copy_from_guest(t, &io, arg, sizeof(io)) < 0)
			return -EFAULT;
		k.c_iflag = (k.c_iflag & 0xffff0000) | io.c_iflag;
		k.c_oflag = (k.c_oflag & 0xffff0000) | io.c_oflag;
		k.c_cflag = (k.c_cflag & 0xffff0000) | io.c_cflag;
		k.c_lflag = (k.c_lflag & 0xffff0000) | io.c_lflag;
		k.c_line = io.c_line;
		memcpy(k.c_cc, io.c_cc, sizeof(io.c_cc));
	} else if (copy_from_guest(t, &k, arg, (opt & TERMIOS_OLD) ? KTERMIOS_SIZE : sizeof(k)) <
		   0) {
		return -EFAULT;
	}
	k.c_ispeed = kterm_ispeed(&k);
	k.c_ospeed = kterm_ospeed(&k);
	pthread_mutex_lock(&tty->lock);
	if (opt & TERMIOS_FLUSH) {
		ldisc_flush_input(tty);
		if (tty->packet)
			tty->pktstatus |= TIOCPKT_FLUSHREAD;
	}
	/* TERMIOS_WAIT: a pty's output is never pending in a driver: nothing to drain. */
	ldisc_set_termios(tty, &k);
	tty_unlock(tty);
	return 0;
}

static long get_termios(struct tty *tty, struct task *t, uint64_t arg, unsigned long cmd)
{
	pthread_mutex_lock(&tty->lock);
	struct kterm k = cmd == TIOCGLCKTRMIOS ? tty->termios_locked : tty->termios;
	pthread_mutex_unlock(&tty->lock);
	if (cmd == TCGETA) {
		struct kterm_io io = {(uint16_t)k.c_iflag,
				      (uint16_t)k.c_oflag,
				      (uint16_t)k.c_cflag,
				      (uint16_t)k.c_lflag,
				      k.c_line,
				      {0}};
		memcpy(io.c_cc, k.c_cc, sizeof(io.c_cc));
		return copy_to_guest(t, arg, &io, sizeof(io));
	}
	return copy_to_guest(t, arg, &k, cmd == K_TCGETS2 ? sizeof(k) : KTERMIOS_SIZE);
}

static long set_winsize(struct tty *tty, struct task *t, uint64_t arg)
{
	struct winsize ws;
	if (copy_from_guest(t, &ws, arg, sizeof(ws)) < 0)
		return -EFAULT;
	pthread_mutex_lock(&tty->lock);
	bool changed = memcmp(&ws, &tty->ws, sizeof(ws)) != 0;
	tty->ws = ws;
	if (changed)
		tty->pending_sigs |= 1ULL << SIGWINCH; /* only for a real change, as Linux */
	tty_unlock(tty);
	return 0;
}

/* TCFLSH. For the slave, input is the line discipline and what waits for it; output
 * already sits in the master's buffer, as on Linux where the master's line discipline
 * has taken it (packet mode still hears of the flush). For the master, input is what the
 * slave wrote, output what the master wrote that the slave has not taken. */
static long flush(struct tty *tty, bool master, int how)
{
	if (how != TCIFLUSH && how != TCOFLUSH && how != TCIOFLUSH)
		return -EINVAL;
	pthread_mutex_lock(&tty->lock);
	if (how != TCOFLUSH) {
		if (master) {
			bq_get(&tty->out, NULL, bq_count(&tty->out));
		} else {
			ldisc_flush_input(tty);
			bq_get(&tty->in, NULL, bq_count(&tty->in));
			if (tty->packet)
				tty->pktstatus |= TIOCPKT_FLUSHREAD;
		}
	}
	if (how != TCIFLUSH) {
		if (master)
			bq_get(&tty->in, NULL, bq_count(&tty->in));
		else if (tty->packet)
			tty->pktstatus |= TIOCPKT_FLUSHWRITE;
	}
	tty->ld.lookahead = 0;
	tty->changed = true;
	pthread_cond_broadcast(&tty->cv);
	tty_unlock(tty);
	return 0;
}

/* Sends c to the other end at once, even past a stopped output (Linux's tty_send_xchar). */
static void send_xchar(struct tty *tty, bool master, unsigned char c)
{
	if (master) {
		bq_put(&tty->in, &c, 1);
		ldisc_receive(tty);
	} else {
		bq_put(&tty->out, &c, 1);
	}
	tty->changed = true;
	pthread_cond_broadcast(&tty->cv);
}

static long xonc(struct tty *tty, bool master, unsigned long how)
{
	struct tty_end *e = master ? &tty->me : &tty->se;
	long r = 0;
	pthread_mutex_lock(&tty->lock);
	switch (how) {
	case TCOOFF:
		if (!e->tco_stopped) {
			e->tco_stopped = true;
			tty_stop(tty, master);
		}
		break;
	case TCOON:
		if (e->tco_stopped) {
			e->tco_stopped = false;
			tty_start(tty, master);
		}
		break;
	case TCIOFF:
		if (T_CC(tty, VSTOP))
			send_xchar(tty, master, T_CC(tty, VSTOP));
		break;
	case TCION:
		if (T_CC(tty, VSTART))
			send_xchar(tty, master, T_CC(tty, VSTART));
		break;
	default:
		r = -EINVAL;
	}
	tty_unlock(tty);
	return r;
}

/* The ioctls only the master has (pty_unix98_ioctl and TIOCGPTPEER). */
static long master_ioctl(struct file *f, struct tty *tty, struct task *t, unsigned long cmd,
			 uint64_t arg)
{
	int v;
	long r;
	switch (cmd) {
	case TIOCGPTN:
		return put_int(t, arg, (int)tty->index);
	case TIOCSPTLCK:
		if ((r = get_int(t, arg, &v)) < 0)
			return r;
		pthread_mutex_lock(&tty->lock);
		tty->ptlock = v != 0;
		pthread_mutex_unlock(&tty->lock);
		return 0;
	case TIOCGPTLCK:
		pthread_mutex_lock(&tty->lock);
		v = tty->ptlock;
		pthread_mutex_unlock(&tty->lock);
		return put_int(t, arg, v);
	case TIOCPKT:
		if ((r = get_int(t, arg, &v)) < 0)
			return r;
		pthread_mutex_lock(&tty->lock);
		if (v && !tty->packet)
			tty->pktstatus = 0;
		tty->packet = v != 0;
		pthread_mutex_unlock(&tty->lock);
		return 0;
	case TIOCGPKT:
		pthread_mutex_lock(&tty->lock);
		v = tty->packet;
		pthread_mutex_unlock(&tty->lock);
		return put_int(t, arg, v);
	case TIOCSIG:
		v = (int)arg;
		if (v != SIGINT && v != SIGQUIT && v != SIGTSTP)
			return -EINVAL;
		tty_signal_fg(tty, 1ULL << v);
		return 0;
	case TIOCGPTPEER: {
		struct file *peer;
		r = devpts_open_peer(tty, t, f, (int)arg, &peer);
		if (r < 0)
			return r;
		r = fd_install(t->fdt, peer, 0, (arg & O_CLOEXEC) != 0);
		file_put(peer);
		return r;
	}
	}
	return -ENOTTY;
}

static long pty_ioctl(struct file *f, struct task *t, unsigned long cmd, uint64_t arg)
{
	struct tty_file *tf = f->priv;
	struct tty *tty = tf->tty;
	bool m = tf->master;
	int v;
	long r;

	pthread_mutex_lock(&tty->lock);
	bool hung = tty_file_hung(tty, tf);
	pthread_mutex_unlock(&tty->lock);
	if (hung)
		return cmd == TIOCSPGRP ? -ENOTTY : -EIO;

	switch (cmd) {
	case TIOCGPTN:
	case TIOCSPTLCK:
	case TIOCGPTLCK:
	case TIOCPKT:
	case TIOCGPKT:
	case TIOCSIG:
		return m ? master_ioctl(f, tty, t, cmd, arg) : -ENOTTY;
	case TIOCGPTPEER:
		return m ? master_ioctl(f, tty, t, cmd, arg) : -EIO;
	case TIOCSCTTY:
	case TIOCNOTTY:
	case TIOCGPGRP:
	case TIOCSPGRP:
	case TIOCGSID:
		return tty_jobctl_ioctl(tty, m, t, f, cmd, arg);

	case TIOCSETD:
	case TIOCSBRK:
	case TIOCCBRK:
	case TCSBRK:
	case TCSBRKP:
		/* Job control applies to the file's own end: never to a master. */
		if (!m && (r = tty_job_check(tty, t, SIGTTOU)) < 0)
			return r;
		if (cmd != TIOCSETD)
			return 0; /* a pty has no line to break, no output to drain */
		if ((r = get_int(t, arg, &v)) < 0)
			return r;
		if (v == N_TTY_K)
			return 0;
		if (v > 0 && v < NR_LDISCS_K)
			log_info("tty: line discipline %d is not available, only N_TTY", v);
		return -EINVAL;
	case TIOCGETD:
		return put_int(t, arg, N_TTY_K);

	case TCGETS:
	case K_TCGETS2:
	case TCGETA:
	case TIOCGLCKTRMIOS:
		return get_termios(tty, t, arg, cmd);
	case TCSETS:
		return set_termios(tty, t, arg, TERMIOS_OLD);
	case TCSETSW:
		return set_termios(tty, t, arg, TERMIOS_OLD | TERMIOS_WAIT);
	case TCSETSF:
		return set_termios(tty, t, arg, TERMIOS_OLD | TERMIOS_WAIT | TERMIOS_FLUSH);
	case K_TCSETS2:
		return set_termios(tty, t, arg, 0);
	case K_TCSETSW2:
		return set_termios(tty, t, arg, TERMIOS_WAIT);
	case K_TCSETSF2:
		return set_termios(tty, t, arg, TERMIOS_WAIT | TERMIOS_FLUSH);
	case TCSETA:
		return set_termios(tty, t, arg, TERMIOS_TERMIO);
	case TCSETAW:
		return set_termios(tty, t, arg, TERMIOS_TERMIO | TERMIOS_WAIT);
	case TCSETAF:
		return set_termios(tty, t, arg, TERMIOS_TERMIO | TERMIOS_WAIT | TERMIOS_FLUSH);
	case TIOCSLCKTRMIOS: {
		struct kterm k;
		if (!task_capable(t, CAP_SYS_ADMIN_K))
			return -EPERM;
		pthread_mutex_lock(&tty->lock);
		k = tty->termios_locked;
		pthread_mutex_unlock(&tty->lock);
		if (copy_from_guest(t, &k, arg, KTERMIOS_SIZE) < 0)
			return -EFAULT;
		pthread_mutex_lock(&tty->lock);
		tty->termios_locked = k;
		pthread_mutex_unlock(&tty->lock);
		return 0;
	}
	case TIOCGSOFTCAR:
		pthread_mutex_lock(&tty->lock);
		v = (tty->termios.c_cflag & CLOCAL) != 0;
		pthread_mutex_unlock(&tty->lock);
		return put_int(t, arg, v);
	case TIOCSSOFTCAR:
		if ((r = get_int(t, arg, &v)) < 0)
			return r;
		pthread_mutex_lock(&tty->lock);
		tty->termios.c_cflag = (tty->termios.c_cflag & ~CLOCAL) | (v ? CLOCAL : 0);
		pthread_mutex_unlock(&tty->lock);
		return 0;

	case TIOCGWINSZ: {
		pthread_mutex_lock(&tty->lock);
		struct winsize ws = tty->ws;
		pthread_mutex_unlock(&tty->lock);
		return copy_to_guest(t, arg, &ws, sizeof(ws));
	}
	case TIOCSWINSZ:
		return set_winsize(tty, t, arg);

	case FIONREAD:
		pthread_mutex_lock(&tty->lock);
		v = m ? (int)bq_count(&tty->out) : ldisc_inq(tty);
		pthread_mutex_unlock(&tty->lock);
		return put_int(t, arg, v);
	case TIOCOUTQ:
		return put_int(t, arg, 0); /* a pty driver never holds output */
	case TCFLSH:
		if (!m && (r = tty_job_check(tty, t, SIGTTOU)) < 0)
			return r;
		return flush(tty, m, (int)arg);
	case TCXONC:
		if (!m && (r = tty_job_check(tty, t, SIGTTOU)) < 0)
			return r;
		return xonc(tty, m, arg);

	case TIOCSTI: {
		unsigned char c;
		if (!tty_is_ctty_of(tty, m, t) && !task_capable(t, CAP_SYS_ADMIN_K))
			return -EPERM;
		if (copy_from_guest(t, &c, arg, 1) < 0)
			return -EFAULT;
		pthread_mutex_lock(&tty->lock);
		if (m) {
			bq_put(&tty->out, &c, 1);
			tty->changed = true;
		} else {
			ldisc_receive_one(tty, c);
		}
		tty_unlock(tty);
		return 0;
	}
	case TIOCEXCL:
	case TIOCNXCL:
		pthread_mutex_lock(&tty->lock);
		(m ? &tty->me : &tty->se)->exclusive = cmd == TIOCEXCL;
		pthread_mutex_unlock(&tty->lock);
		return 0;
	case TIOCGEXCL:
		pthread_mutex_lock(&tty->lock);
		v = (m ? &tty->me : &tty->se)->exclusive;
		pthread_mutex_unlock(&tty->lock);
		return put_int(t, arg, v);
	case TIOCGDEV: {
		/* The slave's number, in the kernel's new_encode_dev form. */
		unsigned minor = tty->index,
			 dev = (minor & 0xff) | (PTS_MAJOR << 8) | ((minor & ~0xffu) << 12);
		return copy_to_guest(t, arg, &dev, sizeof(dev));
	}
	case TIOCVHANGUP:
		if (!task_capable(t, CAP_SYS_ADMIN_K))
			return -EPERM;
		if (m) {
			log_info("tty: TIOCVHANGUP on a pty master is not supported");
			return -EINVAL;
		}
		pthread_mutex_lock(&tty->lock);
		tty->hangup_gen++;
		tty->changed = true;
		pthread_cond_broadcast(&tty->cv);
		tty_unlock(tty);
		tty_hangup_session(tty);
		return 0;
	case TIOCCONS:
		if (!task_capable(t, CAP_SYS_ADMIN_K))
			return -EPERM;
		log_info("tty: TIOCCONS: the sandbox has no console to redirect");
		return -EINVAL;
	}
	return -ENOTTY;
}

static const struct file_ops pty_master_ops = {
    .read = master_read,
    .write = master_write,
    .llseek = pty_llseek,
    .ioctl = pty_ioctl,
    .poll = master_poll,
    .io_gen = pty_io_gen,
    .release = master_release,
};

static const struct file_ops pty_slave_ops = {
    .read = slave_read,
    .write = slave_write,
    .llseek = pty_llseek,
    .ioctl = pty_ioctl,
    .poll = slave_poll,
    .io_gen = pty_io_gen,
    .release = slave_release,
};
