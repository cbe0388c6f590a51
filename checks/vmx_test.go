package checks

import (
	"context"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect/hvversion"
	"github.com/isoaudit/isoaudit/pkg/collect/vmx"
	"github.com/isoaudit/isoaudit/pkg/engine"
	"github.com/isoaudit/isoaudit/pkg/score"
)

const vmxDir = "../testdata/vmx"

// vmxAssets reads every .vmx file directly under testdata/vmx with the
// real collector (New + Collect, one file at a time), keyed by file name.
func vmxAssets(t *testing.T) map[string]audit.Asset {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(vmxDir, "*.vmx"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .vmx fixtures: %v", err)
	}
	out := map[string]audit.Asset{}
	for _, f := range files {
		opts := vmx.DefaultOptions()
		opts.Path, opts.Host = f, "esx-01"
		c, err := vmx.New(opts)
		if err != nil {
			t.Fatal(err)
		}
		batch, err := c.Collect(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(batch.Errors) > 0 || len(batch.Assets) != 1 {
			t.Fatalf("%s: %d assets, errors %+v", f, len(batch.Assets), batch.Errors)
		}
		a := batch.Assets[0]
		if a.VM == nil || a.Kind != audit.KindVM || a.VM.Platform != audit.PlatformVMware {
			t.Fatalf("%s: asset without a VMware VM document", f)
		}
		// These files pin configuration findings: the VMs run on a
		// patched host, as `--hypervisor-version vmware-esxi=…` says
		// (advisories_test.go covers unpatched and unknown versions).
		hvversion.Assume(a.VM, patched)
		out[filepath.Base(f)] = a
	}
	return out
}

// patched says every offline VM runs on a hypervisor release that fixes
// every advisory of the tables.
var patched = map[string]hvversion.Release{
	audit.PlatformVMware:     {Product: "vmware-esxi", Version: "8.0.24859861", Source: "flag"},
	audit.PlatformVirtualBox: {Product: "virtualbox", Version: "7.2.4", Source: "flag"},
	audit.PlatformLibvirt:    {Product: "qemu", Version: "10.1.0", Source: "flag"},
}

// vmxOutcome is what the library reports on one .vmx file.
type vmxOutcome struct {
	fail, unknown []string
	risk          float64
}

// evaluateVMX runs the library on an asset: its failed and unknown check
// ids (sorted) and its risk. An errored check fails the test, and so does
// any libvirt check that does not pass (they must ignore VMware VMs).
func evaluateVMX(t *testing.T, eng *engine.Engine, name string, a audit.Asset) vmxOutcome {
	t.Helper()
	findings := eng.EvaluateAsset(&a)
	var out vmxOutcome
	for _, f := range findings {
		if f.Status == audit.StatusError {
			t.Errorf("%s: %s errored: %s", name, f.CheckID, f.Message)
			continue
		}
		if f.Status != audit.StatusPass && !strings.HasPrefix(f.CheckID, "VMX-") {
			t.Errorf("%s: %s is %s on a VMware VM", name, f.CheckID, f.Status)
			continue
		}
		switch f.Status {
		case audit.StatusFail:
			out.fail = append(out.fail, f.CheckID)
			if f.Severity > audit.SeverityLow && name == "hardened.vmx" {
				t.Errorf("%s: %s (%s) fails; the hardened VM may fail only low and info checks", name, f.CheckID, f.Severity)
			}
		case audit.StatusUnknown:
			out.unknown = append(out.unknown, f.CheckID)
		}
	}
	sort.Strings(out.fail)
	sort.Strings(out.unknown)
	out.risk, _ = score.DefaultWeights().Asset(findings)
	return out
}

// vmxExpected pins, per file, the exact VMX checks that fail and that are
// unknown, and the risk (±0.05). Every file but hardened.vmx lacks some
// SCG keys, so VMX-029 (boot devices), VMX-032 (Tools auto-install/VIX)
// and the VMX-034 inventory (VMCI is present by default) recur.
var vmxExpected = map[string]vmxOutcome{
	"hardened.vmx":   {fail: []string{"VMX-034"}, risk: 0},
	"vnc-nopass.vmx": {fail: []string{"VMX-029", "VMX-032", "VMX-034", "VMX-037"}, risk: 91.0},
	"share-root-writable.vmx": {fail: []string{"VMX-008", "VMX-009", "VMX-010", "VMX-028", "VMX-029", "VMX-032", "VMX-034"},
		unknown: []string{"VMX-001", "VMX-002", "VMX-003"}, risk: 95.4},
	"legacy-devices.vmx": {fail: []string{"VMX-010", "VMX-019", "VMX-021", "VMX-022", "VMX-023", "VMX-024", "VMX-026",
		"VMX-028", "VMX-029", "VMX-031", "VMX-032", "VMX-034"}, risk: 79.7},
	"passthrough.vmx": {fail: []string{"VMX-018", "VMX-022", "VMX-029", "VMX-032", "VMX-034", "VMX-039"}, risk: 71.1},
	"serial-network.vmx": {fail: []string{"VMX-016", "VMX-020", "VMX-025", "VMX-028", "VMX-029", "VMX-032", "VMX-034", "VMX-038"},
		risk: 78.1},
	"copy-paste.vmx": {fail: []string{"VMX-001", "VMX-002", "VMX-003", "VMX-004", "VMX-005", "VMX-006", "VMX-007", "VMX-012",
		"VMX-030", "VMX-031", "VMX-034"}, risk: 74.6},
	"nested.vmx": {fail: []string{"VMX-013", "VMX-014", "VMX-015", "VMX-017", "VMX-026", "VMX-027", "VMX-028", "VMX-029",
		"VMX-032", "VMX-034", "VMX-035"}, risk: 88.2},
}

// TestVMXFixtures runs the library over the .vmx files of testdata/vmx,
// normalized by the real collector: no check errors, no libvirt check
// reacts, the hardened VM fails nothing above low and scores ≤ 10, and
// each risky file fails exactly the pinned checks.
func TestVMXFixtures(t *testing.T) {
	_, eng, _ := builtinEngine(t)
	assets := vmxAssets(t)
	for _, name := range slices.Sorted(maps.Keys(assets)) {
		got := evaluateVMX(t, eng, name, assets[name])
		t.Logf("%-24s risk=%5.1f fail=%v unknown=%v", name, got.risk, got.fail, got.unknown)
		want, ok := vmxExpected[name]
		if !ok {
			t.Errorf("%s: add its expected outcome to vmxExpected", name)
			continue
		}
		if !slices.Equal(got.fail, want.fail) {
			t.Errorf("%s: fail = %v, want %v", name, got.fail, want.fail)
		}
		if !slices.Equal(got.unknown, want.unknown) {
			t.Errorf("%s: unknown = %v, want %v", name, got.unknown, want.unknown)
		}
		if math.Abs(got.risk-want.risk) > 0.05 {
			t.Errorf("%s: risk %.1f, want %.1f", name, got.risk, want.risk)
		}
		switch name {
		case "hardened.vmx":
			if got.risk > 10 || len(got.unknown) > 0 {
				t.Errorf("%s: risk %.1f, unknown %v; want ≤ 10 and none unknown", name, got.risk, got.unknown)
			}
		case "vnc-nopass.vmx", "share-root-writable.vmx":
			if got.risk < 90 {
				t.Errorf("%s: risk %.1f, want ≥ 90 (one critical path)", name, got.risk)
			}
		}
	}
	for name := range vmxExpected {
		if _, ok := assets[name]; !ok {
			t.Errorf("%s: expected outcome for a file that is not in %s", name, vmxDir)
		}
	}
}

// TestVMXDirectoryWithMalformedFile: collecting a directory that holds a
// malformed and an encrypted .vmx reports both as errors naming the file,
// and the library evaluates the other VMs without errors.
func TestVMXDirectoryWithMalformedFile(t *testing.T) {
	dir := filepath.Join(vmxDir, "walk")
	opts := vmx.DefaultOptions()
	opts.Path = dir
	c, err := vmx.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	batch, err := c.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, e := range batch.Errors {
		msgs = append(msgs, e.Message)
	}
	if len(msgs) != 2 || !strings.HasPrefix(msgs[0], "parse "+filepath.Join(dir, "broken.vmx")+": line 4:") ||
		!strings.HasPrefix(msgs[1], "parse "+filepath.Join(dir, "encrypted.vmx")+": encrypted") {
		t.Errorf("errors = %q, want broken.vmx and encrypted.vmx named", msgs)
	}
	if len(batch.Assets) != 3 {
		t.Fatalf("%d assets, want 3", len(batch.Assets))
	}
	_, eng, _ := builtinEngine(t)
	for _, a := range batch.Assets {
		hvversion.Assume(a.VM, patched)
		got := evaluateVMX(t, eng, filepath.Base(a.Source), a)
		t.Logf("%-28s fail=%v unknown=%v", a.ID, got.fail, got.unknown)
	}
}
