/* Shared futexes between processes: in shared anonymous memory inherited over fork, through
 * a process-shared pthread mutex and condition variable, through a named POSIX semaphore in
 * /dev/shm, and in a file mapped by two processes at different addresses (the key is the
 * file's page, not the address). */
#define _GNU_SOURCE
#include "scratch.h"

#include <linux/futex.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

static long futex(_Atomic uint32_t *w, int op, uint32_t val)
{
	struct timespec ts = {5, 0}; /* a lost wake shows as a 5 s timeout, not a hang */
	return syscall(SYS_futex, w, op, val, op == FUTEX_WAIT ? &ts : NULL, NULL, 0);
}

/* The child sets *state to 1 and sleeps on it until it reads 2; exits 0 when woken. */
static int waiter(_Atomic uint32_t *state)
{
	atomic_store(state, 1);
	futex(state, FUTEX_WAKE, 1);
	while (atomic_load(state) != 2) {
		long r = futex(state, FUTEX_WAIT, 1);
		if (r < 0 && errno == ETIMEDOUT)
			return 3;
	}
	return 0;
}

static void wake_when_waiting(_Atomic uint32_t *state)
{
	while (atomic_load(state) != 1)
		futex(state, FUTEX_WAIT, 0);
	struct timespec d = {0, 20 * 1000 * 1000};
	nanosleep(&d, NULL); /* let the child reach its wait */
	atomic_store(state, 2);
	futex(state, FUTEX_WAKE, 1);
}

static int reap(pid_t pid)
{
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

int main(void)
{
	scratch_enter("futex_shared");
	/* 1. Shared anonymous memory. */
	_Atomic uint32_t *w =
	    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(w != MAP_FAILED);
	pid_t pid = fork();
	if (pid == 0)
		_exit(waiter(w));
	wake_when_waiting(w);
	EXPECT_VAL("anon_shared_woken", reap(pid), 0);

	/* 2. A process-shared mutex and condition variable. */
	struct shared {
		pthread_mutex_t m;
		pthread_cond_t c;
		int ready;
	} *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(sh != MAP_FAILED);
	pthread_mutexattr_t ma;
	pthread_condattr_t ca;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_condattr_init(&ca);
	pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&sh->m, &ma);
	pthread_cond_init(&sh->c, &ca);
	pid = fork();
	if (pid == 0) {
		pthread_mutex_lock(&sh->m);
		while (!sh->ready)
			pthread_cond_wait(&sh->c, &sh->m);
		pthread_mutex_unlock(&sh->m);
		_exit(0);
	}
	struct timespec d = {0, 30 * 1000 * 1000};
	nanosleep(&d, NULL);
	pthread_mutex_lock(&sh->m);
	sh->ready = 1;
	pthread_cond_signal(&sh->c);
	pthread_mutex_unlock(&sh->m);
	EXPECT_VAL("pshared_cond_woken", reap(pid), 0);

	/* 3. A named semaphore (a file in /dev/shm, mapped by each process). */
	char name[64];
	snprintf(name, sizeof(name), "/cvisor-sem-%d", (int)getpid());
	sem_t *s = sem_open(name, O_CREAT | O_EXCL, 0600, 0);
	CHECK(s != SEM_FAILED);
	pid = fork();
	if (pid == 0) {
		sem_t *cs = sem_open(name, 0);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 5;
		_exit(cs != SEM_FAILED && sem_timedwait(cs, &until) == 0 ? 0 : 3);
	}
	nanosleep(&d, NULL);
	OK(sem_post(s));
	EXPECT_VAL("named_semaphore_posted", reap(pid), 0);
	sem_close(s);
	OK(sem_unlink(name));

	/* 4. A file mapped at different addresses in two processes. */
	int fd = (int)OK(open("word", O_RDWR | O_CREAT, 0600));
	OK(ftruncate(fd, 8192));
	_Atomic uint32_t *fw = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(fw != MAP_FAILED);
	pid = fork();
	if (pid == 0) {
		/* Another mapping of the same page, elsewhere: the word is 4096 bytes in. */
		char *other = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096);
		if (other == MAP_FAILED)
			_exit(4);
		_exit(waiter((_Atomic uint32_t *)other));
	}
	wake_when_waiting((_Atomic uint32_t *)((char *)fw + 4096));
	EXPECT_VAL("file_shared_other_address_woken", reap(pid), 0);
	close(fd);
	scratch_leave();
	return done();
}
