#!/usr/bin/env bash
# make bench: every micro-benchmark natively and under cvisor (ptrace), interleaved, ROUNDS
# rounds each; prints the medians and the ratio to native as a markdown table and writes it to
# bench/results/latest.md. gVisor and PRoot columns and the seccomp platform come with the
# seccomp-trap issue; TCP, file I/O and container start need the netstack and tmpfs.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ROUNDS=${ROUNDS:-5}
mkdir -p "$BUILD/bench" bench/results
gcc -O2 -static -o "$BUILD/bench/micro" bench/micro.c
CASES="getppid open_read_close stat pipe_rtt fork_exec_wait mmap_64k cpu_loop"
declare -A native ptrace
for r in $(seq 1 "$ROUNDS"); do
	for c in $CASES; do
		native[$c]+="$("$BUILD/bench/micro" "$c" | awk '{print $2}') "
		ptrace[$c]+="$("$BUILD/cvisor" do --platform=ptrace -- "$BUILD/bench/micro" "$c" | awk '{print $2}') "
	done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
{
	echo "| case | native ns/op | cvisor ptrace ns/op | ratio |"
	echo "|---|---:|---:|---:|"
	for c in $CASES; do
		n=$(echo "${native[$c]}" | median)
		p=$(echo "${ptrace[$c]}" | median)
		echo "| $c | $n | $p | $(awk -v a="$p" -v b="$n" 'BEGIN {printf "%.1fx", a / b}') |"
	done
	echo
	echo "Medians of $ROUNDS interleaved rounds, $(date -u +%Y-%m-%d), $(nproc) cores."
} | tee bench/results/latest.md
