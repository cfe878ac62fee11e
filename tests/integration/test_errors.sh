#!/usr/bin/env bash
# How `cvisor do` fails: shell conventions for exit statuses (127: no command or not found;
# 126: found but not executable), and a clear message on stderr.
. "$(dirname "$0")/lib.sh" "$@"

# expect_failure LABEL WANT_STATUS STDERR_REGEX -- CVISOR-ARGS...
# Runs cvisor with the given arguments; checks the status, that stdout is empty, and that
# stderr matches the (case-insensitive, extended) regex. STDERR_REGEX "ONE_LINE" instead
# asks for exactly one line on stderr.
expect_failure() {
	local label=$1 want=$2 re=$3
	shift 4
	local out="$TMP/$label.out" err="$TMP/$label.err"
	timeout --kill-after=10 "$CVISOR_TIMEOUT" "$CVISOR" "$@" </dev/null >"$out" 2>"$err"
	local rc=$? ok=1
	if [ "$rc" -ne "$want" ]; then
		ok=0
		echo "  exit status $rc, expected $want"
	fi
	if [ -s "$out" ]; then
		ok=0
		echo "  stdout is not empty"
	fi
	if [ "$re" = ONE_LINE ]; then
		if [ "$(wc -l <"$err")" -ne 1 ]; then
			ok=0
			echo "  expected exactly one line on stderr, got $(wc -l <"$err")"
		fi
	elif ! grep -Eqi -- "$re" "$err"; then
		ok=0
		echo "  stderr does not match /$re/"
	fi
	if [ $ok -eq 1 ]; then
		pass "$label: exit $rc, stderr: $(head -n 1 "$err")"
	else
		fail "$label: cvisor $(_cmdline "$@")"
		echo "  stdout:"
		show_file "$out" 10
		echo "  stderr:"
		show_file "$err" 20
	fi
}

# natively_exits WANT_STATUS PROGRAM: what a shell reports for running PROGRAM natively. The
# sandbox follows the same conventions, so a mismatch here means the test is wrong.
natively_exits() {
	bash -c '"$0"' "$2" </dev/null >/dev/null 2>&1
	local rc=$?
	if [ "$rc" -ne "$1" ]; then
		fail "natively, running $2 from a shell exits $rc, not $1 (the test is wrong)"
	fi
}

# No command at all.
expect_failure no_command 127 ONE_LINE -- do --platform="$PLATFORM"
expect_failure no_command_after_dashes 127 ONE_LINE -- do --platform="$PLATFORM" --

# A command that does not exist.
natively_exits 127 /no/such/program
expect_failure missing_command 127 'no such file|not found|ENOENT' -- \
	do --platform="$PLATFORM" -- /no/such/program
expect_failure missing_relative_command 127 'no such file|not found|ENOENT' -- \
	do --platform="$PLATFORM" -- no-such-program-cvisor-test

# Files that exist but cannot be executed.
natively_exits 126 /etc/os-release
expect_failure not_executable 126 'permission denied|not executable|EACCES' -- \
	do --platform="$PLATFORM" -- /etc/os-release
natively_exits 126 /usr
expect_failure directory 126 'permission denied|directory|EACCES' -- \
	do --platform="$PLATFORM" -- /usr

# Malformed executables (created natively; the guest sees /tmp read-only). Deterministic
# bytes: an ELF magic followed by junk, and 64 bytes of binary junk with no magic at all.
BAD_ELF=$TMP/bad-elf
BAD_BIN=$TMP/bad-bin
{ printf '\177ELF'; head -c 60 /dev/zero | tr '\0' '\377'; } >"$BAD_ELF"
{ printf '\001\002\003\000'; head -c 60 /dev/zero | tr '\0' '\245'; } >"$BAD_BIN"
chmod 755 "$BAD_ELF" "$BAD_BIN"
chmod 755 "$TMP"
natively_exits 126 "$BAD_ELF"
natively_exits 126 "$BAD_BIN"
expect_failure malformed_elf 126 'elf|exec format|ENOEXEC' -- \
	do --platform="$PLATFORM" -- "$BAD_ELF"
expect_failure not_an_executable_format 126 'elf|exec format|ENOEXEC' -- \
	do --platform="$PLATFORM" -- "$BAD_BIN"

finish
