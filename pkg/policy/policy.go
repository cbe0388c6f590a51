package policy

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/isoaudit/isoaudit/pkg/audit"
	"github.com/isoaudit/isoaudit/pkg/score"
	"github.com/isoaudit/isoaudit/policies"
)

// Profile is a named set of scoring decisions.
type Profile struct {
	Name        string                     `yaml:"name"`
	Description string                     `yaml:"description"`
	Weights     map[audit.Severity]float64 `yaml:"weights"`
}

// ScoreWeights returns the profile's weights for package score.
func (p *Profile) ScoreWeights() score.Weights { return score.Weights(p.Weights) }

// ParseProfile reads a profile strictly: unknown keys are errors and
// weights must be valid.
func ParseProfile(data []byte, label string) (*Profile, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var p Profile
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("parse policy %s: %w", label, err)
	}
	if err := p.ScoreWeights().Validate(); err != nil {
		return nil, fmt.Errorf("parse policy %s: weights: %w", label, err)
	}
	return &p, nil
}

// BuiltinProfile loads one of the profiles embedded in package policies.
func BuiltinProfile(name string) (*Profile, error) {
	data, err := policies.Profile(name)
	if err != nil {
		return nil, err
	}
	return ParseProfile(data, "policies/"+name+".yaml")
}
