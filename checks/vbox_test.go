package checks

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect/hvversion"
	"github.com/isoaudit/isoaudit/pkg/collect/vbox"
	"github.com/isoaudit/isoaudit/pkg/engine"
	"github.com/isoaudit/isoaudit/pkg/score"
)

const vboxDir = "../testdata/vbox"

// vboxAsset reads one .vbox file of testdata/vbox with the real collector
// (New + Collect).
func vboxAsset(t *testing.T, name string) audit.Asset {
	t.Helper()
	opts := vbox.DefaultOptions()
	opts.Path = filepath.Join(vboxDir, name)
	c, err := vbox.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	batch, err := c.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Errors) > 0 || len(batch.Assets) != 1 {
		t.Fatalf("%s: %d assets, errors %+v", name, len(batch.Assets), batch.Errors)
	}
	a := batch.Assets[0]
	if a.VM == nil || a.Kind != audit.KindVM || a.Platform != audit.PlatformVirtualBox {
		t.Fatalf("%s: asset %+v without a VirtualBox VM document", name, a)
	}
	hvversion.Assume(a.VM, patched) // configuration findings only; see vmxAssets
	return a
}

// vboxOutcome is what the library reports on one .vbox file.
type vboxOutcome struct {
	fail, unknown []string
	risk          float64
}

// evaluateVBox runs the library on an asset: its failed and unknown check
// ids (sorted) and its risk; an errored check, or a check of another
// platform that fails, fails the test.
func evaluateVBox(t *testing.T, eng *engine.Engine, name string, a audit.Asset) vboxOutcome {
	t.Helper()
	findings := eng.EvaluateAsset(&a)
	var out vboxOutcome
	for _, f := range findings {
		switch f.Status {
		case audit.StatusFail:
			out.fail = append(out.fail, f.CheckID)
			if f.Severity > audit.SeverityLow && name == "hardened.vbox" {
				t.Errorf("%s: %s (%s) fails; the hardened machine may fail only low and info checks", name, f.CheckID, f.Severity)
			}
		case audit.StatusUnknown:
			out.unknown = append(out.unknown, f.CheckID)
		case audit.StatusError:
			t.Errorf("%s: %s errored: %s", name, f.CheckID, f.Message)
		}
	}
	for _, id := range append(slices.Clone(out.fail), out.unknown...) {
		if !strings.HasPrefix(id, "VB-") {
			t.Errorf("%s: %s is not a VirtualBox check but did not pass", name, id)
		}
	}
	sort.Strings(out.fail)
	sort.Strings(out.unknown)
	out.risk, _ = score.DefaultWeights().Asset(findings)
	return out
}

// vboxExpected pins, per .vbox file, the exact checks that fail and that
// are unknown.
var vboxExpected = map[string]vboxOutcome{
	"hardened.vbox": {},
	// writable="true" on /, symlink creation enabled on both shares.
	"share-root.vbox": {fail: []string{"VB-001", "VB-002"}},
	// writable absent: the schema default makes the share of / writable.
	"share-root-default.vbox": {fail: []string{"VB-001"}},
	// authType absent (Null), empty TCP/Address, allowMultiConnection.
	"vrde-open.vbox":     {fail: []string{"VB-006", "VB-008"}},
	"clipboard-dnd.vbox": {fail: []string{"VB-004", "VB-005"}},
	"usb-catchall.vbox":  {fail: []string{"VB-010", "VB-011"}},
	// COM1 a TCP server on every interface, COM2 a host pipe.
	"serial-tcp.vbox": {fail: []string{"VB-012", "VB-028"}},
	// Floppy controller, LPT on /dev/parport0, HDA audio with microphone.
	"floppy.vbox": {fail: []string{"VB-013", "VB-021", "VB-022", "VB-029"}},
	// Settings format 1.20: nested virtualization read from
	// Platform/x86/CPU, 3D, symlinkPolicy any, PCI, page fusion, webcam.
	"platform-71.vbox": {fail: []string{"VB-003", "VB-009", "VB-017", "VB-018", "VB-019", "VB-022"}},
	// NAT rules on every interface, localhost-reachable absent (true),
	// bridged AllowAll, teleporter, host DVD drive.
	"network-nat.vbox": {fail: []string{"VB-014", "VB-015", "VB-016", "VB-020", "VB-024"}},
	// Settings format 1.7: USBController, DVDDrive/FloppyDrive under
	// Hardware, VRDE port attribute with Guest auth, audio input on by
	// the pre-1.17 default, RawFile serial port, host-to-guest clipboard.
	"legacy-30.vbox": {fail: []string{"VB-004", "VB-007", "VB-010", "VB-011", "VB-012", "VB-020", "VB-021", "VB-022", "VB-029"}},
}

// TestVBoxMachineFixtures runs the library over the .vbox files of
// testdata/vbox (both the 6.x/7.0 layout and the 7.1 Platform layout),
// each normalized by the real collector: no check errors, the hardened
// machine fails nothing above low and scores ≤ 10, the writable host-root
// shares and the open remote display score ≥ 90, and the outcomes pinned
// above hold.
func TestVBoxMachineFixtures(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(vboxDir, "*.vbox"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .vbox files in %s: %v", vboxDir, err)
	}
	_, eng, _ := builtinEngine(t)
	for _, f := range files {
		name := filepath.Base(f)
		got := evaluateVBox(t, eng, name, vboxAsset(t, name))
		t.Logf("%-24s risk=%5.1f fail=%v unknown=%v", name, got.risk, got.fail, got.unknown)
		switch name {
		case "hardened.vbox":
			if got.risk > 10 || len(got.unknown) > 0 {
				t.Errorf("%s: risk %.1f, unknown %v; want ≤ 10 and none unknown", name, got.risk, got.unknown)
			}
		case "share-root.vbox", "share-root-default.vbox", "vrde-open.vbox":
			if got.risk < 90 {
				t.Errorf("%s: risk %.1f, want ≥ 90", name, got.risk)
			}
		}
		want, ok := vboxExpected[name]
		if !ok {
			t.Errorf("%s: add its expected outcome to vboxExpected", name)
			continue
		}
		if !slices.Equal(got.fail, want.fail) {
			t.Errorf("%s: fail = %v, want %v", name, got.fail, want.fail)
		}
		if !slices.Equal(got.unknown, want.unknown) {
			t.Errorf("%s: unknown = %v, want %v", name, got.unknown, want.unknown)
		}
	}
	for name := range vboxExpected {
		if _, err := os.Stat(filepath.Join(vboxDir, name)); err != nil {
			t.Errorf("vboxExpected names %s: %v", name, err)
		}
	}
}
