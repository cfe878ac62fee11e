/* exit_group: the status reaches the parent, and nothing runs after it (an atexit handler
 * that would print is skipped; unflushed stdio output would be lost, so flush first). */
#define _GNU_SOURCE
#include "check.h"

static void never(void)
{
	printf("FAIL: atexit handler ran after exit_group\n");
	fflush(stdout);
}

int main(void)
{
	OK(atexit(never));
	printf("before_exit_group: yes\n");
	done();
	fflush(stdout);
	/* Only the low 8 bits count: 256 is 0. */
	syscall(SYS_exit_group, 256);
	printf("FAIL: exit_group returned\n");
	return 1;
}
