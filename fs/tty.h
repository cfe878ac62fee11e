/*
 * Terminals: pseudo-terminal pairs with Linux's n_tty line discipline (fs/tty.c), their
 * master and slave files (fs/pty.c), and controlling terminals and job control
 * (fs/tty_jobctl.c). devpts (fs/devpts.c) names the pairs; chardev.c opens /dev/tty.
 *
 * Lifetime: a struct tty is counted (open files, a devpts node, each process whose
 * controlling terminal it is). Its devpts index is given back when both the master and
 * every slave file are closed; the memory when the last reference goes.
 *
 * Locks: tty->lock (buffers, termios, window size) is never held while the sandbox lock is
 * taken; the sandbox lock protects a tty's session and foreground group and every
 * process's ctty, and may be held while tty->lock is taken.
 */
#ifndef CVISOR_TTY_H
#define CVISOR_TTY_H

#include <stdbool.h>
#include <sys/types.h>

struct tty;
struct task;
struct file;
struct sandbox;
struct process;
struct devpts_fs;

/* --- pairs (fs/pty.c) ------------------------------------------------------------------- */
/* A new pair numbered index of the devpts instance fs, locked (TIOCSPTLCK) as Linux's
 * ptmx leaves it; one reference for the caller. */
int pty_new(struct devpts_fs *fs, unsigned index, struct sandbox *sb, struct tty **out);
/* Makes f the master file of tty (one master per pair: ptmx open). Takes a reference. */
int pty_attach_master(struct tty *tty, struct file *f);
/* Opens the slave end of tty as f (sets f->ops, f->priv): EIO while locked or once the
 * master is gone, EBUSY when exclusive (TIOCEXCL) for a caller without CAP_SYS_ADMIN.
 * Unless noctty, a session leader without a controlling terminal acquires this one. */
int pty_open_slave(struct tty *tty, struct task *t, struct file *f, bool noctty);
/* The pair a master or slave file is on, or NULL for any other file. */
struct tty *tty_of_file(const struct file *f);
bool tty_is_master_file(const struct file *f);

void tty_get(struct tty *tty);
void tty_put(struct tty *tty);
unsigned tty_index(const struct tty *tty);

/* --- /dev/tty (fs/tty_jobctl.c) ------------------------------------------------------- */
/* Opens the caller's controlling terminal as f: ENXIO without one. */
int tty_open_ctty(struct task *t, struct file *f);

/* --- the process table's hooks (fs/tty_jobctl.c); the caller holds sb->lock ----------- */
/* fork: the child shares the parent's controlling terminal. */
void tty_ctty_inherit(struct process *parent, struct process *child);
/* setsid: the new session has no controlling terminal. */
void tty_ctty_drop(struct process *p);
/* The last thread of p exits: a session leader's terminal is given up (SIGHUP to its
 * foreground group, every process of the session loses it), then p's own reference. */
void tty_process_exit(struct sandbox *sb, struct process *p);

#endif
