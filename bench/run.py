#!/usr/bin/python3
"""make bench: cvisor's micro-benchmarks natively and under every sandbox, in one table.

Each round runs every case once under every runtime (the runtimes' order rotates from round to
round so none always runs first); the table shows each cell's median over the rounds and its
ratio to the native median of the same run. The table goes to stdout and to
bench/results/latest.md. Benchmarks are not tests: nothing here is part of `make test`.

Knobs (environment): BUILD (cvisor's build directory, default build), ROUNDS (default 5),
BENCH_FILE_MB (size of the tmpfs file case, default 1024), BENCH_TCP_MB (default 1024).
Run as root: it installs Debian's runsc and proot with apt-get when they are missing, and
`runsc do` needs root.
"""

import datetime
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(REPO, os.environ.get("BUILD", "build"))
ROUNDS = int(os.environ.get("ROUNDS", "5"))
FILE_MB = int(os.environ.get("BENCH_FILE_MB", "1024"))
TCP_MB = int(os.environ.get("BENCH_TCP_MB", "1024"))
MICRO = os.path.join(BUILD, "bench", "micro")
CVISOR = os.path.join(BUILD, "cvisor")
RESULTS = os.path.join(REPO, "bench", "results", "latest.md")
RUN_TIMEOUT = 600  # seconds; a hung sandbox costs one cell, not the whole run
PROBE_TIMEOUT = 10
EXIT_UNSUPPORTED = 3  # micro's exit status when socket(AF_INET) fails

START = "start_true"  # container start-to-exit of /bin/true, timed here, not by micro

# (case, what one op is, micro's arguments after the case name)
CASES = [
    ("getppid", "one getppid()", []),
    ("open_read_close", "open + read 4 KiB + close", []),
    ("stat", "one stat()", []),
    ("pipe_rtt", "1-byte round trip between 2 processes", []),
    ("fork_exec_wait", "fork + execve(/bin/true) + wait", []),
    ("mmap_64k", "mmap 64 KiB + touch 16 pages + munmap", []),
    ("cpu_loop", "1000 multiply-adds, no syscall", []),
    ("file_rw", f"1 MiB written then read back, of {FILE_MB} MiB on tmpfs",
     [str(FILE_MB), "/dev/shm"]),
    ("tcp_loopback", f"1 MiB over loopback TCP, of {TCP_MB} MiB", [str(TCP_MB)]),
    (START, "whole `RUNTIME /bin/true`, timed by the script", None),
]

# Targets from issue 5, as the highest acceptable ratio sandbox time / native time, per
# cvisor platform. "file write/read >= 0.8x" is a throughput ratio: time ratio <= 1 / 0.8.
TARGETS = {
    "getppid": {"cvisor-seccomp": 6.0, "cvisor-ptrace": 40.0},
    "open_read_close": 2.0,
    "stat": 2.0,
    "pipe_rtt": 3.0,
    "fork_exec_wait": 2.0,
    "mmap_64k": 1.5,
    "cpu_loop": 1.02,
    "file_rw": 1.25,
}
TARGET_TEXT = {
    "getppid": "<= 6x seccomp, <= 40x ptrace",
    "cpu_loop": "within 2% (<= 1.02x)",
    "file_rw": "throughput >= 0.8x (<= 1.25x)",
}


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def run(argv, timeout=RUN_TIMEOUT, env=None):
    """Runs argv in its own process group; returns (exit status, stdout, stderr, seconds).

    A timed-out run gets its whole group killed (runsc's sandbox and gofer included) and
    exit status None."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True, env=env)
    try:
        out, err = p.communicate(timeout=timeout)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        rc = None
    return rc, out, err, time.perf_counter() - t0


def last_line(text):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return lines[-1][:120] if lines else "no output"


class Runtime:
    def __init__(self, key, title, prefix, note):
        self.key, self.title, self.prefix, self.note = key, title, prefix, note
        self.unavailable = None  # why the column has no figures, if it has none

    def command_line(self):
        return " ".join(self.prefix + ["CMD"]) if self.prefix else "CMD"


def ensure_packages():
    """Installs Debian's runsc and proot when missing (root only)."""
    missing = [pkg for pkg in ("runsc", "proot") if not shutil.which(pkg)]
    if not missing:
        return
    if os.geteuid() != 0:
        log(f"{' '.join(missing)} missing and not root: those columns are skipped")
        return
    log(f"installing {' '.join(missing)} with apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "--no-install-recommends"] + missing
    if subprocess.run(install, env=env, stdout=subprocess.DEVNULL).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, stdout=subprocess.DEVNULL)
        subprocess.run(install, env=env, stdout=subprocess.DEVNULL)


def runsc_version():
    if not shutil.which("runsc"):
        return "runsc"
    rc, out, _, _ = run(["runsc", "--version"], timeout=PROBE_TIMEOUT)
    return out.split("\n")[0] if rc == 0 else "runsc"


def probe_runsc(rt):
    """runsc do leaves its bundle in $TMPDIR when killed: give it a private one to remove."""
    tmp = tempfile.mkdtemp(prefix="cvisor-bench-runsc-")
    try:
        rc, _, err, _ = run(rt.prefix + ["/bin/true"], timeout=PROBE_TIMEOUT,
                            env=dict(os.environ, TMPDIR=tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if rc is None:
        return f"`{rt.command_line()}` with /bin/true did not finish in {PROBE_TIMEOUT} s"
    if rc != 0:
        return f"`/bin/true` under it exited {rc}: {last_line(err)}"
    return None


def probe(rt):
    """Why rt cannot run /bin/true here, or None when it can."""
    tool = rt.prefix[0] if rt.prefix else None
    if tool and not (os.access(tool, os.X_OK) or shutil.which(tool)):
        return f"{tool} not installed"
    if tool == "runsc":
        return probe_runsc(rt)
    if rt.prefix:
        rc, _, err, _ = run(rt.prefix + ["/bin/true"], timeout=PROBE_TIMEOUT)
        if rc != 0:
            return f"not working yet (`/bin/true` under it: {last_line(err)})"
    return None


def make_runtimes():
    rts = [
        Runtime("native", "native", [], "the host kernel"),
        Runtime("runsc-ptrace", "gVisor ptrace", ["runsc", "--platform=ptrace", "--network=none",
                                                  "do", "--"], runsc_version()),
    ]
    if os.path.exists("/dev/kvm"):
        rts.append(Runtime("runsc-kvm", "gVisor kvm",
                           ["runsc", "--platform=kvm", "--network=none", "do", "--"],
                           runsc_version()))
    rts += [
        Runtime("proot", "PRoot", ["proot", "-r", "/"], "Debian's proot"),
        Runtime("cvisor-ptrace", "cvisor ptrace", [CVISOR, "do", "--platform=ptrace", "--"],
                "this tree"),
        Runtime("cvisor-seccomp", "cvisor seccomp", [CVISOR, "do", "--platform=seccomp", "--"],
                "this tree"),
    ]
    return rts


def measure(rt, case, args):
    """One sample: ns per op, or ("skip"/"fail", reason)."""
    if case == START:
        rc, _, err, secs = run(rt.prefix + ["/bin/true"])
        return secs * 1e9 if rc == 0 else ("fail", f"exit {rc}: {last_line(err)}")
    rc, out, err, _ = run(rt.prefix + [MICRO, case] + args)
    if rc == EXIT_UNSUPPORTED and case == "tcp_loopback":
        return ("skip", "skipped: no netstack yet")
    fields = out.split()
    if rc != 0 or len(fields) != 2 or fields[0] != case:
        why = "timed out" if rc is None else f"exit {rc}: {last_line(err or out)}"
        return ("fail", why)
    return float(fields[1])


def fmt_time(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}" if ns < 100 * scale else f"{ns / scale:.0f} {unit}"
    return f"{ns:.0f} ns"


def target_for(case, key):
    t = TARGETS.get(case)
    return t.get(key) if isinstance(t, dict) else t


def target_text(case):
    if case in TARGET_TEXT:
        return TARGET_TEXT[case]
    t = TARGETS.get(case)
    return f"<= {t:g}x" if t else "-"


def cell(rt, case, samples, native_median, failures):
    """The table cell of one runtime and one case."""
    if rt.unavailable:
        return "n/a"
    nums = [s for s in samples if not isinstance(s, tuple)]
    skips = [s for s in samples if isinstance(s, tuple) and s[0] == "skip"]
    fails = [s for s in samples if isinstance(s, tuple) and s[0] == "fail"]
    if skips and not nums:
        return skips[0][1]
    if not nums:
        failures.append(f"{rt.title}, {case}: {fails[0][1]}")
        return "failed (see notes)"
    med = statistics.median(nums)
    if rt.key == "native":
        return fmt_time(med)
    text = fmt_time(med)
    if native_median:
        ratio = med / native_median
        text += f" ({ratio:.3g}x)" if ratio < 100 else f" ({ratio:.0f}x)"
        target = target_for(case, rt.key) if rt.key.startswith("cvisor") else None
        if target:
            text += " met" if ratio <= target else f" **missed** by {ratio / target:.3g}x"
    if fails:
        failures.append(f"{rt.title}, {case}: {len(fails)} of {len(samples)} runs failed: "
                        f"{fails[0][1]}")
        text += f" ({len(fails)}/{len(samples)} failed)"
    return text


def done_when(samples):
    """Issue 5's closing criterion: getppid under seccomp-trap >= 10x faster than gVisor-ptrace."""
    med = {}
    for key in ("runsc-ptrace", "cvisor-seccomp", "cvisor-ptrace"):
        nums = [s for s in samples[(key, "getppid")] if not isinstance(s, tuple)]
        med[key] = statistics.median(nums) if nums else None
    parts = []
    for key in ("cvisor-seccomp", "cvisor-ptrace"):
        if med[key] and med["runsc-ptrace"]:
            parts.append(f"{key.replace('-', ' ')} {med['runsc-ptrace'] / med[key]:.3g}x faster")
        else:
            parts.append(f"{key.replace('-', ' ')} n/a")
    return ("getppid against gVisor ptrace in this run (issue 5 wants seccomp >= 10x faster): "
            + ", ".join(parts) + ".")


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores ({model}), Linux {platform.release()}"


def load():
    """Other work on the machine skews every column; the 1-minute load average says how much."""
    return f"{os.getloadavg()[0]:.2f}"


def main():
    os.makedirs(os.path.dirname(MICRO), exist_ok=True)
    subprocess.run(["gcc", "-O2", "-static", "-o", MICRO, os.path.join(REPO, "bench", "micro.c")],
                   check=True)
    ensure_packages()
    runtimes = make_runtimes()
    for rt in runtimes:
        rt.unavailable = probe(rt)
        log(f"{rt.title}: {rt.unavailable or 'ok'}")
    live = [rt for rt in runtimes if not rt.unavailable]

    samples = {(rt.key, c[0]): [] for rt in runtimes for c in CASES}
    load_before = load()
    t0 = time.monotonic()
    for r in range(ROUNDS):
        order = live[r % len(live):] + live[:r % len(live)]
        for case, _, args in CASES:
            for rt in order:
                samples[(rt.key, case)].append(measure(rt, case, args))
        log(f"round {r + 1}/{ROUNDS} done, {time.monotonic() - t0:.0f} s")

    failures = []
    shown = [rt for rt in runtimes if not (rt.key == "runsc-kvm" and rt.unavailable)]
    lines = ["| case | one op | target (cvisor) | " + " | ".join(rt.title for rt in shown) + " |",
             "|---|---|---|" + "---:|" * len(shown)]
    for case, op, _ in CASES:
        nat = [s for s in samples[("native", case)] if not isinstance(s, tuple)]
        nat_med = statistics.median(nat) if nat else None
        cells = [cell(rt, case, samples[(rt.key, case)], nat_med, failures) for rt in shown]
        lines.append(f"| {case} | {op} | {target_text(case)} | " + " | ".join(cells) + " |")

    notes = [
        "",
        f"Time per op, median of {ROUNDS} interleaved rounds (each round runs every runtime "
        "once per case); in brackets the ratio to native in the same run (higher is slower). "
        "For each cvisor column: met, or missed by how much (ratio / target).",
        "",
        "Runtimes (CMD is `" + os.path.relpath(MICRO, REPO) + " CASE [ARGS]`, or `/bin/true` for "
        f"{START}):",
    ]
    for rt in runtimes:
        line = f"- {rt.title}: `{rt.command_line()}` ({rt.note})"
        if rt.unavailable:
            line += f"; **not measured**: {rt.unavailable}"
        notes.append(line.replace(REPO + "/", ""))
    notes += [
        "",
        f"file_rw: {FILE_MB} MiB (BENCH_FILE_MB) in /dev/shm, a tmpfs natively and in every "
        f"sandbox; tcp_loopback: {TCP_MB} MiB (BENCH_TCP_MB), skipped where socket(AF_INET) "
        "fails. gVisor runs with `--network=none`, which keeps its loopback.",
        "",
        done_when(samples),
    ]
    if failures:
        notes += ["", "Failures:"] + [f"- {f}" for f in failures]
    notes += ["", f"Machine: {machine()}; load average {load_before} before the rounds, "
              f"{load()} after. "
              f"Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
              f"the run took {time.monotonic() - t0:.0f} s."]
    text = "\n".join(lines + notes) + "\n"
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, "w") as f:
        f.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
