#!/usr/bin/env bash
# CPython: a large, real, dynamically linked program (and its extension modules, loaded with
# dlopen). -I: isolated mode, so the user's environment and site-packages play no part.
. "$(dirname "$0")/lib.sh" "$@"

PY=/usr/bin/python3
[ -x "$PY" ] || skip "$PY is not installed"

compare_status 0 $PY -I -c 'print(sum(range(10**6)))'
compare_status 0 $PY -I -c 'import json,hashlib; print(json.dumps({"a":1}), hashlib.sha256(b"x").hexdigest())'
compare_status 0 $PY -I -c 'import os; print(sorted(os.listdir("/usr/share/common-licenses")))'
compare_status 0 $PY -I -c 'import os; print(os.stat("/usr/share/common-licenses/GPL-3").st_size, os.readlink("/bin"))'
compare_status 0 $PY -I -c 'print(open("/etc/os-release").read().splitlines()[0])'
compare_status 3 $PY -I -c 'import sys; sys.exit(3)'
compare_status 1 $PY -I -c 'raise SystemExit("bye")'
finish
