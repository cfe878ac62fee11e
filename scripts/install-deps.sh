#!/usr/bin/env bash
# Installs every Debian package that cvisor's build, tests and demo need.
# Idempotent: does nothing (and needs no network) when all are present.
set -euo pipefail

PKGS=(
	# build
	build-essential cmake pkg-config clang-format
	# libraries (see docs/architecture.md for what each is used for)
	libelf-dev       # ELF loader
	libseccomp-dev   # every BPF filter
	libcapstone-dev  # instruction decoding (fault reports, syscall-site patching)
	libunwind-dev    # stack dumps of the Sentry
	libcmocka-dev    # unit tests
	libjansson-dev   # JSON (OCI config, state)
	# guest programs used by the demo and the integration tests
	busybox coreutils python3 procps
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}; run as root (or: sudo $0)" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
