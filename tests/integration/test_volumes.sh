#!/usr/bin/env bash
# --volume HOST:GUEST[:ro]: a host directory bound into the sandbox. Writes through a rw
# volume reach the host directory (and nothing else of the host); a ro volume refuses them;
# neither ".." nor symlinks lead from the volume to the rest of the host directory tree.
. "$(dirname "$0")/lib.sh" "$@"

mkdir -p "$TMP/outside/inner/sub"
echo secret > "$TMP/outside/secret"
echo hello > "$TMP/outside/inner/a"
ln -s ../secret "$TMP/outside/inner/rel-escape"
ln -s ../../secret "$TMP/outside/inner/sub/rel-escape2"

vol() { "$CVISOR" do --platform="$PLATFORM" --volume "$TMP/outside/inner:/mnt/v$1" -- /bin/sh -c "$2" </dev/null 2>&1; }

OUT=$(vol "" 'cat /mnt/v/a; echo new > /mnt/v/b; mkdir /mnt/v/d; mv /mnt/v/a /mnt/v/d/a2; chmod 640 /mnt/v/b; ln -s b /mnt/v/lnk; ln /mnt/v/b /mnt/v/hard; stat -c %h /mnt/v/b; rm /mnt/v/hard')
[ "$OUT" = "$(printf 'hello\n2')" ] && pass "rw volume: reads and writes inside" || fail "rw volume inside: got '$OUT'"
[ "$(cat "$TMP/outside/inner/b" 2>&1)" = new ] && pass "rw volume: the new file is on the host" || fail "rw volume: host b missing"
[ "$(cat "$TMP/outside/inner/d/a2" 2>&1)" = hello ] && [ ! -e "$TMP/outside/inner/a" ] && pass "rw volume: rename reached the host" || fail "rw volume: rename not on the host"
[ "$(stat -c %a "$TMP/outside/inner/b")" = 640 ] && pass "rw volume: chmod reached the host" || fail "rw volume: chmod not on the host"
[ "$(readlink "$TMP/outside/inner/lnk")" = b ] && [ ! -e "$TMP/outside/inner/hard" ] && pass "rw volume: symlink, link and unlink reached the host" || fail "rw volume: link ops"

OUT=$(vol ":ro" 'cat /mnt/v/b; (echo x > /mnt/v/c) 2>/dev/null || echo refused; rm /mnt/v/b 2>/dev/null || echo refused; mkdir /mnt/v/e 2>/dev/null || echo refused')
[ "$OUT" = "$(printf 'new\nrefused\nrefused\nrefused')" ] && pass "ro volume refuses writes" || fail "ro volume: got '$OUT'"
[ -e "$TMP/outside/inner/b" ] && [ ! -e "$TMP/outside/inner/c" ] && pass "ro volume: host unchanged" || fail "ro volume: host changed"

# Escapes: ".." at the volume's root is the guest's /mnt; relative symlinks out of the
# volume resolve in the guest's tree, never in the host directory above the volume.
OUT=$(vol "" 'cat /mnt/v/../secret 2>&1 >/dev/null | wc -l; cat /mnt/v/rel-escape 2>&1 >/dev/null | wc -l; cat /mnt/v/sub/rel-escape2 2>&1 >/dev/null | wc -l; cd /mnt/v && cd ../.. && pwd')
[ "$OUT" = "$(printf '1\n1\n1\n/')" ] && pass "no way out of the volume" || fail "volume escape: got '$OUT'"

# Bad volume specs: one clear error line, non-zero exit.
OUT=$("$CVISOR" do --volume "$TMP/missing:/mnt/x" -- /bin/true 2>&1); RC=$?
[ $RC -ne 0 ] && [ "$(echo "$OUT" | wc -l)" = 1 ] && echo "$OUT" | grep -q -- "--volume" && pass "missing host dir: one error line" || fail "missing host dir: rc=$RC out='$OUT'"
OUT=$("$CVISOR" do --volume "nocolon" -- /bin/true 2>&1); RC=$?
[ $RC -ne 0 ] && echo "$OUT" | grep -q "HOST:GUEST" && pass "malformed spec refused" || fail "malformed spec: rc=$RC out='$OUT'"
OUT=$("$CVISOR" do --volume "$TMP:/mnt/x:bogus" -- /bin/true 2>&1); RC=$?
[ $RC -ne 0 ] && echo "$OUT" | grep -q "unknown mode" && pass "unknown mode refused" || fail "unknown mode: rc=$RC out='$OUT'"
finish
