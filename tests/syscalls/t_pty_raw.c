/* A pty slave in raw mode (cfmakeraw): single bytes, VMIN/VTIME (1/0, 0/0, 0/1, 3/0, 2/1),
 * O_NONBLOCK, no echo, no output processing, no signal characters; canonical mode turned
 * back on over pending input; packet mode (TIOCPKT) with its status bytes for flushes and
 * flow control; output flow control by VSTOP/VSTART and TCXONC; TIOCSTI. */
#define _GNU_SOURCE
#include "check.h"

#include <sys/time.h>

#include "pty_helpers.h"

static int m, s;

static void set_cc(int vmin, int vtime)
{
	struct termios t;
	OK(tcgetattr(s, &t));
	t.c_cc[VMIN] = (cc_t)vmin;
	t.c_cc[VTIME] = (cc_t)vtime;
	OK(tcsetattr(s, TCSANOW, &t));
}

static void raw_reads(void)
{
	char buf[64];
	struct termios t;
	OK(tcgetattr(s, &t));
	cfmakeraw(&t);
	EXPECT_VAL("cfmakeraw", tcsetattr(s, TCSANOW, &t), 0);
	OK(tcgetattr(s, &t));
	printf("raw: iflag %#x oflag %#x lflag %#x vmin %d vtime %d\n", t.c_iflag, t.c_oflag,
	       t.c_lflag, t.c_cc[VMIN], t.c_cc[VTIME]);

	EXPECT_VAL("write_abc", write(m, "abc\x03\r", 5), 5);
	for (int i = 0; i < 5; i++) {
		EXPECT_VAL("read_one_byte", read(s, buf, 1), 1);
		print_bytes("byte", buf, 1);
	}
	EXPECT_TRUE("no_echo", !ready_within(m, 100));
	EXPECT_VAL("write_raw_out", write(s, "a\nb", 3), 3);
	expect_read("no_output_processing", m, 3);

	OK(fcntl(s, F_SETFL, O_NONBLOCK));
	EXPECT_ERR("nonblock_empty", read(s, buf, sizeof(buf)), EAGAIN);
	set_cc(0, 0);
	EXPECT_VAL("vmin0_vtime0_nonblock", read(s, buf, sizeof(buf)), 0);
	OK(fcntl(s, F_SETFL, 0));
	EXPECT_VAL("vmin0_vtime0", read(s, buf, sizeof(buf)), 0);
	set_cc(0, 1);
	EXPECT_VAL("vmin0_vtime1_times_out", read(s, buf, sizeof(buf)), 0);
	EXPECT_VAL("write_q", write(m, "q", 1), 1);
	CHECK(ready_within(s, 2000));
	EXPECT_VAL("vmin0_vtime1_gets_byte", read(s, buf, sizeof(buf)), 1);

	/* VMIN 3: neither poll nor read is satisfied by fewer. */
	set_cc(3, 0);
	EXPECT_VAL("write_12", write(m, "12", 2), 2);
	EXPECT_TRUE("not_ready_with_2", !ready_within(s, 100));
	int n = -1;
	for (int i = 0; i < 200 && (ioctl(s, FIONREAD, &n), n) != 2; i++)
		usleep(10000); /* (Linux's line discipline takes input a moment after the write) */
	EXPECT_VAL("fionread_2", n, 2);
	EXPECT_VAL("write_3", write(m, "3", 1), 1);
	CHECK(ready_within(s, 2000));
	EXPECT_VAL("read_vmin3", read(s, buf, sizeof(buf)), 3);
	print_bytes("vmin3", buf, 3);
	/* VMIN 2, VTIME 1: after the first byte, 0.1 s without a second ends the read. */
	set_cc(2, 1);
	EXPECT_VAL("write_z", write(m, "z", 1), 1);
	EXPECT_VAL("read_intercharacter_timer", read(s, buf, sizeof(buf)), 1);

	/* Back to canonical: what is waiting becomes one line. */
	set_cc(1, 0);
	EXPECT_VAL("write_pending", write(m, "pend", 4), 4);
	CHECK(ready_within(s, 2000));
	OK(tcgetattr(s, &t));
	t.c_lflag |= ICANON;
	OK(tcsetattr(s, TCSANOW, &t));
	EXPECT_VAL("fionread_pushed_line", (ioctl(s, FIONREAD, &n), n), 4);
	read_once("pushed_line", s);
	t.c_lflag &= ~(tcflag_t)ICANON;
	OK(tcsetattr(s, TCSANOW, &t));
}

static void packet_and_flow(void)
{
	char buf[64];
	int on = 1;
	EXPECT_VAL("tiocpkt_on", ioctl(m, TIOCPKT, &on), 0);
	EXPECT_VAL("tiocgpkt", (ioctl(m, TIOCGPKT, &on), on), 1);
	EXPECT_VAL("slave_write", write(s, "hi", 2), 2);
	read_once("packet_data", m);
	EXPECT_VAL("tciflush", tcflush(s, TCIFLUSH), 0);
	read_once("packet_flushread", m);
	EXPECT_VAL("tcoflush", tcflush(s, TCOFLUSH), 0);
	read_once("packet_flushwrite", m);

	/* Flow control on: packet mode hears of it (DOSTOP), then of each stop and start. */
	struct termios t;
	OK(tcgetattr(s, &t));
	t.c_iflag |= IXON;
	OK(tcsetattr(s, TCSANOW, &t));
	read_once("packet_dostop", m);
	EXPECT_VAL("type_ctrl_s", write(m, "\x13", 1), 1);
	read_once("packet_stop", m);
	OK(fcntl(s, F_SETFL, O_NONBLOCK));
	EXPECT_ERR("write_while_stopped", write(s, "w", 1), EAGAIN);
	struct pollfd p = {.fd = s, .events = POLLOUT};
	EXPECT_VAL("no_pollout_while_stopped", poll(&p, 1, 0), 0);
	EXPECT_VAL("type_ctrl_q", write(m, "\x11", 1), 1);
	read_once("packet_start", m);
	EXPECT_VAL("write_after_start", write(s, "w", 1), 1);
	read_once("packet_data_after_start", m);
	EXPECT_VAL("tcooff", tcflow(s, TCOOFF), 0);
	read_once("packet_tcooff", m);
	EXPECT_ERR("write_after_tcooff", write(s, "w", 1), EAGAIN);
	EXPECT_VAL("ctrl_q_does_not_undo_tcooff", write(m, "\x11", 1), 1);
	EXPECT_TRUE("still_stopped", !ready_within(m, 100));
	EXPECT_ERR("write_still_stopped", write(s, "w", 1), EAGAIN);
	EXPECT_VAL("tcoon", tcflow(s, TCOON), 0);
	read_once("packet_tcoon", m);
	EXPECT_VAL("write_after_tcoon", write(s, "v", 1), 1);
	read_once("packet_data_after_tcoon", m);
	OK(fcntl(s, F_SETFL, 0));
	on = 0;
	EXPECT_VAL("tiocpkt_off", ioctl(m, TIOCPKT, &on), 0);

	EXPECT_VAL("tcioff", tcflow(s, TCIOFF), 0);
	expect_read("tcioff_sends_vstop", m, 1);
	EXPECT_VAL("tcion", tcflow(s, TCION), 0);
	expect_read("tcion_sends_vstart", m, 1);

	char c = 'k';
	EXPECT_VAL("tiocsti", ioctl(s, TIOCSTI, &c), 0);
	CHECK(ready_within(s, 2000));
	EXPECT_VAL("read_tiocsti", read(s, buf, sizeof(buf)), 1);
	print_bytes("tiocsti_byte", buf, 1);
	EXPECT_ERR("tiocsti_badptr", ioctl(s, TIOCSTI, BADPTR), EFAULT);
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	alarms++;
}

/* Wakes: a reader and a poller blocked on the slave, by another process's write; a
 * blocked read by a signal (EINTR, or going on with SA_RESTART); a master writer blocked
 * on full buffers, by the slave's reader. */
static void blocking(void)
{
	char c, buf[4096];
	pid_t pid = xfork();
	if (pid == 0) {
		usleep(100000);
		write(m, "w", 1);
		_exit(0);
	}
	EXPECT_VAL("blocked_read_woken", read(s, &c, 1), 1);
	wait_and_print("writer", pid);
	pid = xfork();
	if (pid == 0) {
		usleep(100000);
		write(s, "p", 1);
		_exit(0);
	}
	struct pollfd p = {.fd = m, .events = POLLIN};
	EXPECT_VAL("blocked_poll_woken", poll(&p, 1, 5000), 1);
	EXPECT_VAL("read_after_poll", read(m, &c, 1), 1);
	wait_and_print("slave_writer", pid);

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	OK(sigaction(SIGALRM, &sa, NULL));
	struct itimerval it = {{0, 0}, {0, 100000}};
	OK(setitimer(ITIMER_REAL, &it, NULL));
	EXPECT_ERR("read_interrupted", read(s, &c, 1), EINTR);
	sa.sa_flags = SA_RESTART;
	OK(sigaction(SIGALRM, &sa, NULL));
	pid = xfork();
	if (pid == 0) {
		usleep(300000);
		write(m, "r", 1);
		_exit(0);
	}
	OK(setitimer(ITIMER_REAL, &it, NULL));
	EXPECT_VAL("read_restarted", read(s, &c, 1), 1);
	EXPECT_VAL("alarms", alarms, 2);
	wait_and_print("late_writer", pid);
	signal(SIGALRM, SIG_DFL);
	alarm(20);

	long filled = 0, n;
	OK(fcntl(m, F_SETFL, O_NONBLOCK));
	memset(buf, 'f', sizeof(buf));
	while ((n = write(m, buf, sizeof(buf))) > 0)
		filled += n;
	/* (On Linux the slave's line discipline takes from its queue a moment later: room may
	 * come back by itself, so how much filled it is not checked.) */
	OK(fcntl(m, F_SETFL, 0));
	pid = xfork();
	if (pid == 0) {
		long got = 0;
		usleep(100000);
		while (got < filled + 100 && (n = read(s, buf, sizeof(buf))) > 0)
			got += n;
		_exit(got == filled + 100 ? 0 : 1);
	}
	EXPECT_VAL("blocked_master_write", write(m, buf, 100), 100);
	wait_and_print("slave_reader", pid);
}

int main(void)
{
	char name[64];
	alarm(20);
	open_pair(&m, &s, name);
	raw_reads();
	blocking();
	packet_and_flow();
	OK(close(s));
	OK(close(m));
	return done();
}
