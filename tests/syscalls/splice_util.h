/*
 * Helpers for the tests of the splice family (t_sendfile, t_splice, t_tee, t_vmsplice,
 * t_copy_file_range): a patterned file, pipe fill counts, and an interrupting timer.
 *
 *   pattern(i)            the byte at offset i of a patterned file
 *   make_pattern(p, n)    creates file p with n patterned bytes
 *   is_pattern(b, n, at)  whether b holds the n patterned bytes from offset at
 *   set_nonblock(fd, on)  sets or clears O_NONBLOCK
 *   room_bytes(fd)        how many 1-byte writes fit in the pipe now (it is left full)
 *   drain(fd)             reads everything buffered, returns the count (never waits)
 *   buffered(fd)          FIONREAD
 *   interrupt_soon(r)     SIGALRM in 300 ms (room for a loaded machine to reach the wait
 *                         first) to a counting handler, SA_RESTART if r
 *   watchdog()            SIGALRM in 60 s fails the test (a call that should not wait did)
 */
#ifndef CVISOR_TEST_SPLICE_UTIL_H
#define CVISOR_TEST_SPLICE_UTIL_H

#include "scratch.h"

#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/time.h>

__attribute__((unused)) static char pattern(long i)
{
	return (char)('a' + i % 23);
}

__attribute__((unused)) static void make_pattern(const char *path, long n)
{
	static char buf[65536];
	int fd = OK(open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644));
	for (long done = 0; done < n;) {
		long k = n - done < (long)sizeof(buf) ? n - done : (long)sizeof(buf);
		for (long i = 0; i < k; i++)
			buf[i] = pattern(done + i);
		CHECK_EQ(write(fd, buf, (size_t)k), k);
		done += k;
	}
	OK(close(fd));
}

__attribute__((unused)) static bool is_pattern(const char *b, long n, long at)
{
	for (long i = 0; i < n; i++)
		if (b[i] != pattern(at + i))
			return false;
	return true;
}

__attribute__((unused)) static void set_nonblock(int fd, bool on)
{
	int fl = OK(fcntl(fd, F_GETFL));
	OK(fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK));
}

__attribute__((unused)) static long room_bytes(int fd)
{
	int fl = OK(fcntl(fd, F_GETFL));
	OK(fcntl(fd, F_SETFL, fl | O_NONBLOCK));
	long n = 0;
	while (write(fd, "x", 1) == 1)
		n++;
	int e = errno;
	CHECK(e == EAGAIN);
	OK(fcntl(fd, F_SETFL, fl));
	return n;
}

__attribute__((unused)) static long drain(int fd)
{
	static char buf[65536];
	int fl = OK(fcntl(fd, F_GETFL));
	OK(fcntl(fd, F_SETFL, fl | O_NONBLOCK));
	long n, total = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	OK(fcntl(fd, F_SETFL, fl));
	return total;
}

__attribute__((unused)) static int buffered(int fd)
{
	int n = -1;
	OK(ioctl(fd, FIONREAD, &n));
	return n;
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

__attribute__((unused)) static void interrupt_soon(bool restart)
{
	struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = restart ? SA_RESTART : 0};
	OK(sigaction(SIGALRM, &sa, NULL));
	struct itimerval it = {.it_value = {0, 300000}};
	OK(setitimer(ITIMER_REAL, &it, NULL));
}

static void on_watchdog(int sig)
{
	(void)sig;
	static const char msg[] = "FAIL: watchdog: a call waited for 60 s\n";
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

__attribute__((unused)) static void watchdog(void)
{
	struct sigaction sa = {.sa_handler = on_watchdog};
	OK(sigaction(SIGALRM, &sa, NULL));
	struct itimerval it = {.it_value = {60, 0}};
	OK(setitimer(ITIMER_REAL, &it, NULL));
}

#endif
