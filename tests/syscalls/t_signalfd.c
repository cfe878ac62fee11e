/* signalfd and signalfd4: argument checks in Linux's order, reading pending signals of the
 * mask as struct signalfd_siginfo (consumed, lowest first, several per read), the fields
 * for kill, sigqueue and SIGCHLD, changing the mask of an existing fd, poll and epoll
 * readiness, and a blocked read woken by another process's signal. Everything runs in a
 * child: under cvisor the test is the sandbox's init. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>

static uint64_t bit(int sig)
{
	return 1ULL << (sig - 1);
}

static long sfd4(int fd, const void *mask, size_t size, int flags)
{
	return syscall(SYS_signalfd4, fd, mask, size, flags);
}

static short poll_bits(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT | POLLRDNORM};
	CHECK(poll(&p, 1, 0) >= 0);
	return p.revents;
}

static void block(int sig)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	OK(sigprocmask(SIG_BLOCK, &set, NULL));
}

static void test(void)
{
	uint64_t m = bit(SIGUSR1) | bit(SIGUSR2) | bit(SIGKILL);
	struct signalfd_siginfo si[2];
	int p[2];
	OK(pipe(p));
	EXPECT_ERR("bad_size", sfd4(-1, &m, 4, 0), EINVAL);
	EXPECT_ERR("bad_size_fault", sfd4(-1, BADPTR, 4, 0), EINVAL);
	EXPECT_ERR("fault", sfd4(-1, BADPTR, 8, 0), EFAULT);
	EXPECT_ERR("bad_flags", sfd4(-1, &m, 8, 1), EINVAL);
	EXPECT_ERR("bad_fd", sfd4(-2, &m, 8, 0), EBADF);
	EXPECT_ERR("not_signalfd", sfd4(p[0], &m, 8, 0), EINVAL);
	EXPECT_ERR("old_bad_size", syscall(SYS_signalfd, -1, &m, 16), EINVAL);

	block(SIGUSR1);
	block(SIGUSR2);
	block(SIGRTMIN);
	block(SIGCHLD);
	int fd = EXPECT_OK("create", sfd4(-1, &m, 8, SFD_NONBLOCK | SFD_CLOEXEC));
	EXPECT_VAL("cloexec", fcntl(fd, F_GETFD), FD_CLOEXEC);
	EXPECT_VAL("flags", fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR | O_NONBLOCK);
	struct stat st;
	OK(fstat(fd, &st));
	printf("fstat_mode: %o\n", st.st_mode);
	EXPECT_ERR("read_empty", read(fd, si, sizeof(si)), EAGAIN);
	EXPECT_ERR("read_short", read(fd, si, sizeof(si[0]) - 1), EINVAL);
	EXPECT_VAL("poll_empty", poll_bits(fd), 0);

	/* kill: SI_USER with our pid and uid. */
	OK(kill(getpid(), SIGUSR1));
	EXPECT_VAL("poll_pending", poll_bits(fd), POLLIN);
	EXPECT_VAL("read_one", read(fd, si, sizeof(si)), sizeof(si[0]));
	EXPECT_VAL("signo", si[0].ssi_signo, SIGUSR1);
	EXPECT_VAL("code", si[0].ssi_code, SI_USER);
	EXPECT_TRUE("pid_is_ours", si[0].ssi_pid == (uint32_t)getpid());
	EXPECT_TRUE("uid_is_ours", si[0].ssi_uid == getuid());
	EXPECT_ERR("consumed", read(fd, si, sizeof(si)), EAGAIN);
	sigset_t pend;
	OK(sigpending(&pend));
	EXPECT_VAL("not_pending_any_more", sigismember(&pend, SIGUSR1), 0);

	/* Two at once, lowest first; raise is tgkill: SI_TKILL. */
	OK(raise(SIGUSR2));
	OK(raise(SIGUSR1));
	EXPECT_VAL("read_two", read(fd, si, sizeof(si)), sizeof(si));
	EXPECT_VAL("first", si[0].ssi_signo, SIGUSR1);
	EXPECT_VAL("second", si[1].ssi_signo, SIGUSR2);
	EXPECT_VAL("tkill_code", si[1].ssi_code, SI_TKILL);

	/* A signal outside the mask stays pending. */
	OK(raise(SIGRTMIN));
	EXPECT_VAL("outside_mask_not_ready", poll_bits(fd), 0);
	/* Changing the mask of the existing fd. */
	m = bit(SIGRTMIN);
	EXPECT_TRUE("update_returns_fd", sfd4(fd, &m, 8, 0) == fd);
	EXPECT_VAL("ready_after_update", poll_bits(fd), POLLIN);
	EXPECT_VAL("read_rt", read(fd, si, sizeof(si)), sizeof(si[0]));
	EXPECT_VAL("rt_signo", si[0].ssi_signo, SIGRTMIN);
	/* sigqueue: SI_QUEUE with the value. */
	union sigval val = {.sival_int = 4242};
	OK(sigqueue(getpid(), SIGRTMIN, val));
	OK(sigqueue(getpid(), SIGRTMIN, val));
	EXPECT_VAL("read_queued_two", read(fd, si, sizeof(si)), sizeof(si));
	EXPECT_VAL("queue_code", si[0].ssi_code, SI_QUEUE);
	EXPECT_VAL("queue_int", si[0].ssi_int, 4242);
	EXPECT_VAL("queue_int_2", si[1].ssi_int, 4242);

	/* SIGCHLD: the child's status and pid. */
	m = bit(SIGCHLD);
	OK(sfd4(fd, &m, 8, 0));
	pid_t pid = xfork();
	if (pid == 0)
		_exit(3);
	struct pollfd pf = {.fd = fd, .events = POLLIN};
	alarm(10);
	EXPECT_VAL("poll_waits_for_child", poll(&pf, 1, 5000), 1);
	EXPECT_VAL("read_chld", read(fd, si, sizeof(si)), sizeof(si[0]));
	EXPECT_VAL("chld_signo", si[0].ssi_signo, SIGCHLD);
	EXPECT_VAL("chld_code", si[0].ssi_code, CLD_EXITED);
	EXPECT_VAL("chld_status", si[0].ssi_status, 3);
	EXPECT_TRUE("chld_pid", si[0].ssi_pid == (uint32_t)pid);
	wait_and_print("child", pid);

	/* epoll, and a blocking read woken by another process's kill. */
	m = bit(SIGUSR1);
	OK(sfd4(fd, &m, 8, 0));
	int ep = OK(epoll_create1(0));
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 9}, out[2];
	OK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	EXPECT_VAL("epoll_idle", epoll_wait(ep, out, 2, 0), 0);
	pid_t parent = getpid();
	pid = xfork();
	if (pid == 0) {
		usleep(50000);
		_exit(kill(parent, SIGUSR1) == 0 ? 0 : 1);
	}
	EXPECT_VAL("epoll_woken", epoll_wait(ep, out, 2, 5000), 1);
	EXPECT_VAL("epoll_bits", out[0].events, EPOLLIN);
	wait_and_print("killer", pid);
	OK(read(fd, si, sizeof(si)));
	int bfd = OK(sfd4(-1, &m, 8, 0)); /* blocking */
	pid = xfork();
	if (pid == 0) {
		usleep(50000);
		_exit(kill(parent, SIGUSR1) == 0 ? 0 : 1);
	}
	EXPECT_VAL("blocking_read", read(bfd, si, sizeof(si)), sizeof(si[0]));
	EXPECT_VAL("blocking_signo", si[0].ssi_signo, SIGUSR1);
	wait_and_print("killer2", pid);
	alarm(0);
	close(bfd);
	close(ep);
	close(fd);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	pid_t pid = xfork();
	if (pid == 0) {
		test();
		fflush(stdout);
		_exit(0);
	}
	wait_and_print("test", pid);
	return done();
}
