# tests/registry/lib.sh: what the push tests share. Sourced (bash) by the
# run-* scripts beside it, after `set -euo pipefail`:
#
#   reg_init NAME SCRATCHBUILD [needs...]
#             sets SB (the binary, absolute), HERE, SEED (testdata/seed), WORK
#             (a temporary directory removed at exit, with every registry
#             started by reg_start stopped first) and TEST (NAME, for messages);
#             skips the test (exit 77, the reason on standard output) when a
#             need is missing. Needs: registry (docker-registry), docker (an
#             engine that answers), skopeo, push (scratchbuild has --push)
#   reg_start MODE DIR    start-registry MODE DIR, then sources DIR/env (REG_*)
#   reg_stop DIR          stop-registry DIR
#   seed_context DIR      the seed's context (testdata/seed/make-context)
#   docker_config DIR HOST USER PASS
#                         writes DIR/config.json with `auths` for HOST
#                         (base64 USER:PASS), as `docker login` would
#   run_sb OUT ARGS...    runs $SB ARGS... with standard output in OUT.out,
#                         standard error in OUT.err, the status in $rc; never fails
#   no_secret OUT SECRET...
#                         fails the test when a SECRET is in OUT.out or OUT.err
#   log_count DIR PATTERN [FROM]
#                         lines of DIR/registry.log matching the extended
#                         regexp PATTERN (from line FROM on; default 1)
#   log_lines DIR         the number of lines in DIR/registry.log now
#   fail MESSAGE          prints FAIL: TEST: MESSAGE, the output of the last
#                         run_sb, and exits 1
#   soft_fail MESSAGE     the same, but goes on (a later part of the test still
#                         runs); reg_finish then fails the test
#   reg_finish            PASS: TEST, or exit 1 after a soft_fail
#   seed_serve IMAGE      runs IMAGE with Docker on the host network and fetches
#                         http://127.0.0.1:8080/, which must be the seed's
#                         index.html (the port taken in turns with run-seed)
#
# The texts of scratchbuild's messages the tests check are those of the
# registry client and the push as first merged (branches reg-http, reg-push);
# run-push-multi checks what skopeo reads, and the 'pushed' line.

DOCKER=/usr/bin/docker
HERE=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
SEED=$(realpath "$HERE/../../testdata/seed")
PY=${PYTHON3:-/usr/bin/python3}
_reg_dirs=()
_reg_containers=()
_reg_images=()
LAST=

reg_skip() {
	echo "SKIPPED: $TEST: $*"
	exit 77
}

reg_init() {
	TEST=$1
	[ -n "${2:-}" ] || { echo "usage: $0 SCRATCHBUILD_BINARY" >&2; exit 2; }
	SB=$(realpath "$2")
	shift 2
	local need
	for need in "$@"; do
		case $need in
		registry) [ -x /usr/bin/docker-registry ] || reg_skip "no docker-registry (apt-get install docker-registry)" ;;
		docker) "$DOCKER" info >/dev/null 2>&1 || reg_skip "no Docker engine answers" ;;
		skopeo) command -v skopeo >/dev/null || reg_skip "no skopeo (apt-get install skopeo)" ;;
		push) "$SB" --help 2>&1 | grep -q -- --push || reg_skip "$SB has no --push" ;;
		esac
	done
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/sbtest-reg.XXXXXX")
	# what layers compress to, remembered by a push: the test's own
	export XDG_CACHE_HOME=$WORK/cache
	trap reg_cleanup EXIT
}

reg_cleanup() {
	local d c i
	for c in "${_reg_containers[@]}"; do
		"$DOCKER" rm -f "$c" >/dev/null 2>&1 || true
	done
	for i in "${_reg_images[@]}"; do
		"$DOCKER" image rm "$i" >/dev/null 2>&1 || true
	done
	for d in "${_reg_dirs[@]}"; do
		"$HERE/stop-registry" "$d" >/dev/null 2>&1 || true
	done
	jobs -p | while read -r p; do kill "$p" 2>/dev/null || true; done
	rm -rf "$WORK"
}

reg_start() {
	local rc=0
	"$HERE/start-registry" "$1" "$2" >/dev/null || rc=$?
	[ "$rc" != 77 ] || reg_skip "start-registry $1 skipped"
	[ "$rc" = 0 ] || { echo "FAIL: $TEST: start-registry $1 failed"; exit 1; }
	_reg_dirs+=("$2")
	# shellcheck disable=SC1091
	. "$2/env"
}

reg_stop() { "$HERE/stop-registry" "$1"; }

seed_context() { "$SEED/make-context" "$1" >/dev/null; }

docker_config() {
	mkdir -p "$1"
	printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$2" "$(printf '%s:%s' "$3" "$4" | base64 -w0)" \
		>"$1/config.json"
}

run_sb() {
	local out=$1
	shift
	LAST=$out
	rc=0
	echo "== scratchbuild $*"
	"$SB" "$@" >"$out.out" 2>"$out.err" || rc=$?
	echo "   exit $rc"
}

show_last() {
	[ -n "$LAST" ] || return 0
	echo "---- stdout"
	cat "$LAST.out" 2>/dev/null || true
	echo "---- stderr"
	cat "$LAST.err" 2>/dev/null || true
	echo "----"
}

fail() {
	echo "FAIL: $TEST: $*"
	show_last
	exit 1
}

SOFT_FAILED=0
soft_fail() {
	echo "FAIL: $TEST: $*"
	show_last
	SOFT_FAILED=1
}

reg_finish() {
	[ "$SOFT_FAILED" = 0 ] || exit 1
	echo "PASS: $TEST"
}

no_secret() {
	local out=$1 s
	shift
	for s in "$@"; do
		[ -n "$s" ] || continue
		if grep -qF -- "$s" "$out.out" "$out.err"; then
			fail "a secret is in the output of scratchbuild"
		fi
	done
}

log_count() {
	tail -n +"${3:-1}" "$1/registry.log" | grep -cE -- "$2" || true
}

log_lines() { wc -l <"$1/registry.log"; }

seed_serve() {
	local image=$1 url=http://127.0.0.1:8080/ c attempt
	exec 9>"${TMPDIR:-/tmp}/scratchbuild-test-port-8080.lock"
	flock -w 540 9 || fail "port 8080 stayed taken by another test for 9 minutes"
	if curl -s -o /dev/null -m 2 "$url"; then
		fail "something already answers on $url; cannot run the seed server"
	fi
	c=$("$DOCKER" run -d --network host "$image")
	_reg_containers+=("$c")
	for attempt in $(seq 10); do
		if curl -fsS -m 5 -o "$WORK/got.html" "$url"; then
			break
		fi
		[ "$attempt" != 10 ] || fail "no answer from $url (container $c)"
		sleep 1
	done
	cmp "$SEED/index.html" "$WORK/got.html" || fail "$url did not return the seed's index.html"
	"$DOCKER" rm -f "$c" >/dev/null
	flock -u 9
	echo "== $image served index.html on $url"
}
