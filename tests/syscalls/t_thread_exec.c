/* execve from a non-main thread while the main thread sits in pause(): the new program runs
 * with the process's pid and its exit status is the process's; the main thread calling
 * pthread_exit while another thread later ends the process with exit(3). Each case runs in a
 * forked child that the test waits for. */
#define _GNU_SOURCE
#include "check.h"

#include <pthread.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;
static char pidstr[32];
static char *const *exec_argv;

static void *execer(void *arg)
{
	struct timespec ts = {0, 20 * 1000000}; /* let main reach pause() (not required) */
	nanosleep(&ts, NULL);
	execve(exec_argv[0], exec_argv, environ);
	_exit(99);
}
static void exec_case(char *const *argv)
{
	exec_argv = argv;
	pthread_t t;
	if (pthread_create(&t, NULL, execer, NULL) != 0)
		_exit(98);
	for (;;)
		pause();
}
static void *late_exit(void *arg)
{
	struct timespec ts = {0, 30 * 1000000};
	nanosleep(&ts, NULL); /* main has (most likely) pthread_exit'ed by now */
	exit(3);
}

int main(void)
{
	pid_t pid;
	if ((pid = xfork()) == 0) {
		char *const argv[] = {"/bin/echo", "echo from exec in a thread", NULL};
		exec_case(argv);
	}
	wait_and_print("exec_echo_from_thread", pid);

	if ((pid = xfork()) == 0) {
		snprintf(pidstr, sizeof(pidstr), "%d", getpid());
		char *const argv[] = {
		    "/bin/sh",
		    "-c",
		    "if [ $$ = \"$1\" ]; then echo exec_keeps_pid: yes; else exit 5; fi",
		    "sh",
		    pidstr,
		    NULL};
		exec_case(argv);
	}
	wait_and_print("exec_sh_from_thread", pid);

	if ((pid = xfork()) == 0) {
		char *const argv[] = {"/bin/sh", "-c", "exit 7", NULL};
		exec_case(argv);
	}
	wait_and_print("exec_status_from_thread", pid);

	if ((pid = xfork()) == 0) {
		pthread_t t;
		if (pthread_create(&t, NULL, late_exit, NULL) != 0)
			_exit(98);
		pthread_exit(NULL);
	}
	wait_and_print("main_pthread_exit_then_thread_exit_3", pid);

	if ((pid = xfork()) == 0) {
		pthread_t t;
		if (pthread_create(&t, NULL, late_exit, NULL) != 0)
			_exit(98);
		syscall(SYS_exit, 0); /* the raw thread exit from main */
		_exit(97);
	}
	wait_and_print("main_sys_exit_then_thread_exit_3", pid);
	return done();
}
