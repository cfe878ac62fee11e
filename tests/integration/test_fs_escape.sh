#!/usr/bin/env bash
# Filesystem escapes must stay inside: /proc/self/root and /proc/<pid>/cwd lead to the guest's
# own tree, symlinks in a volume that point at host paths resolve in the guest's tree (whose
# writes stay in memory), ".." never climbs out of a volume, and nothing written anywhere by
# these tricks reaches the host outside the volume.
. "$(dirname "$0")/lib.sh" "$@"

mkdir -p "$TMP/vol"
ln -s /etc "$TMP/vol/etc-link"
ln -s ../../.. "$TMP/vol/up-link"
PROBE=cvisor-escape-$$
run() { "$CVISOR" do --platform="$PLATFORM" --volume "$TMP/vol:/mnt/v" -- /bin/sh -c "$1" </dev/null 2>/dev/null; }

OUT=$(run "readlink /proc/self/root; [ \"\$(ls /proc/self/root/ | md5sum)\" = \"\$(ls / | md5sum)\" ] && echo root-is-guest-root")
[ "$OUT" = "$(printf '/\nroot-is-guest-root')" ] && pass "/proc/self/root is the guest's /" || fail "/proc/self/root: got '$OUT'"

OUT=$(run "cd /mnt/v && readlink /proc/self/cwd && ls -d /proc/self/cwd/../v && ls /proc/1/cwd/.. >/dev/null && echo ok")
[ "$OUT" = "$(printf '/mnt/v\n/proc/self/cwd/../v\nok')" ] && pass "/proc/self/cwd and .. stay in the guest tree" || fail "/proc cwd: got '$OUT'"

# Writes through tricks: a volume symlink to /etc, /proc/self/root, /proc/1/cwd.
run "echo a > /mnt/v/etc-link/$PROBE; echo b > /proc/self/root/etc/$PROBE.2; cd /etc && echo c > /proc/1/cwd/$PROBE.3 2>/dev/null; echo d > /mnt/v/up-link/$PROBE.4; cat /mnt/v/etc-link/$PROBE" >/dev/null
if [ -e "/etc/$PROBE" ] || [ -e "/etc/$PROBE.2" ] || [ -e "/$PROBE.4" ] || [ -e "$TMP/$PROBE.4" ]; then
	fail "a write through a symlink or /proc trick reached the host"
	rm -f "/etc/$PROBE" "/etc/$PROBE.2" "/$PROBE.4" "$TMP/$PROBE.4"
else
	pass "writes through symlinks and /proc tricks stay in the sandbox"
fi
OUT=$(run "cat /mnt/v/etc-link/hostname >/dev/null && echo reads-guest-etc; ls /mnt/v/up-link/ | grep -c '^proc$'")
[ "$OUT" = "$(printf 'reads-guest-etc\n1')" ] && pass "volume symlinks resolve in the guest's tree" || fail "volume symlinks: got '$OUT'"
# The host side of the volume holds exactly what we made there.
[ "$(ls -A "$TMP/vol" | sort | tr '\n' ' ')" = "etc-link up-link " ] && pass "the volume holds nothing new" || fail "volume contents: $(ls -A "$TMP/vol")"
finish
