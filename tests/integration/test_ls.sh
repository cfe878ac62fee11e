#!/usr/bin/env bash
# Directory listings and file contents: getdents64, statx/newfstatat, readlink, openat, read.
# (ls looks at ACLs through getxattr: ENODATA natively, EOPNOTSUPP in the sandbox; either
# way it prints no '+', so the outputs must still be identical.)
. "$(dirname "$0")/lib.sh" "$@"

compare_status 0 /bin/ls /usr
compare_status 0 /bin/ls -l /usr
compare_status 0 /bin/ls -la /usr/share/common-licenses
compare_status 0 /bin/ls -lL /usr/share/common-licenses
compare_status 0 /bin/ls -ld /bin /usr/bin /etc/os-release
compare_status 0 /bin/ls -i1 /usr/share/common-licenses
compare_status 2 /bin/ls /no/such/directory
compare_status 0 /bin/cat /etc/os-release
compare_status 0 /bin/cat /usr/share/common-licenses/GPL-3 /usr/share/common-licenses/BSD
compare_status 1 /bin/cat /etc/os-release /no/such/file
compare_status 0 /usr/bin/stat -c '%n %s %a %F %h' /usr/share/common-licenses/GPL-3 /bin /usr/bin/true
compare_status 0 /usr/bin/readlink /bin /usr/share/common-licenses/GPL
compare_status 0 /usr/bin/wc /usr/share/common-licenses/GPL-3
compare_status 0 /usr/bin/head -c 100 /usr/bin/true
finish
