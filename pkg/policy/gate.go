package policy

import (
	"fmt"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// Gate is what a pipeline fails on. The zero Gate never trips.
type Gate struct {
	// FailOn trips on any failed (not waived) finding at or above this
	// severity; nil disables it.
	FailOn *audit.Severity
	// MaxRisk trips when any asset's risk exceeds it; negative disables it.
	MaxRisk float64
	// FailOnNew restricts FailOn to regressions: it trips only on failed
	// findings a baseline marked new (at or above FailOn when that is set,
	// any severity otherwise).
	FailOnNew bool
}

// NoGate returns a gate that never trips.
func NoGate() Gate { return Gate{MaxRisk: -1} }

// Validate checks the gate's bounds.
func (g Gate) Validate() error {
	if g.MaxRisk > 100 {
		return fmt.Errorf("--max-risk %v outside 0–100", g.MaxRisk)
	}
	return nil
}

// Enabled reports whether any condition is set.
func (g Gate) Enabled() bool { return g.FailOn != nil || g.MaxRisk >= 0 || g.FailOnNew }

// Evaluate returns the gate result for a scored report: "not_evaluated"
// when no condition is set, else "pass" or "fail" with one reason per
// tripped condition.
func (g Gate) Evaluate(r *audit.Report) *audit.GateResult {
	if !g.Enabled() {
		return &audit.GateResult{Result: "not_evaluated", Reasons: []string{}}
	}
	res := &audit.GateResult{Result: "pass", Reasons: []string{}}
	if g.FailOnNew {
		n := 0
		for i := range r.Findings.Len() {
			if r.Findings.Status(i) != audit.StatusFail {
				continue
			}
			if f := r.Findings.At(i); f.Baseline == audit.BaselineNew && (g.FailOn == nil || f.Severity >= *g.FailOn) {
				n++
			}
		}
		if n > 0 {
			res.Reasons = append(res.Reasons, fmt.Sprintf("%d new failed finding(s) since the baseline", n))
		}
	} else if g.FailOn != nil {
		n := 0
		for i := range r.Findings.Len() {
			if r.Findings.Status(i) == audit.StatusFail && r.Findings.Severity(i) >= *g.FailOn {
				n++
			}
		}
		if n > 0 {
			res.Reasons = append(res.Reasons, fmt.Sprintf("%d failed finding(s) with severity >= %s", n, *g.FailOn))
		}
	}
	if g.MaxRisk >= 0 {
		for _, a := range r.Assets {
			if a.Risk > g.MaxRisk {
				res.Reasons = append(res.Reasons, fmt.Sprintf("%s risk %.1f > max %.1f", a.ID, a.Risk, g.MaxRisk))
			}
		}
	}
	if len(res.Reasons) > 0 {
		res.Result = "fail"
	}
	return res
}
