#!/usr/bin/env bash
# Resource bombs and survivors: a fork bomb inside the sandbox gets EAGAIN at the pids limit
# and the Sentry stays up; no guest process outlives a killed cvisor.
set -u
CVISOR=$1 PLATFORM=$2
PROGS=${CVISOR_BUILD:-$(dirname "$CVISOR")}/tests/programs
fail=0

out=$("$CVISOR" do --platform="$PLATFORM" --pids-limit 20 -- "$PROGS/forkbomb" 2>/dev/null)
status=$?
expected=$'fork failed: Resource temporarily unavailable after 19 children\nall reaped'
if [ "$status" -ne 0 ] || [ "$out" != "$expected" ]; then
	echo "FAIL forkbomb: status $status, output:"; echo "$out"; fail=1
else
	echo "ok forkbomb: EAGAIN at the pids limit, all reaped"
fi

# Threads count against the same limit (Linux's pids controller counts tasks): init's main
# thread plus 19 more.
out=$("$CVISOR" do --platform="$PLATFORM" --pids-limit 20 -- "$PROGS/threadbomb" 2>/dev/null)
status=$?
expected=$'pthread_create failed: Resource temporarily unavailable after 19 threads\nall joined'
if [ "$status" -ne 0 ] || [ "$out" != "$expected" ]; then
	echo "FAIL threadbomb: status $status, output:"; echo "$out"; fail=1
else
	echo "ok threadbomb: EAGAIN at the pids limit, all joined"
fi

# Kill cvisor hard while a guest process tree sleeps: every stub must die with it. The stubs
# are cvisor's children; remember their pids, then check each one is gone.
"$CVISOR" do --platform="$PLATFORM" -- "$PROGS/sleeper" &
pid=$!
stubs=""
for _ in $(seq 1 50); do
	stubs=$(pgrep -P "$pid" | tr '\n' ' ')
	[ "$(echo $stubs | wc -w)" -ge 4 ] && break
	sleep 0.1
done
kill -9 "$pid"
wait "$pid" 2>/dev/null
left=""
for _ in $(seq 1 50); do
	left=""
	for s in $stubs; do
		# A zombie is gone for this purpose: it runs nothing.
		st=$(ps -o stat= -p "$s" 2>/dev/null | tr -d ' ')
		[ -n "$st" ] && [ "${st#Z}" = "$st" ] && left="$left $s"
	done
	[ -z "$left" ] && break
	sleep 0.1
done
if [ "$(echo $stubs | wc -w)" -lt 4 ] || [ -n "$left" ]; then
	echo "FAIL survivors: stubs [$stubs], still running after kill -9: [$left]"; fail=1
else
	echo "ok survivors: no stub outlives cvisor ($(echo $stubs | wc -w) stubs)"
fi
exit $fail
