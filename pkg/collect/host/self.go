package host

import (
	"net"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// capNames are the Linux capabilities by bit number (capability.h).
var capNames = []string{"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
	"SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
	"SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
	"SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
	"MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
	"CHECKPOINT_RESTORE"}

// runtimeSockets are the engine sockets a container should not reach.
var runtimeSockets = []string{"/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock",
	"/var/run/containerd/containerd.sock", "/run/podman/podman.sock", "/var/run/crio/crio.sock",
	"/run/k3s/containerd/containerd.sock", "/var/run/cri-dockerd.sock", "/run/buildkit/buildkitd.sock"}

// kernelFiles are kernel interfaces whose write access is an escape or
// a host-wide effect (reference containers.md §4).
var kernelFiles = []string{"/proc/sys/kernel/core_pattern", "/proc/sys/kernel/modprobe", "/sys/kernel/uevent_helper",
	"/proc/sysrq-trigger", "/proc/sys/vm/panic_on_oom"}

// containerBinds are the files every engine bind-mounts into a container.
var containerBinds = map[string]bool{"/etc/hostname": true, "/etc/hosts": true, "/etc/resolv.conf": true,
	"/run/.containerenv": true, "/dev/termination-log": true}

// pseudoFS are filesystems that are not host directories.
var pseudoFS = map[string]bool{"overlay": true, "proc": true, "sysfs": true, "tmpfs": true, "devpts": true, "mqueue": true,
	"cgroup": true, "cgroup2": true, "devtmpfs": true, "nsfs": true, "securityfs": true, "debugfs": true, "tracefs": true,
	"bpf": true, "fusectl": true, "configfs": true, "pstore": true, "hugetlbfs": true, "binfmt_misc": true, "autofs": true,
	"shm": true, "efivarfs": true, "rpc_pipefs": true}

// self reads what this process can do, live only: it connects to sockets
// and asks access(2), it never writes.
func (c *collector) self() audit.SelfView {
	v := audit.SelfView{Known: true, Capabilities: []string{}, HostPIDSigns: []string{}, RuntimeSockets: []string{},
		WritableKernelFiles: []string{}, ReleaseAgents: []string{}, HostMounts: []string{}, BlockDevices: []string{}}
	for _, l := range lines(c.fs.read("/proc/self/status")) {
		k, val, _ := strings.Cut(l, ":")
		val = strings.TrimSpace(val)
		switch k {
		case "CapEff":
			v.Capabilities = capabilityNames(val)
		case "Seccomp":
			v.Seccomp = map[string]string{"0": "disabled", "1": "strict", "2": "filter"}[val]
		case "NoNewPrivs":
			v.NoNewPrivileges = val == "1"
		case "Uid":
			if f := strings.Fields(val); len(f) > 1 {
				v.UID, _ = strconv.ParseInt(f[1], 10, 64)
			}
		}
	}
	v.AppArmor = c.appArmorProfile()
	if m := strings.Fields(c.fs.read("/proc/self/uid_map")); len(m) >= 3 {
		v.UserNamespace = !(m[0] == "0" && m[1] == "0" && m[2] == "4294967295")
	}
	v.HostPIDSigns = c.hostPIDSigns()
	for _, p := range c.socketCandidates() {
		conn, err := net.DialTimeout("unix", c.fs.path(p), time.Second)
		if err == nil {
			conn.Close()
			v.RuntimeSockets = append(v.RuntimeSockets, p)
		}
	}
	v.RuntimeSockets = sorted(v.RuntimeSockets)
	for _, p := range c.kernelFileCandidates() {
		if c.fs.exists(p) && unix.Access(c.fs.path(p), unix.W_OK) == nil {
			v.WritableKernelFiles = append(v.WritableKernelFiles, p)
		}
	}
	v.WritableKernelFiles = sorted(v.WritableKernelFiles)
	for _, p := range append(c.fs.glob("/sys/fs/cgroup/*/release_agent"), c.fs.glob("/sys/fs/cgroup/release_agent")...) {
		if unix.Access(c.fs.path(p), unix.W_OK) == nil {
			v.ReleaseAgents = append(v.ReleaseAgents, p)
		}
	}
	for _, m := range parseMountinfo(c.fs.read("/proc/self/mountinfo")) {
		// Sockets are HOST-SELF-003's (runtime_sockets), not host paths.
		if pseudoFS[m.fstype] || m.mountPoint == "/" || containerBinds[m.mountPoint] || strings.HasPrefix(m.fstype, "fuse.lxcfs") ||
			strings.HasSuffix(m.mountPoint, ".sock") || slices.Contains(runtimeSockets, m.mountPoint) {
			continue
		}
		mode := "ro"
		if isRW(m.mountOpts) {
			mode = "rw"
		}
		v.HostMounts = append(v.HostMounts, m.root+" on "+m.mountPoint+" ("+mode+")")
	}
	v.HostMounts = sorted(v.HostMounts)
	entries, _ := os.ReadDir(c.fs.path("/dev"))
	for _, e := range entries {
		if e.Type()&os.ModeDevice != 0 && e.Type()&os.ModeCharDevice == 0 {
			v.BlockDevices = append(v.BlockDevices, "/dev/"+e.Name())
		}
	}
	v.BlockDevices = sorted(v.BlockDevices)
	return v
}

// capabilityNames decodes a CapEff hex mask.
func capabilityNames(hex string) []string {
	mask, err := strconv.ParseUint(hex, 16, 64)
	if err != nil {
		return []string{}
	}
	out := []string{}
	for bit := 0; bit < 64; bit++ {
		if mask&(1<<bit) == 0 {
			continue
		}
		if bit < len(capNames) {
			out = append(out, capNames[bit])
		} else {
			out = append(out, "CAP_"+strconv.Itoa(bit))
		}
	}
	return sorted(out)
}

// appArmorProfile returns the process's AppArmor label: "" without
// AppArmor, "unconfined", or the profile name without its mode.
func (c *collector) appArmorProfile() string {
	if !c.fs.exists("/sys/kernel/security/apparmor") && !c.fs.exists("/sys/module/apparmor") {
		return ""
	}
	s := c.fs.line("/proc/self/attr/apparmor/current")
	if s == "" {
		s = c.fs.line("/proc/self/attr/current")
	}
	if s == "" {
		return ""
	}
	name, _, _ := strings.Cut(s, " (")
	return name
}

// hostPIDSigns says why the PID namespace looks like the host's: PID 1
// is an init system, or kernel threads are visible (they live only in
// the initial PID namespace).
func (c *collector) hostPIDSigns() []string {
	var out []string
	if c.fs.line("/proc/2/comm") == "kthreadd" {
		out = append(out, "kthreadd (PID 2) visible")
	}
	switch p1 := c.fs.line("/proc/1/comm"); p1 {
	case "systemd", "init", "launchd":
		out = append(out, "PID 1 is "+p1)
	}
	return sorted(out)
}

// socketCandidates are the known runtime socket paths plus every socket
// mounted into this mount namespace by name (*.sock).
func (c *collector) socketCandidates() []string {
	out := append([]string{}, runtimeSockets...)
	for _, m := range parseMountinfo(c.fs.read("/proc/self/mountinfo")) {
		if strings.HasSuffix(m.mountPoint, ".sock") {
			out = append(out, m.mountPoint)
		}
	}
	return sorted(out)
}

// kernelFileCandidates are kernelFiles plus the same files under every
// other procfs or sysfs mount (a host /proc bound at /host/proc).
func (c *collector) kernelFileCandidates() []string {
	out := append([]string{}, kernelFiles...)
	for _, m := range parseMountinfo(c.fs.read("/proc/self/mountinfo")) {
		switch {
		case m.fstype == "proc" && m.mountPoint != "/proc":
			for _, f := range kernelFiles {
				if rest, ok := strings.CutPrefix(f, "/proc/"); ok {
					out = append(out, path.Join(m.mountPoint, rest))
				}
			}
		case m.fstype == "sysfs" && m.mountPoint != "/sys":
			out = append(out, path.Join(m.mountPoint, "kernel/uevent_helper"))
		}
	}
	return sorted(out)
}
