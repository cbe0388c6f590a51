#!/usr/bin/env bash
# bench/containers.sh N [ROUNDS] — wall time of `isoaudit scan -o json`
# against `docker inspect $(docker ps -q)` on the same N running
# containers, in the same run, with the ratio. The machine is shared and
# noisy: compare the ratio, not the absolute times. Medians of ROUNDS
# (default 7) alternating runs.
#
# With BENCH_PER_CHECK=1 it also times a docker-bench-security-style shell
# loop that spawns `docker inspect` once per check per container (37 inspect
# call sites per container in its section 5), once.
set -euo pipefail
N=${1:?usage: bench/containers.sh N [ROUNDS]}
ROUNDS=${2:-7}
cd "$(dirname "$0")/.."
LABEL=isoaudit.bench=1

command -v docker >/dev/null && docker version >/dev/null 2>&1 || {
	echo "bench: dockerd not reachable; run scripts/live-env.sh first" >&2; exit 1; }

make -s build >/dev/null
IMAGE=$(bash scripts/live-env.sh --image)

cleanup() { docker ps -aq --filter "label=$LABEL" | xargs -r docker rm -f >/dev/null; }
trap cleanup EXIT
cleanup
# Only the benchmark's containers may run, so both commands see the same set.
if [ -n "$(docker ps -q)" ]; then
	echo "bench: other containers are running; stop them first (docker ps)" >&2; exit 1
fi
for i in $(seq 1 "$N"); do
	docker run -d --label "$LABEL" --name "isoaudit-bench-$i" "$IMAGE" >/dev/null
done

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
scan_t=(); inspect_t=()
for _ in $(seq 1 "$ROUNDS"); do
	t0=$(now); docker inspect $(docker ps -q) >/dev/null; t1=$(now)
	./bin/isoaudit scan --docker-host "${DOCKER_HOST:-unix:///var/run/docker.sock}" -o json >/dev/null || [ $? -eq 1 ]; t2=$(now)
	inspect_t+=($(( (t1 - t0) / 1000 ))); scan_t+=($(( (t2 - t1) / 1000 )))
done
ins=$(printf '%s\n' "${inspect_t[@]}" | median)
sc=$(printf '%s\n' "${scan_t[@]}" | median)
printf 'containers=%d rounds=%d\n' "$N" "$ROUNDS"
printf 'docker inspect $(docker ps -q): %8.1f ms (median)\n' "$(awk -v x=$ins 'BEGIN{print x/1000}')"
printf 'isoaudit scan -o json:          %8.1f ms (median)\n' "$(awk -v x=$sc 'BEGIN{print x/1000}')"
printf 'ratio scan/inspect:             %8.2f\n' "$(awk -v x=$sc -v y=$ins 'BEGIN{print x/y}')"
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f 'isoaudit scan peak RSS:         %M KiB' \
		./bin/isoaudit scan --docker-host "${DOCKER_HOST:-unix:///var/run/docker.sock}" -o json >/dev/null || true
fi

if [ "${BENCH_PER_CHECK:-0}" = 1 ]; then
	t0=$(now)
	for c in $(docker ps -q); do
		for _ in $(seq 1 37); do docker inspect --format '{{ .HostConfig.Privileged }}' "$c" >/dev/null; done
	done
	t1=$(now)
	pc=$(( (t1 - t0) / 1000 ))
	printf 'per-check CLI loop (37/container): %8.1f ms\n' "$(awk -v x=$pc 'BEGIN{print x/1000}')"
	printf 'ratio per-check/scan:              %8.1f\n' "$(awk -v x=$pc -v y=$sc 'BEGIN{print x/y}')"
fi
