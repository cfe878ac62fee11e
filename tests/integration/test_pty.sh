#!/usr/bin/env bash
# Pseudo-terminals with real programs: CPython's pty.fork (openpty, then setsid and
# TIOCSCTTY in the child, as login_tty) running dash on the slave: tty(1) and stty(1) on it,
# a line typed at the master (echo, editing, VEOF), ^C as SIGINT to the shell, raw mode;
# pty.spawn; and util-linux script(1) when the sandbox can run it.
. "$(dirname "$0")/lib.sh" "$@"

PY=/usr/bin/python3
[ -x "$PY" ] || skip "$PY is not installed"
[ -x /bin/sh ] || skip "/bin/sh is not installed"

cat >"$TMP/ptyrun.py" <<'PY'
import fcntl, os, pty, re, struct, sys, termios

def run(argv, typed=(), winsize=None):
    """Runs argv on a new pty; types each (wait_for, text) once wait_for has appeared in
    the output; returns the output (/dev/pts/N for any pty name) and the exit status."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(argv[0], argv)
    if winsize:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", *winsize, 0, 0))
    out, todo = b"", list(typed)
    while True:
        while todo and todo[0][0] in out:
            os.write(fd, todo.pop(0)[1])
        try:
            data = os.read(fd, 4096)
        except OSError:  # EIO: every slave file is closed
            break
        if not data:
            break
        out += data
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return re.sub(rb"/dev/pts/[0-9]+", b"/dev/pts/N", out).decode(), os.waitstatus_to_exitcode(status)

def show(label, r):
    print(label, repr(r[0]), r[1])

show("tty", run(["/bin/sh", "-c", "tty; stty size; stty -a | head -n 2"], winsize=(24, 80)))
show("read", run(["/bin/sh", "-c", "echo ready; read x; echo got:$x; exit 3"],
                 typed=[(b"ready", b"hello\n")]))
show("canon", run(["/bin/sh", "-c", "echo go; read a; echo [$a]"],
                  typed=[(b"go", b"abx\x7fc\x15xyz\n")]))
show("intr", run(["/bin/sh", "-c", "trap 'echo INT; exit 5' INT; echo ready; read x"],
                 typed=[(b"ready", b"\x03")]))
show("eof", run(["/bin/sh", "-c", "echo ready; cat; echo end"],
                typed=[(b"ready", b"one\n"), (b"one\r\none", b"\x04")]))
show("raw", run(["/bin/sh", "-c", "stty raw -echo; echo ready; head -c 3 | od -An -c"],
                typed=[(b"ready", b"a\rb")]))
PY

compare_status 0 $PY -I "$TMP/ptyrun.py"
# pty.spawn copies the child's output to ours (stdin is /dev/null: nothing to copy in).
compare_status 0 $PY -I -c 'import pty; pty.spawn(["/bin/sh", "-c", "tty >/dev/null && echo is-a-tty; stty size"])'

# script(1) needs signalfd, which the sandbox may not have yet: compared only when it runs.
if [ -x /usr/bin/script ]; then
	if sandboxed /usr/bin/script -qc true /dev/null >/dev/null 2>&1; then
		compare_status 0 /usr/bin/script -qc 'tty | sed "s/[0-9]*$/N/"; echo done' /dev/null
	else
		echo "note: script(1) does not run in the sandbox yet: not compared"
	fi
fi
finish
