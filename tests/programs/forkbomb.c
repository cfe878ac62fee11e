/*
 * A bounded fork bomb for the sandbox only (never run natively: it forks until fork fails).
 * Children wait on a pipe; the parent forks until fork fails, reports the errno and how
 * many children it made, then releases and reaps them all.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	int p[2], n = 0;
	if (pipe(p) < 0)
		return 2;
	for (;;) {
		pid_t pid = fork();
		if (pid == 0) {
			char c;
			close(p[1]);
			while (read(p[0], &c, 1) < 0 && errno == EINTR)
				;
			_exit(0);
		}
		if (pid < 0) {
			printf("fork failed: %s after %d children\n", strerror(errno), n);
			break;
		}
		if (++n > 100000)
			break;
	}
	close(p[1]);
	while (wait(NULL) > 0)
		;
	printf("all reaped\n");
	return 0;
}
