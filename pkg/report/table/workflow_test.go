package table_test

import (
	"strings"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/report/internal/reporttest"
	"github.com/isoaudit/isoaudit/pkg/report/table"
)

func TestWriteWaiversAndBaseline(t *testing.T) {
	r := reporttest.Representative()
	r.Findings.Update(0, func(f *audit.Finding) { f.Baseline = audit.BaselineNew })
	r.Waivers = &audit.WaiverReport{File: "waivers.yaml", SHA256: strings.Repeat("ab", 32), Entries: []audit.WaiverResult{
		{ID: "W-1", Status: audit.WaiverApplied}, {ID: "W-2", Status: audit.WaiverExpired}, {ID: "W-3", Status: audit.WaiverUnmatched},
	}}
	r.Baseline = &audit.BaselineReport{File: "old.json", CreatedAt: "2026-06-30T12:00:00Z", New: 1, Unchanged: 9,
		Resolved: []audit.ResolvedFinding{{CheckID: "CE-SOCK-001", AssetID: "docker/ci/gone", Title: "Runtime socket mounted"}}}
	out := render(t, r, table.Options{})
	for _, want := range []string{
		"waivers: waivers.yaml sha256:abababababab · 1 applied, 1 expired (W-2), 1 unmatched (W-3)\n",
		"baseline: old.json (2026-06-30T12:00:00Z) · 1 new, 9 unchanged, 1 resolved\n",
		"  resolved  CE-SOCK-001  docker/ci/gone (asset gone)  Runtime socket mounted\n",
		" (new)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestWriteGroupsByControl(t *testing.T) {
	r := reporttest.Representative()
	var failing audit.Finding
	for _, f := range r.Findings.All() {
		if f.Status == audit.StatusFail {
			failing = f
			break
		}
	}
	r.Policy = &audit.PolicyReport{Name: "bench", Framework: "Bench 1.0", Controls: []audit.ControlResult{
		{ID: "1.1", Title: "First control", Checks: []string{failing.CheckID}, Status: audit.ControlFail, Failed: 1, Assets: []string{failing.AssetID}},
		{ID: "1.2", Title: "Second control", Checks: []string{"XX-999"}, Status: audit.ControlNotApplicable},
	}}
	out := render(t, r, table.Options{})
	for _, want := range []string{
		"\nBench 1.0 · policy bench\n",
		"\n1.1  First control  FAIL (1 failed finding on 1 asset)\n",
		"  " + failing.CheckID,
		"\n1.2  Second control  NOT APPLICABLE\n",
		"\nother checks\n",
		"\nassets\n  ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
