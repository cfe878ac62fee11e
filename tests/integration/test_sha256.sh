#!/usr/bin/env bash
# A 100 MiB file, written natively into a fresh directory under /tmp (the guest sees the
# host's /, read-only), hashed natively and in the sandbox: many large reads.
. "$(dirname "$0")/lib.sh" "$@"

DIR=$(mktemp -d /tmp/cvisor-sha256.XXXXXX) || exit 1
trap 'rm -rf "$DIR"; _lib_cleanup' EXIT
FILE=$DIR/data.bin

# Deterministic content: a repeated line, cut at exactly 100 MiB.
yes 'cvisor sha256 integration test: 0123456789abcdefghijklmnopqrstuvwxyz' | head -c 100M >"$FILE"
size=$(stat -c %s "$FILE")
if [ "$size" -ne $((100 * 1024 * 1024)) ]; then
	fail "could not create the 100 MiB test file (size $size)"
	finish
fi
pass "created a 100 MiB file"

compare_status 0 /usr/bin/sha256sum "$FILE"
compare_status 0 /usr/bin/sha256sum /usr/share/common-licenses/GPL-3 "$FILE"
compare_status 0 /usr/bin/md5sum "$FILE"
compare_status 0 /usr/bin/wc -c "$FILE"
finish
