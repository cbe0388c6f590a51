package score

import (
	"math/rand/v2"
	"testing"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

func TestRisk(t *testing.T) {
	tests := []struct {
		name    string
		weights []float64
		want    float64
	}{
		{"no findings", nil, 0},
		{"one critical alone reaches 90", []float64{0.9}, 90},
		{"two highs", []float64{0.5, 0.5}, 75},
		{"critical plus high", []float64{0.9, 0.5}, 95},
		{"lows add up slowly", []float64{0.05, 0.05}, 9.8},
		{"out of range weights are clamped", []float64{2, -1}, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Risk(tt.weights); got != tt.want {
				t.Errorf("Risk(%v) = %v, want %v", tt.weights, got, tt.want)
			}
		})
	}
}

func TestRiskIsMonotoneAndBounded(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 1000; i++ {
		var ws []float64
		prev := 0.0
		for j := 0; j < 12; j++ {
			ws = append(ws, r.Float64())
			got := Risk(ws)
			if got < prev || got < 0 || got > 100 {
				t.Fatalf("Risk(%v) = %v after %v: adding a failure lowered risk or left bounds", ws, got, prev)
			}
			prev = got
		}
	}
}

func TestWeightAppliesSeverityAndMitigations(t *testing.T) {
	w := DefaultWeights()
	f := audit.Finding{Status: audit.StatusFail, Severity: audit.SeverityCritical,
		Mitigations: []audit.AppliedMitigation{{ID: "userns-remap", Factor: 0.5}}}
	if got := w.Weight(&f); got != 0.45 {
		t.Errorf("mitigated critical weight = %v, want 0.45", got)
	}
	for _, st := range []audit.Status{audit.StatusPass, audit.StatusUnknown, audit.StatusWaived, audit.StatusError} {
		f.Status = st
		if got := w.Weight(&f); got != 0 {
			t.Errorf("weight of a %s finding = %v, want 0", st, got)
		}
	}
}

func TestGrade(t *testing.T) {
	for risk, want := range map[float64]string{0: "A", 9.9: "A", 10: "B", 24.9: "B", 25: "C", 50: "D", 89.9: "D", 90: "F", 100: "F"} {
		if got := Grade(risk); got != want {
			t.Errorf("Grade(%v) = %s, want %s", risk, got, want)
		}
	}
}

func TestWeightsValidate(t *testing.T) {
	if err := DefaultWeights().Validate(); err != nil {
		t.Fatalf("default weights invalid: %v", err)
	}
	bad := DefaultWeights()
	bad[audit.SeverityHigh] = 0.95
	if err := bad.Validate(); err == nil {
		t.Error("high weight above critical was accepted")
	}
	delete(bad, audit.SeverityHigh)
	if err := bad.Validate(); err == nil {
		t.Error("missing weight was accepted")
	}
}

func TestFleet(t *testing.T) {
	worst, mean, by := Fleet([]float64{90, 10, 5})
	if worst != 90 || mean != 35 || by["F"] != 1 || by["B"] != 1 || by["A"] != 1 {
		t.Errorf("Fleet = %v %v %v", worst, mean, by)
	}
	worst, mean, by = Fleet(nil)
	if worst != 0 || mean != 0 || len(by) != 5 {
		t.Errorf("empty Fleet = %v %v %v", worst, mean, by)
	}
}

func TestAssetCountsVulnerabilitiesOnce(t *testing.T) {
	w := DefaultWeights()
	vuln := []string{"image", TagVulnerability}
	findings := []audit.Finding{
		{CheckID: "CE-IMG-010", Status: audit.StatusFail, Severity: audit.SeverityHigh, Tags: vuln},
		{CheckID: "CE-PRIV-001", Status: audit.StatusFail, Severity: audit.SeverityCritical},
		{CheckID: "CE-CHAIN-016", Status: audit.StatusFail, Severity: audit.SeverityCritical, Tags: vuln},
		{CheckID: "CE-IMG-011", Status: audit.StatusFail, Severity: audit.SeverityHigh, Tags: vuln},
	}
	risk, _ := w.Asset(findings)
	if want := Risk([]float64{0.9, 0.9}); risk != want {
		t.Errorf("risk = %v, want %v (the privileged finding and one vulnerability finding)", risk, want)
	}
	got := []float64{findings[0].Weight, findings[1].Weight, findings[2].Weight, findings[3].Weight}
	if got[0] != 0 || got[1] != 0.9 || got[2] != 0.9 || got[3] != 0 {
		t.Errorf("weights = %v, want only the chain to carry the vulnerability weight", got)
	}
	// Without the chain the image finding alone counts, once.
	risk, _ = w.Asset(findings[:1])
	if risk != 50 {
		t.Errorf("image finding alone: risk = %v, want 50", risk)
	}
}
