package policy

import (
	"slices"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

// Report describes the policy and judges each of its controls over the
// report's findings: fail when any finding of its checks failed, else
// unknown when one is unknown or in error, else waived when one is
// waived, else pass when one passed, else not_applicable.
func (p *Profile) Report(r *audit.Report) *audit.PolicyReport {
	out := &audit.PolicyReport{Name: p.Name, File: p.File, SHA256: p.SHA256, Framework: p.Framework,
		Controls: make([]audit.ControlResult, 0, len(p.Controls))}
	byCheck := map[string][]int{} // finding indexes
	for i := range r.Findings.Len() {
		id := r.Findings.CheckID(i)
		byCheck[id] = append(byCheck[id], i)
	}
	rank := map[audit.Status]int{audit.StatusPass: 1, audit.StatusWaived: 2, audit.StatusUnknown: 3, audit.StatusError: 3, audit.StatusFail: 4}
	verdict := []string{audit.ControlNotApplicable, audit.ControlPass, audit.ControlWaived, audit.ControlUnknown, audit.ControlFail}
	for _, c := range p.Controls {
		res := audit.ControlResult{ID: c.ID, Title: c.Title, Checks: slices.Clone(c.Checks), Assets: []string{}}
		worst := 0
		for _, id := range c.Checks {
			for _, i := range byCheck[id] {
				st := r.Findings.Status(i)
				worst = max(worst, rank[st])
				if st == audit.StatusFail {
					res.Failed++
					if asset := r.Findings.AssetID(i); !slices.Contains(res.Assets, asset) {
						res.Assets = append(res.Assets, asset)
					}
				}
			}
		}
		slices.Sort(res.Assets)
		res.Status = verdict[worst]
		out.Controls = append(out.Controls, res)
	}
	return out
}
