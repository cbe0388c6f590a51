package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/score"
	"github.com/isoaudit/isoaudit/policies"
)

// Profile is a policy: a named set of decisions about which checks count,
// how much, and what fails a pipeline. Every section but name is optional.
// Decoding is strict (an unknown key is an error); new sections are added
// as new fields.
type Profile struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// Framework names the benchmark the Controls come from, e.g.
	// "CIS Docker Benchmark 1.6.0".
	Framework string `yaml:"framework"`
	// Weights are the score weights per severity; all five when given,
	// the defaults (DESIGN.md) when absent.
	// Keys are severity names; they are checked on load, so every bad
	// key is reported with its line.
	Weights  map[string]float64 `yaml:"weights"`
	Checks   Selection          `yaml:"checks"`
	Gate     GateSpec           `yaml:"gate"`
	Controls []Control          `yaml:"controls"`
	// Trust is the image trust policy (see trust.go).
	Trust Trust `yaml:"trust"`

	// File and SHA256 say where the policy came from ("policies/NAME.yaml"
	// for a built-in one).
	File   string `yaml:"-"`
	SHA256 string `yaml:"-"`
	root   *yaml.Node
	// weights and severity are Weights and Checks.Severity, parsed.
	weights  score.Weights
	severity map[string]audit.Severity
}

// Selection says which checks report and at what severity.
type Selection struct {
	// Include lists check ids or globs ("CE-*"); when set, only matching
	// checks report. Exclude removes matches from what is left.
	Include []string `yaml:"include"`
	Exclude []string `yaml:"exclude"`
	// Severity overrides a check's severity (and so its score weight and
	// which --fail-on level it trips): check id → severity name.
	Severity map[string]string `yaml:"severity"`
}

// GateSpec is the policy's default gate; command-line flags override it.
type GateSpec struct {
	FailOn    string   `yaml:"fail_on"`
	MaxRisk   *float64 `yaml:"max_risk"`
	FailOnNew bool     `yaml:"fail_on_new"`
}

// Control is one benchmark control and the checks that assess it.
type Control struct {
	ID     string   `yaml:"id"`
	Title  string   `yaml:"title"`
	Checks []string `yaml:"checks"`
}

// ScoreWeights returns the profile's weights for package score (the
// defaults when the policy sets none).
func (p *Profile) ScoreWeights() score.Weights {
	if len(p.weights) == 0 {
		return score.DefaultWeights()
	}
	return p.weights
}

// ParseProfile reads a policy strictly, without checking its check ids
// against a catalog; see ParsePolicy.
func ParseProfile(data []byte, label string) (*Profile, error) {
	return ParsePolicy(data, label, nil)
}

// ParsePolicy reads a policy strictly: unknown keys, invalid weights,
// severities and gate values are errors and, when known is non-nil, so is
// any check id or glob that names no check known reports. Every problem
// is listed in a *FileError with its line.
func ParsePolicy(data []byte, label string, known func(id string) bool, all ...string) (*Profile, error) {
	var p Profile
	root, ps, err := decodeStrict(data, label, &p)
	if err != nil {
		return nil, err
	}
	p.root = root
	p.validate(&ps)
	if err := p.Trust.Compile(); err != nil {
		ps.Add(lineOf(p.root, "trust"), "%v", err)
	}
	if known != nil {
		p.validateIDs(&ps, known, all)
	}
	if err := ps.Err(label); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	p.File, p.SHA256 = label, hex.EncodeToString(sum[:])
	return &p, nil
}

// LoadPolicy reads a policy file, or a built-in policy when nameOrFile
// is one of policies.Names() and no file of that name exists.
func LoadPolicy(nameOrFile string, known func(string) bool, all ...string) (*Profile, error) {
	if slices.Contains(policies.Names(), nameOrFile) {
		if _, err := os.Stat(nameOrFile); err != nil {
			return BuiltinProfile(nameOrFile)
		}
	}
	data, err := os.ReadFile(nameOrFile)
	if err != nil {
		return nil, fmt.Errorf("read policy: %w (built-in policies: %s)", err, strings.Join(policies.Names(), ", "))
	}
	return ParsePolicy(data, nameOrFile, known, all...)
}

// BuiltinProfile loads one of the policies embedded in package policies.
func BuiltinProfile(name string) (*Profile, error) {
	data, err := policies.Profile(name)
	if err != nil {
		return nil, err
	}
	return ParseProfile(data, "policies/"+name+".yaml")
}

func (p *Profile) validate(ps *problems) {
	if p.Name == "" {
		ps.Add(p.root.Line, "name is required")
	}
	if len(p.Weights) > 0 {
		weights := mappingValue(p.root, "weights")
		p.weights = score.Weights{}
		ok := true
		for name, w := range p.Weights {
			sev, err := audit.ParseSeverity(name)
			if err != nil {
				ps.Add(keyLine(weights, name), "weights: %v", err)
				ok = false
				continue
			}
			p.weights[sev] = w
		}
		if err := p.weights.Validate(); ok && err != nil {
			ps.Add(lineOf(p.root, "weights"), "weights: %v", err)
		}
	}
	sevNode := mappingValue(mappingValue(p.root, "checks"), "severity")
	p.severity = map[string]audit.Severity{}
	for id, name := range p.Checks.Severity {
		sev, err := audit.ParseSeverity(name)
		if err != nil {
			ps.Add(lineOf(sevNode, id), "checks severity %s: %v", id, err)
			continue
		}
		p.severity[id] = sev
	}
	gate := mappingValue(p.root, "gate")
	if p.Gate.FailOn != "" {
		if _, err := audit.ParseSeverity(p.Gate.FailOn); err != nil {
			ps.Add(lineOf(gate, "fail_on"), "gate fail_on: %v", err)
		}
	}
	if m := p.Gate.MaxRisk; m != nil && (*m < 0 || *m > 100) {
		ps.Add(lineOf(gate, "max_risk"), "gate max_risk %v outside 0-100", *m)
	}
	checks := mappingValue(p.root, "checks")
	for key, list := range map[string][]string{"include": p.Checks.Include, "exclude": p.Checks.Exclude} {
		node := mappingValue(checks, key)
		for i, g := range list {
			if _, err := path.Match(g, ""); err != nil || g == "" {
				ps.Add(itemLine(node, i), "checks %s %q is not a check id or glob", key, g)
			}
		}
	}
	controls := mappingValue(p.root, "controls")
	seen := map[string]int{}
	for i, c := range p.Controls {
		n := itemNode(controls, i)
		switch {
		case c.ID == "":
			ps.Add(n.Line, "control: id is required")
		case seen[c.ID] > 0:
			ps.Add(lineOf(n, "id"), "control %s already defined on line %d", c.ID, seen[c.ID])
		default:
			seen[c.ID] = lineOf(n, "id")
		}
		if c.Title == "" {
			ps.Add(n.Line, "control %s: title is required", c.ID)
		}
		if len(c.Checks) == 0 {
			ps.Add(lineOf(n, "checks"), "control %s: checks must list at least one check id", c.ID)
		}
	}
}

// validateIDs reports every check id or glob that matches no known check.
// all lists every known id (for globs).
func (p *Profile) validateIDs(ps *problems, known func(string) bool, all []string) {
	matches := func(g string) bool {
		if !strings.ContainsAny(g, "*?[") {
			return known(g)
		}
		for _, id := range all {
			if ok, _ := path.Match(g, id); ok {
				return true
			}
		}
		return false
	}
	checks := mappingValue(p.root, "checks")
	for _, key := range []string{"include", "exclude"} {
		list := p.Checks.Include
		if key == "exclude" {
			list = p.Checks.Exclude
		}
		node := mappingValue(checks, key)
		for i, g := range list {
			if !matches(g) {
				ps.Add(itemLine(node, i), "checks %s %q matches no check (see `isoaudit checks list`)", key, g)
			}
		}
	}
	sev := mappingValue(checks, "severity")
	for id := range p.Checks.Severity {
		if !known(id) {
			ps.Add(keyLine(sev, id), "checks severity: unknown check %q", id)
		}
	}
	controls := mappingValue(p.root, "controls")
	for i, c := range p.Controls {
		node := mappingValue(itemNode(controls, i), "checks")
		for j, id := range c.Checks {
			if !known(id) {
				ps.Add(itemLine(node, j), "control %s: unknown check %q", c.ID, id)
			}
		}
	}
}

// Reports says whether the policy lets check id report at all.
func (p *Profile) Reports(id string) bool {
	if len(p.Checks.Include) > 0 && !anyGlob(p.Checks.Include, id) {
		return false
	}
	return !anyGlob(p.Checks.Exclude, id)
}

// Apply drops the findings of checks the policy does not select and
// applies its severity overrides, in place; it returns the kept findings.
// Call it before scoring.
func (p *Profile) Apply(findings []audit.Finding) []audit.Finding {
	out := findings[:0]
	for _, f := range findings {
		if !p.Reports(f.CheckID) {
			continue
		}
		if sev, ok := p.severity[f.CheckID]; ok {
			f.Severity = sev
		}
		out = append(out, f)
	}
	return out
}

// DefaultGate is the gate the policy sets, before command-line flags.
func (p *Profile) DefaultGate() Gate {
	g := NoGate()
	if p.Gate.FailOn != "" {
		if sev, err := audit.ParseSeverity(p.Gate.FailOn); err == nil {
			g.FailOn = &sev
		}
	}
	if p.Gate.MaxRisk != nil {
		g.MaxRisk = *p.Gate.MaxRisk
	}
	g.FailOnNew = p.Gate.FailOnNew
	return g
}

func anyGlob(globs []string, id string) bool {
	for _, g := range globs {
		if ok, _ := path.Match(g, id); ok {
			return true
		}
	}
	return false
}

func itemNode(seq *yaml.Node, i int) *yaml.Node {
	if seq == nil || seq.Kind != yaml.SequenceNode || i >= len(seq.Content) {
		return seq
	}
	return seq.Content[i]
}

func itemLine(seq *yaml.Node, i int) int {
	if n := itemNode(seq, i); n != nil {
		return n.Line
	}
	return 0
}

func keyLine(m *yaml.Node, key string) int {
	if m != nil && m.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == key {
				return m.Content[i].Line
			}
		}
		return m.Line
	}
	return 0
}
