package checks

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect/hvversion"
	"github.com/isoaudit/isoaudit/pkg/collect/libvirtxml"
	"github.com/isoaudit/isoaudit/pkg/engine"
	"github.com/isoaudit/isoaudit/pkg/score"
)

const libvirtDir = "../testdata/libvirt"

// libvirtAssets collects every domain file under testdata/libvirt/domains
// with the real collector (New + Collect), reading qemuConf from
// testdata/libvirt/qemu when it is not "", keyed by file name.
func libvirtAssets(t *testing.T, qemuConf string) map[string]audit.Asset {
	t.Helper()
	opts := libvirtxml.DefaultOptions()
	opts.Path = filepath.Join(libvirtDir, "domains")
	if qemuConf != "" {
		opts.QEMUConfPath = filepath.Join(libvirtDir, "qemu", qemuConf)
	}
	c, err := libvirtxml.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	batch, err := c.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Errors) > 0 {
		t.Fatalf("collect: %+v", batch.Errors)
	}
	out := map[string]audit.Asset{}
	for _, a := range batch.Assets {
		if a.Kind == audit.KindHost { // the qemu.conf asset: checks/host fixtures cover it
			continue
		}
		if a.VM == nil || a.Kind != audit.KindVM {
			t.Fatalf("%s: asset without a VM document", a.Source)
		}
		hvversion.Assume(a.VM, patched) // configuration findings only; see vmxAssets
		out[filepath.Base(a.Source)] = a
	}
	return out
}

// libvirtOutcome is what the library reports on one domain file.
type libvirtOutcome struct {
	fail, unknown []string
	risk          float64
}

// evaluateLibvirt runs the library on an asset: its failed and unknown
// check ids (sorted) and its risk; an errored check fails the test.
func evaluateLibvirt(t *testing.T, eng *engine.Engine, name string, a audit.Asset) libvirtOutcome {
	t.Helper()
	findings := eng.EvaluateAsset(&a)
	var out libvirtOutcome
	for _, f := range findings {
		switch f.Status {
		case audit.StatusFail:
			out.fail = append(out.fail, f.CheckID)
			if f.Severity > audit.SeverityLow && name == "hardened.xml" {
				t.Errorf("%s: %s (%s) fails; the hardened domain may fail only low and info checks", name, f.CheckID, f.Severity)
			}
		case audit.StatusUnknown:
			out.unknown = append(out.unknown, f.CheckID)
		case audit.StatusError:
			t.Errorf("%s: %s errored: %s", name, f.CheckID, f.Message)
		}
	}
	sort.Strings(out.fail)
	sort.Strings(out.unknown)
	out.risk, _ = score.DefaultWeights().Asset(findings)
	return out
}

// libvirtOffline pins, per domain file, the exact checks that fail and
// that are unknown when no qemu.conf is read (the offline default): host
// defaults for confinement, listen addresses and TLS are then unknown.
var libvirtOffline = map[string]libvirtOutcome{
	"hardened.xml":          {fail: []string{"LV-039"}},
	"vnc-public-nopass.xml": {fail: []string{"LV-015", "LV-016", "LV-020", "LV-038"}, unknown: []string{"LV-001"}},
	"share-root-9p.xml": {fail: []string{"LV-001", "LV-007", "LV-008", "LV-038", "LV-040", "LV-046", "LV-CHAIN-003"},
		unknown: []string{"LV-041"}},
	"cpu-passthrough.xml": {fail: []string{"LV-025", "LV-026", "LV-027", "LV-028", "LV-038", "LV-045"},
		unknown: []string{"LV-001", "LV-CHAIN-004"}},
	"floppy.xml": {fail: []string{"LV-009", "LV-010", "LV-011", "LV-012", "LV-013", "LV-020", "LV-024", "LV-037", "LV-038", "LV-047", "LV-048"},
		unknown: []string{"LV-001", "LV-CHAIN-004"}},
	"qemu-cmdline.xml":   {fail: []string{"LV-003", "LV-038"}, unknown: []string{"LV-001"}},
	"readonly-dump.xml":  {fail: []string{"LV-014", "LV-038"}, unknown: []string{"LV-015", "LV-044"}},
	"running-status.xml": {fail: []string{"LV-018", "LV-038"}},
	"serial-tcp.xml":     {fail: []string{"LV-023", "LV-038", "LV-039", "LV-043"}, unknown: []string{"LV-001", "LV-021"}},
	"spice-clipboard.xml": {fail: []string{"LV-014", "LV-018", "LV-019", "LV-020", "LV-029", "LV-031", "LV-038", "LV-047"},
		unknown: []string{"LV-001", "LV-015", "LV-026", "LV-043", "LV-044", "LV-CHAIN-001", "LV-CHAIN-004"}},
	"usb-hostdev.xml": {fail: []string{"LV-004", "LV-005", "LV-006", "LV-019", "LV-020", "LV-032", "LV-038"}},
}

// libvirtWithConf pins what a qemu.conf changes: checks that must fail,
// pass or be unknown on a domain file once the host defaults are known.
var libvirtWithConf = map[string]map[string]struct{ fail, pass, unknown []string }{
	// vnc_auto_unix_socket, vnc_tls, chardev_tls, security_driver selinux.
	"hardened.conf": {
		"vnc-public-nopass.xml": {fail: []string{"LV-015"}, pass: []string{"LV-001", "LV-014", "LV-044"}},
		"readonly-dump.xml":     {fail: []string{"LV-014"}, pass: []string{"LV-044"}, unknown: []string{"LV-015"}},
		"serial-tcp.xml":        {fail: []string{"LV-043"}, pass: []string{"LV-001", "LV-021"}},
		"share-root-9p.xml":     {fail: []string{"LV-001", "LV-007", "LV-CHAIN-003"}, unknown: []string{"LV-041"}},
		"spice-clipboard.xml":   {fail: []string{"LV-044"}, pass: []string{"LV-001", "LV-043", "LV-CHAIN-004"}, unknown: []string{"LV-015", "LV-CHAIN-001"}},
	},
	// security_driver "none", vnc_listen 0.0.0.0 with a vnc_password, no TLS.
	"risky.conf": {
		"vnc-public-nopass.xml": {fail: []string{"LV-001", "LV-014", "LV-044"}, pass: []string{"LV-015"}},
		"readonly-dump.xml":     {fail: []string{"LV-014", "LV-044"}, pass: []string{"LV-001"}, unknown: []string{"LV-015"}},
		"serial-tcp.xml":        {fail: []string{"LV-001", "LV-021", "LV-043"}},
		"qemu-cmdline.xml":      {fail: []string{"LV-001", "LV-003"}},
		"cpu-passthrough.xml":   {fail: []string{"LV-001", "LV-028", "LV-CHAIN-004"}},
		"floppy.xml":            {fail: []string{"LV-001", "LV-013", "LV-CHAIN-004"}},
		"spice-clipboard.xml":   {fail: []string{"LV-001", "LV-043", "LV-CHAIN-004"}, unknown: []string{"LV-015", "LV-CHAIN-001"}},
		"usb-hostdev.xml":       {fail: []string{"LV-004"}, pass: []string{"LV-001", "LV-CHAIN-004"}},
	},
}

// TestLibvirtDomainFixtures runs the library over the domain XML files of
// testdata/libvirt/domains, normalized by the real collector, offline and
// with a hardened and a risky qemu.conf: no check errors, the hardened
// domain fails nothing above low and scores ≤ 10, the host-root share and
// the open VNC console score ≥ 90, and the outcomes pinned above hold.
func TestLibvirtDomainFixtures(t *testing.T) {
	files, err := os.ReadDir(filepath.Join(libvirtDir, "domains"))
	if err != nil {
		t.Fatal(err)
	}
	_, eng, _ := builtinEngine(t)
	for _, conf := range []string{"", "hardened.conf", "risky.conf"} {
		assets := libvirtAssets(t, conf)
		if len(assets) != len(files) {
			t.Fatalf("qemu.conf %q: %d assets from %d files", conf, len(assets), len(files))
		}
		names := slices.Sorted(maps.Keys(assets))
		for _, name := range names {
			got := evaluateLibvirt(t, eng, name, assets[name])
			t.Logf("%-14s %-22s risk=%5.1f fail=%v unknown=%v", conf, name, got.risk, got.fail, got.unknown)
			switch name {
			case "hardened.xml":
				if got.risk > 10 || len(got.unknown) > 0 {
					t.Errorf("%s (qemu.conf %q): risk %.1f, unknown %v; want ≤ 10 and none unknown", name, conf, got.risk, got.unknown)
				}
			case "share-root-9p.xml", "vnc-public-nopass.xml":
				if got.risk < 90 {
					t.Errorf("%s (qemu.conf %q): risk %.1f, want ≥ 90", name, conf, got.risk)
				}
			}
			if conf == "" {
				want, ok := libvirtOffline[name]
				if !ok {
					t.Errorf("%s: no expectation in libvirtOffline", name)
					continue
				}
				if !slices.Equal(got.fail, want.fail) {
					t.Errorf("%s offline: fail = %v, want %v", name, got.fail, want.fail)
				}
				if !slices.Equal(got.unknown, want.unknown) {
					t.Errorf("%s offline: unknown = %v, want %v", name, got.unknown, want.unknown)
				}
				continue
			}
			want := libvirtWithConf[conf][name]
			for _, id := range want.fail {
				if !slices.Contains(got.fail, id) {
					t.Errorf("%s with %s: %s should fail", name, conf, id)
				}
			}
			for _, id := range want.unknown {
				if !slices.Contains(got.unknown, id) {
					t.Errorf("%s with %s: %s should be unknown", name, conf, id)
				}
			}
			for _, id := range want.pass {
				if slices.Contains(got.fail, id) || slices.Contains(got.unknown, id) {
					t.Errorf("%s with %s: %s should pass", name, conf, id)
				}
			}
		}
	}
	for _, f := range files {
		if _, ok := libvirtOffline[f.Name()]; !ok && strings.HasSuffix(f.Name(), ".xml") {
			t.Errorf("%s: add its expected outcome to libvirtOffline", f.Name())
		}
	}
}
