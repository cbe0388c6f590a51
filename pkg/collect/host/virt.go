package host

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// dmiVendors maps DMI string prefixes to a hypervisor, in systemd's
// order (src/basic/virt.c); the first group is decisive on its own
// because these platforms present KVM-like CPUID signatures.
var dmiVendors = []struct{ prefix, tech string }{
	{"KVM", "kvm"}, {"OpenStack", "kvm"}, {"KubeVirt", "kvm"}, {"Amazon EC2", "amazon"},
	{"QEMU", "qemu"}, {"VMware", "vmware"}, {"VMW", "vmware"}, {"innotek GmbH", "virtualbox"},
	{"VirtualBox", "virtualbox"}, {"Oracle Corporation", "virtualbox"}, {"Xen", "xen"}, {"Bochs", "bochs"},
	{"Parallels", "parallels"}, {"BHYVE", "bhyve"}, {"Hyper-V", "hyperv"}, {"Apple Virtualization", "apple"},
	{"Google Compute Engine", "google"},
}

// dmiDecisive are the DMI answers systemd trusts over CPUID.
var dmiDecisive = map[string]bool{"virtualbox": true, "xen": true, "amazon": true, "parallels": true, "google": true}

// cpuidVendors maps CPUID leaf 0x40000000 signatures to a hypervisor.
var cpuidVendors = map[string]string{
	"XenVMMXenVMM": "xen", "KVMKVMKVM": "kvm", "Linux KVM Hv": "kvm", "TCGTCGTCGTCG": "qemu",
	"VMwareVMware": "vmware", "Microsoft Hv": "hyperv", "bhyve bhyve ": "bhyve", "QNXQVMBSQG": "qnx",
	"ACRNACRNACRN": "acrn", "SRESRESRESRE": "sre", "Apple VZ": "apple", "VBoxVBoxVBox": "virtualbox",
}

// pciVendors are PCI vendor ids of paravirtual or emulated devices.
var pciVendors = map[string]string{
	"0x15ad": "vmware", "0x80ee": "virtualbox", "0x1af4": "kvm", "0x1b36": "qemu",
	"0x1414": "hyperv", "0x5853": "xen",
}

// deviceNodes are paravirtual device nodes and the hypervisor they imply.
var deviceNodes = []struct{ path, tech string }{
	{"/dev/vmci", "vmware"}, {"/dev/vboxguest", "virtualbox"}, {"/dev/vboxuser", "virtualbox"},
	{"/dev/vmbus/hv_kvp", "hyperv"}, {"/dev/xen", "xen"},
}

// moduleHints are loaded modules that only a guest of that hypervisor has.
var moduleHints = map[string]string{
	"vboxguest": "virtualbox", "vboxsf": "virtualbox", "vmw_vmci": "vmware", "vmw_balloon": "vmware",
	"vmxnet3": "vmware", "vmw_pvscsi": "vmware", "hv_vmbus": "hyperv", "hv_utils": "hyperv",
	"xen_blkfront": "xen", "xen_netfront": "xen", "virtio_pci": "kvm", "virtio_balloon": "kvm",
}

// vmSignal is one observation of a hypervisor.
type vmSignal struct {
	tech, text string
	rank       int // lower decides first
}

// detectVM returns the hypervisor layer (nil when none) and the signals
// read. cpuidVendor is the CPUID hypervisor signature ("" when not read:
// an offline root, or no hypervisor bit).
func (c *collector) detectVM(cpuidVendor string, cpuidHypervisor bool) (*audit.VirtLayer, []string) {
	var sig []vmSignal
	var notes []string
	for _, f := range []string{"product_name", "sys_vendor", "board_vendor", "bios_vendor", "product_version"} {
		v := c.fs.line("/sys/class/dmi/id/" + f)
		if v == "" {
			continue
		}
		for _, d := range dmiVendors {
			if strings.HasPrefix(v, d.prefix) {
				rank := 3
				if dmiDecisive[d.tech] {
					rank = 0
				}
				sig = append(sig, vmSignal{d.tech, fmt.Sprintf("dmi %s=%q", f, v), rank})
				break
			}
		}
	}
	if !c.fs.exists("/sys/class/dmi/id") {
		notes = append(notes, "no DMI tables (/sys/class/dmi/id absent: a microVM such as Firecracker, or a non-x86 machine)")
	}
	if cpuidVendor != "" {
		if t, ok := cpuidVendors[cpuidVendor]; ok {
			sig = append(sig, vmSignal{t, fmt.Sprintf("cpuid leaf 0x40000000 signature %q", cpuidVendor), 1})
		} else {
			sig = append(sig, vmSignal{"vm-other", fmt.Sprintf("cpuid leaf 0x40000000 signature %q (unknown)", cpuidVendor), 6})
		}
	}
	if t := c.fs.line("/sys/hypervisor/type"); t != "" {
		sig = append(sig, vmSignal{t, "/sys/hypervisor/type=" + t, 2})
	}
	if c.fs.exists("/proc/xen") {
		sig = append(sig, vmSignal{"xen", "/proc/xen present", 2})
	}
	if dt := strings.Trim(c.fs.read("/proc/device-tree/hypervisor/compatible"), "\x00\n"); dt != "" {
		t := map[string]string{"linux,kvm": "kvm", "xen": "xen", "vmware": "vmware"}[strings.Split(dt, "\x00")[0]]
		if t == "" {
			t = "vm-other"
		}
		sig = append(sig, vmSignal{t, "device tree hypervisor/compatible=" + dt, 2})
	}
	for _, p := range c.fs.glob("/sys/bus/pci/devices/*/vendor") {
		if t, ok := pciVendors[c.fs.line(p)]; ok {
			sig = append(sig, vmSignal{t, fmt.Sprintf("PCI vendor %s (%s)", c.fs.line(p), p), 4})
		}
	}
	if n := len(c.fs.glob("/sys/bus/virtio/devices/*")); n > 0 {
		sig = append(sig, vmSignal{"kvm", fmt.Sprintf("%d virtio devices on /sys/bus/virtio", n), 5})
	}
	for _, d := range deviceNodes {
		if c.fs.exists(d.path) {
			sig = append(sig, vmSignal{d.tech, d.path + " present", 4})
		}
	}
	for _, l := range lines(c.fs.read("/proc/modules")) {
		name, _, _ := strings.Cut(l, " ")
		if t, ok := moduleHints[name]; ok {
			sig = append(sig, vmSignal{t, "module " + name + " loaded", 5})
		}
	}
	cpuinfo := c.fs.read("/proc/cpuinfo")
	if strings.Contains(cpuinfo, "User Mode Linux") {
		sig = append(sig, vmSignal{"uml", "cpuinfo vendor_id User Mode Linux", 0})
	}
	if cpuidHypervisor || cpuinfoFlag(cpuinfo, "hypervisor") {
		src := "cpuinfo flag hypervisor"
		if cpuidHypervisor && !cpuinfoFlag(cpuinfo, "hypervisor") {
			src = "cpuid leaf 1 hypervisor bit"
		}
		sig = append(sig, vmSignal{"vm-other", src, 6})
	}
	texts := make([]string, 0, len(sig)+len(notes))
	for _, s := range sig {
		texts = append(texts, s.text)
	}
	texts = append(texts, notes...)
	if len(sig) == 0 {
		return nil, texts
	}
	best := sig[0]
	for _, s := range sig[1:] {
		if s.rank < best.rank {
			best = s
		}
	}
	// A generic signal ("vm-other") is refined by any specific one.
	if best.tech == "vm-other" {
		for _, s := range sig {
			if s.tech != "vm-other" {
				best = s
				break
			}
		}
	}
	// QEMU in DMI with KVM underneath: systemd reports kvm.
	if best.tech == "qemu" {
		for _, s := range sig {
			if s.tech == "kvm" && s.rank <= 2 {
				best = s
			}
		}
	}
	layer := &audit.VirtLayer{Kind: "vm", Technology: best.tech, DecidedBy: best.text, Evidence: []string{}}
	for _, s := range sig {
		if s.tech == best.tech || s.tech == "vm-other" || (best.tech == "kvm" && s.tech == "qemu") {
			layer.Evidence = append(layer.Evidence, s.text)
		}
	}
	return layer, texts
}

func cpuinfoFlag(cpuinfo, flag string) bool {
	for _, l := range strings.Split(cpuinfo, "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "flags" {
			for _, f := range strings.Fields(v) {
				if f == flag {
					return true
				}
			}
			return false
		}
	}
	return false
}

// runtimeName is what a container= marker may hold to be reported.
var runtimeName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,31}$`)

// cgroupRuntimes are substrings of a cgroup path and the runtime they
// name (amicontained, deepce).
var cgroupRuntimes = []struct{ sub, tech string }{
	{"/kubepods", "kubernetes"}, {"/docker/", "docker"}, {"/docker-", "docker"}, {"/libpod", "podman"},
	{"/lxc/", "lxc"}, {"/lxc.payload", "lxc"}, {"/machine.slice/systemd-nspawn", "systemd-nspawn"},
	{"/containerd/", "containerd"}, {"/garden/", "garden"},
}

// detectContainer returns the container layer the scanner runs in (nil
// when none) and the signals read. /.dockerenv alone does not decide: a
// VM image exported from a container keeps it (it does on this project's
// own CI machine), so it needs another signal to agree.
func (c *collector) detectContainer() (*audit.VirtLayer, []string) {
	type signal struct{ tech, text string }
	var strong []signal
	var texts []string
	if c.fs.exists("/run/.containerenv") {
		strong = append(strong, signal{"podman", "/run/.containerenv present"})
	}
	if v := c.fs.line("/run/systemd/container"); v != "" {
		strong = append(strong, signal{v, "/run/systemd/container=" + v})
	}
	if v := c.fs.line("/run/host/container-manager"); v != "" {
		strong = append(strong, signal{v, "/run/host/container-manager=" + v})
	}
	for _, kv := range strings.Split(c.fs.read("/proc/1/environ"), "\x00") {
		if v, ok := strings.CutPrefix(kv, "container="); ok && v != "" {
			// Only a runtime name is kept: PID 1's environment is never
			// copied, and an odd value is reported as set.
			if !runtimeName.MatchString(v) {
				v = "other"
			}
			strong = append(strong, signal{v, "PID 1 environment container=" + v})
		}
	}
	if c.fs.exists("/proc/vz") && !c.fs.exists("/proc/bc") {
		strong = append(strong, signal{"openvz", "/proc/vz without /proc/bc"})
	}
	for _, p := range []string{"/proc/1/cgroup", "/proc/self/cgroup"} {
		for _, l := range lines(c.fs.read(p)) {
			parts := strings.SplitN(l, ":", 3)
			if len(parts) != 3 {
				continue
			}
			for _, r := range cgroupRuntimes {
				if strings.Contains(parts[2], r.sub) {
					strong = append(strong, signal{r.tech, fmt.Sprintf("%s path %s", p, parts[2])})
					break
				}
			}
		}
	}
	if m, ok := rootMount(c.fs.read("/proc/self/mountinfo")); ok && m.fstype == "overlay" {
		tech := ""
		switch {
		case strings.Contains(m.options, "/var/lib/docker/"):
			tech = "docker"
		case strings.Contains(m.options, "/containers/storage/"):
			tech = "podman"
		case strings.Contains(m.options, "containerd"):
			tech = "containerd"
		}
		if tech != "" {
			strong = append(strong, signal{tech, "root filesystem is an overlay of " + tech + " storage"})
		}
	}
	dockerenv := c.fs.exists("/.dockerenv")
	for _, s := range strong {
		texts = append(texts, s.text)
	}
	if len(strong) == 0 {
		if dockerenv {
			texts = append(texts, "/.dockerenv present (ignored: no other container signal; PID 1 is in the root cgroup and the root filesystem is not a container overlay)")
		}
		return nil, texts
	}
	tech := strong[0].tech
	// Docker's marker names the engine behind a containerd or generic
	// cgroup path.
	if dockerenv && (tech == "containerd" || tech == "docker") {
		tech = "docker"
		texts = append(texts, "/.dockerenv present")
	}
	layer := &audit.VirtLayer{Kind: "container", Technology: tech, DecidedBy: strong[0].text, Evidence: []string{}}
	for _, s := range strong {
		layer.Evidence = append(layer.Evidence, s.text)
	}
	if dockerenv {
		layer.Evidence = append(layer.Evidence, "/.dockerenv present")
	}
	return layer, texts
}

// mountEntry is one /proc/self/mountinfo line.
type mountEntry struct {
	root, mountPoint, mountOpts, fstype, source, options string
}

func parseMountinfo(s string) []mountEntry {
	var out []mountEntry
	for _, l := range lines(s) {
		pre, post, ok := strings.Cut(l, " - ")
		if !ok {
			continue
		}
		a, b := strings.Fields(pre), strings.Fields(post)
		if len(a) < 6 || len(b) < 2 {
			continue
		}
		e := mountEntry{root: unescapeMount(a[3]), mountPoint: unescapeMount(a[4]), mountOpts: a[5], fstype: b[0], source: unescapeMount(b[1])}
		if len(b) > 2 {
			e.options = b[2]
		}
		out = append(out, e)
	}
	return out
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var v int
			if _, err := fmt.Sscanf(s[i+1:i+4], "%03o", &v); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func rootMount(mountinfo string) (mountEntry, bool) {
	var root mountEntry
	found := false
	for _, m := range parseMountinfo(mountinfo) {
		if m.mountPoint == "/" {
			root, found = m, true // the last mount on / is the visible one
		}
	}
	return root, found
}

func isRW(opts string) bool {
	for _, o := range strings.Split(opts, ",") {
		if o == "rw" {
			return true
		}
	}
	return false
}
