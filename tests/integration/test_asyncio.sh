#!/usr/bin/env bash
# CPython's asyncio on its default event loop (EpollSelector): a subprocess with a pipe, timers,
# a reader on a pipe, a thread waking the loop through its self-pipe, wait_for timing out,
# many tasks. -I: isolated mode, so the user's environment and site-packages play no part.
. "$(dirname "$0")/lib.sh" "$@"

PY=/usr/bin/python3
[ -x "$PY" ] || skip "$PY is not installed"

PROGRAM='
import asyncio, os, time

async def main():
    loop = asyncio.get_running_loop()
    print(type(loop._selector).__name__)
    proc = await asyncio.create_subprocess_exec(
        "/bin/sh", "-c", "echo out; sleep 0.05; echo more", stdout=asyncio.subprocess.PIPE)
    lines = [l async for l in proc.stdout]
    print(lines, await proc.wait())
    fut = loop.create_future()
    t0 = time.monotonic()
    loop.call_later(0.05, fut.set_result, "timer fired")
    print(await fut, time.monotonic() - t0 >= 0.05)
    r, w = os.pipe()
    got = loop.create_future()
    loop.add_reader(r, lambda: got.set_result(os.read(r, 100)))
    loop.call_later(0.02, os.write, w, b"ping")
    print(await got)
    loop.remove_reader(r)
    print(await loop.run_in_executor(None, sum, range(1000)))
    try:
        await asyncio.wait_for(asyncio.sleep(10), 0.05)
    except asyncio.TimeoutError:
        print("timeout")
    async def job(i):
        await asyncio.sleep(0.01 * (i % 3))
        return i * i
    print(sum(await asyncio.gather(*(job(i) for i in range(50)))))

asyncio.run(main())
print("done")
'
compare_status 0 $PY -I -c "$PROGRAM"
finish
