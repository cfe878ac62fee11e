/* Signals and threads: pthread_kill runs the handler in the target thread, a process-directed
 * signal goes to the only thread not blocking it, sigwait in a dedicated thread, a SIGSEGV
 * handler in a thread that fixes the fault with mprotect. */
#define _GNU_SOURCE
#include "check.h"

#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <time.h>

static atomic_int handler_tid, handler_code, segv_tid, segv_addr_ok;
static sem_t ready, finish;
static char *page;

static void h_usr(int sig, siginfo_t *si, void *uc)
{
	atomic_store(&handler_code, si->si_code);
	atomic_store(&handler_tid, gettid());
}
static void h_segv(int sig, siginfo_t *si, void *uc)
{
	atomic_store(&segv_addr_ok, si->si_addr == page);
	atomic_store(&segv_tid, gettid());
	mprotect(page, 4096, PROT_READ | PROT_WRITE);
}
static void xsem_wait(sem_t *s)
{
	while (sem_wait(s) == -1)
		CHECK(errno == EINTR);
}
static void seti(int sig, void (*h)(int, siginfo_t *, void *))
{
	struct sigaction sa = {.sa_sigaction = h, .sa_flags = SA_SIGINFO | SA_RESTART};
	sigemptyset(&sa.sa_mask);
	OK(sigaction(sig, &sa, NULL));
}
/* Waits up to 10 s for the handler to have run. */
static void wait_handler(void)
{
	struct timespec ms = {0, 1000000};
	for (int i = 0; i < 10000 && !atomic_load(&handler_tid); i++)
		nanosleep(&ms, NULL);
}

/* Records its tid in *arg, optionally unblocks SIGUSR2, then waits on `finish`. */
struct targ {
	atomic_int tid;
	int unblock;
};
static void *sleeper(void *arg)
{
	struct targ *t = arg;
	if (t->unblock) {
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, SIGUSR2);
		OK(pthread_sigmask(SIG_UNBLOCK, &s, NULL));
	}
	atomic_store(&t->tid, gettid());
	sem_post(&ready);
	xsem_wait(&finish);
	return NULL;
}
static void *waiter(void *arg)
{
	sigset_t s;
	siginfo_t si;
	struct timespec limit = {10, 0}; /* fail rather than hang if the signal never comes */
	sigemptyset(&s);
	sigaddset(&s, SIGHUP);
	sem_post(&ready);
	int sig = OK(sigtimedwait(&s, &si, &limit));
	CHECK_EQ(si.si_code, SI_USER);
	return (void *)(long)sig;
}
static void *faulter(void *arg)
{
	*(volatile int *)page = 9; /* faults; the handler makes the page writable; retried */
	return (void *)(long)(*(volatile int *)page == 9 && atomic_load(&segv_tid) == gettid());
}

int main(void)
{
	sigset_t none, blk;
	sigemptyset(&none);
	OK(sigprocmask(SIG_SETMASK, &none, NULL));
	OK(sem_init(&ready, 0, 0));
	OK(sem_init(&finish, 0, 0));
	seti(SIGUSR1, h_usr);
	seti(SIGUSR2, h_usr);

	/* 1. pthread_kill and raw tgkill reach the named thread. */
	struct targ a = {0, 0};
	pthread_t ta;
	CHECK_EQ(pthread_create(&ta, NULL, sleeper, &a), 0);
	xsem_wait(&ready);
	CHECK_EQ(pthread_kill(ta, SIGUSR1), 0);
	wait_handler();
	EXPECT_TRUE("pthread_kill_handler_in_target", atomic_load(&handler_tid) == atomic_load(&a.tid));
	EXPECT_TRUE("pthread_kill_si_code_si_tkill", atomic_load(&handler_code) == SI_TKILL);
	atomic_store(&handler_tid, 0);
	OK(syscall(SYS_tgkill, getpid(), atomic_load(&a.tid), SIGUSR1));
	wait_handler();
	EXPECT_TRUE("tgkill_handler_in_target", atomic_load(&handler_tid) == atomic_load(&a.tid));
	EXPECT_ERR("tgkill_wrong_tgid", syscall(SYS_tgkill, getpid() + 100000, a.tid, SIGUSR1),
		   ESRCH);
	sem_post(&finish);
	CHECK_EQ(pthread_join(ta, NULL), 0);

	/* 2. SIGUSR2 is blocked in every thread but one: kill() goes to that one. */
	sigemptyset(&blk);
	sigaddset(&blk, SIGUSR2);
	sigaddset(&blk, SIGHUP);
	OK(sigprocmask(SIG_BLOCK, &blk, NULL));
	struct targ t[4] = {{0, 0}, {0, 0}, {0, 1}, {0, 0}};
	pthread_t tt[4];
	for (int i = 0; i < 4; i++)
		CHECK_EQ(pthread_create(&tt[i], NULL, sleeper, &t[i]), 0);
	for (int i = 0; i < 4; i++)
		xsem_wait(&ready);
	atomic_store(&handler_tid, 0);
	OK(kill(getpid(), SIGUSR2));
	wait_handler();
	EXPECT_TRUE("kill_goes_to_unblocked_thread", atomic_load(&handler_tid) == atomic_load(&t[2].tid));
	EXPECT_TRUE("kill_si_code_si_user", atomic_load(&handler_code) == SI_USER);
	for (int i = 0; i < 4; i++)
		sem_post(&finish);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(pthread_join(tt[i], NULL), 0);

	/* 3. sigwait in a dedicated thread (SIGHUP is blocked everywhere). */
	pthread_t tw;
	void *ret;
	CHECK_EQ(pthread_create(&tw, NULL, waiter, NULL), 0);
	xsem_wait(&ready);
	OK(kill(getpid(), SIGHUP));
	CHECK_EQ(pthread_join(tw, &ret), 0);
	printf("sigwait_thread_got: SIG%s\n", sigabbrev_np((int)(long)ret));
	OK(sigprocmask(SIG_SETMASK, &none, NULL));

	/* 4. SIGSEGV in a thread is handled in that thread. */
	page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(page != MAP_FAILED);
	seti(SIGSEGV, h_segv);
	pthread_t tf;
	CHECK_EQ(pthread_create(&tf, NULL, faulter, NULL), 0);
	CHECK_EQ(pthread_join(tf, &ret), 0);
	EXPECT_TRUE("segv_handled_in_faulting_thread", ret == (void *)1L);
	EXPECT_TRUE("segv_si_addr_is_page", atomic_load(&segv_addr_ok));
	EXPECT_TRUE("segv_not_in_main", atomic_load(&segv_tid) != gettid());
	return done();
}
