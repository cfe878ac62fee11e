#!/usr/bin/env bash
# run-one.sh CVISOR PLATFORM TESTBIN
#
# Runs TESTBIN natively, then under `CVISOR do --platform=PLATFORM -- TESTBIN`, both with
# stdin from /dev/null, and compares their stdout and exit status. Real Linux is the
# specification: the native run must exit 0, and the sandboxed run must match it exactly.
#
# Exit status: 0 when both runs exit 0 with identical stdout (or the test printed a
# "SKIP: reason" line natively), 1 otherwise.
set -u

if [ $# -ne 3 ]; then
	echo "usage: $0 CVISOR PLATFORM TESTBIN" >&2
	exit 2
fi
CVISOR=$1
PLATFORM=$2
TESTBIN=$3
NAME=$(basename "$TESTBIN")
# The sandboxed run gets a little less than ctest's 120 s so that a hang is reported here.
TIMEOUT=${CVISOR_TEST_TIMEOUT:-100}

if [ ! -x "$TESTBIN" ]; then
	echo "$NAME: test binary $TESTBIN is missing or not executable" >&2
	exit 1
fi
if [ ! -x "$CVISOR" ]; then
	echo "$NAME: cvisor binary $CVISOR is missing or not executable" >&2
	exit 1
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/cvisor-syscall-test.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT

show() { # show LABEL FILE: a file's contents, indented, or "(empty)"
	echo "--- $1:"
	if [ -s "$2" ]; then sed 's/^/    /' "$2"; else echo "    (empty)"; fi
}

# 1. Natively: this is the specification, so a failure here is a bug in the test.
"$TESTBIN" </dev/null >"$TMP/native.out" 2>"$TMP/native.err"
native_rc=$?

skip=$(grep -m1 '^SKIP: ' "$TMP/native.out")
if [ -n "$skip" ]; then
	echo "$NAME: $skip"
	exit 0
fi
if [ $native_rc -ne 0 ]; then
	echo "$NAME: FAILS NATIVELY (exit status $native_rc): the test itself is wrong," \
		"since real Linux is its specification" >&2
	show "native stdout" "$TMP/native.out" >&2
	show "native stderr" "$TMP/native.err" >&2
	exit 1
fi

# 2. Sandboxed.
timeout --kill-after=10 "$TIMEOUT" \
	"$CVISOR" do --platform="$PLATFORM" -- "$TESTBIN" </dev/null >"$TMP/sandbox.out" 2>"$TMP/sandbox.err"
sandbox_rc=$?

# 3. Compare.
if [ $sandbox_rc -eq 0 ] && cmp -s "$TMP/native.out" "$TMP/sandbox.out"; then
	echo "$NAME: ok ($(wc -l <"$TMP/native.out") lines, platform $PLATFORM)"
	exit 0
fi

echo "$NAME: MISMATCH on platform $PLATFORM"
echo "native exit status:    $native_rc"
if [ $sandbox_rc -eq 124 ] || [ $sandbox_rc -eq 137 ]; then
	echo "sandboxed exit status: $sandbox_rc (timed out after ${TIMEOUT}s?)"
else
	echo "sandboxed exit status: $sandbox_rc"
fi
if cmp -s "$TMP/native.out" "$TMP/sandbox.out"; then
	echo "stdout: identical"
else
	echo "stdout diff (- native, + sandboxed):"
	diff -u --label native --label sandboxed "$TMP/native.out" "$TMP/sandbox.out"
fi
if [ -s "$TMP/sandbox.err" ]; then
	echo "sandboxed stderr (last 40 lines):"
	tail -n 40 "$TMP/sandbox.err" | sed 's/^/    /'
fi
exit 1
