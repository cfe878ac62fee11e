#!/usr/bin/env bash
# The default root is an overlay: the host's / read-only below, writes kept in Sentry memory.
# What the guest writes, renames and deletes must be visible inside the sandbox and leave the
# host untouched; programs that write files (tar, git, sqlite3) work with native results.
. "$(dirname "$0")/lib.sh" "$@"

PROBE=/etc/cvisor-probe-$$
SANDBOX_DIR=/var/tmp/cvisor-ovl-$$
host_state() {
	# Everything the sandboxed commands below could have touched on the host.
	stat -c '%n %s %Y %a' /etc/passwd /etc/hostname /usr/bin/env 2>&1
	ls -la /etc | md5sum
	ls -la /var/tmp | grep -c "cvisor-ovl-$$" || true
	ls "$PROBE" 2>&1
}
BEFORE=$(host_state)

# Write, read back, append, rename, delete inside the sandbox.
OUT=$(sandboxed /bin/sh -c "echo x > $PROBE; cat $PROBE; echo y >> $PROBE; cat $PROBE; mv $PROBE $PROBE.2; ls $PROBE 2>/dev/null; cat $PROBE.2; rm $PROBE.2; ls $PROBE.2 2>&1 >/dev/null | wc -l")
[ "$OUT" = "$(printf 'x\nx\ny\nx\ny\n1')" ] && pass "write/append/rename/delete inside" || fail "write/append/rename/delete inside: got '$OUT'"

# Changing host files: copy-up, then the host file stays as it was.
OUT=$(sandboxed /bin/sh -c 'echo extra >> /etc/hostname; tail -1 /etc/hostname; chmod 600 /etc/passwd; stat -c %a /etc/passwd; rm /usr/bin/env; ls /usr/bin/env 2>&1 >/dev/null | wc -l; touch /usr/share; mkdir -p /usr/share/newdir/a; ls -d /usr/share/newdir/a')
[ "$OUT" = "$(printf 'extra\n600\n1\n/usr/share/newdir/a')" ] && pass "copy-up of host files inside" || fail "copy-up of host files: got '$OUT'"

# Deleting and renaming host directories.
OUT=$(sandboxed /bin/sh -c 'mv /usr/share/doc /usr/share/doc2 && ls /usr/share/doc 2>&1 >/dev/null | wc -l; ls /usr/share/doc2 | head -1 | wc -l; rm -rf /usr/share/doc2; ls /usr/share/doc2 2>&1 >/dev/null | wc -l')
[ "$OUT" = "$(printf '1\n1\n1')" ] && pass "rename and delete of a host directory inside" || fail "rename/delete of host dirs: got '$OUT'"

# A directory removed and created again hides what was below (opaque).
OUT=$(sandboxed /bin/sh -c 'rm -rf /etc/apt && mkdir /etc/apt && ls -A /etc/apt | wc -l')
[ "$OUT" = "0" ] && pass "opaque directory after rm -rf + mkdir" || fail "opaque dir: got '$OUT'"

AFTER=$(host_state)
[ "$BEFORE" = "$AFTER" ] && pass "the host is untouched" || fail "the host changed: before/after differ: $(diff <(echo "$BEFORE") <(echo "$AFTER"))"

# Real programs that write files, compared with native runs in a scratch directory.
compare_status 0 /bin/sh -c "rm -rf $SANDBOX_DIR; mkdir -p $SANDBOX_DIR && cd $SANDBOX_DIR && tar cf - -C /usr/share/doc . | tar xf - && find . -type f | sort | xargs cat | md5sum; rm -rf $SANDBOX_DIR"
if command -v git >/dev/null; then
	compare_status 0 /bin/sh -c "rm -rf $SANDBOX_DIR; mkdir -p $SANDBOX_DIR && cd $SANDBOX_DIR && git init -q . && git config user.email t@e && git config user.name t && echo hi > f && git add f && GIT_AUTHOR_DATE='2020-01-01T00:00:00Z' GIT_COMMITTER_DATE='2020-01-01T00:00:00Z' git commit -qm first && git log --format=%H%n%s && git status --short | wc -l; rm -rf $SANDBOX_DIR"
fi
if command -v sqlite3 >/dev/null; then
	compare_status 0 /bin/sh -c "rm -rf $SANDBOX_DIR; mkdir -p $SANDBOX_DIR && cd $SANDBOX_DIR && sqlite3 t.db 'create table t(a,b); insert into t values(1,2),(3,4); select sum(a+b) from t;' && sqlite3 t.db 'select count(*) from t'; rm -rf $SANDBOX_DIR"
fi
# tar czf of /usr/share/doc: the same archive content inside and natively.
compare_status 0 /bin/sh -c "tar czf $SANDBOX_DIR.tgz --sort=name --mtime=2020-01-01 --owner=0 --group=0 --numeric-owner -C /usr/share doc 2>/dev/null; gzip -dc $SANDBOX_DIR.tgz | md5sum; rm -f $SANDBOX_DIR.tgz"
# df and mount read the sandbox's mount table (/proc/self/mounts) and statfs.
OUT=$(sandboxed /bin/sh -c 'df -h / >/dev/null && echo df-ok; mount | grep -c " on / type overlay"; df -P /dev/shm | tail -1 | awk "{print \$6}"')
[ "$OUT" = "$(printf 'df-ok\n1\n/dev/shm')" ] && pass "df and mount inside" || fail "df/mount: got '$OUT'"
finish
