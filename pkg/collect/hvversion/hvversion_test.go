package hvversion

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

func TestVMwareLog(t *testing.T) {
	for header, want := range map[string]Release{
		"x In(05) vmx Log for VMware Fusion pid=9 version=13.6.2 build=build-24409261 option=Release": {"vmware-fusion", "13.6.2", "vmware.log"},
		"x In(05) vmx Log for VMware Player pid=9 version=17.6.1 build=build-24319023 option=Release": {"vmware-workstation", "17.6.1", "vmware.log"},
		"x In(05) vmx Log for VMware ESX pid=9 version=7.0.3 build=build-24585291 option=Release":     {"vmware-esxi", "7.0.24585291", "vmware.log"},
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "vmware.log"), []byte("\xff\xfe junk\n"+header+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		got, ok := VMwareLog(dir)
		if !ok || got != want {
			t.Errorf("%q: %+v %v, want %+v", header, got, ok, want)
		}
	}
	dir := t.TempDir()
	if _, ok := VMwareLog(dir); ok {
		t.Error("no log, yet a release")
	}
	if err := os.Mkdir(filepath.Join(dir, "vmware.log"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, ok := VMwareLog(dir); ok {
		t.Error("a directory named vmware.log gave a release")
	}
	// A header beyond the first 16 KiB is not searched for.
	late := t.TempDir()
	body := strings.Repeat("x", headerBytes) + "\nLog for VMware ESX pid=1 version=8.0.3 build=build-1\n"
	if err := os.WriteFile(filepath.Join(late, "vmware.log"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if r, ok := VMwareLog(late); ok {
		t.Errorf("header after %d bytes was read: %+v", headerBytes, r)
	}
}

func TestParseAssumptionsAndAssume(t *testing.T) {
	got, err := ParseAssumptions([]string{"qemu=8.2.2", "vmware-esxi=8.0.24585383"})
	if err != nil || got[audit.PlatformLibvirt].Version != "8.2.2" || got[audit.PlatformVMware].Product != "vmware-esxi" {
		t.Fatalf("%+v %v", got, err)
	}
	for _, bad := range []string{"qemu", "qemu=", "kvm=8.2", "vmware-esxi=8.0.1,vmware-fusion=13.0"} {
		if _, err := ParseAssumptions(strings.Split(bad, ",")); err == nil || !strings.Contains(err.Error(), "--hypervisor-version") {
			t.Errorf("%q: err %v", bad, err)
		}
	}
	vm := &audit.VM{Platform: audit.PlatformLibvirt, Hypervisor: audit.VMHypervisor{Product: "qemu"}}
	if !Assume(vm, got) || vm.Hypervisor.Version != "8.2.2" || vm.Hypervisor.VersionSource != "flag" {
		t.Errorf("Assume: %+v", vm.Hypervisor)
	}
	seen := &audit.VM{Platform: audit.PlatformLibvirt, Hypervisor: audit.VMHypervisor{Product: "qemu", Version: "9.0.0", VersionSource: "libvirt"}}
	if Assume(seen, got) || seen.Hypervisor.Version != "9.0.0" {
		t.Errorf("a version the source read must win: %+v", seen.Hypervisor)
	}
	xen := &audit.VM{Platform: audit.PlatformLibvirt, Hypervisor: audit.VMHypervisor{Product: "xen"}}
	if Assume(xen, got) {
		t.Error("a qemu assumption applied to a Xen domain")
	}
	if Assume(nil, got) {
		t.Error("Assume(nil)")
	}
}
