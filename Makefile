# cvisor top-level entry points. Every target installs what is missing and configures first.
JOBS      ?= $(shell nproc)
BUILD     ?= build
ASAN_DIR  ?= build-asan
CMAKE_OPT ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps build build-asan demo test test-fast bench fuzz format clean

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) $(CMAKE_OPT)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN_DIR)/CMakeCache.txt: | deps
	cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DCVISOR_SANITIZE=ON

build-asan: deps $(ASAN_DIR)/CMakeCache.txt
	cmake --build $(ASAN_DIR) -j $(JOBS)

# A real, unmodified Debian program, sandboxed: the host's / is the read-only guest root.
demo: build
	@echo '$$ build/cvisor do -- /bin/ls -l /usr'
	@$(BUILD)/cvisor do -- /bin/ls -l /usr
	@echo
	@echo '$$ build/cvisor do -- /usr/bin/python3 -c "import platform,sys; print(platform.uname().release, sys.version.split()[0], sum(range(10**6)))"'
	@$(BUILD)/cvisor do -- /usr/bin/python3 -c "import platform,sys; print(platform.uname().release, sys.version.split()[0], sum(range(10**6)))"
	@echo
	@echo '$$ build/cvisor do -- /bin/sh -c "ls /usr/bin | sort | head -3; sleep 0.1 & wait; echo \$$?"'
	@$(BUILD)/cvisor do -- /bin/sh -c 'ls /usr/bin | sort | head -3; sleep 0.1 & wait; echo $$?'

# The whole suite: the normal build, then the unit and syscall tests again under ASan+UBSan.
test: build build-asan
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	cd $(ASAN_DIR) && ctest --output-on-failure -j $(JOBS) -L sanitize

# Coverage-guided fuzzing of the ELF and OCI config parsers with libFuzzer (clang), 60 s each.
# (clang is not among the install script's packages: only this optional target needs it.)
fuzz: deps
	@command -v clang >/dev/null || { echo "make fuzz: clang is needed (apt-get install clang)"; exit 1; }
	mkdir -p $(BUILD)/fuzz
	clang -g -O1 -fsanitize=fuzzer,address,undefined -I. sentry/elf.c tests/fuzz/fuzz_elf.c \
		-lelf -o $(BUILD)/fuzz/fuzz_elf
	$(BUILD)/fuzz/fuzz_elf -max_total_time=60
	clang -g -O1 -fsanitize=fuzzer,address,undefined -I. runsc-cli/oci_config.c \
		tests/fuzz/fuzz_oci_config.c -ljansson -lm -o $(BUILD)/fuzz/fuzz_oci_config
	mkdir -p $(BUILD)/fuzz/oci_config_corpus # new inputs go there, not into the seeds
	$(BUILD)/fuzz/fuzz_oci_config -max_total_time=60 $(BUILD)/fuzz/oci_config_corpus tests/fuzz/oci_config

# Micro-benchmarks natively, under gVisor (runsc), PRoot and cvisor: one table, also written to
# bench/results/latest.md. Installs runsc and proot if missing. Not a test: no timing assertion.
bench: build
	BUILD=$(BUILD) /usr/bin/python3 bench/run.py

format:
	find sentry platform fs netstack runsc-cli tests bench -name '*.[ch]' -print0 | xargs -0 clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_DIR)
