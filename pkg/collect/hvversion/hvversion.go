// Package hvversion finds which hypervisor product and version run a VM
// whose definition is read offline, so the advisory tables (pkg/advisory)
// can compare it: the header of the VM's own log beside its definition
// (vmware.log, Logs/VBox.log), or what the operator says with
// --hypervisor-version (Assume).
package hvversion

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// headerBytes is how much of a log is read: the version line is among
// the first few.
const headerBytes = 16 << 10

// Release is a product and version seen for a VM.
type Release struct {
	Product, Version, Source string
}

// Apply sets the VM's hypervisor product, version and source.
func (r Release) Apply(vm *audit.VM) {
	vm.Hypervisor.Product, vm.Hypervisor.Version, vm.Hypervisor.VersionSource = r.Product, r.Version, r.Source
}

var (
	// "Log for VMware Workstation pid=4242 version=17.5.0 build=build-22583795 option=Release"
	vmwareHeader = regexp.MustCompile(`Log for VMware (ESX|Workstation|Fusion|Player)\b[^\n]*?\bversion=([0-9]+(?:\.[0-9]+)+)[^\n]*?\bbuild=build-([0-9]+)`)
	// "VirtualBox VM 7.0.14 r161095 linux.amd64 (Jan 15 2024 14:04:55) release log"
	vboxHeader = regexp.MustCompile(`VirtualBox VM ([0-9]+\.[0-9]+\.[0-9]+)(?:_[A-Za-z0-9]+)? r([0-9]+)`)
)

// VMwareLog reads the header of vmware.log in dir (the VM's directory).
// ESXi versions become "<major>.<minor>.<build>"; Workstation Player is
// Workstation.
func VMwareLog(dir string) (Release, bool) {
	head, err := readHead(filepath.Join(dir, "vmware.log"))
	if err != nil {
		return Release{}, false
	}
	m := vmwareHeader.FindSubmatch(head)
	if m == nil {
		return Release{}, false
	}
	version := string(m[2])
	product := map[string]string{"ESX": "vmware-esxi", "Workstation": "vmware-workstation",
		"Player": "vmware-workstation", "Fusion": "vmware-fusion"}[string(m[1])]
	if product == "vmware-esxi" {
		parts := strings.SplitN(version, ".", 3)
		if len(parts) < 2 {
			return Release{}, false
		}
		version = parts[0] + "." + parts[1] + "." + string(m[3])
	}
	return Release{Product: product, Version: version, Source: "vmware.log"}, true
}

// VBoxLog reads the header of Logs/VBox.log under dir (the machine's
// directory).
func VBoxLog(dir string) (Release, bool) {
	head, err := readHead(filepath.Join(dir, "Logs", "VBox.log"))
	if err != nil {
		return Release{}, false
	}
	m := vboxHeader.FindSubmatch(head)
	if m == nil {
		return Release{}, false
	}
	return Release{Product: "virtualbox", Version: string(m[1]), Source: "VBox.log"}, true
}

func readHead(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", p)
	}
	head, err := io.ReadAll(io.LimitReader(f, headerBytes))
	if err != nil {
		return nil, err
	}
	return bytes.ToValidUTF8(head, nil), nil
}

// platforms maps each product to the platform whose VMs it runs.
var platforms = map[string]string{
	"qemu":               audit.PlatformLibvirt,
	"vmware-esxi":        audit.PlatformVMware,
	"vmware-workstation": audit.PlatformVMware,
	"vmware-fusion":      audit.PlatformVMware,
	"virtualbox":         audit.PlatformVirtualBox,
}

// Products lists the products ParseAssumptions accepts.
func Products() []string {
	out := make([]string, 0, len(platforms))
	for p := range platforms {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// ParseAssumptions parses --hypervisor-version values, "PRODUCT=VERSION"
// each; at most one product per platform (a .vmx cannot say whether
// Workstation or ESXi runs it, so the operator names one).
func ParseAssumptions(values []string) (map[string]Release, error) {
	out := map[string]Release{}
	for _, v := range values {
		product, version, ok := strings.Cut(v, "=")
		product, version = strings.TrimSpace(product), strings.TrimSpace(version)
		platform, known := platforms[product]
		if !ok || version == "" || !known {
			return nil, fmt.Errorf("invalid --hypervisor-version %q: want PRODUCT=VERSION with PRODUCT one of %s",
				v, strings.Join(Products(), ", "))
		}
		if prev, dup := out[platform]; dup {
			return nil, fmt.Errorf("invalid --hypervisor-version %q: %s VMs already assume %s=%s", v, platform, prev.Product, prev.Version)
		}
		out[platform] = Release{Product: product, Version: version, Source: "flag"}
	}
	return out, nil
}

// Assume fills the product and version of a VM whose source did not say,
// from the assumptions for its platform; a version the source read wins.
// It reports whether it changed the VM.
func Assume(vm *audit.VM, assumed map[string]Release) bool {
	if vm == nil || vm.Hypervisor.Version != "" {
		return false
	}
	r, ok := assumed[vm.Platform]
	if !ok || (vm.Hypervisor.Product != "" && vm.Hypervisor.Product != r.Product) {
		return false
	}
	r.Apply(vm)
	return true
}
