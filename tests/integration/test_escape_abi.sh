#!/usr/bin/env bash
# Other syscall ABIs and dangerous calls from inside the sandbox fail cleanly (ENOSYS) and the
# guest goes on: int 0x80, the x32 bit, out-of-range numbers, io_uring, bpf, ptrace.
set -u
CVISOR=$1 PLATFORM=$2
PROGS=${CVISOR_BUILD:-$(dirname "$CVISOR")}/tests/programs
out=$("$CVISOR" do --platform="$PLATFORM" -- "$PROGS/abi_escape" 2>/dev/null)
status=$?
expected='int80_getpid: ENOSYS
int80_exit: ENOSYS
x32_getpid: ENOSYS
nr_100000: ENOSYS
io_uring_setup: ENOSYS
bpf: ENOSYS
ptrace_traceme: ENOSYS
ptrace_attach_init: ENOSYS
still here'
if [ "$status" -ne 0 ] || [ "$out" != "$expected" ]; then
	echo "FAIL: status $status"; diff <(echo "$expected") <(echo "$out"); exit 1
fi
echo "ok: every attempt got ENOSYS and the guest went on"
