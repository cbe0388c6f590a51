package score

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// Weights maps each severity to the probability-like weight a failed
// finding of that severity carries in the noisy-OR (each in [0, 1]).
type Weights map[audit.Severity]float64

// DefaultWeights are DESIGN.md's defaults: critical 0.9, high 0.5,
// medium 0.2, low 0.05, info 0.
func DefaultWeights() Weights {
	return Weights{audit.SeverityCritical: 0.9, audit.SeverityHigh: 0.5, audit.SeverityMedium: 0.2,
		audit.SeverityLow: 0.05, audit.SeverityInfo: 0}
}

// Validate checks that every severity has a weight in [0, 1] and that
// weights do not fall as severity rises.
func (w Weights) Validate() error {
	prev := -1.0
	for _, s := range audit.Severities() {
		v, ok := w[s]
		if !ok {
			return fmt.Errorf("no weight for severity %s", s)
		}
		if v < 0 || v > 1 || math.IsNaN(v) {
			return fmt.Errorf("weight %v for severity %s outside [0, 1]", v, s)
		}
		if v < prev {
			return fmt.Errorf("weight for %s (%v) is below that of a lower severity (%v)", s, v, prev)
		}
		prev = v
	}
	return nil
}

// Weight is the weight of one finding: its severity's weight times the
// factor of every mitigation that held, or 0 when it did not fail.
func (w Weights) Weight(f *audit.Finding) float64 {
	if f.Status != audit.StatusFail {
		return 0
	}
	v := w[f.Severity]
	for _, m := range f.Mitigations {
		v *= m.Factor
	}
	return v
}

// Risk combines weights with a noisy-OR: 100 × (1 − Π(1 − wᵢ)), rounded
// to one decimal. It is bounded to [0, 100], never falls when a weight is
// added, and one weight of 0.9 alone gives 90.
func Risk(weights []float64) float64 {
	keep := 1.0
	for _, w := range weights {
		keep *= 1 - clamp01(w)
	}
	return math.Round(1000*(1-keep)) / 10
}

// Grade maps a risk to a letter: A < 10 ≤ B < 25 ≤ C < 50 ≤ D < 90 ≤ F.
func Grade(risk float64) string {
	switch {
	case risk < 10:
		return "A"
	case risk < 25:
		return "B"
	case risk < 50:
		return "C"
	case risk < 90:
		return "D"
	}
	return "F"
}

// Grades lists the grades, best first.
func Grades() []string { return []string{"A", "B", "C", "D", "F"} }

// TagVulnerability marks findings about known vulnerable packages in an
// image; an asset's risk counts only the heaviest of them.
const TagVulnerability = "vulnerability"

// Asset sets each finding's Weight and returns the asset's risk and grade.
// Vulnerabilities count once per asset: of the failed findings tagged
// TagVulnerability (the image's fixable CVEs, and the chain that escalates
// them on an escape-prone container) only the heaviest keeps its weight;
// the others get 0, so one image's CVEs never raise the risk twice.
func (w Weights) Asset(findings []audit.Finding) (risk float64, grade string) {
	ws := make([]float64, 0, len(findings))
	heaviestVuln := -1
	for i := range findings {
		findings[i].Weight = w.Weight(&findings[i])
		if findings[i].Weight > 0 && slices.Contains(findings[i].Tags, TagVulnerability) {
			if heaviestVuln >= 0 && findings[heaviestVuln].Weight >= findings[i].Weight {
				findings[i].Weight = 0
				continue
			}
			if heaviestVuln >= 0 {
				findings[heaviestVuln].Weight = 0
			}
			heaviestVuln = i
		}
	}
	for i := range findings {
		if findings[i].Weight > 0 {
			ws = append(ws, findings[i].Weight)
		}
	}
	risk = Risk(ws)
	return risk, Grade(risk)
}

// Fleet summarizes per-asset risks: the worst and the mean (0 for none),
// and the count per grade.
func Fleet(risks []float64) (worst, mean float64, byGrade map[string]int) {
	byGrade = map[string]int{}
	for _, g := range Grades() {
		byGrade[g] = 0
	}
	if len(risks) == 0 {
		return 0, 0, byGrade
	}
	sorted := append([]float64(nil), risks...)
	sort.Float64s(sorted)
	sum := 0.0
	for _, r := range sorted {
		sum += r
		byGrade[Grade(r)]++
	}
	return sorted[len(sorted)-1], math.Round(10*sum/float64(len(sorted))) / 10, byGrade
}

func clamp01(v float64) float64 {
	return math.Max(0, math.Min(1, v))
}
