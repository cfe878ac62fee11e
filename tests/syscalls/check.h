/*
 * Tiny check helpers for the syscall compatibility tests.
 *
 * A test prints only deterministic lines (the same on every run, natively and under cvisor),
 * exits 0 when every check passes, and exits 1 at the first failing check after printing
 * "FAIL file:line: what" on stdout (so run-one.sh shows it in its diff) and on stderr.
 *
 *   CHECK(cond)                  silent; fails if cond is false
 *   CHECK_EQ(a, b)               silent; fails if (long long)a != (long long)b, printing both
 *   OK(expr)                     silent; fails if expr == -1, yields its value
 *   EXPECT_OK(label, expr)       prints "label: ok"; fails if expr == -1, yields its value
 *   EXPECT_ERR(label, expr, E)   prints "label: -1 E"; fails unless expr == -1 && errno == E
 *   EXPECT_VAL(label, expr, v)   prints "label: v"; fails unless expr == v
 *   EXPECT_TRUE(label, cond)     prints "label: yes"; fails unless cond
 *
 * Process helpers (for tests that fork):
 *
 *   xfork()                      fflush(stdout), then fork; fails if fork fails
 *   print_wait_status(label, st) prints "label: exited N", "label: killed by SIGNAME" or
 *                                "label: other 0x.." for a wait status already collected
 *   wait_and_print(label, pid)   waitpid(pid) (fails unless it returns pid), then
 *                                print_wait_status
 *
 * Raw syscalls return -1 and set errno through glibc's syscall(), so EXPECT_ERR works for both
 * libc wrappers and syscall(SYS_x, ...). mmap's MAP_FAILED is (void *)-1 and works too.
 */
#ifndef CVISOR_TEST_CHECK_H
#define CVISOR_TEST_CHECK_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static inline const char *errname(int e)
{
	static char bufs[2][32]; /* two, so one message can name two unknown errnos */
	static int which;
	char *buf = bufs[which ^= 1];
	switch (e) {
	case 0:
		return "0";
	case EPERM:
		return "EPERM";
	case ENOENT:
		return "ENOENT";
	case ESRCH:
		return "ESRCH";
	case EINTR:
		return "EINTR";
	case EIO:
		return "EIO";
	case ENXIO:
		return "ENXIO";
	case E2BIG:
		return "E2BIG";
	case ENOEXEC:
		return "ENOEXEC";
	case EBADF:
		return "EBADF";
	case ECHILD:
		return "ECHILD";
	case EAGAIN:
		return "EAGAIN";
	case ENOMEM:
		return "ENOMEM";
	case EACCES:
		return "EACCES";
	case EFAULT:
		return "EFAULT";
	case EBUSY:
		return "EBUSY";
	case EEXIST:
		return "EEXIST";
	case EXDEV:
		return "EXDEV";
	case ENODEV:
		return "ENODEV";
	case ENOTDIR:
		return "ENOTDIR";
	case EISDIR:
		return "EISDIR";
	case EINVAL:
		return "EINVAL";
	case ENFILE:
		return "ENFILE";
	case EMFILE:
		return "EMFILE";
	case ENOTTY:
		return "ENOTTY";
	case ETXTBSY:
		return "ETXTBSY";
	case EFBIG:
		return "EFBIG";
	case ENOSPC:
		return "ENOSPC";
	case ESPIPE:
		return "ESPIPE";
	case EROFS:
		return "EROFS";
	case EMLINK:
		return "EMLINK";
	case EPIPE:
		return "EPIPE";
	case ERANGE:
		return "ERANGE";
	case ENAMETOOLONG:
		return "ENAMETOOLONG";
	case ENOSYS:
		return "ENOSYS";
	case ENOTEMPTY:
		return "ENOTEMPTY";
	case ELOOP:
		return "ELOOP";
	case ENODATA:
		return "ENODATA";
	case EOVERFLOW:
		return "EOVERFLOW";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	case ETIMEDOUT:
		return "ETIMEDOUT";
	case EDEADLK:
		return "EDEADLK";
	case ENOLCK:
		return "ENOLCK";
	case EILSEQ:
		return "EILSEQ";
	case ENOTSOCK:
		return "ENOTSOCK";
	case EDESTADDRREQ:
		return "EDESTADDRREQ";
	case EMSGSIZE:
		return "EMSGSIZE";
	case EPROTOTYPE:
		return "EPROTOTYPE";
	case ENOPROTOOPT:
		return "ENOPROTOOPT";
	case EPROTONOSUPPORT:
		return "EPROTONOSUPPORT";
	case ESOCKTNOSUPPORT:
		return "ESOCKTNOSUPPORT";
	case EAFNOSUPPORT:
		return "EAFNOSUPPORT";
	case EADDRINUSE:
		return "EADDRINUSE";
	case EADDRNOTAVAIL:
		return "EADDRNOTAVAIL";
	case ENETUNREACH:
		return "ENETUNREACH";
	case ECONNABORTED:
		return "ECONNABORTED";
	case ECONNRESET:
		return "ECONNRESET";
	case ENOBUFS:
		return "ENOBUFS";
	case EISCONN:
		return "EISCONN";
	case ENOTCONN:
		return "ENOTCONN";
	case ESHUTDOWN:
		return "ESHUTDOWN";
	case ETOOMANYREFS:
		return "ETOOMANYREFS";
	case ECONNREFUSED:
		return "ECONNREFUSED";
	case EHOSTUNREACH:
		return "EHOSTUNREACH";
	case EALREADY:
		return "EALREADY";
	case EINPROGRESS:
		return "EINPROGRESS";
	case ESTALE:
		return "ESTALE";
	case EDOM:
		return "EDOM";
	case ENOTBLK:
		return "ENOTBLK";
	case ECANCELED:
		return "ECANCELED";
	case EOWNERDEAD:
		return "EOWNERDEAD";
	case ENOTRECOVERABLE:
		return "ENOTRECOVERABLE";
	default:
		snprintf(buf, sizeof(bufs[0]), "errno=%d", e);
		return buf;
	}
}

__attribute__((noreturn, format(printf, 3, 4))) static inline void
check_fail(const char *file, int line, const char *fmt, ...);

static inline void check_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("FAIL %s:%d: %s\n", file, line, msg);
	fflush(stdout);
	fprintf(stderr, "FAIL %s:%d: %s\n", file, line, msg);
	exit(1);
}

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		errno = 0;                                                                         \
		if (!(cond))                                                                       \
			check_fail(__FILE__, __LINE__, "CHECK(%s) (errno %s)", #cond,              \
				   errname(errno));                                                \
	} while (0)

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long _ca = (long long)(a), _cb = (long long)(b);                              \
		if (_ca != _cb)                                                                    \
			check_fail(__FILE__, __LINE__, "CHECK_EQ(%s, %s): %lld != %lld", #a, #b,   \
				   _ca, _cb);                                                      \
	} while (0)

#define OK(expr)                                                                                   \
	({                                                                                         \
		errno = 0;                                                                         \
		long _or = (long)(expr);                                                           \
		if (_or == -1)                                                                     \
			check_fail(__FILE__, __LINE__, "OK(%s): -1 %s", #expr, errname(errno));    \
		_or;                                                                               \
	})

#define EXPECT_OK(label, expr)                                                                     \
	({                                                                                         \
		errno = 0;                                                                         \
		long _er = (long)(expr);                                                           \
		if (_er == -1)                                                                     \
			check_fail(__FILE__, __LINE__, "%s: %s: -1 %s (expected success)", label,  \
				   #expr, errname(errno));                                         \
		printf("%s: ok\n", label);                                                         \
		_er;                                                                               \
	})

#define EXPECT_ERR(label, expr, err)                                                               \
	do {                                                                                       \
		errno = 0;                                                                         \
		long _xr = (long)(expr);                                                           \
		int _xe = errno;                                                                   \
		if (_xr != -1 || _xe != (err))                                                     \
			check_fail(__FILE__, __LINE__, "%s: %s: got %ld %s, expected -1 %s",       \
				   label, #expr, _xr, _xr == -1 ? errname(_xe) : "",               \
				   errname(err));                                                  \
		printf("%s: -1 %s\n", label, errname(_xe));                                        \
	} while (0)

#define EXPECT_VAL(label, expr, val)                                                               \
	do {                                                                                       \
		errno = 0;                                                                         \
		long long _vr = (long long)(expr), _vv = (long long)(val);                         \
		if (_vr != _vv)                                                                    \
			check_fail(__FILE__, __LINE__,                                             \
				   "%s: %s: got %lld (errno %s), expected %lld", label, #expr,     \
				   _vr, errname(errno), _vv);                                      \
		printf("%s: %lld\n", label, _vv);                                                  \
	} while (0)

#define EXPECT_TRUE(label, cond)                                                                   \
	do {                                                                                       \
		errno = 0;                                                                         \
		if (!(cond))                                                                       \
			check_fail(__FILE__, __LINE__, "%s: %s is false (errno %s)", label, #cond, \
				   errname(errno));                                                \
		printf("%s: yes\n", label);                                                        \
	} while (0)

/* Prints the final line; use as `return done();` from main. */
static inline int done(void)
{
	printf("ok\n");
	fflush(stdout);
	return 0;
}

/* fork, flushing stdout first: or the child would print our buffered lines again. */
__attribute__((unused)) static pid_t xfork(void)
{
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid != -1);
	return pid;
}

/* Prints a wait status already collected by waitpid/wait4/...; see the list above. */
__attribute__((unused)) static void print_wait_status(const char *label, int status)
{
	if (WIFEXITED(status))
		printf("%s: exited %d\n", label, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		printf("%s: killed by SIG%s\n", label, sigabbrev_np(WTERMSIG(status)));
	else
		printf("%s: other %#x\n", label, status);
}

/* Waits for the child pid (failing unless waitpid returns it) and prints its status. */
__attribute__((unused)) static void wait_and_print(const char *label, pid_t pid)
{
	int status = 0;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	print_wait_status(label, status);
}

/* An address that is never mapped in a user process: gives EFAULT. */
#define BADPTR ((void *)1)

#endif
