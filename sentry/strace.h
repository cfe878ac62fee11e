/*
 * --strace: every guest syscall, strace-style, on the Sentry's stderr:
 *   [pid 1] openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3
 *   [pid 1] read(3, "root:x:0:0:root:/root:/bin/bash\n"..., 4096) = 1234
 *   [pid 1] openat(AT_FDCWD, "/nope", O_RDONLY) = -1 ENOENT (No such file or directory)
 *
 * Argument formats (one character per argument in syscalls.def):
 *   d int (32-bit signed)    D long (64-bit signed)   u unsigned decimal   x hex
 *   p pointer (NULL or hex)  f fd (AT_FDCWD by name)  s string in (path)
 *   b buffer in, its length is the next argument      B buffer out, length = the result
 *   o open flags             m mode (octal)           P mmap prot           M mmap flags
 *   a AT_* flags             w lseek whence           c clock id            S signal number
 *   i ioctl request          F fcntl command          A arch_prctl code     R rlimit resource
 *   v string array (argv)
 * Strings and buffers are read from guest memory for display only, after the handler has
 * made its own single copy; what strace shows never feeds a decision.
 */
#ifndef CVISOR_STRACE_H
#define CVISOR_STRACE_H

#include <stdint.h>

struct task;

void strace_enter(struct task *t, long nr, const uint64_t a[6]);
void strace_exit(struct task *t, long nr, const uint64_t a[6], long ret);

#endif
