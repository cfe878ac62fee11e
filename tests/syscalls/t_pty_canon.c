/* A pty slave in canonical mode, fed through its master: a read returns a line (only once
 * it is complete, at most one per read, partly when the buffer is short); line editing
 * (VERASE, VKILL, VWERASE, tab erase, VLNEXT, VREPRINT) and the echoes the master sees
 * (ECHO, ECHOE, ECHOK, ECHOKE, ECHOCTL, ECHONL); VEOF, VEOL; ICRNL, INLCR, IGNCR; output
 * processing of what the slave writes (ONLCR, OCRNL, ONOCR, XTABS, OLCUC, OPOST off);
 * FIONREAD, TCIFLUSH, O_NONBLOCK; a line longer than the 4 KiB buffer. */
#define _GNU_SOURCE
#include "check.h"

#include "pty_helpers.h"

static int m, s;

/* Types text at the master: its echo (echo_len bytes) is read and printed. */
static void type(const char *label, const char *text, size_t echo_len)
{
	CHECK_EQ(write(m, text, strlen(text)), (long)strlen(text));
	if (echo_len)
		expect_read(label, m, echo_len);
}

static void set_flags(tcflag_t iset, tcflag_t iclr, tcflag_t oset, tcflag_t oclr, tcflag_t lset,
		      tcflag_t lclr)
{
	struct termios t;
	OK(tcgetattr(s, &t));
	t.c_iflag = (t.c_iflag | iset) & ~iclr;
	t.c_oflag = (t.c_oflag | oset) & ~oclr;
	t.c_lflag = (t.c_lflag | lset) & ~lclr;
	OK(tcsetattr(s, TCSANOW, &t));
}

static void editing(void)
{
	type("echo_abc", "abc", 3);
	EXPECT_TRUE("no_line_yet", !ready_within(s, 100));
	int n = -1;
	EXPECT_VAL("fionread_partial_line", (ioctl(s, FIONREAD, &n), n), 0);
	OK(fcntl(s, F_SETFL, O_NONBLOCK));
	char buf[64];
	EXPECT_ERR("nonblock_read_partial_line", read(s, buf, sizeof(buf)), EAGAIN);
	OK(fcntl(s, F_SETFL, 0));
	type("echo_newline", "\n", 2);
	read_once("line", s);

	type("echo_two_lines", "one\ntwo\n", 10);
	EXPECT_VAL("fionread_two_lines", (ioctl(s, FIONREAD, &n), n), 8);
	read_once("first_line", s);
	read_once("second_line", s);

	type("echo_hello", "hello\n", 7);
	EXPECT_VAL("short_read", read(s, buf, 2), 2);
	read_once("rest_of_line", s);

	type("echo_erase",
	     "ab\x7f"
	     "c\n",
	     8);
	read_once("erased", s);
	type("echo_kill", "xyz\x15q\n", 15);
	read_once("killed", s);
	type("echo_werase",
	     "foo bar\x17"
	     "baz\n",
	     21);
	read_once("werased", s);
	type("echo_tab_erase", "ab\tc\x7f\x7f\x7f\n", 18);
	read_once("tab_erased", s);
	type("echo_ctl", "\x01\x1b\n", 6);
	read_once("ctl_line", s);
	type("echo_lnext", "\x16\x03z\n", 7);
	read_once("lnext_line", s);
	type("echo_reprint", "re\x12", 8);
	type("echo_reprint_nl", "\n", 2);
	read_once("reprinted_line", s);
	type("echo_cr", "a\rb\n", 6);
	read_once("cr_line_1", s);
	read_once("cr_line_2", s);

	/* VEOF ends a line without a newline; alone it reads as end of file. */
	type("echo_eof", "xy\x04", 2);
	read_once("eof_line", s);
	type("", "\x04", 0);
	CHECK(ready_within(s, 2000));
	EXPECT_VAL("eof_alone_reads_0", read(s, buf, sizeof(buf)), 0);
	/* A read that fills the buffer right up to a VEOF mark eats the mark too. */
	type("echo_eof3", "abc\x04", 3);
	EXPECT_VAL("read_3", read(s, buf, 3), 3);
	EXPECT_TRUE("eof_mark_eaten", !ready_within(s, 100));
	/* One byte short of it, the next read returns the rest, the mark ending it. */
	type("echo_eof4", "abcd\x04", 4);
	EXPECT_VAL("read_3_of_4", read(s, buf, 3), 3);
	EXPECT_VAL("read_last", read(s, buf, sizeof(buf)), 1);
	EXPECT_TRUE("nothing_left", !ready_within(s, 100));
}

static void modes(void)
{
	struct termios t;
	OK(tcgetattr(s, &t));
	t.c_cc[VEOL] = '!';
	OK(tcsetattr(s, TCSANOW, &t));
	type("echo_veol", "hi!", 3);
	read_once("veol_line", s);

	set_flags(INLCR, ICRNL, 0, 0, 0, 0);
	type("echo_inlcr", "a\rb\n", 6);
	set_flags(ICRNL, INLCR, 0, 0, 0, 0);
	type("echo_cr_now", "\r", 2);
	read_once("inlcr_line", s);
	set_flags(IGNCR, 0, 0, 0, 0, 0);
	type("echo_igncr", "c\rd\n", 4);
	read_once("igncr_line", s);
	set_flags(0, IGNCR, 0, 0, 0, 0);

	set_flags(0, 0, 0, 0, 0, ECHOCTL);
	type("echo_noechoctl", "a\x01\x7f\x7f\n", 7);
	read_once("noechoctl_line", s);
	set_flags(0, 0, 0, 0, 0, ECHOE);
	type("echo_noechoe", "ab\x7f\n", 5);
	read_once("noechoe_line", s);
	set_flags(0, 0, 0, 0, ECHOE | ECHOCTL, ECHOKE);
	type("echo_kill_noechoke", "ab\x15\n", 8);
	read_once("kill_noechoke_line", s);
	set_flags(0, 0, 0, 0, ECHONL | ECHOKE, ECHO);
	type("echo_echonl_only", "quiet\n", 2);
	read_once("echonl_line", s);
	set_flags(0, 0, 0, 0, 0, ECHONL);
	type("", "silent\n", 0);
	read_once("silent_line", s);
	EXPECT_TRUE("nothing_echoed", !ready_within(m, 100));
	set_flags(0, 0, 0, 0, ECHO, 0);

	/* TCIFLUSH drops complete and partial lines alike. */
	type("echo_gone", "gone\npart", 10);
	EXPECT_VAL("tciflush", tcflush(s, TCIFLUSH), 0);
	type("echo_kept", "kept\n", 6);
	read_once("after_flush", s);
}

static void output(void)
{
	EXPECT_VAL("write_onlcr", write(s, "x\ny", 3), 3);
	expect_read("onlcr", m, 4);
	set_flags(0, 0, OCRNL | ONOCR | ONLRET, ONLCR, 0, 0);
	EXPECT_VAL("write_ocrnl", write(s, "\n\rp\r", 4), 4);
	expect_read("ocrnl_onocr_onlret", m, 3);
	set_flags(0, 0, XTABS | OLCUC | ONLCR, OCRNL | ONOCR, 0, 0);
	EXPECT_VAL("write_xtabs", write(s, "ab\tc\n", 5), 5);
	expect_read("xtabs_olcuc", m, 11);
	set_flags(0, 0, 0, OPOST, 0, 0);
	EXPECT_VAL("write_raw", write(s, "r\ns\t", 4), 4);
	expect_read("no_opost", m, 4);
	set_flags(0, 0, OPOST, XTABS | OLCUC | ONLRET, 0, 0);
	EXPECT_VAL("write_nothing", write(s, "", 0), 0);
}

static void long_line(void)
{
	/* Past 4095 characters a line keeps its start; each extra character replaces the last
	 * one (all are still echoed), and the newline takes the final slot. */
	static char big[5000], back[8192];
	memset(big, 'x', sizeof(big));
	CHECK_EQ(write(m, big, sizeof(big)), (long)sizeof(big));
	read_exact(m, back, sizeof(big));
	EXPECT_TRUE("all_echoed", memcmp(back, big, sizeof(big)) == 0);
	type("echo_long_nl", "\n", 2);
	CHECK(ready_within(s, 2000));
	EXPECT_VAL("long_line_read", read(s, back, sizeof(back)), 4096);
	EXPECT_TRUE("long_line_ends_nl", back[4094] == 'x' && back[4095] == '\n');
}

int main(void)
{
	char name[64];
	alarm(20);
	open_pair(&m, &s, name);
	editing();
	modes();
	output();
	long_line();
	OK(close(s));
	OK(close(m));
	return done();
}
