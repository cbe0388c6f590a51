#!/usr/bin/env bash
# bench/libvirt.sh N [ROUNDS] — wall time of auditing N defined libvirt
# domains over the read-only socket (`isoaudit scan --libvirt-uri
# qemu:///system -o json`), next to `virsh list --all` + `virsh dumpxml`
# of each in the same run. Medians of ROUNDS (default 5). Domains are
# defined (not started) from a small type='qemu' template and undefined on
# exit.
set -euo pipefail
N=${1:?usage: bench/libvirt.sh N [ROUNDS]}
ROUNDS=${2:-5}
cd "$(dirname "$0")/.."
virsh -c qemu:///system version >/dev/null 2>&1 || {
	echo "bench: libvirtd not reachable; run scripts/live-env.sh first" >&2; exit 1; }
make -s build >/dev/null
PREFIX=isoaudit-bench-
cleanup() {
	for d in $(virsh -c qemu:///system list --all --name | grep "^$PREFIX" || true); do
		virsh -c qemu:///system undefine "$d" >/dev/null
	done
}
trap cleanup EXIT
cleanup
tmp=$(mktemp)
for i in $(seq 1 "$N"); do
	cat >"$tmp" <<XML
<domain type='qemu'>
  <name>$PREFIX$i</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <graphics type='vnc' listen='127.0.0.1' autoport='yes'/>
    <console type='pty'/>
  </devices>
</domain>
XML
	virsh -c qemu:///system define "$tmp" >/dev/null
done
rm -f "$tmp"

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
scan_t=(); virsh_t=()
for _ in $(seq 1 "$ROUNDS"); do
	t0=$(now)
	for d in $(virsh -c qemu:///system list --all --name); do virsh -c qemu:///system dumpxml "$d" >/dev/null; done
	t1=$(now)
	./bin/isoaudit scan --libvirt-uri qemu:///system -o json >/dev/null || [ $? -eq 1 ]
	t2=$(now)
	virsh_t+=($(( (t1 - t0) / 1000 ))); scan_t+=($(( (t2 - t1) / 1000 )))
done
vs=$(printf '%s\n' "${virsh_t[@]}" | median)
sc=$(printf '%s\n' "${scan_t[@]}" | median)
printf 'domains=%d rounds=%d\n' "$N" "$ROUNDS"
printf 'virsh list + dumpxml each:          %8.1f ms (median)\n' "$(awk -v x="$vs" 'BEGIN{print x/1000}')"
printf 'isoaudit scan --libvirt-uri -o json: %8.1f ms (median)\n' "$(awk -v x="$sc" 'BEGIN{print x/1000}')"
