#!/usr/bin/env bash
# /proc in the sandbox: procps's ps reads the sandbox's process table, ls -l /proc/self/fd
# shows the links, and /proc/self and /dev/std* behave as on Linux for the shell idioms that
# use them (reopening stdout, pipes and process substitution through /dev/fd).
. "$(dirname "$0")/lib.sh" "$@"

command -v ps >/dev/null || skip "ps (procps) is not installed"

# Runs a sandboxed command; its stdout in $OUT, its status in $RC.
run() {
	OUT=$(sandboxed "$@" 2>"$TMP/err")
	RC=$?
}

# ps sees the sandbox's processes: itself (pid 1 here, cvisor's init) and nothing of the host.
run ps -e -o pid=,comm=
if [ $RC -eq 0 ] && [ "$(echo "$OUT" | awk '{print $2}')" = "ps" ]; then
	pass "ps -e lists itself, and only itself"
else
	fail "ps -e (exit $RC)"
	echo "$OUT" | head -20
	show_file "$TMP/err"
fi

# A shell with a background child: ps shows all three with their parent ids.
run /bin/sh -c 'sleep 5 & ps -e -o pid=,ppid=,comm=; kill $!'
want_sh=$(echo "$OUT" | awk '$1 == 1 && $2 == 0 && $3 == "sh"' | wc -l)
want_sleep=$(echo "$OUT" | awk '$2 == 1 && $3 == "sleep"' | wc -l)
want_ps=$(echo "$OUT" | awk '$2 == 1 && $3 == "ps"' | wc -l)
if [ "$want_sh$want_sleep$want_ps" = "111" ]; then
	pass "ps -e under a shell: sh (pid 1), sleep and ps (children of 1)"
else
	fail "ps -e under a shell"
	echo "$OUT" | head -20
	show_file "$TMP/err"
fi

# ps aux: one line per process, with its user and command line.
run ps aux
if [ $RC -eq 0 ] && echo "$OUT" | head -1 | grep -q '^USER *PID' &&
	echo "$OUT" | grep -q "^$(id -un) .* ps aux$"; then
	pass "ps aux"
else
	fail "ps aux (exit $RC)"
	echo "$OUT" | head -20
	show_file "$TMP/err"
fi

# ls -l /proc/self/fd: stdin is /dev/null, ls's own directory fd points back at /proc.
run /bin/ls -l /proc/self/fd/
if [ $RC -eq 0 ] && echo "$OUT" | grep -q ' 0 -> /dev/null$' &&
	echo "$OUT" | grep -Eq ' 3 -> /proc/[0-9]+/fd$' && echo "$OUT" | grep -q '^lr-x------ '; then
	pass "ls -l /proc/self/fd"
else
	fail "ls -l /proc/self/fd (exit $RC)"
	echo "$OUT" | head -20
	show_file "$TMP/err"
fi

# The same answers natively and sandboxed.
compare_status 0 /bin/cat /proc/sys/kernel/ostype
compare_status 0 /usr/bin/readlink /proc/self/fd/0
compare_status 0 /bin/sh -c 'cat /proc/self/cmdline | tr "\0" " "; echo'
compare_status 0 /bin/sh -c 'read -r pid rest < /proc/self/stat; [ "$pid" = "$$" ] && echo pid-matches'
compare_status 0 /usr/bin/stat -c '%F %a %s' /proc/self/stat /proc/self /proc/self/exe
compare_status 0 /usr/bin/stat -c '%F %a' /proc/self/fd /proc/self/fd/0
compare_status 0 /bin/sh -c 'ls /proc/self/ | grep -E "^(cmdline|cwd|exe|fd|maps|stat|status|task)$"'
compare_status 0 /bin/sh -c 'grep -c "^Name:" /proc/self/status; head -c 5 /proc/self/limits; echo'
# Shell idioms that reopen files through /proc/self/fd.
compare_status 0 /bin/sh -c 'echo to-stdout > /proc/self/fd/1'
compare_status 0 /bin/sh -c 'echo to-dev-stdout > /dev/stdout'
compare_status 0 /bin/sh -c 'echo through-a-pipe | cat /dev/stdin'
compare_status 1 /bin/bash -c 'diff <(echo a) <(echo b)'
compare_status 0 /usr/bin/python3 -c 'import os; print(os.getpid() == int(os.readlink("/proc/self")))'
finish
