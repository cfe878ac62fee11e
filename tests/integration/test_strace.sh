#!/usr/bin/env bash
# --strace: every guest syscall is logged on cvisor's stderr; the guest's stdout is untouched.
. "$(dirname "$0")/lib.sh" "$@"

OUT=$TMP/strace.out
ERR=$TMP/strace.err
timeout --kill-after=10 "$CVISOR_TIMEOUT" \
	"$CVISOR" do --platform="$PLATFORM" --strace -- /bin/true </dev/null >"$OUT" 2>"$ERR"
rc=$?

if [ $rc -eq 0 ]; then pass "exit status 0"; else fail "exit status $rc, expected 0"; fi
if [ -s "$OUT" ]; then
	fail "stdout is not empty"
	show_file "$OUT" 10
else
	pass "stdout empty"
fi
if grep -q 'exit_group(0)' "$ERR"; then pass "exit_group(0) logged"; else fail "no exit_group(0) on stderr"; fi
# /bin/true is dynamically linked: the loader opens libc.
if grep -q 'openat(' "$ERR"; then pass "openat( logged"; else fail "no openat( on stderr"; fi
# Syscall lines look like `[pid 1] name(args) = result`; accept any `name(` at a line start
# after an optional [pid N] prefix.
n=$(grep -Ec '^(\[pid +[0-9]+\] +)?[a-z_][a-z0-9_]*\(' "$ERR")
if [ "$n" -ge 5 ]; then pass "$n syscall lines"; else fail "only $n syscall lines on stderr, expected at least 5"; fi
if [ "$FAILED" -ne 0 ]; then
	echo "  stderr:"
	show_file "$ERR" 60
fi

# A program that writes: its output still goes to stdout, unmixed with the trace.
timeout --kill-after=10 "$CVISOR_TIMEOUT" \
	"$CVISOR" do --platform="$PLATFORM" --strace -- /bin/echo traced </dev/null >"$OUT" 2>"$ERR"
rc=$?
if [ $rc -eq 0 ] && [ "$(cat "$OUT")" = traced ]; then
	pass "echo under --strace: stdout is exactly its output"
else
	fail "echo under --strace: exit $rc, stdout:"
	show_file "$OUT" 10
fi
if grep -Eq '^(\[pid +[0-9]+\] +)?write\(1, "traced' "$ERR"; then
	pass "write(1, \"traced... logged"
else
	fail "no write(1, \"traced... line on stderr"
	show_file "$ERR" 60
fi
finish
