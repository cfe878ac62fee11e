#!/usr/bin/env bash
# Shell scripts that fork, exec, pipe and handle signals: dash and busybox sh run the same
# scripts (pipelines, subshells, command substitution, background jobs, traps, exit statuses,
# here-documents, loops, read from a pipe, exec).
. "$(dirname "$0")/lib.sh" "$@"

SHELLS=()
[ -x /bin/dash ] && SHELLS+=("/bin/dash")
[ -x /bin/busybox ] && SHELLS+=("/bin/busybox sh")
[ ${#SHELLS[@]} -gt 0 ] || skip "neither /bin/dash nor /bin/busybox is installed"

for SH in "${SHELLS[@]}"; do
	# $SH is deliberately split: "/bin/busybox sh" is two words.
	# Pipelines.
	compare_status 0 $SH -c 'ls /usr/share/common-licenses | sort | head -3'
	compare_status 0 $SH -c 'cat /etc/os-release | grep -c = | tr -d " "'
	compare_status 0 $SH -c 'false | true; echo "false|true: $?"; true | false; echo "true|false: $?"'
	compare_status 0 $SH -c '{ echo a; echo b; echo c; } | wc -l'
	# Subshells, and the directory they leave unchanged.
	compare_status 0 $SH -c 'cd /; (cd /usr && pwd); pwd'
	compare_status 0 $SH -c 'x=outer; (x=inner; echo $x); echo $x'
	# Command substitution.
	compare_status 0 $SH -c 'echo "x$(echo y)z"'
	compare_status 0 $SH -c 'echo "$(echo $(echo nested))" `echo backticks`'
	compare_status 0 $SH -c 'x=$(cat /usr/share/common-licenses/GPL-3); echo ${#x}'
	# Background jobs and wait.
	compare_status 0 $SH -c 'sleep 0.1 & wait; echo $?'
	compare_status 0 $SH -c '(exit 3) & wait $!; echo $?'
	compare_status 0 $SH -c 'sleep 5 & kill $!; wait $!; echo $?'
	compare_status 0 $SH -c 'for i in 1 2 3; do (exit $i) & eval p$i=$!; done; wait $p2; echo $?; wait $p1; echo $?; wait $p3; echo $?'
	# Traps.
	compare_status 0 $SH -c 'trap "echo got" USR1; kill -USR1 $$; echo after'
	compare_status 0 $SH -c 'trap "echo bye" EXIT; echo main'
	compare_status 0 $SH -c 'trap "" TERM; kill -TERM $$; echo ignored TERM'
	# (In a child shell: under cvisor the outer shell is the sandbox's init, which, as in a pid
	# namespace, ignores signals it has no handler for.)
	compare_status 0 $SH -c "$SH -c 'kill -TERM \$\$; echo not reached'; echo status \$?"
	# Exit statuses.
	compare_status 0 $SH -c 'false; echo $?; true; echo $?; ! false; echo $?'
	compare_status 0 $SH -c '/bin/sh -c "exit 7"; echo $?; /no/such/command 2>/dev/null; echo $?'
	compare_status 3 $SH -c 'exit 3'
	compare_status 1 $SH -c 'set -e; false; echo not reached'
	# A here-document, a for loop with arithmetic, a function, case.
	compare_status 0 $SH -c 'cat <<EOF
line one
answer $((6 * 7))
EOF'
	compare_status 0 $SH -c 'i=0; for x in a b c; do i=$((i + 1)); echo "$i:$x"; done; echo total=$i'
	compare_status 0 $SH -c 'f() { [ "$1" -le 0 ] && return 0; echo "$1"; f $(($1 - 1)); }; f 3'
	compare_status 0 $SH -c 'for w in apple 42 zed; do case $w in a*) echo A;; [0-9]*) echo N;; *) echo other;; esac; done'
	# read from a pipe.
	compare_status 0 $SH -c 'echo "a b c" | { read x y; echo "$y|$x"; }'
	compare_status 0 $SH -c 'printf "1\n2\n3\n" | while read n; do echo $((n * n)); done'
	# A script on the shell's stdin, fed by a here-document.
	compare_status 0 $SH -c '/bin/sh <<EOF
echo from stdin \$((1 + 1))
EOF'
	# exec replaces the shell.
	compare_status 0 $SH -c 'exec /bin/echo replaced; echo not reached'
	compare_status 0 $SH -c 'exec 3>&1; echo to fd 3 >&3; exec 3>&-; echo closed'
done
finish
