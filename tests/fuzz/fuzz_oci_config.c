/*
 * libFuzzer harness for the OCI config parser: the input is a whole config.json. Build:
 *   clang -fsanitize=fuzzer,address,undefined -I. runsc-cli/oci_config.c \
 *       tests/fuzz/fuzz_oci_config.c -ljansson -lm
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "runsc-cli/oci_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_config c;
	char err[512];
	int rc = oci_config_parse((const char *)data, size, &c, err, sizeof(err));
	/* A refusal is exactly one non-empty line. */
	if (rc) {
		if (err[0] == '\0' || !memchr(err, 0, sizeof(err)) || strchr(err, '\n'))
			__builtin_trap();
		return 0;
	}
	/* An acceptance holds what the runtime relies on without checking again. */
	const struct oci_process *p = &c.process;
	if (p->nargs < 1 || !p->args[0] || p->args[p->nargs] || p->cwd[0] != '/' ||
	    !c.root_path[0] || (p->env && p->env[p->nenv]))
		__builtin_trap();
	for (size_t i = 0; i < c.nmounts; i++) {
		if (c.mounts[i].destination[0] != '/' ||
		    (c.mounts[i].kind == OCI_MOUNT_BIND && !c.mounts[i].source))
			__builtin_trap();
	}
	for (size_t i = 0; i < p->nrlimits; i++) {
		if (p->rlimits[i].soft > p->rlimits[i].hard)
			__builtin_trap();
	}
	for (size_t i = 0; i < p->nenv; i++) {
		if (!strchr(p->env[i], '='))
			__builtin_trap();
	}
	oci_config_free(&c);
	return 0;
}
