/* Pseudo-terminal pairs: posix_openpt, grantpt, unlockpt, ptsname; the slave locked until
 * unlockpt (EIO); the node /dev/pts/N (136:N, the opener's, chmod-able, gone once the master
 * closes); /dev/ptmx and /dev/pts/ptmx; the initial termios and window size, set and read
 * through either end; the master-only ioctls; TIOCGPTPEER; what each end sees once the
 * other is closed. */
#define _GNU_SOURCE
#include "check.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "pty_helpers.h"

/* The kernel's struct termios2 (TCGETS2): glibc's <termios.h> has no such struct. */
struct ktermios2 {
	unsigned c_iflag, c_oflag, c_cflag, c_lflag;
	unsigned char c_line, c_cc[19];
	unsigned c_ispeed, c_ospeed;
};
#define K_TCGETS2 0x802C542A

static bool dir_has(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;
	CHECK(d != NULL);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, name) == 0)
			found = true;
	closedir(d);
	return found;
}

static void termios_and_winsize(int m, int s)
{
	struct termios t, u;
	memset(&t, 0, sizeof(t)); /* glibc's struct is larger than what the kernel fills */
	memset(&u, 0, sizeof(u));
	OK(tcgetattr(s, &t));
	printf("initial: iflag %#x oflag %#x cflag %#x lflag %#x\n", t.c_iflag, t.c_oflag,
	       t.c_cflag, t.c_lflag);
	printf("initial cc:");
	for (int i = 0; i < 17; i++)
		printf(" %d", t.c_cc[i]);
	printf("\n");
	EXPECT_VAL("initial_ospeed", cfgetospeed(&t), B38400);
	OK(tcgetattr(m, &u));
	EXPECT_TRUE("master_reads_slave_termios", memcmp(&t, &u, sizeof(t)) == 0);
	struct ktermios2 k2;
	EXPECT_VAL("tcgets2", ioctl(s, K_TCGETS2, &k2), 0);
	EXPECT_VAL("tcgets2_ispeed", k2.c_ispeed, 38400);
	EXPECT_VAL("tcgets2_lflag_same", k2.c_lflag, t.c_lflag);

	/* Settings made through the master are the slave's. */
	t.c_lflag &= ~(tcflag_t)ECHO;
	t.c_cc[VINTR] = 1;
	EXPECT_VAL("tcsetattr_master", tcsetattr(m, TCSANOW, &t), 0);
	OK(tcgetattr(s, &u));
	EXPECT_TRUE("slave_sees_no_echo", !(u.c_lflag & ECHO));
	EXPECT_VAL("slave_sees_vintr", u.c_cc[VINTR], 1);
	/* A pty is always 8 bits, no parity (glibc reads the settings back and says EINVAL). */
	u.c_cflag = (u.c_cflag & ~(tcflag_t)CSIZE) | CS7 | PARENB;
	EXPECT_ERR("tcsetattr_cs7", tcsetattr(s, TCSAFLUSH, &u), EINVAL);
	OK(tcgetattr(s, &u));
	EXPECT_TRUE("still_cs8", (u.c_cflag & CSIZE) == CS8 && !(u.c_cflag & PARENB));
	cfsetspeed(&u, B9600);
	OK(tcsetattr(s, TCSADRAIN, &u));
	OK(tcgetattr(m, &u));
	EXPECT_VAL("speed_9600", cfgetispeed(&u), B9600);
	EXPECT_VAL("tcgets2_ospeed_9600", (ioctl(s, K_TCGETS2, &k2), k2.c_ospeed), 9600);
	EXPECT_ERR("tcgetattr_badptr", ioctl(s, TCGETS, BADPTR), EFAULT);
	EXPECT_ERR("tcsetattr_badptr", ioctl(m, TCSETS, BADPTR), EFAULT);

	struct winsize w = {0}, x = {24, 80, 640, 480};
	EXPECT_VAL("tiocgwinsz", ioctl(s, TIOCGWINSZ, &w), 0);
	printf("initial winsize: %d %d %d %d\n", w.ws_row, w.ws_col, w.ws_xpixel, w.ws_ypixel);
	EXPECT_VAL("tiocswinsz_master", ioctl(m, TIOCSWINSZ, &x), 0);
	EXPECT_VAL("tiocgwinsz_slave", ioctl(s, TIOCGWINSZ, &w), 0);
	printf("winsize: %d %d %d %d\n", w.ws_row, w.ws_col, w.ws_xpixel, w.ws_ypixel);
	x.ws_row = 50;
	EXPECT_VAL("tiocswinsz_slave", ioctl(s, TIOCSWINSZ, &x), 0);
	EXPECT_VAL("tiocgwinsz_master_rows", (ioctl(m, TIOCGWINSZ, &w), w.ws_row), 50);
	EXPECT_ERR("tiocswinsz_badptr", ioctl(m, TIOCSWINSZ, BADPTR), EFAULT);
}

static void ioctls(int m, int s, unsigned n)
{
	int v = -1;
	EXPECT_ERR("slave_tiocgptn", ioctl(s, TIOCGPTN, &v), ENOTTY);
	EXPECT_ERR("slave_tiocsptlck", ioctl(s, TIOCSPTLCK, &v), ENOTTY);
	EXPECT_ERR("slave_tiocgptpeer", ioctl(s, TIOCGPTPEER, O_RDWR), EIO);
	EXPECT_ERR("master_tiocmget", ioctl(m, TIOCMGET, &v), ENOTTY);
	EXPECT_ERR("slave_tiocmget", ioctl(s, TIOCMGET, &v), ENOTTY);
	EXPECT_VAL("fionread_slave_empty", (ioctl(s, FIONREAD, &v), v), 0);
	EXPECT_VAL("fionread_master_empty", (ioctl(m, FIONREAD, &v), v), 0);
	EXPECT_VAL("tiocoutq", (ioctl(s, TIOCOUTQ, &v), v), 0);
	EXPECT_VAL("tiocgetd", (ioctl(s, TIOCGETD, &v), v), 0);
	v = 0;
	EXPECT_VAL("tiocsetd_n_tty", ioctl(s, TIOCSETD, &v), 0);
	EXPECT_VAL("tiocgpkt", (ioctl(m, TIOCGPKT, &v), v), 0);
	EXPECT_VAL("tiocgexcl", (ioctl(s, TIOCGEXCL, &v), v), 0);
	EXPECT_VAL("tiocexcl", ioctl(s, TIOCEXCL), 0);
	EXPECT_VAL("tiocgexcl_on", (ioctl(s, TIOCGEXCL, &v), v), 1);
	EXPECT_VAL("tiocnxcl", ioctl(s, TIOCNXCL), 0);
	EXPECT_ERR("tcflsh_bad", ioctl(s, TCFLSH, 7), EINVAL);
	EXPECT_VAL("tcflsh", ioctl(s, TCFLSH, TCIOFLUSH), 0);
	EXPECT_ERR("tcxonc_bad", ioctl(s, TCXONC, 9), EINVAL);
	EXPECT_VAL("tcdrain", tcdrain(s), 0);
	if (n < 256) {
		unsigned dev = 0;
		EXPECT_VAL("tiocgdev", ioctl(m, TIOCGDEV, &dev), 0);
		EXPECT_TRUE("tiocgdev_is_slave", dev == (136u << 8 | n));
	}
	EXPECT_ERR("tiocgptn_badptr", ioctl(m, TIOCGPTN, BADPTR), EFAULT);
	EXPECT_ERR("file_ioctl_on_pipe", ioctl(0, TIOCGPTN, &v), ENOTTY);

	/* TIOCGPTPEER: the slave opened through the master, without knowing its name. */
	int p = EXPECT_OK("tiocgptpeer", ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
	struct stat a, b;
	OK(fstat(p, &a));
	OK(fstat(s, &b));
	EXPECT_TRUE("peer_is_slave", a.st_ino == b.st_ino && a.st_rdev == b.st_rdev);
	EXPECT_VAL("peer_cloexec", fcntl(p, F_GETFD), FD_CLOEXEC);
	EXPECT_VAL("peer_write", write(p, "x", 1), 1);
	expect_read("master_reads_peer", m, 1);
	OK(close(p));
}

int main(void)
{
	char name[64], want[64];
	unsigned n = 0;
	int v = -1;
	struct stat st, st2;

	int m = EXPECT_OK("posix_openpt", posix_openpt(O_RDWR | O_NOCTTY));
	EXPECT_VAL("grantpt", grantpt(m), 0);
	EXPECT_VAL("ptsname_r", ptsname_r(m, name, sizeof(name)), 0);
	EXPECT_VAL("tiocgptn", ioctl(m, TIOCGPTN, &n), 0);
	snprintf(want, sizeof(want), "/dev/pts/%u", n);
	EXPECT_TRUE("ptsname_is_dev_pts_n", strcmp(name, want) == 0);
	EXPECT_VAL("locked_at_open", (ioctl(m, TIOCGPTLCK, &v), v), 1);
	EXPECT_ERR("slave_open_while_locked", open(name, O_RDWR | O_NOCTTY), EIO);
	EXPECT_VAL("unlockpt", unlockpt(m), 0);
	EXPECT_VAL("unlocked", (ioctl(m, TIOCGPTLCK, &v), v), 0);
	int s = EXPECT_OK("slave_open", open(name, O_RDWR | O_NOCTTY));
	EXPECT_TRUE("isatty_both", isatty(m) && isatty(s));

	/* The node: a character device 136:N of the opener. */
	EXPECT_VAL("stat_slave", stat(name, &st), 0);
	EXPECT_TRUE("slave_is_chr_136_n",
		    S_ISCHR(st.st_mode) && major(st.st_rdev) == 136 && minor(st.st_rdev) == n);
	EXPECT_TRUE("slave_owner_is_us", st.st_uid == geteuid() && (st.st_mode & 0600) == 0600);
	EXPECT_TRUE("slave_ino_is_n_plus_3", st.st_ino == n + 3);
	OK(fstat(s, &st2));
	EXPECT_TRUE("fstat_slave_same", st2.st_ino == st.st_ino && st2.st_dev == st.st_dev);
	EXPECT_VAL("chmod_slave", chmod(name, 0600), 0);
	EXPECT_VAL("chmod_seen", (stat(name, &st2), st2.st_mode & 07777), 0600);
	EXPECT_VAL("chmod_back", chmod(name, 0620), 0);
	EXPECT_VAL("chmod_back_seen", (stat(name, &st2), st2.st_mode & 07777), 0620);
	OK(fstat(m, &st2));
	EXPECT_TRUE("master_is_ptmx", S_ISCHR(st2.st_mode) && st2.st_rdev == makedev(5, 2));
	EXPECT_VAL("stat_dev_ptmx", stat("/dev/ptmx", &st2), 0);
	EXPECT_TRUE("dev_ptmx_5_2", S_ISCHR(st2.st_mode) && st2.st_rdev == makedev(5, 2));
	EXPECT_VAL("stat_pts_ptmx", stat("/dev/pts/ptmx", &st2), 0);
	printf("pts_ptmx mode %o rdev %u:%u ino %lu\n", st2.st_mode, major(st2.st_rdev),
	       minor(st2.st_rdev), (unsigned long)st2.st_ino);
	EXPECT_TRUE("pts_same_fs", st2.st_dev == st.st_dev);
	EXPECT_VAL("stat_pts_dir", stat("/dev/pts", &st2), 0);
	printf("pts dir mode %o ino %lu\n", st2.st_mode, (unsigned long)st2.st_ino);
	struct statfs sf;
	EXPECT_VAL("statfs_devpts", statfs("/dev/pts", &sf), 0);
	EXPECT_VAL("devpts_magic", sf.f_type, 0x1cd1);
	EXPECT_TRUE("listed_ptmx", dir_has("/dev/pts", "ptmx"));
	EXPECT_TRUE("listed_n", dir_has("/dev/pts", name + 9));

	termios_and_winsize(m, s);
	ioctls(m, s, n);

	/* The master closes: the node goes at once, the slave is hung up. */
	OK(close(m));
	EXPECT_ERR("node_gone", stat(name, &st2), ENOENT);
	EXPECT_TRUE("not_listed", !dir_has("/dev/pts", name + 9));
	struct pollfd pf = {.fd = s, .events = POLLIN | POLLOUT};
	EXPECT_VAL("hung_slave_poll", poll(&pf, 1, 0), 1);
	printf("hung slave revents %#x\n", pf.revents);
	char buf[16];
	EXPECT_VAL("hung_slave_read_eof", read(s, buf, sizeof(buf)), 0);
	EXPECT_ERR("hung_slave_write", write(s, "x", 1), EIO);
	EXPECT_ERR("hung_slave_tcgetattr", tcgetattr(s, (struct termios *)buf), EIO);
	EXPECT_VAL("hung_slave_fstat", fstat(s, &st2), 0);
	OK(close(s));

	/* The slave closes first: the master reads what is left, then EIO. */
	open_pair(&m, &s, name);
	OK(fcntl(m, F_SETFL, O_NONBLOCK));
	EXPECT_ERR("master_read_empty", read(m, buf, sizeof(buf)), EAGAIN);
	EXPECT_VAL("slave_write", write(s, "data\n", 5), 5);
	OK(close(s));
	CHECK(ready_within(m, 2000));
	pf.fd = m;
	EXPECT_VAL("master_poll_after_slave_close", poll(&pf, 1, 0), 1);
	printf("master revents %#x\n", pf.revents);
	expect_read("master_reads_rest", m, 6);
	EXPECT_ERR("master_read_eio", read(m, buf, sizeof(buf)), EIO);
	EXPECT_VAL("master_write_still", write(m, "z", 1), 1);
	EXPECT_VAL("node_still_there", stat(name, &st2), 0);
	s = EXPECT_OK("slave_reopen", open(name, O_RDWR | O_NOCTTY));
	expect_read("echo_of_what_waited", m, 1); /* the line discipline was there all along */
	EXPECT_ERR("master_read_again_eagain", read(m, buf, sizeof(buf)), EAGAIN);
	OK(close(s));
	OK(close(m));
	return done();
}
