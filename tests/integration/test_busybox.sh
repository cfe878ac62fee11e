#!/usr/bin/env bash
# BusyBox applets that do not fork. A static or dynamic busybox, whichever the host has.
. "$(dirname "$0")/lib.sh" "$@"

BB=/bin/busybox
[ -x "$BB" ] || skip "$BB is not installed"

compare_status 0 $BB echo hello from busybox
compare_status 0 $BB true
compare_status 1 $BB false
compare_status 0 $BB ls /usr
compare_status 0 $BB ls -l /usr/share/common-licenses
compare_status 0 $BB cat /etc/os-release
compare_status 0 $BB wc -l /etc/os-release
compare_status 0 $BB wc /usr/share/common-licenses/GPL-3
compare_status 0 $BB head -n 3 /usr/share/common-licenses/GPL-3
compare_status 0 $BB tail -n 3 /usr/share/common-licenses/GPL-3
compare_status 0 $BB basename /a/b/c
compare_status 0 $BB dirname /a/b/c
compare_status 0 $BB uname -s
compare_status 0 $BB uname -m
compare_status 0 $BB seq 1 5
compare_status 0 $BB expr 6 '*' 7
compare_status 0 $BB sort /etc/os-release
compare_status 0 $BB md5sum /usr/share/common-licenses/GPL-3
compare_status 0 $BB sha256sum /usr/share/common-licenses/GPL-3
compare_status 0 $BB stat -c '%n %s %a' /usr/share/common-licenses/GPL-3
compare_status 0 $BB readlink /bin
compare_status 0 $BB printf '%s:%x\n' hex 255
compare_status 1 $BB cat /no/such/file
finish
