/* exit (the thread exit syscall) from the only thread ends the process with that status,
 * without running atexit handlers or flushing stdio. */
#define _GNU_SOURCE
#include "check.h"

static void never(void)
{
	printf("FAIL: atexit handler ran after exit\n");
	fflush(stdout);
}

int main(void)
{
	OK(atexit(never));
	printf("before_exit: yes\n");
	done();
	fflush(stdout);
	/* When stdout is not a terminal this stays in stdio's buffer and must vanish with the
	 * process (a terminal is line-buffered, so then it is not printed at all). */
	if (!isatty(1))
		printf("unflushed line that must not appear\n");
	syscall(SYS_exit, 0);
	printf("FAIL: exit returned\n");
	return 1;
}
