/*
 * --strace: one strace-style line per guest syscall on the Sentry's stderr.
 *
 * Input arguments (paths, buffers written by the guest, argv) are decoded at syscall entry,
 * because the syscall may change what they point at (execve replaces the whole address space);
 * output buffers ('B') and the result are decoded at exit. The line is printed whole at exit
 * with one write(2), so lines from several Sentry threads never interleave mid-line.
 *
 * Everything here only reads guest memory for display: a fault shows the address in hex and
 * is never an error.
 */
#define _GNU_SOURCE
#include "sentry/strace.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "sentry/syscalls/table.h"
#include "sentry/task.h"

/* strace's default -s: how much of a string or buffer is shown. */
#define STR_SHOW 32
/* The largest guest string read for display (copy_string_from_guest's max). */
#define STR_READ_MAX 4096
/* argv entries shown before "...". */
#define ARGV_SHOW 8
/* Room for one decoded argument: an escaped string is at most 4 bytes per shown byte, argv is
 * ARGV_SHOW of those; anything longer is cut (the line stays well formed up to the cut). */
#define ARG_TEXT_MAX  (ARGV_SHOW * (STR_SHOW * 4 + 8) + 16)
#define LINE_MAX_TEXT (6 * ARG_TEXT_MAX + 256)

/* ---- a bounded text buffer ------------------------------------------------------------- */

struct text {
	char *p;
	size_t len, cap; /* len < cap always: p stays NUL-terminated */
};

static void text_init(struct text *b, char *p, size_t cap)
{
	b->p = p;
	b->cap = cap;
	b->len = 0;
	p[0] = 0;
}

/* Appends, silently cutting at the buffer's end: a display line is better short than lost. */
__attribute__((format(printf, 2, 3))) static void text_printf(struct text *b, const char *fmt, ...)
{
	size_t room = b->cap - b->len;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b->p + b->len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	b->len += (size_t)n < room ? (size_t)n : room - 1;
}

static void text_puts(struct text *b, const char *s)
{
	text_printf(b, "%s", s);
}

/* ---- value and flag tables -------------------------------------------------------------- */

struct name_entry {
	uint64_t value;
	const char *name;
};

/* clang-format off */
#define N(x) {x, #x}
/* clang-format on */
#define COUNT(table) (sizeof(table) / sizeof((table)[0]))

/* Open flags past the access mode. Values are the x86_64 kernel's (the guest's ABI), written
 * out where glibc's differ: glibc defines O_LARGEFILE as 0 on 64-bit hosts. Composite flags
 * (O_TMPFILE contains O_DIRECTORY, O_SYNC contains O_DSYNC) come before their parts. */
static const struct name_entry open_flags[] = {
    {020200000, "O_TMPFILE"},
    {04010000, "O_SYNC"},
    N(O_CREAT),
    N(O_EXCL),
    N(O_NOCTTY),
    N(O_TRUNC),
    N(O_APPEND),
    N(O_NONBLOCK),
    N(O_DSYNC),
    {020000, "O_ASYNC"},
    N(O_DIRECT),
    {0100000, "O_LARGEFILE"},
    N(O_DIRECTORY),
    N(O_NOFOLLOW),
    N(O_NOATIME),
    N(O_CLOEXEC),
    N(O_PATH),
};

static const char *const open_accmodes[4] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "0x3"};

static const struct name_entry mmap_prots[] = {
    N(PROT_READ),      N(PROT_WRITE),	  N(PROT_EXEC),
    {0x8, "PROT_SEM"}, N(PROT_GROWSDOWN), N(PROT_GROWSUP),
};

/* The low four bits of mmap flags are the map type, the rest are flags. */
#define MAP_TYPE_MASK 0x0f
static const struct name_entry mmap_types[] = {
    N(MAP_SHARED),
    N(MAP_PRIVATE),
    N(MAP_SHARED_VALIDATE),
};

static const struct name_entry mmap_flags[] = {
    N(MAP_FIXED),
    N(MAP_ANONYMOUS),
    N(MAP_32BIT),
    N(MAP_GROWSDOWN),
    N(MAP_DENYWRITE),
    N(MAP_EXECUTABLE),
    N(MAP_LOCKED),
    N(MAP_NORESERVE),
    N(MAP_POPULATE),
    N(MAP_NONBLOCK),
    N(MAP_STACK),
    N(MAP_HUGETLB),
    N(MAP_SYNC),
    {0x100000, "MAP_FIXED_NOREPLACE"},
    {0x4000000, "MAP_UNINITIALIZED"},
};

/* 0x200 is AT_REMOVEDIR for unlinkat and AT_EACCESS for faccessat2: see put_at_flags. */
#define AT_FLAG_0x200 0x200
static const struct name_entry at_flags[] = {
    N(AT_SYMLINK_NOFOLLOW),
    N(AT_SYMLINK_FOLLOW),
    N(AT_NO_AUTOMOUNT),
    N(AT_EMPTY_PATH),
    {0x2000, "AT_STATX_FORCE_SYNC"},
    {0x4000, "AT_STATX_DONT_SYNC"},
    {0x8000, "AT_RECURSIVE"},
};

static const struct name_entry whences[] = {
    N(SEEK_SET), N(SEEK_CUR), N(SEEK_END), N(SEEK_DATA), N(SEEK_HOLE),
};

static const struct name_entry clocks[] = {
    N(CLOCK_REALTIME),		N(CLOCK_MONOTONIC),	N(CLOCK_PROCESS_CPUTIME_ID),
    N(CLOCK_THREAD_CPUTIME_ID), N(CLOCK_MONOTONIC_RAW), N(CLOCK_REALTIME_COARSE),
    N(CLOCK_MONOTONIC_COARSE),	N(CLOCK_BOOTTIME),	N(CLOCK_REALTIME_ALARM),
    N(CLOCK_BOOTTIME_ALARM),	N(CLOCK_TAI),
};

static const struct name_entry signals[] = {
    N(SIGHUP),	N(SIGINT),    N(SIGQUIT), N(SIGILL),  N(SIGTRAP),   N(SIGABRT), N(SIGBUS),
    N(SIGFPE),	N(SIGKILL),   N(SIGUSR1), N(SIGSEGV), N(SIGUSR2),   N(SIGPIPE), N(SIGALRM),
    N(SIGTERM), N(SIGSTKFLT), N(SIGCHLD), N(SIGCONT), N(SIGSTOP),   N(SIGTSTP), N(SIGTTIN),
    N(SIGTTOU), N(SIGURG),    N(SIGXCPU), N(SIGXFSZ), N(SIGVTALRM), N(SIGPROF), N(SIGWINCH),
    N(SIGIO),	N(SIGPWR),    N(SIGSYS),
};

/* The kernel's first real-time signal; glibc's SIGRTMIN is higher (it keeps two for itself). */
#define KERNEL_SIGRTMIN 32
#define KERNEL_SIGRTMAX 64

static const struct name_entry fcntl_cmds[] = {
    N(F_DUPFD),		N(F_GETFD),	 N(F_SETFD),	  N(F_GETFL),	  N(F_SETFL),
    N(F_GETLK),		N(F_SETLK),	 N(F_SETLKW),	  N(F_SETOWN),	  N(F_GETOWN),
    N(F_SETSIG),	N(F_GETSIG),	 N(F_SETOWN_EX),  N(F_GETOWN_EX), N(F_OFD_GETLK),
    N(F_OFD_SETLK),	N(F_OFD_SETLKW), N(F_SETLEASE),	  N(F_GETLEASE),  N(F_NOTIFY),
    N(F_DUPFD_CLOEXEC), N(F_SETPIPE_SZ), N(F_GETPIPE_SZ), N(F_ADD_SEALS), N(F_GET_SEALS),
};

/* From asm/prctl.h, written out because older headers lack some of them. */
static const struct name_entry arch_prctl_codes[] = {
    {0x1001, "ARCH_SET_GS"},	   {0x1002, "ARCH_SET_FS"},	 {0x1003, "ARCH_GET_FS"},
    {0x1004, "ARCH_GET_GS"},	   {0x1011, "ARCH_GET_CPUID"},	 {0x1012, "ARCH_SET_CPUID"},
    {0x2001, "ARCH_MAP_VDSO_X32"}, {0x2002, "ARCH_MAP_VDSO_32"}, {0x2003, "ARCH_MAP_VDSO_64"},
};

static const struct name_entry rlimits[] = {
    N(RLIMIT_CPU),	N(RLIMIT_FSIZE), N(RLIMIT_DATA),   N(RLIMIT_STACK),
    N(RLIMIT_CORE),	N(RLIMIT_RSS),	 N(RLIMIT_NPROC),  N(RLIMIT_NOFILE),
    N(RLIMIT_MEMLOCK),	N(RLIMIT_AS),	 N(RLIMIT_LOCKS),  N(RLIMIT_SIGPENDING),
    N(RLIMIT_MSGQUEUE), N(RLIMIT_NICE),	 N(RLIMIT_RTPRIO), N(RLIMIT_RTTIME),
};

/* ioctl requests are 32 bits wide in the kernel; the guest's upper half is ignored. */
static const struct name_entry ioctl_reqs[] = {
    N(TCGETS),	   N(TCSETS),	  N(TCSETSW),	  N(TCSETSF),	 N(TCGETA),   N(TCSETA),
    N(TCSETAW),	   N(TCSETAF),	  N(TCSBRK),	  N(TCXONC),	 N(TCFLSH),   N(TIOCEXCL),
    N(TIOCNXCL),   N(TIOCSCTTY),  N(TIOCGPGRP),	  N(TIOCSPGRP),	 N(TIOCOUTQ), N(TIOCSTI),
    N(TIOCGWINSZ), N(TIOCSWINSZ), N(TIOCMGET),	  N(TIOCMSET),	 N(FIONREAD), N(TIOCLINUX),
    N(TIOCNOTTY),  N(TIOCGSID),	  N(TIOCGPTN),	  N(TIOCSPTLCK), N(FIONBIO),  N(FIONCLEX),
    N(FIOCLEX),	   N(FIOASYNC),	  N(TIOCGPTPEER),
};

/* Kernel-internal restart codes a handler may return; libc has no names for them. */
static const struct {
	int value;
	const char *name, *desc;
} internal_errnos[] = {
    {512, "ERESTARTSYS", "To be restarted if SA_RESTART is set"},
    {513, "ERESTARTNOINTR", "To be restarted"},
    {514, "ERESTARTNOHAND", "To be restarted if no handler"},
    {515, "ENOIOCTLCMD", "No ioctl command"},
    {516, "ERESTART_RESTARTBLOCK", "Interrupted by signal"},
};

static const struct name_entry *find_name(const struct name_entry *tab, size_t n, uint64_t v)
{
	for (size_t i = 0; i < n; i++)
		if (tab[i].value == v)
			return &tab[i];
	return NULL;
}

/* A value from a table by name, or the fallback format when the table has no name for it. */
static void put_enum(struct text *b, const struct name_entry *tab, size_t n, uint64_t v,
		     bool hex_fallback)
{
	const struct name_entry *e = find_name(tab, n, v);
	if (e)
		text_puts(b, e->name);
	else if (hex_fallback)
		text_printf(b, "%#llx", (unsigned long long)v);
	else
		text_printf(b, "%lld", (long long)v);
}

/* Flags as NAME|NAME|0xleftover. `prefixed` says something (an access mode, a map type) is
 * already printed, so every flag needs a '|' and an empty set prints nothing more. */
static void put_flags(struct text *b, const struct name_entry *tab, size_t n, uint64_t v,
		      bool prefixed)
{
	bool any = prefixed;
	for (size_t i = 0; i < n; i++) {
		if (tab[i].value == 0 || (v & tab[i].value) != tab[i].value)
			continue;
		text_printf(b, "%s%s", any ? "|" : "", tab[i].name);
		v &= ~tab[i].value;
		any = true;
	}
	if (v)
		text_printf(b, "%s%#llx", any ? "|" : "", (unsigned long long)v);
	else if (!any)
		text_puts(b, "0");
}

/* ---- guest memory ----------------------------------------------------------------------- */

static void put_pointer(struct text *b, uint64_t v)
{
	if (v == 0)
		text_puts(b, "NULL");
	else
		text_printf(b, "%#llx", (unsigned long long)v);
}

/* "bytes" with C escapes, as strace prints them. Octal escapes are always three digits so a
 * following digit can never be read as part of one. */
static void put_escaped(struct text *b, const unsigned char *s, size_t len, bool more)
{
	static const char esc_from[] = "\n\t\r\v\f\a\b\\\"";
	static const char esc_to[] = "ntrvfab\\\"";
	text_puts(b, "\"");
	for (size_t i = 0; i < len; i++) {
		const char *e = s[i] ? strchr(esc_from, s[i]) : NULL;
		if (e)
			text_printf(b, "\\%c", esc_to[e - esc_from]);
		else if (s[i] >= 0x20 && s[i] < 0x7f)
			text_printf(b, "%c", s[i]);
		else
			text_printf(b, "\\%03o", s[i]);
	}
	text_puts(b, more ? "\"..." : "\"");
}

static void put_string(struct text *b, struct task *t, uint64_t addr)
{
	char buf[STR_READ_MAX];
	if (addr == 0) {
		text_puts(b, "NULL");
		return;
	}
	long n = copy_string_from_guest(t, buf, addr, sizeof(buf));
	if (n == -ENAMETOOLONG) {
		n = (long)sizeof(buf) - 1; /* longer than we read: shown cut anyway */
	} else if (n < 0) {
		put_pointer(b, addr);
		return;
	}
	size_t shown = (size_t)n < STR_SHOW ? (size_t)n : STR_SHOW;
	put_escaped(b, (const unsigned char *)buf, shown, (size_t)n > shown);
}

static void put_buffer(struct text *b, struct task *t, uint64_t addr, uint64_t len)
{
	unsigned char buf[STR_SHOW];
	size_t shown = len < STR_SHOW ? (size_t)len : STR_SHOW;
	if (addr == 0 || copy_from_guest(t, buf, addr, shown) < 0) {
		put_pointer(b, addr);
		return;
	}
	put_escaped(b, buf, shown, len > shown);
}

static void put_argv(struct text *b, struct task *t, uint64_t addr)
{
	if (addr == 0) {
		text_puts(b, "NULL");
		return;
	}
	text_puts(b, "[");
	for (int i = 0;; i++) {
		uint64_t p;
		if (copy_from_guest(t, &p, addr + (uint64_t)i * sizeof(p), sizeof(p)) < 0) {
			/* Unreadable array: say so rather than invent an end. */
			text_printf(b, "%s%#llx", i ? ", " : "",
				    (unsigned long long)(addr + (uint64_t)i * sizeof(p)));
			break;
		}
		if (p == 0)
			break;
		if (i == ARGV_SHOW) {
			text_puts(b, ", ...");
			break;
		}
		if (i)
			text_puts(b, ", ");
		put_string(b, t, p);
	}
	text_puts(b, "]");
}

/* ---- arguments -------------------------------------------------------------------------- */

static void put_at_flags(struct text *b, long nr, uint64_t v)
{
	bool any = false;
	if (v & AT_FLAG_0x200) {
		text_puts(b, nr == SYS_faccessat2 ? "AT_EACCESS" : "AT_REMOVEDIR");
		v &= ~(uint64_t)AT_FLAG_0x200;
		any = true;
	}
	put_flags(b, at_flags, COUNT(at_flags), v, any);
}

static void put_signal(struct text *b, uint64_t v)
{
	int sig = (int)v;
	if (sig == KERNEL_SIGRTMIN)
		text_puts(b, "SIGRTMIN");
	else if (sig > KERNEL_SIGRTMIN && sig <= KERNEL_SIGRTMAX)
		text_printf(b, "SIGRT_%d", sig - KERNEL_SIGRTMIN);
	else
		put_enum(b, signals, COUNT(signals), (uint64_t)(int64_t)sig, false);
}

/* One argument in format c. i is its index, for 'b' (whose length is the next argument). */
static void put_arg(struct text *b, struct task *t, long nr, char c, const uint64_t a[6], int i,
		    long ret)
{
	uint64_t v = a[i];
	switch (c) {
	case 'd':
		text_printf(b, "%d", (int)v);
		break;
	case 'D':
		text_printf(b, "%lld", (long long)v);
		break;
	case 'u':
		text_printf(b, "%llu", (unsigned long long)v);
		break;
	case 'x':
		text_printf(b, "%#llx", (unsigned long long)v);
		break;
	case 'p':
		put_pointer(b, v);
		break;
	case 'f':
		if ((int)v == AT_FDCWD)
			text_puts(b, "AT_FDCWD");
		else
			text_printf(b, "%d", (int)v);
		break;
	case 's':
		put_string(b, t, v);
		break;
	case 'b':
		if (i + 1 < 6)
			put_buffer(b, t, v, a[i + 1]);
		else
			put_pointer(b, v);
		break;
	case 'B':
		/* Nothing was written on failure: the address is all there is to show. */
		if (ret >= 0)
			put_buffer(b, t, v, (uint64_t)ret);
		else
			put_pointer(b, v);
		break;
	case 'o':
		text_puts(b, open_accmodes[v & O_ACCMODE]);
		put_flags(b, open_flags, COUNT(open_flags), v & ~(uint64_t)O_ACCMODE, true);
		break;
	case 'm':
		text_printf(b, "%#03llo", (unsigned long long)v);
		break;
	case 'P':
		if (v == 0)
			text_puts(b, "PROT_NONE");
		else
			put_flags(b, mmap_prots, COUNT(mmap_prots), v, false);
		break;
	case 'M':
		put_enum(b, mmap_types, COUNT(mmap_types), v & MAP_TYPE_MASK, true);
		put_flags(b, mmap_flags, COUNT(mmap_flags), v & ~(uint64_t)MAP_TYPE_MASK, true);
		break;
	case 'a':
		put_at_flags(b, nr, v);
		break;
	case 'w':
		put_enum(b, whences, COUNT(whences), (uint32_t)v, false);
		break;
	case 'c':
		put_enum(b, clocks, COUNT(clocks), (uint64_t)(int64_t)(int)v, false);
		break;
	case 'S':
		put_signal(b, v);
		break;
	case 'i':
		put_enum(b, ioctl_reqs, COUNT(ioctl_reqs), (uint32_t)v, true);
		break;
	case 'F':
		put_enum(b, fcntl_cmds, COUNT(fcntl_cmds), (uint64_t)(int64_t)(int)v, false);
		break;
	case 'A':
		put_enum(b, arch_prctl_codes, COUNT(arch_prctl_codes), (uint32_t)v, true);
		break;
	case 'R':
		put_enum(b, rlimits, COUNT(rlimits), (uint32_t)v, false);
		break;
	case 'v':
		put_argv(b, t, v);
		break;
	default:
		/* A character strace.h does not document: still show the raw value. */
		text_printf(b, "%#llx", (unsigned long long)v);
		break;
	}
}

/* ---- entry/exit ------------------------------------------------------------------------- */

/* What strace_enter decoded, for strace_exit on the same Sentry thread: dispatch calls the
 * two back to back from the thread that drives the task, so thread-local state pairs them. */
struct pending {
	bool valid;
	const struct task *t;
	pid_t tid;
	long nr;
	char args[6][ARG_TEXT_MAX]; /* output ('B') arguments are left empty until exit */
};

static __thread struct pending pending;

static const char *arg_format(const struct syscall_entry *e)
{
	/* Unknown numbers show all six registers in hex. */
	return e ? e->args : "xxxxxx";
}

static bool is_output(char c)
{
	return c == 'B';
}

/* A mode right after open flags is shown only when the flags make the kernel read it
 * (O_CREAT, O_TMPFILE), as strace does: otherwise it is whatever was left in the register. */
#define OPEN_FLAGS_TAKING_MODE (O_CREAT | 020000000)
static bool arg_shown(const char *fmt, int i, const uint64_t a[6])
{
	if (fmt[i] == 'm' && i > 0 && fmt[i - 1] == 'o')
		return (a[i - 1] & OPEN_FLAGS_TAKING_MODE) != 0;
	return true;
}

void strace_enter(struct task *t, long nr, const uint64_t a[6])
{
	const char *fmt = arg_format(syscall_lookup(nr));
	pending.valid = true;
	pending.t = t;
	pending.tid = t->tid;
	pending.nr = nr;
	for (int i = 0; i < 6 && fmt[i]; i++) {
		struct text b;
		text_init(&b, pending.args[i], sizeof(pending.args[i]));
		if (!is_output(fmt[i]))
			put_arg(&b, t, nr, fmt[i], a, i, 0);
	}
}

static bool returns_pointer(long nr)
{
	return nr == SYS_mmap || nr == SYS_mremap || nr == SYS_brk || nr == SYS_shmat;
}

static void put_result(struct text *b, long nr, long ret)
{
	if (nr == SYS_exit || nr == SYS_exit_group) {
		/* The task is gone: there is no value the guest will ever see. */
		text_puts(b, " = ?");
		return;
	}
	if (ret >= -4095 && ret <= -1) {
		int err = (int)-ret;
		const char *name = strerrorname_np(err);
		const char *desc = strerrordesc_np(err);
		for (size_t i = 0; i < COUNT(internal_errnos); i++) {
			if (internal_errnos[i].value == err) {
				name = internal_errnos[i].name;
				desc = internal_errnos[i].desc;
			}
		}
		if (name)
			text_printf(b, " = -1 %s (%s)", name, desc ? desc : "Unknown error");
		else
			text_printf(b, " = -1 E%d (Unknown error %d)", err, err);
		return;
	}
	if (returns_pointer(nr))
		text_printf(b, " = %#lx", (unsigned long)ret);
	else if (nr == SYS_umask)
		text_printf(b, " = %#03lo",
			    (unsigned long)ret); /* the old mask, octal like its arg */
	else
		text_printf(b, " = %ld", ret);
}

void strace_exit(struct task *t, long nr, const uint64_t a[6], long ret)
{
	static __thread char line[LINE_MAX_TEXT];
	const struct syscall_entry *e = syscall_lookup(nr);
	const char *fmt = arg_format(e);
	/* Input arguments come from entry; without a matching entry they are decoded now, which
	 * is right for everything but an address space the syscall replaced. */
	bool have_entry =
	    pending.valid && pending.t == t && pending.tid == t->tid && pending.nr == nr;
	pending.valid = false;

	/* A handler that set the registers itself (execve, rt_sigreturn) left its result there. */
	if (ret == SYSCALL_REGS_SET)
		ret = (long)t->regs.rax;

	struct text b;
	text_init(&b, line, sizeof(line) - 1); /* keeps room for the final newline */
	text_printf(&b, "[pid %d] ", (int)t->tid);
	if (e)
		text_puts(&b, e->name);
	else
		text_printf(&b, "syscall_%ld", nr);
	text_puts(&b, "(");
	for (int i = 0; i < 6 && fmt[i]; i++) {
		if (!arg_shown(fmt, i, a))
			continue;
		if (i)
			text_puts(&b, ", ");
		if (have_entry && !is_output(fmt[i]))
			text_puts(&b, pending.args[i]);
		else
			put_arg(&b, t, nr, fmt[i], a, i, ret);
	}
	text_puts(&b, ")");
	put_result(&b, nr, ret);
	line[b.len++] = '\n';

	/* One write per line; a line that cannot be written is dropped, never retried in parts
	 * (parts could interleave with another thread's line). */
	ssize_t w;
	do {
		w = write(STDERR_FILENO, line, b.len);
	} while (w < 0 && errno == EINTR);
}
