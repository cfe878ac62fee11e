#!/usr/bin/env bash
# CPython starting and waiting for processes: subprocess (fork/vfork + exec, pipes, poll),
# os.fork + os.waitpid, os.posix_spawn, signals from Python. No threads (not yet supported).
# -I: isolated mode, so the user's environment and site-packages play no part.
. "$(dirname "$0")/lib.sh" "$@"

PY=/usr/bin/python3
[ -x "$PY" ] || skip "$PY is not installed"

compare_status 0 $PY -I -c '
import subprocess
r = subprocess.run(["/bin/echo", "hi"], capture_output=True)
print(r.returncode, r.stdout, r.stderr)'
compare_status 0 $PY -I -c '
import subprocess
print(subprocess.check_output("ls /usr | head -3", shell=True).decode(), end="")'
compare_status 0 $PY -I -c '
import subprocess
print(subprocess.run(["/bin/false"]).returncode, subprocess.run(["/bin/sh", "-c", "exit 9"]).returncode)'
compare_status 0 $PY -I -c '
import subprocess
r = subprocess.run(["/usr/bin/wc", "-c"], input=b"x" * 100000, stdout=subprocess.PIPE)
print(r.returncode, r.stdout.split())'
compare_status 0 $PY -I -c '
import subprocess
p = subprocess.Popen(["/usr/bin/sort"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
out, err = p.communicate("pear\napple\nfig\n")
print(p.returncode, out.split())'
compare_status 0 $PY -I -c '
import subprocess
r = subprocess.run("echo $FOO; pwd", shell=True, env={"FOO": "bar"}, cwd="/usr/share", capture_output=True, text=True)
print(r.stdout, end="")'
compare_status 0 $PY -I -c '
import subprocess
try:
    subprocess.run(["/no/such/program"])
except FileNotFoundError as e:
    print("FileNotFoundError", e.errno)'
compare_status 0 $PY -I -c '
import os
pid = os.fork()
if pid == 0:
    os._exit(7)
wpid, status = os.waitpid(pid, 0)
print(wpid == pid, os.WIFEXITED(status), os.WEXITSTATUS(status))'
compare_status 0 $PY -I -c '
import os
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(r)
    os.write(w, str(os.getppid()).encode())
    os._exit(0)
os.close(w)
print(os.read(r, 100).decode() == str(os.getpid()), os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))'
compare_status 0 $PY -I -c '
import os, signal
pid = os.fork()
if pid == 0:
    signal.pause()
    os._exit(0)
os.kill(pid, signal.SIGTERM)
print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))'
compare_status 0 $PY -I -c '
import os
pid = os.posix_spawn("/bin/echo", ["echo", "spawned"], os.environ)
print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))'
compare_status 0 $PY -I -c '
import os, signal
got = []
signal.signal(signal.SIGUSR1, lambda s, f: got.append(s))
os.kill(os.getpid(), signal.SIGUSR1)
print(got == [signal.SIGUSR1])'
compare_status 0 $PY -I -c '
import os, signal
signal.signal(signal.SIGALRM, lambda s, f: print("alarm"))
signal.setitimer(signal.ITIMER_REAL, 0.05)
signal.pause()
print("after")'
compare_status 3 $PY -I -c '
import subprocess, sys
sys.exit(subprocess.call(["/bin/sh", "-c", "echo child; exit 3"]))'
finish
