# Sourced by scripts/test (bash): start a Docker engine when none answers,
# and stop it again, by its pid, only if we started it.
#
#   ensure_dockerd LOGFILE   returns 0 when an engine answers (already
#                            running or started here), 1 when it could not
#                            be started; sets DOCKERD_PID when it started one
#   stop_dockerd             stops the engine started by ensure_dockerd

DOCKER=/usr/bin/docker
DOCKERD=/usr/sbin/dockerd
DOCKERD_PID=

ensure_dockerd() {
	local log=$1 waited
	if "$DOCKER" info >/dev/null 2>&1; then
		return 0
	fi
	if [ -S /var/run/docker.sock ] && [ ! -w /var/run/docker.sock ]; then
		echo "!!! $(id -un) may not use the Docker engine's socket /var/run/docker.sock:" \
			"run as root, or join the group docker (sudo usermod -aG docker $(id -un))" \
			"and log in again" >&2
		return 1
	fi
	if [ ! -x "$DOCKERD" ]; then
		echo "!!! no Docker engine answers and $DOCKERD is not installed (apt-get install docker.io)" >&2
		return 1
	fi
	if [ "$(id -u)" != 0 ]; then
		echo "!!! no Docker engine answers, and only root can start one:" \
			"sudo systemctl start docker (and join the group docker), or run as root" >&2
		return 1
	fi
	mkdir -p "$(dirname "$log")"
	echo "== no Docker engine answers: starting dockerd (log: $log)"
	"$DOCKERD" --iptables=false --ip6tables=false --bridge=none </dev/null >"$log" 2>&1 &
	DOCKERD_PID=$!
	for waited in $(seq 1 60); do
		if "$DOCKER" info >/dev/null 2>&1; then
			echo "== dockerd (pid $DOCKERD_PID) answers after ${waited} s"
			return 0
		fi
		if ! kill -0 "$DOCKERD_PID" 2>/dev/null; then
			break
		fi
		sleep 1
	done
	echo "!!! dockerd did not answer within 60 s; last lines of $log:" >&2
	tail -n 20 "$log" >&2 || true
	stop_dockerd
	return 1
}

stop_dockerd() {
	local pid=$DOCKERD_PID
	[ -n "$pid" ] || return 0
	DOCKERD_PID=
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 1 30); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 1
	done
	echo "!!! dockerd (pid $pid) still running after 30 s; killing it" >&2
	kill -KILL "$pid" 2>/dev/null || true
}
