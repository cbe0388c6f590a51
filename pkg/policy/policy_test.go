package policy

import (
	"strings"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

func TestBuiltinDefaultProfile(t *testing.T) {
	p, err := BuiltinProfile("default")
	if err != nil {
		t.Fatal(err)
	}
	if w := p.ScoreWeights(); w[audit.SeverityCritical] != 0.9 || w[audit.SeverityLow] != 0.05 {
		t.Errorf("weights = %v", w)
	}
	if _, err := BuiltinProfile("nope"); err == nil || !strings.Contains(err.Error(), "supported: cis-docker-1.6, default, strict") {
		t.Errorf("unknown profile error = %v", err)
	}
}

func TestParseProfileRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"unknown key":     "name: x\ncolour: red\nweights: {critical: 1, high: 1, medium: 1, low: 1, info: 1}\n",
		"missing weight":  "name: x\nweights: {critical: 0.9}\n",
		"bad severity":    "name: x\nweights: {urgent: 0.9}\n",
		"inverted weight": "name: x\nweights: {critical: 0.1, high: 0.5, medium: 0.2, low: 0.05, info: 0}\n",
	} {
		if _, err := ParseProfile([]byte(doc), "p.yaml"); err == nil || !strings.Contains(err.Error(), "p.yaml") {
			t.Errorf("%s: error = %v, want one naming the file", name, err)
		}
	}
}

func TestGate(t *testing.T) {
	high := audit.SeverityHigh
	r := &audit.Report{
		Assets: []audit.AssetResult{{Asset: &audit.Asset{ID: "a"}, Risk: 95}, {Asset: &audit.Asset{ID: "b"}, Risk: 5}},
		Findings: audit.NewFindings(
			audit.Finding{Status: audit.StatusFail, Severity: audit.SeverityCritical},
			audit.Finding{Status: audit.StatusWaived, Severity: audit.SeverityCritical},
			audit.Finding{Status: audit.StatusFail, Severity: audit.SeverityMedium},
		),
	}
	tests := []struct {
		name   string
		gate   Gate
		result string
		n      int
	}{
		{"no gate", NoGate(), "not_evaluated", 0},
		{"fail-on high trips on the critical", Gate{FailOn: &high, MaxRisk: -1}, "fail", 1},
		{"max-risk 90 trips on asset a", Gate{MaxRisk: 90}, "fail", 1},
		{"max-risk 95 is not exceeded", Gate{MaxRisk: 95}, "pass", 0},
		{"both", Gate{FailOn: &high, MaxRisk: 0}, "fail", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.gate.Evaluate(r)
			if got.Result != tt.result || len(got.Reasons) != tt.n {
				t.Errorf("Evaluate = %+v, want %s with %d reasons", got, tt.result, tt.n)
			}
		})
	}
}
