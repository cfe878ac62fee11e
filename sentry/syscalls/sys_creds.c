/*
 * Changing credentials: the setuid and setgid families, supplementary groups, capabilities.
 * The rules are Linux 6.x's (POSIX saved set-user-ID semantics, CAP_SETUID/CAP_SETGID to set
 * anything). Linux changes credentials per thread (glibc broadcasts a change to every
 * thread), so a call changes only the caller's t->cred, which only the caller writes.
 *
 * Capabilities are a guest fiction: a thread's sets start full (0..CAP_LAST_CAP) when its
 * euid is 0 and empty otherwise; capset may only drop, and uid changes move them as Linux's
 * cap_emulate_setxuid does. A thread whose sets differ from that default records them in
 * its struct task (caps_set). Supplementary groups are per process here (struct process),
 * and start empty. Fork copies both (sys_fork.c, process.c); execve keeps both (the sets
 * are not recomputed as Linux's exec would). Both are written under sb->lock, and read
 * under it when another thread's or the process's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sentry/process.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

#define CAP_LAST_CAP_K 40
#define CAP_ALL	       ((1ULL << (CAP_LAST_CAP_K + 1)) - 1)
#define CAP_BIT(n)     (1ULL << (n))
#define CAP_SETGID_K   6
#define CAP_SETUID_K   7
#define CAP_SETPCAP_K  8
/* CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, FSETID, MKNOD, MAC_OVERRIDE. */
#define CAP_FS_MASK                                                                                \
	(CAP_BIT(0) | CAP_BIT(1) | CAP_BIT(2) | CAP_BIT(3) | CAP_BIT(4) | CAP_BIT(27) | CAP_BIT(32))

#define CAP_V1	  0x19980330U
#define CAP_V2	  0x20071026U
#define CAP_V3	  0x20080522U
#define NGROUPS_K 65536
#define NO_ID	  ((uint32_t)-1)

struct capsets {
	uint64_t eff, prm, inh;
};

static struct capsets caps_default(uid_t euid)
{
	struct capsets c = {0, 0, 0};
	if (euid == 0)
		c.eff = c.prm = CAP_ALL;
	return c;
}

/* p's capability sets. Caller holds sb->lock, or is p. */
static struct capsets caps_of(const struct task *p)
{
	if (p->caps_set)
		return (struct capsets){p->cap_eff, p->cap_prm, p->cap_inh};
	return caps_default(p->cred.euid);
}

static bool capable(const struct task *t, int cap)
{
	return (caps_of(t).eff & CAP_BIT(cap)) != 0;
}

/* Stores t's sets as they will be once its euid is euid (recorded only when they differ
 * from that euid's default). */
static void caps_put(struct task *t, const struct capsets *c, uid_t euid)
{
	struct capsets def = caps_default(euid);
	pthread_mutex_lock(&t->sb->lock);
	t->caps_set = memcmp(c, &def, sizeof(def)) != 0;
	t->cap_eff = c->eff;
	t->cap_prm = c->prm;
	t->cap_inh = c->inh;
	pthread_mutex_unlock(&t->sb->lock);
}

/* Installs new uids, moving the capability sets as Linux's cap_task_fix_setuid does (fs: a
 * setfsuid). SECURE_KEEP_CAPS is not consulted: PR_SET_KEEPCAPS does not keep them here. */
static long commit_uids(struct task *t, const struct creds *new, bool fs)
{
	const struct creds *old = &t->cred;
	struct capsets c = caps_of(t);

	if (fs) {
		if (old->fsuid == 0 && new->fsuid != 0)
			c.eff &= ~CAP_FS_MASK;
		if (old->fsuid != 0 && new->fsuid == 0)
			c.eff |= c.prm & CAP_FS_MASK;
	} else {
		bool was_root = old->ruid == 0 || old->euid == 0 || old->suid == 0;
		bool is_root = new->ruid == 0 || new->euid == 0 || new->suid == 0;
		if (was_root && !is_root)
			c.prm = c.eff = 0;
		if (old->euid == 0 && new->euid != 0)
			c.eff = 0;
		if (old->euid != 0 && new->euid == 0)
			c.eff = c.prm;
	}
	caps_put(t, &c, new->euid);
	t->cred = *new;
	return 0;
}

/* ---- the setuid family ---------------------------------------------------------------- */

long sys_setuid(struct task *t, const uint64_t a[6])
{
	uid_t uid = (uid_t)a[0];
	struct creds new = t->cred;

	if (uid == NO_ID)
		return -EINVAL;
	if (capable(t, CAP_SETUID_K))
		new.ruid = new.suid = uid;
	else if (uid != t->cred.ruid && uid != t->cred.suid)
		return -EPERM;
	new.euid = new.fsuid = uid;
	return commit_uids(t, &new, false);
}

long sys_setgid(struct task *t, const uint64_t a[6])
{
	gid_t gid = (gid_t)a[0];

	if (gid == NO_ID)
		return -EINVAL;
	if (capable(t, CAP_SETGID_K))
		t->cred.rgid = t->cred.sgid = gid;
	else if (gid != t->cred.rgid && gid != t->cred.sgid)
		return -EPERM;
	t->cred.egid = t->cred.fsgid = gid;
	return 0;
}

/* setreuid and setregid share their rules: ids r, e, s of old and new, cap to bypass. */
static int re_ids(uint32_t r, uint32_t e, const uint32_t old[3], uint32_t new[4], bool cap)
{
	if (r != NO_ID) {
		new[0] = r;
		if (old[0] != r && old[1] != r && !cap)
			return -EPERM;
	}
	if (e != NO_ID) {
		new[1] = e;
		if (old[0] != e && old[1] != e && old[2] != e && !cap)
			return -EPERM;
	}
	if (r != NO_ID || (e != NO_ID && e != old[0]))
		new[2] = new[1];
	new[3] = new[1]; /* the fs id follows the effective one */
	return 0;
}

long sys_setreuid(struct task *t, const uint64_t a[6])
{
	struct creds new = t->cred;
	uint32_t old[3] = {t->cred.ruid, t->cred.euid, t->cred.suid};
	uint32_t ids[4] = {old[0], old[1], old[2], t->cred.fsuid};
	int err = re_ids((uint32_t)a[0], (uint32_t)a[1], old, ids, capable(t, CAP_SETUID_K));
	if (err)
		return err;
	new.ruid = ids[0], new.euid = ids[1], new.suid = ids[2], new.fsuid = ids[3];
	return commit_uids(t, &new, false);
}

long sys_setregid(struct task *t, const uint64_t a[6])
{
	uint32_t old[3] = {t->cred.rgid, t->cred.egid, t->cred.sgid};
	uint32_t ids[4] = {old[0], old[1], old[2], t->cred.fsgid};
	int err = re_ids((uint32_t)a[0], (uint32_t)a[1], old, ids, capable(t, CAP_SETGID_K));
	if (err)
		return err;
	t->cred.rgid = ids[0], t->cred.egid = ids[1], t->cred.sgid = ids[2], t->cred.fsgid = ids[3];
	return 0;
}

/* setresuid and setresgid: 1 when the call is a no-op, 0 when allowed (new[] filled),
 * -EPERM when an id is new to the caller and it lacks the capability. */
static int res_ids(const uint64_t a[6], const uint32_t old[4], uint32_t new[4], bool cap)
{
	uint32_t r = (uint32_t)a[0], e = (uint32_t)a[1], s = (uint32_t)a[2];
	if ((r == NO_ID || r == old[0]) && (e == NO_ID || (e == old[1] && e == old[3])) &&
	    (s == NO_ID || s == old[2]))
		return 1;
	for (int i = 0; i < 3; i++) {
		uint32_t id = (uint32_t)a[i];
		if (id != NO_ID && id != old[0] && id != old[1] && id != old[2] && !cap)
			return -EPERM;
	}
	memcpy(new, old, 4 * sizeof(new[0]));
	if (r != NO_ID)
		new[0] = r;
	if (e != NO_ID)
		new[1] = e;
	if (s != NO_ID)
		new[2] = s;
	new[3] = new[1];
	return 0;
}

long sys_setresuid(struct task *t, const uint64_t a[6])
{
	struct creds new = t->cred;
	uint32_t old[4] = {t->cred.ruid, t->cred.euid, t->cred.suid, t->cred.fsuid}, ids[4];
	int err = res_ids(a, old, ids, capable(t, CAP_SETUID_K));
	if (err)
		return err < 0 ? err : 0;
	new.ruid = ids[0], new.euid = ids[1], new.suid = ids[2], new.fsuid = ids[3];
	return commit_uids(t, &new, false);
}

long sys_setresgid(struct task *t, const uint64_t a[6])
{
	uint32_t old[4] = {t->cred.rgid, t->cred.egid, t->cred.sgid, t->cred.fsgid}, ids[4];
	int err = res_ids(a, old, ids, capable(t, CAP_SETGID_K));
	if (err)
		return err < 0 ? err : 0;
	t->cred.rgid = ids[0], t->cred.egid = ids[1], t->cred.sgid = ids[2], t->cred.fsgid = ids[3];
	return 0;
}

/* setfsuid/setfsgid always return the old fs id; -1 (no valid id) only asks for it. */
long sys_setfsuid(struct task *t, const uint64_t a[6])
{
	uid_t uid = (uid_t)a[0], old = t->cred.fsuid;
	const struct creds *c = &t->cred;
	if (uid == NO_ID || uid == old)
		return old;
	if (uid == c->ruid || uid == c->euid || uid == c->suid || capable(t, CAP_SETUID_K)) {
		struct creds new = t->cred;
		new.fsuid = uid;
		commit_uids(t, &new, true);
	}
	return old;
}

long sys_setfsgid(struct task *t, const uint64_t a[6])
{
	gid_t gid = (gid_t)a[0], old = t->cred.fsgid;
	const struct creds *c = &t->cred;
	if (gid == NO_ID)
		return old;
	if (gid == c->rgid || gid == c->egid || gid == c->sgid || gid == old ||
	    capable(t, CAP_SETGID_K))
		t->cred.fsgid = gid;
	return old;
}

/* ---- supplementary groups ------------------------------------------------------------- */

static int gid_cmp(const void *x, const void *y)
{
	gid_t a = *(const gid_t *)x, b = *(const gid_t *)y;
	return a < b ? -1 : a > b;
}

/* Linux: CAP_SETGID, then the size (EINVAL beyond NGROUPS_MAX), then the copy (EFAULT);
 * the list is kept sorted, as getgroups then reports it. */
long sys_setgroups(struct task *t, const uint64_t a[6])
{
	int n = (int)a[0];
	gid_t *list = NULL;

	if (!capable(t, CAP_SETGID_K))
		return -EPERM;
	if ((unsigned)n > NGROUPS_K)
		return -EINVAL;
	if (n) {
		list = malloc((size_t)n * sizeof(gid_t));
		if (!list)
			return -ENOMEM;
		if (copy_from_guest(t, list, a[1], (size_t)n * sizeof(gid_t))) {
			free(list);
			return -EFAULT;
		}
		qsort(list, (size_t)n, sizeof(gid_t), gid_cmp);
	}

	/* Every thread of the process sees the new list (glibc would broadcast it anyway). */
	pthread_mutex_lock(&t->sb->lock);
	gid_t *old = t->proc->groups;
	t->proc->groups = list;
	t->proc->ngroups = n;
	pthread_mutex_unlock(&t->sb->lock);
	free(old);
	return 0;
}

/* Size 0 asks for the count; otherwise the list must fit, and only its entries are
 * written. */
long sys_getgroups(struct task *t, const uint64_t a[6])
{
	int size = (int)a[0];
	gid_t *copy = NULL;
	int n = 0;
	long ret;

	if (size < 0)
		return -EINVAL;
	pthread_mutex_lock(&t->sb->lock);
	n = t->proc->ngroups;
	ret = n;
	if (size && n > size)
		ret = -EINVAL;
	else if (size && n) {
		/* Copied out of the lock: the guest write may block. */
		copy = malloc((size_t)n * sizeof(gid_t));
		if (!copy)
			ret = -ENOMEM;
		else
			memcpy(copy, t->proc->groups, (size_t)n * sizeof(gid_t));
	}
	pthread_mutex_unlock(&t->sb->lock);
	if (copy && copy_to_guest(t, a[1], copy, (size_t)n * sizeof(gid_t)))
		ret = -EFAULT;
	free(copy);
	return ret;
}

/* ---- capabilities --------------------------------------------------------------------- */

struct cap_header {
	uint32_t version;
	int32_t pid;
};

struct cap_data {
	uint32_t effective, permitted, inheritable;
};

/* The kernel's cap_validate_magic: how many cap_data the version uses, or EINVAL after
 * writing back the preferred version (EFAULT if that write faults). */
static int cap_version(struct task *t, uint64_t hdr, unsigned *n)
{
	uint32_t version;
	if (copy_from_guest(t, &version, hdr, sizeof(version)))
		return -EFAULT;
	if (version == CAP_V1) {
		*n = 1;
		return 0;
	}
	if (version == CAP_V2 || version == CAP_V3) {
		*n = 2;
		return 0;
	}
	version = CAP_V3;
	if (copy_to_guest(t, hdr, &version, sizeof(version)))
		return -EFAULT;
	return -EINVAL;
}

long sys_capget(struct task *t, const uint64_t a[6])
{
	struct cap_data d[2];
	struct capsets c;
	unsigned n = 0;
	int32_t pid;
	long err = cap_version(t, a[0], &n);

	if (!a[1] || err) /* a NULL data pointer probes the version */
		return !a[1] && err == -EINVAL ? 0 : err;
	if (copy_from_guest(t, &pid, a[0] + offsetof(struct cap_header, pid), sizeof(pid)))
		return -EFAULT;
	if (pid < 0)
		return -EINVAL;
	pthread_mutex_lock(&t->sb->lock);
	struct task *p = pid && pid != t->tid ? process_find_thread(t->sb, pid) : t;
	if (p)
		c = caps_of(p);
	pthread_mutex_unlock(&t->sb->lock);
	if (!p)
		return -ESRCH;
	for (int i = 0; i < 2; i++) {
		d[i].effective = (uint32_t)(c.eff >> (32 * i));
		d[i].permitted = (uint32_t)(c.prm >> (32 * i));
		d[i].inheritable = (uint32_t)(c.inh >> (32 * i));
	}
	return copy_to_guest(t, a[1], d, n * sizeof(d[0]));
}

/* Linux's capset for the caller only, with commoncap's rules: inheritable within the old
 * inheritable and permitted sets (unless CAP_SETPCAP, then within the full bounding set),
 * permitted only shrinks, effective within the new permitted. */
long sys_capset(struct task *t, const uint64_t a[6])
{
	struct cap_data d[2];
	unsigned n = 0;
	int32_t pid;
	long err = cap_version(t, a[0], &n);

	if (err)
		return err;
	if (copy_from_guest(t, &pid, a[0] + offsetof(struct cap_header, pid), sizeof(pid)))
		return -EFAULT;
	if (pid != 0 && pid != t->tid)
		return -EPERM;
	memset(d, 0, sizeof(d));
	if (copy_from_guest(t, d, a[1], n * sizeof(d[0])))
		return -EFAULT;

	struct capsets old = caps_of(t), c;
	c.eff = (d[0].effective | (uint64_t)d[1].effective << 32) & CAP_ALL;
	c.prm = (d[0].permitted | (uint64_t)d[1].permitted << 32) & CAP_ALL;
	c.inh = (d[0].inheritable | (uint64_t)d[1].inheritable << 32) & CAP_ALL;
	if (!(old.eff & CAP_BIT(CAP_SETPCAP_K)) && (c.inh & ~(old.inh | old.prm)))
		return -EPERM;
	if ((c.prm & ~old.prm) || (c.eff & ~c.prm))
		return -EPERM;
	caps_put(t, &c, t->cred.euid);
	return 0;
}

bool task_capable(const struct task *t, int cap)
{
	return capable(t, cap);
}
