/*
 * /proc itself and its global files: self, thread-self, mounts, cpuinfo, meminfo, uptime,
 * loadavg, stat, filesystems, version, and sys/ (kernel, fs, vm).
 *
 * What describes the machine (CPUs, memory, load) is the host's, as it is in a container;
 * cpuinfo and stat show only the CPUs the sandbox runs on. What describes the kernel
 * (version, pids, processes, uptime, hostname) is the sandbox's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "fs/pipe.h"
#include "fs/procfs_internal.h"
#include "sentry/process.h"
#include "sentry/uts.h"

#define HOST_FILE_MAX (4u << 20) /* the most of a host /proc file passed through */

/* --- /proc/self, /proc/thread-self ----------------------------------------------------- */

static long put_link(char *buf, size_t cap, const char *text)
{
	size_t n = strlen(text);
	if (n > cap)
		n = cap;
	memcpy(buf, text, n);
	return (long)n;
}

static long link_self(const struct proc_node *n, struct task *caller, char *buf, size_t cap)
{
	char s[16];
	if (!caller)
		return -ENOENT;
	snprintf(s, sizeof(s), "%d", (int)caller->tgid);
	return put_link(buf, cap, s);
}

static long link_thread_self(const struct proc_node *n, struct task *caller, char *buf, size_t cap)
{
	char s[40];
	if (!caller)
		return -ENOENT;
	snprintf(s, sizeof(s), "%d/task/%d", (int)caller->tgid, (int)caller->tid);
	return put_link(buf, cap, s);
}

static long link_mounts(const struct proc_node *n, struct task *caller, char *buf, size_t cap)
{
	return put_link(buf, cap, "self/mounts");
}

/* --- host files --------------------------------------------------------------------------- */

/* The whole of a host /proc file (bounded), NUL-terminated; NULL if it cannot be read. */
static char *host_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap + 1);
	while (buf) {
		ssize_t r = read(fd, buf + n, cap - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == cap) {
			if (cap >= HOST_FILE_MAX)
				break;
			char *nb = realloc(buf, cap * 2 + 1);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	close(fd);
	if (buf) {
		buf[n] = 0;
		*len = n;
	}
	return buf;
}

/* Whether a CPU is the sandbox's (all are when its set is unknown). */
static bool cpu_shown(const struct procfs *fs, int cpu)
{
	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return false;
	return CPU_COUNT(&fs->sb->cpus) == 0 || CPU_ISSET(cpu, &fs->sb->cpus);
}

static int ncpus(const struct procfs *fs)
{
	int n = CPU_COUNT(&fs->sb->cpus);
	return n > 0 ? n : 1;
}

/* The host's cpuinfo, keeping the paragraphs of the sandbox's CPUs. */
static int render_cpuinfo(const struct proc_node *n, struct task *caller, struct pbuf *b)
{
	size_t len;
	char *text = host_file("/proc/cpuinfo", &len);
	if (!text) {
		pb_puts(b, "processor\t: 0\n\n");
		return 0;
	}
	const char *p = text;
	while (*p) {
		const char *end = strstr(p, "\n\n");
		end = end ? end + 2 : p + strlen(p);
		int cpu = -1;
		bool keep = sscanf(p, "processor : %d", &cpu) != 1 || cpu_shown(n->fs, cpu);
		if (keep)
			pb_write(b, p, (size_t)(end - p));
		p = end;
	}
	free(text);
	return 0;
}

static int render_meminfo(const struct proc_node *n, struct task *caller, struct pbuf *b)
{
	size_t len;
	char *text = host_file("/proc/meminfo", &len);
	if (!text)
		return -EIO;
	pb_write(b, text, len);
	free(text);
	return 0;
}

/* --- the sandbox as a kernel ---------------------------------------------------------------- */

static struct timespec since_boot(const struct procfs *fs)
{
	struct timespec now, d;
	clock_gettime(CLOCK_MONOTONIC, &now);
	d.tv_sec = now.tv_sec - fs->sb->boot_time.tv_sec;
	d.tv_nsec = now.tv_nsec - fs->sb->boot_time.tv_nsec;
	if (d.tv_nsec < 0) {
		d.tv_nsec += 1000000000L;
		d.tv_sec--;
	}
	if (d.tv_sec < 0)
		d.tv_sec = d.tv_nsec = 0;
	return d;
}

static int render_uptime(const struct proc_node *n, struct task *caller, struct pbuf *b)
{
	struct timespec up = since_boot(n->fs);
	/* Idle time: every CPU idle all along, the most it could be. */
	unsigned long long cs =
	    (unsigned long long)up.tv_sec * 100 + (unsigned long long)up.tv_nsec / 10000000;
	unsigned long long idle = cs * (unsigned long long)ncpus(n->fs);
	pb_printf(b, "%llu.%02llu %llu.%02llu\n", cs / 100, cs % 100, idle / 100, idle % 100);
	return 0;
}

/* Tasks of the sandbox, and how many of them are running guest code (not waiting). */
static void count_tasks(struct sandbox *sb, int *total, int *running)
{
	*total = *running = 0;
	pthread_mutex_lock(&sb->lock);
	for (struct process *p = sb->procs; p; p = p->next_all) {
		for (struct task *t = p->threads; t; t = t->next_thread) {
			(*total)++;
			pthread_mutex_lock(&t->sig_lock);
			if (!t->wait_m && !t->in_host_block && !p->stopped)
				(*running)++;
			pthread_mutex_unlock(&t->sig_lock);
		}
	}
	pthread_mutex_unlock(&sb->lock);
}

static int render_loadavg(const struct proc_node *n, struct task *caller, struct pbuf *b)
{
	double load[3] = {0, 0, 0};
	int total, running;
	struct sandbox *sb = n->fs->sb;
	if (getloadavg(load, 3) < 0)
		load[0] = load[1] = load[2] = 0;
	count_tasks(sb, &total, &running);
	pthread_mutex_lock(&sb->lock);
	int last = sb->last_pid;
	pthread_mutex_unlock(&sb->lock);
	pb_printf(b, "%.2f %.2f %.2f %d/%d %d\n", load[0], load[1], load[2], running, total, last);
	return 0;
}

#define NCPUTIMES 10 /* user nice system idle iowait irq softirq steal guest guest_nice */

static int render_stat(const struct proc_node *n, struct task *caller, struct pbuf *b)
{
	unsigned long long total[NCPUTIMES] = {0};
	struct pbuf lines = {0};
	size_t len;
	char *text = host_file("/proc/stat", &len);
	/* The host's times of the sandbox's CPUs, and their sum on the first line. */
	for (const char *p = text; p && *p;) {
		const char *end = strchr(p, '\n');
		end = end ? end + 1 : p + strlen(p);
		unsigned long long v[NCPUTIMES] = {0};
		int cpu;
		if (sscanf(p, "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &cpu,
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8],
			   &v[9]) >= 5 &&
		    cpu_shown(n->fs, cpu)) {
			pb_write(&lines, p, (size_t)(end - p));
			for (int i = 0; i < NCPUTIMES; i++)
				total[i] += v[i];
		}
		p = end;
	}
	free(text);
	pb_puts(b, "cpu ");
	for (int i = 0; i < NCPUTIMES; i++)
		pb_printf(b, " %llu", total[i]);
	pb_puts(b, "\n");
	if (lines.data)
		pb_write(b, lines.data, lines.len);
	free(lines.data);

	struct timespec up = since_boot(n->fs), now;
	clock_gettime(CLOCK_REALTIME, &now);
	int tasks, running;
	struct sandbox *sb = n->fs->sb;
	count_tasks(sb, &tasks, &running);
	pthread_mutex_lock(&sb->lock);
	int last = sb->last_pid;
	pthread_mutex_unlock(&sb->lock);
	pb_printf(b,
		  "intr 0\nctxt 0\nbtime %lld\nprocesses %d\nprocs_running %d\nprocs_blocked 0\n"
		  "softirq 0 0 0 0 0 0 0 0 0 0 0\n",
		  (long long)(now.tv_sec - up.tv_sec), last, running > 0 ? running : 1);
	return 0;
}

static int render_filesystems(const struct proc_node *n, struct task *caller, struct pbuf *b)
{
	pb_puts(b, "nodev\ttmpfs\nnodev\tproc\nnodev\tpipefs\nnodev\toverlay\n");
	return 0;
}

static int render_version(const struct proc_node *n, struct task *caller, struct pbuf *b)
{
	pb_puts(b, "Linux version " CVISOR_UTS_RELEASE
		   " (cvisor@cvisor) (cvisor) " CVISOR_UTS_VERSION "\n");
	return 0;
}

/* --- sys/ ----------------------------------------------------------------------------------- */

static int render_hostname(const struct proc_node *n, struct task *caller, struct pbuf *b)
{
	struct sandbox *sb = n->fs->sb;
	char name[sizeof(sb->hostname)];
	pthread_mutex_lock(&sb->lock);
	memcpy(name, sb->hostname, sizeof(name));
	pthread_mutex_unlock(&sb->lock);
	name[sizeof(name) - 1] = 0;
	pb_printf(b, "%s\n", name);
	return 0;
}

static int render_domainname(const struct proc_node *n, struct task *caller, struct pbuf *b)
{
	struct sandbox *sb = n->fs->sb;
	char name[sizeof(sb->domainname)];
	pthread_mutex_lock(&sb->lock);
	memcpy(name, sb->domainname, sizeof(name));
	pthread_mutex_unlock(&sb->lock);
	name[sizeof(name) - 1] = 0;
	pb_printf(b, "%s\n", name[0] ? name : "(none)");
	return 0;
}

static int render_boot_id(const struct proc_node *n, struct task *caller, struct pbuf *b)
{
	pb_printf(b, "%s\n", n->fs->boot_id);
	return 0;
}

/* A new random UUID at every open, as Linux's. */
static int render_uuid(const struct proc_node *n, struct task *caller, struct pbuf *b)
{
	uint8_t r[16];
	if (getrandom(r, sizeof(r), 0) != sizeof(r))
		return -EIO;
	r[6] = (r[6] & 0x0f) | 0x40;
	r[8] = (r[8] & 0x3f) | 0x80;
	pb_printf(b, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\n", r[0],
		  r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13],
		  r[14], r[15]);
	return 0;
}

/* Fixed values, each a constant of the kernel the guest is shown. */
#define FIXED(fn, text)                                                                            \
	static int fn(const struct proc_node *n, struct task *caller, struct pbuf *b)              \
	{                                                                                          \
		pb_puts(b, text);                                                                  \
		return 0;                                                                          \
	}
FIXED(render_ostype, CVISOR_UTS_SYSNAME "\n")
FIXED(render_osrelease, CVISOR_UTS_RELEASE "\n")
FIXED(render_kversion, CVISOR_UTS_VERSION "\n")
FIXED(render_pid_max, "4194304\n")   /* Linux's on 64-bit; the sandbox's pids stay below */
FIXED(render_ngroups_max, "65536\n") /* NGROUPS_MAX */
FIXED(render_cap_last_cap, "40\n")   /* CAP_CHECKPOINT_RESTORE in 6.6 */
FIXED(render_file_max, "9223372036854775807\n") /* no global limit but RLIMIT_NOFILE */
FIXED(render_nr_open, "1048576\n")
FIXED(render_overcommit, "0\n") /* heuristic: the host's own policy applies */
FIXED(render_max_map_count, "65530\n")

static int render_pipe_max(const struct proc_node *n, struct task *caller, struct pbuf *b)
{
	pb_printf(b, "%d\n", PIPE_MAX_SIZE);
	return 0;
}

#define CTL(nm, sl, fn)                                                                            \
	{                                                                                          \
		.name = nm, .kind = PK_FILE, .mode = S_IFREG | 0444, .slot = sl, .sysctl = true,   \
		.render = fn                                                                       \
	}
#define GLOB(nm, sl, fn)                                                                           \
	{                                                                                          \
		.name = nm, .kind = PK_FILE, .mode = S_IFREG | 0444, .slot = sl, .render = fn      \
	}
#define DIR(nm, sl, table)                                                                         \
	{                                                                                          \
		.name = nm, .kind = PK_DIR, .mode = S_IFDIR | 0555, .slot = sl, .children = table, \
		.nchildren = sizeof(table) / sizeof(table[0])                                      \
	}

static const struct proc_entry random_children[] = {
    CTL("boot_id", 40, render_boot_id),
    CTL("uuid", 41, render_uuid),
};

static const struct proc_entry kernel_children[] = {
    CTL("cap_last_cap", 30, render_cap_last_cap), CTL("domainname", 31, render_domainname),
    CTL("hostname", 32, render_hostname),	  CTL("ngroups_max", 33, render_ngroups_max),
    CTL("osrelease", 34, render_osrelease),	  CTL("ostype", 35, render_ostype),
    CTL("pid_max", 36, render_pid_max),		  DIR("random", 37, random_children),
    CTL("version", 38, render_kversion),
};

static const struct proc_entry fs_children[] = {
    CTL("file-max", 50, render_file_max),
    CTL("nr_open", 51, render_nr_open),
    CTL("pipe-max-size", 52, render_pipe_max),
};

static const struct proc_entry vm_children[] = {
    CTL("max_map_count", 60, render_max_map_count),
    CTL("overcommit_memory", 61, render_overcommit),
};

static const struct proc_entry sys_children[] = {
    DIR("fs", 21, fs_children),
    DIR("kernel", 22, kernel_children),
    DIR("vm", 23, vm_children),
};

static const struct proc_entry root_children[] = {
    GLOB("cpuinfo", 2, render_cpuinfo),
    GLOB("filesystems", 3, render_filesystems),
    GLOB("loadavg", 4, render_loadavg),
    GLOB("meminfo", 5, render_meminfo),
    {.name = "mounts", .kind = PK_LINK, .mode = S_IFLNK | 0777, .slot = 6, .readlink = link_mounts},
    {.name = "self", .kind = PK_LINK, .mode = S_IFLNK | 0777, .slot = 7, .readlink = link_self},
    GLOB("stat", 8, render_stat),
    DIR("sys", 9, sys_children),
    {.name = "thread-self",
     .kind = PK_LINK,
     .mode = S_IFLNK | 0777,
     .slot = 10,
     .readlink = link_thread_self},
    GLOB("uptime", 11, render_uptime),
    GLOB("version", 12, render_version),
};

const struct proc_entry proc_root_entry = {
    .name = "",
    .kind = PK_ROOT,
    .mode = S_IFDIR | 0555,
    .slot = 1,
    .children = root_children,
    .nchildren = sizeof(root_children) / sizeof(root_children[0]),
};
