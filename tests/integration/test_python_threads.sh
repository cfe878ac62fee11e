#!/usr/bin/env bash
# CPython with threads: threading.Thread start/join, threading.Event, a queue.Queue producer
# and consumer, concurrent.futures.ThreadPoolExecutor.map, subprocess started from a thread.
# -I: isolated mode, so the user's environment and site-packages play no part.
. "$(dirname "$0")/lib.sh" "$@"

PY=/usr/bin/python3
[ -x "$PY" ] || skip "$PY is not installed"

compare_status 0 $PY -I -c '
import threading
results = [None] * 8
def work(i):
    results[i] = sum(range(i * 100000, (i + 1) * 100000))
ts = [threading.Thread(target=work, args=(i,)) for i in range(8)]
for t in ts: t.start()
for t in ts: t.join()
print(results)
print(sum(results) == sum(range(800000)), threading.active_count())'
compare_status 0 $PY -I -c '
import threading
ev = threading.Event()
seen = []
def waiter(n):
    ev.wait()
    seen.append(n)
ts = [threading.Thread(target=waiter, args=(i,)) for i in range(4)]
for t in ts: t.start()
print("set before:", ev.is_set(), "timed wait:", threading.Event().wait(0.01))
ev.set()
for t in ts: t.join()
print(sorted(seen))'
compare_status 0 $PY -I -c '
import queue, threading
q = queue.Queue(maxsize=4)
out = []
def producer():
    for i in range(100):
        q.put(i)
    q.put(None)
def consumer():
    while (item := q.get()) is not None:
        out.append(item * item)
p = threading.Thread(target=producer)
c = threading.Thread(target=consumer)
c.start(); p.start(); p.join(); c.join()
print(len(out), sum(out), out[:5])'
compare_status 0 $PY -I -c '
from concurrent.futures import ThreadPoolExecutor
import threading
with ThreadPoolExecutor(max_workers=4) as ex:
    print(list(ex.map(lambda n: sum(i * i for i in range(n)), range(0, 20000, 2000))))
    fut = ex.submit(lambda: threading.current_thread() is not threading.main_thread())
    print("in worker thread:", fut.result())'
compare_status 0 $PY -I -c '
import subprocess, threading
res = {}
def run(i):
    res[i] = subprocess.run(["/bin/sh", "-c", "echo t$0; exit $0", str(i)], capture_output=True, text=True)
ts = [threading.Thread(target=run, args=(i,)) for i in range(3)]
for t in ts: t.start()
for t in ts: t.join()
print([(res[i].returncode, res[i].stdout) for i in range(3)])'
compare_status 0 $PY -I -c '
import threading, time
lock = threading.Lock()
n = 0
def bump():
    global n
    for _ in range(10000):
        with lock:
            n += 1
ts = [threading.Thread(target=bump) for _ in range(8)]
for t in ts: t.start()
for t in ts: t.join()
t = threading.Timer(0.01, lambda: print("timer fired"))
t.start(); t.join()
print(n)'
finish
