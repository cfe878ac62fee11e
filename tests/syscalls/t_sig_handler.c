/* Signal handlers: delivery on raise/kill to self, SA_SIGINFO contents, deferral while
 * blocked, SA_RESETHAND, SA_NODEFER, sa_mask during the handler, sigaltstack with SA_ONSTACK,
 * a SIGSEGV handler that fixes the fault and resumes, SIGFPE left with siglongjmp. */
#define _GNU_SOURCE
#include "check.h"

#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>

static volatile sig_atomic_t count, depth, max_depth, global_val, in_mask_usr1, in_mask_usr2;
static volatile sig_atomic_t on_alt, ss_onstack, segv_addr_ok, segv_code, fpe_code;
static siginfo_t got;
static char events[16];
static volatile int nev;
static char *alt, *page;
static size_t altsz = 65536;
static sigjmp_buf env;

static void ev(char c)
{
	events[nev++] = c;
	events[nev] = 0;
}
static void h_count(int sig)
{
	count++;
	global_val = 42;
}
static void h_info(int sig, siginfo_t *si, void *uc)
{
	got = *si;
}
static void h_log(int sig)
{
	ev(sig == SIGUSR1 ? 'h' : '2');
}
static void h_nested(int sig)
{
	if (++depth > max_depth)
		max_depth = depth;
	if (++count < 3)
		raise(SIGUSR1);
	depth--;
}
static void h_mask(int sig)
{
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	in_mask_usr1 = sigismember(&cur, SIGUSR1);
	in_mask_usr2 = sigismember(&cur, SIGUSR2);
	ev('1');
	raise(SIGUSR2); /* blocked by sa_mask: runs after we return */
	ev('r');
}
static void h_alt(int sig)
{
	char local;
	stack_t cur;
	on_alt = &local >= alt && &local < alt + altsz;
	sigaltstack(NULL, &cur);
	ss_onstack = (cur.ss_flags & SS_ONSTACK) != 0;
}
static void h_segv(int sig, siginfo_t *si, void *uc)
{
	segv_addr_ok = si->si_addr == page;
	segv_code = si->si_code;
	mprotect(page, 4096, PROT_READ | PROT_WRITE);
}
static void h_fpe(int sig, siginfo_t *si, void *uc)
{
	fpe_code = si->si_code;
	siglongjmp(env, 1);
}

static void set(int sig, void (*h)(int), int flags, int masksig)
{
	struct sigaction sa = {.sa_handler = h, .sa_flags = flags};
	sigemptyset(&sa.sa_mask);
	if (masksig)
		sigaddset(&sa.sa_mask, masksig);
	OK(sigaction(sig, &sa, NULL));
}
static void seti(int sig, void (*h)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa = {.sa_sigaction = h, .sa_flags = SA_SIGINFO | flags};
	sigemptyset(&sa.sa_mask);
	OK(sigaction(sig, &sa, NULL));
}
static const char *code_name(int c)
{
	return c == SI_USER	  ? "SI_USER"
	       : c == SI_TKILL	  ? "SI_TKILL"
	       : c == SEGV_ACCERR ? "SEGV_ACCERR"
	       : c == SEGV_MAPERR ? "SEGV_MAPERR"
				  : "other";
}

int main(void)
{
	sigset_t none, usr1, cur;
	sigemptyset(&none);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	OK(sigprocmask(SIG_SETMASK, &none, NULL));

	set(SIGUSR1, h_count, 0, 0);
	EXPECT_VAL("raise", raise(SIGUSR1), 0);
	EXPECT_VAL("handler_ran_on_raise", count, 1);
	EXPECT_VAL("kill_self", kill(getpid(), SIGUSR1), 0);
	EXPECT_VAL("handler_ran_on_kill", count, 2);
	EXPECT_VAL("global_set_by_handler", global_val, 42);

	seti(SIGUSR1, h_info, 0);
	OK(kill(getpid(), SIGUSR1));
	printf("kill_si_signo: %s si_code: %s\n", sigabbrev_np(got.si_signo),
	       code_name(got.si_code));
	EXPECT_TRUE("kill_si_pid_si_uid", got.si_pid == getpid() && got.si_uid == getuid());
	OK(raise(SIGUSR1));
	printf("raise_si_code: %s\n", code_name(got.si_code));

	set(SIGUSR1, h_log, 0, 0);
	OK(sigprocmask(SIG_BLOCK, &usr1, NULL));
	OK(kill(getpid(), SIGUSR1));
	ev('k');
	OK(sigprocmask(SIG_UNBLOCK, &usr1, NULL));
	ev('u');
	printf("blocked_order: %s\n", events); /* kill, handler on unblock, after unblock */

	count = 0;
	set(SIGUSR1, h_count, SA_RESETHAND, 0);
	OK(raise(SIGUSR1));
	struct sigaction old;
	OK(sigaction(SIGUSR1, NULL, &old));
	EXPECT_TRUE("resethand_ran_once_now_default", count == 1 && old.sa_handler == SIG_DFL);

	count = depth = max_depth = 0;
	set(SIGUSR1, h_nested, SA_NODEFER, 0);
	OK(raise(SIGUSR1));
	printf("nodefer: calls %d max_depth %d\n", (int)count, (int)max_depth);
	count = depth = max_depth = 0;
	set(SIGUSR1, h_nested, 0, 0);
	OK(raise(SIGUSR1));
	printf("deferred: calls %d max_depth %d\n", (int)count, (int)max_depth);

	nev = 0;
	set(SIGUSR2, h_log, 0, 0);
	set(SIGUSR1, h_mask, 0, SIGUSR2);
	OK(raise(SIGUSR1));
	ev('a');
	printf("sa_mask_order: %s\n", events);
	EXPECT_TRUE("in_handler_mask_has_sig_and_sa_mask", in_mask_usr1 && in_mask_usr2);
	OK(sigprocmask(SIG_BLOCK, NULL, &cur));
	EXPECT_TRUE("mask_restored_after",
		    !sigismember(&cur, SIGUSR1) && !sigismember(&cur, SIGUSR2));

	alt = mmap(NULL, altsz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(alt != MAP_FAILED);
	stack_t ss = {.ss_sp = alt, .ss_size = altsz, .ss_flags = 0};
	OK(sigaltstack(&ss, NULL));
	set(SIGUSR1, h_alt, SA_ONSTACK, 0);
	OK(raise(SIGUSR1));
	EXPECT_TRUE("sa_onstack_runs_on_altstack", on_alt && ss_onstack);
	set(SIGUSR1, h_alt, 0, 0);
	OK(raise(SIGUSR1));
	printf("without_sa_onstack_on_altstack: %s\n", on_alt || ss_onstack ? "yes" : "no");

	page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(page != MAP_FAILED);
	seti(SIGSEGV, h_segv, 0);
	*(volatile int *)page = 5; /* faults, the handler makes it writable, the store retries */
	EXPECT_VAL("segv_store_landed", *(volatile int *)page, 5);
	EXPECT_TRUE("segv_si_addr_is_page", segv_addr_ok);
	printf("segv_si_code: %s\n", code_name(segv_code));

	volatile int zero = 0, seven = 7, x = 0;
	seti(SIGFPE, h_fpe, 0);
	if (sigsetjmp(env, 1) == 0) {
		x = seven / zero; /* (gcc turns 1 / x into compares: no idiv) */
		printf("division_did_not_trap: %d\n", x);
	} else {
		printf("sigfpe_caught: yes\n");
	}
	EXPECT_TRUE("fpe_si_code_intdiv", fpe_code == FPE_INTDIV);
	OK(sigprocmask(SIG_BLOCK, NULL, &cur));
	EXPECT_TRUE("siglongjmp_restored_mask", !sigismember(&cur, SIGFPE));

	signal(SIGUSR1, SIG_IGN);
	EXPECT_VAL("ignored_raise", raise(SIGUSR1), 0);
	return done();
}
