/*
 * Helpers for the t_pty_* tests (include after check.h).
 *
 * On Linux what is written to a pty's master reaches the slave's line discipline a moment
 * later (a work queue), and echoes come back to the master the same way; under cvisor it is
 * at once. So the tests never look right after a write: they read what they expect with a
 * bound (read_exact), or wait for readiness (ready_within), and check that something does
 * NOT arrive only by giving it time (a poll timeout). Every open is O_NOCTTY unless a test
 * means otherwise: a test's main process may be a session leader (under cvisor it is init).
 */
#ifndef CVISOR_TEST_PTY_HELPERS_H
#define CVISOR_TEST_PTY_HELPERS_H

#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>

/* A new pair: master and slave open O_RDWR|O_NOCTTY; name gets the slave's path. */
__attribute__((unused)) static void open_pair(int *m, int *s, char name[64])
{
	*m = OK(posix_openpt(O_RDWR | O_NOCTTY));
	OK(grantpt(*m));
	OK(unlockpt(*m));
	CHECK(ptsname_r(*m, name, 64) == 0);
	*s = OK(open(name, O_RDWR | O_NOCTTY));
}

/* Whether fd is readable (POLLIN) within ms milliseconds. */
__attribute__((unused)) static bool ready_within(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

/* Reads exactly n bytes (each within 2 s), or fails the test. */
__attribute__((unused)) static void read_exact(int fd, char *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		CHECK(ready_within(fd, 2000));
		ssize_t r = read(fd, buf + got, n - got);
		CHECK(r > 0);
		got += (size_t)r;
	}
}

/* Prints label and the bytes, C-escaped: what the test saw, for the comparison. */
__attribute__((unused)) static void print_bytes(const char *label, const char *b, size_t n)
{
	printf("%s: \"", label);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)b[i];
		if (c == '\n')
			printf("\\n");
		else if (c == '\r')
			printf("\\r");
		else if (c < 32 || c >= 127 || c == '"' || c == '\\')
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	printf("\"\n");
}

/* Reads n bytes from fd and prints them under label. */
__attribute__((unused)) static void expect_read(const char *label, int fd, size_t n)
{
	char buf[512];
	CHECK(n <= sizeof(buf));
	read_exact(fd, buf, n);
	print_bytes(label, buf, n);
}

/* One read(2) after fd became readable: prints what it returned. */
__attribute__((unused)) static void read_once(const char *label, int fd)
{
	char buf[512];
	CHECK(ready_within(fd, 2000));
	ssize_t r = read(fd, buf, sizeof(buf));
	CHECK(r >= 0);
	print_bytes(label, buf, (size_t)r);
}

#endif
