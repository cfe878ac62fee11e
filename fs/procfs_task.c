/*
 * procfs's access to other tasks. The rules that keep it safe:
 *
 * - The process table is read under the sandbox lock (sb->lock), never held while guest
 *   memory is read or a file is rendered.
 * - A task's mm, fd table and fs context are freed by its own Sentry thread as it finishes
 *   (task_finish), which first clears t->th under t->sig_lock. So references to them are
 *   taken under sig_lock while t->th is set: the task cannot be past that point then.
 * - Guest memory and the address space layout are read through t->th with t->sig_lock held
 *   (proc_with_thread): neither task_finish nor execve can release the thread meanwhile.
 *   The lock is the target's signal lock, held for one bounded host call.
 */
#define _GNU_SOURCE
#include "fs/procfs_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sentry/mm.h"
#include "sentry/process.h"

/* Capabilities (sys_creds.c): a thread's sets are full for euid 0 until it changes them. */
#define CAP_LAST_CAP_K 40
#define CAP_ALL	       ((1ULL << (CAP_LAST_CAP_K + 1)) - 1)

/* The task a node stands for: the process's own (its leader while it lives) or the thread
 * n->tid; NULL for a zombie. Caller holds sb->lock. */
static int find_locked(struct sandbox *sb, pid_t tgid, pid_t tid, struct process **pp,
		       struct task **tp)
{
	struct process *p = process_find(sb, tgid);
	if (!p)
		return -ENOENT;
	struct task *t = p->task;
	if (tid) {
		t = NULL;
		for (struct task *o = p->threads; o; o = o->next_thread)
			if (o->tid == tid)
				t = o;
		if (!t)
			return -ENOENT;
	}
	*pp = p;
	*tp = t;
	return 0;
}

/* Copies what t's sig_lock protects; takes the references asked for. */
static void view_signals_and_refs(struct task *t, struct task *caller, unsigned want,
				  struct proc_view *v)
{
	pthread_mutex_lock(&t->sig_lock);
	v->sigmask = t->sigmask;
	v->pending = t->pending;
	for (int i = 0; i < 64; i++) {
		uint64_t h = t->sigactions[i].handler;
		if (h == (uint64_t)(uintptr_t)SIG_IGN)
			v->sigign |= 1ULL << i;
		else if (h != (uint64_t)(uintptr_t)SIG_DFL)
			v->sigcgt |= 1ULL << i;
	}
	/* Blocked in the Sentry (a wait, a host call): sleeping; else it runs guest code. */
	if (v->state == 'R' && t != caller && (t->wait_m || t->in_host_block))
		v->state = 'S';
	if (t->th) {
		if ((want & PV_MM) && t->mm) {
			mm_get(t->mm);
			v->mm = t->mm;
		}
		if ((want & PV_FILES) && t->fdt) {
			__atomic_add_fetch(&t->fdt->refs, 1, __ATOMIC_RELAXED);
			v->fdt = t->fdt;
		}
		if ((want & PV_FS) && t->fs) {
			__atomic_add_fetch(&t->fs->refs, 1, __ATOMIC_RELAXED);
			v->fs = t->fs;
		}
	}
	pthread_mutex_unlock(&t->sig_lock);
}

int proc_view_get(const struct proc_node *n, struct task *caller, unsigned want,
		  struct proc_view *v)
{
	struct sandbox *sb = n->fs->sb;
	struct process *p;
	struct task *t;
	memset(v, 0, sizeof(*v));
	pthread_mutex_lock(&sb->lock);
	int err = find_locked(sb, n->tgid, n->tid, &p, &t);
	if (err < 0)
		goto out;
	v->tgid = p->pid;
	v->tid = t ? t->tid : p->pid;
	v->ppid = p->parent ? p->parent->pid : 0;
	v->pgid = p->pgid;
	v->sid = p->sid;
	v->zombie = p->state == PROC_ZOMBIE;
	v->state = v->zombie ? 'Z' : p->stopped ? 'T' : 'R';
	v->nr_threads = p->nr_threads;
	v->wait_status = p->wait_status;
	v->exit_signal = p->exit_signal;
	v->dumpable = p->dumpable;
	if (p->ngroups > 0) {
		v->groups = malloc((size_t)p->ngroups * sizeof(gid_t));
		if (v->groups) {
			memcpy(v->groups, p->groups, (size_t)p->ngroups * sizeof(gid_t));
			v->ngroups = p->ngroups;
		}
	}
	if (t) {
		v->has_task = true;
		v->cred = t->cred;
		memcpy(v->comm, t->comm, sizeof(v->comm));
		v->comm[sizeof(v->comm) - 1] = 0;
		memcpy(v->rlim, t->rlim, sizeof(v->rlim));
		v->nice = t->nice;
		v->policy = t->sched_policy;
		v->no_new_privs = t->no_new_privs;
		if (t->caps_set) {
			v->cap_eff = t->cap_eff;
			v->cap_prm = t->cap_prm;
			v->cap_inh = t->cap_inh;
		} else if (t->cred.euid == 0) {
			v->cap_eff = v->cap_prm = CAP_ALL;
		}
		view_signals_and_refs(t, caller, want, v);
	}
out:
	pthread_mutex_unlock(&sb->lock);
	return err;
}

void proc_view_put(struct proc_view *v)
{
	mm_free(v->mm);
	fd_table_put(v->fdt);
	fs_context_put(v->fs);
	free(v->groups);
	memset(v, 0, sizeof(*v));
}

int proc_owner(const struct proc_node *n, uid_t *uid, gid_t *gid)
{
	struct sandbox *sb = n->fs->sb;
	struct process *p;
	struct task *t;
	pthread_mutex_lock(&sb->lock);
	int err = find_locked(sb, n->tgid, n->tid, &p, &t);
	if (err == 0) {
		bool shown = t && p->dumpable == 1;
		*uid = shown ? t->cred.euid : 0;
		*gid = shown ? t->cred.egid : 0;
	}
	pthread_mutex_unlock(&sb->lock);
	return err;
}

long proc_with_thread(const struct proc_node *n, long (*fn)(struct task *t, void *arg), void *arg)
{
	struct sandbox *sb = n->fs->sb;
	struct process *p;
	struct task *t;
	pthread_mutex_lock(&sb->lock);
	long r = find_locked(sb, n->tgid, n->tid, &p, &t);
	if (r == 0 && !t)
		r = -ESRCH;
	if (r < 0) {
		pthread_mutex_unlock(&sb->lock);
		return r;
	}
	pthread_mutex_lock(&t->sig_lock);
	if (!t->th) {
		/* Finishing: it may be freed as soon as the table's lock goes. */
		pthread_mutex_unlock(&t->sig_lock);
		pthread_mutex_unlock(&sb->lock);
		return -ESRCH;
	}
	/* With th set under sig_lock, t cannot finish (or exec) past here until we let go. */
	pthread_mutex_unlock(&sb->lock);
	r = fn(t, arg);
	pthread_mutex_unlock(&t->sig_lock);
	return r;
}

bool proc_may_access(const struct task *caller, const struct proc_view *v)
{
	if (!caller || caller->cred.fsuid == 0)
		return true;
	if (caller->tgid == v->tgid)
		return true;
	const struct creds *c = &v->cred;
	uid_t u = caller->cred.fsuid;
	gid_t g = caller->cred.fsgid;
	return v->dumpable == 1 && c->ruid == u && c->euid == u && c->suid == u && c->rgid == g &&
	       c->egid == g && c->sgid == g;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

int proc_list_pids(struct procfs *fs, pid_t tgid, pid_t **out, size_t *n)
{
	struct sandbox *sb = fs->sb;
	size_t count = 0, i = 0;
	pid_t *v = NULL;
	int err = 0;
	pthread_mutex_lock(&sb->lock);
	struct process *only = tgid ? process_find(sb, tgid) : NULL;
	if (tgid && !only) {
		err = -ENOENT;
		goto out;
	}
	if (only) {
		for (struct task *t = only->threads; t; t = t->next_thread)
			count++;
	} else {
		for (struct process *p = sb->procs; p; p = p->next_all)
			count++;
	}
	v = malloc((count ? count : 1) * sizeof(*v));
	if (!v) {
		err = -ENOMEM;
		goto out;
	}
	if (only) {
		for (struct task *t = only->threads; t; t = t->next_thread)
			v[i++] = t->tid;
	} else {
		for (struct process *p = sb->procs; p; p = p->next_all)
			v[i++] = p->pid;
	}
out:
	pthread_mutex_unlock(&sb->lock);
	if (err < 0)
		return err;
	qsort(v, i, sizeof(*v), cmp_pid);
	*out = v;
	*n = i;
	return 0;
}

pid_t proc_tgid_of(struct procfs *fs, pid_t tid)
{
	pthread_mutex_lock(&fs->sb->lock);
	struct task *t = process_find_thread(fs->sb, tid);
	pid_t r = t ? t->tgid : 0;
	pthread_mutex_unlock(&fs->sb->lock);
	return r;
}

int proc_set_comm(const struct proc_node *n, const char name[16])
{
	struct sandbox *sb = n->fs->sb;
	struct process *p;
	struct task *t;
	pthread_mutex_lock(&sb->lock);
	int err = find_locked(sb, n->tgid, n->tid, &p, &t);
	if (err == 0 && !t)
		err = -ESRCH;
	if (err == 0) {
		/* As prctl(PR_SET_NAME) writes it; a racing reader sees either name. */
		memset(t->comm, 0, sizeof(t->comm));
		memcpy(t->comm, name, strnlen(name, sizeof(t->comm) - 1));
	}
	pthread_mutex_unlock(&sb->lock);
	return err;
}

void proc_reader_root(struct task *caller, struct path *root)
{
	*root = (struct path){NULL, NULL};
	if (caller && caller->fs) {
		pthread_mutex_lock(&caller->fs->lock);
		*root = caller->fs->root;
		path_get(root);
		pthread_mutex_unlock(&caller->fs->lock);
	}
}
