#!/usr/bin/env bash
# `make -j2` of a small C project with gcc, inside the sandbox: make forks jobs, gcc runs cc1,
# as and ld through pipes and temporary files, and the program it links runs. The project is
# copied into a scratch directory for each run; the sandboxed build's files stay in the
# sandbox (the overlay root keeps them in memory).
. "$(dirname "$0")/lib.sh" "$@"

command -v gcc >/dev/null || skip "gcc is not installed"
command -v make >/dev/null || skip "make is not installed"
SRC=$TMP/src
mkdir -p "$SRC"
cat > "$SRC/main.c" <<'C'
#include <stdio.h>
#include "lib.h"
int main(void) { printf("%d %s\n", answer(), greeting()); return 0; }
C
cat > "$SRC/lib.h" <<'C'
int answer(void);
const char *greeting(void);
C
cat > "$SRC/answer.c" <<'C'
#include "lib.h"
int answer(void) { return 6 * 7; }
C
cat > "$SRC/greeting.c" <<'C'
#include "lib.h"
const char *greeting(void) { return "hello from make"; }
C
cat > "$SRC/Makefile" <<'M'
OBJS = main.o answer.o greeting.o
prog: $(OBJS)
	$(CC) -o $@ $(OBJS)
%.o: %.c lib.h
	$(CC) -O2 -Wall -c $< -o $@
M
# Each run builds in its own fresh copy, so both start from the same clean tree.
BUILD="rm -rf $TMP/b && cp -r $SRC $TMP/b && cd $TMP/b && make -s -j2 && ./prog && ls *.o | wc -l"
compare_status 0 /bin/sh -c "$BUILD"
[ ! -e "$TMP/b/prog" ] || rm -rf "$TMP/b"
finish
