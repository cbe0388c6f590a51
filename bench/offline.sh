#!/usr/bin/env bash
# bench/offline.sh N — wall time and peak memory of auditing N offline
# `docker inspect` documents (real captures repeated), output to /dev/null
# in FORMAT (default json; FORMAT=cef bench/offline.sh 10000). Peak RSS
# needs GNU time (/usr/bin/time, Debian package `time`).
set -euo pipefail
N=${1:?usage: [FORMAT=json] bench/offline.sh N}
FORMAT=${FORMAT:-json}
cd "$(dirname "$0")/.."
make -s build >/dev/null
file=$(mktemp --suffix=.json)
trap 'rm -f "$file"' EXIT
go run ./bench/geninspect "$N" > "$file"
printf 'documents=%d input=%s bytes format=%s\n' "$N" "$(stat -c %s "$file")" "$FORMAT"
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f 'wall=%es peak_rss=%MKiB' ./bin/isoaudit scan --inspect "$file" -o "$FORMAT" >/dev/null
else
	echo "bench: /usr/bin/time not found (apt-get install time): wall time only" >&2
	time ./bin/isoaudit scan --inspect "$file" -o "$FORMAT" >/dev/null
fi
