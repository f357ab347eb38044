# Shared by tests/explain/run and tests/explain/browser: the seed as a build
# context, plus a hostile name, and check/failure counting.
#
# The seed plus `COPY . /x/`, which copies a directory named
# `<script>alert(1)<` holding a file `script>`: the layer then holds
# the path x/<script>alert(1)</script> (a single file name cannot hold '/').

seed=$(cd "$(dirname "$0")/../../testdata/golden/seed" && pwd)
failures=0

check() { # check DESCRIPTION COMMAND...: the command must succeed
	local what=$1
	shift
	if "$@"; then
		echo "ok: $what"
	else
		echo "FAIL: $what"
		failures=$((failures + 1))
	fi
}

make_context() { # make_context DIR
	cp -a "$seed" "$1"
	rm -f "$1/expected"
	echo 'COPY . /x/' >>"$1/Dockerfile"
	mkdir "$1/<script>alert(1)<"
	printf 'hostile\n' >"$1/<script>alert(1)</script>"
}

finish() {
	if [ "$failures" -ne 0 ]; then
		echo "$failures check(s) failed"
		exit 1
	fi
	echo "all checks passed"
}
