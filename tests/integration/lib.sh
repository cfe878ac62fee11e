# Helpers for the integration tests. Source it from a test_*.sh script, passing the script's
# arguments:
#
#     . "$(dirname "$0")/lib.sh" "$@"
#
# Arguments: CVISOR PLATFORM (the cvisor binary and the platform to run it with).
# Environment (set by ctest): CVISOR_BUILD, CVISOR_SRC; optional CVISOR_TIMEOUT (seconds
# allowed for one sandboxed command, default 300).
#
# Real Linux is the specification: a command is run natively and then under
# `cvisor do --platform=PLATFORM -- CMD...`, and the two runs must agree.
#
#   compare CMD...                 stdout and exit status must be identical both ways
#   compare_status N CMD...        the same, and the native exit status must be N
#   sandboxed CMD...               runs CMD under cvisor (stdin from /dev/null)
#   fail MESSAGE / pass MESSAGE    record a failed / passed check
#   skip MESSAGE                   print "SKIP: MESSAGE" and exit 0 (nothing else is run)
#   finish                         exit 1 if any check failed, else 0
#
# Every check runs even after a failure, so one run shows every mismatch. $TMP is a private
# scratch directory, removed on exit.

set -u

if [ $# -lt 2 ]; then
	echo "usage: $0 CVISOR PLATFORM" >&2
	exit 2
fi
CVISOR=$1
PLATFORM=$2
CVISOR_TIMEOUT=${CVISOR_TIMEOUT:-300}
TEST_NAME=$(basename "$0" .sh)

if [ ! -x "$CVISOR" ]; then
	echo "$TEST_NAME: cvisor binary '$CVISOR' is missing or not executable" >&2
	exit 1
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/cvisor-$TEST_NAME.XXXXXX") || exit 1
_lib_cleanup() { rm -rf "$TMP"; }
trap _lib_cleanup EXIT

FAILED=0
CHECKS=0
_NCMD=0
# The native exit status of the last compare.
LAST_STATUS=0

pass() {
	CHECKS=$((CHECKS + 1))
	echo "ok: $*"
}

fail() {
	CHECKS=$((CHECKS + 1))
	FAILED=$((FAILED + 1))
	echo "FAIL: $*"
}

skip() {
	echo "SKIP: $*"
	exit 0
}

# Indents a file's contents, or says it is empty; at most $2 lines (default 40).
show_file() {
	if [ -s "$1" ]; then
		head -n "${2:-40}" "$1" | sed 's/^/    /'
		local n
		n=$(wc -l <"$1")
		[ "$n" -gt "${2:-40}" ] && echo "    ... ($n lines in all)"
	else
		echo "    (empty)"
	fi
	return 0
}

sandboxed() {
	timeout --kill-after=10 "$CVISOR_TIMEOUT" \
		"$CVISOR" do --platform="$PLATFORM" -- "$@" </dev/null
}

# A printable form of a command line.
_cmdline() {
	local s
	s=$(printf '%q ' "$@")
	echo "${s% }"
}

compare() {
	_NCMD=$((_NCMD + 1))
	local d="$TMP/cmd$_NCMD" cmd
	cmd=$(_cmdline "$@")
	mkdir -p "$d"
	"$@" </dev/null >"$d/native.out" 2>"$d/native.err"
	local native=$?
	LAST_STATUS=$native
	sandboxed "$@" >"$d/sandbox.out" 2>"$d/sandbox.err"
	local sandbox=$?
	if [ "$native" -eq "$sandbox" ] && cmp -s "$d/native.out" "$d/sandbox.out"; then
		pass "$cmd (exit $native, $(wc -l <"$d/native.out") lines)"
		return 0
	fi
	fail "$cmd"
	echo "  native exit status:    $native"
	if [ "$sandbox" -eq 124 ] || [ "$sandbox" -eq 137 ]; then
		echo "  sandboxed exit status: $sandbox (timed out after ${CVISOR_TIMEOUT}s?)"
	else
		echo "  sandboxed exit status: $sandbox"
	fi
	if cmp -s "$d/native.out" "$d/sandbox.out"; then
		echo "  stdout: identical"
	else
		echo "  stdout diff (- native, + sandboxed):"
		diff -u --label native --label sandboxed "$d/native.out" "$d/sandbox.out" |
			head -n 80 | sed 's/^/    /'
	fi
	echo "  native stderr:"
	show_file "$d/native.err" 10
	echo "  sandboxed stderr:"
	show_file "$d/sandbox.err" 40
	return 1
}

compare_status() {
	local want=$1
	shift
	compare "$@"
	local rc=$?
	if [ "$LAST_STATUS" -ne "$want" ]; then
		fail "$(_cmdline "$@"): natively exited $LAST_STATUS, the test expects $want (the test is wrong)"
		return 1
	fi
	return $rc
}

finish() {
	if [ "$FAILED" -ne 0 ]; then
		echo "$TEST_NAME: $FAILED of $CHECKS checks FAILED (platform $PLATFORM)"
		exit 1
	fi
	echo "$TEST_NAME: all $CHECKS checks passed (platform $PLATFORM)"
	exit 0
}
