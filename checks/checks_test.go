package checks

import (
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/engine"
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
	cat, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(cat)
	if err != nil {
		t.Fatal(err)
	}
	failures, err := eng.RunFixtures(cat, Baseline())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range failures {
		t.Error(f)
	}
}

// TestBaselinePassesEveryCheck keeps the baseline honest: the hardened
// container must pass every container check, so each fail fixture shows
// exactly the deviation it names.
func TestBaselinePassesEveryCheck(t *testing.T) {
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
	a, err := engine.FixtureAsset(audit.KindContainer, base, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range eng.EvaluateAsset(a) {
		if f.Status != audit.StatusPass {
			t.Errorf("baseline: %s is %s (%s), want pass", f.CheckID, f.Status, f.Message)
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
}
