#define _GNU_SOURCE
#include "sentry/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_fd = 2;
static bool log_json;
static enum log_level log_level = LOG_WARN;

int log_open(const char *path, bool json)
{
	log_json = json;
	if (!path)
		return 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	log_fd = fd;
	return 0;
}

void log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level log_get_level(void)
{
	return log_level;
}

bool log_enabled(enum log_level level)
{
	return level <= log_level;
}

static const char *level_name(enum log_level l)
{
	static const char *names[] = {"error", "warning", "info", "debug"};
	return names[l];
}

/* Appends s to out as a JSON string body. */
static size_t json_escape(char *out, size_t cap, const char *s)
{
	size_t n = 0;
	for (; *s && n + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[n++] = '\\';
			out[n++] = (char)c;
		} else if (c < 0x20) {
			n += (size_t)snprintf(out + n, cap - n, "\\u%04x", c);
		} else {
			out[n++] = (char)c;
		}
	}
	out[n] = 0;
	return n;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char msg[1024], line[2300];
	int saved = errno;
	if (!log_enabled(level))
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	int n;
	if (log_json) {
		char esc[2100], ts[64];
		struct timespec now;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &now);
		gmtime_r(&now.tv_sec, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		json_escape(esc, sizeof(esc), msg);
		n = snprintf(line, sizeof(line),
			     "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s.%09ldZ\"}\n",
			     level_name(level), esc, ts, now.tv_nsec);
	} else {
		n = snprintf(line, sizeof(line), "cvisor: %s%s%s\n",
			     level == LOG_ERROR ? "" : level_name(level),
			     level == LOG_ERROR ? "" : ": ", msg);
	}
	if (n > 0) {
		if ((size_t)n >= sizeof(line))
			n = sizeof(line) - 1;
		ssize_t w = write(log_fd, line, (size_t)n);
		(void)w;
	}
	errno = saved;
}
