package e2e

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/strslice"

	"github.com/isoaudit/isoaudit/checks"
	"github.com/isoaudit/isoaudit/internal/livetest"
	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/collect"
	"github.com/isoaudit/isoaudit/pkg/collect/docker"
	"github.com/isoaudit/isoaudit/pkg/engine"
	"github.com/isoaudit/isoaudit/pkg/policy"
	"github.com/isoaudit/isoaudit/pkg/scan"
	"github.com/isoaudit/isoaudit/pkg/score"
)

// riskyCase is one risky configuration of the catalog, built for real.
type riskyCase struct {
	name  string
	cfg   container.Config
	host  container.HostConfig
	start bool // false: create only (privileged containers cannot start on every CI machine)
	// want must all fail; every other failing high or critical check is
	// an error, so a case pins the exact escape-relevant verdict.
	want []string
	// evidence is the expected (path, substring of actual) of want[0].
	evPath, evActual string
	minRisk, maxRisk float64
}

func riskyCases() []riskyCase {
	hardened := container.HostConfig{CapDrop: strslice.StrSlice{"ALL"}, ReadonlyRootfs: true,
		SecurityOpt: []string{"no-new-privileges"},
		Resources:   container.Resources{Memory: 128 << 20, PidsLimit: ptr(int64(100))}}
	return []riskyCase{
		{name: "hardened", cfg: container.Config{User: "1000:1000"}, host: hardened, start: true,
			minRisk: 0, maxRisk: 10},
		{name: "default", start: true, want: nil, minRisk: 20, maxRisk: 89},
		{name: "privileged", host: container.HostConfig{Privileged: true},
			want:   []string{"CE-PRIV-001", "CE-CHAIN-002", "CE-CHAIN-003", "CE-CHAIN-010"},
			evPath: "HostConfig.Privileged", evActual: "true", minRisk: 99, maxRisk: 100},
		{name: "cap-all", host: container.HostConfig{CapAdd: strslice.StrSlice{"ALL"}},
			want:   []string{"CE-CAP-001", "CE-CHAIN-003", "CE-CHAIN-005", "CE-CHAIN-006", "CE-CHAIN-007"},
			evPath: "HostConfig.CapAdd", evActual: "ALL", minRisk: 99, maxRisk: 100},
		{name: "sys-admin", start: true, host: container.HostConfig{CapAdd: strslice.StrSlice{"CAP_SYS_ADMIN"}},
			want:   []string{"CE-CAP-002", "CE-CHAIN-003", "CE-CHAIN-005"},
			evPath: "HostConfig.CapAdd", evActual: "SYS_ADMIN", minRisk: 90, maxRisk: 100},
		{name: "sys-module", start: true, host: container.HostConfig{CapAdd: strslice.StrSlice{"SYS_MODULE"}},
			want:   []string{"CE-CAP-003", "CE-CHAIN-006"},
			evPath: "HostConfig.CapAdd", evActual: "SYS_MODULE", minRisk: 90, maxRisk: 100},
		{name: "dac-read-search", start: true, host: container.HostConfig{CapAdd: strslice.StrSlice{"DAC_READ_SEARCH"}},
			want:   []string{"CE-CAP-004", "CE-CHAIN-007"},
			evPath: "HostConfig.CapAdd", evActual: "DAC_READ_SEARCH", minRisk: 90, maxRisk: 100},
		{name: "hostpid-ptrace", start: true, host: container.HostConfig{PidMode: "host", CapAdd: strslice.StrSlice{"SYS_PTRACE"}},
			want:   []string{"CE-NS-001", "CE-CAP-005", "CE-CHAIN-008"},
			evPath: "HostConfig.PidMode", evActual: "host", minRisk: 90, maxRisk: 100},
		{name: "docker-sock-ro", start: true, host: container.HostConfig{Binds: []string{"/var/run/docker.sock:/var/run/docker.sock:ro"}},
			want:   []string{"CE-SOCK-001", "CE-CHAIN-001"},
			evPath: "Mounts[].Source", evActual: "/var/run/docker.sock", minRisk: 90, maxRisk: 100},
		{name: "host-root", start: true, host: container.HostConfig{Binds: []string{"/:/host"}},
			want:   []string{"CE-MNT-001", "CE-SOCK-001", "CE-SOCK-002", "CE-CHAIN-001", "CE-CHAIN-011", "CE-CHAIN-015"},
			evPath: "Mounts[].Source", evActual: "/", minRisk: 90, maxRisk: 100},
		{name: "host-etc-ro", start: true, host: container.HostConfig{Binds: []string{"/etc:/host/etc:ro"}},
			want:   []string{"CE-MNT-009"},
			evPath: "Mounts[].Source", evActual: "/etc", minRisk: 50, maxRisk: 99},
		{name: "host-proc", start: true, host: container.HostConfig{Binds: []string{"/proc:/host/proc"}},
			want:   []string{"CE-MNT-002", "CE-CHAIN-009"},
			evPath: "Mounts[].Source", evActual: "/proc", minRisk: 90, maxRisk: 100},
		{name: "host-sys", start: true, host: container.HostConfig{Binds: []string{"/sys:/host/sys"}},
			want:   []string{"CE-MNT-003", "CE-CHAIN-010"},
			evPath: "Mounts[].Source", evActual: "/sys", minRisk: 90, maxRisk: 100},
		{name: "host-net", start: true, host: container.HostConfig{NetworkMode: "host"},
			want:   []string{"CE-NS-002", "CE-CHAIN-014"},
			evPath: "HostConfig.NetworkMode", evActual: "host", minRisk: 50, maxRisk: 89},
		{name: "host-ipc-uts", start: true, host: container.HostConfig{IpcMode: "host", UTSMode: "host"},
			want: []string{}, minRisk: 20, maxRisk: 89},
		{name: "seccomp-unconfined", start: true, host: container.HostConfig{SecurityOpt: []string{"seccomp=unconfined"}},
			want:   []string{"CE-LSM-001", "CE-CHAIN-004"},
			evPath: "HostConfig.SecurityOpt", evActual: "unconfined", minRisk: 60, maxRisk: 99},
		{name: "systempaths-unconfined", start: true, host: container.HostConfig{MaskedPaths: []string{}, ReadonlyPaths: []string{}},
			want:   []string{"CE-LSM-005", "CE-CHAIN-009"},
			evPath: "HostConfig.MaskedPaths", evActual: "[]", minRisk: 90, maxRisk: 100},
		{name: "device-rule", start: true, host: container.HostConfig{Resources: container.Resources{DeviceCgroupRules: []string{"b *:* rwm"}}},
			want:   []string{"CE-DEV-002", "CE-CHAIN-012"},
			evPath: "HostConfig.DeviceCgroupRules", evActual: "b *:* rwm", minRisk: 50, maxRisk: 100},
		{name: "var-log", start: true, host: container.HostConfig{Binds: []string{"/var/log:/host/log"}},
			want:   []string{"CE-MNT-006"},
			evPath: "Mounts[].Source", evActual: "/var/log", minRisk: 50, maxRisk: 100},
		{name: "leaky-vessels-workdir", cfg: container.Config{WorkingDir: "/proc/self/fd/8"},
			want:   []string{"CE-IMG-002"},
			evPath: "Config.WorkingDir", evActual: "/proc/self/fd/8", minRisk: 90, maxRisk: 100},
	}
}

func ptr[T any](v T) *T { return &v }

// TestLiveRiskyConfigurations creates one container per risky
// configuration of the catalog on the real daemon, audits them all in one
// scan and checks each one's failing checks, evidence and risk.
func TestLiveRiskyConfigurations(t *testing.T) {
	livetest.Docker(t)
	cases := riskyCases()
	names := map[string]riskyCase{}
	for _, c := range cases {
		cfg := c.cfg
		if !c.start && len(cfg.Cmd) == 0 {
			cfg.Cmd = strslice.StrSlice{"/bin/sleep", "3600"}
		}
		names[livetest.Container(t, c.name, &cfg, &c.host, c.start)] = c
	}
	rep := liveScan(t, true)
	byName := map[string]audit.AssetResult{}
	for _, a := range rep.Assets {
		byName[a.Name] = a
	}
	for name, c := range names {
		t.Run(c.name, func(t *testing.T) {
			a, ok := byName[name]
			if !ok {
				t.Fatalf("container %s not in the report (sources %+v)", name, rep.Sources)
			}
			fails := failing(rep, a.ID)
			for _, id := range c.want {
				if _, ok := fails[id]; !ok {
					t.Errorf("%s did not fail; failing: %s", id, keys(fails))
				}
			}
			for id, f := range fails {
				if f.Severity >= audit.SeverityHigh && !slices.Contains(c.want, id) {
					t.Errorf("unexpected %s failure %s (%s); evidence %+v", f.Severity, id, f.Title, f.Evidence)
				}
			}
			if len(c.want) > 0 && c.evPath != "" {
				assertEvidence(t, fails[c.want[0]], c.evPath, c.evActual)
			}
			if a.Risk < c.minRisk || a.Risk > c.maxRisk {
				t.Errorf("risk %.1f outside [%v, %v]; failing: %s", a.Risk, c.minRisk, c.maxRisk, keys(fails))
			}
		})
	}
}

func liveScan(t *testing.T, all bool) *audit.Report {
	t.Helper()
	return liveScanHost(t, os.Getenv("DOCKER_HOST"), all)
}

// liveScanHost scans one daemon endpoint with the built-in library.
func liveScanHost(t *testing.T, host string, all bool) *audit.Report {
	t.Helper()
	cat, err := checks.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(cat)
	if err != nil {
		t.Fatal(err)
	}
	opts := docker.DefaultOptions()
	opts.Host, opts.All = host, all
	col, err := docker.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := scan.Run(ctx, scan.Config{Collectors: []collect.Collector{col}, Engine: eng,
		Weights: score.DefaultWeights(), Gate: policy.NoGate(), Tool: audit.Tool{Name: "isoaudit", Version: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sources[0].Status != audit.SourceOK {
		t.Fatalf("docker source: %+v", rep.Sources[0])
	}
	return rep
}

func failing(r *audit.Report, assetID string) map[string]audit.Finding {
	out := map[string]audit.Finding{}
	for _, f := range r.Findings.All() {
		if f.AssetID == assetID && f.Status == audit.StatusFail {
			out[f.CheckID] = f
		}
	}
	return out
}

func keys(m map[string]audit.Finding) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return strings.Join(ks, " ")
}

func assertEvidence(t *testing.T, f audit.Finding, path, actual string) {
	t.Helper()
	for _, ev := range f.Evidence {
		if ev.Path == path && strings.Contains(fmt.Sprint(ev.Actual), actual) {
			return
		}
	}
	t.Errorf("%s evidence lacks %s containing %q: %+v", f.CheckID, path, actual, f.Evidence)
}
