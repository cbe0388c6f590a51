package host

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// guestTools are the guest agents of reference vms.md §8.2: their
// processes, packages and kernel modules.
var guestTools = []struct {
	name      string
	processes []string
	packages  []string
	module    string
}{
	{"open-vm-tools", []string{"vmtoolsd", "vgauthd"}, []string{"open-vm-tools"}, ""},
	{"virtualbox-guest-additions", []string{"VBoxService", "VBoxClient", "VBoxDRMClient"}, []string{"virtualbox-guest-utils", "virtualbox-guest-x11"}, "vboxguest"},
	{"qemu-guest-agent", []string{"qemu-ga"}, []string{"qemu-guest-agent"}, ""},
	{"spice-vdagent", []string{"spice-vdagent", "spice-vdagentd"}, []string{"spice-vdagent"}, ""},
	{"hyperv-daemons", []string{"hv_kvp_daemon", "hv_vss_daemon", "hv_fcopy_daemon", "hv_fcopy_uio_dae"}, []string{"hyperv-daemons"}, ""},
	{"xe-guest-utilities", []string{"xe-daemon"}, []string{"xe-guest-utilities"}, ""},
}

// sharedFSTypes are host file-sharing filesystems (vms.md §8.3).
var sharedFSTypes = map[string]bool{"vboxsf": true, "9p": true, "virtiofs": true, "fuse.vmhgfs-fuse": true, "vmhgfs": true, "prl_fs": true}

// virtioIDs names virtio device ids (virtio spec).
var virtioIDs = map[string]string{
	"0x0001": "net", "0x0002": "block", "0x0003": "console", "0x0004": "rng", "0x0005": "balloon",
	"0x0009": "9p", "0x0010": "gpu", "0x0012": "input", "0x0013": "vsock", "0x0014": "crypto", "0x001a": "fs",
}

// guest reads guest tools, shared-folder mounts and paravirtual devices.
func (c *collector) guest(procs map[string]bool) audit.GuestFacts {
	g := audit.GuestFacts{Tools: []audit.GuestTool{}, SharedMounts: []audit.SharedMount{}}
	var names []string
	for _, t := range guestTools {
		names = append(names, t.packages...)
	}
	vers := c.pkgVersions(names...)
	for _, t := range guestTools {
		tool := audit.GuestTool{Name: t.name}
		var seen []string
		for _, p := range t.processes {
			if procs[p] {
				tool.Running = true
				seen = append(seen, "process "+p)
			}
		}
		for _, p := range t.packages {
			if v := vers[p]; v != "" {
				if tool.Version == "" {
					tool.Version = v
				}
				seen = append(seen, "package "+p+" "+v)
			}
		}
		if t.module != "" {
			if v := c.fs.line("/sys/module/" + t.module + "/version"); v != "" {
				if tool.Version == "" {
					tool.Version = v
				}
				seen = append(seen, "module "+t.module+" "+v)
			}
		}
		if len(seen) > 0 {
			tool.Source = strings.Join(seen, ", ")
			g.Tools = append(g.Tools, tool)
		}
	}
	for _, m := range parseMountinfo(c.fs.read("/proc/self/mountinfo")) {
		if sharedFSTypes[m.fstype] {
			g.SharedMounts = append(g.SharedMounts, audit.SharedMount{FSType: m.fstype, Source: m.source,
				MountPoint: m.mountPoint, RW: isRW(m.mountOpts) && isRW(m.options)})
		}
	}
	if len(g.SharedMounts) == 0 {
		g.SharedMounts = append(g.SharedMounts, c.fstabShares()...)
	}
	var devs []string
	for _, p := range []string{"/dev/vsock", "/dev/vmci", "/dev/vboxguest", "/dev/vboxuser", "/dev/vhost-vsock"} {
		if c.fs.exists(p) {
			devs = append(devs, p)
		}
	}
	devs = append(devs, c.fs.glob("/dev/virtio-ports/*")...)
	devs = append(devs, c.fs.glob("/dev/vmbus/hv_*")...)
	devs = append(devs, c.fs.glob("/dev/xen/*")...)
	g.Devices = sorted(devs)
	var virtio []string
	for _, p := range c.fs.glob("/sys/bus/virtio/devices/*/device") {
		id := c.fs.line(p)
		name := virtioIDs[id]
		if name == "" {
			name = "id " + id
		}
		virtio = append(virtio, fmt.Sprintf("%s (%s)", name, path.Base(path.Dir(p))))
	}
	g.VirtioDevices = sorted(virtio)
	return g
}

// fstabShares reads shared folders from /etc/fstab, for a mounted root
// filesystem that has no /proc of its own.
func (c *collector) fstabShares() []audit.SharedMount {
	var out []audit.SharedMount
	for _, l := range lines(c.fs.read("/etc/fstab")) {
		f := strings.Fields(l)
		if strings.HasPrefix(l, "#") || len(f) < 3 || !sharedFSTypes[f[2]] {
			continue
		}
		rw := true
		if len(f) > 3 {
			for _, o := range strings.Split(f[3], ",") {
				if o == "ro" {
					rw = false
				}
			}
		}
		out = append(out, audit.SharedMount{FSType: f[2], Source: f[0], MountPoint: f[1] + " (fstab)", RW: rw})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].MountPoint < out[j].MountPoint })
	return out
}

// processes returns the command names (/proc/PID/comm) of the processes
// visible under the root.
func (c *collector) processes() map[string]bool {
	out := map[string]bool{}
	for _, n := range c.processList() {
		out[n] = true
	}
	return out
}
