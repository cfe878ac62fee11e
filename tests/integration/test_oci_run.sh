#!/usr/bin/env bash
# cvisor run and cvisor spec on OCI bundles whose rootfs is the host's busybox: the
# container's output and exit status, hostname, env, cwd, user, umask, rlimits, bind mounts
# (rw and ro), tmpfs mounts, a read-only root, the host rootfs untouched by the container's
# writes; and broken configs refused with one line naming the field.
. "$(dirname "$0")/lib.sh" "$@"

BB=/bin/busybox
[ -x "$BB" ] || skip "no $BB (scripts/install-deps.sh installs busybox)"

# A rootfs with busybox and, when it is not static, the libraries it loads.
ROOTFS=$TMP/rootfs
mkdir -p "$ROOTFS/bin" "$ROOTFS/etc" "$ROOTFS/tmp"
cp "$BB" "$ROOTFS/bin/busybox"
if ldd "$BB" >/dev/null 2>&1; then
	for lib in $(ldd "$BB" | grep -o '/[^ ]*'); do
		mkdir -p "$ROOTFS$(dirname "$lib")"
		cp -L "$lib" "$ROOTFS$lib"
	done
fi
for app in sh ls cat echo id hostname mount pwd env touch mkdir rm true grep; do
	ln -s busybox "$ROOTFS/bin/$app"
done
echo "from the rootfs" >"$ROOTFS/etc/motd"
"$ROOTFS/bin/sh" -c 'exit 0' || skip "the rootfs's busybox does not run natively"

# The rootfs as it is now: names, sizes, modes and contents.
rootfs_state() {
	(cd "$ROOTFS" && find . -printf '%p %y %s %m %l\n' | sort && find . -type f -exec cat {} + | md5sum)
}
BEFORE=$(rootfs_state)

# write_config BUNDLE ARGS-JSON [PROCESS-FIELDS] [TOP-LEVEL-FIELDS]: a config.json whose
# root is $ROOTFS; the extra fields start with a comma.
write_config() {
	cat >"$1/config.json" <<EOF
{
  "ociVersion": "1.0.2",
  "root": {"path": "$ROOTFS"},
  "process": {"args": $2, "env": ["PATH=/bin", "GREETING=hello"], "cwd": "/"${3:-}},
  "hostname": "oci-test"${4:-}
}
EOF
}

B=$TMP/bundle
mkdir -p "$B"
NRUN=0
# run_bundle [cvisor run options]: runs bundle $B; stdout in $OUT, stderr in $ERR, status $RC.
run_bundle() {
	NRUN=$((NRUN + 1))
	timeout --kill-after=10 "$CVISOR_TIMEOUT" "$CVISOR" run --platform="$PLATFORM" \
		--bundle "$B" "$@" "oci-test-$NRUN" </dev/null >"$TMP/out" 2>"$TMP/err"
	RC=$?
	OUT=$(cat "$TMP/out")
	ERR=$(cat "$TMP/err")
}
# expect NAME WANT-STDOUT WANT-STATUS: checks the last run.
expect() {
	if [ "$OUT" = "$2" ] && [ "$RC" -eq "$3" ]; then
		pass "$1"
	else
		fail "$1: exit $RC (want $3), stdout '$OUT' (want '$2'), stderr: $ERR"
	fi
}

write_config "$B" '["sh", "-c", "echo hello from the container; exit 3"]'
run_bundle
expect "output and exit status are the container's" "hello from the container" 3

# The container's sh is pid 1, which a SIGKILL from inside cannot kill (as in any pid
# namespace): a child's death is what the status reports.
write_config "$B" '["sh", "-c", "sh -c \"kill -9 \\$\\$\"; echo $?; kill -9 $$; echo still here"]'
run_bundle
expect "init is immune to its own SIGKILL, a child is not" "$(printf '137\nstill here')" 0

write_config "$B" '["hostname"]'
run_bundle
expect "hostname is applied (args[0] found in the container's PATH)" "oci-test" 0

write_config "$B" '["sh", "-c", "echo $GREETING-${HOST_ONLY:-unset}-$PATH"]'
HOST_ONLY=leaked run_bundle
expect "env is the config's, not cvisor's" "hello-unset-/bin" 0

write_config "$B" '["pwd"]' ', "cwd": "/work/deep/er"'
run_bundle
expect "cwd is applied (and created when missing)" "/work/deep/er" 0

# A non-root user keeps only its ambient capabilities across runc's execve.
write_config "$B" '["sh", "-c", "id -u; id -g; id -G; umask; ulimit -n; grep -E \"CapEff|NoNewPrivs\" /proc/self/status"]' \
	', "user": {"uid": 1000, "gid": 1001, "additionalGids": [20, 10], "umask": 63},
	  "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 200}], "noNewPrivileges": true,
	  "capabilities": {"effective": ["CAP_KILL", "CAP_CHOWN"], "permitted": ["CAP_KILL", "CAP_CHOWN"],
	    "inheritable": ["CAP_KILL"], "ambient": ["CAP_KILL"]}'
run_bundle
expect "user, groups, umask, rlimits, capabilities, noNewPrivileges are applied" \
	"$(printf '1000\n1001\n1001 10 20\n0077\n100\nCapEff:\t0000000000000020\nNoNewPrivs:\t1')" 0

write_config "$B" '["nosuchprogram"]'
run_bundle
[ "$RC" -eq 127 ] && echo "$ERR" | grep -q nosuchprogram && pass "args[0] not found: 127" ||
	fail "args[0] not found: exit $RC, stderr: $ERR"

# Bind mounts: a host directory read-write and read-only; a tmpfs.
SHARE=$TMP/share
mkdir -p "$SHARE"
echo "from the host" >"$SHARE/in"
write_config "$B" '["sh", "-c", "cat /mnt/rw/in; echo out >/mnt/rw/out; echo x >/mnt/ro/new 2>/dev/null || echo ro refused; cat /mnt/ro/in; echo t >/scratch/f && cat /scratch/f"]' '' \
	', "mounts": [
	  {"destination": "/mnt/rw", "type": "bind", "source": "'"$SHARE"'", "options": ["rbind", "rw"]},
	  {"destination": "/mnt/ro", "source": "'"$SHARE"'", "options": ["bind", "ro", "nosuid"]},
	  {"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m", "mode=1777"]},
	  {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue"}]'
run_bundle
expect "bind mounts (rw, ro) and a tmpfs" "$(printf 'from the host\nro refused\nfrom the host\nt')" 0
[ "$(cat "$SHARE/out" 2>&1)" = out ] && [ ! -e "$SHARE/new" ] && pass "the rw bind wrote to the host, the ro one did not" ||
	fail "bind writes on the host: out='$(cat "$SHARE/out" 2>&1)', new exists: $([ -e "$SHARE/new" ] && echo yes || echo no)"

# The container writes into its root; the host's rootfs stays as it was.
write_config "$B" '["sh", "-c", "echo new >/newfile; echo changed >/etc/motd; rm /bin/ls; mkdir /d; cat /etc/motd; ls / >/dev/null 2>&1 || echo no ls"]'
run_bundle
expect "writes into the root are seen inside" "$(printf 'changed\nno ls')" 0
[ "$(rootfs_state)" = "$BEFORE" ] && pass "the host rootfs is untouched" || fail "the host rootfs changed"

# root.readonly: nothing in the root is writable, a tmpfs on it is.
write_config "$B" '["sh", "-c", "touch /x 2>/dev/null || echo root refused; echo ok >/t/f && cat /t/f"]' '' \
	', "mounts": [{"destination": "/t", "type": "tmpfs"}]'
sed -i "s|\"root\": {\"path\": \"$ROOTFS\"}|\"root\": {\"path\": \"$ROOTFS\", \"readonly\": true}|" "$B/config.json"
run_bundle
expect "a read-only root, with a writable tmpfs on it" "$(printf 'root refused\nok')" 0

# --pid-file: the pid runc would report (here the Sentry's).
write_config "$B" '["true"]'
run_bundle --pid-file "$TMP/pid"
[ "$RC" -eq 0 ] && grep -qE '^[0-9]+$' "$TMP/pid" && pass "--pid-file holds a pid" || fail "--pid-file: exit $RC, file '$(cat "$TMP/pid" 2>&1)', stderr: $ERR"

# retarget CONFIG ARGS...: CONFIG's root.path becomes $ROOTFS, its process.args ARGS.
retarget() {
	/usr/bin/python3 - "$ROOTFS" "$@" <<'EOF'
import json, sys
root, path, args = sys.argv[1], sys.argv[2], sys.argv[3:]
c = json.load(open(path))
c["root"]["path"] = root
c["process"]["args"] = args
json.dump(c, open(path, "w"))
EOF
}

# cvisor spec: a config cvisor run accepts once root.path names a rootfs.
S=$TMP/spec
mkdir -p "$S"
"$CVISOR" spec --bundle "$S" && [ -s "$S/config.json" ] && pass "cvisor spec writes config.json" || fail "cvisor spec failed"
OUT=$("$CVISOR" spec --bundle "$S" 2>&1); RC=$?
[ $RC -ne 0 ] && echo "$OUT" | grep -q "exists" && pass "cvisor spec refuses to overwrite" || fail "spec overwrite: rc=$RC out='$OUT'"
retarget "$S/config.json" sh -c "echo spec-ok; hostname; grep CapEff /proc/self/status"
B=$S run_bundle
# root's capabilities after the execve: the bounding set (AUDIT_WRITE, KILL, NET_BIND_SERVICE)
expect "cvisor run accepts cvisor spec's config" "$(printf 'spec-ok\ncvisor\nCapEff:\t0000000020000420')" 0
"$CVISOR" spec --rootless --bundle "$TMP" && /usr/bin/python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); assert any(n["type"]=="user" for n in c["linux"]["namespaces"]); assert not any(n["type"]=="network" for n in c["linux"]["namespaces"])' "$TMP/config.json" &&
	pass "cvisor spec --rootless: a user namespace, no network one" || fail "cvisor spec --rootless"
retarget "$TMP/config.json" sh -c "ls /sys >/dev/null && echo rootless-ok"
B=$TMP run_bundle
expect "cvisor run accepts the rootless spec (its /sys bind is the sandbox's sysfs)" "rootless-ok" 0

# Broken configs: exactly one line naming the field, a non-zero exit, no output.
# refused NAME FIELD: checks the last run.
refused() {
	local n
	n=$(printf '%s\n' "$ERR" | grep -c .)
	if [ "$RC" -ne 0 ] && [ "$n" -eq 1 ] && [ -z "$OUT" ] && printf '%s' "$ERR" | grep -qF -- "$2"; then
		pass "$1: $ERR"
	else
		fail "$1: exit $RC, $n stderr lines (want 1 naming '$2'): $ERR"
	fi
}
cat >"$B/config.json" <<EOF
{"ociVersion": "1.0.2", "root": {"path": "$ROOTFS"}, "process": {"cwd": "/"}}
EOF
run_bundle
refused "missing process.args" "config.json: process.args: missing"
write_config "$B" '"sh"'
run_bundle
refused "process.args of the wrong type" "config.json: process.args: expected a non-empty array of strings"
write_config "$B" '["sh"]' ', "terminal": "yes"'
run_bundle
refused "process.terminal of the wrong type" "config.json: process.terminal: expected true or false"
write_config "$B" '["sh"]' '' ', "mounts": [{"destination": "data", "type": "tmpfs"}]'
run_bundle
refused "a relative mount destination" "config.json: mounts[0].destination: expected an absolute path"
write_config "$B" '["sh"]' ', "capabilities": {"bounding": ["CAP_KILL", "CAP_TELEPORT"]}'
run_bundle
refused "an unknown capability" "config.json: process.capabilities.bounding[1]: unknown capability \"CAP_TELEPORT\""
write_config "$B" '["sh"]' '' ', "mounts": [{"destination": "/d", "type": "tmpfs", "options": ["sizee=1"]}]'
run_bundle
refused "an unknown mount option" "config.json: mounts[0].options[0]: unknown mount option \"sizee=1\""
write_config "$B" '["sh"]' '' ', "mounts": [{"destination": "/d", "type": "nfs"}]'
run_bundle
refused "an unsupported mount type" "config.json: mounts[0].type: unsupported mount type \"nfs\""
write_config "$B" '["sh"]' '' ', "mounts": [{"destination": "/d", "type": "bind", "source": "'"$TMP/nothere"'"}]'
run_bundle
refused "a bind of a missing host directory" "config.json: mounts[0].source"
echo '{"ociVersion": "1.0.2", ' >"$B/config.json"
run_bundle
refused "malformed JSON" "config.json: invalid JSON at line"
sed "s|$ROOTFS|$TMP/norootfs|" >"$B/config.json" <<EOF
{"ociVersion": "1.0.2", "root": {"path": "$ROOTFS"}, "process": {"args": ["sh"], "cwd": "/"}}
EOF
run_bundle
refused "a missing rootfs" "config.json: root.path"
B=$TMP/nobundle run_bundle
refused "a missing bundle" "config.json: cannot open"
write_config "$B" '["sh"]'
run_bundle --detach
refused "--detach" "--detach"
"$CVISOR" run --bundle "$B" a/b </dev/null >"$TMP/out" 2>"$TMP/err"; RC=$?; OUT=$(cat "$TMP/out"); ERR=$(cat "$TMP/err")
refused "an ID with a slash" "invalid container ID"
finish
