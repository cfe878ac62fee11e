/*
 * Runs a libFuzzer harness without libFuzzer, so `make test` exercises it under ASan+UBSan
 * with gcc: each file named on the command line, every truncation of its first 4 KiB, and a
 * fixed, seeded series of byte mutations of its headers. `make fuzz` (clang) runs the real
 * coverage-guided fuzzer on the same harness.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEAD 4096

int main(int argc, char **argv)
{
	unsigned long runs = 0;
	uint32_t seed = 12345;
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (!f) {
			perror(argv[i]);
			return 2;
		}
		static uint8_t buf[1 << 20];
		size_t n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
		for (size_t cut = 0; cut < n && cut < HEAD; cut++, runs++)
			LLVMFuzzerTestOneInput(buf, cut);
		uint8_t *m = malloc(n);
		if (!m)
			return 2;
		for (int k = 0; k < 20000; k++, runs++) {
			memcpy(m, buf, n);
			for (int flips = 1 + k % 4; flips > 0; flips--) {
				seed = seed * 1103515245 + 12345;
				size_t at = (seed >> 8) % (n < HEAD ? n : HEAD);
				seed = seed * 1103515245 + 12345;
				m[at] = (uint8_t)(seed >> 16);
			}
			LLVMFuzzerTestOneInput(m, n);
		}
		free(m);
	}
	printf("%lu inputs replayed\n", runs);
	return 0;
}
