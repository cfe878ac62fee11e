/*
 * Helpers for the inotify tests: draining an inotify fd without blocking and printing its
 * events in a form that is the same on every run (watch names instead of wd numbers, symbolic
 * masks, "cookie" only as a relation).
 *
 *   wd_name(wd, "label")        names a watch descriptor for the printouts
 *   drain(fd, evs, max)         reads every queued event (the fd must be O_NONBLOCK)
 *   show(label, fd)             drains fd and prints one line per event:
 *                                 "label: WATCH MASK|BITS [name]"
 *   mask_str(mask)              "CREATE|ISDIR", ...
 */
#ifndef CVISOR_TEST_INOTIFY_UTIL_H
#define CVISOR_TEST_INOTIFY_UTIL_H

#include "scratch.h"

#include <sys/inotify.h>

struct ev {
	int wd;
	uint32_t mask, cookie;
	char name[256];
};

static struct {
	int wd;
	const char *name;
} wd_names[32];
static int n_wd_names;

__attribute__((unused)) static void wd_name(int wd, const char *name)
{
	for (int i = 0; i < n_wd_names; i++)
		if (wd_names[i].wd == wd) {
			wd_names[i].name = name;
			return;
		}
	CHECK(n_wd_names < 32);
	wd_names[n_wd_names].wd = wd;
	wd_names[n_wd_names++].name = name;
}

static const char *wd_str(int wd)
{
	static char buf[32];
	for (int i = 0; i < n_wd_names; i++)
		if (wd_names[i].wd == wd)
			return wd_names[i].name;
	snprintf(buf, sizeof(buf), "wd%d", wd);
	return buf;
}

static const char *mask_str(uint32_t m)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} bits[] = {
	    {IN_ACCESS, "ACCESS"},
	    {IN_MODIFY, "MODIFY"},
	    {IN_ATTRIB, "ATTRIB"},
	    {IN_CLOSE_WRITE, "CLOSE_WRITE"},
	    {IN_CLOSE_NOWRITE, "CLOSE_NOWRITE"},
	    {IN_OPEN, "OPEN"},
	    {IN_MOVED_FROM, "MOVED_FROM"},
	    {IN_MOVED_TO, "MOVED_TO"},
	    {IN_CREATE, "CREATE"},
	    {IN_DELETE, "DELETE"},
	    {IN_DELETE_SELF, "DELETE_SELF"},
	    {IN_MOVE_SELF, "MOVE_SELF"},
	    {IN_UNMOUNT, "UNMOUNT"},
	    {IN_Q_OVERFLOW, "Q_OVERFLOW"},
	    {IN_IGNORED, "IGNORED"},
	    {IN_ISDIR, "ISDIR"},
	};
	static char buf[256];
	buf[0] = 0;
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (m & bits[i].bit) {
			if (buf[0])
				strcat(buf, "|");
			strcat(buf, bits[i].name);
			m &= ~bits[i].bit;
		}
	}
	if (m)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s0x%x", buf[0] ? "|" : "",
			 m);
	return buf;
}

/* Reads every queued event of the O_NONBLOCK fd into evs; returns how many. */
__attribute__((unused)) static int drain(int fd, struct ev *evs, int max)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int n = 0;
	for (;;) {
		ssize_t len = read(fd, buf, sizeof(buf));
		if (len < 0) {
			int e = errno; /* CHECK clears errno */
			CHECK(e == EAGAIN);
			return n;
		}
		CHECK(len > 0);
		for (char *p = buf; p < buf + len;) {
			struct inotify_event *e = (struct inotify_event *)p;
			CHECK(n < max);
			evs[n].wd = e->wd;
			evs[n].mask = e->mask;
			evs[n].cookie = e->cookie;
			/* A name is NUL-terminated and padded with NULs to len bytes. */
			CHECK(e->len == 0 || e->len % sizeof(struct inotify_event) == 0);
			CHECK(e->len == 0 || strnlen(e->name, e->len) < e->len);
			snprintf(evs[n].name, sizeof(evs[n].name), "%s", e->len ? e->name : "");
			n++;
			p += sizeof(*e) + e->len;
		}
	}
}

/* Drains fd and prints its events, one per line. Returns the number of events. */
__attribute__((unused)) static int show(const char *label, int fd)
{
	struct ev evs[64];
	int n = drain(fd, evs, 64);
	if (!n)
		printf("%s: (none)\n", label);
	for (int i = 0; i < n; i++) {
		printf("%s: %s %s%s%s\n", label, wd_str(evs[i].wd), mask_str(evs[i].mask),
		       evs[i].name[0] ? " " : "", evs[i].name);
		/* Only moves carry a cookie. */
		CHECK((evs[i].cookie != 0) == !!(evs[i].mask & IN_MOVE));
	}
	return n;
}

#endif
