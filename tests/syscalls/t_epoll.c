/* epoll_create, epoll_create1, epoll_ctl, epoll_wait: argument errors in Linux's order,
 * level-triggered, edge-triggered and one-shot items on pipes, the order of reported events,
 * EPOLLHUP/EPOLLERR when an end closes (pipes never say EPOLLRDHUP), items that outlive their
 * fd but not their file, nested instances (poll on an epoll fd, cycles and depth: ELOOP),
 * timeouts, and a wake-up from another process. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/stat.h>

#define DATA_A 0x1122334455667788ULL
#define DATA_B 0x8877665544332211ULL

/* The raw call: glibc's wrapper is declared with access attributes bad arguments trip. */
static long raw_wait(int ep, void *events, long max, int timeout)
{
	return syscall(SYS_epoll_wait, ep, events, max, timeout);
}

static int ctl(int ep, int op, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = {.events = events, .data.u64 = data};
	return epoll_ctl(ep, op, fd, &ev);
}

/* epoll_wait into a fresh array; prints "label: n [events/data-name ...]". */
static int wait_print(const char *label, int ep, int max, int timeout)
{
	struct epoll_event out[8];
	memset(out, 0xa5, sizeof(out));
	CHECK(max <= 8);
	int n = epoll_wait(ep, out, max, timeout);
	CHECK(n >= 0);
	printf("%s: %d", label, n);
	for (int i = 0; i < n; i++) {
		const char *name = out[i].data.u64 == DATA_A   ? "A"
				   : out[i].data.u64 == DATA_B ? "B"
							       : "other";
		printf(" %s:%#x", name, out[i].events);
	}
	printf("\n");
	return n;
}

static void errors(void)
{
	int p[2], dirfd, regfd, ep, ep2;
	struct epoll_event ev = {.events = EPOLLIN};
	OK(pipe(p));
	EXPECT_ERR("create_0", epoll_create(0), EINVAL);
	EXPECT_ERR("create_neg", epoll_create(-1), EINVAL);
	EXPECT_ERR("create1_flags", epoll_create1(1), EINVAL);
	ep = EXPECT_OK("create1_cloexec", epoll_create1(EPOLL_CLOEXEC));
	EXPECT_VAL("cloexec_set", fcntl(ep, F_GETFD), FD_CLOEXEC);
	ep2 = EXPECT_OK("create_1", epoll_create(1));
	EXPECT_VAL("no_cloexec", fcntl(ep2, F_GETFD), 0);
	EXPECT_VAL("accmode_rdwr", fcntl(ep, F_GETFL) & O_ACCMODE, O_RDWR);
	struct stat st;
	OK(fstat(ep, &st));
	printf("fstat_mode: %o\n", st.st_mode);
	EXPECT_VAL("lseek_noop", lseek(ep, 10, SEEK_SET), 0);

	regfd = OK(open("/etc/os-release", O_RDONLY));
	dirfd = OK(open("/bin", O_RDONLY | O_DIRECTORY));
	EXPECT_ERR("ctl_bad_epfd", epoll_ctl(-1, EPOLL_CTL_ADD, p[0], &ev), EBADF);
	EXPECT_ERR("ctl_bad_fd", epoll_ctl(ep, EPOLL_CTL_ADD, -1, &ev), EBADF);
	EXPECT_ERR("ctl_regular", epoll_ctl(ep, EPOLL_CTL_ADD, regfd, &ev), EPERM);
	EXPECT_ERR("ctl_directory", epoll_ctl(ep, EPOLL_CTL_ADD, dirfd, &ev), EPERM);
	EXPECT_ERR("ctl_regular_not_epoll", epoll_ctl(p[0], EPOLL_CTL_ADD, regfd, &ev), EPERM);
	EXPECT_ERR("ctl_not_epoll", epoll_ctl(p[0], EPOLL_CTL_ADD, p[1], &ev), EINVAL);
	EXPECT_ERR("ctl_self", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL);
	EXPECT_ERR("ctl_fault", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], BADPTR), EFAULT);
	EXPECT_ERR("ctl_null_add", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], NULL), EFAULT);
	EXPECT_ERR("ctl_bad_op", epoll_ctl(ep, 7, p[0], &ev), EINVAL);
	EXPECT_ERR("ctl_bad_op_fault", epoll_ctl(ep, 7, p[0], BADPTR), EFAULT);
	EXPECT_ERR("mod_missing", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), ENOENT);
	EXPECT_ERR("del_missing", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), ENOENT);
	EXPECT_OK("add", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
	EXPECT_ERR("add_again", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), EEXIST);
	EXPECT_OK("mod", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
	EXPECT_OK("del_fault_ignored", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], BADPTR));
	EXPECT_ERR("del_again", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), ENOENT);

	/* EPOLLEXCLUSIVE: ADD only, not for epoll files, only with IN/OUT/ERR/HUP/WAKEUP/ET. */
	EXPECT_OK("excl_add", ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLEXCLUSIVE, 0));
	EXPECT_ERR("excl_mod", ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLEXCLUSIVE, 0), EINVAL);
	EXPECT_ERR("mod_excl_item", ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN, 0), EINVAL);
	EXPECT_OK("del_excl_item", ctl(ep, EPOLL_CTL_DEL, p[0], 0, 0));
	EXPECT_ERR("excl_oneshot",
		   ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, 0),
		   EINVAL);
	EXPECT_ERR("excl_rdhup",
		   ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLEXCLUSIVE | EPOLLRDHUP, 0), EINVAL);
	EXPECT_ERR("excl_epoll", ctl(ep, EPOLL_CTL_ADD, ep2, EPOLLIN | EPOLLEXCLUSIVE, 0), EINVAL);
	EXPECT_OK("excl_et_wakeup", ctl(ep, EPOLL_CTL_ADD, p[0],
					EPOLLIN | EPOLLEXCLUSIVE | EPOLLET | EPOLLWAKEUP, 0));
	EXPECT_OK("del", ctl(ep, EPOLL_CTL_DEL, p[0], 0, 0));

	struct epoll_event out[2];
	EXPECT_ERR("wait_max0", raw_wait(ep, out, 0, 0), EINVAL);
	EXPECT_ERR("wait_max_neg", raw_wait(ep, out, -1, 0), EINVAL);
	EXPECT_ERR("wait_max_too_big",
		   raw_wait(ep, out, (long)(INT32_MAX / sizeof(struct epoll_event)) + 1, 0),
		   EINVAL);
	EXPECT_ERR("wait_bad_epfd", raw_wait(-1, out, 1, 0), EBADF);
	EXPECT_ERR("wait_bad_epfd_max0", raw_wait(-1, out, 0, 0), EBADF);
	EXPECT_ERR("wait_not_epoll_badptr", raw_wait(p[0], (void *)0xffff800000000000ULL, 1, 0),
		   EFAULT);
	EXPECT_ERR("wait_not_epoll", raw_wait(p[0], out, 1, 0), EINVAL);
	EXPECT_ERR("wait_kernel_addr", raw_wait(ep, (void *)0xffff800000000000ULL, 1, 0), EFAULT);
	EXPECT_ERR("wait_range_past_user", raw_wait(ep, (void *)0x7ffffffff000ULL, 1, 0), EFAULT);
	EXPECT_VAL("wait_nothing", raw_wait(ep, out, 2, 0), 0);
	EXPECT_VAL("wait_null_nothing_ready", raw_wait(ep, NULL, 1, 0), 0);
	OK(ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT, DATA_A));
	EXPECT_ERR("wait_null_ready", raw_wait(ep, NULL, 1, 0), EFAULT);
	EXPECT_ERR("wait_badptr_ready", raw_wait(ep, BADPTR, 1, 0), EFAULT);
	/* The item stays ready after the fault. */
	wait_print("after_fault", ep, 2, 0);
	close(regfd);
	close(dirfd);
	close(ep);
	close(ep2);
	close(p[0]);
	close(p[1]);
}

static void level_edge_oneshot(void)
{
	int p[2], ep = OK(epoll_create1(0));
	char buf[16];
	OK(pipe(p));
	/* Level-triggered: reported while readable. */
	OK(ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, DATA_A));
	wait_print("lt_empty", ep, 4, 0);
	OK(write(p[1], "ab", 2));
	wait_print("lt_ready", ep, 4, 0);
	wait_print("lt_still_ready", ep, 4, 0);
	OK(read(p[0], buf, 1));
	wait_print("lt_partly_read", ep, 4, 0);
	OK(read(p[0], buf, 1));
	wait_print("lt_drained", ep, 4, 0);

	/* Edge-triggered: once per event of the file (every write of a pipe is one). */
	OK(ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLET, DATA_A));
	OK(write(p[1], "ab", 2));
	wait_print("et_first", ep, 4, 0);
	wait_print("et_again_nothing", ep, 4, 0);
	OK(write(p[1], "c", 1));
	wait_print("et_second_write", ep, 4, -1);
	OK(read(p[0], buf, 1));
	wait_print("et_after_read", ep, 4, 0);
	OK(ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLET, DATA_B));
	wait_print("et_mod_rearms", ep, 4, 0);
	wait_print("et_mod_once", ep, 4, 0);
	OK(read(p[0], buf, sizeof(buf)));

	/* ADD of a ready file reports it once even edge-triggered. */
	int p2[2];
	OK(pipe(p2));
	OK(write(p2[1], "x", 1));
	OK(ctl(ep, EPOLL_CTL_ADD, p2[0], EPOLLIN | EPOLLET, DATA_B));
	wait_print("et_add_ready", ep, 4, 0);
	wait_print("et_add_ready_once", ep, 4, 0);
	OK(ctl(ep, EPOLL_CTL_DEL, p2[0], 0, 0));

	/* One-shot: one report, then nothing until MOD, even though still readable. */
	OK(ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLONESHOT, DATA_A));
	OK(write(p[1], "x", 1));
	wait_print("oneshot_first", ep, 4, 0);
	wait_print("oneshot_disarmed", ep, 4, 0);
	OK(write(p[1], "y", 1));
	wait_print("oneshot_disarmed_after_write", ep, 4, 0);
	OK(ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLONESHOT, DATA_A));
	wait_print("oneshot_rearmed", ep, 4, 0);
	wait_print("oneshot_disarmed_again", ep, 4, 0);
	OK(read(p[0], buf, sizeof(buf)));

	/* Edge-triggered writer: filling the pipe is no event for it; a read that frees a slot
	 * of a full pipe is, a read from a pipe that was not full is not (Linux's pipe_read). */
	OK(ctl(ep, EPOLL_CTL_DEL, p[0], 0, 0));
	OK(fcntl(p[1], F_SETFL, O_NONBLOCK));
	OK(ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT | EPOLLET, DATA_B));
	wait_print("et_writer_added", ep, 4, 0);
	static char page[4096];
	long total = 0;
	int err;
	for (;;) {
		long w = write(p[1], page, sizeof(page));
		if (w < 0) {
			err = errno;
			break;
		}
		total += w;
	}
	EXPECT_TRUE("pipe_full", err == EAGAIN && total == 65536);
	wait_print("et_writer_full", ep, 4, 0);
	OK(read(p[0], page, sizeof(page)));
	wait_print("et_writer_room", ep, 4, 0);
	OK(read(p[0], page, sizeof(page)));
	wait_print("et_writer_more_room", ep, 4, 0);
	close(ep);
	close(p[0]);
	close(p[1]);
	close(p2[0]);
	close(p2[1]);
}

static void order_and_hangups(void)
{
	int a[2], b[2], ep = OK(epoll_create1(0));
	OK(pipe(a));
	OK(pipe(b));
	OK(ctl(ep, EPOLL_CTL_ADD, a[0], EPOLLIN | EPOLLRDHUP, DATA_A));
	OK(ctl(ep, EPOLL_CTL_ADD, b[0], EPOLLIN | EPOLLRDHUP, DATA_B));
	/* Reports come in the order the files became ready. */
	OK(write(b[1], "b", 1));
	OK(write(a[1], "a", 1));
	wait_print("order_b_then_a", ep, 4, 0);
	/* Level-triggered items go back at the tail: maxevents 1 takes turns. */
	wait_print("turn_1", ep, 1, 0);
	wait_print("turn_2", ep, 1, 0);
	wait_print("turn_3", ep, 1, 0);
	/* The writer goes: EPOLLHUP (with EPOLLIN while data remains); never EPOLLRDHUP. */
	close(a[1]);
	close(b[1]);
	char c;
	OK(read(b[0], &c, 1));
	wait_print("hup", ep, 4, 0);
	/* A writer whose reader went: EPOLLOUT | EPOLLERR, even when only EPOLLIN is asked. */
	int w[2];
	OK(pipe(w));
	OK(ctl(ep, EPOLL_CTL_DEL, a[0], 0, 0));
	OK(ctl(ep, EPOLL_CTL_DEL, b[0], 0, 0));
	OK(ctl(ep, EPOLL_CTL_ADD, w[1], EPOLLIN, DATA_A));
	wait_print("writer_nothing", ep, 4, 0);
	close(w[0]);
	wait_print("writer_err", ep, 4, 0);
	OK(ctl(ep, EPOLL_CTL_MOD, w[1], EPOLLOUT, DATA_A));
	wait_print("writer_out_err", ep, 4, 0);
	close(w[1]);
	close(a[0]);
	close(b[0]);
	close(ep);
}

static void lifetimes(void)
{
	int p[2], ep = OK(epoll_create1(0));
	OK(pipe(p));
	OK(write(p[1], "x", 1));
	int dup_fd = OK(dup(p[0]));
	OK(ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, DATA_A));
	/* Closing the fd leaves the item while the file lives on through the dup. */
	close(p[0]);
	wait_print("closed_fd_still_reported", ep, 4, 0);
	EXPECT_ERR("del_closed_fd", ctl(ep, EPOLL_CTL_DEL, p[0], 0, 0), EBADF);
	/* The same file under another fd is another item. */
	EXPECT_OK("add_dup", ctl(ep, EPOLL_CTL_ADD, dup_fd, EPOLLIN, DATA_B));
	wait_print("two_items_one_file", ep, 4, 0);
	/* The file's last close removes both. */
	close(dup_fd);
	wait_print("file_gone", ep, 4, 0);
	/* The fd number may come back for another file: a new item, no EEXIST. */
	int q[2];
	OK(pipe(q));
	OK(write(q[1], "y", 1));
	EXPECT_OK("add_new_file", ctl(ep, EPOLL_CTL_ADD, q[0], EPOLLIN, DATA_A));
	wait_print("new_file", ep, 4, 0);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	/* An instance closed while watching: nothing left behind (the pipe still works). */
	close(ep);
}

static void nesting(void)
{
	int p[2], inner = OK(epoll_create1(0)), outer = OK(epoll_create1(0));
	OK(pipe(p));
	OK(ctl(inner, EPOLL_CTL_ADD, p[0], EPOLLIN, DATA_B));
	EXPECT_OK("nest", ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN, DATA_A));
	EXPECT_ERR("cycle", ctl(inner, EPOLL_CTL_ADD, outer, EPOLLIN, 0), ELOOP);
	wait_print("outer_idle", outer, 4, 0);
	struct pollfd pf = {.fd = inner, .events = POLLIN | POLLOUT};
	EXPECT_VAL("poll_inner_idle", poll(&pf, 1, 0), 0);
	OK(write(p[1], "x", 1));
	EXPECT_VAL("poll_inner_ready", poll(&pf, 1, 0), 1);
	printf("poll_inner_revents: %#x\n", pf.revents);
	wait_print("outer_ready", outer, 4, 0);
	wait_print("inner_ready", inner, 4, 0);
	char c;
	OK(read(p[0], &c, 1));
	wait_print("outer_drained", outer, 4, 0);
	/* Edge-triggered outer: one report per event inside. */
	OK(ctl(outer, EPOLL_CTL_MOD, inner, EPOLLIN | EPOLLET, DATA_A));
	OK(write(p[1], "x", 1));
	wait_print("outer_et", outer, 4, -1);
	wait_print("outer_et_once", outer, 4, 0);
	OK(write(p[1], "y", 1));
	wait_print("outer_et_again", outer, 4, 0);
	close(p[0]);
	close(p[1]);
	close(inner);
	close(outer);

	/* Chains: at most 5 instances one inside the other, counted both ways. */
	int e[7];
	for (int i = 0; i < 7; i++)
		e[i] = OK(epoll_create1(0));
	for (int i = 0; i < 4; i++)
		OK(ctl(e[i + 1], EPOLL_CTL_ADD, e[i], EPOLLIN, 0));
	EXPECT_ERR("chain_6_from_below", ctl(e[5], EPOLL_CTL_ADD, e[4], EPOLLIN, 0), ELOOP);
	EXPECT_ERR("chain_6_from_above", ctl(e[0], EPOLL_CTL_ADD, e[5], EPOLLIN, 0), ELOOP);
	EXPECT_OK("chain_other_branch", ctl(e[1], EPOLL_CTL_ADD, e[6], EPOLLIN, 0));
	EXPECT_ERR("chain_cycle_long", ctl(e[0], EPOLL_CTL_ADD, e[3], EPOLLIN, 0), ELOOP);
	for (int i = 0; i < 7; i++)
		close(e[i]);
}

static void waits(void)
{
	int p[2], ep = OK(epoll_create1(0));
	OK(pipe(p));
	OK(ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, DATA_A));
	struct epoll_event out[2];
	EXPECT_VAL("timeout_30ms", epoll_wait(ep, out, 2, 30), 0);
	/* Another process makes it ready while we wait. */
	pid_t pid = xfork();
	if (pid == 0) {
		usleep(50000);
		_exit(write(p[1], "z", 1) == 1 ? 0 : 1);
	}
	alarm(10);
	wait_print("woken_by_child", ep, 2, -1);
	alarm(0);
	wait_and_print("child", pid);
	close(p[0]);
	close(p[1]);
	close(ep);
}

int main(void)
{
	errors();
	level_edge_oneshot();
	order_and_hangups();
	lifetimes();
	nesting();
	waits();
	return done();
}
