#!/usr/bin/env bash
# The simplest programs, and exit statuses (zero and non-zero) propagating out of cvisor.
# Nothing here forks: dash runs `exit` and `echo` as builtins.
. "$(dirname "$0")/lib.sh" "$@"

compare_status 0 /bin/true
compare_status 0 /bin/echo hello world
compare_status 0 /bin/echo -n no newline
compare_status 0 /bin/echo -e 'tab\there\nsecond line'
compare_status 1 /bin/false
compare_status 0 /usr/bin/printf '%s=%d %05.1f\n' answer 42 3.14159
compare_status 7 /bin/dash -c 'exit 7'
compare_status 255 /bin/dash -c 'exit 255'
# Only the low 8 bits of a status survive.
compare_status 0 /bin/dash -c 'exit 256'
compare_status 3 /bin/dash -c 'echo before; exit 3; echo after'
compare_status 0 /bin/dash -c 'x=6; y=7; echo "$((x * y))"; set -- a b c; echo "$# $2"'
finish
