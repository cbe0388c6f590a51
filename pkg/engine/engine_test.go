package engine

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/cel-go/interpreter"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/catalog"
)

func check(id, extra string) string {
	return `id: ` + id + `
title: Test ` + id + `
kind: container
severity: high
description: Test.
remediation: Fix it.
references: {attack: [T1611]}
` + extra
}

const privileged = `condition: container.privileged
evidence:
  - {path: HostConfig.Privileged, value: container.privileged, expected: "false"}
`

func load(t *testing.T, files map[string]string) *catalog.Catalog {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, data := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	cat, err := catalog.Load(fsys, "test")
	if err != nil {
		t.Fatal(err)
	}
	cat, err = catalog.Merge(cat)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func TestNewRejectsBadExpressions(t *testing.T) {
	tests := []struct{ name, extra, want string }{
		{"syntax", "condition: container.privileged &&\nevidence: [{path: p, value: 'true', expected: x}]\n", "compile check T-BAD-001"},
		{"unknown field", "condition: container.privileged_mode\nevidence: [{path: p, value: 'true', expected: x}]\n", "undefined field 'privileged_mode'"},
		{"not boolean", "condition: container.name\nevidence: [{path: p, value: 'true', expected: x}]\n", "want bool"},
		{"bad evidence", "condition: container.privileged\nevidence: [{path: p, value: 'container.nope', expected: x}]\n", "evidence 1 value"},
		{"bad unknown_when", "condition: container.privileged\nunknown_when: host.nope\nevidence: [{path: p, value: 'true', expected: x}]\n", "unknown_when"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(load(t, map[string]string{"bad.yaml": check("T-BAD-001", tt.extra)}))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func containerAsset(c audit.Container, h audit.Host) audit.Asset {
	return audit.Asset{ID: "docker://h/" + c.Name, Name: c.Name, Kind: audit.KindContainer, Container: &c, Host: &h}
}

func findingFor(t *testing.T, fs []audit.Finding, id string) audit.Finding {
	t.Helper()
	for _, f := range fs {
		if f.CheckID == id {
			return f
		}
	}
	t.Fatalf("no finding for %s in %+v", id, fs)
	return audit.Finding{}
}

func TestEvaluateStatusesEvidenceAndChains(t *testing.T) {
	cat := load(t, map[string]string{
		"priv.yaml": check("T-PRIV-001", privileged+"mitigated_by: [sandbox]\n"),
		"mnt.yaml": check("T-MNT-001", `condition: container.mounts.exists(m, pathCovers(m.source, '/var/run/docker.sock'))
evidence:
  - path: Mounts[].Source
    value: container.mounts.filter(m, pathCovers(m.source, '/var/run/docker.sock')).map(m, m.source)
    expected: no runtime socket
`),
		"cg.yaml": check("T-CG-001", `condition: host.cgroup_version == '1'
unknown_when: "!host.known"
unknown_reason: cgroup version needs daemon info
evidence: [{path: /info CgroupVersion, value: host.cgroup_version, expected: "2"}]
`),
		"err.yaml": check("T-ERR-001", `condition: container.sysctls['kernel.x'] == '1'
evidence: [{path: HostConfig.Sysctls, value: container.sysctls, expected: none}]
`),
		"chain.yaml": check("T-CHAIN-001", `requires: [T-PRIV-001, T-CG-001]
condition: failed['T-PRIV-001'] && failed['T-CG-001']
evidence: [{path: HostConfig.Privileged, value: container.privileged, expected: "false"}]
`),
		"mitigations.yaml": "- {id: sandbox, title: Sandboxed runtime, kind: container, condition: container.sandboxed, factor: 0.1}\n",
	})
	eng, err := New(cat)
	if err != nil {
		t.Fatal(err)
	}
	host := audit.Host{Known: true, Hostname: "h", CgroupVersion: "1"}
	risky := containerAsset(audit.Container{Name: "risky", Privileged: true, Sandboxed: true,
		Mounts: []audit.Mount{{Source: "/var/run", Destination: "/host-run", RW: false}}}, host)
	offline := containerAsset(audit.Container{Name: "offline"}, audit.Host{})
	got := eng.Evaluate(context.Background(), []audit.Asset{risky, offline})

	f := findingFor(t, got[0], "T-MNT-001")
	if f.Status != audit.StatusFail || len(f.Evidence) != 1 || f.Evidence[0].Path != "Mounts[].Source" {
		t.Fatalf("mount finding = %+v", f)
	}
	if list, ok := f.Evidence[0].Actual.([]any); !ok || len(list) != 1 || list[0] != "/var/run" {
		t.Errorf("mount evidence actual = %#v, want [/var/run]", f.Evidence[0].Actual)
	}
	priv := findingFor(t, got[0], "T-PRIV-001")
	if len(priv.Mitigations) != 1 || priv.Mitigations[0].ID != "sandbox" || priv.Mitigations[0].Factor != 0.1 {
		t.Errorf("mitigations = %+v, want sandbox ×0.1", priv.Mitigations)
	}
	chain := findingFor(t, got[0], "T-CHAIN-001")
	if chain.Status != audit.StatusFail || strings.Join(chain.Chain, ",") != "T-PRIV-001,T-CG-001" {
		t.Errorf("chain = %+v", chain)
	}
	if e := findingFor(t, got[0], "T-ERR-001"); e.Status != audit.StatusError || !strings.Contains(e.Message, "no such key") {
		t.Errorf("missing map key should be an error finding, got %+v", e)
	}
	if u := findingFor(t, got[1], "T-CG-001"); u.Status != audit.StatusUnknown || u.Message == "" {
		t.Errorf("offline cgroup check = %+v, want unknown with a reason", u)
	}
	if c := findingFor(t, got[1], "T-CHAIN-001"); c.Status != audit.StatusPass {
		t.Errorf("chain on offline asset = %s, want pass (its preconditions did not fail)", c.Status)
	}
}

func TestPathCovers(t *testing.T) {
	for _, tt := range []struct {
		parent, child string
		want          bool
	}{
		{"/", "/etc", true}, {"/var/run", "/var/run/docker.sock", true}, {"/var/run/", "/var/run/docker.sock", true},
		{"/var/run/docker.sock", "/var/run/docker.sock", true}, {"/var/ru", "/var/run/docker.sock", false},
		{"/etc", "/", false}, {"", "/etc", false},
	} {
		if got := PathCovers(tt.parent, tt.child); got != tt.want {
			t.Errorf("PathCovers(%q, %q) = %v, want %v", tt.parent, tt.child, got, tt.want)
		}
	}
}

func TestChainGuards(t *testing.T) {
	env, err := newEnvs()
	if err != nil {
		t.Fatal(err)
	}
	requires := []string{"A-X-001", "B-X-001", "C-X-001"}
	tests := []struct {
		expr string
		want string
	}{
		{"failed['A-X-001'] && (failed['B-X-001'] || failed['C-X-001'])", "[[A-X-001] [B-X-001 C-X-001]]"},
		{"failed['A-X-001'] && container.root", "[[A-X-001]]"},
		{"(failed['A-X-001'] || container.privileged) && failed['C-X-001']", "[[C-X-001]]"},
		{"failed['A-X-001'] || failed['B-X-001']", "[[A-X-001 B-X-001]]"},
		{"failed['Z-X-001'] && failed['A-X-001']", "[[A-X-001]]"}, // ids outside requires give no guard
		{"container.privileged", "[]"},
	}
	for _, tt := range tests {
		ast, _, err := env.compileAST("t", "condition", tt.expr, true)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(chainGuards(ast.NativeRep().Expr(), requires)); got != tt.want {
			t.Errorf("chainGuards(%s) = %s, want %s", tt.expr, got, tt.want)
		}
	}
}

func TestIntersect(t *testing.T) {
	env, err := newEnvs()
	if err != nil {
		t.Fatal(err)
	}
	prg, err := env.compile("t", "value", "intersect(['NET_RAW', 'CHOWN', 'MKNOD'], ['MKNOD', 'NET_RAW', 'BPF'])", false)
	if err != nil {
		t.Fatal(err)
	}
	act, _ := interpreter.NewActivation(map[string]any{})
	v, _, err := prg.Eval(act)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(toNative(v)); got != "[NET_RAW MKNOD]" {
		t.Errorf("intersect = %s, want [NET_RAW MKNOD] in the first list's order", got)
	}
}

// TestEvaluateSharesHostDocumentsCorrectly: Evaluate converts a host
// document once per host and kind and shares it between goroutines; every
// asset must still see its own host.
func TestEvaluateSharesHostDocumentsCorrectly(t *testing.T) {
	cat := load(t, map[string]string{"h.yaml": check("T-HOST-001", `condition: host.hostname == 'bad' && container.privileged
evidence:
  - {path: Host.Name, value: host.hostname, expected: "not bad"}
`)})
	eng, err := New(cat, WithConcurrency(4))
	if err != nil {
		t.Fatal(err)
	}
	bad, good := &audit.Host{Known: true, Hostname: "bad"}, &audit.Host{Known: true, Hostname: "good"}
	var assets []audit.Asset
	for i := range 40 {
		h := good
		if i%3 == 0 {
			h = bad
		}
		a := containerAsset(audit.Container{Name: fmt.Sprintf("c%d", i), Privileged: true}, audit.Host{})
		a.Host = h
		assets = append(assets, a)
	}
	for i, fs := range eng.Evaluate(context.Background(), assets) {
		f := findingFor(t, fs, "T-HOST-001")
		if want := eng.EvaluateAsset(&assets[i]); !reflect.DeepEqual(fs, want) {
			t.Fatalf("asset %d: Evaluate %+v, EvaluateAsset %+v", i, fs, want)
		}
		if wantFail := i%3 == 0; (f.Status == audit.StatusFail) != wantFail {
			t.Errorf("asset %d on host %s: status %s", i, assets[i].Host.Hostname, f.Status)
		}
	}
}
