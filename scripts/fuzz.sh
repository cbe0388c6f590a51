#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] — run every `func Fuzz…` target of the module
# for SECONDS each (default 10). Inputs that crash become files under the
# package's testdata/fuzz/<Target>/ and are then part of `go test`: commit
# them as regression seeds after fixing the bug.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
fail=0
while IFS=: read -r file target; do
	pkg="./$(dirname "$file")"
	echo "fuzz: $target in $pkg (${secs}s)"
	if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "${secs}s" "$pkg" >/tmp/isoaudit-fuzz.log 2>&1; then
		tail -n 30 /tmp/isoaudit-fuzz.log
		fail=1
	fi
done < <(git ls-files '*_test.go' | xargs grep -oE '^func (Fuzz[A-Za-z0-9_]+)' | sed -E 's/:func /:/' | sort)
exit $fail
