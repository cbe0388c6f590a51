package checks

import (
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/catalog"
	"github.com/isoaudit/isoaudit/pkg/engine"
	"github.com/isoaudit/isoaudit/pkg/score"
)

func TestBuiltinCatalogCompiles(t *testing.T) {
	cat, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := engine.New(cat); err != nil {
		t.Fatal(err)
	}
}

// TestBuiltinFixtures runs every check's own pass and fail fixtures.
func TestBuiltinFixtures(t *testing.T) {
	cat, eng, _ := builtinEngine(t)
	failures, err := eng.RunFixtures(cat, Baseline())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range failures {
		t.Error(f)
	}
}

// TestBaselinePassesEveryCheck keeps the baseline honest: the hardened
// container must pass every container check and the hardened libvirt
// domain every libvirt check (VMware and VirtualBox have hardened real
// files pinned in vmx_test.go and vbox_test.go), so each fail fixture
// shows exactly the deviation it names.
func TestBaselinePassesEveryCheck(t *testing.T) {
	cat, eng, base := builtinEngine(t)
	for _, tc := range []struct {
		kind     audit.Kind
		platform string // "" keeps FixtureAsset's choice
	}{{audit.KindContainer, ""}, {audit.KindVM, ""}, {audit.KindHost, audit.PlatformLibvirt}, {audit.KindHost, audit.PlatformLinux}} {
		kind := tc.kind
		a, err := engine.FixtureAsset(kind, base, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tc.platform != "" {
			a.Platform = tc.platform // the libvirt host asset, and the machine (pkg/collect/host)
		}
		findings := eng.EvaluateAsset(a)
		want := 0
		for _, c := range cat.Checks {
			if c.Kind == kind && !c.Deprecated && c.AppliesTo(a.Platform) {
				want++
			}
		}
		if len(findings) != want || want == 0 {
			t.Errorf("baseline %s: %d findings, want one per %s check for platform %q (%d)", kind, len(findings), kind, a.Platform, want)
		}
		for _, f := range findings {
			if kind == audit.KindHost && f.Severity == audit.SeverityInfo && f.Status == audit.StatusFail {
				continue // host context findings (HOST-KERN-005 names the kernel) carry no weight
			}
			if f.Status != audit.StatusPass {
				t.Errorf("baseline %s: %s is %s (%s), want pass", kind, f.CheckID, f.Status, f.Message)
			}
		}
	}
}

func TestBuiltinMetadata(t *testing.T) {
	cat, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	counts := map[audit.Kind]int{}
	for _, c := range cat.Checks {
		counts[c.Kind]++
		if c.Severity >= audit.SeverityHigh && len(c.References.Attack) == 0 {
			t.Errorf("%s: a high or critical check should name its ATT&CK technique", c.ID)
		}
		for _, m := range c.MitigatedBy {
			if m == "" {
				t.Errorf("%s: empty mitigation name", c.ID)
			}
		}
	}
	if counts[audit.KindContainer] < 35 {
		t.Errorf("container checks = %d, want at least 35", counts[audit.KindContainer])
	}
	if counts[audit.KindVM] < 25 {
		t.Errorf("vm checks = %d, want at least 25", counts[audit.KindVM])
	}
}

// builtinEngine loads the library, compiles it and parses the baseline.
func builtinEngine(t testing.TB) (*catalog.Catalog, *engine.Engine, map[string]any) {
	t.Helper()
	cat, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(cat)
	if err != nil {
		t.Fatal(err)
	}
	var base map[string]any
	if err := yaml.Unmarshal(Baseline(), &base); err != nil {
		t.Fatal(err)
	}
	return cat, eng, base
}

var failedRef = regexp.MustCompile(`failed\[['"]([A-Z0-9-]+)['"]\]`)

// chainPrefix is how the chains of each kind are named: after the catalog
// their preconditions come from.
var chainPrefix = map[audit.Kind]string{audit.KindContainer: "CE-CHAIN-", audit.KindVM: "LV-CHAIN-", audit.KindHost: "HOST-CHAIN-"}

// TestChainsReadOnlyRequiredChecks: a chain may only read failed[ID] of the
// checks it lists in requires (only those are ordered before it), and every
// required check must be read.
func TestChainsReadOnlyRequiredChecks(t *testing.T) {
	cat, _, _ := builtinEngine(t)
	for _, c := range cat.Checks {
		exprs := []string{c.Condition, c.UnknownWhen}
		for _, e := range c.Evidence {
			exprs = append(exprs, e.Value)
		}
		read := map[string]bool{}
		for _, e := range exprs {
			for _, m := range failedRef.FindAllStringSubmatch(e, -1) {
				read[m[1]] = true
			}
		}
		if !c.IsChain() {
			if len(read) > 0 {
				t.Errorf("%s: atomic check reads failed[]; list requires to make it a chain", c.ID)
			}
			continue
		}
		if prefix := chainPrefix[c.Kind]; !strings.HasPrefix(c.ID, prefix) {
			t.Errorf("%s: %s chain checks are named %sNNN", c.ID, c.Kind, prefix)
		}
		req := map[string]bool{}
		for _, r := range c.Requires {
			req[r] = true
			if !read[r] {
				t.Errorf("%s: requires %s but never reads failed['%s']", c.ID, r, r)
			}
		}
		for id := range read {
			if !req[id] {
				t.Errorf("%s: reads failed['%s'] without listing it in requires", c.ID, id)
			}
		}
	}
}

// TestFailFixturesEvidence: on every fail fixture each evidence expression
// evaluates (no "evaluation error") so reports always show the values read.
// A check reports its own entries first, in file order; only a chain may
// report more (the entries it inherits from its failed preconditions).
func TestFailFixturesEvidence(t *testing.T) {
	cat, eng, base := builtinEngine(t)
	for _, c := range cat.Checks {
		for i, fx := range c.Fixtures.Fail {
			a, err := fixtureAssetFor(c, base, fx)
			if err != nil {
				t.Fatalf("%s fail #%d: %v", c.ID, i+1, err)
			}
			for _, f := range eng.EvaluateAsset(a) {
				if f.CheckID != c.ID {
					continue
				}
				if len(f.Evidence) < len(c.Evidence) || (!c.IsChain() && len(f.Evidence) != len(c.Evidence)) {
					t.Errorf("%s fail #%d: %d evidence entries, want %d", c.ID, i+1, len(f.Evidence), len(c.Evidence))
				}
				for j, spec := range c.Evidence {
					if j < len(f.Evidence) && f.Evidence[j].Path != spec.Path {
						t.Errorf("%s fail #%d: evidence %d is %s, want its own %s first", c.ID, i+1, j+1, f.Evidence[j].Path, spec.Path)
					}
				}
				for _, ev := range f.Evidence {
					if s, ok := ev.Actual.(string); ok && strings.HasPrefix(s, "evaluation error") {
						t.Errorf("%s fail #%d: evidence %s: %s", c.ID, i+1, ev.Path, s)
					}
				}
			}
		}
	}
}

// defaultRun is `docker run IMAGE` on the baseline host: root, Docker's
// default capabilities, no limits, writable rootfs, no no-new-privileges.
func defaultRun() map[string]any {
	return map[string]any{
		"user": "", "uid": 0, "root": true, "readonly_rootfs": false,
		"capabilities": map[string]any{"added": []any{}, "dropped": []any{}, "effective": []any{
			"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
			"NET_BIND_SERVICE", "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}},
		"security":  map[string]any{"no_new_privileges": false, "options": []any{}},
		"resources": map[string]any{"memory": 0, "pids_limit": 0, "nano_cpus": 0, "cpu_shares": 0, "cpu_quota": 0},
	}
}

func with(base map[string]any, patch map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range patch {
		out[k] = v
	}
	return out
}

func bind(src, dst string, rw bool) []any {
	return []any{map[string]any{"type": "bind", "source": src, "destination": dst, "rw": rw, "propagation": "rprivate"}}
}

// TestRiskScenarios pins the scoring contract of the library (DESIGN.md:
// one critical path alone ≥ 90; a hardened container stays in grade A).
func TestRiskScenarios(t *testing.T) {
	_, eng, base := builtinEngine(t)
	noCPU := map[string]any{"resources": map[string]any{"nano_cpus": 0, "cpu_shares": 0, "cpu_quota": 0}}
	ptrace := map[string]any{"added": []any{"SYS_PTRACE"}, "dropped": []any{}, "effective": []any{
		"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
		"NET_BIND_SERVICE", "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT", "SYS_PTRACE"}}
	tests := []struct {
		name       string
		container  map[string]any
		host       map[string]any
		min, max   float64  // inclusive bounds on the risk
		wantFailed []string // exact set when non-nil
	}{
		{name: "hardened baseline", container: map[string]any{}, max: 0, wantFailed: []string{}},
		{name: "hardened without cpu limit", container: noCPU, max: 10, wantFailed: []string{"CE-RES-003"}},
		{name: "default docker run", container: defaultRun(), min: 40, max: 60, wantFailed: []string{
			"CE-CAP-007", "CE-FS-001", "CE-LSM-004", "CE-NS-005", "CE-RES-001", "CE-RES-002", "CE-RES-003", "CE-USER-001"}},
		{name: "hardened + docker.sock ro", container: map[string]any{"mounts": bind("/var/run/docker.sock", "/var/run/docker.sock", false)}, min: 90, max: 100},
		{name: "default + docker.sock ro", container: with(defaultRun(), map[string]any{"mounts": bind("/var/run/docker.sock", "/var/run/docker.sock", false)}), min: 90, max: 100},
		{name: "hardened + / rw", container: map[string]any{"mounts": bind("/", "/host", true)}, min: 90, max: 100},
		{name: "hardened + / ro", container: map[string]any{"mounts": bind("/", "/host", false)}, min: 90, max: 100},
		{name: "default + pid host + SYS_PTRACE", container: with(defaultRun(), map[string]any{
			"namespaces": map[string]any{"pid": "host"}, "capabilities": ptrace}), min: 90, max: 100},
		{name: "default + privileged", container: with(defaultRun(), map[string]any{"privileged": true}), min: 90, max: 100},
		{name: "docker.sock under userns-remap", container: map[string]any{"mounts": bind("/var/run/docker.sock", "/var/run/docker.sock", false)},
			host: map[string]any{"engine": map[string]any{"userns_remap": true}}, min: 25, max: 30},
	}
	w := score.DefaultWeights()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fx := map[string]any{"container": tc.container}
			if tc.host != nil {
				fx["host"] = tc.host
			}
			a, err := engine.FixtureAsset(audit.KindContainer, base, fx)
			if err != nil {
				t.Fatal(err)
			}
			findings := eng.EvaluateAsset(a)
			risk, grade := w.Asset(findings)
			var failed []string
			for _, f := range findings {
				if f.Status == audit.StatusFail {
					failed = append(failed, f.CheckID)
				}
				if f.Status == audit.StatusError {
					t.Errorf("%s: error: %s", f.CheckID, f.Message)
				}
			}
			t.Logf("risk %.1f (%s): %v", risk, grade, failed)
			if risk < tc.min || risk > tc.max {
				t.Errorf("risk = %.1f, want in [%.1f, %.1f]", risk, tc.min, tc.max)
			}
			if tc.wantFailed != nil {
				sort.Strings(failed)
				if strings.Join(failed, ",") != strings.Join(tc.wantFailed, ",") {
					t.Errorf("failed = %v, want %v", failed, tc.wantFailed)
				}
			}
		})
	}
}

// celFields lists the CEL paths of every leaf field of a document type:
// "container.security.apparmor", "container.mounts[].source".
func celFields(prefix string, t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("cel")
		if name == "" {
			continue
		}
		path, ft := prefix+"."+name, f.Type
		if ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct {
			path, ft = path+"[]", ft.Elem()
		}
		if ft.Kind() == reflect.Struct {
			out = append(out, celFields(path, ft)...)
			continue
		}
		out = append(out, path)
	}
	return out
}

// TestReadmeDocumentsEveryCheckAndField keeps README.md complete: every
// check id and every document field the checks can read is documented.
func TestReadmeDocumentsEveryCheckAndField(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	cat, _, _ := builtinEngine(t)
	for _, c := range cat.Checks {
		if !strings.Contains(readme, "| "+c.ID+" |") {
			t.Errorf("README.md: no table row for %s", c.ID)
		}
	}
	fields := append(celFields("container", reflect.TypeOf(audit.Container{})),
		celFields("host", reflect.TypeOf(audit.Host{}))...)
	vmDoc, err := os.ReadFile("../docs/vm-document.md")
	if err != nil {
		t.Fatal(err)
	}
	fields = append(fields, celFields("vm", reflect.TypeOf(audit.VM{}))...)
	for _, f := range fields {
		// The vm document and the hypervisor host facts are documented in
		// docs/vm-document.md; everything else here.
		doc, name := readme, "README.md"
		if strings.HasPrefix(f, "vm.") || strings.HasPrefix(f, "host.virt.") {
			doc, name = string(vmDoc), "docs/vm-document.md"
		}
		if !strings.Contains(doc, "`"+f+"`") {
			t.Errorf("%s: document field %s is not documented", name, f)
		}
	}
}

// TestFixturesPatchTheBaseline: a fixture changes only the fields it names;
// everything else keeps the hardened baseline (nested objects merge).
func TestFixturesPatchTheBaseline(t *testing.T) {
	cat, _, base := builtinEngine(t)
	fx := cat.Check("CE-MNT-004").Fixtures.Fail[0] // container.security + host.cgroup_version
	a, err := engine.FixtureAsset(audit.KindContainer, base, fx)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Host.Known || a.Host.CgroupVersion != "1" || a.Host.Engine.Name != "docker" {
		t.Errorf("host = %+v, want the baseline host with cgroup_version 1", a.Host)
	}
	if !a.Container.Security.WritableCgroups || a.Container.Security.AppArmor != "docker-default" || a.Container.User != "1000" {
		t.Errorf("container = %+v, want the baseline container with writable cgroups", a.Container)
	}
	// A vm fixture replaces the list it names and keeps the hardened domain.
	fx = cat.Check("LV-007").Fixtures.Fail[0] // vm.shares
	vm, err := engine.FixtureAsset(audit.KindVM, base, fx)
	if err != nil {
		t.Fatal(err)
	}
	if len(vm.VM.Shares) != 1 || vm.VM.Shares[0].HostPath != "/" || vm.VM.Security.Confined != audit.SettingYes ||
		len(vm.VM.RemoteConsoles) != 1 || vm.VM.RemoteConsoles[0].Password != audit.PasswordSet || vm.VM.CPU.Mode != "host-model" {
		t.Errorf("vm = %+v, want the baseline domain with one share of /", vm.VM)
	}
}

// fixtureAssetFor is engine.FixtureAsset run as the check's own platform
// when the fixture's is not one of them (a host fixture is a libvirt host
// while the baseline carries hypervisor facts; machine checks run on
// linux), as RunFixtures does.
func fixtureAssetFor(c *audit.Check, base, fx map[string]any) (*audit.Asset, error) {
	a, err := engine.FixtureAsset(c.Kind, base, fx)
	if err == nil && !c.AppliesTo(a.Platform) && len(c.Platforms) > 0 {
		a.Platform = c.Platforms[0]
	}
	return a, err
}
