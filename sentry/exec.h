/* Loading a program into a task: the Sentry's execve (ELF only for now). */
#ifndef CVISOR_EXEC_H
#define CVISOR_EXEC_H

#include <stddef.h>

struct task;

/*
 * Loads the ELF file at path (walked in the task's VFS, symlinks followed) and its
 * interpreter into the task's address space, builds the initial stack and sets the
 * registers to start it. Returns 0 or a negative errno (ENOENT, EACCES, ENOEXEC, EINVAL,
 * ENOMEM, ...) with a one-line reason in err.
 */
int exec_load(struct task *t, const char *path, const char *const *argv, size_t argc,
	      const char *const *envp, size_t envc, char *err, size_t errlen);

/*
 * execve's program loading: follows "#!" interpreter lines (up to 4 levels, ELOOP beyond,
 * with Linux's argument rules: interpreter, its one optional argument, the script's path,
 * then argv[1..]) and then loads the ELF with exec_load.
 */
int exec_program(struct task *t, const char *path, const char *const *argv, size_t argc,
		 const char *const *envp, size_t envc, char *err, size_t errlen);

/* Finds cmd as execvp would, in the guest's VFS: as given when it has a '/', else in each
 * directory of path_env. Writes the path found into out. -ENOENT when nowhere, -EACCES
 * when found but not executable. */
int exec_find(struct task *t, const char *cmd, const char *path_env, char *out, size_t cap);

#endif
