/*
 * The initial process stack of a new program image, laid out byte for byte as Linux lays it
 * out (fs/exec.c and create_elf_tables in fs/binfmt_elf.c, without stack randomization).
 * A pure function: it builds an image in Sentry memory, the caller copies it to the guest.
 *
 * From stack_top down:
 *   8 zero bytes                        (Linux's end marker, bprm->p = vm_end - 8)
 *   execfn string                       (AT_EXECFN points here)
 *   envp strings, argv strings          (ascending: argv[0] .. argv[n-1], envp[0] .. envp[m-1])
 *   padding to 16 bytes
 *   platform string                     (AT_PLATFORM, when platform is not NULL)
 *   16 random bytes                     (AT_RANDOM)
 *   padding (0..15 bytes)
 *   auxv: the caller's pairs, AT_RANDOM, AT_EXECFN, AT_PLATFORM, AT_NULL
 *   envp[0..envc-1], NULL
 *   argv[0..argc-1], NULL
 *   argc                                <- sp, 16-byte aligned
 *
 * Linux puts an empty argv[0] when argc is 0 and applies the stack rlimit to the total: both
 * are the caller's policy (it knows the rlimit; cap is where it applies it).
 */
#ifndef CVISOR_INITSTACK_H
#define CVISOR_INITSTACK_H

#include <stddef.h>
#include <stdint.h>

/* Linux's MAX_ARG_STRLEN: the longest single argument or environment string, NUL included. */
#define INITSTACK_MAX_STRLEN (32 * 4096)

struct auxv_pair {
	uint64_t type, val;
};

struct initstack_in {
	uint64_t stack_top; /* guest address just above the stack (16-aligned) */
	const char *const *argv;
	size_t argc;
	const char *const *envp;
	size_t envc;
	const char *execfn;	      /* AT_EXECFN string */
	const char *platform;	      /* AT_PLATFORM string, "x86_64"; NULL: no AT_PLATFORM */
	const uint8_t *random16;      /* 16 bytes for AT_RANDOM */
	const struct auxv_pair *auxv; /* AT_PHDR ... AT_SYSINFO_EHDR: never AT_NULL, AT_RANDOM, */
	size_t auxc;		      /* AT_EXECFN or AT_PLATFORM, which are added here */
};

/*
 * Lays the stack out and writes the bytes of the guest range [*sp, stack_top) into out
 * (out[0] is at guest address *sp). Returns the image size, or -E2BIG when it exceeds cap or a
 * string exceeds INITSTACK_MAX_STRLEN, or -EINVAL for a bad input (stack_top not 16-aligned or
 * too low, a NULL string or random16, an auxv entry of a type added here).
 */
long initstack_build(const struct initstack_in *in, void *out, size_t cap, uint64_t *sp);

#endif
