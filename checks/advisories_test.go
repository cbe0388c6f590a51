package checks

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect"
	"github.com/isoaudit/isoaudit/pkg/collect/hvversion"
	"github.com/isoaudit/isoaudit/pkg/collect/vbox"
	"github.com/isoaudit/isoaudit/pkg/collect/vmx"
)

const advisoryDir = "../testdata/advisories"

// advisoryOutcome collects one asset's CVE-* findings by status.
func advisoryOutcome(t *testing.T, a *audit.Asset) map[audit.Status][]string {
	t.Helper()
	_, eng, _ := builtinEngine(t)
	out := map[audit.Status][]string{}
	for _, f := range eng.EvaluateAsset(a) {
		if len(f.CheckID) > 4 && f.CheckID[:4] == "CVE-" {
			out[f.Status] = append(out[f.Status], f.CheckID)
		}
	}
	for _, ids := range out {
		slices.Sort(ids)
	}
	return out
}

func collectOne(t *testing.T, c collect.Collector, err error) audit.Asset {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Collect(context.Background())
	if err != nil || len(b.Assets) != 1 || len(b.Errors) > 0 {
		t.Fatalf("collect %s: %v, %d assets, errors %+v", c.Endpoint(), err, len(b.Assets), b.Errors)
	}
	return b.Assets[0]
}

func vmxAsset(t *testing.T, path string) audit.Asset {
	opts := vmx.DefaultOptions()
	opts.Path = path
	c, err := vmx.New(opts)
	return collectOne(t, c, err)
}

func vboxAt(t *testing.T, path string) audit.Asset {
	opts := vbox.DefaultOptions()
	opts.Path = path
	c, err := vbox.New(opts)
	return collectOne(t, c, err)
}

// TestAdvisoriesFromHypervisorLogs audits VM files whose hypervisor log
// sits beside them: the version comes from the log, and the advisories
// fail only where the version is affected and the device is present.
func TestAdvisoriesFromHypervisorLogs(t *testing.T) {
	for _, c := range []struct {
		name          string
		asset         audit.Asset
		product, ver  string
		fail, notFail []string
	}{
		{"ws-17.5.0", vmxAsset(t, filepath.Join(advisoryDir, "ws-17.5.0", "usb-legacy.vmx")), "vmware-workstation", "17.5.0",
			[]string{"CVE-VMW-001", "CVE-VMW-004"}, []string{"CVE-VMW-005"}},
		{"esxi-8.0u3d", vmxAsset(t, filepath.Join(advisoryDir, "esxi-8.0u3d", "usb-legacy.vmx")), "vmware-esxi", "8.0.24585383",
			nil, []string{"CVE-VMW-001", "CVE-VMW-004"}},
		{"vbox-7.0.6", vboxAt(t, filepath.Join(advisoryDir, "vbox-7.0.6", "hardened.vbox")), "virtualbox", "7.0.6",
			[]string{"CVE-VBOX-002"}, []string{"CVE-VBOX-001", "CVE-VBOX-003"}},
		{"vbox-7.1.8", vboxAt(t, filepath.Join(advisoryDir, "vbox-7.1.8", "hardened.vbox")), "virtualbox", "7.1.8",
			nil, []string{"CVE-VBOX-002"}},
	} {
		hv := c.asset.VM.Hypervisor
		if hv.Product != c.product || hv.Version != c.ver || hv.VersionSource == "" {
			t.Errorf("%s: hypervisor %+v, want %s %s from its log", c.name, hv, c.product, c.ver)
		}
		got := advisoryOutcome(t, &c.asset)
		t.Logf("%-12s %v", c.name, got)
		if !slices.Equal(got[audit.StatusFail], c.fail) {
			t.Errorf("%s: failed %v, want %v", c.name, got[audit.StatusFail], c.fail)
		}
		if len(got[audit.StatusUnknown]) > 0 || len(got[audit.StatusError]) > 0 {
			t.Errorf("%s: unknown %v error %v, want none (the version is known)", c.name, got[audit.StatusUnknown], got[audit.StatusError])
		}
		for _, id := range c.notFail {
			if !slices.Contains(got[audit.StatusPass], id) {
				t.Errorf("%s: %s did not pass", c.name, id)
			}
		}
	}
}

// TestAdvisoriesWithoutVersion: a .vmx without its log exposes VMCI and
// USB on an unknown host: the device advisories are unknown (never pass)
// until --hypervisor-version names the host; then they are decided.
func TestAdvisoriesWithoutVersion(t *testing.T) {
	a := vmxAsset(t, filepath.Join(vmxDir, "legacy-devices.vmx"))
	if a.VM.Hypervisor.Product != "" || a.VM.Hypervisor.Version != "" {
		t.Fatalf("no vmware.log, yet hypervisor %+v", a.VM.Hypervisor)
	}
	got := advisoryOutcome(t, &a)
	want := []string{"CVE-VMW-001", "CVE-VMW-004", "CVE-VMW-005"}
	if !slices.Equal(got[audit.StatusUnknown], want) || len(got[audit.StatusFail]) > 0 {
		t.Errorf("without a version: %v, want unknown %v", got, want)
	}
	assumed, err := hvversion.ParseAssumptions([]string{"vmware-workstation=16.2.0"})
	if err != nil {
		t.Fatal(err)
	}
	if !hvversion.Assume(a.VM, assumed) {
		t.Fatal("Assume did not apply")
	}
	got = advisoryOutcome(t, &a)
	if !slices.Equal(got[audit.StatusFail], []string{"CVE-VMW-005"}) || len(got[audit.StatusUnknown]) > 0 {
		t.Errorf("on Workstation 16.2.0: %v, want only CVE-VMW-005 failed (the 17.x advisories do not apply)", got)
	}
}
