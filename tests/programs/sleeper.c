/* Forks a few children that, like their parent, sleep for a long time: the process tree a
 * test kills cvisor under to check that no stub survives it. */
#include <unistd.h>

int main(void)
{
	for (int i = 0; i < 3; i++)
		if (fork() == 0)
			break;
	sleep(600);
	return 0;
}
