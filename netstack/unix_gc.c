/*
 * Garbage collection of unix sockets in flight (Linux's classic unix_gc).
 *
 * A socket's file passed in an SCM_RIGHTS message is referenced by the message until it is
 * received. A socket sent into its own queue (or a ring of sockets sent into each other's)
 * and then closed by every process keeps itself alive that way forever. Such sockets are
 * found by counting: a candidate is a socket whose every file reference is a message in
 * flight; messages queued on candidates account for some of those references; a candidate
 * with references left over is reachable from outside, and so is all it holds in turn.
 * The rest can never be received: the files their queued messages carry are dropped, which
 * lets the cycle's last references go (deferred to unix_unlock, so the releases they cause
 * run outside unix_lock).
 *
 * Runs under unix_lock when a socket is released while sockets are in flight, and when a
 * send finds very many in flight, as Linux's does.
 */
#define _GNU_SOURCE
#include "netstack/unix_internal.h"

/* The queues a socket holds: its own, then those of the connections in its backlog. */
#define for_each_queue(q, u)                                                                       \
	for (struct unix_sock *q = (u); q; q = (q == (u) ? (u)->acc_head : q->acc_next))

/* Calls fn for every socket whose file rides in a message queued on u or on a connection
 * waiting in u's backlog. */
static void each_child(struct unix_sock *u, void (*fn)(struct unix_sock *child))
{
	for_each_queue(q, u)
	{
		for (struct unix_skb *skb = q->rq_head; skb; skb = skb->next) {
			if (!skb->fds)
				continue;
			for (int i = 0; i < skb->fds->count; i++) {
				struct socket *s = file_socket(skb->fds->files[i]);
				if (s && s->family == AF_UNIX && s->priv)
					fn(s->priv);
			}
		}
	}
}

static void dec_ref(struct unix_sock *c)
{
	if (c->gc_candidate)
		c->gc_refs--;
}

static bool marked;

static void mark_alive(struct unix_sock *c)
{
	if (c->gc_candidate && !c->gc_alive) {
		c->gc_alive = true;
		marked = true;
	}
}

static void strip(struct unix_sock *u)
{
	for_each_queue(q, u)
	{
		for (struct unix_skb *skb = q->rq_head; skb; skb = skb->next) {
			if (skb->fds) {
				unix_fds_leave(skb->fds);
				unix_defer_fds(skb->fds);
				skb->fds = NULL;
			}
		}
	}
}

void unix_gc(void)
{
	bool any = false;
	for (struct unix_sock *u = unix_all; u; u = u->all_next) {
		u->gc_candidate = u->gc_alive = false;
		if (u->dead || !u->file || !u->inflight)
			continue;
		int refs = __atomic_load_n(&u->file->refs, __ATOMIC_ACQUIRE);
		if (refs < 0 || (unsigned)refs != u->inflight)
			continue;
		u->gc_candidate = true;
		u->gc_refs = (long)u->inflight;
		any = true;
	}
	if (!any)
		return;
	for (struct unix_sock *u = unix_all; u; u = u->all_next)
		if (u->gc_candidate)
			each_child(u, dec_ref);
	for (struct unix_sock *u = unix_all; u; u = u->all_next)
		if (u->gc_candidate && u->gc_refs > 0)
			u->gc_alive = true;
	do {
		marked = false;
		for (struct unix_sock *u = unix_all; u; u = u->all_next)
			if (u->gc_candidate && u->gc_alive)
				each_child(u, mark_alive);
	} while (marked);
	for (struct unix_sock *u = unix_all; u; u = u->all_next)
		if (u->gc_candidate && !u->gc_alive)
			strip(u);
}
