package host

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

const roots = "../../../testdata/hostroots"

var fixedNow = func() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) }

func collectRoot(t *testing.T, root string) audit.Asset {
	t.Helper()
	opts := DefaultOptions()
	opts.Root, opts.DockerAPI, opts.Now = root, false, fixedNow
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Collect(context.Background())
	if err != nil || len(b.Assets) != 1 {
		t.Fatalf("collect %s: %v, %d assets", root, err, len(b.Assets))
	}
	a := b.Assets[0]
	if a.Kind != audit.KindHost || a.Platform != Platform || !a.Host.Known || a.Host.Scope != "machine" {
		t.Fatalf("asset %+v: want a known linux host", a)
	}
	return a
}

func TestVirtualBoxGuestRoot(t *testing.T) {
	a := collectRoot(t, filepath.Join(roots, "vbox-guest-vboxsf"))
	h := a.Host
	if a.Name != "vbox-guest" || !strings.HasPrefix(a.ID, "linux://vbox-guest/root:") {
		t.Errorf("name %q id %q", a.Name, a.ID)
	}
	v := h.Virtualization
	if !v.Guest || v.Hypervisor != "virtualbox" || v.Container || len(v.Layers) != 1 {
		t.Fatalf("virtualization %+v, want one virtualbox layer", v)
	}
	if l := v.Layers[0]; l.DecidedBy != `dmi product_name="VirtualBox"` || !slices.Contains(l.Evidence, "/dev/vboxguest present") ||
		!slices.Contains(l.Evidence, "module vboxsf loaded") || !slices.Contains(l.Evidence, "cpuinfo flag hypervisor") {
		t.Errorf("layer %+v: want DMI to decide and the device, module and cpuinfo to agree", l)
	}
	if len(h.Guest.SharedMounts) != 1 || h.Guest.SharedMounts[0] != (audit.SharedMount{FSType: "vboxsf", Source: "projects", MountPoint: "/media/sf_projects", RW: true}) {
		t.Errorf("shared mounts %+v", h.Guest.SharedMounts)
	}
	if len(h.Guest.Tools) != 1 || h.Guest.Tools[0].Name != "virtualbox-guest-additions" || !h.Guest.Tools[0].Running || h.Guest.Tools[0].Version != "7.0.14 r161095" {
		t.Errorf("tools %+v", h.Guest.Tools)
	}
	if h.Kernel != "5.15.0-91-generic" || h.KernelOrigin != "distribution" || h.KernelPackage != "" || h.Release.Key != "ubuntu-22.04" {
		t.Errorf("kernel %q origin %q package %q release %q", h.Kernel, h.KernelOrigin, h.KernelPackage, h.Release.Key)
	}
	if h.Release.EOL != "2027-06-01" || h.Release.EOLPassed {
		t.Errorf("release %+v", h.Release)
	}
	want := map[string]string{"mds": "unknown", "spec_store_bypass": "vulnerable", "meltdown": "not_affected"}
	for _, cv := range h.CPU.Vulnerabilities {
		if want[cv.Name] != cv.Status {
			t.Errorf("cpu %s %q classified %s, want %s", cv.Name, cv.State, cv.Status, want[cv.Name])
		}
	}
}

func TestUpstreamKernelRoot(t *testing.T) {
	h := collectRoot(t, filepath.Join(roots, "upstream-5.10.50")).Host
	if h.Kernel != "5.10.50" || h.KernelOrigin != "upstream" || h.CgroupVersion != "1" ||
		!slices.Equal(h.CgroupV1Controllers, []string{"memory", "name=systemd"}) {
		t.Errorf("kernel %q %q cgroup %q %v", h.Kernel, h.KernelOrigin, h.CgroupVersion, h.CgroupV1Controllers)
	}
	if h.Sysctls["user.max_user_namespaces"] != "63344" || h.Sysctls["kernel.unprivileged_bpf_disabled"] != "0" {
		t.Errorf("sysctls %v", h.Sysctls)
	}
	d := h.Daemon
	if !d.Known || !slices.Equal(d.Hosts, []string{"tcp://0.0.0.0:2375", "unix:///var/run/docker.sock"}) || d.TLSVerify || !d.ICC ||
		d.SeccompProfile != "unconfined" || !slices.Equal(d.AuthorizationPlugins, []string{"authz-broker"}) ||
		!slices.Equal(d.Socket.GroupMembers, []string{"alice", "bob"}) {
		t.Errorf("daemon %+v", d)
	}
	if h.Packages["docker"] != "debian-11:20.10.5+dfsg1-1+deb11u2" || h.Engine.Version != "20.10.5+dfsg1" ||
		h.Engine.RuncVersion != "1.0.0~rc93+ds1" || h.Engine.ContainerdVersion != "1.4.13~ds1" {
		t.Errorf("packages %v engine %+v", h.Packages, h.Engine)
	}
	if h.Release.EOL != "2026-08-31" || !h.Release.EOLPassed {
		t.Errorf("Debian 11 on 2026-11-26: %+v, want past its LTS end", h.Release)
	}
	if len(h.Virtualization.Layers) != 0 {
		t.Errorf("layers %+v, want bare metal", h.Virtualization.Layers)
	}
}

func TestPendingUpdatesRoot(t *testing.T) {
	h := collectRoot(t, filepath.Join(roots, "pending-updates")).Host
	u := h.Updates
	want := []string{"libssl3 3.0.11-1~deb12u1 → 3.0.15-1~deb12u1", "openssl 3.0.11-1~deb12u1 → 3.0.15-1~deb12u1"}
	if !u.Known || !slices.Equal(u.Security, want) || !u.RebootRequired || !slices.Equal(u.RebootPackages, []string{"linux-image-6.1.0-18-amd64"}) {
		t.Errorf("updates %+v, want %v and a reboot", u, want)
	}
	if h.KernelPackage != "debian-12:6.1.69-1" || h.NewestKernel != "6.1.0-18-amd64" ||
		!slices.Equal(h.KernelsInstalled, []string{"6.1.0-17-amd64", "6.1.0-18-amd64"}) {
		t.Errorf("kernel package %q newest %q installed %v", h.KernelPackage, h.NewestKernel, h.KernelsInstalled)
	}
}

// TestMountedRootWithoutProc: a root filesystem has no running kernel; it
// boots its newest installed kernel, which is judged by its package.
func TestMountedRootWithoutProc(t *testing.T) {
	h := collectRoot(t, filepath.Join(roots, "eol-debian10")).Host
	if h.Kernel != "4.19.0-27-amd64" || h.KernelPackage != "debian-10:4.19.316-1" || !h.Release.EOLPassed || h.CPU.Known {
		t.Errorf("kernel %q package %q release %+v cpu %v", h.Kernel, h.KernelPackage, h.Release, h.CPU.Known)
	}
}

// TestContainerLayer: a Docker container seen from inside (overlay root
// of Docker's storage, /.dockerenv), and a VM image that kept a stale
// /.dockerenv, which alone decides nothing.
func TestContainerLayer(t *testing.T) {
	dir := t.TempDir()
	write := func(p, s string) {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(".dockerenv", "")
	write("proc/1/cgroup", "0::/\n")
	write("proc/self/mountinfo", "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n")
	c := &collector{fs: fsys{root: dir}}
	if l, sig := c.detectContainer(); l != nil || len(sig) != 1 || !strings.Contains(sig[0], "ignored") {
		t.Errorf("stale /.dockerenv: layer %+v signals %v, want no layer and the marker reported as ignored", l, sig)
	}
	write("proc/self/mountinfo", "600 500 0:60 / / rw,relatime - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/A,upperdir=/var/lib/docker/overlay2/x/diff,workdir=/var/lib/docker/overlay2/x/work\n")
	l, _ := c.detectContainer()
	if l == nil || l.Technology != "docker" || !strings.Contains(l.DecidedBy, "overlay of docker storage") {
		t.Errorf("docker container: layer %+v", l)
	}
	// Podman marks its containers with /run/.containerenv.
	if err := os.Remove(filepath.Join(dir, ".dockerenv")); err != nil {
		t.Fatal(err)
	}
	write("run/.containerenv", "engine=\"podman-5.0\"\n")
	write("proc/self/mountinfo", "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n")
	if l, _ := c.detectContainer(); l == nil || l.Technology != "podman" || l.DecidedBy != "/run/.containerenv present" {
		t.Errorf("podman container: layer %+v", l)
	}
}

func TestClassifyCPU(t *testing.T) {
	for state, want := range map[string]string{
		"Not affected": "not_affected",
		"Mitigation: Retpolines; STIBP: disabled; RSB filling; PBRSB-eIBRS: Not affected; BHI: Retpoline": "mitigated",
		"Vulnerable": "vulnerable",
		"Vulnerable: Clear CPU buffers attempted, no microcode; SMT Host state unknown": "unknown",
		"Vulnerable: Safe RET, no microcode":                                            "unknown",
		"Mitigation: PTE Inversion; VMX: vulnerable":                                    "vulnerable",
		"Unknown: No mitigations":                                                       "unknown",
	} {
		if got := classifyCPU(state); got != want {
			t.Errorf("classifyCPU(%q) = %s, want %s", state, got, want)
		}
	}
}

func TestParseDockerdArgs(t *testing.T) {
	cmd := parseDockerdArgs([]string{"-H", "fd://", "--host=tcp://0.0.0.0:2376", "--tlsverify", "--icc=false",
		"--userns-remap", "default", "--containerd=/run/containerd/containerd.sock", "--no-new-privileges"})
	if !slices.Equal(cmd.values["--host"], []string{"fd://", "tcp://0.0.0.0:2376"}) || !cmd.bools["--tlsverify"] ||
		cmd.bools["--icc"] || lastOr(cmd.values["--userns-remap"], "") != "default" || !cmd.bools["--no-new-privileges"] {
		t.Errorf("parsed %+v", cmd)
	}
}

func TestSmallParsers(t *testing.T) {
	if got := capabilityNames("00000000a80425fb"); !slices.Equal(got, []string{"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID",
		"KILL", "MKNOD", "NET_BIND_SERVICE", "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}) {
		t.Errorf("Docker's default CapEff decoded to %v", got)
	}
	if got := newestKernel([]string{"6.1.0-9-amd64", "6.1.0-18-amd64", "5.10.0-28-amd64"}); got != "6.1.0-18-amd64" {
		t.Errorf("newest = %s", got)
	}
	if !criDisabled("version = 2\ndisabled_plugins = [\"cri\"]\n") || criDisabled("version = 2\n") {
		t.Error("criDisabled")
	}
	if _, err := loadEOL(); err != nil {
		t.Error(err)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	if _, err := New(Options{Root: "/nonexistent/root"}); err == nil {
		t.Error("missing root accepted")
	}
	if _, err := New(Options{Root: roots, Self: true}); err == nil {
		t.Error("--self with a root directory accepted")
	}
}

// TestKVMHostFacts: a KVM host whose kvm_intel allows nested guests and
// skips the L1D flush, with KSM merging and three IOMMU groups; and a
// root without KVM.
func TestKVMHostFacts(t *testing.T) {
	root := t.TempDir()
	for p, body := range map[string]string{
		"etc/os-release":                                    "ID=debian\nVERSION_ID=\"12\"\n",
		"sys/module/kvm/parameters/halt_poll_ns":            "200000\n",
		"sys/module/kvm_intel/parameters/nested":            "Y\n",
		"sys/module/kvm_intel/parameters/vmentry_l1d_flush": "never\n",
		"sys/kernel/mm/ksm/run":                             "1\n",
		"sys/kernel/iommu_groups/0/type":                    "DMA\n",
		"sys/kernel/iommu_groups/1/type":                    "DMA\n",
		"sys/kernel/iommu_groups/2/type":                    "DMA\n",
	} {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := audit.KVMHost{Loaded: true, Module: "kvm_intel", Nested: "enabled", L1DFlush: "never", KSMRun: "1", IOMMUGroups: 3}
	if got := collectRoot(t, root).Host.KVM; got != want {
		t.Errorf("kvm %+v, want %+v", got, want)
	}
	if got := collectRoot(t, filepath.Join(roots, "eol-debian10")).Host.KVM; got != (audit.KVMHost{}) {
		t.Errorf("a root without KVM: %+v", got)
	}
}
