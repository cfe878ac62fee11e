#!/usr/bin/env bash
# CPython over unix domain sockets: socket.socketpair, a filesystem-named server in a thread,
# datagrams with abstract names, descriptors passed with send_fds/recv_fds, a socket handed
# to a subprocess, multiprocessing's Pipe across fork, and getaddrinfo without a network.
# -I: isolated mode, so the user's environment and site-packages play no part.
. "$(dirname "$0")/lib.sh" "$@"

PY=/usr/bin/python3
[ -x "$PY" ] || skip "$PY is not installed"

compare_status 0 $PY -I -c '
import socket
a, b = socket.socketpair()
a.sendall(b"hello " * 10000)  # less than the socket buffer: one thread
a.shutdown(socket.SHUT_WR)
data = b""
while True:
    chunk = b.recv(65536)
    if not chunk:
        break
    data += chunk
print(len(data), data[:12], a.family == socket.AF_UNIX, a.type == socket.SOCK_STREAM)'
compare_status 0 $PY -I -c '
import multiprocessing as mp
def child(conn):
    conn.send({"sum": sum(conn.recv())})
    conn.close()
if __name__ == "__main__":
    mp.set_start_method("fork")
    parent, c = mp.Pipe()
    p = mp.Process(target=child, args=(c,))
    p.start()
    parent.send(list(range(1000)))
    print(parent.recv(), end=" ")
    p.join()
    print(p.exitcode)'
compare_status 0 $PY -I -c '
import socket, subprocess, sys
a, b = socket.socketpair()
code = "import socket,sys; s=socket.socket(fileno=int(sys.argv[1])); s.sendall(b\"from child\")"
r = subprocess.run([sys.executable, "-I", "-c", code, str(b.fileno())], pass_fds=[b.fileno()])
b.close()
print(r.returncode, a.recv(100), a.recv(100))'
compare_status 0 $PY -I -c '
import socket, os, tempfile, threading
d = tempfile.mkdtemp()
path = os.path.join(d, "sock")
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen()
def serve():
    c, _ = srv.accept()
    with c:
        while True:
            m = c.recv(100)
            if not m:
                break
            c.sendall(m.upper())
t = threading.Thread(target=serve)
t.start()
cl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
cl.connect(path)
out = []
for w in (b"abc", b"def"):
    cl.sendall(w)
    out.append(cl.recv(100))
print(out, cl.getpeername() == path, os.stat(path).st_mode >> 12)
cl.close()
t.join()
srv.close()
os.unlink(path)
os.rmdir(d)'
compare_status 0 $PY -I -c '
import socket, os
r, w = os.pipe()
x, y = socket.socketpair()
socket.send_fds(x, [b"fd"], [w])
msg, fds, flags, addr = socket.recv_fds(y, 10, 1)
os.write(fds[0], b"through")
print(msg, len(fds), os.read(r, 10))
dg = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
dg.bind("\0cvisor-py-test-%d" % os.getpid())
snd = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
snd.sendto(b"dgram", dg.getsockname())
print(dg.recvfrom(100))'
compare_status 0 $PY -I -c '
import socket
print(sorted({ai[4][0] for ai in socket.getaddrinfo("localhost", 80, type=socket.SOCK_STREAM)}))'
finish
