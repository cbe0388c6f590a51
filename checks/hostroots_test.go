package checks

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect/host"
)

const hostRootsDir = "../testdata/hostroots"

// hostRootAsset reads a fixture root with the real host collector, as
// `isoaudit scan --root DIR` does, on a fixed date.
func hostRootAsset(t *testing.T, name string) audit.Asset {
	t.Helper()
	opts := host.DefaultOptions()
	opts.Root, opts.DockerAPI = filepath.Join(hostRootsDir, name), false
	opts.Now = func() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) }
	c, err := host.New(opts)
	return collectOne(t, c, err)
}

// hostOutcome evaluates the whole library on a host asset and returns
// the check ids by status.
func hostOutcome(t *testing.T, a *audit.Asset) map[audit.Status][]string {
	t.Helper()
	_, eng, _ := builtinEngine(t)
	out := map[audit.Status][]string{}
	for _, f := range eng.EvaluateAsset(a) {
		out[f.Status] = append(out[f.Status], f.CheckID)
	}
	for _, ids := range out {
		slices.Sort(ids)
	}
	return out
}

func idsWithPrefix(ids []string, prefix string) []string {
	var out []string
	for _, id := range ids {
		if strings.HasPrefix(id, prefix) {
			out = append(out, id)
		}
	}
	return out
}

// TestHostRootFixtures audits each testdata/hostroots case through the
// collector and the library: the kernel verdicts per case (a Debian
// kernel whose package carries the backport is no false alarm; an old
// upstream kernel is affected; a distribution kernel without a known
// package is possibly affected, which fails), EOL, the vboxsf share,
// pending updates and the escape chains.
func TestHostRootFixtures(t *testing.T) {
	for _, c := range []struct {
		root       string
		kernelFail []string // exactly these CVE-KERN-* fail
		fail       []string // these fail too
		notFail    []string // and these do not
		unknown    []string
	}{
		{root: "debian12-backported", kernelFail: nil,
			notFail: []string{"HOST-KERN-001", "HOST-KERN-003", "HOST-OS-001", "HOST-CHAIN-001", "HOST-CPU-001", "HOST-CPU-003", "CVE-RUNC-004"}},
		{root: "upstream-5.10.50",
			kernelFail: []string{"CVE-KERN-005", "CVE-KERN-006", "CVE-KERN-007", "CVE-KERN-008", "CVE-KERN-009", "CVE-KERN-010", "CVE-KERN-012", "CVE-KERN-013"},
			fail: []string{"HOST-CHAIN-001", "HOST-CHAIN-002", "HOST-KERN-001", "HOST-KERN-002", "HOST-KERN-003", "HOST-DAEMON-001",
				"HOST-DAEMON-006", "HOST-DAEMON-007", "CVE-DOCKER-004", "HOST-CPU-001", "HOST-CPU-003", "HOST-OS-001"},
			notFail: []string{"HOST-VIRT-001", "HOST-GUEST-001"}},
		{root: "eol-debian10", kernelFail: nil, fail: []string{"HOST-OS-001"}, unknown: []string{"HOST-CPU-001", "HOST-KERN-001"}},
		{root: "vbox-guest-vboxsf",
			kernelFail: []string{"CVE-KERN-005", "CVE-KERN-006", "CVE-KERN-007", "CVE-KERN-008", "CVE-KERN-009", "CVE-KERN-010", "CVE-KERN-011", "CVE-KERN-012", "CVE-KERN-013"},
			fail:       []string{"HOST-GUEST-001", "HOST-GUEST-003", "HOST-VIRT-001", "HOST-CPU-002"},
			notFail:    []string{"HOST-KERN-001", "HOST-OS-001", "HOST-CHAIN-001"},
			unknown:    []string{"HOST-CPU-001", "HOST-CPU-003"}},
		{root: "pending-updates", kernelFail: []string{"CVE-KERN-013"}, fail: []string{"HOST-UPD-001", "HOST-KERN-004"}},
	} {
		t.Run(c.root, func(t *testing.T) {
			a := hostRootAsset(t, c.root)
			got := hostOutcome(t, &a)
			t.Logf("kernel %s (%s, package %q): fail %v unknown %v", a.Host.Kernel, a.Host.KernelOrigin, a.Host.KernelPackage,
				got[audit.StatusFail], got[audit.StatusUnknown])
			if len(got[audit.StatusError]) > 0 {
				t.Errorf("errors: %v", got[audit.StatusError])
			}
			if k := idsWithPrefix(got[audit.StatusFail], "CVE-KERN-"); !slices.Equal(k, c.kernelFail) {
				t.Errorf("kernel advisories failed %v, want %v", k, c.kernelFail)
			}
			for _, id := range c.fail {
				if !slices.Contains(got[audit.StatusFail], id) {
					t.Errorf("%s did not fail", id)
				}
			}
			for _, id := range c.notFail {
				if slices.Contains(got[audit.StatusFail], id) {
					t.Errorf("%s failed", id)
				}
			}
			for _, id := range c.unknown {
				if !slices.Contains(got[audit.StatusUnknown], id) {
					t.Errorf("%s is not unknown", id)
				}
			}
		})
	}
}

// TestHostKernelVerdictReasons: the evidence of a kernel advisory says
// which verdict the version comparison reached, so "possibly affected"
// (a distribution kernel without its package) is told apart from
// "affected".
func TestHostKernelVerdictReasons(t *testing.T) {
	_, eng, _ := builtinEngine(t)
	for root, want := range map[string]string{"upstream-5.10.50": "affected", "vbox-guest-vboxsf": "possibly_affected"} {
		a := hostRootAsset(t, root)
		for _, f := range eng.EvaluateAsset(&a) {
			if f.CheckID != "CVE-KERN-007" {
				continue
			}
			if f.Status != audit.StatusFail || len(f.Evidence) == 0 {
				t.Fatalf("%s: CVE-KERN-007 %s, want fail with evidence", root, f.Status)
			}
			if s, _ := f.Evidence[0].Actual.(string); !strings.HasSuffix(s, ": "+want) {
				t.Errorf("%s: evidence %q, want the verdict %s", root, s, want)
			}
		}
	}
}

// TestContainerChecksReadNoMachineFacts: the engine binds the host
// collector's machine facts only for host assets (pkg/engine
// machineFacts), and host.virt not for containers, so a container or vm
// check reading one would error at run time.
func TestContainerChecksReadNoMachineFacts(t *testing.T) {
	cat, _, _ := builtinEngine(t)
	machine := regexp.MustCompile(`host\.(kernel_cmdline|kernels_installed|release|packages|sysctls|cgroup_v1_controllers|virtualization|cpu|guest|updates|daemon|self|virt)\b`)
	for _, c := range cat.Checks {
		if c.Kind == audit.KindHost {
			continue
		}
		exprs := []string{c.Condition, c.UnknownWhen}
		for _, e := range c.Evidence {
			exprs = append(exprs, e.Value)
		}
		for _, e := range exprs {
			if m := machine.FindString(e); m != "" && !(c.Kind == audit.KindVM && m == "host.virt") {
				t.Errorf("%s reads %s, which container assets do not carry", c.ID, m)
			}
		}
	}
}
