package policy

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

var knownIDs = []string{"CE-PRIV-001", "CE-SOCK-001", "CE-USER-001", "CE-RES-001", "CE-RES-002"}

func known(id string) bool { return slices.Contains(knownIDs, id) }

func TestParsePolicyExplainsEveryProblemWithItsLine(t *testing.T) {
	doc := `name: team
weights: {critical: 0.9, high: 0.95, medium: 0.2, low: 0.05, info: 0}
checks:
  include: [CE-*, VMX-9*]
  exclude: [CE-PRIV-01]
  severity:
    CE-USER-001: urgent
    CE-NOPE-001: high
gate:
  fail_on: severe
  max_risk: 150
controls:
  - id: "1"
    title: t
    checks: [CE-PRIV-001, XX-001]
  - id: "1"
    checks: []
colour: red
`
	_, err := ParsePolicy([]byte(doc), "team.yaml", known, knownIDs...)
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("error = %v", err)
	}
	want := []string{
		"line 2: weights: weight for critical (0.9) is below that of a lower severity (0.95)",
		`line 4: checks include "VMX-9*" matches no check`,
		`line 5: checks exclude "CE-PRIV-01" matches no check`,
		`line 7: checks severity CE-USER-001: unknown severity "urgent"`,
		`line 8: checks severity: unknown check "CE-NOPE-001"`,
		`line 10: gate fail_on: unknown severity "severe"`,
		"line 11: gate max_risk 150 outside 0-100",
		`line 15: control 1: unknown check "XX-001"`,
		"line 16: control 1 already defined on line 13",
		"line 16: control 1: title is required",
		"line 17: control 1: checks must list at least one check id",
		"line 18: field colour is not a known key",
	}
	if len(fe.Problems) != len(want) {
		t.Errorf("%d problems, want %d: %v", len(fe.Problems), len(want), fe.Problems)
	}
	for i, w := range want {
		if i < len(fe.Problems) && !strings.HasPrefix(fe.Problems[i].String(), w) {
			t.Errorf("problem %d = %q, want %q…", i, fe.Problems[i], w)
		}
	}
}

func TestPolicyApply(t *testing.T) {
	p, err := ParsePolicy([]byte(`name: t
checks:
  include: ["CE-*"]
  exclude: [CE-RES-*]
  severity: {CE-USER-001: high}
`), "t.yaml", known, knownIDs...)
	if err != nil {
		t.Fatal(err)
	}
	in := []audit.Finding{
		{CheckID: "CE-PRIV-001", Severity: audit.SeverityCritical},
		{CheckID: "CE-RES-001", Severity: audit.SeverityLow},
		{CheckID: "CE-USER-001", Severity: audit.SeverityLow},
		{CheckID: "LV-001", Severity: audit.SeverityHigh},
	}
	got := p.Apply(in)
	var ids []string
	for _, f := range got {
		ids = append(ids, f.CheckID+"/"+f.Severity.String())
	}
	if want := []string{"CE-PRIV-001/critical", "CE-USER-001/high"}; !slices.Equal(ids, want) {
		t.Errorf("Apply = %v, want %v", ids, want)
	}
	if w := p.ScoreWeights(); w[audit.SeverityCritical] != 0.9 {
		t.Errorf("a policy without weights scores with the defaults, got %v", w)
	}
}

func TestPolicyGateAndWeights(t *testing.T) {
	p, err := ParsePolicy([]byte("name: g\nweights: {critical: 1, high: 0.6, medium: 0.3, low: 0.1, info: 0}\ngate: {fail_on: high, max_risk: 40, fail_on_new: true}\n"), "g.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	g := p.DefaultGate()
	if g.FailOn == nil || *g.FailOn != audit.SeverityHigh || g.MaxRisk != 40 || !g.FailOnNew {
		t.Errorf("gate = %+v", g)
	}
	if w := p.ScoreWeights(); w[audit.SeverityHigh] != 0.6 {
		t.Errorf("weights = %v", w)
	}
	if len(p.SHA256) != 64 || p.File != "g.yaml" {
		t.Errorf("file %q digest %q", p.File, p.SHA256)
	}
	if NoGate().Enabled() || !(Gate{MaxRisk: -1, FailOnNew: true}).Enabled() {
		t.Error("Enabled")
	}
}

func TestControlVerdicts(t *testing.T) {
	p, err := ParsePolicy([]byte(`name: c
controls:
  - {id: "1", title: failing, checks: [CE-PRIV-001, CE-USER-001]}
  - {id: "2", title: unknown, checks: [CE-SOCK-001]}
  - {id: "3", title: waived, checks: [CE-RES-001]}
  - {id: "4", title: passing, checks: [CE-RES-002]}
  - {id: "5", title: not run, checks: [CE-NONE-001]}
`), "c.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	f := func(check, asset string, st audit.Status) audit.Finding {
		return audit.Finding{CheckID: check, AssetID: asset, Status: st}
	}
	r := &audit.Report{Findings: audit.NewFindings(
		f("CE-PRIV-001", "b", audit.StatusFail), f("CE-PRIV-001", "a", audit.StatusFail), f("CE-USER-001", "a", audit.StatusFail),
		f("CE-USER-001", "c", audit.StatusPass),
		f("CE-SOCK-001", "a", audit.StatusUnknown), f("CE-SOCK-001", "b", audit.StatusPass),
		f("CE-RES-001", "a", audit.StatusWaived), f("CE-RES-001", "b", audit.StatusPass),
		f("CE-RES-002", "a", audit.StatusPass),
	)}
	rep := p.Report(r)
	want := []struct {
		status string
		failed int
		assets []string
	}{{"fail", 3, []string{"a", "b"}}, {"unknown", 0, nil}, {"waived", 0, nil}, {"pass", 0, nil}, {"not_applicable", 0, nil}}
	for i, w := range want {
		c := rep.Controls[i]
		if c.Status != w.status || c.Failed != w.failed || len(c.Assets) != len(w.assets) || (len(w.assets) > 0 && !slices.Equal(c.Assets, w.assets)) {
			t.Errorf("control %s = %+v, want %+v", c.ID, c, w)
		}
	}
	if rep.Name != "c" || rep.File != "c.yaml" {
		t.Errorf("report = %+v", rep)
	}
}
