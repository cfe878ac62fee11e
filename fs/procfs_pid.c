/*
 * /proc/<pid> and /proc/<pid>/task/<tid>: the files describing one guest process or thread,
 * in Linux's formats (fs/proc/array.c, base.c). Figures the Sentry does not keep are given
 * as a Linux process that never ran long would show them: CPU times, fault counts, context
 * switches and the start time are 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>

#include "fs/procfs_internal.h"
#include "sentry/mm.h"

/* Linux's task flags shown in stat: PF_RANDOMIZE for every process, PF_EXITING once dead. */
#define PF_EXITING_K   0x00000004
#define PF_RANDOMIZE_K 0x00400000
#define CAP_BOUNDING   ((1ULL << 41) - 1) /* every capability up to CAP_LAST_CAP (40) */

static uint64_t pages(uint64_t bytes)
{
	return bytes / GUEST_PAGE_SIZE;
}

/* --- stat, statm, status ------------------------------------------------------------------ */

static int render_stat(const struct proc_node *n, struct task *caller, struct pbuf *b)
{
	struct proc_view v;
	struct proc_vmstat vm;
	int err = proc_view_get(n, caller, PV_MM, &v);
	if (err < 0)
		return err;
	proc_vmstat_get(n, &v, &vm);
	const struct mm *mm = v.mm;
	bool show = mm && proc_may_access(caller, &v);
	unsigned long long rsslim = v.rlim[RLIMIT_RSS].rlim_cur;
	pb_printf(b, "%d (%s) %c %d %d %d 0 -1 %u 0 0 0 0 0 0 0 0 %d %d %d 0 0 %llu %llu %llu",
		  n->tid ? v.tid : v.tgid, v.comm, v.state, v.ppid, v.pgid, v.sid,
		  PF_RANDOMIZE_K | (v.zombie ? PF_EXITING_K : 0), 20 + v.nice, v.nice,
		  v.zombie ? 0 : v.nr_threads, (unsigned long long)vm.size,
		  (unsigned long long)pages(vm.rss), v.has_task ? rsslim : 0);
	/* Linux's: 1 for the code range when not permitted, 0 without an address space. */
	pb_printf(b, " %llu %llu %llu 0 0",
		  mm ? (show ? (unsigned long long)vm.start_code : 1ULL) : 0ULL,
		  mm ? (show ? (unsigned long long)vm.end_code : 1ULL) : 0ULL,
		  show ? (unsigned long long)mm->arg_start : 0ULL);
	/* Linux shows the four signal sets masked to 31 bits here. */
	pb_printf(b, " %llu %llu %llu %llu 0 0 0 %d 0 0 %d 0 0 0",
		  (unsigned long long)(v.pending & 0x7fffffff),
		  (unsigned long long)(v.sigmask & 0x7fffffff),
		  (unsigned long long)(v.sigign & 0x7fffffff),
		  (unsigned long long)(v.sigcgt & 0x7fffffff), v.exit_signal, v.policy);
	if (show)
		pb_printf(b, " %llu %llu %llu %llu %llu %llu %llu %d\n",
			  (unsigned long long)vm.start_data, (unsigned long long)vm.end_data,
			  (unsigned long long)mm->brk_start, (unsigned long long)mm->arg_start,
			  (unsigned long long)mm->arg_end, (unsigned long long)mm->env_start,
			  (unsigned long long)mm->env_end, v.zombie ? v.wait_status : 0);
	else
		pb_printf(b, " 0 0 0 0 0 0 0 %d\n", v.zombie ? v.wait_status : 0);
	proc_view_put(&v);
	return 0;
}

static int render_statm(const struct proc_node *n, struct task *caller, struct pbuf *b)
{
	struct proc_view v;
	struct proc_vmstat vm;
	int err = proc_view_get(n, caller, PV_MM, &v);
	if (err < 0)
		return err;
	proc_vmstat_get(n, &v, &vm);
	pb_printf(b, "%llu %llu %llu %llu 0 %llu 0\n", (unsigned long long)pages(vm.size),
		  (unsigned long long)pages(vm.rss), (unsigned long long)pages(vm.file),
		  (unsigned long long)pages(vm.text),
		  (unsigned long long)pages(vm.data + vm.stack));
	proc_view_put(&v);
	return 0;
}

static const char *state_name(char s)
{
	switch (s) {
	case 'S':
		return "S (sleeping)";
	case 'T':
		return "T (stopped)";
	case 'Z':
		return "Z (zombie)";
	default:
		return "R (running)";
	}
}

/* A CPU set as Linux's "%*pb" (32-bit hex groups, comma separated) and "%*pbl" (ranges). */
static void put_cpus(struct pbuf *b, const cpu_set_t *set)
{
	int nbits = CPU_SETSIZE;
	while (nbits > 1 && !CPU_ISSET(nbits - 1, set))
		nbits--;
	int groups = (nbits + 31) / 32;
	pb_puts(b, "Cpus_allowed:\t");
	for (int g = groups - 1; g >= 0; g--) {
		unsigned word = 0;
		for (int i = 0; i < 32 && g * 32 + i < CPU_SETSIZE; i++)
			if (CPU_ISSET(g * 32 + i, set))
				word |= 1u << i;
		if (g == groups - 1)
			pb_printf(b, "%x", word);
		else
			pb_printf(b, ",%08x", word);
	}
	pb_puts(b, "\nCpus_allowed_list:\t");
	bool first = true;
	for (int i = 0; i < CPU_SETSIZE; i++) {
		if (!CPU_ISSET(i, set))
			continue;
		int j = i;
		while (j + 1 < CPU_SETSIZE && CPU_ISSET(j + 1, set))
			j++;
		pb_printf(b, first ? "%d" : ",%d", i);
		if (j > i)
			pb_printf(b, "-%d", j);
		first = false;
		i = j;
	}
	pb_puts(b, "\n");
}

static void put_kb(struct pbuf *b, const char *name, uint64_t bytes)
{
	pb_printf(b, "%s:\t%8llu kB\n", name, (unsigned long long)(bytes >> 10));
}

static int render_status(const struct proc_node *n, struct task *caller, struct pbuf *b)
{
	struct proc_view v;
	struct proc_vmstat vm;
	int err = proc_view_get(n, caller, PV_MM | PV_FILES | PV_FS, &v);
	if (err < 0)
		return err;
	proc_vmstat_get(n, &v, &vm);
	pb_puts(b, "Name:\t");
	/* Escaped as Linux's proc_task_name: a newline or backslash in a name is shown so. */
	for (const char *c = v.comm; *c; c++)
		pb_puts(b, *c == '\n' ? "\\n" : *c == '\\' ? "\\\\" : (char[2]){*c, 0});
	if (v.fs) {
		pthread_mutex_lock(&v.fs->lock);
		mode_t um = v.fs->umask;
		pthread_mutex_unlock(&v.fs->lock);
		pb_printf(b, "\nUmask:\t%04o", (unsigned)um);
	}
	pb_printf(b, "\nState:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n",
		  state_name(v.state), v.tgid, n->tid ? v.tid : v.tgid, v.ppid);
	const struct creds *c = &v.cred;
	pb_printf(b, "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n", c->ruid, c->euid, c->suid,
		  c->fsuid, c->rgid, c->egid, c->sgid, c->fsgid);
	int fdsize = 0;
	if (v.fdt) {
		pthread_mutex_lock(&v.fdt->lock);
		fdsize = v.fdt->cap ? v.fdt->cap : 64;
		pthread_mutex_unlock(&v.fdt->lock);
	}
	pb_printf(b, "FDSize:\t%d\nGroups:\t", fdsize);
	for (int i = 0; i < v.ngroups; i++)
		pb_printf(b, i ? " %u" : "%u", v.groups[i]);
	/* Linux's trailing space, kept for the parsers that expect it. */
	pb_printf(b, " \nNStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", v.tgid,
		  n->tid ? v.tid : v.tgid, v.pgid, v.sid);
	if (v.mm) {
		/* Estimates (see procfs_maps.c): the peak is today's figure. */
		put_kb(b, "VmPeak", vm.size);
		put_kb(b, "VmSize", vm.size);
		put_kb(b, "VmLck", 0);
		put_kb(b, "VmPin", 0);
		put_kb(b, "VmHWM", vm.rss);
		put_kb(b, "VmRSS", vm.rss);
		put_kb(b, "RssAnon", vm.rss - vm.file);
		put_kb(b, "RssFile", vm.file);
		put_kb(b, "RssShmem", 0);
		put_kb(b, "VmData", vm.data);
		put_kb(b, "VmStk", vm.stack);
		put_kb(b, "VmExe", vm.exe);
		put_kb(b, "VmLib", vm.lib);
		put_kb(b, "VmPTE", 0);
		put_kb(b, "VmSwap", 0);
		put_kb(b, "HugetlbPages", 0);
		pb_puts(b, "CoreDumping:\t0\nTHP_enabled:\t1\n");
	}
	pb_printf(b, "Threads:\t%d\nSigQ:\t0/%llu\n", v.zombie ? 0 : v.nr_threads,
		  (unsigned long long)v.rlim[RLIMIT_SIGPENDING].rlim_cur);
	pb_printf(b,
		  "SigPnd:\t%016llx\nShdPnd:\t%016llx\nSigBlk:\t%016llx\nSigIgn:\t%016llx\n"
		  "SigCgt:\t%016llx\n",
		  (unsigned long long)v.pending, 0ULL, (unsigned long long)v.sigmask,
		  (unsigned long long)v.sigign, (unsigned long long)v.sigcgt);
	pb_printf(b,
		  "CapInh:\t%016llx\nCapPrm:\t%016llx\nCapEff:\t%016llx\nCapBnd:\t%016llx\n"
		  "CapAmb:\t%016llx\nNoNewPrivs:\t%d\nSeccomp:\t0\nSeccomp_filters:\t0\n",
		  (unsigned long long)v.cap_inh, (unsigned long long)v.cap_prm,
		  (unsigned long long)v.cap_eff, CAP_BOUNDING, 0ULL, v.no_new_privs);
	put_cpus(b, &n->fs->sb->cpus);
	pb_puts(b, "Mems_allowed:\t00000001\nMems_allowed_list:\t0\n"
		   "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n");
	proc_view_put(&v);
	return 0;
}

/* --- cmdline and environ: guest memory ------------------------------------------------- */

struct guest_range {
	uint64_t lo, hi;
	struct pbuf *b;
	long got;
};

/* Copies [lo, hi) of the task's memory into the buffer, stopping at the first fault. */
static long read_range(struct task *t, void *arg)
{
	struct guest_range *r = arg;
	uint64_t len = r->hi - r->lo;
	struct pbuf *b = r->b;
	if (len > PROC_ARGS_MAX)
		len = PROC_ARGS_MAX;
	size_t start = b->len;
	char *tmp = malloc(len ? len : 1);
	if (!tmp)
		return -ENOMEM;
	long n = t->pl->read(t->th, r->lo, tmp, len);
	if (n > 0)
		pb_write(b, tmp, (size_t)n);
	free(tmp);
	r->got = (long)(b->len - start);
	return 0;
}

static int read_guest(const struct proc_node *n, uint64_t lo, uint64_t hi, struct pbuf *b)
{
	struct guest_range r = {lo, hi, b, 0};
	if (hi <= lo)
		return 0;
	long e = proc_with_thread(n, read_range, &r);
	return e == -ESRCH ? 0 : (int)e; /* a zombie: nothing to show */
}

static int render_cmdline(const struct proc_node *n, struct task *caller, struct pbuf *b)
{
	struct proc_view v;
	int err = proc_view_get(n, caller, PV_MM, &v);
	if (err < 0)
		return err;
	if (!v.mm || v.mm->arg_end <= v.mm->arg_start)
		goto out;
	uint64_t arg_start = v.mm->arg_start, arg_end = v.mm->arg_end;
	uint64_t env_start = v.mm->env_start, env_end = v.mm->env_end;
	/* Linux's get_mm_cmdline: setproctitle() may overwrite the strings past arg_end, into
	 * the environment; a nonzero last argument byte says it did, and then the title is
	 * what lies before the first NUL. */
	if (env_start != arg_end || env_end < env_start)
		env_end = arg_end;
	struct pbuf last = {0};
	err = read_guest(n, arg_end - 1, arg_end, &last);
	bool title = err == 0 && last.len == 1 && last.data[0] != 0;
	free(last.data);
	if (err < 0)
		goto out;
	if (!title) {
		err = read_guest(n, arg_start, arg_end, b);
	} else {
		err = read_guest(n, arg_start, env_end, b);
		if (err == 0 && b->data)
			b->len = strnlen(b->data, b->len);
	}
out:
	proc_view_put(&v);
	return err;
}

static int render_environ(const struct proc_node *n, struct task *caller, struct pbuf *b)
{
	struct proc_view v;
	int err = proc_view_get(n, caller, PV_MM, &v);
	if (err < 0)
		return err;
	if (!proc_may_access(caller, &v))
		err = -EACCES;
	else if (v.mm)
		err = read_guest(n, v.mm->env_start, v.mm->env_end, b);
	proc_view_put(&v);
	return err;
}

/* --- comm, limits, and the fixed answers --------------------------------------------- */

static int render_comm(const struct proc_node *n, struct task *caller, struct pbuf *b)
{
	struct proc_view v;
	int err = proc_view_get(n, caller, 0, &v);
	if (err < 0)
		return err;
	pb_printf(b, "%s\n", v.comm);
	proc_view_put(&v);
	return 0;
}

/* Linux's comm_write: the first 15 bytes as they are, for a thread of the writer's own
 * process only. */
static long write_comm(const struct proc_node *n, struct task *caller, const char *buf, size_t len)
{
	char name[16] = {0};
	memcpy(name, buf, len < sizeof(name) - 1 ? len : sizeof(name) - 1);
	if (!caller || caller->tgid != n->tgid)
		return -EINVAL;
	int err = proc_set_comm(n, name);
	return err < 0 ? err : (long)len;
}

static const struct {
	const char *name, *unit;
} limit_names[RLIM_NLIMITS] = {
    [RLIMIT_CPU] = {"Max cpu time", "seconds"},
    [RLIMIT_FSIZE] = {"Max file size", "bytes"},
    [RLIMIT_DATA] = {"Max data size", "bytes"},
    [RLIMIT_STACK] = {"Max stack size", "bytes"},
    [RLIMIT_CORE] = {"Max core file size", "bytes"},
    [RLIMIT_RSS] = {"Max resident set", "bytes"},
    [RLIMIT_NPROC] = {"Max processes", "processes"},
    [RLIMIT_NOFILE] = {"Max open files", "files"},
    [RLIMIT_MEMLOCK] = {"Max locked memory", "bytes"},
    [RLIMIT_AS] = {"Max address space", "bytes"},
    [RLIMIT_LOCKS] = {"Max file locks", "locks"},
    [RLIMIT_SIGPENDING] = {"Max pending signals", "signals"},
    [RLIMIT_MSGQUEUE] = {"Max msgqueue size", "bytes"},
    [RLIMIT_NICE] = {"Max nice priority", NULL},
    [RLIMIT_RTPRIO] = {"Max realtime priority", NULL},
    [RLIMIT_RTTIME] = {"Max realtime timeout", "us"},
};

static int render_limits(const struct proc_node *n, struct task *caller, struct pbuf *b)
{
	struct proc_view v;
	int err = proc_view_get(n, caller, 0, &v);
	if (err < 0)
		return err;
	pb_printf(b, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
	for (int i = 0; i < RLIM_NLIMITS; i++) {
		const struct rlimit *r = &v.rlim[i];
		if (r->rlim_cur == RLIM_INFINITY)
			pb_printf(b, "%-25s %-20s ", limit_names[i].name, "unlimited");
		else
			pb_printf(b, "%-25s %-20llu ", limit_names[i].name,
				  (unsigned long long)r->rlim_cur);
		if (r->rlim_max == RLIM_INFINITY)
			pb_printf(b, "%-20s ", "unlimited");
		else
			pb_printf(b, "%-20llu ", (unsigned long long)r->rlim_max);
		if (limit_names[i].unit)
			pb_printf(b, "%-10s\n", limit_names[i].unit);
		else
			pb_puts(b, "\n");
	}
	proc_view_put(&v);
	return 0;
}

static int render_fixed(const struct proc_node *n, struct pbuf *b, const char *text)
{
	uid_t uid;
	gid_t gid;
	int err = proc_owner(n, &uid, &gid);
	if (err == 0)
		pb_puts(b, text);
	return err;
}

/* One cgroup v2 hierarchy, and the process at its root (the sandbox has no cgroups). */
static int render_cgroup(const struct proc_node *n, struct task *caller, struct pbuf *b)
{
	return render_fixed(n, b, "0::/\n");
}

/* The OOM killer is the host's; inside the sandbox every process weighs the same. */
static int render_zero(const struct proc_node *n, struct task *caller, struct pbuf *b)
{
	return render_fixed(n, b, "0\n");
}

/* --- cwd, root, exe ------------------------------------------------------------------------ */

enum which_link { LINK_CWD, LINK_ROOT, LINK_EXE };

static long link_of(const struct proc_node *n, struct task *caller, char *buf, size_t cap,
		    enum which_link which)
{
	struct proc_view v;
	struct path p = {0}, root;
	long r = proc_view_get(n, caller, which == LINK_EXE ? PV_MM : PV_FS, &v);
	if (r < 0)
		return r;
	if (!proc_may_access(caller, &v)) {
		r = -EACCES;
		goto out;
	}
	if (which != LINK_EXE && v.fs) {
		pthread_mutex_lock(&v.fs->lock);
		p = which == LINK_CWD ? v.fs->cwd : v.fs->root;
		path_get(&p);
		pthread_mutex_unlock(&v.fs->lock);
	} else if (which == LINK_EXE && v.mm) {
		pthread_mutex_lock(&v.mm->lock);
		if (v.mm->exe_file) {
			p = v.mm->exe_file->path;
			path_get(&p);
		}
		pthread_mutex_unlock(&v.mm->lock);
	}
	if (!p.dentry) {
		r = -ENOENT;
		goto out;
	}
	proc_reader_root(caller, &root);
	char *tmp = malloc(PATH_MAX);
	if (!tmp) {
		r = -ENOMEM;
	} else {
		r = path_to_string(&p, &root, tmp, PATH_MAX);
		if (r > (long)cap)
			r = (long)cap;
		if (r > 0)
			memcpy(buf, tmp, (size_t)r);
		free(tmp);
	}
	path_put(&root);
	path_put(&p);
out:
	proc_view_put(&v);
	return r;
}

static long link_cwd(const struct proc_node *n, struct task *caller, char *buf, size_t cap)
{
	return link_of(n, caller, buf, cap, LINK_CWD);
}

static long link_root(const struct proc_node *n, struct task *caller, char *buf, size_t cap)
{
	return link_of(n, caller, buf, cap, LINK_ROOT);
}

static long link_exe(const struct proc_node *n, struct task *caller, char *buf, size_t cap)
{
	return link_of(n, caller, buf, cap, LINK_EXE);
}

/* --- mounts, mountinfo ------------------------------------------------------------------ */

/* Whether p is root or below it. */
static bool path_under(const struct path *p, const struct path *root)
{
	struct mount *mnt = p->mnt;
	struct dentry *d = p->dentry;
	for (;;) {
		if (mnt == root->mnt && d == root->dentry)
			return true;
		if (d == mnt->root) {
			if (!mnt->parent || !mnt->mountpoint)
				return false;
			d = mnt->mountpoint;
			mnt = mnt->parent;
		} else if (d->parent == d) {
			return false;
		} else {
			d = d->parent;
		}
	}
}

static const char *fstype_of(struct inode *root)
{
	static const struct {
		unsigned long magic;
		const char *name;
	} types[] = {
	    {0x01021994, "tmpfs"},   {PROC_SUPER_MAGIC_K, "proc"},
	    {0x1cd1, "devpts"},	     {0x62656572, "sysfs"},
	    {0x794c7630, "overlay"}, {0x19800202, "mqueue"},
	    {0x63677270, "cgroup2"}, {0xef53, "ext4"},
	    {0x58465342, "xfs"},     {0x9123683e, "btrfs"},
	    {0x01021997, "9p"},
	};
	struct statfs st;
	if (root->ops->statfs && root->ops->statfs(root, &st) == 0)
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if ((unsigned long)st.f_type == types[i].magic)
				return types[i].name;
	return "none";
}

/* A path in a mounts line: space, tab, newline and backslash as octal escapes. */
static void put_escaped(struct pbuf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\')
			pb_printf(b, "\\%03o", (unsigned char)*s);
		else
			pb_write(b, s, 1);
	}
}

struct mount_render {
	struct pbuf *b;
	struct path root; /* the target's root */
	bool info;	  /* mountinfo, else mounts */
	char *path;	  /* PATH_MAX scratch */
};

static void render_one_mount(struct mount_render *r, struct mount *m, int id, int parent_id,
			     const struct path *where)
{
	struct inode *ino = m->root->inode;
	struct stat st = {0};
	if (vfs_getattr(ino, &st) < 0 && ino->dev)
		st.st_dev = ino->dev;
	if (path_to_string(where, &r->root, r->path, PATH_MAX) < 0)
		return;
	bool ro = (m->flags & MS_RDONLY) || ino->readonly_fs;
	const char *type = fstype_of(ino);
	const char *source = strcmp(type, "none") == 0 ? "none" : type;
	char opts[96];
	snprintf(opts, sizeof(opts), "%s%s%s%s%s", ro ? "ro" : "rw",
		 m->flags & MS_NOSUID ? ",nosuid" : "", m->flags & MS_NODEV ? ",nodev" : "",
		 m->flags & MS_NOEXEC ? ",noexec" : "", m->flags & MS_RELATIME ? ",relatime" : "");
	if (r->info) {
		pb_printf(r->b, "%d %d %u:%u / ", id, parent_id, major(st.st_dev),
			  minor(st.st_dev));
		put_escaped(r->b, r->path);
		pb_printf(r->b, " %s - %s %s %s\n", opts, type, source, ro ? "ro" : "rw");
	} else {
		pb_printf(r->b, "%s ", source);
		put_escaped(r->b, r->path);
		pb_printf(r->b, " %s %s 0 0\n", type, opts);
	}
}

static void render_mount_cb(struct mount *m, int id, int parent_id, void *arg)
{
	struct mount_render *r = arg;
	if (m == r->root.mnt || !m->parent || !m->mountpoint)
		return;
	struct path where = {m->parent, m->mountpoint};
	if (!path_under(&where, &r->root))
		return; /* outside the process's root, as Linux hides it */
	render_one_mount(r, m, id, parent_id, &where);
}

static int render_mounts_common(const struct proc_node *n, struct task *caller, struct pbuf *b,
				bool info)
{
	struct proc_view v;
	int err = proc_view_get(n, caller, PV_FS, &v);
	if (err < 0)
		return err;
	if (!v.fs)
		goto out; /* a zombie: Linux shows nothing either */
	struct mount_render r = {.b = b, .info = info, .path = malloc(PATH_MAX)};
	if (!r.path) {
		err = -ENOMEM;
		goto out;
	}
	pthread_mutex_lock(&v.fs->lock);
	r.root = v.fs->root;
	path_get(&r.root);
	pthread_mutex_unlock(&v.fs->lock);
	/* The mount the root is on first, then the others in mount order. */
	struct path top = {r.root.mnt, r.root.mnt->root};
	int rid = mount_list_id(r.root.mnt);
	render_one_mount(&r, r.root.mnt, rid,
			 r.root.mnt->parent ? mount_list_id(r.root.mnt->parent) : rid, &top);
	mount_list_each(render_mount_cb, &r);
	path_put(&r.root);
	free(r.path);
out:
	proc_view_put(&v);
	return err;
}

static int render_mounts(const struct proc_node *n, struct task *caller, struct pbuf *b)
{
	return render_mounts_common(n, caller, b, false);
}

static int render_mountinfo(const struct proc_node *n, struct task *caller, struct pbuf *b)
{
	return render_mounts_common(n, caller, b, true);
}

/* --- the directory ------------------------------------------------------------------------- */

#define REG(nm, md, sl, fn)                                                                        \
	{                                                                                          \
		.name = nm, .kind = PK_FILE, .mode = S_IFREG | (md), .slot = sl, .render = fn      \
	}
#define LNK(nm, sl, fn)                                                                            \
	{                                                                                          \
		.name = nm, .kind = PK_LINK, .mode = S_IFLNK | 0777, .slot = sl, .readlink = fn    \
	}

/* In Linux's order; "task" first so that a thread's directory is the rest of it. */
static const struct proc_entry pid_children[] = {
    {.name = "task", .kind = PK_TASKS, .mode = S_IFDIR | 0555, .slot = 1},
    {.name = "fd", .kind = PK_FDS, .mode = S_IFDIR | 0500, .slot = 2},
    {.name = "fdinfo", .kind = PK_FDINFOS, .mode = S_IFDIR | 0500, .slot = 3},
    REG("environ", 0400, 4, render_environ),
    REG("status", 0444, 5, render_status),
    REG("limits", 0444, 6, render_limits),
    {.name = "comm",
     .kind = PK_FILE,
     .mode = S_IFREG | 0644,
     .slot = 7,
     .render = render_comm,
     .write = write_comm},
    REG("cmdline", 0444, 8, render_cmdline),
    REG("stat", 0444, 9, render_stat),
    REG("statm", 0444, 10, render_statm),
    REG("maps", 0444, 11, proc_render_maps),
    LNK("cwd", 12, link_cwd),
    LNK("root", 13, link_root),
    LNK("exe", 14, link_exe),
    REG("mounts", 0444, 15, render_mounts),
    REG("mountinfo", 0444, 16, render_mountinfo),
    REG("smaps", 0444, 17, proc_render_smaps),
    REG("cgroup", 0444, 18, render_cgroup),
    REG("oom_score", 0444, 19, render_zero),
    REG("oom_score_adj", 0644, 20, render_zero),
};
#define NPID (sizeof(pid_children) / sizeof(pid_children[0]))

const struct proc_entry proc_pid_entry = {.name = "",
					  .kind = PK_DIR,
					  .mode = S_IFDIR | 0555,
					  .children = pid_children,
					  .nchildren = NPID};
const struct proc_entry proc_tid_entry = {.name = "",
					  .kind = PK_DIR,
					  .mode = S_IFDIR | 0555,
					  .children = pid_children + 1,
					  .nchildren = NPID - 1};
