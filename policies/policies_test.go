package policies_test

import (
	"slices"
	"sort"
	"testing"

	"github.com/isoaudit/isoaudit/checks"
	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/policy"
	"github.com/isoaudit/isoaudit/policies"
)

// TestBuiltinPoliciesNameRealChecks validates every built-in policy
// against the built-in catalog: each check id, glob and control resolves.
func TestBuiltinPoliciesNameRealChecks(t *testing.T) {
	cat, err := checks.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range cat.Checks {
		ids = append(ids, c.ID)
	}
	known := func(id string) bool { return cat.Check(id) != nil }
	for _, name := range policies.Names() {
		data, err := policies.Profile(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := policy.ParsePolicy(data, name, known, ids...); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestCISPolicyFollowsCheckReferences keeps policies/cis-docker-1.6.yaml
// and the checks' references.cis in step: a control lists exactly the
// checks that cite it, and the policy reports exactly those checks.
func TestCISPolicyFollowsCheckReferences(t *testing.T) {
	p, err := policy.BuiltinProfile("cis-docker-1.6")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := checks.Builtin(audit.KindContainer)
	if err != nil {
		t.Fatal(err)
	}
	cited := map[string][]string{}
	var citing []string
	for _, c := range cat.Checks {
		for _, ctl := range c.References.CIS {
			cited[ctl] = append(cited[ctl], c.ID)
		}
		if len(c.References.CIS) > 0 {
			citing = append(citing, c.ID)
		}
	}
	listed := map[string]bool{}
	for _, ctl := range p.Controls {
		got, want := slices.Sorted(slices.Values(ctl.Checks)), slices.Sorted(slices.Values(cited[ctl.ID]))
		if !slices.Equal(got, want) {
			t.Errorf("control %s lists %v; the checks citing it are %v", ctl.ID, got, want)
		}
		listed[ctl.ID] = true
	}
	for ctl, ids := range cited {
		if !listed[ctl] {
			t.Errorf("CIS %s is cited by %v but is not a control of the policy", ctl, ids)
		}
	}
	for _, c := range cat.Checks {
		if p.Reports(c.ID) != slices.Contains(citing, c.ID) {
			t.Errorf("%s: reported %v, cites CIS %v", c.ID, p.Reports(c.ID), c.References.CIS)
		}
	}
	sort.Strings(citing)
	if len(citing) == 0 {
		t.Fatal("no check cites CIS")
	}
}
