package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	golibvirt "github.com/digitalocean/go-libvirt"

	"github.com/isoaudit/isoaudit/checks"
	"github.com/isoaudit/isoaudit/internal/cli"
	"github.com/isoaudit/isoaudit/internal/livetest"
	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect/libvirt"
	"github.com/isoaudit/isoaudit/pkg/collect/pkgdb"
	"github.com/isoaudit/isoaudit/pkg/engine"
	"github.com/isoaudit/isoaudit/schema/schematest"
)

// hardenedDomainXML is a tiny TCG guest with no disk, its VNC console on
// the loopback with a password, no shares and no legacy devices.
const hardenedDomainXML = `<domain type='qemu'>
  <name>%s</name>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1' passwd='i5o-Pw1x'>
      <listen type='address' address='127.0.0.1'/>
    </graphics>
    <memballoon model='none'/>
  </devices>
</domain>`

// riskyDomainXML exposes an unauthenticated VNC console to the network,
// shares the host's / writable in passthrough mode, emulates a floppy
// drive, disables confinement and passes a raw QEMU argument.
const riskyDomainXML = `<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>%s</name>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <cpu mode='host-model'/>
  <seclabel type='none'/>
  <devices>
    <disk type='file' device='floppy'><target dev='fda' bus='fdc'/></disk>
    <filesystem type='mount' accessmode='passthrough'><source dir='/'/><target dir='hostroot'/></filesystem>
    <graphics type='vnc' port='-1' autoport='yes' listen='0.0.0.0'>
      <listen type='address' address='0.0.0.0'/>
    </graphics>
  </devices>
  <qemu:commandline><qemu:arg value='-no-reboot'/></qemu:commandline>
</domain>`

// TestLiveLibvirtDomains defines a hardened and a risky domain through the
// read-write socket, collects them through the read-only one with the
// live collector, and runs the built-in VM checks on them.
func TestLiveLibvirtDomains(t *testing.T) {
	rw := livetest.Libvirt(t)
	suffix := randomHex(t)
	hardenedName := livetest.NamePrefix + "hardened-" + suffix
	riskyName := livetest.NamePrefix + "risky-" + suffix
	hardened := defineDomain(t, rw, fmt.Sprintf(hardenedDomainXML, hardenedName))
	defineDomain(t, rw, fmt.Sprintf(riskyDomainXML, riskyName))
	wantHardenedState := "shutoff"
	start := time.Now()
	if err := startDomain(rw, hardened, time.Minute); err != nil {
		t.Logf("hardened domain not started (QEMU cannot run a TCG guest here?): %v", err)
	} else {
		wantHardenedState = "running"
	}
	t.Logf("start of %s: %s after %s", hardenedName, wantHardenedState, time.Since(start).Round(time.Millisecond))

	c, err := libvirt.New(libvirt.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start = time.Now()
	b, err := c.Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("collected %d domains in %s", len(b.Assets), time.Since(start).Round(time.Millisecond))
	if len(b.Errors) > 0 {
		t.Errorf("collect errors: %+v", b.Errors)
	}
	assets := map[string]*audit.Asset{}
	for i := range b.Assets {
		assets[b.Assets[i].Name] = &b.Assets[i]
	}
	h, r := assets[hardenedName], assets[riskyName]
	if h == nil || r == nil {
		t.Fatalf("defined domains missing from the batch: %d assets, notes %q", len(b.Assets), b.Notes)
	}
	for _, a := range []*audit.Asset{h, r} {
		if a.Kind != audit.KindVM || a.Platform != audit.PlatformLibvirt || a.VM == nil ||
			!strings.HasPrefix(a.ID, "libvirt://") || !strings.HasSuffix(a.ID, "/"+a.Name) {
			t.Errorf("asset %s: kind %s platform %s vm %v", a.ID, a.Kind, a.Platform, a.VM != nil)
		}
		if !a.Host.Virt.Known || a.Host.Virt.LibvirtVersion == "" || a.Host.Virt.QEMUVersion == "" {
			t.Errorf("asset %s: virt host %+v", a.ID, a.Host.Virt)
		}
	}
	if h.VM.State != wantHardenedState || r.VM.State != "shutoff" {
		t.Errorf("states: hardened %q (want %s), risky %q (want shutoff)", h.VM.State, wantHardenedState, r.VM.State)
	}
	assertRiskyVM(t, r.VM)

	cat, err := checks.Builtin(audit.KindVM)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(cat)
	if err != nil {
		t.Fatal(err)
	}
	rf := byCheck(eng.EvaluateAsset(r))
	for _, id := range []string{"LV-007", "LV-013"} {
		if rf[id].Status != audit.StatusFail {
			t.Errorf("risky %s = %q, want fail", id, rf[id].Status)
		}
	}
	assertQEMUAdvisories(t, eng, r)
	if s := rf["LV-015"].Status; s != audit.StatusUnknown && s != audit.StatusFail {
		t.Errorf("risky LV-015 = %q, want unknown (read-only socket hides passwords) or fail", s)
	}
	for _, f := range eng.EvaluateAsset(h) {
		if f.Status != audit.StatusPass {
			t.Logf("hardened domain: %s (%s) %s", f.CheckID, f.Severity, f.Status)
		}
		if f.Status == audit.StatusFail && f.Severity >= audit.SeverityHigh {
			t.Errorf("hardened domain fails %s (%s): %s", f.CheckID, f.Severity, f.Title)
		}
	}
}

// assertQEMUAdvisories checks the patch-level facts of a live domain and
// VENOM's two conditions on its real document: the risky domain has a
// floppy drive; this machine's QEMU is far newer than the fix, so
// CVE-QEMU-001 passes, and the same document on a QEMU before 2.3.1 fails
// critical with both the version and the floppy as evidence.
func assertQEMUAdvisories(t *testing.T, eng *engine.Engine, a *audit.Asset) {
	t.Helper()
	hv := a.VM.Hypervisor
	if hv.Product != "qemu" || hv.Version != a.Host.Virt.QEMUVersion || hv.VersionSource != "libvirt" {
		t.Errorf("hypervisor %+v, want product qemu, version %q from libvirt", hv, a.Host.Virt.QEMUVersion)
	}
	if want := pkgdb.Package("/", libvirt.QEMUPackages...); hv.Package != want || a.Host.Virt.QEMUPackage != want {
		t.Errorf("QEMU package %q (host.virt %q), want %q from this machine's dpkg database", hv.Package, a.Host.Virt.QEMUPackage, want)
	}
	t.Logf("QEMU %s, package %q", hv.Version, hv.Package)
	if f := byCheck(eng.EvaluateAsset(a))["CVE-QEMU-001"]; f.Status != audit.StatusPass {
		t.Errorf("CVE-QEMU-001 on QEMU %s = %s, want pass (fixed in 2.3.1)", hv.Version, f.Status)
	}
	old := *a
	vm := *a.VM
	vm.Hypervisor.Version, vm.Hypervisor.Package = "2.2.0", ""
	old.VM = &vm
	f := byCheck(eng.EvaluateAsset(&old))["CVE-QEMU-001"]
	if f.Status != audit.StatusFail || f.Severity != audit.SeverityCritical || len(f.Evidence) != 2 ||
		!strings.Contains(fmt.Sprint(f.Evidence[0].Actual), "2.2.0") || !strings.Contains(fmt.Sprint(f.Evidence[1].Actual), "floppy") {
		t.Errorf("CVE-QEMU-001 on QEMU 2.2.0 with a floppy = %s %s, evidence %+v; want critical fail naming both", f.Status, f.Severity, f.Evidence)
	}
}

// assertRiskyVM checks the risky domain's VM document.
func assertRiskyVM(t *testing.T, vm *audit.VM) {
	t.Helper()
	var exposed bool
	for _, cons := range vm.RemoteConsoles {
		if cons.Exposed {
			exposed = true
			if cons.Password != "unknown" {
				t.Errorf("exposed console password = %q, want unknown through the read-only socket", cons.Password)
			}
		}
	}
	if !exposed {
		t.Errorf("no exposed console: %+v", vm.RemoteConsoles)
	}
	var rootShare bool
	for _, s := range vm.Shares {
		rootShare = rootShare || (s.HostPath == "/" && s.Writable)
	}
	if !rootShare {
		t.Errorf("no writable share of /: %+v", vm.Shares)
	}
	var floppy bool
	for _, d := range vm.Devices {
		floppy = floppy || d.Class == "floppy"
	}
	if !floppy {
		t.Errorf("no floppy device: %+v", vm.Devices)
	}
}

func byCheck(fs []audit.Finding) map[string]audit.Finding {
	m := make(map[string]audit.Finding, len(fs))
	for _, f := range fs {
		m[f.CheckID] = f
	}
	return m
}

func randomHex(t *testing.T) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// defineDomain defines a persistent domain; it is destroyed (if running)
// and undefined when the test ends.
func defineDomain(t *testing.T, l *golibvirt.Libvirt, xml string) golibvirt.Domain {
	t.Helper()
	d, err := l.DomainDefineXML(xml)
	if err != nil {
		t.Fatalf("define domain: %v", err)
	}
	t.Cleanup(func() {
		_ = l.DomainDestroy(d)
		if err := l.DomainUndefineFlags(d, golibvirt.DomainUndefineNvram|golibvirt.DomainUndefineManagedSave); err != nil && !golibvirt.IsNotFound(err) {
			t.Errorf("undefine %s: %v", d.Name, err)
		}
	})
	return d
}

// startDomain starts d, bounded by timeout.
func startDomain(l *golibvirt.Libvirt, d golibvirt.Domain, timeout time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- l.DomainCreate(d) }()
	select {
	case err := <-errc:
		return err
	case <-time.After(timeout):
		return fmt.Errorf("no answer within %s", timeout)
	}
}

// TestLiveLibvirtCLI audits the local libvirtd through the CLI: the
// source is read over the read-only socket and the report validates.
func TestLiveLibvirtCLI(t *testing.T) {
	livetest.Libvirt(t)
	code, stdout, stderr := runCLI(t, "scan", "--libvirt-uri", "qemu:///system", "--no-host", "-o", "json")
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	schematest.RequireValidReport(t, []byte(stdout))
	var r audit.Report
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Sources) != 1 || r.Sources[0].Kind != "libvirt" || r.Sources[0].Status != audit.SourceOK {
		t.Errorf("sources = %+v", r.Sources)
	}
	// The machine's own qemu.conf (read from /etc/libvirt when readable)
	// is the libvirt host asset; a stock file confines QEMU.
	host := qcFindings(t, &r)
	if host["QC-001"] != audit.StatusPass || host["QC-003"] != audit.StatusPass {
		t.Errorf("stock qemu.conf: QC-001 %s, QC-003 %s; want pass", host["QC-001"], host["QC-003"])
	}

	// A qemu.conf that unconfines QEMU and runs it as root fails both.
	conf := filepath.Join(t.TempDir(), "qemu.conf")
	if err := os.WriteFile(conf, []byte("security_driver = \"none\"\nuser = \"root\"\ngroup = \"root\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runCLI(t, "scan", "--libvirt-uri", "qemu:///system", "--qemu-conf", conf, "-o", "json", "--fail-on", "critical")
	if code != cli.ExitGate {
		t.Fatalf("exit %d (want %d, the gate): %s", code, cli.ExitGate, stderr)
	}
	r = audit.Report{}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	host = qcFindings(t, &r)
	if host["QC-001"] != audit.StatusFail || host["QC-003"] != audit.StatusFail {
		t.Errorf("risky qemu.conf: QC-001 %s, QC-003 %s; want fail", host["QC-001"], host["QC-003"])
	}
}

// qcFindings returns the status of each QC-* check on the report's one
// libvirt host asset.
func qcFindings(t *testing.T, r *audit.Report) map[string]audit.Status {
	t.Helper()
	var hostID string
	for _, a := range r.Assets {
		if a.Kind == audit.KindHost && a.Platform == audit.PlatformLibvirt {
			if hostID != "" {
				t.Errorf("two libvirt host assets: %s and %s", hostID, a.ID)
			}
			hostID = a.ID
		}
	}
	if hostID == "" {
		t.Fatalf("no libvirt host asset among %d assets", len(r.Assets))
	}
	out := map[string]audit.Status{}
	for _, f := range r.Findings.All() {
		if f.AssetID == hostID {
			out[f.CheckID] = f.Status
		}
	}
	if len(out) != 16 {
		t.Errorf("%d findings on %s, want the 16 QC-* checks: %v", len(out), hostID, out)
	}
	return out
}

// TestLiveLibvirtWithRoot: with --root (a node's root mounted into a pod,
// as the DaemonSet does), the local libvirtd is judged by the root's
// qemu.conf and the root's QEMU package, not the pod's.
func TestLiveLibvirtWithRoot(t *testing.T) {
	livetest.Libvirt(t)
	root := t.TempDir()
	for p, body := range map[string]string{
		"etc/os-release":            "ID=debian\nVERSION_ID=\"12\"\n",
		"var/lib/dpkg/status":       "Package: qemu-system-x86\nStatus: install ok installed\nVersion: 1:7.2+dfsg-7+deb12u99\n\n",
		"etc/libvirt/qemu.conf":     "security_driver = \"none\"\n",
		"proc/sys/kernel/osrelease": "6.1.0-99-amd64\n",
	} {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, rep, stderr := runCLIReport(t, "scan", "--libvirt-uri", "qemu:///system", "--root", root, "-o", "json")
	if rep == nil {
		t.Fatalf("exit %d, no report: %s", code, stderr)
	}
	if got := qcFindings(t, rep); got["QC-001"] != audit.StatusFail {
		t.Errorf("QC-001 = %s, want fail from the root's qemu.conf (security_driver none)", got["QC-001"])
	}
}
