# scripts/packages.sh: the one list of the Debian 12 packages that building
# and testing scratchbuild need, and the function that installs the missing
# ones. Sourced (bash) by scripts/quickstart (the build set) and scripts/test
# (both sets), which .ci/run runs.
#
#   BUILD_PACKAGES   build scratchbuild, its unit tests and the seed example
#   TEST_PACKAGES    what the tests need besides
#   install_packages PACKAGE...
#                    installs those of the PACKAGEs that dpkg does not list as
#                    installed (apt-get update, then apt-get install, without
#                    the recommended packages, with no question asked; sudo
#                    when not root); returns non-zero when that fails
#
# Essential packages (coreutils, tar, gzip, util-linux, bsdutils) are on every
# Debian machine and not listed.

BUILD_PACKAGES=(
	meson ninja-build re2c gcc libc6-dev pkg-config
	# the libraries, and the filters libarchive's static archive links in
	libarchive-dev libsodium-dev libyajl-dev zlib1g-dev libbz2-dev liblzma-dev libzstd-dev
	# libarchive's static archive names nettle (see meson.build)
	nettle-dev
	# gzip of layers on several cores (src/util/pgzip.c)
	libdeflate-dev
	# the unit tests, configured with the build
	libcmocka-dev
	# meson lists the docker cases with it; the tests' readers of tars
	python3
	# the quick start (and run-seed, run-formats) fetch the seed's page
	curl
	# --push and `scratchbuild push`: the registry client (src/registry/)
	libcurl4-openssl-dev
)

TEST_PACKAGES=(
	# build-openssl/: SHA-256 from OpenSSL (-Dsha256=openssl)
	libssl-dev
	# build-fuzz/: the libFuzzer targets
	clang libclang-rt-14-dev
	# the docker suite: the engine (apparmor: dockerd loads its profile with
	# apparmor_parser, only recommended by docker.io), and the readers of
	# the OCI formats
	docker.io apparmor skopeo umoci
	# the docker cases' setups compress their archives
	bzip2 xz-utils zstd
	# explain-browser: the page in headless Chromium
	chromium
	# the valgrind suite; cli (--fsync, with strace); limits (/usr/bin/time:
	# time and peak memory of the 9 GiB case)
	valgrind strace time
	# the registry suite (tests/registry/): a real registry (distribution 2.8),
	# its CA and server certificate, its htpasswd file (bcrypt), and the token
	# server's JWTs; skopeo (above) reads what was pushed
	docker-registry openssl python3-bcrypt python3-jwt python3-cryptography
)

install_packages() {
	local p missing=() sudo=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep "install ok installed" >/dev/null ||
			missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	echo "== installing ${missing[*]}"
	[ "$(id -u)" = 0 ] || sudo=(sudo)
	# sudo clears the environment: DEBIAN_FRONTEND goes through env.
	"${sudo[@]}" apt-get update -q </dev/null || return 1
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
}
