/*
 * The line discipline of a pty's slave, after Linux's n_tty: input processing (ISTRIP,
 * IUCLC, IGNCR/ICRNL/INLCR, flow control characters, signal characters), canonical line
 * editing (VERASE, VKILL, VWERASE, VLNEXT, VREPRINT, VEOF, VEOL, VEOL2) with its echoes,
 * output processing (OPOST, ONLCR, OCRNL, ONOCR, ONLRET, OLCUC, XTABS) and the read rules
 * of both modes (a line at a time; VMIN/VTIME).
 *
 * Echoes are queued as operations and turned into bytes only when they are output, as
 * Linux does: the columns a tab erase goes back depend on the output position then, a
 * signal character discards echoes still queued in the same batch of input, and while
 * output is stopped (VSTOP) echoes wait with it.
 *
 * Everything here runs with tty->lock held; waits go through tty_wait (fs/pty.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "fs/tty_internal.h"
#include "sentry/task.h"

#ifndef BOTHER
#define BOTHER 0010000
#endif
#ifndef IBSHIFT
#define IBSHIFT 16
#endif
#define EXTPROC_K 0200000 /* EXTPROC, Linux's value */

/* Echo operations: the low byte is an argument. */
#define EOP_CHAR  0x000 /* | c: c, through output processing */
#define EOP_CTRL  0x100 /* | c: control character c shown as ^X */
#define EOP_CANON 0x200 /* the line starts at the current column */
#define EOP_BACK  0x300 /* one column back (a multi-byte character was erased) */
#define EOP_TAB	  0x400 /* | n: erase a tab; n: columns before it mod 8, 0x80: after a tab */

#define ECHO_COMMIT_WATERMARK 256 /* output queued echoes once this many wait */

static const uint8_t init_cc[KERNEL_NCCS] = {3,	 28, 127, 21, 4,  0,  1, 0, 17, 19,
					     26, 0,  18,  15, 23, 22, 0, 0, 0};

static const uint32_t baud_table[] = {
    0,	    50,	     75,      110,     134,	150,	 200,	  300,	   600,	   1200,   1800,
    2400,   4800,    9600,    19200,   38400,	57600,	 115200,  230400,  460800, 500000, 576000,
    921600, 1000000, 1152000, 1500000, 2000000, 2500000, 3000000, 3500000, 4000000};
#define N_BAUD (sizeof(baud_table) / sizeof(baud_table[0]))

/* The kernel's ctype (lib/ctype.c), Latin-1 included: what iscntrl/isalnum mean there. */
static bool k_iscntrl(unsigned char c)
{
	return c < 32 || c == 127 || (c >= 128 && c < 160);
}

static bool k_isalnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= 0xc0 && c != 0xd7 && c != 0xf7);
}

static unsigned char k_tolower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 0xc0 && c <= 0xde && c != 0xd7) ? c + 32 : c;
}

static unsigned char k_toupper(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 0xe0 && c <= 0xfe && c != 0xf7) ? c - 32 : c;
}

size_t bq_put(struct byteq *q, const void *src, size_t n)
{
	const unsigned char *s = src;
	if (n > bq_room(q))
		n = bq_room(q);
	for (size_t i = 0; i < n; i++)
		q->buf[(q->head + i) % q->cap] = s[i];
	q->head += n;
	return n;
}

size_t bq_get(struct byteq *q, void *dst, size_t n)
{
	unsigned char *d = dst;
	if (n > bq_count(q))
		n = bq_count(q);
	for (size_t i = 0; d && i < n; i++)
		d[i] = q->buf[(q->tail + i) % q->cap];
	q->tail += n;
	return n;
}

uint32_t kterm_ospeed(const struct kterm *k)
{
	unsigned cbaud = k->c_cflag & CBAUD;
	if (cbaud == BOTHER)
		return k->c_ospeed;
	if (cbaud & CBAUDEX)
		cbaud = (cbaud & ~CBAUDEX) + 15;
	return cbaud < N_BAUD ? baud_table[cbaud] : 0;
}

uint32_t kterm_ispeed(const struct kterm *k)
{
	unsigned cbaud = (k->c_cflag >> IBSHIFT) & CBAUD;
	if (cbaud == B0)
		return kterm_ospeed(k);
	if (cbaud == BOTHER)
		return k->c_ispeed;
	if (cbaud & CBAUDEX)
		cbaud = (cbaud & ~CBAUDEX) + 15;
	return cbaud < N_BAUD ? baud_table[cbaud] : 0;
}

void ldisc_init(struct tty *tty)
{
	/* Linux's pts driver: tty_std_termios with c_cflag B38400 | CS8 | CREAD. */
	memset(&tty->termios, 0, sizeof(tty->termios));
	tty->termios.c_iflag = ICRNL | IXON;
	tty->termios.c_oflag = OPOST | ONLCR;
	tty->termios.c_cflag = B38400 | CS8 | CREAD;
	tty->termios.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;
	memcpy(tty->termios.c_cc, init_cc, sizeof(init_cc));
	tty->termios.c_ispeed = tty->termios.c_ospeed = 38400;
	memset(&tty->ld, 0, sizeof(tty->ld));
}

/* --- output ------------------------------------------------------------------------------ */

static bool continuation(const struct tty *tty, unsigned char c)
{
	return T_I(tty, IUTF8) && (c & 0xc0) == 0x80;
}

/* Linux's do_output_char: c through OPOST processing into the master's queue, given space
 * bytes of room. Returns the bytes used, or -1 when they do not fit. */
static int output_char(struct tty *tty, unsigned char c, size_t space)
{
	struct ldisc *ld = &tty->ld;
	if (!space)
		return -1;
	switch (c) {
	case '\n':
		if (T_O(tty, ONLRET))
			ld->column = 0;
		if (T_O(tty, ONLCR)) {
			if (space < 2)
				return -1;
			ld->canon_column = ld->column = 0;
			bq_put(&tty->out, "\r\n", 2);
			return 2;
		}
		ld->canon_column = ld->column;
		break;
	case '\r':
		if (T_O(tty, ONOCR) && ld->column == 0)
			return 0;
		if (T_O(tty, OCRNL)) {
			c = '\n';
			if (T_O(tty, ONLRET))
				ld->canon_column = ld->column = 0;
			break;
		}
		ld->canon_column = ld->column = 0;
		break;
	case '\t': {
		unsigned spaces = 8 - (ld->column & 7);
		if ((tty->termios.c_oflag & TABDLY) == XTABS) {
			if (space < spaces)
				return -1;
			ld->column += spaces;
			bq_put(&tty->out, "        ", spaces);
			return (int)spaces;
		}
		ld->column += spaces;
		break;
	}
	case '\b':
		if (ld->column > 0)
			ld->column--;
		break;
	default:
		if (!k_iscntrl(c)) {
			if (T_O(tty, OLCUC))
				c = k_toupper(c);
			if (!continuation(tty, c))
				ld->column++;
		}
		break;
	}
	bq_put(&tty->out, &c, 1);
	return 1;
}

static size_t out_space(const struct tty *tty)
{
	return tty->se.stopped ? 0 : bq_room(&tty->out);
}

/* Linux's __process_echoes: turns queued echo operations into output while they fit. */
void ldisc_echo_flush(struct tty *tty)
{
	struct ldisc *ld = &tty->ld;
	size_t i = 0;
	for (; i < ld->echo_len; i++) {
		unsigned op = ld->echo[i] & 0xff00, arg = ld->echo[i] & 0xff;
		size_t space = out_space(tty);
		if (op == EOP_CHAR) {
			unsigned char c = (unsigned char)arg;
			if (T_O(tty, OPOST)) {
				if (output_char(tty, c, space) < 0)
					break;
			} else {
				if (!space)
					break;
				bq_put(&tty->out, &c, 1);
			}
		} else if (op == EOP_CTRL) {
			if (space < 2)
				break;
			unsigned char two[2] = {'^', (unsigned char)(arg ^ 0100)};
			bq_put(&tty->out, two, 2);
			ld->column += 2;
		} else if (op == EOP_CANON) {
			ld->canon_column = ld->column;
		} else if (op == EOP_BACK) {
			if (ld->column > 0)
				ld->column--;
		} else { /* EOP_TAB */
			unsigned n = arg;
			if (!(n & 0x80))
				n += ld->canon_column;
			unsigned bs = 8 - (n & 7);
			if (bs > space)
				break;
			for (unsigned k = 0; k < bs; k++) {
				bq_put(&tty->out, "\b", 1);
				if (ld->column > 0)
					ld->column--;
			}
		}
	}
	if (i) {
		memmove(ld->echo, ld->echo + i, (ld->echo_len - i) * sizeof(ld->echo[0]));
		ld->echo_len -= i;
		tty->changed = true;
	}
}

static void echo_op(struct tty *tty, unsigned op)
{
	struct ldisc *ld = &tty->ld;
	if (ld->echo_len < TTY_ECHO_OPS) /* beyond, echoes are lost, never the input */
		ld->echo[ld->echo_len++] = (uint16_t)op;
}

static void echo_raw(struct tty *tty, unsigned char c)
{
	echo_op(tty, EOP_CHAR | c);
}

/* Linux's echo_char: control characters as ^X under ECHOCTL (a tab as itself). */
static void echo_char(struct tty *tty, unsigned char c)
{
	if (T_L(tty, ECHOCTL) && k_iscntrl(c) && c != '\t')
		echo_op(tty, EOP_CTRL | c);
	else
		echo_raw(tty, c);
}

static void echo_commit(struct tty *tty)
{
	if (tty->ld.echo_len >= ECHO_COMMIT_WATERMARK)
		ldisc_echo_flush(tty);
}

static void finish_erasing(struct tty *tty)
{
	if (tty->ld.erasing) {
		echo_raw(tty, '/');
		tty->ld.erasing = false;
	}
}

/* --- input ------------------------------------------------------------------------------- */

static void put_char(struct ldisc *ld, unsigned char c)
{
	ld->buf[LD_MASK(ld->read_head)] = c;
	ld->read_head++;
}

static void set_eol(struct ldisc *ld, uint64_t i)
{
	ld->eol[LD_MASK(i) / 64] |= 1ULL << (LD_MASK(i) % 64);
}

static void clear_eol(struct ldisc *ld, uint64_t i)
{
	ld->eol[LD_MASK(i) / 64] &= ~(1ULL << (LD_MASK(i) % 64));
}

static bool is_eol(const struct ldisc *ld, uint64_t i)
{
	return ld->eol[LD_MASK(i) / 64] & (1ULL << (LD_MASK(i) % 64));
}

void ldisc_flush_input(struct tty *tty)
{
	struct ldisc *ld = &tty->ld;
	ld->read_head = ld->read_tail = ld->canon_head = 0;
	ld->erasing = ld->push = false;
	memset(ld->eol, 0, sizeof(ld->eol));
	ld->lookahead = 0;
	tty->changed = true;
}

void tty_stop(struct tty *tty, bool master)
{
	struct tty_end *e = master ? &tty->me : &tty->se;
	if (e->stopped)
		return;
	e->stopped = true;
	if (!master && tty->packet) {
		tty->pktstatus &= ~TIOCPKT_START;
		tty->pktstatus |= TIOCPKT_STOP;
	}
	tty->changed = true;
}

void tty_start(struct tty *tty, bool master)
{
	struct tty_end *e = master ? &tty->me : &tty->se;
	if (!e->stopped || e->tco_stopped)
		return;
	e->stopped = false;
	if (!master && tty->packet) {
		tty->pktstatus &= ~TIOCPKT_STOP;
		tty->pktstatus |= TIOCPKT_START;
	}
	if (!master)
		ldisc_echo_flush(tty); /* echoes waited while output was stopped */
	tty->changed = true;
	pthread_cond_broadcast(&tty->cv);
}

/* Linux's eraser(): VERASE, VWERASE or VKILL on the line being edited. */
static void eraser(struct tty *tty, unsigned char c)
{
	struct ldisc *ld = &tty->ld;
	enum { ERASE, WERASE, KILL } kind;
	int seen_alnums = 0;

	if (ld->read_head == ld->canon_head)
		return; /* nothing to erase */
	if (c == T_CC(tty, VERASE)) {
		kind = ERASE;
	} else if (c == T_CC(tty, VWERASE)) {
		kind = WERASE;
	} else {
		if (!T_L(tty, ECHO)) {
			ld->read_head = ld->canon_head;
			return;
		}
		if (!T_L(tty, ECHOK) || !T_L(tty, ECHOKE) || !T_L(tty, ECHOE)) {
			ld->read_head = ld->canon_head;
			finish_erasing(tty);
			echo_char(tty, T_CC(tty, VKILL));
			if (T_L(tty, ECHOK))
				echo_raw(tty, '\n');
			return;
		}
		kind = KILL;
	}

	while (LD_MASK(ld->read_head) != LD_MASK(ld->canon_head)) {
		uint64_t head = ld->read_head;
		/* One character, possibly several bytes in UTF-8. */
		do {
			head--;
			c = ld->buf[LD_MASK(head)];
		} while (continuation(tty, c) && LD_MASK(head) != LD_MASK(ld->canon_head));
		if (continuation(tty, c))
			break; /* never erase part of a character */
		if (kind == WERASE) {
			if (k_isalnum(c) || c == '_')
				seen_alnums++;
			else if (seen_alnums)
				break;
		}
		uint64_t cnt = ld->read_head - head;
		ld->read_head = head;
		if (T_L(tty, ECHO)) {
			if (T_L(tty, ECHOPRT)) {
				if (!ld->erasing) {
					echo_raw(tty, '\\');
					ld->erasing = true;
				}
				echo_char(tty, c);
				while (--cnt > 0) {
					head++;
					echo_raw(tty, ld->buf[LD_MASK(head)]);
					echo_op(tty, EOP_BACK);
				}
			} else if (kind == ERASE && !T_L(tty, ECHOE)) {
				echo_char(tty, T_CC(tty, VERASE));
			} else if (c == '\t') {
				/* Back to where the tab started: count the columns since the line's
				 * start or the previous tab. */
				unsigned num = 0;
				bool after_tab = false;
				uint64_t tail = ld->read_head;
				while (LD_MASK(tail) != LD_MASK(ld->canon_head)) {
					tail--;
					unsigned char p = ld->buf[LD_MASK(tail)];
					if (p == '\t') {
						after_tab = true;
						break;
					} else if (k_iscntrl(p)) {
						if (T_L(tty, ECHOCTL))
							num += 2;
					} else if (!continuation(tty, p)) {
						num++;
					}
				}
				echo_op(tty, EOP_TAB | (num & 7) | (after_tab ? 0x80 : 0));
			} else {
				if (k_iscntrl(c) && T_L(tty, ECHOCTL)) {
					echo_raw(tty, '\b');
					echo_raw(tty, ' ');
					echo_raw(tty, '\b');
				}
				if (!k_iscntrl(c) || T_L(tty, ECHOCTL)) {
					echo_raw(tty, '\b');
					echo_raw(tty, ' ');
					echo_raw(tty, '\b');
				}
			}
		}
		if (kind == ERASE)
			break;
	}
	if (ld->read_head == ld->canon_head && T_L(tty, ECHO))
		finish_erasing(tty);
}

/* A character without special meaning: echoed, then queued (PARMRK doubles \377). */
static void receive_plain(struct tty *tty, unsigned char c)
{
	struct ldisc *ld = &tty->ld;
	if (tty->se.stopped && !tty->se.tco_stopped && T_I(tty, IXON) && T_I(tty, IXANY))
		tty_start(tty, false);
	if (T_L(tty, ECHO)) {
		finish_erasing(tty);
		if (ld->canon_head == ld->read_head)
			echo_op(tty, EOP_CANON);
		echo_char(tty, c);
		echo_commit(tty);
	}
	if (c == 0377 && T_I(tty, PARMRK))
		put_char(ld, c);
	put_char(ld, c);
}

/* Whether c means something in the current mode (Linux's char_map). NUL never does: it
 * is what a disabled c_cc entry holds. */
static bool is_special(const struct tty *tty, unsigned char c)
{
	if (!c)
		return false;
	if (c == '\r' && (T_I(tty, IGNCR) || T_I(tty, ICRNL)))
		return true;
	if (c == '\n' && T_I(tty, INLCR))
		return true;
	if (T_L(tty, ICANON)) {
		if (c == T_CC(tty, VERASE) || c == T_CC(tty, VKILL) || c == T_CC(tty, VEOF) ||
		    c == '\n' || c == T_CC(tty, VEOL))
			return true;
		if (T_L(tty, IEXTEN) &&
		    (c == T_CC(tty, VWERASE) || c == T_CC(tty, VLNEXT) || c == T_CC(tty, VEOL2) ||
		     (T_L(tty, ECHO) && c == T_CC(tty, VREPRINT))))
			return true;
	}
	if (T_I(tty, IXON) && (c == T_CC(tty, VSTART) || c == T_CC(tty, VSTOP)))
		return true;
	if (T_L(tty, ISIG) &&
	    (c == T_CC(tty, VINTR) || c == T_CC(tty, VQUIT) || c == T_CC(tty, VSUSP)))
		return true;
	return false;
}

/* Linux's n_tty_receive_signal_char: unless NOFLSH, the input and the echoes not yet out
 * are dropped; the signal goes to the foreground group once the lock is released. */
static void receive_signal_char(struct tty *tty, int sig, unsigned char c)
{
	if (!T_L(tty, NOFLSH)) {
		tty->ld.echo_len = 0;
		ldisc_flush_input(tty);
		if (tty->packet)
			tty->pktstatus |= TIOCPKT_FLUSHREAD | TIOCPKT_FLUSHWRITE;
	}
	tty->pending_sigs |= 1ULL << sig;
	if (T_I(tty, IXON))
		tty_start(tty, false);
	if (T_L(tty, ECHO)) {
		echo_char(tty, c);
		echo_commit(tty);
	} else {
		ldisc_echo_flush(tty);
	}
}

static void newline(struct tty *tty, unsigned char c)
{
	struct ldisc *ld = &tty->ld;
	set_eol(ld, ld->read_head);
	put_char(ld, c);
	ld->canon_head = ld->read_head;
	tty->changed = true;
	pthread_cond_broadcast(&tty->cv);
}

/* Linux's n_tty_receive_char_special. lookahead_done: a START/STOP character here was
 * already acted on while it waited in the queue. */
static void receive_special(struct tty *tty, unsigned char c, bool lookahead_done)
{
	struct ldisc *ld = &tty->ld;

	if (T_I(tty, IXON) && (c == T_CC(tty, VSTART) || c == T_CC(tty, VSTOP))) {
		if (lookahead_done)
			return;
		if (c == T_CC(tty, VSTART))
			tty_start(tty, false);
		else
			tty_stop(tty, false);
		return;
	}
	if (T_L(tty, ISIG)) {
		if (c == T_CC(tty, VINTR)) {
			receive_signal_char(tty, SIGINT, c);
			return;
		}
		if (c == T_CC(tty, VQUIT)) {
			receive_signal_char(tty, SIGQUIT, c);
			return;
		}
		if (c == T_CC(tty, VSUSP)) {
			receive_signal_char(tty, SIGTSTP, c);
			return;
		}
	}
	if (tty->se.stopped && !tty->se.tco_stopped && T_I(tty, IXON) && T_I(tty, IXANY))
		tty_start(tty, false);
	if (c == '\r') {
		if (T_I(tty, IGNCR))
			return;
		if (T_I(tty, ICRNL))
			c = '\n';
	} else if (c == '\n' && T_I(tty, INLCR)) {
		c = '\r';
	}

	if (T_L(tty, ICANON)) {
		if (c == T_CC(tty, VERASE) || c == T_CC(tty, VKILL) ||
		    (c == T_CC(tty, VWERASE) && T_L(tty, IEXTEN))) {
			eraser(tty, c);
			echo_commit(tty);
			return;
		}
		if (c == T_CC(tty, VLNEXT) && T_L(tty, IEXTEN)) {
			ld->lnext = true;
			if (T_L(tty, ECHO)) {
				finish_erasing(tty);
				if (T_L(tty, ECHOCTL)) {
					echo_raw(tty, '^');
					echo_raw(tty, '\b');
					echo_commit(tty);
				}
			}
			return;
		}
		if (c == T_CC(tty, VREPRINT) && T_L(tty, ECHO) && T_L(tty, IEXTEN)) {
			finish_erasing(tty);
			echo_char(tty, c);
			echo_raw(tty, '\n');
			for (uint64_t i = ld->canon_head; i != ld->read_head; i++)
				echo_char(tty, ld->buf[LD_MASK(i)]);
			echo_commit(tty);
			return;
		}
		if (c == '\n') {
			if (T_L(tty, ECHO) || T_L(tty, ECHONL)) {
				echo_raw(tty, '\n');
				echo_commit(tty);
			}
			newline(tty, c);
			return;
		}
		if (c == T_CC(tty, VEOF)) {
			newline(tty, 0); /* an end of line that reads as nothing */
			return;
		}
		if (c == T_CC(tty, VEOL) || (c == T_CC(tty, VEOL2) && T_L(tty, IEXTEN))) {
			if (T_L(tty, ECHO)) {
				if (ld->canon_head == ld->read_head)
					echo_op(tty, EOP_CANON);
				echo_char(tty, c);
				echo_commit(tty);
			}
			if (c == 0377 && T_I(tty, PARMRK))
				put_char(ld, c);
			newline(tty, c);
			return;
		}
	}

	if (T_L(tty, ECHO)) {
		finish_erasing(tty);
		if (c == '\n') {
			echo_raw(tty, '\n');
		} else {
			if (ld->canon_head == ld->read_head)
				echo_op(tty, EOP_CANON);
			echo_char(tty, c);
		}
		echo_commit(tty);
	}
	if (c == 0377 && T_I(tty, PARMRK))
		put_char(ld, c);
	put_char(ld, c);
}

static void receive_char(struct tty *tty, unsigned char c, bool lookahead_done)
{
	struct ldisc *ld = &tty->ld;
	if (ld->lnext) {
		ld->lnext = false;
		if (T_I(tty, ISTRIP))
			c &= 0x7f;
		if (T_I(tty, IUCLC) && T_L(tty, IEXTEN))
			c = k_tolower(c);
		receive_plain(tty, c);
		return;
	}
	if (T_I(tty, ISTRIP))
		c &= 0x7f;
	if (T_I(tty, IUCLC) && T_L(tty, IEXTEN))
		c = k_tolower(c);
	if (T_L(tty, EXTPROC_K)) {
		put_char(ld, c);
		return;
	}
	if (is_special(tty, c))
		receive_special(tty, c, lookahead_done);
	else
		receive_plain(tty, c);
}

/* Echoes of a batch of input go out at its end (Linux's flush_echoes). */
static void flush_echoes(struct tty *tty)
{
	if ((T_L(tty, ECHO) || T_L(tty, ECHONL)) && tty->ld.echo_len)
		ldisc_echo_flush(tty);
}

/* Linux's n_tty_lookahead_flow_ctrl: START and STOP act at once even when the line
 * discipline has no room for what precedes them. */
static void lookahead_flow(struct tty *tty)
{
	struct ldisc *ld = &tty->ld;
	size_t n = bq_count(&tty->in);
	if (!T_I(tty, IXON)) {
		ld->lookahead = 0;
		return;
	}
	for (size_t i = ld->lookahead; i < n; i++) {
		unsigned char c = tty->in.buf[(tty->in.tail + i) % tty->in.cap];
		if (c && c == T_CC(tty, VSTART))
			tty_start(tty, false);
		else if (c && c == T_CC(tty, VSTOP))
			tty_stop(tty, false);
	}
	ld->lookahead = n;
}

void ldisc_receive(struct tty *tty)
{
	struct ldisc *ld = &tty->ld;
	bool took = false;
	while (bq_count(&tty->in)) {
		/* Linux's n_tty_receive_buf_common: one slot always stays free; in canonical
		 * mode with no complete line, characters keep coming (the last one replaced)
		 * so that erase and newline still work on a full buffer. */
		long room = N_TTY_BUF_SIZE - (long)(ld->read_head - ld->read_tail);
		if (T_I(tty, PARMRK))
			room = (room + 2) / 3;
		room--;
		if (room <= 0) {
			bool overflow = T_L(tty, ICANON) && ld->canon_head == ld->read_tail;
			if (overflow && room < 0)
				ld->read_head--;
			room = overflow;
		}
		if (room <= 0)
			break;
		size_t n = bq_count(&tty->in);
		if ((size_t)room < n)
			n = (size_t)room;
		for (size_t i = 0; i < n; i++) {
			unsigned char c = 0;
			bq_get(&tty->in, &c, 1);
			bool la = ld->lookahead > 0;
			if (la)
				ld->lookahead--;
			receive_char(tty, c, la);
		}
		took = true;
	}
	if (bq_count(&tty->in))
		lookahead_flow(tty);
	flush_echoes(tty);
	if (took) {
		tty->changed = true;
		pthread_cond_broadcast(&tty->cv);
	}
}

void ldisc_receive_one(struct tty *tty, unsigned char c)
{
	receive_char(tty, c, false);
	flush_echoes(tty);
	tty->changed = true;
	pthread_cond_broadcast(&tty->cv);
}

/* --- reading ----------------------------------------------------------------------------- */

bool ldisc_readable(const struct tty *tty, bool for_poll)
{
	const struct ldisc *ld = &tty->ld;
	if (T_L(tty, ICANON) && !T_L(tty, EXTPROC_K))
		return ld->canon_head != ld->read_tail;
	/* poll waits for VMIN characters when there is no VTIME, as Linux. */
	uint64_t amt = for_poll && !T_CC(tty, VTIME) && T_CC(tty, VMIN) ? T_CC(tty, VMIN) : 1;
	return ld->read_head - ld->read_tail >= amt;
}

int ldisc_inq(const struct tty *tty)
{
	const struct ldisc *ld = &tty->ld;
	if (!T_L(tty, ICANON) || T_L(tty, EXTPROC_K))
		return (int)(ld->read_head - ld->read_tail);
	/* Complete lines only, without their VEOF marks. */
	int n = (int)(ld->canon_head - ld->read_tail);
	for (uint64_t i = ld->read_tail; i != ld->canon_head; i++)
		if (is_eol(ld, i) && ld->buf[LD_MASK(i)] == 0)
			n--;
	return n;
}

/* Linux's canon_copy_from_read_buf: up to the end of one line; a VEOF mark ends the line
 * without being copied. Returns true when the line goes on beyond what was copied. */
static bool canon_copy(struct tty *tty, char *dst, size_t *done, size_t len)
{
	struct ldisc *ld = &tty->ld;
	size_t want = len - *done;
	uint64_t avail = ld->canon_head - ld->read_tail;
	size_t n = want < avail ? want : (size_t)avail;
	size_t i;
	bool found = false;
	for (i = 0; i < n; i++) {
		if (is_eol(ld, ld->read_tail + i)) {
			found = true;
			break;
		}
	}
	size_t take = found ? i + 1 : n; /* bytes consumed */
	size_t copy = take;
	if (found && ld->buf[LD_MASK(ld->read_tail + i)] == 0)
		copy = i; /* a VEOF mark (Linux stores it as the disabled character) */
	for (size_t k = 0; k < copy; k++)
		dst[*done + k] = (char)ld->buf[LD_MASK(ld->read_tail + k)];
	*done += copy;
	if (found) {
		clear_eol(ld, ld->read_tail + i);
		ld->push = false;
	}
	ld->read_tail += take;
	if (found)
		return false;
	return ld->read_tail != ld->canon_head;
}

/* Linux's canon_skip_eof: a read that filled the caller's buffer right up to a VEOF mark
 * takes the mark too (else the next read would return 0 for it). */
static void skip_eof(struct tty *tty)
{
	struct ldisc *ld = &tty->ld;
	if (ld->read_tail == ld->canon_head || !is_eol(ld, ld->read_tail) ||
	    ld->buf[LD_MASK(ld->read_tail)] != 0)
		return;
	clear_eol(ld, ld->read_tail);
	ld->read_tail++;
}

static size_t raw_copy(struct tty *tty, char *dst, size_t len)
{
	struct ldisc *ld = &tty->ld;
	uint64_t avail = ld->read_head - ld->read_tail;
	size_t n = len < avail ? len : (size_t)avail;
	for (size_t k = 0; k < n; k++)
		dst[k] = (char)ld->buf[LD_MASK(ld->read_tail + k)];
	ld->read_tail += n;
	return n;
}

static void deadline_in(struct timespec *d, unsigned deciseconds)
{
	clock_gettime(CLOCK_MONOTONIC, d);
	d->tv_sec += deciseconds / 10;
	d->tv_nsec += (long)(deciseconds % 10) * 100000000L;
	if (d->tv_nsec >= 1000000000L) {
		d->tv_sec++;
		d->tv_nsec -= 1000000000L;
	}
}

/* Linux's n_tty_read. Canonical: one line (or what of it fits). Otherwise VMIN/VTIME:
 * MIN > 0, TIME 0: wait for MIN bytes; MIN > 0, TIME > 0: TIME is an inter-byte timer
 * started by the first byte; MIN 0, TIME > 0: wait up to TIME for one; MIN 0, TIME 0: never
 * wait (0 when nothing is there, even with O_NONBLOCK). */
long ldisc_read(struct tty *tty, struct task *t, const struct tty_file *tf, bool nonblock,
		char *buf, size_t len)
{
	struct ldisc *ld = &tty->ld;
	size_t done = 0, minimum = 0;
	unsigned time = 0;
	bool forever = true, expired = false;
	struct timespec deadline;
	long err = 0;

	if (!T_L(tty, ICANON)) {
		minimum = T_CC(tty, VMIN);
		if (minimum > 64) {
			/* Linux reads the line discipline in 64-byte chunks and goes on past the
			 * first only once VMIN is met: a VMIN above 64 reads 64 bytes at most. */
			minimum = 64;
			if (len > 64)
				len = 64;
		}
		if (minimum) {
			time = T_CC(tty, VTIME);
		} else {
			minimum = 1;
			if (T_CC(tty, VTIME)) {
				deadline_in(&deadline, T_CC(tty, VTIME));
				forever = false;
			} else {
				expired = true;
			}
		}
	}
	while (done < len) {
		if (!ldisc_readable(tty, false)) {
			if (tty_file_hung(tty, tf))
				break;
			if (expired)
				break;
			if (!t || nonblock) {
				err = -EAGAIN;
				break;
			}
			int w = tty_wait(tty, t, forever ? NULL : &deadline);
			if (w == -EINTR) {
				err = -EINTR;
				break;
			}
			if (w == -ETIMEDOUT)
				expired = true;
			continue;
		}
		bool icanon = T_L(tty, ICANON) && !T_L(tty, EXTPROC_K);
		uint64_t before = ld->read_tail;
		if (icanon) {
			if (canon_copy(tty, buf, &done, len) && done == len)
				skip_eof(tty);
		} else {
			done += raw_copy(tty, buf + done, len - done);
		}
		if (ld->read_tail != before) {
			/* Room again: input waiting in the queue comes in, writers go on. */
			tty->changed = true;
			ldisc_receive(tty);
			pthread_cond_broadcast(&tty->cv);
		}
		if (icanon || done >= minimum)
			break;
		if (time) {
			deadline_in(&deadline, time); /* the inter-byte timer restarts */
			forever = false;
		}
	}
	return done ? (long)done : err;
}

/* --- writing ----------------------------------------------------------------------------- */

long ldisc_write(struct tty *tty, struct task *t, const struct tty_file *tf, bool nonblock,
		 const char *buf, size_t len)
{
	size_t done = 0;
	long err = 0;
	ldisc_echo_flush(tty);
	for (;;) {
		if (tty_file_hung(tty, tf)) {
			err = -EIO;
			break;
		}
		size_t before = done;
		while (done < len) {
			size_t space = out_space(tty);
			if (T_O(tty, OPOST)) {
				if (output_char(tty, (unsigned char)buf[done], space) < 0)
					break;
				done++;
			} else {
				if (!space)
					break;
				done += bq_put(&tty->out, buf + done, len - done);
			}
		}
		if (done != before) {
			tty->changed = true;
			pthread_cond_broadcast(&tty->cv);
		}
		if (done == len)
			break;
		if (!t || nonblock) {
			err = -EAGAIN;
			break;
		}
		if (tty_wait(tty, t, NULL) == -EINTR) {
			err = -EINTR;
			break;
		}
	}
	return done ? (long)done : err;
}

/* --- termios ----------------------------------------------------------------------------- */

#define ADDRB_K 0x20000000 /* changed only through rs485 configuration, never termios */

void ldisc_set_termios(struct tty *tty, const struct kterm *new_termios)
{
	struct kterm old = tty->termios, *k = &tty->termios, *lk = &tty->termios_locked;
	struct ldisc *ld = &tty->ld;
	*k = *new_termios;
	/* Linux's unset_locked_termios: locked bits and characters keep their old values. */
	k->c_iflag = (k->c_iflag & ~lk->c_iflag) | (old.c_iflag & lk->c_iflag);
	k->c_oflag = (k->c_oflag & ~lk->c_oflag) | (old.c_oflag & lk->c_oflag);
	k->c_cflag = (k->c_cflag & ~lk->c_cflag) | (old.c_cflag & lk->c_cflag);
	k->c_lflag = (k->c_lflag & ~lk->c_lflag) | (old.c_lflag & lk->c_lflag);
	if (lk->c_line)
		k->c_line = old.c_line;
	for (int i = 0; i < KERNEL_NCCS; i++)
		if (lk->c_cc[i])
			k->c_cc[i] = old.c_cc[i];
	k->c_cflag ^= (k->c_cflag ^ old.c_cflag) & ADDRB_K;
	/* A pty is always 8 bits, no parity, receiving (pty_set_termios). */
	k->c_cflag &= ~(CSIZE | PARENB);
	k->c_cflag |= CS8 | CREAD;
	if (tty->packet) {
		bool old_flow =
		    (old.c_iflag & IXON) && old.c_cc[VSTOP] == 023 && old.c_cc[VSTART] == 021;
		bool new_flow =
		    (k->c_iflag & IXON) && k->c_cc[VSTOP] == 023 && k->c_cc[VSTART] == 021;
		bool extproc = (old.c_lflag & EXTPROC_K) || (k->c_lflag & EXTPROC_K);
		if (old_flow != new_flow) {
			tty->pktstatus &= ~(TIOCPKT_DOSTOP | TIOCPKT_NOSTOP);
			tty->pktstatus |= new_flow ? TIOCPKT_DOSTOP : TIOCPKT_NOSTOP;
		}
		if (extproc)
			tty->pktstatus |= TIOCPKT_IOCTL;
	}
	/* n_tty_set_termios: switching canonical mode re-reads the buffer. Turning ICANON on
	 * makes what is there one line; turning it off makes it all readable. */
	if ((old.c_lflag ^ k->c_lflag) & (ICANON | EXTPROC_K)) {
		memset(ld->eol, 0, sizeof(ld->eol));
		if (!T_L(tty, ICANON) || ld->read_head == ld->read_tail) {
			ld->canon_head = ld->read_tail;
			ld->push = false;
		} else {
			set_eol(ld, ld->read_head - 1);
			ld->canon_head = ld->read_head;
			ld->push = true;
		}
		ld->erasing = false;
		ld->lnext = false;
	}
	if (!T_I(tty, IXON) && (old.c_iflag & IXON) && !tty->se.tco_stopped)
		tty_start(tty, false);
	tty->changed = true;
	ldisc_receive(tty); /* waiting input may fit, or read differently, now */
	pthread_cond_broadcast(&tty->cv);
}
