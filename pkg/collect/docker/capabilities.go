package docker

import (
	"slices"
	"strings"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// capAll is the CapAdd/CapDrop value that stands for every capability.
const capAll = "ALL"

// defaultCapabilities is the set Docker grants every unprivileged
// container (moby daemon/pkg/oci/caps/defaults.go), sorted.
var defaultCapabilities = []string{
	"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
	"NET_BIND_SERVICE", "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
}

// allCapabilities lists every Linux capability up to CHECKPOINT_RESTORE
// (41, numbers 0–40), sorted: what privileged mode and CapAdd ALL grant.
var allCapabilities = []string{
	"AUDIT_CONTROL", "AUDIT_READ", "AUDIT_WRITE", "BLOCK_SUSPEND", "BPF",
	"CHECKPOINT_RESTORE", "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER",
	"FSETID", "IPC_LOCK", "IPC_OWNER", "KILL", "LEASE", "LINUX_IMMUTABLE",
	"MAC_ADMIN", "MAC_OVERRIDE", "MKNOD", "NET_ADMIN", "NET_BIND_SERVICE",
	"NET_BROADCAST", "NET_RAW", "PERFMON", "SETFCAP", "SETGID", "SETPCAP",
	"SETUID", "SYSLOG", "SYS_ADMIN", "SYS_BOOT", "SYS_CHROOT", "SYS_MODULE",
	"SYS_NICE", "SYS_PACCT", "SYS_PTRACE", "SYS_RAWIO", "SYS_RESOURCE",
	"SYS_TIME", "SYS_TTY_CONFIG", "WAKE_ALARM",
}

// normalizeCapabilities upper-cases names, strips the CAP_ prefix (Docker
// stores either spelling), drops empties and duplicates, and sorts.
func normalizeCapabilities(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		n = strings.ToUpper(strings.TrimSpace(n))
		n = strings.TrimPrefix(n, "CAP_")
		if n != "" {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// capabilitiesOf computes the container's capabilities the way the daemon
// does (moby caps.TweakCapabilities): privileged or CapAdd ALL grant the
// full set (minus CapDrop for ALL), CapDrop ALL keeps only CapAdd,
// otherwise the default set minus CapDrop plus CapAdd.
func capabilitiesOf(capAdd, capDrop []string, privileged bool) audit.Capabilities {
	added, dropped := normalizeCapabilities(capAdd), normalizeCapabilities(capDrop)
	var effective []string
	switch {
	case privileged:
		effective = slices.Clone(allCapabilities)
	case slices.Contains(added, capAll):
		effective = without(allCapabilities, dropped)
	case slices.Contains(dropped, capAll):
		effective = slices.Clone(added)
	default:
		effective = append(without(defaultCapabilities, dropped), added...)
	}
	slices.Sort(effective)
	return audit.Capabilities{Added: added, Dropped: dropped, Effective: slices.Compact(effective)}
}

// without returns the members of set not in remove, in order.
func without(set, remove []string) []string {
	out := make([]string, 0, len(set))
	for _, c := range set {
		if !slices.Contains(remove, c) {
			out = append(out, c)
		}
	}
	return out
}
