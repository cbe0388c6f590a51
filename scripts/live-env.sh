#!/usr/bin/env bash
# live-env.sh — install and start the daemons isoaudit's live tests talk to:
# dockerd, and Podman's Docker-compatible API service.
#
# Idempotent: packages already installed are not reinstalled, a daemon that
# already answers is left alone. Needs root (apt-get, dockerd).
#
#   scripts/live-env.sh           # docker and podman
#   scripts/live-env.sh --check   # exit 0 if every daemon answers, 1 otherwise
#   scripts/live-env.sh --image   # also build the local test image; print its name
set -euo pipefail

log() { printf 'live-env: %s\n' "$*" >&2; }

DOCKER_SOCK=/var/run/docker.sock
DOCKERD_LOG=/var/log/isoaudit-dockerd.log
PODMAN_SOCK=/run/podman/podman.sock
PODMAN_LOG=/var/log/isoaudit-podman.log
# No systemd here: podman keeps cgroups itself and logs events to a file.
PODMAN=(podman --cgroup-manager=cgroupfs --events-backend=file)

docker_up() {
	[ -S "$DOCKER_SOCK" ] && docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

need_pkgs() {
	local missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	if [ "${#missing[@]}" -gt 0 ]; then
		log "installing ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	fi
}

start_docker() {
	if docker_up; then
		log "dockerd already answers on $DOCKER_SOCK"
		return 0
	fi
	need_pkgs docker.io iptables busybox-static ca-certificates
	# No init system runs here: start containerd (bundled with docker.io's
	# dependencies) implicitly through dockerd, in the background.
	if ! pgrep -x dockerd >/dev/null; then
		log "starting dockerd (log: $DOCKERD_LOG)"
		nohup /usr/sbin/dockerd --host="unix://$DOCKER_SOCK" >"$DOCKERD_LOG" 2>&1 &
	fi
	for _ in $(seq 1 60); do
		if docker_up; then
			log "dockerd $(docker version --format '{{.Server.Version}}') is up"
			return 0
		fi
		sleep 1
	done
	log "dockerd did not come up within 60 s; last log lines:"
	tail -n 20 "$DOCKERD_LOG" >&2 || true
	return 1
}

podman_up() {
	[ -S "$PODMAN_SOCK" ] && curl -sf --unix-socket "$PODMAN_SOCK" http://d/_ping >/dev/null 2>&1
}

# start_podman serves Podman's Docker-compatible API on $PODMAN_SOCK and
# imports the test image into Podman's own storage.
start_podman() {
	if ! podman_up; then
		need_pkgs podman curl busybox-static
		mkdir -p "$(dirname "$PODMAN_SOCK")"
		log "starting podman system service (log: $PODMAN_LOG)"
		nohup "${PODMAN[@]}" system service --time=0 "unix://$PODMAN_SOCK" >"$PODMAN_LOG" 2>&1 &
		for _ in $(seq 1 30); do podman_up && break; sleep 1; done
		if ! podman_up; then
			log "podman did not come up within 30 s; last log lines:"
			tail -n 20 "$PODMAN_LOG" >&2 || true
			return 1
		fi
	fi
	if ! "${PODMAN[@]}" image exists "localhost/$TEST_IMAGE"; then
		rootfs_tar | "${PODMAN[@]}" import -c 'CMD ["/bin/sleep","3600"]' - "localhost/$TEST_IMAGE" >/dev/null
		log "imported localhost/$TEST_IMAGE into podman"
	fi
	log "podman $("${PODMAN[@]}" version --format '{{.Server.Version}}' 2>/dev/null || echo '?') serves $PODMAN_SOCK"
}

# rootfs_tar writes a tiny root filesystem (busybox-static) as a tar stream.
rootfs_tar() {
	local root
	root=$(mktemp -d)
	mkdir -p "$root/bin"
	cp /bin/busybox "$root/bin/busybox"
	for a in sh sleep cat id ls; do ln -s busybox "$root/bin/$a"; done
	tar -C "$root" -c .
	rm -rf "$root"
}

# test_image builds (once) a tiny local image from Debian's busybox-static:
# no registry is reachable, so nothing is pulled. Prints its reference.
TEST_IMAGE=isoaudit-test/busybox:1
test_image() {
	if ! docker image inspect "$TEST_IMAGE" >/dev/null 2>&1; then
		need_pkgs busybox-static
		rootfs_tar | docker import -c 'CMD ["/bin/sleep","3600"]' - "$TEST_IMAGE" >/dev/null
		log "built $TEST_IMAGE"
	fi
	echo "$TEST_IMAGE"
}

case "${1:-}" in
--image)
	start_docker
	test_image
	;;
--check)
	docker_up && podman_up
	;;
"")
	[ "$(id -u)" -eq 0 ] || { log "must run as root"; exit 1; }
	start_docker
	start_podman
	;;
*)
	log "unknown argument: $1 (supported: --check, --image)"
	exit 2
	;;
esac
