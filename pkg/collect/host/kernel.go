package host

import (
	"path"
	"regexp"
	"sort"
	"strings"

	goversion "github.com/hashicorp/go-version"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// gatingSysctls are the kernel settings that open or close exploit paths
// of the kernel advisories and escape chains.
var gatingSysctls = []string{
	"kernel.unprivileged_userns_clone",             // Debian/Ubuntu: 0 blocks unprivileged user namespaces
	"user.max_user_namespaces",                     // 0 blocks user namespaces
	"kernel.apparmor_restrict_unprivileged_userns", // Ubuntu 23.10+: 1 confines them
	"kernel.unprivileged_bpf_disabled",             // 0 lets any user load BPF programs
	"kernel.yama.ptrace_scope",
	"kernel.kptr_restrict",
	"kernel.dmesg_restrict",
	"kernel.modules_disabled",
	"kernel.core_pattern",
	"vm.unprivileged_userfaultfd",
	"net.ipv4.conf.all.route_localnet", // CVE-2020-8558
	"fs.protected_symlinks",
	"fs.protected_hardlinks",
}

// v1Controllers are the cgroup v1 controller names (mount options of a
// v1 hierarchy; the others are flags such as xattr or noprefix).
var v1Controllers = map[string]bool{"cpu": true, "cpuacct": true, "cpuset": true, "memory": true, "devices": true,
	"freezer": true, "net_cls": true, "net_prio": true, "blkio": true, "perf_event": true, "hugetlb": true,
	"pids": true, "rdma": true, "misc": true}

// distroFlavour matches kernel releases built by a distribution.
var distroFlavour = regexp.MustCompile(`-(amd64|arm64|armmp|686|686-pae|cloud-amd64|cloud-arm64|rt-amd64|generic|lowlatency|aws|azure|gcp|oracle|kvm|virtual|lpae|raspi)$|\.el[0-9]+|\.fc[0-9]+|\.amzn[0-9]|-lts$|-default$|\.x86_64$|\.aarch64$`)

// kernel fills the kernel release, package, origin, command line,
// installed kernels, gating sysctls and cgroup v1 hierarchies.
func (c *collector) kernel(h *audit.Host, release string) {
	if h.Kernel == "" {
		h.Kernel = c.fs.line("/proc/sys/kernel/osrelease")
	}
	h.KernelsInstalled = c.installedKernels()
	h.NewestKernel = newestKernel(h.KernelsInstalled)
	if h.Kernel == "" && c.offline {
		// A mounted root filesystem does not run: it will boot its newest
		// installed kernel.
		h.Kernel = h.NewestKernel
	}
	if h.Kernel != "" {
		if release != "" {
			vers := c.pkgVersions("linux-image-"+h.Kernel, "linux-image-"+h.Kernel+"-unsigned")
			for _, n := range []string{"linux-image-" + h.Kernel, "linux-image-" + h.Kernel + "-unsigned"} {
				if v := vers[n]; v != "" {
					h.KernelPackage = release + ":" + v
					break
				}
			}
		}
		switch {
		case h.KernelPackage != "" || distroFlavour.MatchString(h.Kernel):
			h.KernelOrigin = "distribution"
		default:
			h.KernelOrigin = "upstream"
		}
	}
	// Arguments after "--" belong to init, not the kernel.
	kernelArgs, _, _ := strings.Cut(" "+c.fs.read("/proc/cmdline")+" ", " -- ")
	h.KernelCmdline = strings.Fields(kernelArgs)
	if h.KernelCmdline == nil {
		h.KernelCmdline = []string{}
	}
	h.Sysctls = map[string]string{}
	for _, name := range gatingSysctls {
		p := "/proc/sys/" + strings.ReplaceAll(name, ".", "/")
		if c.fs.exists(p) {
			h.Sysctls[name] = strings.TrimSpace(c.fs.read(p))
		}
	}
	var v1 []string
	v2 := false
	for _, m := range parseMountinfo(c.fs.read("/proc/self/mountinfo")) {
		switch m.fstype {
		case "cgroup":
			for _, o := range strings.Split(m.options, ",") {
				if v1Controllers[o] || strings.HasPrefix(o, "name=") {
					v1 = append(v1, o)
				}
			}
		case "cgroup2":
			v2 = true
		}
	}
	h.CgroupV1Controllers = sorted(v1)
	switch {
	case h.CgroupVersion != "":
	case len(v1) > 0:
		h.CgroupVersion = "1"
	case v2:
		h.CgroupVersion = "2"
	}
}

// installedKernels lists the releases with a /boot/vmlinuz-* image or a
// /lib/modules/* tree.
func (c *collector) installedKernels() []string {
	var out []string
	for _, p := range c.fs.glob("/boot/vmlinuz-*") {
		out = append(out, strings.TrimPrefix(path.Base(p), "vmlinuz-"))
	}
	for _, p := range append(c.fs.glob("/lib/modules/*"), c.fs.glob("/usr/lib/modules/*")...) {
		if c.fs.exists(p+"/modules.dep") || c.fs.exists(p+"/kernel") || c.fs.exists(p+"/vmlinuz") {
			out = append(out, path.Base(p))
		}
	}
	return sorted(out)
}

// newestKernel picks the highest release by its dotted numbers and ABI
// counter ("6.1.0-18-amd64" > "6.1.0-9-amd64").
func newestKernel(rels []string) string {
	best, bestKey := "", []int(nil)
	for _, r := range rels {
		k := kernelKey(r)
		if best == "" || lessInts(bestKey, k) {
			best, bestKey = r, k
		}
	}
	return best
}

var numbers = regexp.MustCompile(`[0-9]+`)

func kernelKey(r string) []int {
	var out []int
	for _, n := range numbers.FindAllString(r, 6) {
		v, err := goversion.NewVersion(n)
		if err != nil {
			continue
		}
		out = append(out, int(v.Segments64()[0]))
	}
	return out
}

func lessInts(a, b []int) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}

// cpu reads the side-channel states and SMT.
func (c *collector) cpu() audit.CPUState {
	st := audit.CPUState{Vulnerabilities: []audit.CPUVulnerability{}}
	for _, p := range c.fs.glob("/sys/devices/system/cpu/vulnerabilities/*") {
		state := c.fs.line(p)
		st.Vulnerabilities = append(st.Vulnerabilities, audit.CPUVulnerability{
			Name: path.Base(p), State: state, Status: classifyCPU(state)})
	}
	sort.Slice(st.Vulnerabilities, func(i, j int) bool { return st.Vulnerabilities[i].Name < st.Vulnerabilities[j].Name })
	st.Known = len(st.Vulnerabilities) > 0
	st.SMTControl = c.fs.line("/sys/devices/system/cpu/smt/control")
	st.SMTActive = c.fs.line("/sys/devices/system/cpu/smt/active") == "1"
	return st
}

// kvm reads the KVM modules' parameters, KSM and the IOMMU groups.
func (c *collector) kvm() audit.KVMHost {
	k := audit.KVMHost{Loaded: c.fs.exists("/sys/module/kvm")}
	for _, m := range []string{"kvm_intel", "kvm_amd", "kvm_pvm"} {
		if c.fs.exists("/sys/module/" + m) {
			k.Module = m
			break
		}
	}
	if k.Module != "" {
		switch strings.ToUpper(c.fs.line("/sys/module/" + k.Module + "/parameters/nested")) {
		case "Y", "1":
			k.Nested = "enabled"
		case "N", "0":
			k.Nested = "disabled"
		}
	}
	k.L1DFlush = c.fs.line("/sys/module/kvm_intel/parameters/vmentry_l1d_flush")
	k.KSMRun = c.fs.line("/sys/kernel/mm/ksm/run")
	k.IOMMUGroups = int64(len(c.fs.glob("/sys/kernel/iommu_groups/*")))
	return k
}

// classifyCPU maps a vulnerabilities file to not_affected, mitigated,
// vulnerable or unknown (reference vms.md §10.3): "no microcode", "Host
// state unknown" and "Unknown" are the kernel saying it cannot tell.
func classifyCPU(state string) string {
	low := strings.ToLower(state)
	switch {
	case strings.HasPrefix(low, "not affected"):
		return "not_affected"
	case strings.Contains(low, "no microcode") || strings.Contains(low, "host state unknown") || strings.HasPrefix(low, "unknown"):
		return "unknown"
	case strings.HasPrefix(low, "vulnerable") || strings.Contains(low, "; vulnerable") || strings.Contains(low, ": vulnerable"):
		return "vulnerable"
	case strings.HasPrefix(low, "mitigation"):
		return "mitigated"
	}
	return "unknown"
}
