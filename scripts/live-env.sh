#!/usr/bin/env bash
# live-env.sh — install and start the daemons isoaudit's live tests talk to:
# dockerd, Podman's Docker-compatible API service, and libvirtd (QEMU
# driver; guests run under TCG when KVM is absent).
#
# Idempotent: packages already installed are not reinstalled, a daemon that
# already answers is left alone. Needs root (apt-get, dockerd).
#
#   scripts/live-env.sh           # docker, podman and libvirtd
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
LIBVIRT_URI=qemu:///system
LIBVIRT_SOCK_RO=/var/run/libvirt/libvirt-sock-ro
LIBVIRTD_LOG=/var/log/isoaudit-libvirtd.log
VIRTLOGD_LOG=/var/log/isoaudit-virtlogd.log

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

# fix_kvm_node gives /dev/kvm the owner and mode Debian's udev rules set
# (root:kvm 0660); no udev runs here. Otherwise libvirt's QEMU probe (run
# as root) sees KVM while the qemu user cannot open it, so libvirtd
# re-probes QEMU (about 30 s) on every domain define.
fix_kvm_node() {
	if [ -c /dev/kvm ] && getent group kvm >/dev/null; then
		chgrp kvm /dev/kvm && chmod 0660 /dev/kvm || log "cannot set /dev/kvm to root:kvm 0660"
	fi
}

libvirt_up() {
	[ -S "$LIBVIRT_SOCK_RO" ] && timeout 10 virsh -c "$LIBVIRT_URI" version >/dev/null 2>&1
}

# alive NAME: a process named NAME runs (zombies of a killed daemon that
# nobody reaped yet do not count).
alive() {
	local pid
	for pid in $(pgrep -x "$1"); do
		ps -o stat= -p "$pid" 2>/dev/null | grep -qv '^Z' && return 0
	done
	return 1
}

# start_libvirt runs virtlogd and libvirtd in the background (no systemd
# here: neither socket activation nor units) and waits until
# `virsh -c qemu:///system version` answers: at most two starts of
# libvirtd, 60 s each.
start_libvirt() {
	fix_kvm_node
	if command -v virsh >/dev/null && libvirt_up; then
		log "libvirtd already answers on $LIBVIRT_URI"
		return 0
	fi
	need_pkgs libvirt-daemon-system qemu-system-x86 libvirt-clients
	mkdir -p /run/libvirt /var/log/libvirt/qemu
	fix_kvm_node # the kvm group exists once the packages are installed
	local attempt i
	for attempt in 1 2; do
		# The QEMU driver hands guest consoles and logs to virtlogd.
		if ! alive virtlogd; then
			log "starting virtlogd (log: $VIRTLOGD_LOG)"
			setsid nohup /usr/sbin/virtlogd >>"$VIRTLOGD_LOG" 2>&1 </dev/null &
			for _ in $(seq 1 20); do [ -S /run/libvirt/virtlogd-sock ] && break; sleep 0.5; done
		fi
		if ! alive libvirtd; then
			log "starting libvirtd (attempt $attempt; log: $LIBVIRTD_LOG)"
			[ "$attempt" -gt 1 ] || : >"$LIBVIRTD_LOG"
			setsid nohup /usr/sbin/libvirtd >>"$LIBVIRTD_LOG" 2>&1 </dev/null &
		fi
		for i in $(seq 1 60); do
			if libvirt_up; then
				log "libvirtd $(virsh -c "$LIBVIRT_URI" version --daemon 2>/dev/null | sed -n 's/^Running against daemon: *//p') is up on $LIBVIRT_URI"
				return 0
			fi
			# A libvirtd that died will not answer: start it again (give
			# the one just started a few seconds to exec first).
			if [ "$i" -gt 3 ] && ! alive libvirtd; then
				log "libvirtd exited; last log lines:"
				tail -n 20 "$LIBVIRTD_LOG" >&2 || true
				break
			fi
			sleep 1
		done
	done
	log "libvirtd did not answer on $LIBVIRT_URI; last log lines ($LIBVIRTD_LOG):"
	tail -n 30 "$LIBVIRTD_LOG" >&2 || true
	timeout 10 virsh -c "$LIBVIRT_URI" version >&2 || true
	return 1
}

# install_rsyslog installs rsyslogd for the shipping tests (pkg/ship),
# which start their own instance on loopback ports with a test config; no
# system rsyslog is started here.
install_rsyslog() {
	command -v rsyslogd >/dev/null || need_pkgs rsyslog
}

case "${1:-}" in
--image)
	start_docker
	test_image
	;;
--check)
	docker_up && podman_up && libvirt_up
	;;
"")
	[ "$(id -u)" -eq 0 ] || { log "must run as root"; exit 1; }
	start_docker
	start_podman
	start_libvirt
	install_rsyslog
	;;
*)
	log "unknown argument: $1 (supported: --check, --image)"
	exit 2
	;;
esac
