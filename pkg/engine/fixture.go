package engine

import (
	"bytes"
	"encoding/json"
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/catalog"
)

// FixtureFailure is a fixture whose check did not reach the expected status.
type FixtureFailure struct {
	CheckID string
	Case    string // "fail #1", "pass #2", "unknown #1"
	Want    audit.Status
	Got     audit.Status
	Message string
}

func (f FixtureFailure) String() string {
	msg := ""
	if f.Message != "" {
		msg = " (" + f.Message + ")"
	}
	return fmt.Sprintf("%s fixture %s: got %s, want %s%s", f.CheckID, f.Case, f.Got, f.Want, msg)
}

// RunFixtures evaluates every check's own fixtures, each merged over the
// baseline document (a YAML mapping with `container` and `host` keys), and
// returns the fixtures that did not reach their status. A check without a
// pass and a fail fixture is reported too.
func (e *Engine) RunFixtures(cat *catalog.Catalog, baselineYAML []byte) ([]FixtureFailure, error) {
	var base map[string]any
	if err := yaml.Unmarshal(baselineYAML, &base); err != nil {
		return nil, fmt.Errorf("parse fixture baseline: %w", err)
	}
	var out []FixtureFailure
	for _, chk := range cat.Checks {
		if chk.Deprecated {
			continue
		}
		if len(chk.Fixtures.Pass) == 0 || len(chk.Fixtures.Fail) == 0 {
			out = append(out, FixtureFailure{CheckID: chk.ID, Case: "-", Message: "needs at least one pass and one fail fixture"})
			continue
		}
		for want, list := range map[audit.Status][]audit.Fixture{audit.StatusPass: chk.Fixtures.Pass,
			audit.StatusFail: chk.Fixtures.Fail, audit.StatusUnknown: chk.Fixtures.Unknown} {
			for i, fx := range list {
				res, err := e.runFixture(chk, base, fx)
				c := fmt.Sprintf("%s #%d", want, i+1)
				if err != nil {
					out = append(out, FixtureFailure{CheckID: chk.ID, Case: c, Want: want, Message: err.Error()})
					continue
				}
				if res.Status != want {
					out = append(out, FixtureFailure{CheckID: chk.ID, Case: c, Want: want, Got: res.Status, Message: res.Message})
				}
			}
		}
	}
	return out, nil
}

func (e *Engine) runFixture(chk *audit.Check, base map[string]any, fx audit.Fixture) (*audit.Finding, error) {
	a, err := FixtureAsset(chk.Kind, base, fx)
	if err != nil {
		return nil, err
	}
	if a.Kind == audit.KindHost && !chk.AppliesTo(a.Platform) && len(chk.Platforms) > 0 {
		// Host fixtures carry no platform of their own: run them as the
		// first platform the check names.
		a.Platform = chk.Platforms[0]
	}
	if !chk.AppliesTo(a.Platform) {
		// The check does not run on this platform, so it cannot fail there.
		return &audit.Finding{CheckID: chk.ID, Status: audit.StatusPass,
			Message: "not applicable to platform " + a.Platform}, nil
	}
	for _, f := range e.EvaluateAsset(a) {
		if f.CheckID == chk.ID {
			return &f, nil
		}
	}
	return nil, fmt.Errorf("check %s did not run on a %s asset", chk.ID, chk.Kind)
}

// FixtureAsset builds an asset of the given kind from base with fixture
// merged over it (RFC 7386 JSON merge patch: mappings merge, everything
// else replaces, null deletes).
func FixtureAsset(kind audit.Kind, base, fixture map[string]any) (*audit.Asset, error) {
	for k := range fixture {
		if k != VarContainer && k != VarVM && k != VarHost {
			return nil, fmt.Errorf("fixture key %q unknown (supported: container, vm, host)", k)
		}
	}
	doc := mergePatch(deepCopy(base), fixture).(map[string]any)
	a := &audit.Asset{ID: "fixture://" + string(kind), Name: "fixture", Kind: kind}
	if err := remarshal(doc["host"], &a.Host); err != nil {
		return nil, fmt.Errorf("fixture host: %w", err)
	}
	switch kind {
	case audit.KindContainer:
		a.Container = &audit.Container{}
		if err := remarshal(doc[VarContainer], a.Container); err != nil {
			return nil, fmt.Errorf("fixture container: %w", err)
		}
	case audit.KindVM:
		a.VM = &audit.VM{}
		if err := remarshal(doc[VarVM], a.VM); err != nil {
			return nil, fmt.Errorf("fixture vm: %w", err)
		}
		a.Platform = a.VM.Platform // checks narrowed to platforms select on it
	case audit.KindHost:
		// A host fixture is what the collectors emit: the libvirt host
		// asset when it carries hypervisor facts, else the machine.
		a.Platform = audit.PlatformLinux
		if a.HostFacts().Virt.Known {
			a.Platform = audit.PlatformLibvirt
		}
	}
	return a, nil
}

func remarshal(in any, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(out)
}

func mergePatch(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
			continue
		}
		tm[k] = mergePatch(tm[k], v)
	}
	return tm
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = deepCopy(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = deepCopy(x)
		}
		return out
	}
	return v
}
